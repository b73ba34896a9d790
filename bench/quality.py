"""Match quality against ground truth (issue 3): the figures the matcher is tuned against.

    python bench/quality.py --size solo|practice [--seed 7] [--data DIR]

Runs the product in-process along the path `auditor audit` takes (read_clients,
encode_roster, auditor.audit.read_connections, Auditor.run_on, which encodes the
connections and runs Matcher().match) with a fixed test key, maps each
connection's top reported match to truth.csv and prints:

- overall precision / recall / F1, counting confirmed+likely+possible as
  reported, and again counting only confirmed+likely;
- per style: recall for the ways clients show up, false-positive rate for
  look-alikes and random people, and the tier each landed in;
- per tier: precision; a reliability table by score bucket; the ambiguous
  count; the exact full-name collisions the name pools produced by chance;
- a plaintext reference: rapidfuzz token_sort_ratio best match (threshold 85),
  with its F1 and wall time next to ours.

Definitions (kept strict on purpose, so that figures cannot look better than
the product is): a connection is *reported* when it has at least one match in
the counted tiers; its *top* match is the first one the product lists for it
(best tier, then highest score). A true positive is a reported connection whose
top match is its true client. Every other reported connection is a false
positive, including a client's connection attributed to the wrong client. A
client connection without a correct top match is a false negative (also when the
product dropped the row as a duplicate entry). A non-client who happens to share
a client's exact full name is still a non-client.

Those namesakes are also shown set aside, in extra rows of the overall table
(marked "namesakes aside": rows whose truth note says collision=, counted neither
as TP nor as FP nor as FN). From a name alone a namesake and the client are the
same evidence, so any rule that reports the client's row reports the namesake's;
at practice size the pools make 7,617 of them against 14,000 client rows, which
caps the strict F1 of every name-based method, plaintext or keyed, near 0.79 when
all are reported. The strict rows stay first and are the headline.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import (
    Found,
    TruthRow,
    bench_keys,
    encode_roster,
    ensure_data,
    load_clients,
    load_connections,
    product_version,
    read_truth,
    run_auditor,
    stopwatch,
    table,
)

ALL_TIERS = ("confirmed", "likely", "possible")
STRONG_TIERS = ("confirmed", "likely")
CLIENT_STYLES = ("full", "nickname", "decorated", "initial_surname", "married", "swapped", "typo",
                 "username_only", "email_only", "handle", "linkedin")
NON_CLIENT_STYLES = ("lookalike_surname", "lookalike_first", "lookalike_initial", "random_name",
                     "random_username", "random_email")
BASELINE_THRESHOLD = 85
BASELINE_CHUNK = 1000


@dataclass(slots=True)
class Scores:
    """Confusion counts for one way of counting."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    wrong_client: int = 0      # a client's connection reported as another client (also in fp and fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Ours:
    """Our top matches keyed by truth position, with the run's timings and counts."""

    top_all: dict[int, Found]
    top_strong: dict[int, Found]
    pairs: list[Found]
    client_ids: list[str]
    seconds: dict[str, float]
    read: int           # connections the product kept
    dropped: list[int]  # truth positions the product dropped as duplicate entries

    def predicted(self, strong: bool) -> dict[int, str]:
        top = self.top_strong if strong else self.top_all
        return {i: self.client_ids[m.client] for i, m in top.items()}


# --------------------------------------------------------------------------- our matcher
def run_ours(folder: Path, position: dict[str, int]) -> Ours:
    """The product on the benchmark files; results keyed by the row's position in truth.csv."""
    seconds: dict[str, float] = {}
    with stopwatch() as t:
        records = load_clients(folder)
    seconds["read clients"] = t[0]
    with stopwatch() as t:
        connections, inputs, ignored = load_connections(folder / "connections.csv")
    seconds["read connections"] = t[0]
    keys = bench_keys()
    with stopwatch() as t:
        roster = encode_roster(keys, records)
    seconds["encode roster"] = t[0]
    run = run_auditor(keys, roster, connections, inputs, ignored)
    seconds.update(run.seconds)
    at = [position[c.id] for c in connections]
    pairs = [Found(at[f.connection], f.client, f.score, f.tier, f.ambiguous) for f in run.found]
    kept = set(at)
    return Ours(top_all=top_matches(pairs, ALL_TIERS), top_strong=top_matches(pairs, STRONG_TIERS), pairs=pairs,
                client_ids=[r.client_id for r in records], seconds=seconds, read=len(connections),
                dropped=[i for i in range(len(position)) if i not in kept])


