"""Group practice, three parties (issue 6, must-show 3).

Two clinicians, A (Dana Ortiz) and B (Sam Iyer). A's connections hold one of
A's clients, one of B's clients and people who are nobody's clients, each with
unique marker names and handles. The tests prove that the admin's side never
holds a clinician's handles or names, that A's results never reveal B's
client, and that the compliance summary holds no handle, name, client_id or
client_ref, and that bad files give one line and write nothing.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from auditor.clients import read_clients
from auditor.errors import AuditorError
from auditor.history import open_store
from auditor.keys import PracticeKey
from auditor.practice.encoded import load_connections, load_index
from auditor.roster import assign_refs, clinician_ref
from auditor.sealed import unseal
from tests.conftest import FIXED_SECRET
from tests.helpers import assert_ok, assert_one_line_error, run

ROSTER = """\
Client ID,First Name,Last Name,E-mail,Social Handles,Status,Discharge Date,Clinician
MRN-70011,Wilhelmina,Quarrington,wquarrington@example.org,,Active,,Dana Ortiz
MRN-70012,Bartholomew,Featherstonehaugh,,,Active,,Dana Ortiz
MRN-80021,Esmeralda,Vukovic-Laine,evl@example.net,,Active,,Sam Iyer
MRN-80022,Thaddeus,Okonkwo-Brandt,,,Former,2025-01-15,Sam Iyer
"""
# A's list: A's client (Quarrington), B's client (Vukovic-Laine), two people who are nobody's client.
EXPORT_A = """\
platform,relation,account,display_name,username,email,phone
instagram,follower,dana.ortiz.therapy,Wilhelmina Quarrington,wquarrington_ig,,
instagram,follower,dana.ortiz.therapy,Esmeralda Vukovic-Laine,esme_vukovic,,
instagram,following,dana.ortiz.therapy,Zebulon Markerfield,zeb_markerfield99,zeb.markerfield@example.com,+1 555 867 5309
instagram,follower,dana.ortiz.therapy,Ottoline Privatehandle,ottoline_secret42,,
"""
EXPORT_B = """\
platform,relation,account,display_name,username
x,follower,samiyer,Thaddeus Okonkwo-Brandt,tokonkwo
x,follower,samiyer,Persephone Uniquemarker,perse_unique77
"""
# Everything from the clinicians' exports that identifies a connection (names, handles, e-mails, phone).
CONNECTION_MARKERS = (
    "Wilhelmina", "Quarrington", "wquarrington_ig", "Esmeralda", "Vukovic", "esme_vukovic",
    "Zebulon", "Markerfield", "zeb_markerfield99", "zeb.markerfield@example.com", "5558675309", "867 5309",
    "Ottoline", "Privatehandle", "ottoline_secret42",
    "Thaddeus", "Okonkwo", "tokonkwo", "Persephone", "Uniquemarker", "perse_unique77",
)
NON_MATCHING = ("Zebulon", "Markerfield", "zeb_markerfield99", "zeb.markerfield@example.com", "5558675309",
                "Ottoline", "Privatehandle", "ottoline_secret42", "Persephone", "Uniquemarker", "perse_unique77")
ROSTER_MARKERS = ("MRN-70011", "MRN-70012", "MRN-80021", "MRN-80022", "Featherstonehaugh", "Bartholomew",
                  "wquarrington@example.org", "evl@example.net", "Dana Ortiz", "Sam Iyer")


def _hits(haystack: bytes | str, markers=CONNECTION_MARKERS) -> list[str]:
    text = haystack.decode("latin-1") if isinstance(haystack, bytes) else haystack
    low = text.lower()
    return [m for m in markers if m.lower() in low]


def _npz_text(payload: bytes) -> str:
    """Every array of an npz as text and raw bytes (the file itself is compressed)."""
    parts = []
    with np.load(io.BytesIO(payload), allow_pickle=False) as data:
        for name in data.files:
            arr = data[name]
            parts.append(name)
            parts.append(" ".join(map(str, arr.ravel().tolist())) if arr.dtype.kind == "U" else "")
            parts.append(arr.tobytes().decode("latin-1"))
    return "\n".join(parts)


def _mine_payload_text(path: Path, keys) -> str:
    payload = unseal(path, "practice-connections", (1,), keys).payload
    size = int.from_bytes(payload[:4], "big")
    return payload[4:4 + size].decode() + "\n" + _npz_text(payload[4 + size:])


def _open_results(tmp: Path, who: str, keys) -> bytes:
    """results-WHO.enc opened as the admin who made it can: with the return key from WHO's mine.enc."""
    return_key = load_connections(tmp / who / "mine.enc", keys).return_key
    return unseal(tmp / "admin" / f"results-{who}.enc", "practice-results", (1,),
                  dataclasses.replace(keys, files=return_key)).payload


