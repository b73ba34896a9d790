"""Fellegi–Sunter matching on keyed encodings: is this connection one of my clients?

1. Candidates: connections and clients that share a keyed token that is not too
   common (a join in pandas; never all pairs).
2. Evidence: every shared token of a candidate pair, weighted log2(m/u), where
   u comes from how often the token occurs in the roster and the connection
   list (a rare surname says more than "Smith").
3. Per pair: the best evidence for the given name, the surname, a username
   pattern and an exact identifier; typos are rescued with keyed Bloom-filter
   Dice; a name that is present but disagrees counts against.
4. Per connection: scores become probabilities over "which client, or none",
   so a connection that fits two clients equally is marked ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .connection_features import EncodedConnections
from .encode import Kind, Pattern, Role, Source
from .roster import EncodedRoster

TIERS = ("confirmed", "likely", "possible")


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Model constants. m = P(agree | same person); u0 = prior frequency of a value."""

    prior_client_share: float = 0.05    # share of a therapist's connections who are clients
    pseudo_count: float = 1000.0        # how much the u0 priors weigh against observed counts
    likely: float = 0.80
    possible: float = 0.30
    ambiguity_bits: float = 1.0         # two clients within 2x of each other: ambiguous
    evidence_slice: int = 50_000        # connections per slice when joining evidence (memory bound)
    block_single_pairs: int = 4         # a single name word blocks when it makes at most this many pairs
    typo_dice: float = 0.75
    disagree_given: float = -5.0
    disagree_surname: float = -4.5
    disagree_initial: float = -3.0
    disagree_username: float = -4.0     # a username part that is no part of the client's name
    rare_surname_bits: float = 12.0     # an initial + a surname this rare may be `likely`


# (kind, role) -> (m, u0, level word); role None = any role.
_EVIDENCE: dict[tuple[int, int], tuple[float, float, str]] = {
    (Kind.EMAIL, Role.UNKNOWN): (0.95, 1e-7, "e-mail"),
    (Kind.PHONE, Role.UNKNOWN): (0.95, 1e-7, "phone"),
    (Kind.HANDLE, Role.UNKNOWN): (0.95, 1e-7, "handle"),
    (Kind.HANDLE_ANY, Role.UNKNOWN): (0.5, 1e-5, "handle-other-platform"),
    (Kind.WORD, Role.GIVEN): (0.80, 0.003, "exact"),
    (Kind.WORD, Role.SURNAME): (0.85, 0.0005, "exact"),
    (Kind.NICK, Role.GIVEN): (0.10, 0.005, "nickname"),
    (Kind.PHONETIC, Role.GIVEN): (0.04, 0.003, "sounds-alike"),
    (Kind.PHONETIC, Role.SURNAME): (0.05, 0.001, "sounds-alike"),
    (Kind.INITIAL, Role.GIVEN): (0.05, 0.07, "initial"),
    (Kind.SUBSTRING, Role.GIVEN): (0.30, 0.006, "in-username"),
    (Kind.SUBSTRING, Role.SURNAME): (0.35, 0.002, "in-username"),
}
_PATTERNS: dict[int, tuple[float, float, str]] = {
    Pattern.GIVEN_SURNAME: (0.40, 1e-6, "username is given name + surname"),
    Pattern.SURNAME_GIVEN: (0.20, 1e-6, "username is surname + given name"),
    Pattern.INITIAL_SURNAME: (0.30, 2e-5, "username is first initial + surname"),
    Pattern.SURNAME_INITIAL: (0.10, 2e-5, "username is surname + first initial"),
    Pattern.NICK_SURNAME: (0.10, 1e-6, "username is a nickname of the given name + surname"),
    Pattern.SURNAME_NICK: (0.05, 1e-6, "username is surname + a nickname of the given name"),
}
_TYPO = (0.06, 0.0007, "similar-spelling")   # m; chance agreement: the word's frequency, at least this
_BLOCKING_KINDS = [int(k) for k in (Kind.EMAIL, Kind.PHONE, Kind.HANDLE, Kind.HANDLE_ANY, Kind.PATTERN,
                                    Kind.PAIR, Kind.INITIAL_PAIR)]
