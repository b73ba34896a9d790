"""Namesakes and name co-occurrence: how telling a given name and a surname are together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .encode import INITIAL_PART, PARTICLE_PART, Kind, Role, Source

if TYPE_CHECKING:
    from .match import MatchSettings


@dataclass(slots=True)
class NamePairs:
    """Name-word pairs counted in one audit: how often a given name and a surname go together.

    Given names and surnames are not independent (families share a language), so the
    chance that a stranger has both a client's given name and surname is more than the
    product of the two frequencies; namesakes of a client in the lists say so directly.
    """

    in_conns: pd.Series      # pair key -> 1 + strangers seen for certain with both words in the lists
    in_roster: pd.Series     # pair key -> clients with this given name and surname
    rho: float               # co-occurrence of name words over what independence predicts
    words: pd.Series         # (client, role, part) key -> the client's name-word token
    rho_of: pd.Series        # client -> the excess for this client's own given name and surname

    def rho_for(self, clients: np.ndarray) -> np.ndarray:
        return self.rho_of.reindex(clients).fillna(self.rho).to_numpy()

    @staticmethod
    def word_key(client: np.ndarray, role: np.ndarray | int, part: np.ndarray) -> np.ndarray:
        return (client.astype(np.int64) << 12) | (np.int64(role) << 10) | (part.astype(np.int64) & 0x3FF)

    def word_token(self, client: np.ndarray, role: int, part: np.ndarray) -> np.ndarray:
        at = self.words.index.get_indexer(self.word_key(client, role, part))
        return np.where(at >= 0, self.words.to_numpy()[np.maximum(at, 0)], 0).astype(np.int64)

    @classmethod
    def measure(cls, r_tok: pd.DataFrame, c_tok: pd.DataFrame, settings: "MatchSettings",
                platform: np.ndarray | None = None, person: np.ndarray | None = None) -> "NamePairs":
        """How often two name words occur together, and how much more often than chance.

        Given names and surnames are not independent (families share a language), so
        the chance that a stranger has both a client's given name and surname is more
        than the product of the two frequencies. `rho` measures that excess on the
        connections' own display names (observed co-occurrences of word pairs over
        what independent words would give); the pair counts give the direct
        estimate for a pair of words seen together more than once.
        """
        s = settings
        sel = ((c_tok["kind"] == Kind.WORD) & (c_tok["c_source"] == Source.NAME)
               & (c_tok["c_part"] < INITIAL_PART)).to_numpy()
        words = c_tok.loc[sel, ["conn", "token"]]
        # Counted per person: a friend who is also followed fills two rows but is one namesake.
        who = person[words["conn"].to_numpy()] if person is not None else words["conn"].to_numpy()
        words = words.assign(who=who).drop_duplicates(["who", "token"])
        joined = words.merge(words[["who", "token"]], on="who")
        joined = joined[joined["token_x"].to_numpy() < joined["token_y"].to_numpy()]
        keys = pair_key(joined["token_x"].to_numpy(), joined["token_y"].to_numpy())
        if platform is not None:
            # Namesakes: one person has one account on a platform, so of n accounts with the
            # name there, at least n - 1 are other people (the client may be any one of them,
            # on each platform): summed over the platforms, strangers seen for certain.
            per_platform = pd.DataFrame({"key": keys, "platform": platform[joined["conn"].to_numpy()]})
            counts = per_platform.groupby(["key", "platform"], sort=False).size()
            in_conns = (counts - 1).groupby(level="key").sum() + 1
        else:
            in_conns = pd.Series(keys).value_counts()
        # rho on the roster, where roles are known and each person is listed once.
        r_words = r_tok[(r_tok["kind"] == Kind.WORD) & (r_tok["r_source"] == Source.NAME)]
        given = r_words.loc[r_words["r_role"] == Role.GIVEN, ["client", "token"]].drop_duplicates()
        surname = r_words.loc[(r_words["r_role"] == Role.SURNAME) & (r_words["r_part"] < PARTICLE_PART),
                              ["client", "token"]].drop_duplicates()
        both = given.merge(surname, on="client")
        keys = pair_key(both["token_x"].to_numpy(), both["token_y"].to_numpy())
        in_roster = pd.Series(keys).value_counts()
        people = max(int(r_words["client"].nunique()), 1)
        dx = both["token_x"].map(given["token"].value_counts()).to_numpy(dtype=float) - 1
        dy = both["token_y"].map(surname["token"].value_counts()).to_numpy(dtype=float) - 1
        expected = float((dx * dy).sum()) / people
        observed = float(in_roster.reindex(keys).to_numpy().sum() - len(keys))
        rho = max((observed + s.together_pseudo * s.together_prior) / (expected + s.together_pseudo), 1.0)
        rho_of = rho_per_client(both, in_roster.reindex(keys).to_numpy() - 1, dx * dy / people, rho,
                                s.together_word_pseudo)
        named = r_words[r_words["r_role"].isin([int(Role.GIVEN), int(Role.SURNAME)])]
        word_keys = cls.word_key(named["client"].to_numpy(), named["r_role"].to_numpy(),
                                 named["r_part"].to_numpy())
        words_by_key = pd.Series(named["token"].to_numpy(), index=word_keys)
        words_by_key = words_by_key[~words_by_key.index.duplicated()]
        return cls(in_conns, in_roster, rho, words_by_key, rho_of)

    def correction(self, table: pd.DataFrame, settings: "MatchSettings", population: int) -> np.ndarray:
        """Correction (bits, <= 0) for a given name and a surname that agree together.

        Expected strangers with both words: rho x population x u_given x u_surname; where
        the pair is seen more often (other connections, other clients with the same
        name), a Gamma-Poisson estimate moves towards the observed count.
        """
        s = settings
        both = (table["given_w"].notna() & table["sur_w"].notna()
                & (table["given_kind"] != Kind.INITIAL)).to_numpy()   # a first letter hardly goes with a surname
        out = np.zeros(len(table))
        if not both.any():
            return out
        rho = self.rho_for(table["client"].to_numpy()[both])
        out[both] = -np.log2(rho)
        exact = (both & (table["given_kind"] == Kind.WORD).to_numpy() & (table["sur_kind"] == Kind.WORD).to_numpy()
                 & (table["given_src"] == Source.NAME).to_numpy() & (table["sur_src"] == Source.NAME).to_numpy())
        if exact.any():
            clients = table["client"].to_numpy()[exact]
            keys = pair_key(self.word_token(clients, Role.GIVEN, table["given_rpart"].to_numpy()[exact]),
                            self.word_token(clients, Role.SURNAME, table["sur_rpart"].to_numpy()[exact]))
            # Strangers seen with both words, in the lists (see `measure`) and among the other
            # clients: the whole population was looked at (exposure 1).
            seen = (self.in_conns.reindex(keys).fillna(1).to_numpy() - 1
                    + self.in_roster.reindex(keys).fillna(1).to_numpy() - 1)
            independent = (population * table["given_u"].to_numpy()[exact].astype(float)
                           * table["sur_u"].to_numpy()[exact].astype(float))
            expected = self.rho_for(clients) * independent
            a = s.namesake_shape
            estimate = (np.maximum(seen, 0) + a) / (1.0 + a / np.maximum(expected, 1e-12))
            out[exact] = np.minimum(np.log2(independent / estimate), 0.0)
        return out


def rho_per_client(both: pd.DataFrame, observed: np.ndarray, expected: np.ndarray, rho: float,
                   pseudo: float) -> pd.Series:
    """The co-occurrence excess for each client's own names, not the roster's average.

    Names cluster by language: a Vietnamese given name nearly always comes with a
    Vietnamese surname, an English one with any of thousands. Per given name (and per
    surname) the clients who have it give observed / expected co-occurrences, shrunk
    towards the roster's `rho` by `pseudo` expected co-occurrences; a client's
    excess is the geometric mean of its given name's and its surname's.
    """
    rows = pd.DataFrame({"g": both["token_x"].to_numpy(), "s": both["token_y"].to_numpy(),
                         "o": observed, "e": expected})
    log_rho = np.zeros(len(rows))
    for column in ("g", "s"):
        sums = rows.groupby(column)[["o", "e"]].sum()
        word = np.maximum((sums["o"] + pseudo * rho) / (sums["e"] + pseudo), 1.0)
        log_rho += 0.5 * np.log2(rows[column].map(word).to_numpy())
    per_client = pd.Series(log_rho).groupby(both["client"].to_numpy()).mean()
    return np.exp2(per_client)


def pair_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One order-free 64-bit key for two tokens (wrapping arithmetic)."""
    lo = np.minimum(a, b).astype(np.uint64)
    hi = np.maximum(a, b).astype(np.uint64)
    with np.errstate(over="ignore"):
        return (lo * np.uint64(0x9E3779B97F4A7C15)) ^ hi