def top_matches(pairs: list[Found], tiers: tuple[str, ...]) -> dict[int, Found]:
    """First listed match per connection within the counted tiers (the product lists best first)."""
    top: dict[int, Found] = {}
    for m in pairs:
        if m.tier in tiers and m.connection not in top:
            top[m.connection] = m
    return top


# --------------------------------------------------------------------------- plaintext baseline
def fold(text: str) -> str:
    from anyascii import anyascii
    from rapidfuzz import utils

    return utils.default_process(anyascii(text))


def baseline_query(row: dict[str, str]) -> str:
    """display_name, else username, else the e-mail local part (what a fuzzy matcher would compare)."""
    email = row.get("email", "")
    return row.get("display_name") or row.get("username") or (email.split("@", 1)[0] if "@" in email else "")


def read_plain(folder: Path) -> tuple[list[str], list[str], list[str]]:
    """The plaintext inputs of the baseline: client ids, roster 'First Last' names, one query per row."""
    with open(folder / "clients.csv", newline="", encoding="utf-8") as fh:
        clients = list(csv.DictReader(fh))
    with open(folder / "connections.csv", newline="", encoding="utf-8") as fh:
        queries = [fold(baseline_query(row)) for row in csv.DictReader(fh)]
    return ([r["Client ID"] for r in clients], [fold(f"{r['First Name']} {r['Last Name']}") for r in clients],
            queries)


def run_baseline(folder: Path) -> tuple[dict[int, str], float]:
    """rapidfuzz best roster full name per connection row, token_sort_ratio >= 85.

    Equivalent to process.extractOne for every row (same scorer, same cutoff,
    first best on ties), computed with process.cdist over blocks of rows on all
    cores: no blocking, so no candidate is missed. Reads the CSV files itself
    (it is a plaintext matcher) and keys results by row position, like truth.csv.
    """
    from rapidfuzz import fuzz, process

    with stopwatch() as t:
        ids, choices, queries = read_plain(folder)
        predicted: dict[int, str] = {}
        for start in range(0, len(queries), BASELINE_CHUNK):
            block = queries[start:start + BASELINE_CHUNK]
            scores = process.cdist(block, choices, scorer=fuzz.token_sort_ratio, processor=None,
                                   score_cutoff=BASELINE_THRESHOLD, dtype=np.float32, workers=-1)
            best = scores.argmax(axis=1)
            for offset, (j, q) in enumerate(zip(best.tolist(), block)):
                if q and scores[offset, j] >= BASELINE_THRESHOLD:
                    predicted[start + offset] = ids[j]
    return predicted, t[0]


def check_baseline_equivalence(folder: Path, predicted: dict[int, str], sample: int = 300) -> str:
    """Confirm on a sample that the cdist shortcut gives what extractOne gives."""
    from rapidfuzz import fuzz, process

    ids, choices, queries = read_plain(folder)
    n = min(sample, len(queries))
    same = 0
    for i in range(n):
        hit = process.extractOne(queries[i], choices, scorer=fuzz.token_sort_ratio, processor=None,
                                 score_cutoff=BASELINE_THRESHOLD) if queries[i] else None
        same += (ids[hit[2]] if hit else None) == predicted.get(i)
    return f"{same}/{n} identical to process.extractOne"


# --------------------------------------------------------------------------- scoring
def namesakes(truth: list[TruthRow]) -> set[int]:
    """Random non-clients with a client's exact full name (by chance of the name pools)."""
    return {i for i, t in enumerate(truth) if t.tag("collision")}


def score(predicted: dict[int, str], truth: list[TruthRow], subset: list[int] | None = None) -> Scores:
    s = Scores()
    for i in (range(len(truth)) if subset is None else subset):
        actual, guess = truth[i].client_id, predicted.get(i)
        if guess is not None and guess == actual:
            s.tp += 1
            continue
        if guess is not None:
            s.fp += 1
        if actual:
            s.fn += 1
            s.wrong_client += guess is not None
    return s


def overall_table(runs: list[tuple[str, dict[int, str], float]], truth: list[TruthRow]) -> str:
    rows = []
    for name, predicted, seconds in runs:
        s = score(predicted, truth)
        rows.append([name, s.tp + s.fp, s.tp, s.fp, s.fn, s.wrong_client, s.precision, s.recall, s.f1,
                     f"{seconds:.1f}s"])
    aside = namesakes(truth)
    kept = [i for i in range(len(truth)) if i not in aside]
    for name, predicted, seconds in runs:
        s = score(predicted, truth, kept)
        rows.append([f"{name}, namesakes aside", s.tp + s.fp, s.tp, s.fp, s.fn, s.wrong_client, s.precision,
                     s.recall, s.f1, f"{seconds:.1f}s"])
    return table(["method", "reported", "TP", "FP", "FN", "wrong client", "precision", "recall", "F1", "time"],
                 rows, "Overall (a TP is a reported connection whose top match is its true client)")