_SINGLE_BLOCKING_KINDS = [int(Kind.WORD)]
_CONFIRMING = (int(Kind.EMAIL), int(Kind.PHONE), int(Kind.HANDLE))
_ROLE_NAME = {int(Role.GIVEN): "given name", int(Role.SURNAME): "surname"}
_SOURCE_NAME = {int(Source.NAME): "", int(Source.USERNAME): " (in the username)",
                int(Source.EMAIL_LOCAL): " (in the e-mail address)", int(Source.IDENTIFIER): ""}


@dataclass(slots=True)
class Evidence:
    what: str
    level: str
    weight: float
    text: str


@dataclass(slots=True)
class Match:
    connection: int            # index into the connection list
    client: int                # index into the roster
    score: float               # probability 0..1 that this connection is this client
    tier: str
    ambiguous: bool
    evidence: list[Evidence] = field(default_factory=list)


def _frame(arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({k: v for k, v in arrays.items() if k != "bits"})


class Matcher:
    """Scores every candidate pair of one audit; stateless between audits."""

    def __init__(self, settings: MatchSettings | None = None):
        self.settings = settings or MatchSettings()

    def match(self, roster: EncodedRoster, conns: EncodedConnections) -> list[Match]:
        if roster.size == 0 or conns.size == 0:
            return []
        r_tok = _frame(roster.tokens).rename(columns={"owner": "client", "part": "r_part",
                                                      "source": "r_source", "role": "r_role"})
        c_tok = _frame(conns.tokens).rename(columns={"owner": "conn", "part": "c_part",
                                                     "source": "c_source"}).drop(columns="role")
        df_r = r_tok.groupby("token")["client"].nunique().rename("df_r")
        df_c = c_tok.groupby("token")["conn"].nunique().rename("df_c")

        pairs = self._candidates(r_tok, c_tok, df_r, df_c)
        if pairs.empty:
            return []
        ev = self._evidence(pairs, c_tok, r_tok.drop(columns="kind"))
        ev = ev.join(df_r, on="token").join(df_c, on="token")
        ev["df_c"] = ev["df_c"].fillna(0)
        population = roster.size + conns.size
        rarity = self._name_rarity(r_tok, df_r, df_c, population)
        ev = self._weigh(ev, population, rarity)
        table = self._combine(pairs, ev, roster, conns, rarity)
        return self._decide(table)

    # -- 1. candidates -----------------------------------------------------
    def _candidates(self, r_tok: pd.DataFrame, c_tok: pd.DataFrame, df_r: pd.Series,
                    df_c: pd.Series) -> pd.DataFrame:
        """Pairs sharing a specific token: an identifier, a username pattern, a pair of name
        parts (exact, nickname or phonetic), an initial with a surname, or a single name
        token rare enough in the roster (so that a typo in the other part is still found)."""
        s = self.settings
        specific = r_tok["kind"].isin(_BLOCKING_KINDS)
        # A single word blocks only when it would bring few pairs (a rare surname seen alone).
        load = r_tok["token"].map(df_r).to_numpy() * r_tok["token"].map(df_c).fillna(0).to_numpy()
        single = r_tok["kind"].isin(_SINGLE_BLOCKING_KINDS) & (load <= s.block_single_pairs)
        blocking = r_tok.loc[specific | single, ["client", "token"]].drop_duplicates()
        joined = c_tok[["conn", "token"]].drop_duplicates().merge(blocking, on="token")
        return joined[["conn", "client"]].drop_duplicates().reset_index(drop=True)

    def _evidence(self, pairs: pd.DataFrame, c_tok: pd.DataFrame, r_tok: pd.DataFrame) -> pd.DataFrame:
        """Every token a candidate pair shares, built a slice of connections at a time.

        (pairs x the connection's tokens) is many times larger than what survives the
        join with the client's tokens; slicing keeps that intermediate small.
        """
        step = self.settings.evidence_slice
        pairs = pairs.sort_values("conn", kind="stable")
        c_tok = c_tok.sort_values("conn", kind="stable")
        right = r_tok.set_index(["client", "token"]).sort_index()   # hashed once, reused by every slice
        pair_ids = pairs["conn"].to_numpy()
        conn_ids = c_tok["conn"].to_numpy()
        parts = []
        last = int(pair_ids[-1]) + 1 if len(pair_ids) else 0
        for start in range(0, last, step):
            p0, p1 = np.searchsorted(pair_ids, [start, start + step])
            if p0 == p1:
                continue
            c0, c1 = np.searchsorted(conn_ids, [start, start + step])
            joined = pairs.iloc[p0:p1].merge(c_tok.iloc[c0:c1], on="conn")
            parts.append(joined.join(right, on=["client", "token"], how="inner"))
        if not parts:
            return pairs.merge(c_tok, on="conn").merge(r_tok, on=["client", "token"])
        return pd.concat(parts, ignore_index=True)

    # -- 2. evidence weights ----------------------------------------------
    def _u(self, count: np.ndarray, u0: np.ndarray | float, population: int) -> np.ndarray:
        """P(agree by chance): observed frequency, shrunk towards a prior for small lists."""
        s = self.settings
        return (count + s.pseudo_count * u0) / (population + s.pseudo_count)

    def _name_rarity(self, r_tok: pd.DataFrame, df_r: pd.Series, df_c: pd.Series,
                     population: int) -> pd.DataFrame:
        """Per client: how common its (first) given name and surname are.

        A username pattern ('emilysmith') is only as telling as the two names in it,
        so its chance agreement is the product of theirs.
        """
        first = r_tok[(r_tok["kind"] == Kind.WORD) & (r_tok["r_part"] == 0)
                      & r_tok["r_role"].isin([int(Role.GIVEN), int(Role.SURNAME)])]
        first = first.drop_duplicates(["client", "r_role"])
        count = (first["token"].map(df_r).to_numpy() + first["token"].map(df_c).fillna(0).to_numpy() - 1)
        u0 = np.where(first["r_role"].to_numpy() == Role.GIVEN, _EVIDENCE[(Kind.WORD, Role.GIVEN)][1],
                      _EVIDENCE[(Kind.WORD, Role.SURNAME)][1])
        first = first.assign(u=self._u(np.maximum(count, 0), u0, population))
        table = first.pivot(index="client", columns="r_role", values="u")
        return pd.DataFrame({"u_given": table.get(int(Role.GIVEN)), "u_surname": table.get(int(Role.SURNAME))})

    def _weigh(self, ev: pd.DataFrame, population: int, rarity: pd.DataFrame) -> pd.DataFrame:
        s = self.settings
        m = np.full(len(ev), np.nan)
        u0 = np.full(len(ev), np.nan)
        kind = ev["kind"].to_numpy()
        role = ev["r_role"].to_numpy()
        part = ev["r_part"].to_numpy()
        for (k, r), (mm, uu, _) in _EVIDENCE.items():
            sel = (kind == k) & ((role == r) | (r == Role.UNKNOWN))
            m[sel], u0[sel] = mm, uu
        for p, (mm, uu, _) in _PATTERNS.items():
            sel = (kind == Kind.PATTERN) & (part == p)
            m[sel], u0[sel] = mm, uu
        from_username = ev["c_source"].to_numpy() != Source.NAME
        word = (kind == Kind.WORD) & from_username
        m[word] *= 0.6     # a name word spelled out in a username is a little weaker
        keep = ~np.isnan(m)
        m, u0 = m[keep], u0[keep]
        # Only what the per-pair stage reads, in small types: this table has a row per
        # shared token of every candidate pair (tens of millions at a million connections).
        ev = pd.DataFrame({
            "conn": ev["conn"].to_numpy()[keep].astype(np.int32),
            "client": ev["client"].to_numpy()[keep].astype(np.int32),
            "kind": kind[keep].astype(np.int8), "r_role": role[keep].astype(np.int8),
            "r_part": part[keep].astype(np.int16),
            "c_part": ev["c_part"].to_numpy()[keep].astype(np.int16),
            "c_source": ev["c_source"].to_numpy()[keep].astype(np.int8),
            "count": np.maximum(ev["df_r"].to_numpy()[keep] + ev["df_c"].to_numpy()[keep] - 2, 0),
        })
        # Occurrences elsewhere: the pair's own two (one per side) say nothing about chance.
        u = self._u(ev.pop("count").to_numpy(), u0, population)
        pattern = ev["kind"].to_numpy() == Kind.PATTERN
        if pattern.any():
            clients = ev.loc[pattern, "client"].to_numpy()
            u_given = rarity["u_given"].reindex(clients).fillna(_EVIDENCE[(Kind.WORD, Role.GIVEN)][1]).to_numpy()
            u_sur = rarity["u_surname"].reindex(clients).fillna(_EVIDENCE[(Kind.WORD, Role.SURNAME)][1]).to_numpy()
            kinds = ev.loc[pattern, "r_part"].to_numpy()
            first = np.select([np.isin(kinds, [Pattern.INITIAL_SURNAME, Pattern.SURNAME_INITIAL]),
                               np.isin(kinds, [Pattern.NICK_SURNAME, Pattern.SURNAME_NICK])],
                              [_EVIDENCE[(Kind.INITIAL, Role.GIVEN)][1], 2 * u_given], u_given)
            u[pattern] = np.maximum(u[pattern], first * u_sur)
        ev["weight"] = np.log2(m / np.minimum(u, 0.99))
        return ev

    # -- 3. per pair --------------------------------------------------------
    def _combine(self, pairs: pd.DataFrame, ev: pd.DataFrame, roster: EncodedRoster,
                 conns: EncodedConnections, rarity: pd.DataFrame) -> pd.DataFrame:
        s = self.settings
        table = pairs.copy()
        key = ["conn", "client"]

        def best(mask: np.ndarray, prefix: str) -> None:
            part = ev[mask].sort_values("weight", ascending=False).drop_duplicates(key)
            cols = part[key + ["weight", "kind", "c_part", "c_source", "r_part"]].rename(columns={
                "weight": f"{prefix}_w", "kind": f"{prefix}_kind", "c_part": f"{prefix}_cpart",
                "c_source": f"{prefix}_src", "r_part": f"{prefix}_rpart"})
            nonlocal table
            table = table.merge(cols, on=key, how="left")

        kind = ev["kind"].to_numpy()
        role = ev["r_role"].to_numpy()
        best(np.isin(kind, [int(Kind.EMAIL), int(Kind.PHONE), int(Kind.HANDLE), int(Kind.HANDLE_ANY)]), "id")
        best((role == Role.GIVEN) & (kind != Kind.PATTERN), "given")
        best((role == Role.SURNAME) & (kind != Kind.PATTERN), "sur")
        best(kind == Kind.PATTERN, "pat")
        # One display-name word cannot be both the given name and the surname.
        clash = ((table["given_cpart"] == table["sur_cpart"]) & (table["given_src"] == Source.NAME)
                 & (table["sur_src"] == Source.NAME))
        weaker = np.where(table["given_w"] < table["sur_w"], "given", "sur")
        for prefix in ("given", "sur"):
            drop = clash & (weaker == prefix)
            table.loc[drop, [f"{prefix}_w", f"{prefix}_kind", f"{prefix}_cpart"]] = np.nan
        table = self._typos(table, roster, conns, rarity)

        words = conns.name_words[table["conn"].to_numpy()]
        inits = conns.initials[table["conn"].to_numpy()]
        given_missing = table["given_w"].isna().to_numpy()
        sur_missing = table["sur_w"].isna().to_numpy()
        user = conns.user_words[table["conn"].to_numpy()]
        only_username = (words == 0) & (user >= 2)
        table["given_disagree"] = np.select(
            [given_missing & (words >= 2), given_missing & (inits >= 1) & (words >= 1),
             given_missing & only_username],
            [s.disagree_given, s.disagree_initial, s.disagree_username], 0.0)
        table["sur_disagree"] = np.select(
            [sur_missing & (words >= 2), sur_missing & only_username],
            [s.disagree_surname, s.disagree_username], 0.0)
        names = (table["given_w"].fillna(0) + table["sur_w"].fillna(0)
                 + table["given_disagree"] + table["sur_disagree"])
        table["name_w"] = np.maximum(names, table["pat_w"].fillna(-np.inf))
        table["use_pattern"] = table["pat_w"].fillna(-np.inf) > names
        prior = np.log2(s.prior_client_share / (1 - s.prior_client_share)) - np.log2(roster.size)
        table["logit"] = prior + table["id_w"].fillna(0) + table["name_w"]
        return table

    def _typos(self, table: pd.DataFrame, roster: EncodedRoster, conns: EncodedConnections,
               rarity: pd.DataFrame) -> pd.DataFrame:
        """Where a name part found no token, compare keyed Bloom filters of words (Dice)."""
        s = self.settings
        c_f, r_f = conns.filters, roster.filters
        c_words = pd.DataFrame({"conn": c_f["owner"], "c_part": c_f["part"], "c_row": np.arange(len(c_f["owner"]))})
        for prefix, role in (("given", Role.GIVEN), ("sur", Role.SURNAME)):
            other = "sur" if prefix == "given" else "given"
            need = table[table[f"{prefix}_w"].isna()][["conn", "client", f"{other}_cpart"]]
            if need.empty:
                continue
            r_sel = r_f["role"] == role
            r_words = pd.DataFrame({"client": r_f["owner"][r_sel], "r_row": np.flatnonzero(r_sel)})
            combos = need.merge(c_words, on="conn").merge(r_words, on="client")
            combos = combos[combos["c_part"] != combos[f"{other}_cpart"]]
            if combos.empty:
                continue
            a = c_f["bits"][combos["c_row"].to_numpy()]
            b = r_f["bits"][combos["r_row"].to_numpy()]
            inter = np.bitwise_count(a & b).sum(axis=1)
            total = np.bitwise_count(a).sum(axis=1) + np.bitwise_count(b).sum(axis=1)
            combos = combos.assign(dice=2 * inter / np.maximum(total, 1))
            hits = (combos[combos["dice"] >= s.typo_dice].sort_values("dice", ascending=False)
                    .drop_duplicates(["conn", "client"]))
            if hits.empty:
                continue
            m, floor, _ = _TYPO
            column = "u_given" if role == Role.GIVEN else "u_surname"
            u_word = rarity[column].reindex(hits["client"].to_numpy()).fillna(floor).to_numpy()
            weight = np.log2(m / np.clip(u_word, floor, 0.99))
            hits = hits.assign(**{f"{prefix}_typo": weight, f"{prefix}_typo_cpart": hits["c_part"]})
            table = table.merge(hits[["conn", "client", f"{prefix}_typo", f"{prefix}_typo_cpart"]],
                                on=["conn", "client"], how="left")
            fill = table[f"{prefix}_w"].isna() & table[f"{prefix}_typo"].notna()
            table.loc[fill, f"{prefix}_w"] = table.loc[fill, f"{prefix}_typo"]
            table.loc[fill, f"{prefix}_kind"] = -1
            table.loc[fill, f"{prefix}_src"] = int(Source.NAME)
            table.loc[fill, f"{prefix}_cpart"] = table.loc[fill, f"{prefix}_typo_cpart"]
            table = table.drop(columns=[f"{prefix}_typo", f"{prefix}_typo_cpart"])
        return table

    # -- 4. per connection ------------------------------------------------
    def _decide(self, table: pd.DataFrame) -> list[Match]:
        s = self.settings
        logit = table["logit"].to_numpy(dtype=float)
        top = table.groupby("conn")["logit"].transform("max").to_numpy(dtype=float)
        anchor = np.maximum(top, 0.0)   # stable log-sum-exp with the 'none of them' option (logit 0)
        share = np.exp2(logit - anchor)
        total = pd.Series(share).groupby(table["conn"].to_numpy()).transform("sum").to_numpy() + np.exp2(-anchor)
        table["score"] = share / total
        # Ambiguous: this pair is within `ambiguity_bits` of the best for its connection,
        # and so is at least one other client.
        near = logit >= top - s.ambiguity_bits
        near_count = pd.Series(near.astype(int)).groupby(table["conn"].to_numpy()).transform("sum").to_numpy()
        table["ambiguous"] = near & (near_count >= 2)
        confirmed = table["id_kind"].isin(_CONFIRMING)
        table["tier"] = np.where(confirmed, "confirmed",
                                 np.where(table["score"] >= s.likely, "likely",
                                          np.where(table["score"] >= s.possible, "possible", "")))
        # An initial (or no given name) next to a surname is `possible` at most, unless the
        # surname is demonstrably rare; identifiers and username patterns are not capped.
        weak_given = table["given_kind"].isin([int(Kind.INITIAL)]) | table["given_w"].isna()
        capped = ((table["tier"] == "likely") & weak_given & ~table["use_pattern"]
                  & table["id_w"].isna() & (table["sur_w"].fillna(0) < s.rare_surname_bits))
        table.loc[capped, "tier"] = "possible"
        kept = table[table["tier"] != ""]
        matches = []
        for row in kept.itertuples(index=False):
            matches.append(Match(connection=int(row.conn), client=int(row.client),
                                 score=round(float(row.score), 3), tier=str(row.tier),
                                 ambiguous=bool(row.ambiguous), evidence=explain(row)))
        matches.sort(key=lambda m: (TIERS.index(m.tier), -m.score, m.connection))
        return matches


def _part_text(prefix: str, kind: float, src: float) -> tuple[str, str]:
    role = "given name" if prefix == "given" else "surname"
    where = _SOURCE_NAME.get(int(src), "") if not pd.isna(src) else ""
    if kind == -1:
        return "similar-spelling", f"{role} spelled similarly (typo?){where}"
    level = {int(Kind.WORD): "exact", int(Kind.NICK): "nickname", int(Kind.PHONETIC): "sounds-alike",
             int(Kind.INITIAL): "initial", int(Kind.SUBSTRING): "in-username"}.get(int(kind), "other")
    text = {"exact": f"{role} matches{where}",
            "nickname": f"{role} is a nickname form of the client's{where}",
            "sounds-alike": f"{role} sounds alike{where}",
            "initial": "first initial matches",
            "in-username": f"{role} appears inside the username" if int(src) == Source.USERNAME
            else f"{role} appears inside the e-mail address"}.get(level, f"{role} matches")
    return level, text


def explain(row) -> list[Evidence]:
    """The evidence of one pair, in words, with each piece's match weight."""
    out: list[Evidence] = []
    if not pd.isna(row.id_w):
        label = {int(Kind.EMAIL): ("e-mail", "e-mail matches"), int(Kind.PHONE): ("phone", "phone matches"),
                 int(Kind.HANDLE): ("handle", "handle or profile matches on this platform"),
                 int(Kind.HANDLE_ANY): ("handle", "same handle as the client's on another platform")}
        what, text = label[int(row.id_kind)]
        level = "exact" if int(row.id_kind) != Kind.HANDLE_ANY else "other-platform"
        out.append(Evidence(what, level, round(float(row.id_w), 1), text))
    if row.use_pattern:
        _, _, text = _PATTERNS[int(row.pat_rpart)]
        where = " (from the e-mail address)" if int(row.pat_src) == Source.EMAIL_LOCAL else ""
        out.append(Evidence("username", "pattern", round(float(row.pat_w), 1), text + where))
        return out
    for prefix in ("given", "sur"):
        weight = getattr(row, f"{prefix}_w")
        what = "given name" if prefix == "given" else "surname"
        if not pd.isna(weight):
            level, text = _part_text(prefix, getattr(row, f"{prefix}_kind"), getattr(row, f"{prefix}_src"))
            out.append(Evidence(what, level, round(float(weight), 1), text))
        elif getattr(row, f"{prefix}_disagree") < 0:
            out.append(Evidence(what, "differs", round(float(getattr(row, f"{prefix}_disagree")), 1),
                                f"{what} differs"))
    return out
