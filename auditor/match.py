"""Fellegi–Sunter matching on keyed encodings: is this connection one of my clients?

1. Candidates: connections and clients that share a keyed token that is not too
   common (a join in pandas; never all pairs).
2. Evidence: every shared token of a candidate pair, weighted log2(m/u), where
   u comes from how often the token occurs in the roster and the connection
   list (a rare surname says more than "Smith").
3. Per pair: the best evidence for the given name, the surname, a username
   pattern and an exact identifier; typos are rescued with keyed Bloom-filter
   Dice and keyed one-letter-deletion hashes; a name that is present but
   disagrees counts against, and so does a display word the client's name lacks.
   A given name and a surname agreeing together are corrected for how much more
   often name words co-occur than independence says (measured on the roster) and
   for namesakes seen in this audit.
4. The audit fits itself (EM on its own scores, auditor/estimate.py): the share of
   each list that is clients, and m of the name levels.
5. Per connection: scores become probabilities over "which client, or none",
   so a connection that fits two clients equally is marked ambiguous.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .connection_features import EncodedConnections
from .encode import INITIAL_PART, JOINED_PATTERN, PARTICLE_PART, Kind, Pattern, Role, Source
from .estimate import fit_to_audit
from .explain import Evidence, explain
from .heap import reuse_freed_memory
from .namesakes import NamePairs
from .pair_table import Groups, blank, first_of_runs, pair_keys, set_better, set_name_weight, write_rows
from .shown_words import MAX_WORD_BIT, accounted_words, other_given_name
from .roster import EncodedRoster
from .spelling import NearSpellings, bloom_dice, chance_rates, shares_variant, word_length
from .weights import EVIDENCE, PATTERNS, TYPO_KIND, TYPO_M

TIERS = ("confirmed", "likely", "possible")


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Model constants. m = P(agree | same person); u0 = prior frequency of a value."""

    prior_client_share: float = 0.05    # share of a therapist's connections who are clients (starting value)
    # EM rounds that re-estimate the share per list from the audit's own scores (0: keep the
    # starting value). On bench/ (same share in every list) F1 moves -0.001 solo, +0.001 practice
    # and scores of 0.3-0.8 come closer to the share that is true; its use is lists that differ.
    prior_rounds: int = 3
    prior_pseudo: float = 2000.0        # connections' worth of weight the starting value keeps
    # In the same rounds, m of the name levels (exact, sounds-alike, close spelling) is
    # re-estimated from the audit's own scores (EM, as Splink does), held towards the defaults by
    # `m_pseudo` matches' worth of weight; False keeps the defaults.
    estimate_m: bool = True
    m_pseudo: float = 200.0
    list_pseudo: float = 500.0          # ... and the audit's share keeps against one list's own
    pseudo_count: float = 1000.0        # how much the u0 priors weigh against observed counts
    likely: float = 0.80
    possible: float = 0.30
    ambiguity_bits: float = 1.0         # two clients within 2x of each other: ambiguous
    evidence_slice: int = 50_000        # connections per slice when joining evidence (memory bound)
    typo_slice: int = 1_000_000         # candidate pairs per slice when comparing spellings (memory bound)
    block_single_pairs: int = 12        # a single name word blocks when it makes at most this many pairs
    block_near_pairs: int = 40          # ... and a word with two letters of the other (NEAR_PAIR), at most this many
    typo_dice: float = 0.80             # Dice of word Bloom filters: a close spelling (or one edit apart)
    typo_dice_low: float = 0.80         # a looser level below it; equal = none (it let look-alikes through)
    typo_word_share: float = 0.1        # near-spellings of a word are at least this common, relative to it
    typo_sample: int = 200_000          # random word pairs that measure how often Dice agrees by chance
    disagree_given: float = -5.0
    disagree_surname: float = -4.5
    disagree_initial: float = -3.0
    disagree_username: float = -4.0     # a username part that is no part of the client's name
    rare_surname_bits: float = 12.0     # an initial + a surname this rare may be `likely`
    initial_floor: float = 0.01
    nickname_floor: float = 1e-4
    extra_word_m: float = 0.1           # a display word the client's name lacks: P per word, same person
    extra_word_u: float = 0.3           # ... and for a stranger who shares the name words (log2 ratio -1.6)
    extra_words_max: int = 2
    # Different people of one list (platform and the therapist's account) who fit the same client
    # share that client; rows of one person (a friend who is also followed) do not compete.
    one_account_per_platform: bool = True
    # Of strangers who build a username from the same name parts as a client's handle elsewhere
    # ('w_lester'), the share who also pick the same separators and digits.
    handle_spelling_share: float = 0.25
    namesake_shape: float = 1.0         # Gamma prior shape of a name pair's namesake count (mean: expected)
    together_prior: float = 2.0         # co-occurrence excess assumed before the roster shows its own
    together_pseudo: float = 50.0       # co-occurrences that weigh against the measured excess (small lists)
    together_word_pseudo: float = 0.25  # ... and against one name's own excess (its clients are few)


_BLOCKING_KINDS = [int(k) for k in (Kind.EMAIL, Kind.PHONE, Kind.HANDLE, Kind.HANDLE_ANY, Kind.PATTERN,
                                    Kind.PAIR, Kind.INITIAL_PAIR)]
_SINGLE_BLOCKING_KINDS = [int(Kind.WORD)]
_BLOCKING_ONLY_KINDS = [int(k) for k in (Kind.PAIR, Kind.INITIAL_PAIR, Kind.NEAR_PAIR, Kind.PREFIX)]
_CONFIRMING = (int(Kind.EMAIL), int(Kind.PHONE), int(Kind.HANDLE))
_DIRECT_NICK_KINDS = [int(Kind.NICK_ROOT), int(Kind.NICK_FORM)]
_NAME_GROUP_KINDS = [int(Kind.NICK), int(Kind.NICK_RELATED), int(Kind.NICK_REVERSE)]   # agree on a canonical name
_NICK_KINDS = [*_NAME_GROUP_KINDS, int(Kind.NICK_SPELLED)]


