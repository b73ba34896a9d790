"""Bad input through the CLI: one clear line naming the file, non-zero exit, nothing half-written.

design.md, "Errors and bad input": empty, truncated, another platform's file,
another encoding, a preamble... each gets a one-line error naming the file
(and line), a non-zero exit, no traceback, and nothing already written is
lost or half-written.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.helpers import assert_one_line_error, run

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
CLIENTS = SAMPLE / "clients.csv"
FB = SAMPLE / "exports" / "facebook-lenahartcounseling-2026-11-01-aB3dE9fG"
IG = SAMPLE / "exports" / "instagram-lena.hart.counseling-2026-11-01-Hx72KqLm"
FRIENDS_REL = Path("connections") / "friends" / "your_friends.json"
IG_FOLLOWERS = IG / "connections" / "followers_and_following" / "followers_1.json"
NEWSLETTER = SAMPLE / "exports" / "newsletter_subscribers.csv"
OTHER_SECRET = bytes(range(100, 132))






def nothing_written(out: Path) -> None:
    assert not (out / "findings.json").exists()
    if out.exists():
        assert [p.name for p in out.iterdir()] == [], "leftover files in --out"


@pytest.fixture
def roster(runner, tmp_path, key_env) -> Path:
    path = tmp_path / "roster.enc"
    result = run(runner, "roster", "encode", CLIENTS, "-o", path)
    assert result.exit_code == 0, result.output
    return path


def audit(runner, roster: Path, connections: str | Path, out: Path):
    return run(runner, "audit", "--roster", roster, "--connections", connections, "--out", out)


# -- the cases -----------------------------------------------------------------------

def _empty(tmp: Path) -> tuple[str, Path, int | None]:
    f = tmp / "empty.csv"
    f.write_bytes(b"")
    return str(f), f, None


def _whitespace(tmp: Path):
    f = tmp / "blank.csv"
    f.write_bytes(b"  \r\n\n\t \n   ")
    return str(f), f, None


def _no_usable_column(tmp: Path):
    f = tmp / "scores.csv"
    f.write_text("Week,Score,Notes\n1,7,fine\n2,5,tired\n")
    return str(f), f, None


def _header_but_no_rows(tmp: Path):
    f = tmp / "subscribers.csv"
    f.write_text("Email Address,First Name\n")
    return str(f), f, None


def _truncated_facebook_file(tmp: Path):
    f = tmp / "export" / FRIENDS_REL
    f.parent.mkdir(parents=True)
    raw = (FB / FRIENDS_REL).read_bytes()
    f.write_bytes(raw[: len(raw) // 2])
    return str(f), f, raw[: len(raw) // 2].count(b"\n") + 1


def _truncated_facebook_folder(tmp: Path):
    _, f, line = _truncated_facebook_file(tmp)
    return str(tmp / "export"), f, line


def _instagram_as_facebook(tmp: Path):
    f = tmp / "ig" / "connections" / "followers_and_following" / "followers_1.json"
    f.parent.mkdir(parents=True)
    shutil.copy(IG_FOLLOWERS, f)
    return f"facebook:{f}", f, None


def _latin1_csv(tmp: Path):
    f = tmp / "newsletter.csv"
    f.write_bytes("Name,Email\nAna Smith,ana@example.com\nZoé Martin,zoe@example.com\n".encode("latin-1"))
    return str(f), f, 3


def _missing(tmp: Path):
    f = tmp / "not-there" / "followers.json"
    return str(f), f, None


CASES = {
    "empty": _empty,
    "whitespace-only": _whitespace,
    "no-usable-column": _no_usable_column,
    "header-but-no-rows": _header_but_no_rows,
    "truncated-json-file": _truncated_facebook_file,
    "truncated-json-in-folder": _truncated_facebook_folder,
    "instagram-as-facebook": _instagram_as_facebook,
    "latin1-csv": _latin1_csv,
    "missing-path": _missing,
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_connections_file(runner, tmp_path, roster, case):
    spec, named, line_no = CASES[case](tmp_path)
    out = tmp_path / "audit-out"
    line = assert_one_line_error(audit(runner, roster, spec, out))
    assert str(named) in line
    if line_no is not None:
        assert f"line {line_no}" in line
    nothing_written(out)


def test_truncated_json_says_it_ends_early(runner, tmp_path, roster):
    spec, _, _ = _truncated_facebook_file(tmp_path)
    line = assert_one_line_error(audit(runner, roster, spec, tmp_path / "out"))
    assert "ends early" in line


def test_instagram_file_with_facebook_prefix_says_what_it_is(runner, tmp_path, roster):
    spec, _, _ = _instagram_as_facebook(tmp_path)
    line = assert_one_line_error(audit(runner, roster, spec, tmp_path / "out"))
    assert "not a facebook export" in line.lower()
    assert "instagram" in line.lower()


def test_instagram_as_facebook_message_reads_well(runner, tmp_path, roster):
    spec, _, _ = _instagram_as_facebook(tmp_path)
    line = assert_one_line_error(audit(runner, roster, spec, tmp_path / "out"))
    assert "an instagram file" in line.lower()


def test_json_cut_inside_an_escape_says_it_ends_early(runner, tmp_path, roster):
    raw = (FB / FRIENDS_REL).read_bytes()
    cut = raw.index(b"\\u00c3") + 3          # "...Chlo\u0" : cut in the middle of an escape
    f = tmp_path / "export" / FRIENDS_REL
    f.parent.mkdir(parents=True)
    f.write_bytes(raw[:cut])
    line = assert_one_line_error(audit(runner, roster, tmp_path / "export", tmp_path / "out"))
    assert str(f) in line and "ends early" in line


def test_folder_without_connection_lists(runner, tmp_path, roster):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "notes.txt").write_text("nothing to see\n")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    line = assert_one_line_error(audit(runner, roster, folder, tmp_path / "out"))
    assert str(folder) in line
    nothing_written(tmp_path / "out")


def test_roster_under_another_key(runner, tmp_path, roster, monkeypatch):
    monkeypatch.setenv("AUDITOR_KEY", OTHER_SECRET.hex())
    out = tmp_path / "out"
    result = audit(runner, roster, NEWSLETTER, out)
    line = assert_one_line_error(result)
    assert str(roster) in line and "another practice key" in line
    nothing_written(out)


def test_missing_roster(runner, tmp_path, key_env):
    missing = tmp_path / "nope.enc"
    line = assert_one_line_error(audit(runner, missing, NEWSLETTER, tmp_path / "out"))
    assert str(missing) in line
    nothing_written(tmp_path / "out")


def test_connections_file_given_as_roster(runner, tmp_path, key_env):
    line = assert_one_line_error(audit(runner, NEWSLETTER, NEWSLETTER, tmp_path / "out"))
    assert str(NEWSLETTER) in line and "roster" in line
    nothing_written(tmp_path / "out")


# -- nothing already written is lost --------------------------------------------------

@pytest.fixture
def previous_audit(runner, tmp_path, roster) -> tuple[Path, bytes]:
    out = tmp_path / "audit-2026Q3"
    result = audit(runner, roster, NEWSLETTER, out)
    assert result.exit_code == 0, result.output
    findings = out / "findings.json"
    assert stat.S_IMODE(findings.stat().st_mode) == 0o600
    return out, findings.read_bytes()


@pytest.mark.parametrize("case", list(CASES))
def test_failed_run_keeps_previous_findings(runner, tmp_path, roster, previous_audit, case):
    out, before = previous_audit
    spec, _, _ = CASES[case](tmp_path)
    assert_one_line_error(audit(runner, roster, spec, out))
    findings = out / "findings.json"
    assert findings.read_bytes() == before
    assert stat.S_IMODE(findings.stat().st_mode) == 0o600
    assert sorted(p.name for p in out.iterdir()) == ["findings.json"]


def test_wrong_key_keeps_previous_findings(runner, tmp_path, roster, previous_audit, monkeypatch):
    out, before = previous_audit
    monkeypatch.setenv("AUDITOR_KEY", OTHER_SECRET.hex())
    assert_one_line_error(audit(runner, roster, NEWSLETTER, out))
    assert (out / "findings.json").read_bytes() == before


def test_second_good_run_replaces_findings_atomically(runner, tmp_path, roster, previous_audit):
    out, _ = previous_audit
    result = audit(runner, roster, FB, out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["findings.json"]     # no temp files left
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


# -- roster encode ------------------------------------------------------------------------

def test_roster_encode_empty_csv(runner, tmp_path, key_env):
    src = tmp_path / "clients.csv"
    src.write_bytes(b"")
    out = tmp_path / "roster.enc"
    line = assert_one_line_error(run(runner, "roster", "encode", src, "-o", out))
    assert str(src) in line and "empty" in line
    assert not out.exists()


def test_roster_encode_whitespace_only_csv(runner, tmp_path, key_env):
    src = tmp_path / "clients.csv"
    src.write_text("\n \n\t\n")
    out = tmp_path / "roster.enc"
    line = assert_one_line_error(run(runner, "roster", "encode", src, "-o", out))
    assert str(src) in line and "empty" in line
    assert not out.exists()


def test_roster_encode_without_name_column(runner, tmp_path, key_env):
    src = tmp_path / "clients.csv"
    src.write_text("Client ID,E-mail,Status\n1,a@example.com,Active\n2,b@example.com,Active\n")
    out = tmp_path / "roster.enc"
    line = assert_one_line_error(run(runner, "roster", "encode", src, "-o", out))
    assert str(src) in line and "line 1" in line and "name column" in line and "--map" in line
    assert not out.exists()


def test_roster_encode_header_only(runner, tmp_path, key_env):
    src = tmp_path / "clients.csv"
    src.write_text("Client ID,First Name,Last Name\n")
    out = tmp_path / "roster.enc"
    line = assert_one_line_error(run(runner, "roster", "encode", src, "-o", out))
    assert str(src) in line
    assert not out.exists()


def test_roster_encode_latin1_csv_names_line(runner, tmp_path, key_env):
    src = tmp_path / "clients.csv"
    src.write_bytes("First Name,Last Name\nAna,Smith\nZoé,Martin\n".encode("latin-1"))
    out = tmp_path / "roster.enc"
    line = assert_one_line_error(run(runner, "roster", "encode", src, "-o", out))
    assert str(src) in line and "line 3" in line and "UTF-8" in line
    assert not out.exists()


def test_roster_encode_missing_file(runner, tmp_path, key_env):
    src = tmp_path / "nope.csv"
    line = assert_one_line_error(run(runner, "roster", "encode", src, "-o", tmp_path / "r.enc"))
    assert str(src) in line


def test_failed_encode_keeps_previous_roster(runner, tmp_path, roster):
    before = roster.read_bytes()
    src = tmp_path / "clients.csv"
    src.write_text("Client ID,E-mail\n1,a@example.com\n")
    assert_one_line_error(run(runner, "roster", "encode", src, "-o", roster))
    assert roster.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.csv", "roster.enc"]


def test_roster_encode_output_in_unwritable_place(runner, tmp_path, key_env):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        line = assert_one_line_error(run(runner, "roster", "encode", CLIENTS, "-o", locked / "r.enc"))
        assert str(locked / "r.enc") in line
    finally:
        locked.chmod(0o700)


def test_roster_encode_output_is_a_directory(runner, tmp_path, key_env):
    target = tmp_path / "somedir"
    target.mkdir()
    result = run(runner, "roster", "encode", CLIENTS, "-o", target)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert target.is_dir() and list(target.iterdir()) == []
