"""The best F1 any name-only method can expect on a generated set (issue 3): a ceiling for quality.py.

    python bench/ceiling.py --size solo|practice [--seed 7] [--data DIR] [--ours]

Some rows carry no evidence beyond a name that strangers share: a client's exact
full name next to chance namesakes, "J. Smith" next to every stranger J. Smith,
"j_smith" or "jsmith1984" next to every stranger who built a username that way.
Within one such group the rows are the same evidence, so the best a method can do
is report the whole group or none of it, according to the probability that a row
showing that name is the client's.

This script computes that probability exactly as the generator made the data:
the chance of a stranger with the name comes from make_truth's own name pools
(same seed, same Zipf weights, locale shares, mixed-locale and double surnames),
the chance of a client row from the clients who have the name. Every other row is
counted as classified perfectly, a client row in a group counts as right even when
several clients share the name, and the threshold is picked with hindsight, so
the figure is an upper bound on what a name-only method can expect, not an
estimate of one. Each ambiguity kind is added in turn: the last is a nickname with
the client's surname ("Bill Smith" for William Smith) next to strangers who show
that very name, as their own plain full name or as a nickname of theirs, a client
counted once per nickname the generator could give her (strangers in other forms,
and look-alikes, are left out: they would only lower it).

With --ours the product runs on the same files, and each kind of row is scored
alone: the product's F1 on those rows at its default thresholds (its top match,
right client) next to the F1 the exact posterior gives with the best threshold.
Where the two differ, the product's scores for that kind of evidence are off.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from common import ensure_data, make_truth, read_truth, table

if TYPE_CHECKING:
    import quality

NAME_FORMS = ("form=full", "form=decorated", "form=swapped", "form=linkedin")
FULL_NAME_STYLES = ("full", "decorated", "swapped", "linkedin")
GENDER_SHARES = (("f", 0.52), ("m", 0.48))     # as make_truth.draw_people


class NameChance:
    """How likely a random stranger of the generator is to have a given name (or initial) and surname."""

    def __init__(self, seed: int):
        pools = make_truth.build_pools(seed)
        self.locales = dict(zip(pools.locales, pools.shares.tolist()))
        self.first = {key: self._by_slug(pool) for key, pool in pools.first.items()}
        self.last = {key: self._by_slug(pool) for key, pool in pools.last.items()}
        self.initials = {key: self._initials(shares) for key, shares in self.first.items()}

    @staticmethod
    def _by_slug(pool: make_truth.Pool) -> dict[str, float]:
        shares: dict[str, float] = defaultdict(float)
        for name, p in pool.shares().items():
            shares[make_truth.slug(name)] += p
        return shares

    @staticmethod
    def _initials(shares: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for name, p in shares.items():
            out[name[:1]] += p
        return out

    def _surname(self, locale: str, gender: str, parts: tuple[str, ...]) -> float:
        double = make_truth.DOUBLE_SURNAME.get(locale, 0.0)
        own = self.last[(locale, gender)]
        if len(parts) == 2:
            return double * own.get(parts[0], 0.0) * own.get(parts[1], 0.0)
        if len(parts) != 1:
            return 0.0
        mixed = sum(share * self.last[(other, gender)].get(parts[0], 0.0)
                    for other, share in self.locales.items())
        cross = make_truth.CROSS_LOCALE_SURNAME
        return ((1 - cross) * own.get(parts[0], 0.0) + cross * mixed) * (1 - double)

    def of(self, given: str, surname: tuple[str, ...], initial_only: bool = False) -> float:
        """P(a stranger's given name (or its first letter) and surname are these)."""
        total = 0.0
        for locale, share in self.locales.items():
            for gender, g_share in GENDER_SHARES:
                firsts = self.initials if initial_only else self.first
                p_given = firsts[(locale, gender)].get(given, 0.0)
                if p_given:
                    total += share * g_share * p_given * self._surname(locale, gender, surname)
        return total


@dataclass(slots=True)
class Group:
    """Rows that show the same name evidence, by name key: (client rows, stranger rows)."""

    kind: str
    rows: list[tuple[tuple, bool]] = field(default_factory=list)     # (name key, is a client row)
    at: list[int] = field(default_factory=list)                      # each row's line in connections.csv

    def add(self, key: tuple, is_client: bool, at: int) -> None:
        self.rows.append((key, is_client))
        self.at.append(at)

    def posteriors(self, clients_with: Counter, chance: dict[tuple, float], n_clients: int) -> list[tuple[float, bool]]:
        """P(client) for each row: expected client rows / (those + expected strangers) for its key.

        Expected client rows for a key = clients with that key x the rate at which a client
        shows up this way; expected strangers = strangers shown this way x the key's share of
        the stranger chance over all keys clients have.
        """
        n_client_rows = sum(1 for _, c in self.rows if c)
        n_strangers = len(self.rows) - n_client_rows
        rate = n_client_rows / n_clients
        total_chance = sum(chance.values()) or 1.0
        out = []
        for key, is_client in self.rows:
            mine = clients_with[key] * rate
            theirs = n_strangers * chance.get(key, 0.0) / total_chance
            out.append((mine / (mine + theirs) if mine + theirs else 0.0, is_client))
        return out


def initial_key(text: str) -> tuple[str, tuple[str, ...]]:
    """'J. Smith', 'J Smith', 'J.Smith' -> ('j', ('smith',))."""
    text = text.strip()
    rest = text[1:].lstrip(". ")
    return make_truth.slug(text[:1]), tuple(w for w in (make_truth.slug(x) for x in rest.split()) if w)


def username_key(username: str) -> tuple[str, str]:
    """'j_smith', 'jsmith1984', 'j_smith639' -> ('j', 'smith')."""
    letters = re.sub(r"[^a-z]", "", username.lower())
    return letters[:1], letters[1:]


def plain_key(display: str) -> tuple[str, tuple[str, ...]]:
    """'Bill Smith' -> ('bill', ('smith',)): a plain full name, first word and the rest."""
    words = [make_truth.slug(w) for w in display.split()]
    return (words[0], tuple(w for w in words[1:] if w)) if words else ("", ())


def nickname_keys(clients: list[dict[str, str]]) -> tuple[Counter, int]:
    """(nickname, surname) -> clients who may show it, each split evenly over the nicknames the
    generator could pick for her; and how many clients have a nickname at all."""
    namer, cache = make_truth.NickNamer(), {}
    keys: Counter = Counter()
    eligible = 0
    for c in clients:
        nicks = make_truth.nicknames_of(namer, cache, c["First Name"])
        surname = tuple(make_truth.slug(w) for w in c["Last Name"].split())
        eligible += bool(nicks)
        for nick in nicks:
            keys[(make_truth.slug(nick), surname)] += 1 / len(nicks)
    return keys, eligible


def nickname_chances(chance: NameChance, keys: Iterable[tuple[str, tuple[str, ...]]]) -> dict[tuple, float]:
    """P(a stranger shows 'nick surname'): her given name is the nickname, shown as a plain full
    name, or a name it is a nickname of, shown in the nickname form with that nickname picked."""
    namer, cache = make_truth.NickNamer(), {}
    given = {g for shares in chance.first.values() for g in shares}
    picked_from: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for g in given:
        nicks = make_truth.nicknames_of(namer, cache, g)
        for nick in nicks:
            picked_from[make_truth.slug(nick)].append((g, len(nicks)))
    plain, nickname = make_truth.NAME_FORMS["full"], make_truth.NAME_FORMS["nickname"]
    return {(nick, surname): plain * chance.of(nick, surname)
            + nickname * sum(chance.of(g, surname) / n for g, n in picked_from[nick]) for nick, surname in keys}


def best_f1(n_client_rows: int, scored: Iterable[tuple[float, bool]], in_groups: int) -> tuple[float, float]:
    """Best F1 over thresholds on the posterior, every row outside the groups right; (F1, threshold)."""
    tp, fp = n_client_rows - in_groups, 0

    def f1() -> float:
        return 2 * tp / (2 * tp + fp + (n_client_rows - tp)) if n_client_rows else 0.0

    best = (f1(), 1.0)
    for p, is_client in sorted(scored, key=lambda r: -r[0]):
        tp, fp = tp + is_client, fp + (not is_client)
        best = max(best, (f1(), p))
    return best


def read_rows(folder: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with open(folder / "clients.csv", newline="", encoding="utf-8") as fh:
        clients = list(csv.DictReader(fh))
    with open(folder / "connections.csv", newline="", encoding="utf-8") as fh:
        connections = list(csv.DictReader(fh))
    return clients, connections


def ceiling(folder: Path, seed: int, ours: bool = False) -> str:
    clients, connections = read_rows(folder)
    truth = read_truth(folder)
    slug = make_truth.slug
    full_key = {c["Client ID"]: (slug(c["First Name"]), tuple(slug(w) for w in c["Last Name"].split()))
                for c in clients}
    init_key = {cid: (given[:1], surname) for cid, (given, surname) in full_key.items()}
    user_key = {cid: (given[:1], "".join(surname)) for cid, (given, surname) in full_key.items()}
    groups = {kind: Group(kind) for kind in ("exact full name", "initial + surname", "initial-pattern username",
                                             "nickname + surname")}
    have = {kind: Counter(keys.values()) for kind, keys in
            zip(groups, (full_key, init_key, user_key))}
    have["nickname + surname"], nickname_clients = nickname_keys(clients)

    for at, row in enumerate(connections):
        t = truth[row["id"]]
        shown = plain_key(row["display_name"])
        if t.client_id:
            if t.style in FULL_NAME_STYLES:
                groups["exact full name"].add(full_key[t.client_id], True, at)
            elif t.style == "initial_surname":
                groups["initial + surname"].add(init_key[t.client_id], True, at)
            elif t.style == "username_only" and t.tag("pattern").startswith("initial_"):
                groups["initial-pattern username"].add(user_key[t.client_id], True, at)
            elif t.style == "nickname" and t.tag("form").startswith("nickname:"):
                nick = slug(t.tag("form").split(":", 1)[1])
                groups["nickname + surname"].add((nick, full_key[t.client_id][1]), True, at)
        elif t.style == "random_name" and t.tag("collision") and any(f in t.note for f in NAME_FORMS):
            groups["exact full name"].add(full_key[t.tag("collision")], False, at)
        elif t.style == "random_name" and "form=initial_surname" in t.note and initial_key(row["display_name"]) in have["initial + surname"]:
            groups["initial + surname"].add(initial_key(row["display_name"]), False, at)
        elif t.style == "random_username" and t.tag("pattern").startswith("initial_") \
                and username_key(row["username"]) in have["initial-pattern username"]:
            groups["initial-pattern username"].add(username_key(row["username"]), False, at)
        elif t.style == "random_name" and (t.tag("form") == "full" or t.tag("form").startswith("nickname:")) \
                and shown in have["nickname + surname"]:
            groups["nickname + surname"].add(shown, False, at)

    chance = NameChance(seed)
    chances = {
        "exact full name": {k: chance.of(*k) for k in have["exact full name"]},
        "initial + surname": {k: chance.of(*k, initial_only=True) for k in have["initial + surname"]},
        "initial-pattern username": {k: chance.of(k[0], (k[1],), initial_only=True)
                                     for k in have["initial-pattern username"]},
        "nickname + surname": nickname_chances(chance, have["nickname + surname"]),
    }
    eligible = {kind: len(clients) for kind in groups} | {"nickname + surname": nickname_clients}
    n_client_rows = sum(1 for t in truth.values() if t.client_id)
    scored: list[tuple[float, bool]] = []
    in_groups = 0
    rows, versus = [], []
    product = run_product(folder, connections) if ours else None
    for kind, group in groups.items():
        posteriors = group.posteriors(have[kind], chances[kind], eligible[kind])
        scored += posteriors
        mine = sum(1 for _, c in group.rows if c)
        in_groups += mine
        f1, threshold = best_f1(n_client_rows, scored, in_groups)
        rows.append([f"+ {kind}", mine, len(group.rows) - mine, f1, threshold])
        if product is not None:
            inside, _ = best_f1(mine, posteriors, mine)
            versus.append([kind, len(group.rows), group_f1(group, connections, truth, product), inside])
    out = table(["ambiguous rows added", "client rows", "stranger rows", "ceiling F1", "at P(client) >="], rows,
                title=f"{folder}: {len(clients):,} clients, {n_client_rows:,} client rows; every other row "
                      f"counted right")
    if versus:
        out += "\n\n" + table(["rows of one kind only", "rows", "ours F1 (default thresholds)",
                                "Bayes F1 (best threshold)"], versus,
                               title="The product on the same rows (its top match, any tier; right client)")
    return out


def run_product(folder: Path, connections: list[dict[str, str]]) -> "quality.Ours":
    """The product's results, keyed by the row's line in connections.csv."""
    import quality

    return quality.run_ours(folder, {row["id"]: at for at, row in enumerate(connections)})


def group_f1(group: Group, connections: list[dict[str, str]], truth: dict, product: "quality.Ours") -> float:
    """F1 of the product's reports within one group: a client row found as its own client is
    right; a stranger row reported, or a client row reported as another client, is wrong."""
    import quality

    scores = quality.Scores()
    for (_, is_client), at in zip(group.rows, group.at):
        top = product.top_all.get(at)
        found = top is not None
        if is_client:
            right = found and product.client_ids[top.client] == truth[connections[at]["id"]].client_id
            scores.tp += right
            scores.fn += not right
            scores.fp += found and not right
        else:
            scores.fp += found
    return scores.f1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(make_truth.SIZES), default="solo")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="a folder make_truth.py wrote (with this --seed)")
    parser.add_argument("--ours", action="store_true",
                        help="also run the product and compare it with the Bayes posterior on each kind of row")
    args = parser.parse_args(argv)
    folder = ensure_data(args.size, args.seed, args.data)
    print(ceiling(folder, args.seed, args.ours))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
