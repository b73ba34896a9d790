"""The history store itself: the diff rules, what its bytes hold, the key it belongs to, and a killed audit.

Must show 4 (issue 6): an audit killed with SIGKILL at any point (before, in
the middle of, and right at the end of the store's transaction, while the
reports are being replaced, and at timed moments from outside) leaves a store
that verifies, the previous run and its labels as they were, and the
previous findings.json whole.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

import sample_data
from auditor.history import open_store
from auditor.history.changes import Change, Prior, RunChanges, classify
from auditor.history.schema import VERSION
from auditor.keys import PracticeKey
from sample_data import _generate as gen
from tests.conftest import FIXED_SECRET
from tests.helpers import assert_ok, assert_one_line_error, run
from tests.test_history_cli import _identifiers, audit, by_locator, label, write_exports, write_roster

ROOT = Path(__file__).resolve().parents[1]
KEYS = PracticeKey(FIXED_SECRET, "test").subkeys()


# -- the rules -----------------------------------------------------------------------
TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("prior,tier,facts,expected", [
    (None, "likely", "f", Change.NEW),
    (Prior("open", "", "f", None), "likely", "g", Change.STILL_OPEN),
    (Prior("accepted", "likely", "f", None), "likely", "f", Change.ACCEPTED),
    (Prior("accepted", "likely", "f", "2026-11-22"), "likely", "f", Change.ACCEPTED),   # until today: still fine
    (Prior("accepted", "likely", "f", "2026-11-21"), "likely", "f", Change.EXPIRED),
    (Prior("accepted", "likely", "f", None), "likely", "g", Change.CHANGED),
    (Prior("accepted", "likely", "f", None), "confirmed", "f", Change.ACCEPTED),       # tier alone is not a fact
    (Prior("resolved", "", "f", None), "possible", "f", Change.REGRESSED),
    (Prior("false-positive", "possible", "f", None), "possible", "g", Change.SUPPRESSED),
    (Prior("false-positive", "possible", "f", None), "likely", "f", Change.REOPENED),
])
def test_classify(prior, tier, facts, expected):
    assert classify(prior, tier, facts, TODAY) is expected


def test_headline_leads_with_what_needs_a_look():
    changes = RunChanges(5, 4, "2026-08-20T10:00:00Z", {
        Change.STILL_OPEN: ["F-1"], Change.GONE: ["F-2"], Change.NEW: ["F-3", "F-4"], Change.EXPIRED: ["F-5"]})
    assert changes.headline() == "Since the last audit (2026-08-20): 2 new, 1 acceptance expired, 1 gone."
    assert RunChanges(5, 4, "2026-08-20T10:00:00Z").headline() == "Since the last audit (2026-08-20): nothing changed."
    assert RunChanges(1).headline().startswith("First audit")
    assert changes.status_of() == {"F-1": "open", "F-2": "resolved", "F-3": "open", "F-4": "open", "F-5": "open"}


# -- privacy of the file, and whose it is --------------------------------------------------
@pytest.fixture
def busy_store(runner, key_env, tmp):
    """Two audits of the sample data (with a roster change in between) and labels with reasons."""
    store = tmp / "history.sqlite"
    roster = write_roster(runner, tmp / "r")
    audit(runner, roster, sample_data.EXPORTS, tmp / "out", store)
    ids = by_locator(tmp / "out")
    reasons = {"resolve": "Margaret Okafor asked me about it in session; unfriended",
               "accept": "Former client Olufemi Adeyemi, public page only",
               "false-positive": "Evelyn's cousin, not her"}
    label(runner, store, "resolve", ids["your_friends.json#friends_v2[2]"], "--reason", reasons["resolve"])
    label(runner, store, "accept", ids["who_you've_followed.json#following_v3[1]"], "--reason", reasons["accept"],
          "--until", "2030-01-01")
    label(runner, store, "false-positive", ids["your_friends.json#friends_v2[29]"], "--reason",
          reasons["false-positive"])
    exports = write_exports(tmp / "ex2", [f for f in gen.FRIENDS if f[0] != "Becky Albright"])
    audit(runner, roster, exports, tmp / "out", store)
    return store, ids, reasons


def _raw(store: Path) -> bytes:
    """The store file and any journal beside it, as bytes on disk."""
    blobs = [p.read_bytes() for p in store.parent.glob(store.name + "*")]
    assert blobs
    return b"".join(blobs).lower()


def test_store_bytes_hold_no_identifier_and_no_reason(busy_store):
    store, _, reasons = busy_store
    raw = _raw(store)
    assert b"f-" in raw and b"digital: mutual" in raw                # the plain columns are there ...
    for needle in _identifiers() | {"Margaret Okafor", "Becky Albright"}:
        assert needle.lower().encode() not in raw, needle            # ... but no handle, name or e-mail
    for reason in reasons.values():
        assert reason.lower().encode() not in raw
        assert reason.split(",")[0].lower().encode() not in raw
    assert oct(store.stat().st_mode & 0o777) == "0o600"


def test_store_of_another_key_is_refused_in_one_line(runner, busy_store, monkeypatch, tmp):
    store, ids, _ = busy_store
    monkeypatch.setenv("AUDITOR_KEY", "ab" * 32)
    for args in (["findings", "list"], ["log", "verify"], ["findings", "accept", next(iter(ids.values())),
                                                             "--reason", "x"]):
        result = run(runner, *args, "--store", store)
        assert "history store of another practice key" in assert_one_line_error(result)
        assert result.exit_code == 4
    before = (tmp / "out" / "findings.json").read_bytes()
    result = run(runner, "audit", "--roster", tmp / "r" / "roster.enc", "--connections", sample_data.EXPORTS,
                 "--out", tmp / "out", "--store", store)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert (tmp / "out" / "findings.json").read_bytes() == before


def test_store_from_a_newer_tool_is_refused_in_one_line(runner, busy_store):
    store, _, _ = busy_store
    with sqlite3.connect(store) as db:
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    for args in (["findings", "list"], ["log", "verify"], ["log", "runs"]):
        message = assert_one_line_error(run(runner, *args, "--store", store))
        assert f"history store format {VERSION + 1} is newer than this tool understands" in message


def test_a_file_that_is_not_a_store_is_refused_in_one_line(runner, key_env, tmp):
    bogus = tmp / "notes.sqlite"
    bogus.write_text("these are my notes, not a database\n" * 20)
    assert "not a usable history store" in assert_one_line_error(run(runner, "log", "verify", "--store", bogus))
    assert bogus.read_text().startswith("these are my notes")


def test_sealed_values_are_bound_to_their_row(busy_store):
    """Copying a sealed detail into another finding's row is caught (AES-GCM associated data)."""
    store, ids, _ = busy_store
    a, b = ids["your_friends.json#friends_v2[5]"], ids["your_friends.json#friends_v2[8]"]
    with sqlite3.connect(store) as db:
        db.execute("UPDATE findings SET detail = (SELECT detail FROM findings WHERE finding_id = ?) "
                   "WHERE finding_id = ?", (a, b))
    with open_store(store, KEYS, create=False) as history:
        _, problems = history.verify()
    assert f"finding {b}: its sealed detail was altered" in problems


