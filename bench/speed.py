"""Wall time and memory per stage of an audit (issue 3).

    python bench/speed.py [--sizes solo,practice,large] [--sweep 10000,100000,1000000] [--no-cli]

For each size, along the path `auditor audit` takes: load (read_clients; the
connections through auditor.audit.read_connections), encode the roster
(encode_roster), then Auditor.run_on, split by its own progress messages into
encode connections and match (match includes building the findings).
Matcher.match is further split into its private stages by wrapping them on the
class for the duration of the run (no product code is changed): candidates,
the evidence join (the rest of match()), weigh, combine (with typos, which runs
inside combine) and decide. Forked encoding workers, when the product uses
them, show up in the workers' peak RSS (RUSAGE_CHILDREN, the largest single
worker; it counts pages still shared with the parent after fork, so it is an
upper bound), not in tracemalloc.

Each size runs in its own child process so that the peak RSS (getrusage
ru_maxrss, a high-water mark) belongs to that size alone. tracemalloc slows
allocation-heavy Python code, so it runs in a second, separate child pass
(--tracemalloc, on by default up to 200,000 connections) and only its peaks,
never its times, are reported.

The sweep keeps the roster fixed (20,000 clients, the practice roster, same seed)
and varies the connections (10k, 100k, 1M by default) to show how time grows.
For solo it also times the real CLI end to end (`auditor roster encode`, then
`auditor audit`, start-up included) with AUDITOR_KEY set to the test key.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from common import (
    BENCH_SECRET,
    DATA,
    ROOT,
    Matcher,
    bench_keys,
    encode_roster,
    ensure_data,
    load_clients,
    load_connections,
    maxrss_mb,
    product_version,
    run_auditor,
    table,
    timed_methods,
)

MATCH_STAGES = ("match", "_candidates", "_weigh", "_combine", "_typos", "_decide")
TRACE_LIMIT = 200_000
SWEEP_CLIENTS = 20_000


# --------------------------------------------------------------------------- child: one data set
class StageClock:
    """Wall time per stage, RSS high-water marks after it, and (when tracing) its traced peak."""

    def __init__(self, trace: bool):
        self.trace = trace
        self.stages: dict[str, dict[str, float]] = {}
        self.last = time.perf_counter()

    def restart(self) -> None:
        if self.trace:
            tracemalloc.reset_peak()
        self.last = time.perf_counter()

    def mark(self, name: str, records: int) -> None:
        """Close the stage that began at the previous mark."""
        entry = {"seconds": time.perf_counter() - self.last, "records": records,
                 "maxrss_mb": maxrss_mb(), "workers_maxrss_mb": maxrss_mb(resource.RUSAGE_CHILDREN)}
        if self.trace:
            entry["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        self.stages[name] = entry
        self.restart()


def measure(folder: Path, trace: bool, version: str) -> dict[str, Any]:
    """Run every stage once on one data folder, as `auditor audit` would; returns the figures.

    `version` comes from the parent: running git here would fork this process and
    the fork would show up as a "worker" in RUSAGE_CHILDREN.
    """
    if trace:
        tracemalloc.start()
    clock = StageClock(trace)
    records = load_clients(folder)
    clock.mark("read clients", len(records))
    connections, inputs, ignored = load_connections(folder / "connections.csv")
    clock.mark("read connections", len(connections))
    keys = bench_keys()
    roster = encode_roster(keys, records)
    clock.mark("encode roster", len(records))
    inner: dict[str, float] = {}
    with timed_methods(Matcher, MATCH_STAGES, inner):
        run = run_auditor(keys, roster, connections, inputs, ignored,
                          on_stage=lambda name: clock.mark(name, len(connections)))
    for name, seconds in run.seconds.items():   # the Auditor's own progress marks are exact
        if name in clock.stages:
            clock.stages[name]["seconds"] = seconds
    if "encode connections" not in clock.stages:   # the Auditor no longer announces its stages
        clock.stages["encode connections + match"] = clock.stages.pop("match")
    return {"folder": str(folder), "clients": len(records), "connections": len(connections),
            "pairs": len(run.found), "stages": clock.stages, "match_stages": inner,
            "roster_tokens": int(roster.tokens["token"].shape[0]), "product": version}


def child_main(folder: Path, trace: bool, version: str) -> int:
    print(json.dumps(measure(folder, trace, version)))
    return 0


# --------------------------------------------------------------------------- child processes
# A launcher with no imports to speak of: the child's ru_maxrss starts from the RSS of the
# process that forks it, so forking from this (pandas-loaded) process would inflate it.
_LAUNCHER = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
seconds = time.perf_counter() - start
sys.stdout.write(done.stdout)
sys.stdout.write("\\n@@ %d %.4f %.1f\\n" % (done.returncode, seconds,
                 resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
"""


def timed_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall time, the command's own peak RSS, exit code and the tail of its output."""
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    output, _, stats = done.stdout.rpartition("\n@@ ")
    code, seconds, rss = stats.split()
    return float(seconds), float(rss), int(code), output


