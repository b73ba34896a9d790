"""Shared by the benchmark scripts: paths, the fixed test key, the audit run, timing.

The benchmark drives the product only through its public API and along the
path `auditor audit` takes: read_clients and encode_roster (as `roster
encode` does), auditor.audit.read_connections (the connector registry plus
its de-duplication of repeated entries) and Auditor.run_on (which builds the
connection encoder from the roster's vocabulary and runs the Matcher). So the
figures describe what a therapist's run does, and follow the product when its
internals change.
"""

from __future__ import annotations

import csv
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import make_truth

# The product's public API, imported here (after the path set-up) for the other scripts.
from auditor.audit import AuditOptions, Auditor, read_connections
from auditor.clients import ClientRecord, read_clients
from auditor.keys import PracticeKey, SubKeys
from auditor.match import Matcher
from auditor.roster import EncodedRoster, encode_roster
from connectors.interface import Connection

__all__ = ["BENCH", "BENCH_SECRET", "DATA", "ROOT", "AuditRun", "Connection", "Found", "Matcher", "TruthRow",
           "bench_keys", "default_dir", "encode_roster", "ensure_data", "load_clients", "load_connections",
           "make_truth", "maxrss_mb", "product_version", "read_truth", "run_auditor", "stopwatch", "table",
           "timed_methods"]

# A fixed, public test key: benchmark figures must not depend on a random key.
BENCH_SECRET = bytes(range(32))


def bench_keys() -> SubKeys:
    return PracticeKey(BENCH_SECRET, "bench").subkeys()


def default_dir(size: str, seed: int) -> Path:
    return DATA / size if seed == 7 else DATA / f"{size}-seed{seed}"


def ensure_data(size: str, seed: int, data: Path | None = None, n_clients: int | None = None,
                n_connections: int | None = None) -> Path:
    """The data folder, generated first when truth.csv is missing."""
    folder = data or default_dir(size, seed)
    if not (folder / "truth.csv").is_file():
        print(f"generating {folder} (size {size}, seed {seed}) ...", flush=True)
        make_truth.generate(size, seed, folder, n_clients, n_connections)
    return folder


def product_version() -> str:
    """The commit the figures belong to, and whether product files had uncommitted changes."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "auditor", "connectors")
    return f"commit {commit}" + (f" + uncommitted changes ({len(dirty.splitlines())} files)" if dirty else "")


@dataclass(slots=True)
class TruthRow:
    client_id: str      # '' for a non-client
    style: str
    note: str

    def tag(self, name: str) -> str:
        """The value of one `name=value` part of the note ('' when absent)."""
        for part in self.note.split(";"):
            key, _, value = part.partition("=")
            if key == name:
                return value
        return ""


def read_truth(folder: Path) -> dict[str, TruthRow]:
    with open(folder / "truth.csv", newline="", encoding="utf-8") as fh:
        return {row["connection_id"]: TruthRow(row["client_id"], row["style"], row["note"])
                for row in csv.DictReader(fh)}


def load_clients(folder: Path) -> list[ClientRecord]:
    return read_clients(folder / "clients.csv").records


def load_connections(path: Path) -> tuple[list[Connection], Any, Any]:
    """Read a connection file as `auditor audit --connections PATH` does (duplicates dropped)."""
    return read_connections([str(path)])


@dataclass(slots=True)
class Found:
    """One reported (connection, client) pair, in the product's order (best tier, then score)."""

    connection: int     # index into the connections read
    client: int         # index into the roster
    score: float
    tier: str
    ambiguous: bool


@dataclass(slots=True)
class AuditRun:
    found: list[Found]
    seconds: dict[str, float]


def run_auditor(keys: SubKeys, roster: EncodedRoster, connections: list[Connection], inputs: Any, ignored: Any,
                on_stage: Callable[[str], None] | None = None) -> AuditRun:
    """Auditor.run_on with every tier reported; times its encode and match stages.

    The Auditor announces "encoding ..." and then "matching ..." through its
    progress callback; those two calls split its wall time into the two stages.
    `on_stage(name)` is called as each stage ends (for memory snapshots).
    """
    marks: list[float] = []

    def progress(_: str) -> None:
        marks.append(time.perf_counter())
        if len(marks) == 2 and on_stage:
            on_stage("encode connections")

    auditor = Auditor(keys, AuditOptions(min_tier="possible"), progress=progress)
    start = time.perf_counter()
    result = auditor.run_on(roster, connections, inputs, ignored)
    end = time.perf_counter()
    if on_stage:
        on_stage("match")
    if len(marks) >= 2:
        seconds = {"encode connections": marks[1] - marks[0], "match": end - marks[1]}
    else:
        seconds = {"encode connections + match": end - start}
    index_of = {id(conn): i for i, conn in enumerate(connections)}
    ref_index = {ref: i for i, ref in enumerate(roster.refs.tolist())}
    found = [Found(index_of[id(f.connection)], ref_index[f.client_ref], f.score, f.tier, f.ambiguous)
             for f in result.findings]
    return AuditRun(found, seconds)


@contextmanager
def timed_methods(cls: type, names: tuple[str, ...], sink: dict[str, float]) -> Iterator[None]:
    """Time methods of a product class for the duration of a block; restores them afterwards.

    Used to split Matcher.match into its private stages without changing product code.
    """
    originals = {name: cls.__dict__[name] for name in names if name in cls.__dict__}

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                sink[name] = sink.get(name, 0.0) + time.perf_counter() - start
        return timed

    for name, fn in originals.items():
        setattr(cls, name, wrap(name, fn))
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(cls, name, fn)


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size so far (Linux reports KiB); RUSAGE_CHILDREN for forked workers."""
    return resource.getrusage(who).ru_maxrss / 1024


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t: ...` then t[0] is the wall time in seconds."""
    box: list[float] = [0.0]
    start = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - start


def table(headers: list[str], rows: list[list[object]], title: str = "") -> str:
    """A plain fixed-width table (first column left-aligned, the rest right-aligned)."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    out = [title] if title else []
    out += [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