# -- must show 4: killed in the middle ---------------------------------------------------------
SYLLABLES = ("ba be bo da de di ka ke ko la le lo ma me mi na no ra re ri sa so ta te to va ve vo za zu "
             "bran dor fel gar hal kor lin mar nor quin rath sel tor vin wen").split()


def made_up_name(rnd: random.Random) -> tuple[str, str]:
    """A rare made-up name (three or four syllables each part), so each one names one person."""
    word = lambda: "".join(rnd.choice(SYLLABLES) for _ in range(rnd.choice((3, 4)))).capitalize()  # noqa: E731
    return word(), word()


def synthetic_clients(count: int, seed: int) -> list[list[str]]:
    """Extra made-up clients for a large roster (the sample ones come first)."""
    rnd = random.Random(seed)
    return [[str(5000 + i), *made_up_name(rnd), "", "", "", "", "", "Active", "", "Lena Hart"] for i in range(count)]


# Runs the real CLI, but SIGKILLs itself at a chosen point (KILL_AT): the n-th finding written in the
# store's transaction, the run's own log entry (the transaction's last statement before COMMIT), or
# the moment findings.json is about to replace the previous one.
DRIVER = r"""
import os, signal, sys
where, _, nth = os.environ["KILL_AT"].partition(":")
count = [0]
def die():
    os.kill(os.getpid(), signal.SIGKILL)
if where == "finding":
    from auditor.history import store as st
    label = st.HistoryStore._label_present
    def dying(self, *args, **kwargs):
        count[0] += 1
        if count[0] == int(nth):
            die()
        return label(self, *args, **kwargs)
    st.HistoryStore._label_present = dying
elif where == "commit":
    from auditor.history import chain
    append = chain.append
    def dying(db, cipher, at, event, subject, detail):
        if subject.startswith("run "):
            append(db, cipher, at, event, subject, detail)
            die()
        return append(db, cipher, at, event, subject, detail)
    chain.append = dying
elif where == "report":
    replace = os.replace
    def dying(src, dst, *args, **kwargs):
        if str(dst).endswith("findings.json"):
            die()
        return replace(src, dst, *args, **kwargs)
    os.replace = dying
from auditor.cli import main
sys.argv = ["auditor"] + sys.argv[1:]
main()
"""