def in_child(folder: Path, trace: bool) -> dict[str, Any]:
    """Measure one folder in a fresh interpreter (so ru_maxrss is this size's own)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(folder), "--product", product_version()]
    cmd += ["--trace"] if trace else []
    _, _, code, output = timed_child(cmd, dict(os.environ))
    if code:
        killed = f" (killed by signal {-code}; -9 is usually the out-of-memory killer)" if code < 0 else ""
        raise SystemExit(f"measuring {folder} failed{killed}:\n{output[-3000:]}")
    return json.loads(output.strip().splitlines()[-1])


# --------------------------------------------------------------------------- CLI end to end
def cli_command() -> list[str]:
    """The installed `auditor` next to this Python, else the same CLI as a module from the checkout."""
    installed = Path(sys.executable).parent / "auditor"
    if installed.exists():
        return [str(installed)]
    found = shutil.which("auditor")
    return [found] if found else [sys.executable, "-m", "auditor.cli"]


def cli_run(folder: Path) -> str:
    base = cli_command()
    env = dict(os.environ, AUDITOR_KEY=BENCH_SECRET.hex(), PYTHONPATH=str(ROOT))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        roster = Path(tmp) / "roster.enc"
        steps = [
            ("auditor --version (start-up)", base + ["--version"]),
            ("auditor roster encode", base + ["roster", "encode", str(folder / "clients.csv"), "-o", str(roster)]),
            ("auditor audit", base + ["audit", "--roster", str(roster), "--connections",
                                      str(folder / "connections.csv"), "--out", str(Path(tmp) / "out"),
                                      "--format", "json"]),
        ]
        for label, cmd in steps:
            seconds, rss, code, output = timed_child(cmd, env)
            if code:
                raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{output[-3000:]}")
            rows.append([label, seconds, rss])
    title = f"CLI end to end on {folder.name} ({' '.join(base)}; AUDITOR_KEY set; wall time includes start-up)"
    return table(["command", "seconds", "peak RSS MB"], rows, title)


# --------------------------------------------------------------------------- reports
def stage_table(result: dict[str, Any], traced: dict[str, Any] | None) -> str:
    rows = []
    for name, st in result["stages"].items():
        rate = st["records"] / st["seconds"] if st["seconds"] else None
        peak = traced["stages"].get(name, {}).get("traced_peak_mb") if traced else None
        label = "match (Auditor: Matcher.match + findings)" if name == "match" else name
        rows.append([label, st["records"], st["seconds"], rate and int(rate), st["maxrss_mb"],
                     st["workers_maxrss_mb"], peak])
    inner = result["match_stages"]
    if "match" in inner:
        named = sum(v for k, v in inner.items() if k not in ("match", "_typos"))
        parts = [("  Matcher.match", inner["match"]),
                 ("    candidates", inner.get("_candidates")),
                 ("    evidence join (rest of match)", inner["match"] - named),
                 ("    weigh", inner.get("_weigh")),
                 ("    combine (incl. typos)", inner.get("_combine")),
                 ("      of which typos (Bloom Dice)", inner.get("_typos")),
                 ("    decide", inner.get("_decide"))]
        rows += [[label, None, seconds, None, None, None, None] for label, seconds in parts]
    stages = result["stages"].values()
    rows.append(["total", None, sum(st["seconds"] for st in stages), None, max(st["maxrss_mb"] for st in stages),
                 max(st["workers_maxrss_mb"] for st in stages), None])
    title = (f"{Path(result['folder']).name}: {result['clients']:,} clients x {result['connections']:,} connections "
             f"read -> {result['pairs']:,} reported pairs; roster tokens {result['roster_tokens']:,}; "
             f"{result['product']}")
    return table(["stage", "records", "seconds", "records/s", "peak RSS MB (so far)", "workers peak RSS MB",
                  "tracemalloc peak MB"], rows, title)


def sweep_table(results: list[dict[str, Any]]) -> str:
    rows = []
    base: float | None = None
    for res in results:
        st = res["stages"]
        n = res["connections"]
        work = sum(v["seconds"] for k, v in st.items() if k not in ("read clients", "read connections",
                                                                    "encode roster"))
        per_conn_ms = 1000 * work / n
        base = base or per_conn_ms
        rows.append([n, st["read connections"]["seconds"], st.get("encode connections", {}).get("seconds"),
                     st.get("match", {}).get("seconds"), work, int(n / work), per_conn_ms, per_conn_ms / base,
                     max(s["maxrss_mb"] for s in st.values()), max(s["workers_maxrss_mb"] for s in st.values())])
    return table(["connections read", "read s", "encode s", "match s", "encode+match s", "conns/s",
                  "ms per conn", "vs smallest", "peak RSS MB", "workers peak RSS MB"], rows,
                 f"Sweep: roster fixed at {SWEEP_CLIENTS:,} clients (practice roster, same seed); "
                 "linear growth keeps 'ms per conn' flat")


def sweep_folder(n: int, seed: int) -> Path:
    if n == 200_000 and SWEEP_CLIENTS == 20_000:
        return ensure_data("practice", seed)
    return ensure_data("practice", seed, DATA / f"sweep-{SWEEP_CLIENTS}x{n}", SWEEP_CLIENTS, n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="solo,practice", help="comma-separated: solo, practice, large")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sweep", default="10000,100000,1000000",
                        help="connection counts for the fixed-roster sweep ('' to skip)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI end-to-end timing")
    parser.add_argument("--tracemalloc", choices=["auto", "on", "off"], default="auto",
                        help=f"extra traced pass per size (auto: up to {TRACE_LIMIT:,} connections)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--product", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child, args.trace, args.product)

    print(f"connection-auditor speed benchmark (python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        folder = ensure_data(size, args.seed)
        result = in_child(folder, trace=False)
        trace = args.tracemalloc == "on" or (args.tracemalloc == "auto" and result["connections"] <= TRACE_LIMIT)
        traced = in_child(folder, trace=True) if trace else None
        print()
        print(stage_table(result, traced))
        if size == "solo" and not args.no_cli:
            print()
            print(cli_run(folder))
    counts = [int(x) for x in args.sweep.split(",") if x.strip()]
    if counts:
        results = [in_child(sweep_folder(n, args.seed), trace=False) for n in counts]
        print()
        print(sweep_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