@dataclass(slots=True)
class Match:
    connection: int            # index into the connection list
    client: int                # index into the roster
    score: float               # probability 0..1 that this connection is this client
    tier: str
    ambiguous: bool
    evidence: list[Evidence] = field(default_factory=list)


_EVIDENCE_TYPES = {"conn": np.int32, "client": np.int32, "token": np.int64, "kind": np.int8, "c_part": np.int16,
                   "c_source": np.int8, "r_part": np.int16, "r_role": np.int8}


def _compact(ev: pd.DataFrame) -> pd.DataFrame:
    """The evidence columns later stages read, in small types (tens of millions of rows at scale)."""
    return pd.DataFrame({name: ev[name].to_numpy().astype(kind, copy=False) for name, kind in _EVIDENCE_TYPES.items()})


def _client_token_key(client: np.ndarray, token: np.ndarray) -> np.ndarray:
    """One 64-bit key for (client, token), wrapping arithmetic."""
    with np.errstate(over="ignore"):
        return ((client.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ token.astype(np.uint64)).view(np.int64)


def _connection_words(c_f: dict[str, np.ndarray]) -> pd.DataFrame:
    """The connections' display words (one row per word filter): connection, word place, filter row."""
    return pd.DataFrame({"conn": c_f["owner"], "c_part": c_f["part"], "c_row": np.arange(len(c_f["owner"]))})


def _client_words(r_f: dict[str, np.ndarray], roles: list[int]) -> pd.DataFrame:
    """The clients' name words in `roles` (particles left out): client, role, part, filter row."""
    sel = np.isin(r_f["role"], roles) & (r_f["part"] < PARTICLE_PART)
    return pd.DataFrame({"client": r_f["owner"][sel], "r_role": r_f["role"][sel], "r_part": r_f["part"][sel],
                         "r_row": np.flatnonzero(sel)})


def _frame(arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    """The token arrays as a table, without copying them (at scale each copy is gigabytes)."""
    return pd.DataFrame({k: v for k, v in arrays.items() if k not in ("bits", "variants")}, copy=False)


class Matcher:
    """Scores every candidate pair of one audit; stateless between audits."""

    def __init__(self, settings: MatchSettings | None = None):
        self.settings = settings or MatchSettings()

    def match(self, roster: EncodedRoster, conns: EncodedConnections) -> list[Match]:
        if roster.size == 0 or conns.size == 0:
            return []
        # Tens of gigabytes of temporary arrays at a million connections: reuse freed memory
        # instead of faulting in fresh pages for each (see heap.py).
        with reuse_freed_memory():
            return self._match(roster, conns)

    def _match(self, roster: EncodedRoster, conns: EncodedConnections) -> list[Match]:
        r_tok = _frame(roster.tokens).rename(columns={"owner": "client", "part": "r_part",
                                                      "source": "r_source", "role": "r_role"})
        c_tok = _frame(conns.tokens).rename(columns={"owner": "conn", "part": "c_part",
                                                     "source": "c_source"}).drop(columns="role")
        df_r = r_tok.groupby("token")["client"].nunique().rename("df_r")
        df_c = c_tok.groupby("token")["conn"].nunique().rename("df_c")

        pairs = self._candidates(r_tok, c_tok, df_r, df_c)
        if pairs.empty:
            return []
        population = roster.size + conns.size
        rarity = self._name_rarity(r_tok, df_r, df_c, population)
        together = NamePairs.measure(r_tok, c_tok, self.settings, conns.platform, conns.person, conns.listing)
        # Pair tokens only block; the evidence join needs the tokens that carry weight. The token
        # tables are dropped as soon as the evidence is built: at a million connections each copy
        # is gigabytes.
        c_tok = c_tok[~c_tok["kind"].isin(_BLOCKING_ONLY_KINDS).to_numpy()]
        spelled = r_tok[(r_tok["kind"] == Kind.NICK_SPELLED).to_numpy() & (r_tok["r_role"] == Role.GIVEN).to_numpy()]
        spellings = spelled.groupby(["client", "r_part"]).size()        # nicknames of each given name
        r_tok = r_tok.drop(columns="kind")
        ev = self._evidence(pairs, c_tok, r_tok)
        del c_tok, r_tok
        # Looked up, not joined: a join would copy the whole evidence table twice.
        tokens = ev.pop("token").to_numpy()
        ev["df_r"] = df_r.reindex(tokens).to_numpy(dtype=np.int32)     # evidence tokens are roster tokens
        ev["df_c"] = df_c.reindex(tokens, fill_value=0).to_numpy(dtype=np.int32)
        del tokens
        if np.isin(roster.tokens["kind"], _DIRECT_NICK_KINDS).any():     # rosters encoded before them lack these
            ev = self._nickname_levels(ev)
        ev = self._weigh(ev, population, rarity, together, roster.size, spellings)
        table = self._pair_table(pairs, ev)
        del ev, pairs           # per-token rows: the largest table at scale, not needed from here on
        table = self._combine(table, roster, conns, rarity, together, population)
        groups = Groups.of(table["conn"].to_numpy())
        fit_to_audit(table, groups, conns.listing, conns.size, self.settings)
        return self._decide(table, groups, conns)

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
        near = (r_tok["kind"] == Kind.NEAR_PAIR) & (load <= s.block_near_pairs)
        blocking = r_tok.loc[specific | single | near, ["client", "token"]].drop_duplicates()
        # Only the connection tokens that can block, de-duplicated after that cut (far fewer rows).
        mine = c_tok["token"].isin(blocking["token"].unique()).to_numpy()
        joined = c_tok.loc[mine, ["conn", "token"]].drop_duplicates().merge(blocking, on="token")
        return joined[["conn", "client"]].drop_duplicates().reset_index(drop=True)

    def _evidence(self, pairs: pd.DataFrame, c_tok: pd.DataFrame, r_tok: pd.DataFrame) -> pd.DataFrame:
        """Every token a candidate pair shares, built a slice of connections at a time.

        (pairs x the connection's tokens) is many times larger than what survives the
        join with the client's tokens; slicing keeps that intermediate small.
        """
        step = self.settings.evidence_slice
        pairs = pairs.sort_values("conn", kind="stable")
        if not c_tok["conn"].is_monotonic_increasing:       # encoded in connection order: no copy needed
            c_tok = c_tok.sort_values("conn", kind="stable")
        # One 64-bit key per (client, token): a join on it hashes one column, not two (a key
        # shared by two different pairs by chance is dropped by the check after the join).
        right = pd.DataFrame({"key": _client_token_key(r_tok["client"].to_numpy(), r_tok["token"].to_numpy()),
                              "r_client": r_tok["client"].to_numpy(), "r_token": r_tok["token"].to_numpy(),
                              "r_part": r_tok["r_part"].to_numpy(), "r_role": r_tok["r_role"].to_numpy()})
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
            joined["key"] = _client_token_key(joined["client"].to_numpy(), joined["token"].to_numpy())
            joined = joined.merge(right, on="key")
            same = ((joined["client"].to_numpy() == joined["r_client"].to_numpy())
                    & (joined["token"].to_numpy() == joined["r_token"].to_numpy()))
            parts.append(_compact(joined[same] if not same.all() else joined))
        if not parts:
            return _compact(pairs.merge(c_tok, on="conn").merge(r_tok, on=["client", "token"]))
        return pd.concat(parts, ignore_index=True)

    # -- 2. evidence weights ----------------------------------------------
    def _nickname_levels(self, ev: pd.DataFrame) -> pd.DataFrame:
        """A nickname agreement where neither word is a canonical name of the other ('Sandy' /
        'Alex', both of Alexandra; 'Abbie' / 'Gail', both of Abigail) becomes NICK_RELATED: a
        person seldom shows one nickname of a name for another. One where only the connection's
        word is a canonical name of the roster's (Dave registered, David shown) becomes
        NICK_REVERSE: an EHR holds the legal name, so that one is seldom a nickname. The
        direct-link rows (NICK_ROOT: the roster's word is the name; NICK_FORM: the connection's
        is) only mark which agreements are direct; they carry no weight (`_weigh` drops them)."""
        kind = ev["kind"].to_numpy()
        nick = np.flatnonzero(kind == Kind.NICK)
        forward = self._part_key(ev, kind == Kind.NICK_ROOT)
        reverse = self._part_key(ev, kind == Kind.NICK_FORM)
        keys = self._part_key(ev, nick)
        is_forward = np.isin(keys, forward)
        is_reverse = ~is_forward & np.isin(keys, reverse)
        related = nick[~is_forward & ~is_reverse]
        kind = kind.copy()
        kind[related] = int(Kind.NICK_RELATED)
        kind[nick[is_reverse]] = int(Kind.NICK_REVERSE)
        ev["kind"] = kind
        return ev

    def _u(self, count: np.ndarray, u0: np.ndarray | float, population: int) -> np.ndarray:
        """P(agree by chance): observed frequency, shrunk towards a prior for small lists."""
        s = self.settings
        return (count + s.pseudo_count * u0) / (population + s.pseudo_count)

    def _name_rarity(self, r_tok: pd.DataFrame, df_r: pd.Series, df_c: pd.Series,
                     population: int) -> pd.DataFrame:
        """Per client: how common its (first) given name, its surname and its second surname are.

        A username pattern ('emilysmith') is only as telling as the names in it,
        so its chance agreement is the product of theirs.
        """
        words = r_tok[(r_tok["kind"] == Kind.WORD) & (r_tok["r_part"] <= 1)
                      & ((r_tok["r_role"] == Role.SURNAME) | ((r_tok["r_role"] == Role.GIVEN) & (r_tok["r_part"] == 0)))]
        words = words.drop_duplicates(["client", "r_role", "r_part"])
        count = (words["token"].map(df_r).to_numpy() + words["token"].map(df_c).fillna(0).to_numpy() - 1)
        u0 = np.where(words["r_role"].to_numpy() == Role.GIVEN, EVIDENCE[(Kind.WORD, Role.GIVEN)][1],
                      EVIDENCE[(Kind.WORD, Role.SURNAME)][1])
        column = np.where(words["r_role"].to_numpy() == Role.GIVEN, "u_given",
                          np.where(words["r_part"].to_numpy() == 0, "u_surname", "u_surname2"))
        words = words.assign(u=self._u(np.maximum(count, 0), u0, population), column=column)
        table = words.pivot(index="client", columns="column", values="u")
        return pd.DataFrame({name: table[name] if name in table else pd.Series(dtype=float)
                             for name in ("u_given", "u_surname", "u_surname2")})

    def _weigh(self, ev: pd.DataFrame, population: int, rarity: pd.DataFrame, together: "NamePairs",
               roster_size: int, spellings: pd.Series | None = None) -> pd.DataFrame:
        s = self.settings
        m = np.full(len(ev), np.nan)
        u0 = np.full(len(ev), np.nan)
        kind = ev["kind"].to_numpy()
        role = ev["r_role"].to_numpy()
        part = ev["r_part"].to_numpy()
        for (k, r), (mm, uu, _) in EVIDENCE.items():
            sel = (kind == k) & ((role == r) | (r == Role.UNKNOWN))
            m[sel], u0[sel] = mm, uu
        for p, (mm, uu, _) in PATTERNS.items():
            sel = (kind == Kind.PATTERN) & (part % JOINED_PATTERN == p)
            m[sel], u0[sel] = mm, uu
        from_username = ev["c_source"].to_numpy() != Source.NAME
        word = (kind == Kind.WORD) & from_username
        m[word] *= 0.6     # a name word spelled out in a username is a little weaker
        keep = ~np.isnan(m)
        everything = bool(keep.all())

        def take(values: np.ndarray, kind: type) -> np.ndarray:
            """The kept rows in a small type; no copy when every row is kept."""
            return values.astype(kind, copy=False) if everything else values[keep].astype(kind, copy=False)

        m, u0 = take(m, np.float64), take(u0, np.float64)
        df_r_kept = take(ev["df_r"].to_numpy(), np.float64)
        ev_df_c = ev["df_c"].to_numpy()
        # Only what the per-pair stage reads, in small types: this table has a row per
        # shared token of every candidate pair (tens of millions at a million connections).
        ev = pd.DataFrame({
            "conn": take(ev["conn"].to_numpy(), np.int32), "client": take(ev["client"].to_numpy(), np.int32),
            "kind": take(kind, np.int8), "r_role": take(role, np.int8), "r_part": take(part, np.int16),
            "c_part": take(ev["c_part"].to_numpy(), np.int16), "c_source": take(ev["c_source"].to_numpy(), np.int8),
            "count": np.maximum(take(ev["df_r"].to_numpy(), np.int32) + take(ev["df_c"].to_numpy(), np.int32) - 2, 0),
        }, copy=False)
        # Occurrences elsewhere: the pair's own two (one per side) say nothing about chance.
        u = self._u(ev.pop("count").to_numpy(), u0, population)
        kinds_kept = ev["kind"].to_numpy()
        spelled = kinds_kept == Kind.NICK_SPELLED
        if spelled.any():
            # Strangers who show this very spelling: the other connections with it (the roster's
            # count is of clients it is a nickname for, not of people called so).
            at_full = np.flatnonzero(spelled) if everything else np.flatnonzero(keep)[spelled]
            u[spelled] = self._u(np.maximum(ev_df_c[at_full] - 1, 0), u0[spelled], population)
            if spellings is not None and len(spellings):
                at = pd.MultiIndex.from_arrays([ev.loc[spelled, "client"].to_numpy(), ev.loc[spelled, "r_part"].to_numpy()])
                m[spelled] /= np.maximum(spellings.reindex(at).fillna(1).to_numpy(), 1)
        initial = kinds_kept == Kind.INITIAL
        if initial.any():
            # Chance that a stranger's given name has this initial: its share among the clients'
            # given names (connections show initials too seldom to count them).
            u[initial] = np.clip(df_r_kept[initial] / max(roster_size, 1), s.initial_floor, 0.99)
        nick = np.isin(kinds_kept, _NAME_GROUP_KINDS)
        if nick.any():
            # A nickname form agrees by chance when a stranger has another form of the same
            # name: the canonical name's frequency less the client's own (exact) given name.
            own = rarity["u_given"].reindex(ev.loc[nick, "client"].to_numpy()).fillna(0).to_numpy()
            u[nick] = np.maximum(u[nick] - own, s.nickname_floor)
        pattern = ev["kind"].to_numpy() == Kind.PATTERN
        if pattern.any():
            clients = ev.loc[pattern, "client"].to_numpy()
            u_given = rarity["u_given"].reindex(clients).fillna(EVIDENCE[(Kind.WORD, Role.GIVEN)][1]).to_numpy()
            u_sur = rarity["u_surname"].reindex(clients).fillna(EVIDENCE[(Kind.WORD, Role.SURNAME)][1]).to_numpy()
            kinds = ev.loc[pattern, "r_part"].to_numpy()
            # A username with both surnames ('mbernalsisneros') is as telling as both of them.
            joined = kinds >= JOINED_PATTERN
            u_second = rarity["u_surname2"].reindex(clients).fillna(1.0).to_numpy()
            u_sur = np.where(joined, u_sur * u_second * together.rho, u_sur)
            kinds = kinds % JOINED_PATTERN
            first = np.select([np.isin(kinds, [Pattern.INITIAL_SURNAME, Pattern.SURNAME_INITIAL]),
                               np.isin(kinds, [Pattern.NICK_SURNAME, Pattern.SURNAME_NICK])],
                              [EVIDENCE[(Kind.INITIAL, Role.GIVEN)][1], 2 * u_given], u_given)
            # Given names and surnames go together (rho); a first letter hardly does.
            initial = np.isin(kinds, [Pattern.INITIAL_SURNAME, Pattern.SURNAME_INITIAL])
            rho = together.rho_for(clients)
            u[pattern] = np.maximum(u[pattern], np.where(initial, 1.0, rho) * first * u_sur)
        u = np.minimum(u, 0.99)
        ev["weight"] = np.log2(m / u)
        ev["u"] = u.astype(np.float32)
        return ev

    # -- 3. per pair --------------------------------------------------------
    def _pair_table(self, pairs: pd.DataFrame, ev: pd.DataFrame) -> pd.DataFrame:
        """One row per candidate pair: its best evidence for the identifier, the given name, the
        surname and a username pattern, and how many display words the client's name explains."""
        # Sorted by (connection, client): per-pair columns are placed by position, not merged
        # (each merge copies the whole table, millions of rows at scale).
        table = pairs.sort_values(["conn", "client"], ignore_index=True)
        table_keys = pair_keys(table["conn"].to_numpy(), table["client"].to_numpy())
        ev_keys = pair_keys(ev["conn"].to_numpy(), ev["client"].to_numpy())
        weight = ev["weight"].to_numpy()

        def heaviest(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """Per pair among `mask`: its row in the table and its heaviest evidence row."""
            rows = np.flatnonzero(mask)
            order = np.lexsort((-weight[rows], ev_keys[rows]))
            rows = rows[order]
            keys = ev_keys[rows]
            first = first_of_runs(keys)
            return np.searchsorted(table_keys, keys[first]), rows[first]

        def put(prefix: str, at: np.ndarray, rows: np.ndarray, fresh: bool = True) -> None:
            """Evidence `rows` as the `prefix` columns of table rows `at` (the others NaN if fresh)."""
            for column, name, kind in (("weight", "w", np.float64), ("kind", "kind", np.float32),
                                       ("c_part", "cpart", np.float32), ("c_source", "src", np.float32),
                                       ("r_part", "rpart", np.float32), ("u", "u", np.float32)):
                values = (np.full(len(table), np.nan, dtype=kind) if fresh
                          else table[f"{prefix}_{name}"].to_numpy(dtype=kind, copy=True))
                values[at] = ev[column].to_numpy()[rows]
                table[f"{prefix}_{name}"] = values

        kind = ev["kind"].to_numpy()
        role = ev["r_role"].to_numpy()
        put("id", *heaviest(np.isin(kind, [int(Kind.EMAIL), int(Kind.PHONE), int(Kind.HANDLE), int(Kind.HANDLE_ANY)])))
        given = (role == Role.GIVEN) & (kind != Kind.PATTERN)
        # A nickname code shared by two identical words is the exact match, not a nickname.
        word_key = self._part_key(ev, given & (kind == Kind.WORD))
        is_nick = np.isin(kind, _NICK_KINDS)
        nick = given & is_nick
        nick[nick] = ~np.isin(self._part_key(ev, nick), word_key)
        # ... and where the nickname's own spelling agrees, its name group is not counted beside it.
        group = nick & np.isin(kind, _NAME_GROUP_KINDS)
        group[group] = np.isin(self._part_key(ev, group), self._part_key(ev, nick & (kind == Kind.NICK_SPELLED)))
        nick &= ~group
        given = (given & ~is_nick) | nick
        put("given", *heaviest(given))
        # A particle ('van', 'de') is part of the name shown, but no surname evidence.
        surname = (role == Role.SURNAME) & (kind != Kind.PATTERN) & (ev["r_part"].to_numpy() < PARTICLE_PART)
        put("sur", *heaviest(surname))
        self._on_two_words(table, table_keys, ev, ev_keys, given, surname, heaviest, put)
        put("pat", *heaviest(kind == Kind.PATTERN))
        # 'Cameron C. Morton' is not Cheryl Morton: a full word the client's name does not
        # explain is the given name shown, and a (middle) initial cannot stand in for it.
        table["explained"], table["shown"] = self._explained(table, ev)
        return table

    @staticmethod
    def _on_two_words(table: pd.DataFrame, table_keys: np.ndarray, ev: pd.DataFrame, ev_keys: np.ndarray,
                      given: np.ndarray, surname: np.ndarray,
                      heaviest: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
                      put: Callable[..., None]) -> None:
        """Where the heaviest given name and surname of a pair sit on one display word, the next
        best on another word, if the pair has one: 'Mai Mai' is Mai Mai, given name and surname.

        (Otherwise one of the two is dropped later: a word cannot be both.)
        """
        g_part, g_src = table["given_cpart"].to_numpy(), table["given_src"].to_numpy()
        clash = np.flatnonzero((g_part == table["sur_cpart"].to_numpy()) & (g_src == table["sur_src"].to_numpy()))
        if not len(clash):
            return
        clash_keys = table_keys[clash]                                   # sorted, as the table is
        hit = np.flatnonzero(clash_keys[np.minimum(np.searchsorted(clash_keys, ev_keys), len(clash) - 1)] == ev_keys)
        at = np.searchsorted(table_keys, ev_keys[hit])
        elsewhere = np.zeros(len(ev), dtype=bool)
        elsewhere[hit] = ((ev["c_part"].to_numpy()[hit] != g_part[at]) | (ev["c_source"].to_numpy()[hit] != g_src[at]))
        weight = ev["weight"].to_numpy()
        alt_sur_at, alt_sur = heaviest(surname & elsewhere)
        alt_given_at, alt_given = heaviest(given & elsewhere)
        with_sur = np.full(len(table), -np.inf)
        with_sur[alt_sur_at] = table["given_w"].to_numpy()[alt_sur_at] + weight[alt_sur]
        with_given = np.full(len(table), -np.inf)
        with_given[alt_given_at] = table["sur_w"].to_numpy()[alt_given_at] + weight[alt_given]
        move_sur = with_sur[alt_sur_at] >= with_given[alt_sur_at]
        move_given = with_given[alt_given_at] > with_sur[alt_given_at]
        put("sur", alt_sur_at[move_sur], alt_sur[move_sur], fresh=False)
        put("given", alt_given_at[move_given], alt_given[move_given], fresh=False)

    def _combine(self, table: pd.DataFrame, roster: EncodedRoster, conns: EncodedConnections,
                 rarity: pd.DataFrame, together: "NamePairs", population: int) -> pd.DataFrame:
        """Per pair: typo rescue, disagreements, namesakes, unexplained words, and the logit."""
        s = self.settings
        # One display-name word cannot be both the given name and the surname; nor can a whole
        # username segment be one while a piece of it is the other ('magana' is a surname, not
        # also the given name 'ana').
        same_word = ((table["given_cpart"] == table["sur_cpart"]) & (table["given_src"] == table["sur_src"])).to_numpy()
        whole = ((table["given_src"] == Source.NAME) | (table["given_kind"] == Kind.WORD)
                 | (table["sur_kind"] == Kind.WORD)).to_numpy()
        clash = same_word & whole
        del same_word, whole
        given_weaker = (table["given_w"] < table["sur_w"]).to_numpy()
        for prefix, drop in (("given", clash & given_weaker), ("sur", clash & ~given_weaker)):
            blank(table, drop, [f"{prefix}_w", f"{prefix}_kind", f"{prefix}_cpart"])
        del clash, given_weaker
        table = self._typos(table, roster, conns, rarity, population)
        # 'Joyce Nichols-Young' is not Nicholas Young (a word hyphen-joined to the surname is part
        # of it), 'Ralf-Peter' is not Ralf, 'Juan Carlos Monroy' is not José Carlos Monroy.
        blank(table, other_given_name(table, conns.joined), ["given_w", "given_kind", "given_cpart"])

        words = conns.name_words[table["conn"].to_numpy()]
        explained = table["explained"].to_numpy()
        initial_only = (table["given_kind"] == Kind.INITIAL).to_numpy() & (words > explained)
        blank(table, initial_only, ["given_w", "given_kind", "given_cpart"])
        inits = conns.initials[table["conn"].to_numpy()]
        given_missing = table["given_w"].isna().to_numpy()
        sur_missing = table["sur_w"].isna().to_numpy()
        user = conns.user_words[table["conn"].to_numpy()]
        only_username = (words == 0) & (user >= 2)
        # A name shown as one word that is neither of the client's names ('Kaja' for Ursula
        # Serrato) speaks against her as a different given name does.
        lone_word = given_missing & sur_missing & (words == 1) & (inits == 0)
        table["given_disagree"] = np.select(
            [given_missing & (words >= 2), given_missing & (inits >= 1) & (words >= 1),
             given_missing & only_username, lone_word],
            [s.disagree_given, s.disagree_initial, s.disagree_username, s.disagree_given], 0.0)
        table["sur_disagree"] = np.select(
            [sur_missing & (words >= 2), sur_missing & only_username],
            [s.disagree_surname, s.disagree_username], 0.0)
        table["together"] = together.correction(table, self.settings, population)
        accounted = self._accounted(table, words)
        # Only where the given name and surname are both found: a missing one was looked for
        # among close spellings already (_typos), and only there does the word decide much.
        named = table["given_w"].notna().to_numpy() & table["sur_w"].notna().to_numpy()
        extra = words - accounted - self._misspelt_others(table, roster, conns, np.flatnonzero(named & (words > accounted)))
        table["extra_n"] = np.clip(extra, 0, s.extra_words_max).astype(np.int8)
        table["extra"] = table["extra_n"].to_numpy() * np.log2(s.extra_word_m / s.extra_word_u)
        set_name_weight(table)
        self._handle_built_from_name(table)
        prior = np.log2(s.prior_client_share / (1 - s.prior_client_share)) - np.log2(roster.size)
        table["logit"] = prior + table["id_w"].fillna(0) + table["name_w"]
        return table

    def _handle_built_from_name(self, table: pd.DataFrame) -> None:
        """A handle the client has on another platform that is also a username built from her
        name ('w_lester' for Whitney Lester) is built alike by strangers with that name: beyond
        the name pattern (already counted) it tells only that they spelled it the same way.

        Its weight is capped at log2(m / (share * m of the pattern)): the pattern's own u then
        applies once, times the share of such strangers who also pick the same separators and
        digits (`handle_spelling_share`).
        """
        built = ((table["id_kind"] == Kind.HANDLE_ANY) & table["pat_w"].notna()
                 & (table["pat_src"] == Source.USERNAME)).to_numpy()
        if not built.any():
            return
        m_pattern = table["pat_u"].to_numpy()[built] * np.exp2(table["pat_w"].to_numpy()[built])
        cap = np.log2(EVIDENCE[(Kind.HANDLE_ANY, Role.UNKNOWN)][0] / (self.settings.handle_spelling_share * m_pattern))
        write_rows(table, "id_w", built, np.minimum(table["id_w"].to_numpy()[built], cap))

    @staticmethod
    def _part_key(ev: pd.DataFrame, mask: np.ndarray) -> np.ndarray:
        """(connection, client, connection word) as one int64, for the rows in mask (built in place)."""
        key = ev["conn"].to_numpy()[mask].astype(np.int64)
        key <<= 24
        key |= ev["client"].to_numpy()[mask]
        key <<= 12
        key |= (ev["c_part"].to_numpy()[mask].astype(np.int64) & 0x3FF) << 2
        key |= ev["c_source"].to_numpy()[mask].astype(np.int64) & 0x3
        return key

    @staticmethod
    def _explained(table: pd.DataFrame, ev: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per pair: how many display-name words agree with some word of the client's name,
        and which (bit j for word j)."""
        kind = ev["kind"].to_numpy()
        sel = ((ev["c_source"].to_numpy() == Source.NAME) & (ev["c_part"].to_numpy() < INITIAL_PART)
               & np.isin(kind, [int(Kind.WORD), *_NICK_KINDS, int(Kind.PHONETIC)]))
        # Packed integer keys and np.unique instead of a pandas groupby: this runs over tens of
        # millions of evidence rows at a million connections, where the groupby's index was the peak.
        words = Matcher._part_key(ev, sel)
        words.sort()                                              # in place: tens of millions of rows
        words = words[first_of_runs(words)]                      # distinct (connection, client, word)
        bits = (words >> 2) & 0x3F                                # the word's place (< INITIAL_PART)
        np.left_shift(1, bits, out=bits)
        words >>= 12                                              # -> pair keys, still sorted
        starts = np.flatnonzero(first_of_runs(words))
        pairs, counts = words[starts], np.diff(np.append(starts, len(words)))
        masks = np.bitwise_or.reduceat(bits, starts) if len(starts) else np.zeros(0, np.int64)
        del words, bits, starts
        wanted = pair_keys(table["conn"].to_numpy(), table["client"].to_numpy())
        at = np.minimum(np.searchsorted(pairs, wanted), max(len(pairs) - 1, 0))
        if not len(pairs):
            return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=np.int64)
        found = pairs[at] == wanted
        return np.where(found, counts[at], 0), np.where(found, masks[at], 0)

    def _misspelt_others(self, table: pd.DataFrame, roster: EncodedRoster, conns: EncodedConnections,
                         rows: np.ndarray) -> np.ndarray:
        """Per pair: display words no token explains that are a close spelling of a word of the
        client's name the pair has not used ('Sofia Abeu Gomes' for Sofia Abreu Gomes: 'gomes'
        is her surname, 'abeu' her other surname misspelt, not a word her name lacks).

        Only the pairs in `rows` are compared; a rescued word only stops counting against the
        pair, it adds no evidence.
        """
        rescued = np.zeros(len(table), dtype=np.int64)
        c_f, r_f = conns.filters, roster.filters
        if not len(rows) or "bits" not in c_f or "bits" not in r_f:
            return rescued
        need = pd.DataFrame({"row": rows, "conn": table["conn"].to_numpy()[rows],
                             "client": table["client"].to_numpy()[rows],
                             "accounted": accounted_words(table)[rows],
                             "given_rpart": table["given_rpart"].to_numpy()[rows],
                             "sur_rpart": table["sur_rpart"].to_numpy()[rows]})
        combos = need.merge(_connection_words(c_f), on="conn")
        c_part = np.minimum(combos["c_part"].to_numpy().astype(np.int64), MAX_WORD_BIT)
        unaccounted = ((combos["accounted"].to_numpy() >> c_part) & 1) == 0
        combos = combos[unaccounted].merge(_client_words(r_f, [int(Role.GIVEN), int(Role.SURNAME)]), on="client")
        role, part = combos["r_role"].to_numpy(), combos["r_part"].to_numpy()
        unused = np.where(role == Role.GIVEN, part != combos["given_rpart"].to_numpy(),
                          part != combos["sur_rpart"].to_numpy())
        combos = combos[unused]
        if combos.empty:
            return rescued
        dice, _ = bloom_dice(c_f, r_f, combos["c_row"].to_numpy(), combos["r_row"].to_numpy(), self.settings.typo_dice)
        close = combos[dice >= self.settings.typo_dice].drop_duplicates(["row", "c_part"])
        np.add.at(rescued, close["row"].to_numpy(), 1)
        return rescued

    @staticmethod
    def _accounted(table: pd.DataFrame, words: np.ndarray) -> np.ndarray:
        """Per pair: display-name words some part of the client's name accounts for.

        The rest count against the pair ('Heitor Goncalves Silveira' is not Heitor Silveira as
        surely as 'Heitor Silveira' is: a stranger who shares two words often has a third,
        a client seldom shows a word the roster lacks). Words already counted as a
        disagreeing given name or surname are accounted for (not counted twice).
        """
        count = table["explained"].to_numpy()
        for prefix in ("given", "sur"):
            count = count + (table[f"{prefix}_kind"] == TYPO_KIND).to_numpy()     # rescued as a typo
        disagree = (table["given_disagree"] < 0).to_numpy() & (words >= 2)
        return count + disagree.astype(int) + ((table["sur_disagree"] < 0).to_numpy() & (words >= 2))

    def _typos(self, table: pd.DataFrame, roster: EncodedRoster, conns: EncodedConnections,
               rarity: pd.DataFrame, population: int) -> pd.DataFrame:
        """Where a name part found no token, compare keyed Bloom filters of words (Dice).

        A spelling one edit from the client's word agrees by chance as often as strangers'
        words are one edit from that word and at most as common as the one seen (counted in
        this audit, held towards the rate of random word pairs of its length by
        `pseudo_count`); a spelling only close in Dice takes the random pairs' rate.
        """
        s = self.settings
        c_f, r_f = conns.filters, roster.filters
        c_words = _connection_words(c_f)
        chances: dict[int, tuple[np.ndarray, np.ndarray]] | None = None
        near: NearSpellings | None = None
        keys = pair_keys(table["conn"].to_numpy(), table["client"].to_numpy())   # the table is sorted by them
        for prefix, role in (("given", Role.GIVEN), ("sur", Role.SURNAME)):
            other = "sur" if prefix == "given" else "given"
            # No token agreed, or only a sound-alike code (a misspelling often keeps the sound,
            # and says more as a close spelling than as a shared code).
            weak = table[f"{prefix}_w"].isna() | (table[f"{prefix}_kind"] == Kind.PHONETIC)
            need = table.loc[weak.to_numpy(), ["conn", "client", f"{other}_cpart"]]
            if need.empty:
                continue
            r_words = _client_words(r_f, [int(role)])[["client", "r_row"]]
            # A slice of pairs at a time: (pairs x their words x the client's words) is large at scale.
            step = s.typo_slice
            hits = pd.concat([self._close_words(need.iloc[i:i + step], c_words, r_words, c_f, r_f, other)
                              for i in range(0, len(need), step)], ignore_index=True)
            if hits.empty:
                continue
            if chances is None:
                chances = chance_rates(c_f, r_f, s.typo_dice, s.typo_dice_low, s.typo_sample)
                near = NearSpellings.measure(c_f, r_f) if "variants" in r_f else None
            weight, u = self._typo_weight(hits, role, chances[int(role)], near, c_f, r_f, rarity, population)
            at = np.searchsorted(keys, pair_keys(hits["conn"].to_numpy(), hits["client"].to_numpy()))
            set_better(table, at, prefix, {
                f"{prefix}_w": weight, f"{prefix}_kind": TYPO_KIND, f"{prefix}_src": int(Source.NAME),
                f"{prefix}_cpart": hits["c_part"].to_numpy(), f"{prefix}_u": u.astype(np.float32)})
        return table

    def _typo_weight(self, hits: pd.DataFrame, role: Role, chance: tuple[np.ndarray, np.ndarray],
                     near: NearSpellings | None, c_f: dict[str, np.ndarray], r_f: dict[str, np.ndarray],
                     rarity: pd.DataFrame, population: int) -> tuple[np.ndarray, np.ndarray]:
        """log2(m/u) and u of each close spelling in `hits` (see `_typos`)."""
        s = self.settings
        close = hits["dice"].to_numpy() >= s.typo_dice
        m = np.where(close, TYPO_M[0], TYPO_M[1])
        r_rows, c_rows = hits["r_row"].to_numpy(), hits["c_row"].to_numpy()
        if "variants" in r_f:
            length = word_length(r_f["variants"][r_rows])
            one_apart = shares_variant(c_f["variants"][c_rows], r_f["variants"][r_rows])
        else:
            length = np.full(len(hits), 16)
            one_apart = np.zeros(len(hits), dtype=bool)
        u_level = np.where(close, chance[0][length], chance[1][length])
        if near is not None:
            # The connection's own word is one of the client word's neighbours: not by chance.
            seen = np.maximum(near.as_rare(r_rows, c_rows) - 1, 0)
            u_level = np.where(one_apart, (seen + s.pseudo_count * u_level) / (population + s.pseudo_count), u_level)
        column = "u_given" if role == Role.GIVEN else "u_surname"
        u_word = rarity[column].reindex(hits["client"].to_numpy()).fillna(0).to_numpy()
        u = np.clip(np.maximum(u_level, s.typo_word_share * u_word), 1e-9, 0.99)
        return np.log2(m / u), u

    def _close_words(self, need: pd.DataFrame, c_words: pd.DataFrame, r_words: pd.DataFrame,
                     c_f: dict[str, np.ndarray], r_f: dict[str, np.ndarray], other: str) -> pd.DataFrame:
        """Per pair in `need`: the connection word spelled most like one of the client's words
        (Dice at least `typo_dice_low`), other than the word already used for the other part."""
        combos = need.merge(c_words, on="conn").merge(r_words, on="client")
        combos = combos[(combos["c_part"] != combos[f"{other}_cpart"]).to_numpy()]
        # One edit apart ('ryzn' / 'ryan', 'daivs' / 'davis') counts as a close spelling.
        dice, _ = bloom_dice(c_f, r_f, combos["c_row"].to_numpy(), combos["r_row"].to_numpy(), self.settings.typo_dice)
        combos = combos.assign(dice=dice)
        return (combos[combos["dice"] >= self.settings.typo_dice_low].sort_values("dice", ascending=False)
                .drop_duplicates(["conn", "client"]))

    @staticmethod
    def _one_account(conn: np.ndarray, client: np.ndarray, score: np.ndarray, listing: np.ndarray,
                     person: np.ndarray) -> np.ndarray:
        """A client has one account in a list: different people of one list (one platform, one
        of the therapist's accounts) who fit the same client share that client between them
        (and 'none of them'). Rows of the same person (friend and followed) do not compete.

        Each person's odds against 'none' are kept (the best of its rows); the client can be at
        most one of the n people, so P(person i) = odds_i / (1 + sum of the odds). Pairs too
        weak to matter (score below 1e-4) neither take part nor change.
        """
        rows = np.flatnonzero(score >= 1e-4)
        if not len(rows):
            return score
        odds = np.clip(score[rows], 0.0, 1 - 1e-12)
        odds = odds / (1 - odds)
        group = (listing[conn[rows]].astype(np.int64) << 32) | client[rows].astype(np.int64)
        people = pd.DataFrame({"group": group, "person": person[conn[rows]], "odds": odds})
        best = people.groupby(["group", "person"], sort=False)["odds"].max().groupby(level="group")
        total, count = best.sum(), best.size()
        shared = count.reindex(group).to_numpy() > 1
        out = score.copy()
        out[rows] = np.where(shared, odds / (1 + total.reindex(group).to_numpy()), score[rows])
        return out

    # -- 4. per connection ------------------------------------------------
    def _decide(self, table: pd.DataFrame, groups: Groups, conns: EncodedConnections | None = None) -> list[Match]:
        """Per connection: the probability of each candidate client against 'none of them'.

        Works on plain arrays over the table's groups of rows (it is sorted by connection):
        at a million connections the table has millions of rows, and pandas group
        transforms copied it several times over. Only the rows that are reported are
        turned into a table again.
        """
        s = self.settings
        logit = table["logit"].to_numpy(dtype=float)
        conn = table["conn"].to_numpy()
        score, top = groups.against_none(logit)
        if conns is not None and conns.listing is not None and conns.person is not None and s.one_account_per_platform:
            score = self._one_account(conn, table["client"].to_numpy(), score, conns.listing, conns.person)
        # Ambiguous: this pair is within `ambiguity_bits` of the best for its connection,
        # and so is at least one other client.
        near = logit >= top - s.ambiguity_bits
        ambiguous = near & (np.add.reduceat(near.astype(np.int32), groups.starts)[groups.group] >= 2)
        del top, near
        code = np.where(table["id_kind"].isin(_CONFIRMING).to_numpy(), 3,
                        np.where(score >= s.likely, 2, np.where(score >= s.possible, 1, 0))).astype(np.int8)
        # An initial (or no given name) next to a surname is `possible` at most, unless the
        # surname is demonstrably rare; identifiers and username patterns are not capped.
        weak_given = (table["given_kind"].isin([int(Kind.INITIAL)]) | table["given_w"].isna()).to_numpy()
        capped = ((code == 2) & weak_given & ~table["use_pattern"].to_numpy()
                  & table["id_w"].isna().to_numpy() & (table["sur_w"].fillna(0).to_numpy() < s.rare_surname_bits))
        code[capped] = 1
        keep = code > 0
        kept = table[keep].assign(tier=np.asarray(_TIER_CODES, dtype=object)[code[keep]], score=score[keep],
                                  ambiguous=ambiguous[keep])
        matches = []
        for row in kept.itertuples(index=False):
            matches.append(Match(connection=int(row.conn), client=int(row.client),
                                 score=round(float(row.score), 3), tier=str(row.tier),
                                 ambiguous=bool(row.ambiguous), evidence=explain(row)))
        matches.sort(key=lambda m: (TIERS.index(m.tier), -m.score, m.connection))
        return matches


_TIER_CODES = ("", "possible", "likely", "confirmed")
