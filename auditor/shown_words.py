"""How a display name's words line up with a client's name: hyphenated compounds and order.

Word tokens say which words agree; these rules say when an agreeing word is not the name
it seems: a part of a compound surname, one part of a compound given name, a second given
name shown after a first name that is not hers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .encode import INITIAL_PART, Kind, Source

MAX_WORD_BIT = 63           # display words are bits of an int64


def compound_bits(joined: np.ndarray, word: np.ndarray) -> np.ndarray:
    """Per row: bits of the display words in the hyphenated compound that holds `word` (just
    the word's own bit when it stands alone). `joined` is per row: bit j when word j is
    hyphen-joined to word j - 1."""
    span = np.left_shift(np.int64(1), word)
    for _ in range(4):                                         # compounds of up to five words
        span = span | ((span & joined) >> 1) | ((span << 1) & joined)
    return span


def _shown_part(table: pd.DataFrame, prefix: str) -> np.ndarray:
    """Rows whose `prefix` match is a word of the display name (not a username, not an initial)."""
    part = table[f"{prefix}_cpart"].to_numpy()
    return ((table[f"{prefix}_src"] == Source.NAME).to_numpy() & ~np.isnan(part)
            & (np.nan_to_num(part) < min(INITIAL_PART, MAX_WORD_BIT)))


def in_one_compound(table: pd.DataFrame, joined: np.ndarray) -> np.ndarray:
    """Pairs whose given-name word and surname word are parts of one hyphenated display word
    ('Joyce Nichols-Young' for Nicholas Young: 'Nichols' is part of her surname)."""
    out = np.zeros(len(table), dtype=bool)
    rows = np.flatnonzero(_shown_part(table, "given") & _shown_part(table, "sur"))
    if len(rows):
        given = table["given_cpart"].to_numpy()[rows].astype(np.int64)
        sur = table["sur_cpart"].to_numpy()[rows].astype(np.int64)
        span = compound_bits(joined[table["conn"].to_numpy()[rows]], given)
        out[rows] = (given != sur) & (((span >> sur) & 1) == 1)
    return out


def other_given_name(table: pd.DataFrame, joined: np.ndarray | None) -> np.ndarray:
    """Pairs whose matched given name is not the client's given name, as shown: part of the
    compound surname, one part of a compound given name she does not fill, or her second
    given name after a first display word that is none of hers. `joined` is None when the
    connections carry no compound marks."""
    accounted = accounted_words(table)
    out = first_given_replaced(table, accounted)
    if joined is not None:
        out |= in_one_compound(table, joined) | in_unfilled_compound(table, joined, accounted)
    return out


def in_unfilled_compound(table: pd.DataFrame, joined: np.ndarray, accounted: np.ndarray) -> np.ndarray:
    """Pairs whose given name is matched on one part of a hyphenated display word whose other
    parts no name of the client explains ('Ralf-Peter' for Ralf). `accounted` is
    `accounted_words(table)`."""
    out = np.zeros(len(table), dtype=bool)
    rows = np.flatnonzero(_shown_part(table, "given"))
    if len(rows):
        word = table["given_cpart"].to_numpy()[rows].astype(np.int64)
        compound = compound_bits(joined[table["conn"].to_numpy()[rows]], word)
        out[rows] = (compound & ~accounted[rows]) != 0
    return out


def accounted_words(table: pd.DataFrame) -> np.ndarray:
    """Per pair: bits of the display words the client's name explains, the words matched as
    given name and surname (a close spelling too) included."""
    mask = table["shown"].to_numpy().copy()
    for prefix in ("given", "sur"):
        ok = _shown_part(table, prefix)
        mask[ok] |= np.left_shift(np.int64(1), table[f"{prefix}_cpart"].to_numpy()[ok].astype(np.int64))
    return mask


def first_given_replaced(table: pd.DataFrame, accounted: np.ndarray) -> np.ndarray:
    """Pairs whose given name is matched on the client's second (or later) given name, on a
    display word after the first, while the first display word is no name of the client's
    ('Juan Carlos Monroy' for José Carlos Monroy). `accounted` is `accounted_words(table)`."""
    part = np.nan_to_num(table["given_cpart"].to_numpy())
    later = (_shown_part(table, "given") & (part >= 1)
             & (np.nan_to_num(table["given_rpart"].to_numpy()) >= 1)
             & (table["given_kind"] != Kind.INITIAL).to_numpy())
    return later & ((accounted & 1) == 0)
