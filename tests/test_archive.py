"""Whole export archives (.zip): read in memory, safely, with what was skipped and why."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import sample_data
from connectors.archive import ZipLimits
from connectors.interface import ConnectorError
from connectors.registry import Registry
from tests.helpers import assert_ok, run

FB = next(sample_data.EXPORTS.glob("facebook-*"))
IG = next(sample_data.EXPORTS.glob("instagram-*"))


def _meta_zip(path: Path) -> Path:
    """A 'meta-…' archive holding a full Facebook and Instagram export, as Meta nests them."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for root in (FB, IG):
            for file in sorted(root.rglob("*")):
                if file.is_file():
                    zf.write(file, f"meta-2026-Nov-01/{root.name}/{file.relative_to(root).as_posix()}")
        zf.writestr(f"meta-2026-Nov-01/__MACOSX/{FB.name}/._your_friends.json", b"\x00\x05\x16\x07junk")
        zf.writestr("meta-2026-Nov-01/index.html", "<html>Your information</html>")
        zf.writestr("meta-2026-Nov-01/secret/followers.json", b"[]")
        zf.writestr("../escape.json", json.dumps([{"display_name": "Evil Path"}]))
        zf.writestr("meta-2026-Nov-01/inner.zip", b"PK\x05\x06" + b"\x00" * 18)
    _mark_encrypted(path, b"meta-2026-Nov-01/secret/followers.json")
    return path


def _mark_encrypted(path: Path, name: bytes) -> None:
    """Set the 'encrypted' flag of one member in its local and central headers
    (zipfile cannot write encrypted members)."""
    data = bytearray(path.read_bytes())
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at:start + name_at + len(name)] == name:
                data[start + flag_at] |= 0x1
            start += 4
    path.write_bytes(bytes(data))


def test_zip_of_facebook_and_instagram_reads_every_list_and_lists_the_rest(tmp_path):
    report = Registry().read_path(str(_meta_zip(tmp_path / "meta-export.zip")))
    read = {Path(f.name.split("!", 1)[1]).name: len(f.connections) for f in report.files}
    assert read == {"who_you've_followed.json": 4, "received_friend_requests.json": 2, "your_friends.json": 30,
                    "followers_1.json": 9, "following.json": 3}
    why = {Path(name.split("!", 1)[1]).name: reason for name, reason in report.ignored}
    assert why["followers.json"] == "password-protected member"
    assert "unsafe path" in why["escape.json"]
    assert "nested archive" in why["inner.zip"]
    assert why["index.html"] == "not a connection list"
    assert not any("__MACOSX" in name for name, _ in report.ignored)
    assert all(f.name.startswith(str(tmp_path)) and "!" in f.name for f in report.files)


def test_audit_of_a_zip_in_one_command_lists_files_read_and_skipped(tmp_path):
    from click.testing import CliRunner

    from tests.conftest import FIXED_SECRET

    runner = CliRunner(env={"AUDITOR_KEY": FIXED_SECRET.hex()})
    roster = tmp_path / "roster.enc"
    assert_ok(run(runner, "roster", "encode", sample_data.CLIENTS_CSV, "-o", roster))
    archive = _meta_zip(tmp_path / "meta-export.zip")
    result = run(runner, "audit", "--roster", roster, "--connections", archive, "--out", tmp_path / "out")
    assert_ok(result)
    findings = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert len(findings["inputs"]) == 5 and len(findings["ignored"]) == 5
    assert any(f["connection"]["source"].startswith(str(archive) + "!") for f in findings["findings"])
    assert "password-protected" in result.stdout and "your_friends.json" in result.stdout


def test_zip_bomb_is_an_error_not_a_hang(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("connections/friends/your_friends.json", b" " * (40 << 20))
    with pytest.raises(ConnectorError, match="zip bomb"):
        Registry().read_path(str(bomb))


def test_member_count_and_total_size_limits(tmp_path):
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(30):
            zf.writestr(f"f{i}.csv", "display_name\nAna\n")
    with pytest.raises(ConnectorError, match="more than an export has"):
        Registry(zip_limits=ZipLimits(max_members=10)).read_path(str(many))
    with pytest.raises(ConnectorError, match="over the limit"):
        Registry(zip_limits=ZipLimits(max_total_bytes=100)).read_path(str(many))


def test_member_size_limit(tmp_path):
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("list.csv", "display_name\n" + "Ana Smith\n" * 200)
    with pytest.raises(ConnectorError, match="zip bomb"):
        Registry(zip_limits=ZipLimits(max_member_bytes=500, max_ratio=1e9)).read_path(str(archive))


def test_truncated_zip_names_the_file(tmp_path):
    good = _meta_zip(tmp_path / "good.zip")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ConnectorError) as err:
        Registry().read_path(str(cut))
    assert str(cut) in str(err.value) and "zip" in str(err.value)


def test_connections_inspect_shows_platforms_relations_and_handles_only(tmp_path):
    from click.testing import CliRunner

    archive = _meta_zip(tmp_path / "meta-export.zip")
    result = run(CliRunner(), "connections", "inspect", archive)
    assert_ok(result)
    flat = " ".join(result.stdout.split())
    assert "facebook mutual 30" in flat and "instagram follower 9" in flat
    assert "@jpemberton88" in flat and "password-protected member" in flat
    assert "Margaret Okafor" not in flat and "no name (deactivated account?)" in flat
