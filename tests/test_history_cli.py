"""History through the CLI: two audits in a row on changed sample data, labels, and `log verify`.

Must show 1 (issue 6): the second audit names exactly which findings are new,
gone, regressed, whose acceptance expired, whose accepted facts changed, and
which false positive stays quiet; the terminal summary leads with it.
Must show 2: `auditor log verify` passes on an untouched store and names the
entry when a row is edited or deleted with sqlite3.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import sample_data
from sample_data import _generate as gen
from tests.helpers import assert_ok, assert_one_line_error, run

FRIENDS_JSON = "connections/friends/your_friends.json"
IG_FOLLOWERS_JSON = "connections/followers_and_following/followers_1.json"


def utc_today():
    return datetime.now(timezone.utc).date()


def flat(text: str) -> str:
    """Terminal output with its line wrapping undone."""
    return " ".join(text.split())


def leading_changes(output: str) -> str:
    """The audit's terminal report from its first section on; asserts that this section is the changes."""
    text = flat(output)
    assert text.startswith("Connection audit: therapist's private report"), text[:200]
    start = text.find("What changed since the last audit")
    assert start >= 0, text[:800]
    for later in ("Inputs read", "Findings by tier", "Top findings"):
        assert later not in text[:start], (later, text[:start])
    end = text.find("Inputs read")
    return text[start:end if end > start else None]


# -- building changed sample data -------------------------------------------------
def write_exports(dest: Path, friends=gen.FRIENDS, ig_followers=gen.IG_FOLLOWERS) -> Path:
    """A copy of sample_data/exports with its own Facebook friends and Instagram followers."""
    shutil.copytree(sample_data.EXPORTS, dest)
    (dest / gen.FB.name / FRIENDS_JSON).write_text(
        gen.meta_json({"friends_v2": [{"name": n, "timestamp": t} for n, t in friends]}), encoding="utf-8")
    (dest / gen.IG.name / IG_FOLLOWERS_JSON).write_text(
        gen.meta_json([gen._ig_entry(u, 1710000000 + i * 86400) for i, u in enumerate(ig_followers)]),
        encoding="utf-8")
    return dest


