"""The practice key: keyring storage, headless sources, export/import, sub-keys.

Design invariant 3: the secret lives in the OS keyring; AUDITOR_KEY or a
permission-checked key file for headless use; no keyring backend is a clear
one-line error naming those options, never a crash. Every test runs against
the in-memory keyring from conftest (never the developer's real one).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from auditor.errors import KeyUnavailableError
from auditor.keys import SERVICE, PracticeKey, derive, parse_secret, read_key_file
from tests.conftest import FIXED_SECRET, MemoryKeyring
from tests.helpers import assert_ok, assert_one_line_error, run

HEX64 = re.compile(r"^[0-9a-f]{64}$")
FINGERPRINT = re.compile(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b")
OTHER_SECRET = bytes(range(100, 132))








def fingerprint_of(secret: bytes) -> str:
    return PracticeKey(secret, "").subkeys().fingerprint


def status_fields(result) -> dict[str, str]:
    fields = {}
    for line in result.stdout.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


# -- key init ------------------------------------------------------------------

def test_init_stores_64_hex_secret_under_default_account(runner, memory_keyring):
    result = run(runner, "key", "init")
    assert_ok(result)
    assert list(memory_keyring.store) == [(SERVICE, "default")]
    assert SERVICE == "connection-auditor"
    value = memory_keyring.store[(SERVICE, "default")]
    assert HEX64.match(value)
    # The secret itself is never printed, only its fingerprint.
    assert value not in result.output
    assert fingerprint_of(bytes.fromhex(value)) in " ".join(result.stderr.split())


def test_init_with_practice_name_uses_that_account(runner, memory_keyring):
    assert_ok(run(runner, "--practice", "northside", "key", "init"))
    assert list(memory_keyring.store) == [(SERVICE, "northside")]
    assert HEX64.match(memory_keyring.store[(SERVICE, "northside")])
    # A second practice gets its own, different secret.
    assert_ok(run(runner, "key", "init"))
    assert memory_keyring.store[(SERVICE, "default")] != memory_keyring.store[(SERVICE, "northside")]


def test_init_twice_gives_different_secrets(runner, memory_keyring):
    assert_ok(run(runner, "--practice", "a", "key", "init"))
    assert_ok(run(runner, "--practice", "b", "key", "init"))
    assert memory_keyring.store[(SERVICE, "a")] != memory_keyring.store[(SERVICE, "b")]


def test_init_refuses_to_overwrite_without_force(runner, memory_keyring):
    assert_ok(run(runner, "key", "init"))
    before = memory_keyring.store[(SERVICE, "default")]
    result = run(runner, "key", "init")
    line = assert_one_line_error(result)
    assert "already exists" in line and "--force" in line
    assert memory_keyring.store[(SERVICE, "default")] == before


def test_init_force_overwrites(runner, memory_keyring):
    assert_ok(run(runner, "key", "init"))
    before = memory_keyring.store[(SERVICE, "default")]
    assert_ok(run(runner, "key", "init", "--force"))
    after = memory_keyring.store[(SERVICE, "default")]
    assert HEX64.match(after) and after != before


# -- key status ----------------------------------------------------------------

def test_status_shows_source_and_fingerprint_never_secret(runner, memory_keyring):
    memory_keyring.set_password(SERVICE, "default", FIXED_SECRET.hex())
    result = run(runner, "key", "status")
    assert_ok(result)
    fields = status_fields(result)
    assert fields["fingerprint"] == fingerprint_of(FIXED_SECRET)
    assert "keyring" in fields["source"].lower()
    assert FIXED_SECRET.hex() not in result.output
    assert FIXED_SECRET.hex().upper() not in result.output


def test_status_without_any_key_says_how_to_make_one(runner):
    line = assert_one_line_error(run(runner, "key", "status"))
    assert "auditor key init" in line and "AUDITOR_KEY" in line


def test_auditor_key_env_overrides_keyring(runner, memory_keyring, monkeypatch):
    memory_keyring.set_password(SERVICE, "default", OTHER_SECRET.hex())
    monkeypatch.setenv("AUDITOR_KEY", FIXED_SECRET.hex())
    result = run(runner, "key", "status")
    assert_ok(result)
    fields = status_fields(result)
    assert "AUDITOR_KEY" in fields["source"]
    assert fields["fingerprint"] == fingerprint_of(FIXED_SECRET)
    assert fields["fingerprint"] != fingerprint_of(OTHER_SECRET)
    assert FIXED_SECRET.hex() not in result.output


def test_auditor_key_env_accepts_upper_case_and_spaces(runner, monkeypatch):
    spaced = " ".join(FIXED_SECRET.hex().upper()[i:i + 8] for i in range(0, 64, 8))
    monkeypatch.setenv("AUDITOR_KEY", spaced)
    result = run(runner, "key", "status")
    assert_ok(result)
    assert status_fields(result)["fingerprint"] == fingerprint_of(FIXED_SECRET)


@pytest.mark.parametrize("bad", [
    FIXED_SECRET.hex()[:-2],            # 62 hex characters: too short
    FIXED_SECRET.hex() + "00",          # 66: too long
    "z" * 64,                           # right length, not hex
    "correct horse battery staple",
])
def test_bad_auditor_key_is_a_clear_error(runner, monkeypatch, bad):
    monkeypatch.setenv("AUDITOR_KEY", bad)
    line = assert_one_line_error(run(runner, "key", "status"))
    assert "AUDITOR_KEY" in line and "64 hex" in line
    assert bad not in line or len(bad) < 10   # the (maybe almost-right) key is not echoed


# -- key files -----------------------------------------------------------------

def _key_file(path: Path, secret: bytes, mode: int) -> Path:
    path.write_text(f"# test key\n{secret.hex()}\n", encoding="ascii")
    os.chmod(path, mode)
    return path


def test_key_file_readable_by_others_is_refused(runner, tmp_path):
    kf = _key_file(tmp_path / "practice.key", FIXED_SECRET, 0o644)
    line = assert_one_line_error(run(runner, "--key-file", str(kf), "key", "status"))
    assert "chmod 600" in line and str(kf) in line
    assert FIXED_SECRET.hex() not in line


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_key_file_group_or_other_bits_refused(runner, tmp_path, mode):
    kf = _key_file(tmp_path / "practice.key", FIXED_SECRET, mode)
    line = assert_one_line_error(run(runner, "--key-file", str(kf), "key", "status"))
    assert "chmod 600" in line


def test_key_file_0600_works_and_beats_env_and_keyring(runner, tmp_path, memory_keyring, monkeypatch):
    memory_keyring.set_password(SERVICE, "default", OTHER_SECRET.hex())
    monkeypatch.setenv("AUDITOR_KEY", OTHER_SECRET.hex())
    kf = _key_file(tmp_path / "practice.key", FIXED_SECRET, 0o600)
    result = run(runner, "--key-file", str(kf), "key", "status")
    assert_ok(result)
    fields = status_fields(result)
    assert fields["fingerprint"] == fingerprint_of(FIXED_SECRET)
    assert "key file" in fields["source"]
    assert FIXED_SECRET.hex() not in result.output


def test_key_file_missing_is_a_clear_error(runner, tmp_path):
    missing = tmp_path / "nope.key"
    line = assert_one_line_error(run(runner, "--key-file", str(missing), "key", "status"))
    assert str(missing) in line


def test_key_file_with_garbage_is_a_clear_error(runner, tmp_path):
    kf = tmp_path / "practice.key"
    kf.write_text("not a key\n")
    os.chmod(kf, 0o600)
    line = assert_one_line_error(run(runner, "--key-file", str(kf), "key", "status"))
    assert str(kf) in line and "64 hex" in line


# -- export / import -----------------------------------------------------------

def test_export_then_import_into_fresh_keyring(runner, memory_keyring, tmp_path):
    assert_ok(run(runner, "key", "init"))
    secret_hex = memory_keyring.store[(SERVICE, "default")]
    original_fp = status_fields(run(runner, "key", "status"))["fingerprint"]

    out = tmp_path / "backup.key"
    result = run(runner, "key", "export", "-o", str(out), "--yes")
    assert_ok(result)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert secret_hex in out.read_text()          # the file holds the key (that is its job)
    assert secret_hex not in result.output        # ... but the terminal never shows it
    assert not list(tmp_path.glob(".*.tmp"))       # no temp file left behind

    fresh = MemoryKeyring()
    keyring.set_keyring(fresh)                     # conftest restores the keyring afterwards
    assert run(runner, "key", "status").exit_code != 0
    result = run(runner, "key", "import", str(out))
    assert_ok(result)
    assert fresh.store[(SERVICE, "default")] == secret_hex
    assert secret_hex not in result.output
    assert status_fields(run(runner, "key", "status"))["fingerprint"] == original_fp


def test_export_file_is_read_by_key_file_option(runner, memory_keyring, tmp_path):
    memory_keyring.set_password(SERVICE, "default", FIXED_SECRET.hex())
    out = tmp_path / "backup.key"
    assert_ok(run(runner, "key", "export", "-o", str(out), "--yes"))
    assert read_key_file(out) == FIXED_SECRET
    keyring.set_keyring(MemoryKeyring())
    result = run(runner, "--key-file", str(out), "key", "status")
    assert_ok(result)
    assert status_fields(result)["fingerprint"] == fingerprint_of(FIXED_SECRET)


def test_export_refuses_existing_file_without_yes(runner, memory_keyring, tmp_path):
    memory_keyring.set_password(SERVICE, "default", FIXED_SECRET.hex())
    out = tmp_path / "backup.key"
    out.write_text("keep me")
    line = assert_one_line_error(run(runner, "key", "export", "-o", str(out)))
    assert str(out) in line and "--yes" in line
    assert out.read_text() == "keep me"


def test_import_refuses_world_readable_file(runner, tmp_path, memory_keyring):
    kf = _key_file(tmp_path / "backup.key", FIXED_SECRET, 0o644)
    line = assert_one_line_error(run(runner, "key", "import", str(kf)))
    assert "chmod 600" in line
    assert memory_keyring.store == {}


def test_import_does_not_replace_a_different_key_without_force(runner, tmp_path, memory_keyring):
    memory_keyring.set_password(SERVICE, "default", OTHER_SECRET.hex())
    kf = _key_file(tmp_path / "backup.key", FIXED_SECRET, 0o600)
    line = assert_one_line_error(run(runner, "key", "import", str(kf)))
    assert "--force" in line
    assert memory_keyring.store[(SERVICE, "default")] == OTHER_SECRET.hex()
    assert_ok(run(runner, "key", "import", str(kf), "--force"))
    assert memory_keyring.store[(SERVICE, "default")] == FIXED_SECRET.hex()


def test_import_same_key_again_is_a_no_op(runner, tmp_path, memory_keyring):
    memory_keyring.set_password(SERVICE, "default", FIXED_SECRET.hex())
    kf = _key_file(tmp_path / "backup.key", FIXED_SECRET, 0o600)
    assert_ok(run(runner, "key", "import", str(kf)))
    assert memory_keyring.store[(SERVICE, "default")] == FIXED_SECRET.hex()


# -- no keyring backend --------------------------------------------------------

@pytest.fixture
def no_backend():
    keyring.set_keyring(keyring.backends.fail.Keyring())   # conftest restores afterwards


def _needs_key_commands(tmp_path: Path) -> list[list[str]]:
    csv = tmp_path / "clients.csv"
    csv.write_text("First Name,Last Name\nAna,Smith\n")
    kf = _key_file(tmp_path / "backup.key", FIXED_SECRET, 0o600)
    return [
        ["key", "init"],
        ["key", "status"],
        ["key", "export", "-o", str(tmp_path / "out.key"), "--yes"],
        ["key", "import", str(kf)],
        ["roster", "encode", str(csv), "-o", str(tmp_path / "roster.enc")],
        ["audit", "--roster", str(tmp_path / "roster.enc"), "--connections", str(csv),
         "--out", str(tmp_path / "audit")],
    ]


@pytest.mark.parametrize("index", range(6))
def test_no_keyring_backend_is_one_clear_line(runner, tmp_path, no_backend, index):
    args = _needs_key_commands(tmp_path)[index]
    result = run(runner, *args)
    line = assert_one_line_error(result)
    assert "AUDITOR_KEY" in line
    assert "--key-file" in line
    assert "keyring backend" in line
    assert not (tmp_path / "out.key").exists()
    assert not (tmp_path / "roster.enc").exists()
    assert not (tmp_path / "audit").exists()


def test_no_keyring_backend_but_auditor_key_works(runner, no_backend, monkeypatch):
    monkeypatch.setenv("AUDITOR_KEY", FIXED_SECRET.hex())
    result = run(runner, "key", "status")
    assert_ok(result)
    assert status_fields(result)["fingerprint"] == fingerprint_of(FIXED_SECRET)


# -- sub-keys ------------------------------------------------------------------

PURPOSES = ("tokens", "bloom", "file-encryption", "pseudonyms", "fingerprint")


def test_derive_differs_per_purpose():
    keys = {derive(FIXED_SECRET, p) for p in PURPOSES}
    assert len(keys) == len(PURPOSES)
    assert all(len(k) == 32 for k in keys)
    assert FIXED_SECRET not in keys


def test_derive_differs_per_secret():
    for purpose in PURPOSES:
        assert derive(FIXED_SECRET, purpose) != derive(OTHER_SECRET, purpose)


def test_derive_is_deterministic_and_length_is_honoured():
    assert derive(FIXED_SECRET, "tokens") == derive(FIXED_SECRET, "tokens")
    assert len(derive(FIXED_SECRET, "x", 8)) == 8
    assert len(derive(FIXED_SECRET, "x", 64)) == 64


def test_subkeys_are_all_distinct_and_not_the_secret(practice_key):
    sub = practice_key.subkeys()
    keys = [sub.tokens, sub.bloom, sub.files, sub.pseudonyms]
    assert len(set(keys)) == 4
    assert practice_key.secret not in keys
    assert all(len(k) == 32 for k in keys)


def test_fingerprint_stable_for_a_secret_and_distinct_across_secrets(practice_key):
    fp = practice_key.subkeys().fingerprint
    assert FINGERPRINT.fullmatch(fp)
    assert PracticeKey(FIXED_SECRET, "elsewhere").subkeys().fingerprint == fp
    assert practice_key.subkeys().fingerprint == fp
    assert fingerprint_of(OTHER_SECRET) != fp
    # the fingerprint reveals nothing of the secret's hex
    assert fp.replace("-", "") not in FIXED_SECRET.hex()


def test_parse_secret_roundtrip_and_rejects():
    assert parse_secret(FIXED_SECRET.hex(), "x") == FIXED_SECRET
    assert parse_secret("# comment\n" + FIXED_SECRET.hex().upper() + "\n", "x") == FIXED_SECRET
    with pytest.raises(KeyUnavailableError, match="64 hex"):
        parse_secret("ab" * 31, "x")
    with pytest.raises(KeyUnavailableError, match="64 hex"):
        parse_secret("g" * 64, "x")
