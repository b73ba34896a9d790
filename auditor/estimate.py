"""What the audit measures about itself (EM on its own scores): the share of each list that
is clients, and m of the name levels. Hand-set starting values are guesses; the pairs,
weighted by how likely each is the client, say what they are in this audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .encode import Kind, Role, Source
from .pair_table import Groups, set_name_weight
from .weights import EVIDENCE, TYPO_KIND, TYPO_M

if TYPE_CHECKING:
    from .match import MatchSettings


def fit_to_audit(table: pd.DataFrame, groups: Groups, listing: np.ndarray | None, size: int,
                 s: "MatchSettings") -> np.ndarray:
    """EM on the audit's own scores, `prior_rounds` rounds: m of the name levels (see
    `NameLevels`, when `estimate_m`) and the share of connections who are clients, per
    list (a newsletter list may be a fifth clients where a LinkedIn network is a few in
    a hundred). Moves the table's weights and logits; returns the shares, per list.

    Share: start from `prior_client_share`; each round, the expected number of connections
    that are some client (1 - P(none) per connection, summed) gives the next share of the
    whole audit, held towards the start by `prior_pseudo` connections, and each list's share
    is held towards that by `list_pseudo` connections. The logits move by the change in
    prior odds.
    """
    if listing is None:
        listing = np.zeros(size, dtype=np.int32)
    lists = int(listing.max()) + 1 if len(listing) else 1
    counts = np.bincount(listing, minlength=lists).astype(float)
    share = np.full(lists, s.prior_client_share)
    conn = table["conn"].to_numpy()
    row_list = listing[conn]
    levels = NameLevels.of(table, s) if s.estimate_m else None
    for _ in range(s.prior_rounds):
        logit = table["logit"].to_numpy(dtype=float)
        score, _ = groups.against_none(logit)
        if levels is not None:
            levels.update_m(table, score, s.m_pseudo)
        some_client = np.add.reduceat(score, groups.starts)       # 1 - P(none), per connection
        expected = np.bincount(listing[conn[groups.starts]], weights=some_client, minlength=lists)
        overall = (expected.sum() + s.prior_pseudo * s.prior_client_share) / (size + s.prior_pseudo)
        new = np.clip((expected + s.list_pseudo * overall) / (counts + s.list_pseudo), 1e-4, 0.5)
        shift = np.log2(new / (1 - new)) - np.log2(share / (1 - share))
        table["logit"] = table["logit"].to_numpy(dtype=float) + shift[row_list]
        share = new
    return share


# Name levels whose m the audit re-estimates: (column prefix, kind) -> default m. Not the nickname
# level: its pairs score below the share of them that is true (bench/ practice: 0.39 against 0.55
# in the 0.3-0.5 bucket), so EM drives its m down round after round (0.10 -> 0.05, where the true
# share is 0.095); EM can only be trusted where the scores it feeds on are.
M_LEVELS: dict[tuple[str, int], float] = {
    ("given", int(Kind.WORD)): EVIDENCE[(Kind.WORD, Role.GIVEN)][0],
    ("given", int(Kind.PHONETIC)): EVIDENCE[(Kind.PHONETIC, Role.GIVEN)][0],
    ("given", TYPO_KIND): TYPO_M[0],
    ("sur", int(Kind.WORD)): EVIDENCE[(Kind.WORD, Role.SURNAME)][0],
    ("sur", int(Kind.PHONETIC)): EVIDENCE[(Kind.PHONETIC, Role.SURNAME)][0],
    ("sur", TYPO_KIND): TYPO_M[0],
}


@dataclass(slots=True)
class NameLevels:
    """Which pairs sit at which name level, and the m each level has now (EM on the audit).

    m = P(level | same person). Hand-set values were guesses; the audit's own pairs,
    weighted by how likely each is the client, measure them: a sounds-alike code that
    is no close spelling turns out to be far rarer among true pairs than guessed.
    Only name words shown as a name count (a word inside a username has its own m). A
    display word the client's name does not explain is measured the same way, per word
    (hand-set 0.1; bench/ clients never show one, real profiles add middle names).
    """

    rows: dict[tuple[str, int], np.ndarray]   # rows of the table at each level
    names_only: np.ndarray                    # rows without an identifier or a username pattern
    extra_words: np.ndarray                   # per row: display words the client's name does not explain
    extra_m0: float                           # m of one such word before the audit (settings.extra_word_m)
    extra_u: float
    extra_m: float
    m: dict[tuple[str, int], float] = field(default_factory=dict)

    @classmethod
    def of(cls, table: pd.DataFrame, s: "MatchSettings") -> "NameLevels":
        rows = {}
        for (prefix, kind) in M_LEVELS:
            shown = (table[f"{prefix}_src"] == Source.NAME).to_numpy()
            rows[(prefix, kind)] = np.flatnonzero(shown & (table[f"{prefix}_kind"] == kind).to_numpy()).astype(np.int32)
        names_only = table["id_w"].isna().to_numpy() & ~table["use_pattern"].to_numpy()
        extra_words = table["extra_n"].to_numpy()
        return cls(rows, names_only, extra_words, s.extra_word_m, s.extra_word_u, s.extra_word_m, dict(M_LEVELS))

    def update_m(self, table: pd.DataFrame, score: np.ndarray, pseudo: float) -> None:
        """One M-step: each level's m from the scores, held towards its default by `pseudo`
        matches; the pairs' weights and logits move by the change."""
        weight = np.where(self.names_only, score, 0.0)
        total = weight.sum()
        name_before = table["name_w"].to_numpy(dtype=float)
        columns = {prefix: table[f"{prefix}_w"].to_numpy(copy=True) for prefix in ("given", "sur")}
        for level, rows in self.rows.items():
            prefix, _ = level
            m = max((weight[rows].sum() + pseudo * M_LEVELS[level]) / max(total + pseudo, 1e-12), 1e-6)
            columns[prefix][rows] += np.log2(m / self.m[level])
            self.m[level] = m
        for prefix, column in columns.items():
            table[f"{prefix}_w"] = column
        # Words the roster lacks ('Karla Padilla Olivas' for Karla Olivas): per word, how many
        # the audit's likely matches show.
        words_seen = float((weight * self.extra_words).sum())
        self.extra_m = max((words_seen + pseudo * self.extra_m0) / max(total + pseudo, 1e-12), 1e-4)
        table["extra"] = self.extra_words * np.log2(self.extra_m / self.extra_u)
        del columns, weight
        name_w = set_name_weight(table)
        table["logit"] = table["logit"].to_numpy(dtype=float) + (name_w - name_before)