def _store_text(path: Path, keys) -> str:
    """Raw bytes of the admin's store plus every sealed column opened."""
    parts = [path.read_bytes().decode("latin-1")]
    with open_store(path, keys, create=False) as store:
        for run_row in store.runs():
            parts.append(json.dumps(store.run_document(run_row.run_id)))
        for f in store.findings():
            parts.append(json.dumps(store.detail(f.finding_id)))
            parts.append(json.dumps(store.dispositions(f.finding_id)))
            parts.append(repr(f))
        parts.append(json.dumps(store.log_entries(), default=str))
    return "\n".join(parts)


@pytest.fixture
def keys():
    return PracticeKey(FIXED_SECRET, "test").subkeys()


@pytest.fixture
def practice(tmp: Path, key_env: str, runner):
    """The roster (admin) and each clinician's export, in separate folders."""
    (tmp / "admin").mkdir()
    (tmp / "a").mkdir()
    (tmp / "b").mkdir()
    (tmp / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (tmp / "a" / "export.csv").write_text(EXPORT_A, encoding="utf-8")
    (tmp / "b" / "export.csv").write_text(EXPORT_B, encoding="utf-8")
    assert_ok(run(runner, "roster", "encode", tmp / "roster.csv", "-o", tmp / "admin" / "roster.enc"))
    return tmp


def _refs(keys, tmp: Path) -> dict[str, str]:
    records = read_clients(tmp / "roster.csv").records
    return {r.client_id: ref for r, ref in zip(records, assign_refs(keys, records))}


def _encode(runner, tmp: Path, who: str):
    return run(runner, "connections", "encode", tmp / who / "export.csv", "-o", tmp / who / "mine.enc",
               "--index", tmp / who / "index.enc")


def _match(runner, tmp: Path, who: str, clinician: str, *extra):
    return run(runner, "practice", "match", "--roster", tmp / "admin" / "roster.enc", "--connections",
               tmp / who / "mine.enc", "--clinician", clinician, "-o", tmp / "admin" / f"results-{who}.enc",
               "--store", tmp / "admin" / "history.sqlite", *extra)


def _import(runner, tmp: Path, who: str, results: Path | None = None, index: str | None = None):
    return run(runner, "findings", "import", results or tmp / "admin" / f"results-{who}.enc",
               "--index", tmp / (index or who) / "index.enc", "--store", tmp / who / "history.sqlite",
               "--out", tmp / who / "out", "--format", "json,html")


def _summary(runner, tmp: Path, fmt: str):
    result = run(runner, "practice", "summary", "--store", tmp / "admin" / "history.sqlite", "--format", fmt,
                 "--roster", tmp / "admin" / "roster.enc")
    assert_ok(result)
    return result.stdout


def test_three_party_flow_two_clinicians(practice: Path, runner, keys) -> None:
    tmp = practice
    refs = _refs(keys, tmp)
    a_ref, b_ref = clinician_ref(keys, "dana ortiz"), clinician_ref(keys, "sam iyer")

    # The admin lists clinicians by pseudonym, with counts, no names.
    listed = run(runner, "practice", "clinicians", "--roster", tmp / "admin" / "roster.enc")
    assert_ok(listed)
    assert a_ref in listed.stdout and b_ref in listed.stdout
    assert not _hits(listed.stdout, ROSTER_MARKERS)

    # Clinicians encode; the messages hold counts, never names.
    for who in ("a", "b"):
        encoded = _encode(runner, tmp, who)
        assert_ok(encoded)
        assert not _hits(encoded.output)
    # The admin matches each clinician (by name as in the roster, and by pseudonym).
    matched_a = _match(runner, tmp, "a", "Dana Ortiz")
    assert_ok(matched_a)
    assert "1 finding(s) for their own clients" in matched_a.stderr
    assert "1 match(es) to a colleague's client" in matched_a.stderr
    assert_ok(_match(runner, tmp, "b", b_ref))

    # (i) The admin's side holds none of the clinicians' handles or names.
    for who in ("a", "b"):
        mine = tmp / who / "mine.enc"
        assert not _hits(mine.read_bytes())
        assert not _hits(_mine_payload_text(mine, keys)), who
        results = tmp / "admin" / f"results-{who}.enc"
        assert not _hits(results.read_bytes())
        assert not _hits(_open_results(tmp, who, keys))
    store_text = _store_text(tmp / "admin" / "history.sqlite", keys)
    assert not _hits(store_text)
    assert not _hits(store_text, ROSTER_MARKERS)
    summaries = {fmt: _summary(runner, tmp, fmt) for fmt in ("table", "csv", "json", "md")}
    for text in summaries.values():
        assert not _hits(text, NON_MATCHING)

    # (ii) A's results name only A's clients; B's client shows up as a count in the compliance view.
    a_results = json.loads(_open_results(tmp, "a", keys))
    with pytest.raises(AuditorError, match="damaged or was altered"):   # the practice key alone cannot open it
        unseal(tmp / "admin" / "results-a.enc", "practice-results", (1,), keys)
    a_clients = {f["client_ref"] for f in a_results["findings"]}
    assert a_clients == {refs["MRN-70011"]}
    assert refs["MRN-80021"] not in json.dumps(a_results)
    assert refs["MRN-80021"] not in (tmp / "admin" / "results-a.enc").read_bytes().decode("latin-1")
    imported = _import(runner, tmp, "a")
    assert_ok(imported)
    assert "@wquarrington_ig" in imported.stdout             # the clinician sees their own handle
    assert refs["MRN-80021"] not in imported.output and "esme_vukovic" not in imported.output
    findings_a = json.loads((tmp / "a" / "out" / "findings.json").read_text())["findings"]
    assert {f["client_ref"] for f in findings_a} == {refs["MRN-70011"]}
    assert [f["connection"]["username"] for f in findings_a] == ["wquarrington_ig"]
    assert (tmp / "a" / "out" / "report-therapist.html").exists()
    with open_store(tmp / "a" / "history.sqlite", keys, create=False) as store:
        assert {f.client_ref for f in store.findings()} == {refs["MRN-70011"]}
        assert [r.kind for r in store.runs()] == ["import"]
    assert_ok(_import(runner, tmp, "b"))
    findings_b = json.loads((tmp / "b" / "out" / "findings.json").read_text())["findings"]
    assert {f["client_ref"] for f in findings_b} == {refs["MRN-80022"]}

    summary = json.loads(summaries["json"])
    by = {row["clinician"]: row for row in summary["clinicians"]}
    assert set(by) == {a_ref, b_ref}
    assert by[a_ref]["colleague_clients"] == 1 and by[a_ref]["findings"] == 1
    assert by[b_ref]["colleague_clients"] == 0 and by[b_ref]["findings"] == 1
    assert by[a_ref]["status"]["open"] == 1 and not by[a_ref]["overdue"]
    with open_store(tmp / "admin" / "history.sqlite", keys, create=False) as store:
        colleague = [f for f in store.findings(scope=a_ref) if f.category == "colleague's client"]
        assert len(colleague) == 1 and colleague[0].client_ref == "" and colleague[0].clinician_ref == b_ref
        assert {r.scope for r in store.runs()} == {a_ref, b_ref}
        assert {r.kind for r in store.runs()} == {"practice-match"}

    # (iii) The compliance summary holds no handle, name, client_id or client_ref.
    for text in summaries.values():
        assert not _hits(text)
        assert not _hits(text, ROSTER_MARKERS)
        assert not [r for r in refs.values() if r in text]

    # Dispositions go back de-identified and land in the admin's store.
    fid = findings_a[0]["finding_id"]
    assert_ok(run(runner, "findings", "accept", fid, "--reason", "Wilhelmina follows my public page",
                  "--until", "2099-01-01", "--store", tmp / "a" / "history.sqlite"))
    assert_ok(run(runner, "practice", "status", "-o", tmp / "a" / "status.enc",
                  "--store", tmp / "a" / "history.sqlite"))
    status_payload = unseal(tmp / "a" / "status.enc", "practice-status", (1,), keys).payload
    assert b"Wilhelmina" not in status_payload and b"follows my public page" not in status_payload
    wrong = run(runner, "practice", "update", "--status", tmp / "a" / "status.enc", "--clinician", b_ref,
                "--store", tmp / "admin" / "history.sqlite")
    assert_one_line_error(wrong)
    assert_ok(run(runner, "practice", "update", "--status", tmp / "a" / "status.enc", "--clinician", "Dana Ortiz",
                  "--store", tmp / "admin" / "history.sqlite"))
    with open_store(tmp / "admin" / "history.sqlite", keys, create=False) as store:
        admin_row = store.finding(fid)
        assert admin_row.status == "accepted" and admin_row.accepted_until == "2099-01-01"
    after = json.loads(_summary(runner, tmp, "json"))
    by = {row["clinician"]: row for row in after["clinicians"]}
    assert by[a_ref]["status"]["accepted"] == 1 and by[a_ref]["status"]["open"] == 0
    assert not _hits(_store_text(tmp / "admin" / "history.sqlite", keys))
    for store in (tmp / "admin" / "history.sqlite", tmp / "a" / "history.sqlite"):
        assert_ok(run(runner, "log", "verify", "--store", store))


def test_refs_stable_across_runs_and_unguessable(practice: Path, runner, keys) -> None:
    tmp = practice
    assert_ok(_encode(runner, tmp, "a"))
    first = load_connections(tmp / "a" / "mine.enc", keys)
    assert_ok(_match(runner, tmp, "a", "Dana Ortiz"))
    assert_ok(_encode(runner, tmp, "a"))
    second = load_connections(tmp / "a" / "mine.enc", keys)
    assert first.refs.tolist() == second.refs.tolist()
    assert first.encodings_id != second.encodings_id and first.index_id == second.index_id
    rematch = _match(runner, tmp, "a", "Dana Ortiz")
    assert_ok(rematch)
    assert "nothing changed" in rematch.stderr
    # An earlier encoding's results can still be imported (the index keeps it).
    assert_ok(_import(runner, tmp, "a"))
    # Another index (another machine, another secret) gives other refs for the same connections.
    run(runner, "connections", "encode", tmp / "a" / "export.csv", "-o", tmp / "b" / "other.enc",
        "--index", tmp / "b" / "other-index.enc")
    other = load_connections(tmp / "b" / "other.enc", keys)
    assert not set(other.refs.tolist()) & set(first.refs.tolist())
    # The encodings round-trip field by field.
    index = load_index(tmp / "a" / "index.enc", keys)
    assert len(index.encodings) == 2 and set(first.refs.tolist()) <= set(index.connections)
    assert second.encoded.size == 4
    assert (tmp / "a" / "mine.enc").stat().st_mode & 0o777 == 0o600
    assert (tmp / "a" / "index.enc").stat().st_mode & 0o777 == 0o600


def test_defaults_on_one_machine_keep_admin_and_clinician_apart(practice: Path, runner, keys) -> None:
    """An admin who is also a clinician: default index, default stores, no --store anywhere."""
    tmp = practice
    roster = tmp / "admin" / "roster.enc"
    assert_ok(run(runner, "connections", "encode", tmp / "a" / "export.csv", "-o", tmp / "a" / "mine.enc"))
    assert_ok(run(runner, "practice", "match", "--roster", roster, "--connections", tmp / "a" / "mine.enc",
                  "--clinician", "Dana Ortiz", "-o", tmp / "a" / "results.enc"))
    imported = run(runner, "findings", "import", tmp / "a" / "results.enc")
    assert_ok(imported)
    assert "@wquarrington_ig" in imported.stdout
    assert "gone" not in imported.stdout                   # the admin's colleague count is not in this history
    summary = run(runner, "practice", "summary", "--format", "json")
    assert_ok(summary)
    (row,) = json.loads(summary.stdout)["clinicians"]
    assert row["colleague_clients"] == 1 and row["findings"] == 1
    assert_ok(run(runner, "practice", "status", "-o", tmp / "a" / "status.enc"))
    assert_ok(run(runner, "practice", "update", "--status", tmp / "a" / "status.enc", "--clinician", "Dana Ortiz"))


def test_one_store_for_both_sides_is_refused(practice: Path, runner) -> None:
    tmp = practice
    assert_ok(_encode(runner, tmp, "a"))
    assert_ok(_match(runner, tmp, "a", "Dana Ortiz"))
    shared = tmp / "admin" / "history.sqlite"
    line = assert_one_line_error(run(runner, "findings", "import", tmp / "admin" / "results-a.enc", "--index",
                                     tmp / "a" / "index.enc", "--store", shared))
    assert "admin's store" in line
    assert_ok(_import(runner, tmp, "a"))
    line = assert_one_line_error(_match(runner, tmp, "a", "Dana Ortiz", "--store", tmp / "a" / "history.sqlite"))
    assert "clinician's imported results" in line


def _nothing_new(tmp: Path, before: set[Path]) -> None:
    assert {p for p in tmp.rglob("*")} == before


def test_unknown_clinician_is_one_line_and_writes_nothing(practice: Path, runner) -> None:
    tmp = practice
    assert_ok(_encode(runner, tmp, "a"))
    before = set(tmp.rglob("*"))
    for name in ("K-ZZZZ", "Nobody Here", ""):
        line = assert_one_line_error(_match(runner, tmp, "a", name))
        assert "auditor practice clinicians --roster" in line
    _nothing_new(tmp, before)


def test_results_for_another_index_are_refused(practice: Path, runner) -> None:
    tmp = practice
    for who in ("a", "b"):
        assert_ok(_encode(runner, tmp, who))
    assert_ok(_match(runner, tmp, "a", "Dana Ortiz"))
    before = set(tmp.rglob("*"))
    line = assert_one_line_error(_import(runner, tmp, "b", results=tmp / "admin" / "results-a.enc"))
    assert "another clinician's" in line
    line = assert_one_line_error(_import(runner, tmp, "a", index="admin"))      # no index there
    assert "no local index" in line
    _nothing_new(tmp, before)


@pytest.mark.parametrize("damage", ["truncated", "alien", "roster", "flipped", "empty"])
def test_bad_connections_file_is_one_line_and_writes_nothing(practice: Path, runner, damage: str) -> None:
    tmp = practice
    assert_ok(_encode(runner, tmp, "a"))
    mine = tmp / "a" / "mine.enc"
    raw = mine.read_bytes()
    if damage == "truncated":
        mine.write_bytes(raw[: len(raw) * 2 // 3])
    elif damage == "alien":
        mine.write_text("display_name,username\nSomeone,someone\n")
    elif damage == "roster":
        mine.write_bytes((tmp / "admin" / "roster.enc").read_bytes())
    elif damage == "flipped":
        mine.write_bytes(raw[:-5] + bytes([raw[-5] ^ 1]) + raw[-4:])
    else:
        mine.write_bytes(b"")
    before = set(tmp.rglob("*"))
    assert_one_line_error(_match(runner, tmp, "a", "Dana Ortiz"))
    _nothing_new(tmp, before)


def test_bad_results_file_is_one_line(practice: Path, runner) -> None:
    tmp = practice
    assert_ok(_encode(runner, tmp, "a"))
    assert_ok(_match(runner, tmp, "a", "Dana Ortiz"))
    results = tmp / "admin" / "results-a.enc"
    results.write_bytes(results.read_bytes()[:-20])
    before = set(tmp.rglob("*"))
    assert_one_line_error(_import(runner, tmp, "a"))
    _nothing_new(tmp, before)


def test_summary_flags_overdue_and_never_audited(practice: Path, runner, keys) -> None:
    tmp = practice
    assert_ok(_encode(runner, tmp, "a"))
    assert_ok(_match(runner, tmp, "a", "Dana Ortiz"))
    store_path = tmp / "admin" / "history.sqlite"
    db = sqlite3.connect(store_path)       # age the run (the MAC check is for `log verify`, not the summary)
    db.execute("UPDATE runs SET at = '2025-01-10T09:00:00Z'")
    db.execute("UPDATE findings SET first_seen = '2025-01-10T09:00:00Z'")
    db.commit()
    db.close()
    summary = json.loads(_summary(runner, tmp, "json"))
    by = {row["clinician"]: row for row in summary["clinicians"]}
    a_ref, b_ref = clinician_ref(keys, "dana ortiz"), clinician_ref(keys, "sam iyer")
    assert by[a_ref]["overdue"] is True and by[a_ref]["oldest_open_days"] > 300
    assert by[b_ref]["last_audit"] == "" and by[b_ref]["overdue"] is True      # in the roster, never matched
    assert "OVERDUE" in _summary(runner, tmp, "csv")
    out = tmp / "admin" / "summary.md"
    assert_ok(run(runner, "practice", "summary", "--store", store_path, "--format", "md", "-o", out))
    assert out.stat().st_mode & 0o777 == 0o600 and a_ref in out.read_text()


def test_unwritable_results_record_nothing(practice: Path, runner, keys) -> None:
    tmp = practice
    assert_ok(_encode(runner, tmp, "a"))
    before = set(tmp.rglob("*"))
    blocked = run(runner, "practice", "match", "--roster", tmp / "admin" / "roster.enc", "--connections",
                  tmp / "a" / "mine.enc", "--clinician", "Dana Ortiz", "-o", tmp / "a" / "export.csv" / "r.enc",
                  "--store", tmp / "admin" / "history.sqlite")
    assert_one_line_error(blocked)
    _nothing_new(tmp, before)
    # A store of another practice key: the results are not put in place either.
    other = PracticeKey(bytes(32), "other").subkeys()
    open_store(tmp / "admin" / "other.sqlite", other).close()
    before = set(tmp.rglob("*"))
    wrong = _match(runner, tmp, "a", "Dana Ortiz", "--store", tmp / "admin" / "other.sqlite")
    assert "another practice key" in assert_one_line_error(wrong)
    _nothing_new(tmp, before)


def test_encodings_round_trip_field_by_field(practice: Path, runner, keys) -> None:
    """mine.enc stores every field of EncodedConnections generically (new fields need no change here)."""
    import dataclasses

    from auditor.audit import read_connections
    from auditor.practice.encoded import LocalIndex, _pack, _unpack, encode_for_practice, save_connections

    connections, inputs, _ = read_connections([str(practice / "a" / "export.csv")])
    pc = encode_for_practice(keys, connections, inputs, LocalIndex.new())
    save_connections(practice / "x.enc", keys, pc)
    loaded = load_connections(practice / "x.enc", keys)
    for f in dataclasses.fields(pc.encoded):
        want, got = getattr(pc.encoded, f.name), getattr(loaded.encoded, f.name)
        if isinstance(want, dict):
            assert want.keys() == got.keys() and all(np.array_equal(want[k], got[k]) for k in want), f.name
        elif isinstance(want, np.ndarray):
            assert np.array_equal(want, got) and want.dtype == got.dtype, f.name
        else:
            assert want == got, f.name

    @dataclasses.dataclass
    class Later:                       # a field added later, optional and left None
        size: int
        rows: dict
        extra: np.ndarray | None = None

    packed = _pack(Later(3, {"a": np.arange(3)}))
    back = _unpack(Later, packed, practice / "x.enc")
    assert back.size == 3 and back.extra is None and np.array_equal(back.rows["a"], np.arange(3))
    with pytest.raises(Exception, match="another version"):
        _unpack(Later, {"k__rows": np.asarray(["a"]), "d__rows__a": np.arange(3)}, practice / "x.enc")


def test_encode_to_an_unwritable_place_leaves_the_index_alone(practice: Path, runner, keys) -> None:
    tmp = practice
    assert_ok(_encode(runner, tmp, "a"))
    index_before = (tmp / "a" / "index.enc").read_bytes()
    before = set(tmp.rglob("*"))
    failed = run(runner, "connections", "encode", tmp / "a" / "export.csv", "-o", tmp / "a" / "export.csv" / "m.enc",
                 "--index", tmp / "a" / "index.enc")
    assert_one_line_error(failed)
    assert (tmp / "a" / "index.enc").read_bytes() == index_before
    _nothing_new(tmp, before)
    for bad in ("empty.csv", "missing.csv"):
        if bad == "empty.csv":
            (tmp / "a" / bad).write_text("")
        before = set(tmp.rglob("*"))
        assert_one_line_error(run(runner, "connections", "encode", tmp / "a" / bad, "-o", tmp / "a" / "x.enc",
                                  "--index", tmp / "a" / "index.enc"))
        assert (tmp / "a" / "index.enc").read_bytes() == index_before
        _nothing_new(tmp, before)
