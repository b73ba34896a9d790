"""Spelling on keyed encodings: Dice of word Bloom filters and one-edit variants.

A close spelling ('ryzn' / 'ryan', 'daivs' / 'davis') is compared without either word
in clear: each word is a keyed Bloom filter of its bigrams and a set of keyed hashes
of its one-letter deletions.
"""

from __future__ import annotations

import numpy as np

from .encode import Role


def bloom_dice(c_f: dict[str, np.ndarray], r_f: dict[str, np.ndarray], c_rows: np.ndarray, r_rows: np.ndarray,
               close: float, chunk: int = 1_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Dice of keyed word Bloom filters per (connection word, roster word) row pair, raised to
    `close` where two different words are one edit apart; and whether the two filters differ.

    Chunked: the filters of tens of millions of pairs, gathered at once, take gigabytes.
    """
    n = len(c_rows)
    dice, differ = np.empty(n), np.empty(n, dtype=bool)
    variants = "variants" in c_f and "variants" in r_f
    for start in range(0, n, chunk):
        cr, rr = c_rows[start:start + chunk], r_rows[start:start + chunk]
        a, b = c_f["bits"][cr], r_f["bits"][rr]
        inter = np.bitwise_count(a & b).sum(axis=1)
        total = np.bitwise_count(a).sum(axis=1) + np.bitwise_count(b).sum(axis=1)
        d = 2 * inter / np.maximum(total, 1)
        diff = (a != b).any(axis=1)
        del a, b
        if variants:
            d = one_edit(d, diff, c_f["variants"], r_f["variants"], cr, rr, close)
        dice[start:start + chunk], differ[start:start + chunk] = d, diff
    return dice, differ


def one_edit(dice: np.ndarray, differ: np.ndarray, c_variants: np.ndarray, r_variants: np.ndarray,
             c_rows: np.ndarray, r_rows: np.ndarray, close: float) -> np.ndarray:
    """Dice raised to `close` where two different words are one edit apart.

    Only pairs with some bigram overlap are checked (one edit leaves Dice >= 0.4 even
    in three-letter words), which spares the slot-by-slot comparison for most pairs.
    """
    check = np.flatnonzero((dice >= 0.4) & (dice < close))
    if not len(check):
        return dice
    shared = shares_variant(c_variants[c_rows[check]], r_variants[r_rows[check]])
    out = dice.copy()
    out[check[shared & differ[check]]] = close
    return out


def word_length(variants: np.ndarray) -> np.ndarray:
    """Letters of a word from its variant hashes (first letter, then n + 1 forms for n >= 3 letters)."""
    filled = (variants[:, 1:] != 0).sum(axis=1)
    return np.clip(np.where(filled > 1, filled - 1, 2), 0, 16)


def shares_variant(a: np.ndarray, b: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    """Row-wise: same first letter, and a word or one-letter deletion in common (one edit apart)."""
    out = np.zeros(len(a), dtype=bool)
    for start in range(0, len(a), chunk):
        x, y = a[start:start + chunk, 1:], b[start:start + chunk, 1:]
        same_first = a[start:start + chunk, 0] == b[start:start + chunk, 0]
        out[start:start + chunk] = same_first & ((x[:, :, None] == y[:, None, :])
                                                 & (x[:, :, None] != 0)).any(axis=(1, 2))
    return out


def chance_rates(c_f: dict[str, np.ndarray], r_f: dict[str, np.ndarray], close_from: float, loose_from: float,
                 sample: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """How often a random connection word is spelled like a roster word without being
    that word, per role and by the roster word's length: role -> (close, loose) rates
    per length 0..16.

    Close: Dice >= close_from or one edit apart; loose: loose_from <= Dice < close_from.
    Measured on one seeded sample of word pairs of this audit (the u of the typo levels);
    short words have many neighbours ('ana', 'ava', 'eva'), long ones few.
    """
    c_bits, r_bits = c_f["bits"], r_f["bits"]
    lengths = 17
    roles = (int(Role.GIVEN), int(Role.SURNAME))
    if not len(c_bits) or not len(r_bits):
        return {role: (np.full(lengths, 1e-3), np.full(lengths, 1e-3)) for role in roles}
    rng = np.random.default_rng(0)
    n = sample
    c_rows = rng.integers(0, len(c_bits), n)
    r_rows = rng.integers(0, len(r_bits), n)
    dice, differ = bloom_dice(c_f, r_f, c_rows, r_rows, close_from)
    length = word_length(r_f["variants"][r_rows]) if "variants" in r_f else np.full(n, lengths - 1)
    role_of = r_f["role"][r_rows]
    out = {}
    for role in roles:
        mine = role_of == role
        close = np.bincount(length[mine], weights=(differ & (dice >= close_from))[mine], minlength=lengths)
        loose = np.bincount(length[mine], weights=(differ & (dice >= loose_from) & (dice < close_from))[mine],
                            minlength=lengths)
        seen = np.bincount(length[mine], minlength=lengths)
        # Lengths seldom sampled lean on the role's overall rate.
        k = max(int(mine.sum()), 1)
        overall = (close.sum() + 0.5) / (k + 1), (loose.sum() + 0.5) / (k + 1)
        out[role] = ((close + 20 * overall[0]) / (seen + 20), (loose + 20 * overall[1]) / (seen + 20))
    return out