def style_groups(truth: list[TruthRow]) -> dict[str, list[int]]:
    """Connection indices per style, plus the chance name collisions among random people."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(truth):
        groups[t.style].append(i)
        if t.tag("collision"):
            groups["(random: exact-name collision)"].append(i)
        elif t.tag("nick_collision"):
            groups["(random: nickname collision)"].append(i)
        if t.style == "lookalike_initial" and t.tag("edit") in ("1", "2"):
            groups["(lookalike_initial, edit <= 2)"].append(i)
    return groups


def style_table(top_all: dict[int, Found], top_strong: dict[int, Found], baseline: dict[int, str],
                truth: list[TruthRow], client_ids: list[str]) -> str:
    groups = style_groups(truth)
    order = [*CLIENT_STYLES, *NON_CLIENT_STYLES, "(random: exact-name collision)", "(random: nickname collision)",
             "(lookalike_initial, edit <= 2)"]
    rows = []
    for style in order:
        idx = groups.get(style, [])
        if not idx:
            continue
        is_client = style in CLIENT_STYLES
        tiers = Counter(top_all[i].tier if i in top_all else "none" for i in idx)
        if is_client:
            measure = "recall"
            ours_all = sum(i in top_all and client_ids[top_all[i].client] == truth[i].client_id for i in idx)
            ours_strong = sum(i in top_strong and client_ids[top_strong[i].client] == truth[i].client_id
                              for i in idx)
            base = sum(baseline.get(i) == truth[i].client_id for i in idx)
            wrong = sum(i in top_all and client_ids[top_all[i].client] != truth[i].client_id for i in idx)
        else:
            measure = "FP rate"
            ours_all = sum(i in top_all for i in idx)
            ours_strong = sum(i in top_strong for i in idx)
            base = sum(i in baseline for i in idx)
            wrong = None
        n = len(idx)
        rows.append([style, n, measure, ours_all / n, ours_strong / n, base / n, tiers["confirmed"],
                     tiers["likely"], tiers["possible"], tiers["none"], wrong])
    return table(["style", "rows", "measure", "ours c+l+p", "ours c+l", "rapidfuzz", "confirmed", "likely",
                  "possible", "none", "wrong client"], rows,
                 "Per style (tier columns: where the top match landed, counting all tiers)")


def tier_table(top_all: dict[int, Found], truth: list[TruthRow], client_ids: list[str]) -> str:
    rows = []
    for tier in ALL_TIERS:
        idx = [i for i, m in top_all.items() if m.tier == tier]
        right = sum(client_ids[top_all[i].client] == truth[i].client_id for i in idx)
        wrong_client = sum(bool(truth[i].client_id) and client_ids[top_all[i].client] != truth[i].client_id
                           for i in idx)
        non_client = sum(not truth[i].client_id for i in idx)
        rows.append([tier, len(idx), right, wrong_client, non_client, right / len(idx) if idx else None])
    return table(["tier", "top matches", "right client", "wrong client", "non-client", "precision"], rows,
                 "Per tier (each connection counted once, at the tier of its top match)")


def reliability_table(top_all: dict[int, Found], truth: list[TruthRow], client_ids: list[str]) -> str:
    edges = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001]
    rows = []
    for lo, hi in itertools.pairwise(edges):
        idx = [i for i, m in top_all.items() if lo <= m.score < hi]
        right = sum(client_ids[top_all[i].client] == truth[i].client_id for i in idx)
        mean = float(np.mean([top_all[i].score for i in idx])) if idx else None
        label = f"{lo:.1f}-{min(hi, 1.0):.1f}" if lo else "<0.3 (confirmed only)"
        rows.append([label, len(idx), mean, right / len(idx) if idx else None])
    return table(["score", "count", "mean score", "share true"], rows,
                 "Reliability (top matches, all tiers): a calibrated score has share true ~ mean score")


def ambiguity_line(matches: list[Found], top_all: dict[int, Found], truth: list[TruthRow],
                   client_ids: list[str]) -> str:
    amb = [i for i, m in top_all.items() if m.ambiguous]
    right = sum(client_ids[top_all[i].client] == truth[i].client_id for i in amb)
    clients_in = sum(bool(truth[i].client_id) for i in amb)
    return (f"Ambiguous: {len(amb):,} connections have an ambiguous top match "
            f"({clients_in:,} of them are clients, {right:,} top matches right); "
            f"{sum(m.ambiguous for m in matches):,} ambiguous pairs in all.")


def collision_line(truth: list[TruthRow], top_all: dict[int, Found], top_strong: dict[int, Found]) -> str:
    exact = [i for i, t in enumerate(truth) if t.tag("collision")]
    by_style = Counter(truth[i].style for i in exact)
    nick = [i for i, t in enumerate(truth) if t.tag("nick_collision")]
    return (f"Exact full-name collisions (random non-clients with a client's exact first+last name, by chance): "
            f"{len(exact):,} ({', '.join(f'{k} {v:,}' for k, v in sorted(by_style.items()))}); "
            f"reported {sum(i in top_all for i in exact):,} (c+l: {sum(i in top_strong for i in exact):,}).\n"
            f"Nickname collisions (a client's surname and a nickname-linked given name): {len(nick):,}; "
            f"reported {sum(i in top_all for i in nick):,} (c+l: {sum(i in top_strong for i in nick):,}).")


def data_origin(folder: Path) -> str:
    """Seed and faker version from meta.json: the same seed with another faker gives other data."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no meta.json"
    return f"seed {meta.get('seed')}, faker {meta.get('faker', 'unknown')}"


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=["solo", "practice", "large"], default="solo")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="data folder (default bench/data/SIZE; generated if missing)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the rapidfuzz reference")
    args = parser.parse_args(argv)

    version = product_version()   # before the run: the product may change while it runs
    folder = ensure_data(args.size, args.seed, args.data)
    truth_by_id = read_truth(folder)
    truth = list(truth_by_id.values())
    position = {cid: i for i, cid in enumerate(truth_by_id)}
    ours = run_ours(folder, position)
    ours_time = sum(v for k, v in ours.seconds.items() if not k.startswith("read"))
    match_time = ours.seconds.get("match", ours_time)

    n_clients = sum(bool(t.client_id) for t in truth)
    print(f"connection-auditor quality benchmark: {folder} ({version})")
    print(f"{len(ours.client_ids):,} clients, {len(truth):,} connection rows, {n_clients:,} client rows "
          f"({len({t.client_id for t in truth if t.client_id}):,} distinct clients); {data_origin(folder)}")
    dropped_clients = sum(bool(truth[i].client_id) for i in ours.dropped)
    print(f"the product read {ours.read:,} connections ({len(ours.dropped):,} rows dropped as duplicate entries, "
          f"{dropped_clients:,} of them client rows)")
    print("ours: " + ", ".join(f"{k} {v:.1f}s" for k, v in ours.seconds.items())
          + f"; {len(ours.pairs):,} pairs reported")
    print()
    runs = [("ours c+l+p", ours.predicted(False), ours_time), ("ours c+l", ours.predicted(True), ours_time)]
    baseline: dict[int, str] = {}
    if not args.no_baseline:
        baseline, base_time = run_baseline(folder)
        runs.append(("rapidfuzz", baseline, base_time))
    print(overall_table(runs, truth))
    if not args.no_baseline:
        ours_f1 = score(ours.predicted(False), truth).f1
        base_f1 = score(baseline, truth).f1
        print(f"ours vs rapidfuzz: F1 {ours_f1:.3f} vs {base_f1:.3f} "
              f"(ratio {ours_f1 / base_f1 if base_f1 else float('nan'):.2f}); time {ours_time:.1f}s "
              f"(encode roster + encode connections + match; match alone {match_time:.1f}s) vs "
              f"{base_time:.1f}s (ratio {ours_time / base_time:.2f})")
        print("rapidfuzz: token_sort_ratio >= 85 on accent-folded default_process text, best of all roster "
              "'First Last' names via process.cdist in blocks of 1,000 rows, all cores (no blocking); "
              + check_baseline_equivalence(folder, baseline))
    print()
    print(style_table(ours.top_all, ours.top_strong, baseline, truth, ours.client_ids))
    print()
    print(tier_table(ours.top_all, truth, ours.client_ids))
    print()
    print(reliability_table(ours.top_all, truth, ours.client_ids))
    print()
    print(ambiguity_line(ours.pairs, ours.top_all, truth, ours.client_ids))
    print(collision_line(truth, ours.top_all, ours.top_strong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
