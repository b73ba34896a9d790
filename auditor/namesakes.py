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
                platform: np.ndarray | None = None, person: np.ndarray | None = None,
                listing: np.ndarray | None = None) -> "NamePairs":
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
        conn_keys = pair_key(joined["token_x"].to_numpy(), joined["token_y"].to_numpy())
        if platform is not None:
            # Namesakes: one person has one account on a platform, so of n accounts with the
            # name there, at least n - 1 are other people (the client may be any one of them,
            # on each platform): summed over the platforms, strangers seen for certain.
            per_platform = pd.DataFrame({"key": conn_keys, "platform": platform[joined["conn"].to_numpy()]})
            counts = per_platform.groupby(["key", "platform"], sort=False).size()
            in_conns = (counts - 1).groupby(level="key").sum() + 1
        else:
            in_conns = pd.Series(conn_keys).value_counts()
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
        # The lists hold many more people than the roster: their display names say how much each
        # client's name words cluster (a Vietnamese given name with Vietnamese surnames).
        in_lists = (list_cooccurrence(joined, conn_keys, words, listing, in_roster.index)
                    if listing is not None and len(joined) else None)
        rho_of = rho_per_client(both, in_roster.reindex(keys).to_numpy() - 1, dx * dy / people, rho,
                                s.together_word_pseudo, in_lists)
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


def list_cooccurrence(joined: pd.DataFrame, keys: np.ndarray, words: pd.DataFrame, listing: np.ndarray,
                      clients: pd.Index) -> pd.DataFrame:
    """Per name word (token): co-occurrences with other words in the lists' display names,
    observed and expected if words were independent, as `rho_per_client` counts them.

    Counted within each list, where different rows are different people (a friend on two
    platforms is one person twice, not a namesake); the clients' own names are left out
    (a client's accounts are no namesakes of her). For a person showing words x and y:
    observed = the others in her list showing both, expected = (n_x - 1)(n_y - 1) / (N - 1).
    """
    # Only people showing two name words or more: "J. Smith" is no pair, and counting her in
    # the frequencies but never in a pair would make pairs look rarer than chance.
    who = words["who"].to_numpy()
    words = words[pd.Series(who).map(pd.Series(who).value_counts()).to_numpy() >= 2]
    lists = listing[words["conn"].to_numpy()]
    n = pd.DataFrame({"list": lists, "token": words["token"].to_numpy()}).value_counts()   # (list, word) -> people
    people = pd.Series(words["who"].to_numpy()).groupby(lists).nunique()
    keep = ~np.isin(keys, clients.to_numpy())
    pair_list = listing[joined["conn"].to_numpy()[keep]]
    x, y = joined["token_x"].to_numpy()[keep], joined["token_y"].to_numpy()[keep]
    frame = pd.DataFrame({"list": pair_list, "key": keys[keep]})
    count = frame.groupby(["list", "key"])["key"].transform("size").to_numpy()
    n_x = n.reindex(pd.MultiIndex.from_arrays([pair_list, x])).to_numpy()
    n_y = n.reindex(pd.MultiIndex.from_arrays([pair_list, y])).to_numpy()
    expected = (n_x - 1) * (n_y - 1) / np.maximum(people.reindex(pair_list).to_numpy() - 1, 1)
    both = pd.DataFrame({"token": np.concatenate([x, y]), "o": np.tile(count - 1.0, 2),
                         "e": np.tile(expected, 2)})
    return both.groupby("token")[["o", "e"]].sum()


def rho_per_client(both: pd.DataFrame, observed: np.ndarray, expected: np.ndarray, rho: float,
                   pseudo: float, in_lists: pd.DataFrame | None = None) -> pd.Series:
    """The co-occurrence excess for each client's own names, not the roster's average.

    Names cluster by language: a Vietnamese given name nearly always comes with a
    Vietnamese surname, an English one with any of thousands. Per given name (and per
    surname) the clients who have it, and the people of the lists who show it
    (`in_lists`, see `list_cooccurrence`), give observed / expected co-occurrences,
    shrunk towards the roster's `rho` by `pseudo` expected co-occurrences; a client's
    excess is the geometric mean of its given name's and its surname's.
    """
    rows = pd.DataFrame({"g": both["token_x"].to_numpy(), "s": both["token_y"].to_numpy(),
                         "o": observed, "e": expected})
    log_rho = np.zeros(len(rows))
    for column in ("g", "s"):
        sums = rows.groupby(column)[["o", "e"]].sum()
        if in_lists is not None:
            sums = sums.add(in_lists.reindex(sums.index).fillna(0.0))
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