def big_connections(path: Path, rows: int, seed: int, clients: list[list[str]]) -> Path:
    """A generic CSV of `rows` made-up followers; every client in `clients` follows once."""
    rnd = random.Random(seed)
    names = [(c[1], c[2]) for c in clients] + [made_up_name(rnd) for _ in range(rows - len(clients))]
    rnd.shuffle(names)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "platform", "relation", "display_name", "username"])
        for i, (given, surname) in enumerate(names):
            writer.writerow([f"x-{seed}-{i}", "x", "follower", f"{given} {surname}",
                             f"{given.lower()}{surname.lower()}{rnd.randint(1, 9999)}"])
    return path


def snapshot(store: Path) -> dict:
    with open_store(store, KEYS, create=False) as history:
        return {"runs": [r.run_id for r in history.runs()],
                "statuses": {f.finding_id: (f.status, f.accepted_until) for f in history.findings()},
                "labels": history.db.execute("SELECT count(*) FROM dispositions").fetchone()[0],
                "log": len(history.log_entries()),
                "run1": history.run_document(1)}


def check_after_kill(runner, store: Path, out: Path, before: dict, old_report: bytes, why: str) -> bool:
    """The store verifies and holds either the earlier state or the whole new run; findings.json is whole.

    Returns whether the killed run had committed."""
    verified = run(runner, "log", "verify", "--store", store)
    assert verified.exit_code == 0, (why, verified.output)
    now = snapshot(store)
    assert now["run1"] == before["run1"], why                      # the previous run's document, intact
    committed = now["runs"] != before["runs"]
    if committed:
        assert now["runs"] == before["runs"] + [before["runs"][-1] + 1], why
        with open_store(store, KEYS, create=False) as history:
            recorded = history.run_changes(now["runs"][-1])
            document = history.run_document(now["runs"][-1])
        assert sum(len(ids) for ids in recorded.by_change.values()) >= len(document["findings"]) > 0, why
        assert now["log"] > before["log"], why
    else:
        assert now == before, why                                  # statuses, labels and log as they were
    report = (out / "findings.json").read_bytes()
    document = json.loads(report)                                  # whole, valid JSON in every case
    assert document["schema"] == "connection-auditor/findings@1", why
    if not committed:
        assert report == old_report, why                           # the reports are written after the store
    return committed