def write_roster(runner, folder: Path, clients=gen.CLIENTS) -> Path:
    """Encode a client list (sample_data's, or a changed copy) into folder/roster.enc."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "clients.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(gen.CLIENT_HEADER)
        writer.writerows(clients)
    assert_ok(run(runner, "roster", "encode", folder / "clients.csv", "-o", folder / "roster.enc"))
    return folder / "roster.enc"


def audit(runner, roster: Path, exports: Path, out: Path, store: Path):
    result = run(runner, "audit", "--roster", roster, "--connections", exports, "--out", out, "--store", store)
    assert_ok(result)
    return result


def by_locator(out: Path) -> dict[str, str]:
    document = json.loads((out / "findings.json").read_text())
    return {f["connection"]["source"].rsplit("/", 1)[-1]: f["finding_id"] for f in document["findings"]}


def since_last(runner, store: Path, *extra: str) -> dict[str, str]:
    result = run(runner, "findings", "list", "--since", "LAST", "--format", "json", "--store", store, *extra)
    assert_ok(result)
    return {row["finding_id"]: row["change"] for row in json.loads(result.stdout)}


def listed(runner, store: Path, *extra: str) -> dict[str, dict]:
    result = run(runner, "findings", "list", "--format", "json", "--store", store, *extra)
    assert_ok(result)
    return {row["finding_id"]: row for row in json.loads(result.stdout)}


def label(runner, store: Path, action: str, finding_id: str, *extra: str):
    result = run(runner, "findings", action, finding_id, "--store", store, *extra)
    assert_ok(result)
    return result


# -- must show 1 ----------------------------------------------------------------------
def test_two_audits_on_changed_data_give_the_right_diff(runner, key_env, tmp: Path):
    store = tmp / "history.sqlite"
    out = tmp / "audit"
    roster1 = write_roster(runner, tmp / "r1")
    exports1 = write_exports(tmp / "ex1")
    first = audit(runner, roster1, exports1, out, store)
    assert leading_changes(first.output).startswith("What changed since the last audit (none before: first audit)")
    ids1 = by_locator(out)
    okafor = ids1["your_friends.json#friends_v2[2]"]           # resolved by hand, still there -> regressed
    dubois = ids1["your_friends.json#friends_v2[5]"]           # accepted; client discharged since -> facts changed
    fairweather = ids1["your_friends.json#friends_v2[19]"]     # accepted, then unfriended -> gone
    ellsworth = ids1["your_friends.json#friends_v2[26]"]       # accepted, nothing changed -> stays accepted
    marchetti = ids1["your_friends.json#friends_v2[29]"]       # false positive, same tier -> stays quiet
    adeyemi = ids1["who_you've_followed.json#following_v3[1]"]  # accepted until yesterday -> expired
    pemberton = ids1["followers_1.json#[1]"]                   # open, unfollowed -> gone
    assert len({okafor, dubois, fairweather, ellsworth, marchetti, adeyemi, pemberton}) == 7
    assert set(listed(runner, store)) == set(ids1.values())      # all open after the first audit
    assert since_last(runner, store) == {fid: "new" for fid in ids1.values()}

    yesterday = (utc_today() - timedelta(days=1)).isoformat()
    assert "resolved" in label(runner, store, "resolve", okafor, "--reason", "unfriended her").stdout
    expired = label(runner, store, "accept", adeyemi, "--reason", "former client, public page", "--until", yesterday)
    assert f"accepted until {yesterday}" in expired.stdout and "counts as open again" in expired.stderr
    label(runner, store, "accept", dubois, "--reason", "reviewed: acceptable for now")
    label(runner, store, "accept", fairweather, "--reason", "reviewed")
    label(runner, store, "accept", ellsworth, "--reason", "reviewed")
    assert "false-positive" in label(runner, store, "false-positive", marchetti, "--reason", "not her").stdout
    now_open = listed(runner, store)
    assert adeyemi in now_open and now_open[adeyemi]["status"] == "open"           # expired acceptance = open
    assert not {okafor, dubois, fairweather, ellsworth, marchetti} & set(now_open)
    assert set(listed(runner, store, "--status", "accepted")) == {dubois, fairweather, ellsworth}

    # The quarter after: Delores unfriended, jpemberton88 unfollowed, Kenji befriended, client 1003 discharged.
    friends2 = [f for f in gen.FRIENDS if f[0] != "Delores Fairweather"] + [("Kenji Watanabe", 1682234567)]
    followers2 = [u for u in gen.IG_FOLLOWERS if u != "jpemberton88"]
    clients2 = [row[:8] + ["Discharged", "2025-10-01"] + row[10:] if row[0] == "1003" else row
                for row in gen.CLIENTS]
    roster2 = write_roster(runner, tmp / "r2", clients2)
    exports2 = write_exports(tmp / "ex2", friends2, followers2)
    second = audit(runner, roster2, exports2, out, store)
    ids2 = by_locator(out)
    kenji = ids2[f"your_friends.json#friends_v2[{len(friends2) - 1}]"]
    assert set(ids2.values()) - set(ids1.values()) == {kenji}
    # Moving position in the export does not change a finding's id (Harriet moved from [26] to [25]).
    assert ids2["your_friends.json#friends_v2[25]"] == ellsworth

    today = utc_today().isoformat()
    summary = leading_changes(second.output)
    assert summary.startswith(f"What changed since the last audit ({today}) 1 new, 1 regressed, "
                              f"1 acceptance expired, 1 accepted, facts changed, 2 gone")
    for fid in (kenji, okafor, adeyemi, dubois, fairweather, pemberton):
        assert fid in summary
    assert since_last(runner, store) == {
        kenji: "new", okafor: "regressed", adeyemi: "acceptance expired", dubois: "accepted, facts changed",
        fairweather: "gone", pemberton: "gone"}
    table = run(runner, "findings", "list", "--since", "LAST", "--store", store)
    assert_ok(table)
    for fid in (kenji, okafor, adeyemi, dubois, fairweather, pemberton):
        assert fid in table.stdout
    assert ellsworth not in table.stdout and marchetti not in table.stdout

    everything = listed(runner, store, "--status", "all")
    assert everything[ellsworth]["change"] == "still accepted" and everything[ellsworth]["status"] == "accepted"
    assert everything[marchetti]["change"] == "still marked false positive"
    assert everything[marchetti]["status"] == "false-positive"
    assert {fid for fid, row in everything.items() if row["status"] == "resolved"} == {fairweather, pemberton}
    still = {fid for fid, row in everything.items() if row["change"] == "still open"}
    assert still == set(ids1.values()) - {okafor, dubois, fairweather, ellsworth, marchetti, adeyemi, pemberton}
    assert set(listed(runner, store)) == (still | {kenji, okafor, adeyemi, dubois})

    # `show` tells the story of a finding, reasons included (the therapist's own machine).
    shown = run(runner, "findings", "show", okafor, "--store", store)
    assert_ok(shown)
    assert "unfriended her" in shown.stdout and "regressed" in shown.stdout and "resolve" in shown.stdout
    assert "Margaret Okafor" not in shown.stdout and "M. O." in shown.stdout     # masked unless --reveal
    gone = run(runner, "findings", "show", pemberton, "--store", store)
    assert "the connection was removed" in gone.stdout

    # The same data again: nothing changed. Then the first export again: the gone come back as regressions.
    third = audit(runner, roster2, exports2, out, store)
    assert leading_changes(third.output).startswith(
        f"What changed since the last audit ({today}) Nothing new, regressed, expired or gone")
    assert since_last(runner, store) == {}
    audit(runner, roster2, exports1, out, store)
    assert since_last(runner, store) == {fairweather: "regressed", pemberton: "regressed", kenji: "gone"}
    run_two = run(runner, "findings", "list", "--since", "2", "--format", "json", "--store", store)
    assert {r["finding_id"] for r in json.loads(run_two.stdout)} == {
        kenji, okafor, adeyemi, dubois, fairweather, pemberton}
    assert_ok(run(runner, "log", "verify", "--store", store))
    runs = run(runner, "log", "runs", "--store", store)
    assert_ok(runs)
    assert "1 regressed" in runs.stdout and "2 gone" in runs.stdout


# -- labelling: errors are one line -------------------------------------------------------
@pytest.fixture
def audited(runner, key_env, tmp: Path):
    """A store with one audit of the sample data; (store, out, {locator: finding_id})."""
    store = tmp / "history.sqlite"
    audit(runner, write_roster(runner, tmp / "r"), sample_data.EXPORTS, tmp / "out", store)
    return store, tmp / "out", by_locator(tmp / "out")


@pytest.mark.parametrize("args,message", [
    (["accept", "{fid}"], "a reason is required"),
    (["accept", "{fid}", "--reason", "   "], "a reason is required"),
    (["resolve", "{fid}"], "a reason is required"),
    (["false-positive", "{fid}", "--reason", ""], "a reason is required"),
    (["accept", "{fid}", "--reason", "ok", "--until", "next spring"], "not a date"),
    (["accept", "{fid}", "--reason", "ok", "--until", "2026-02-30"], "not a date"),
    (["resolve", "F-0000000000", "--reason", "gone"], "no such finding"),
    (["reopen", "{fid}", "--reason", "again"], "already open"),
    (["show", "F-0000000000"], "no such finding"),
    (["list", "--since", "yesterday"], "use LAST, a run number or a date"),
    (["list", "--since", "7"], "no run 7"),
])
def test_label_mistakes_are_one_line_errors(runner, audited, args, message):
    store, _, ids = audited
    fid = ids["your_friends.json#friends_v2[2]"]
    result = run(runner, "findings", *[a.format(fid=fid) for a in args], "--store", store)
    assert message in assert_one_line_error(result)


def test_labels_need_an_existing_store(runner, key_env, tmp):
    result = run(runner, "findings", "list", "--store", tmp / "nothing.sqlite")
    assert "no history store here yet" in assert_one_line_error(result)
    assert not (tmp / "nothing.sqlite").exists()


def test_store_defaults_to_the_data_folder_and_env(runner, key_env, tmp, monkeypatch):
    roster = write_roster(runner, tmp / "r")
    assert_ok(run(runner, "audit", "--roster", roster, "--connections", sample_data.EXPORTS, "--out", tmp / "o"))
    assert_ok(run(runner, "findings", "list"))                       # the per-user default store
    assert_ok(run(runner, "log", "verify"))
    monkeypatch.setenv("AUDITOR_STORE", str(tmp / "env.sqlite"))
    assert "no history store here yet" in assert_one_line_error(run(runner, "findings", "list"))


def test_show_by_path_still_works_and_by_id_reveals_on_request(runner, audited):
    store, out, ids = audited
    by_path = run(runner, "findings", "show", out)
    assert_ok(by_path)
    assert ids["your_friends.json#friends_v2[2]"] in by_path.stdout
    fid = ids["your_friends.json#friends_v2[2]"]
    masked = run(runner, "findings", "show", fid.lower(), "--store", store)
    assert_ok(masked)
    assert "Margaret Okafor" not in masked.stdout and "evidence:" in masked.stdout and "ruling:" in masked.stdout
    assert "history: no label yet" in masked.stdout
    revealed = run(runner, "findings", "show", fid, "--reveal", "--store", store)
    assert_ok(revealed)
    assert "Margaret Okafor" in revealed.stdout and "on screen only" in revealed.stderr


def test_review_walks_open_findings_with_typed_answers(runner, audited):
    store, _, _ = audited
    open_before = listed(runner, store)
    order = list(open_before)           # list and review both go newest first, then by id
    answers = "\n".join([
        "a", "former client follows the page", "2099-01-31",    # accept with an end date
        "r", "", "removed",                                    # resolve: an empty reason is asked again
        "x", "f", "someone else",                              # a wrong key, then false positive
        "s",                                                   # skip
        "q",
    ]) + "\n"
    result = runner.invoke(__import__("auditor.cli", fromlist=["cli"]).cli,
                           ["findings", "review", "--store", str(store)], input=answers)
    assert_ok(result)
    assert f"{len(order)} open finding(s) to review" in result.stdout
    assert "A reason is required." in result.stdout and "Please type a, r, f, s or q." in result.stdout
    assert "Reviewed: 1 accept, 1 resolve, 1 false-positive, 1 skipped." in result.stdout
    after = listed(runner, store, "--status", "all")
    assert after[order[0]]["status"] == "accepted" and after[order[0]]["accepted_until"] == "2099-01-31"
    assert after[order[1]]["status"] == "resolved"
    assert after[order[2]]["status"] == "false-positive"
    assert all(after[fid]["status"] == "open" for fid in order[3:])
    shown = run(runner, "findings", "show", order[1], "--store", store)
    assert "removed" in shown.stdout
    # Input that ends early keeps what was labelled.
    cut = runner.invoke(__import__("auditor.cli", fromlist=["cli"]).cli,
                        ["findings", "review", "--store", str(store)], input="r\nremoved too\n")
    assert cut.exit_code == 0, cut.output
    assert listed(runner, store, "--status", "all")[order[3]]["status"] == "resolved"
    assert_ok(run(runner, "log", "verify", "--store", store))


# -- must show 2: log verify -------------------------------------------------------------------
@pytest.fixture
def labelled_store(runner, key_env, tmp: Path):
    """Two audits and two labels: six log entries (run, label, label, run, run...)."""
    store = tmp / "history.sqlite"
    roster = write_roster(runner, tmp / "r")
    audit(runner, roster, sample_data.EXPORTS, tmp / "out", store)
    ids = by_locator(tmp / "out")
    label(runner, store, "resolve", ids["your_friends.json#friends_v2[2]"], "--reason", "removed")
    label(runner, store, "accept", ids["followers_1.json#[3]"], "--reason", "reviewed")
    audit(runner, roster, sample_data.EXPORTS, tmp / "out", store)
    return store, ids


def _sql(store: Path, statement: str, *args) -> None:
    with sqlite3.connect(store) as db:
        db.execute(statement, args)


def _log(store: Path) -> list[tuple]:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT seq, event, subject FROM audit_log ORDER BY seq").fetchall()


def verify_fails(runner, store: Path) -> str:
    result = run(runner, "log", "verify", "--store", store)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stdout


def test_log_verify_passes_on_an_untouched_store(runner, labelled_store):
    store, _ = labelled_store
    result = run(runner, "log", "verify", "--store", store)
    assert_ok(result)
    assert result.stdout.startswith(f"OK: {len(_log(store))} log entries checked")


def test_log_verify_names_an_edited_entry(runner, labelled_store):
    store, _ = labelled_store
    seq, event, subject = _log(store)[1]
    _sql(store, "UPDATE audit_log SET detail = replace(detail, 'reason_mac', 'reason_maq') WHERE seq = ?", seq)
    assert f"log entry {seq} ({event} {subject}) was edited" in verify_fails(runner, store)


def test_log_verify_names_an_edited_entry_time(runner, labelled_store):
    store, _ = labelled_store
    _sql(store, "UPDATE audit_log SET at = '2020-01-01T00:00:00Z' WHERE seq = 1")
    assert "log entry 1 (audit run 1) was edited" in verify_fails(runner, store)


def test_log_verify_names_a_deleted_middle_entry(runner, labelled_store):
    store, _ = labelled_store
    _sql(store, "DELETE FROM audit_log WHERE seq = 2")
    assert "log entries 2 are missing (deleted)" in verify_fails(runner, store)


def test_log_verify_catches_deleting_the_newest_entry(runner, labelled_store):
    store, _ = labelled_store
    last = _log(store)[-1][0]
    _sql(store, "DELETE FROM audit_log WHERE seq = ?", last)
    text = verify_fails(runner, store)
    assert f"log entries after {last - 1} are missing (the newest 1 were deleted)" in text


def test_log_verify_catches_a_status_edited_with_sqlite(runner, labelled_store):
    store, ids = labelled_store
    fid = ids["your_friends.json#friends_v2[2]"]
    _sql(store, "UPDATE findings SET status = 'false-positive' WHERE finding_id = ?", fid)
    assert f"finding {fid} was edited outside the tool" in verify_fails(runner, store)


def test_log_verify_catches_an_edited_run_and_a_swapped_reason(runner, labelled_store):
    store, _ = labelled_store
    _sql(store, "UPDATE runs SET connections = 3 WHERE run_id = 1")
    _sql(store, "UPDATE dispositions SET reason = (SELECT reason FROM dispositions WHERE id = 2) WHERE id = 1")
    text = verify_fails(runner, store)
    assert "run 1 was edited outside the tool" in text
    assert "disposition 1 of " in text


def test_log_verify_catches_a_deleted_run_finding(runner, labelled_store):
    store, ids = labelled_store
    _sql(store, "DELETE FROM run_findings WHERE run_id = 2 AND finding_id = ?", ids["followers_1.json#[3]"])
    assert "run 2 was edited outside the tool" in verify_fails(runner, store)


# -- the inspector's export ----------------------------------------------------------------
def test_log_export_is_de_identified_and_private(runner, labelled_store, tmp):
    store, _ = labelled_store
    reason = "Spoke with Margaret Okafor at the clinic"
    fid = by_locator(tmp / "out")["your_friends.json#friends_v2[5]"]
    label(runner, store, "false-positive", fid, "--reason", reason)
    for fmt in ("json", "csv"):
        target = tmp / f"log.{fmt}"
        assert_ok(run(runner, "log", "export", "-o", target, "--format", fmt, "--store", store))
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        text = target.read_text()
        assert fid in text and "false-positive" in text
        for needle in _identifiers() | {reason, "Spoke with", "unfriended"}:
            assert not re.search(rf"\b{re.escape(needle.lower())}\b", text.lower()), (fmt, needle)
    document = json.loads((tmp / "log.json").read_text())
    assert document["verified"] is True and document["schema"] == "connection-auditor/audit-log@1"
    assert [e["seq"] for e in document["entries"]] == list(range(1, len(_log(store)) + 1))


def _identifiers() -> set[str]:
    """Every connection handle, display name and e-mail in the sample exports, and every roster name."""
    needles: set[str] = set()
    for name, _ in gen.FRIENDS + gen.FOLLOWING + gen.REQUESTS:
        needles |= {name, *(w for w in name.split() if len(w) > 3 and w.isalpha())}
    needles |= set(gen.IG_FOLLOWERS + gen.IG_FOLLOWING)
    for row in gen.NEWSLETTER[1:]:
        needles |= {row[4], row[4].split("@")[0]}
    for row in gen.CLIENTS:
        needles |= {f"{row[1]} {row[2]}", row[2]} | ({row[5]} if row[5] else set())
    needles -= {"City", "Library", "Garden", "Hardware", "Riverside", "Counseling", "Collective", "grace"}
    return {n for n in needles if n}


@pytest.mark.parametrize("table,where,message", [
    ("findings", "finding_id = (SELECT finding_id FROM dispositions WHERE id = 1)", "is missing (deleted)"),
    ("dispositions", "id = 2", "disposition 2 of F-"),
    ("runs", "run_id = 2", "run 2 is missing (deleted)"),
])
def test_log_verify_catches_a_deleted_row(runner, labelled_store, table, where, message):
    store, _ = labelled_store
    with sqlite3.connect(store) as db:              # the sqlite3 shell: foreign keys off
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute(f"DELETE FROM {table} WHERE {where}")
    assert message in verify_fails(runner, store)