def test_killing_an_audit_leaves_the_store_and_previous_results_intact(runner, key_env, tmp):
    base = tmp / "base"
    extra = synthetic_clients(300, seed=7)
    roster = write_roster(runner, base / "r", gen.CLIENTS + extra)
    conns1 = big_connections(base / "x1.csv", 2000, seed=1, clients=extra)
    assert_ok(run(runner, "audit", "--roster", roster, "--connections", conns1, "--connections", sample_data.EXPORTS,
                  "--out", base / "out", "--store", base / "history.sqlite"))
    ids = by_locator(base / "out")
    label(runner, base / "history.sqlite", "resolve", ids["your_friends.json#friends_v2[2]"], "--reason", "removed")
    label(runner, base / "history.sqlite", "accept", ids["followers_1.json#[3]"], "--reason", "ok")
    before = snapshot(base / "history.sqlite")
    assert before["runs"] == [1] and len(before["statuses"]) > 100
    old_report = (base / "out" / "findings.json").read_bytes()
    # The next quarter: other followers, Margaret unfriended (so a committed run would change statuses).
    conns2 = big_connections(tmp / "x2.csv", 2000, seed=2, clients=extra[:250])
    exports2 = write_exports(tmp / "ex2", [f for f in gen.FRIENDS if f[0] != "Margaret Okafor"])
    env = {**os.environ, "AUDITOR_KEY": FIXED_SECRET.hex(), "PYTHONDONTWRITEBYTECODE": "1"}

    def start(name: str, kill_at: str | None = None) -> tuple[subprocess.Popen, Path]:
        case = tmp / name
        shutil.copytree(base, case)
        args = ["-q", "audit", "--roster", str(case / "r" / "roster.enc"), "--connections", str(conns2),
                "--connections", str(exports2), "--out", str(case / "out"), "--store", str(case / "history.sqlite"),
                "--format", "json"]
        command = [sys.executable, "-c", DRIVER, *args] if kill_at else [sys.executable, "-m", "auditor.cli", *args]
        proc = subprocess.Popen(command, cwd=ROOT, env={**env, "KILL_AT": kill_at or ""}, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return proc, case

    # 1. Killed at chosen points inside the store's transaction and while findings.json is replaced.
    points = {"mid-transaction": "finding:150", "before-commit": "commit:", "replacing-report": "report:"}
    procs = {name: start(name, kill_at) for name, kill_at in points.items()}
    outcomes = {}
    for name, (proc, case) in procs.items():
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, (name, proc.returncode, err.decode()[-2000:])
        if name != "replacing-report":
            journal = case / "history.sqlite-journal"
            assert journal.exists(), name                                   # a hot journal was left behind ...
            raw = journal.read_bytes().lower()
            assert not any(n.lower().encode() in raw for n in ("Margaret Okafor", "Becky Albright", "jpemberton88"))
        outcomes[name] = check_after_kill(runner, case / "history.sqlite", case / "out", before, old_report, name)
    assert outcomes == {"mid-transaction": False, "before-commit": False, "replacing-report": True}
    leftovers = list((tmp / "replacing-report" / "out").glob(".findings.json.*.tmp"))
    assert (tmp / "replacing-report" / "out" / "findings.json").read_bytes() == old_report
    assert len(leftovers) <= 1

    # 2. The plain console command, SIGKILLed from outside: a second in (long before the store is opened),
    #    as soon as the store's transaction has begun (its journal appears) or a little later, and once it
    #    has committed (while the reports are written, or after the run ended).
    triggers = [("time", 1.0), ("journal", 0.0), ("journal", 0.02), ("committed", 0.0)]
    timed = [(trigger, *start(f"kill-{i}")) for i, trigger in enumerate(triggers)]
    t0 = time.monotonic()
    seen: dict[int, float] = {}
    killed: dict[int, str] = {}
    while any(proc.poll() is None for _, proc, _ in timed) and time.monotonic() - t0 < 60:
        now = time.monotonic()
        for i, ((kind, when), proc, case) in enumerate(timed):
            if i in killed or proc.poll() is not None:
                continue
            journal = (case / "history.sqlite-journal").exists()
            if journal and i not in seen:
                seen[i] = now
            fire = (kind == "time" and now - t0 >= when) \
                or (kind == "journal" and i in seen and now - seen[i] >= when) \
                or (kind == "committed" and i in seen and not journal)
            if fire:
                os.killpg(proc.pid, signal.SIGKILL)
                killed[i] = f"{kind} {when:.3f}s"
        time.sleep(0.0005)
    outcomes = {}
    for i, ((kind, when), proc, case) in enumerate(timed):
        proc.communicate(timeout=60)
        why = f"{kind} {when:.3f}s ({'killed' if i in killed else 'not killed'}, exit {proc.returncode})"
        outcomes[why] = check_after_kill(runner, case / "history.sqlite", case / "out", before, old_report, why)
    # At least one kill landed inside the transaction (journal seen, killed, nothing committed).
    assert any(not done for why, done in outcomes.items() if why.startswith("journal") and "(killed" in why), outcomes

    # After a crash, the next audit recovers the journal and records normally.
    again = run(runner, "audit", "--roster", tmp / "mid-transaction" / "r" / "roster.enc",
                "--connections", exports2, "--out", tmp / "mid-transaction" / "out",
                "--store", tmp / "mid-transaction" / "history.sqlite")
    assert_ok(again)
    assert snapshot(tmp / "mid-transaction" / "history.sqlite")["runs"] == [1, 2]
    assert not (tmp / "mid-transaction" / "history.sqlite-journal").exists()


def test_labels_take_an_id_in_any_case_and_keep_the_reason_sealed(busy_store):
    store, ids, reasons = busy_store
    fid = ids["your_friends.json#friends_v2[5]"]
    with open_store(store, KEYS, create=False) as history:
        after = history.dispose(fid.lower(), "accept", "reviewed in supervision", date(2099, 1, 1))
        assert (after.finding_id, after.status, after.accepted_until) == (fid, "accepted", "2099-01-01")
        assert history.dispositions(fid)[-1]["reason"] == "reviewed in supervision"
        okafor = history.dispositions(ids["your_friends.json#friends_v2[2]"])
        assert [d["reason"] for d in okafor if d["action"] == "resolve"] == [reasons["resolve"]]
        assert history.verify()[1] == []
    assert b"reviewed in supervision" not in _raw(store)
