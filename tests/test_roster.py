"""Reading EHR client exports and the encrypted, de-identified roster.

Privacy invariants 1-2 (design.md): no plaintext client identifier reaches
disk; the roster holds keyed encodings only and is encrypted at rest. The
privacy tests read both the raw file and the decrypted payload (every array)
and look for every identifier in every spelling we can think of.
"""

from __future__ import annotations

import csv
import io
import json
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import keyring.backends.fail
import numpy as np
import phonenumbers
import pytest
from anyascii import anyascii

from auditor.clients import read_clients
from auditor.keys import PracticeKey
from auditor.normalize import (
    canonical_email,
    canonical_handle,
    canonical_phone,
    handle_from_url,
)
from auditor.roster import KIND, VERSION
from auditor.sealed import unseal
from tests.conftest import FIXED_SECRET
from tests.helpers import assert_ok, assert_one_line_error, run

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "clients.csv"
OTHER_SECRET = bytes(range(100, 132))
REF = re.compile(r"^C-[0-9A-HJKMNP-TV-Z]{6}$")   # Crockford base32: no I, L, O, U


# -- helpers -------------------------------------------------------------------







def flat(text: str) -> str:
    """Undo the terminal's line wrapping so that messages can be searched."""
    return " ".join(text.split())


def write_csv(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def encode(runner, src: Path, out: Path, *extra: str):
    return run(runner, "roster", "encode", src, "-o", out, *extra)


def subkeys(secret: bytes = FIXED_SECRET):
    return PracticeKey(secret, "test").subkeys()


def decrypted_arrays(path: Path, secret: bytes = FIXED_SECRET) -> tuple[bytes, dict[str, np.ndarray]]:
    sealed = unseal(path, KIND, (VERSION,), subkeys(secret))
    with np.load(io.BytesIO(sealed.payload), allow_pickle=False) as data:
        return sealed.payload, {name: data[name] for name in data.files}


def tree(root: Path) -> list[tuple[str, int]]:
    return sorted((p.relative_to(root).as_posix(), p.stat().st_size) for p in root.rglob("*"))


# -- identifiers, every spelling -------------------------------------------------

def _cases(text: str) -> set[str]:
    text = text.strip()
    if not text:
        return set()
    out = set()
    for form in (text, anyascii(text)):
        out |= {form, form.lower(), form.upper(), form.title(), form.casefold()}
    return {o for o in out if o}


def _phone_forms(text: str) -> set[str]:
    out = {text.strip(), re.sub(r"\D", "", text)}
    try:
        out.add(phonenumbers.format_number(phonenumbers.parse(text, "US"),
                                           phonenumbers.PhoneNumberFormat.E164))
    except phonenumbers.NumberParseException:
        pass
    out.add(canonical_phone(text, "US"))
    return {o for o in out if o}


def identifiers_of(csv_path: Path) -> set[str]:
    """Every identifier in a client CSV, in every spelling an encoder might keep."""
    found: set[str] = set()
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            first = row.get("first name", "")
            last = row.get("last name", "")
            names = [first, last, row.get("preferred name", ""), row.get("other names", ""),
                     row.get("clinician", "")]
            for name in names:
                found |= _cases(name)
                for word in name.replace("-", " ").split():
                    found |= _cases(word)
            if first and last:
                for full in (f"{first} {last}", f"{last}, {first}", f"{last} {first}", f"{first}{last}"):
                    found |= _cases(full)
            for email in filter(None, re.split(r"[;,|]", row.get("e-mail", ""))):
                email = email.strip()
                found |= {email, email.lower(), canonical_email(email), email.split("@")[0]}
            for phone in filter(None, re.split(r"[;|]", row.get("mobile phone", ""))):
                found |= _phone_forms(phone)
            for handle in filter(None, re.split(r"[;,|]", row.get("social handles", ""))):
                handle = handle.strip()
                found.add(handle)
                if "/" in handle:
                    parsed = handle_from_url(handle)
                    if parsed:
                        found.add(parsed[1])
                else:
                    bare = handle.partition(":")[2] or handle
                    found |= {bare, bare.lstrip("@"), canonical_handle(bare)}
            found.add(row.get("client id", ""))
            if row.get("discharge date"):
                found.add(row["discharge date"])
    return {f for f in found if f}


SYNTHETIC = """\
Client ID,First Name,Last Name,Preferred Name,Other Names,E-mail,Mobile Phone,Social Handles,Status,Discharge Date,Clinician
MRN-004417,Zoë,Ångström-Whitfield,Zo,Pettersson,Zoe.Angstrom@Example.COM,(555) 010-2233,instagram:zoe.angstrom88; x:@zangstrom_art,Active,,Dr. Marguerite Olander
MRN-004418,Bartholomew,O'Callaghan,Bart,,bart.ocallaghan+therapy@gmail.com;b.oc@work.example.org,+44 20 7946 0958,https://www.tiktok.com/@bartocallaghan,Discharged,2023-08-14,Dr. Marguerite Olander
MRN-004419,Siobhán,Nakamura-Fitzgerald,,,siobhan.nf@example.net,555.010.7788|(555) 010-9911,bsky:siobhan-nf.bsky.social,Active,,Rowan Tessaly
MRN-004420,Ignatius,Vandermolen,,,,,https://www.facebook.com/ignatius.vandermolen.7,Former,11/30/2022,Rowan Tessaly
"""


def assert_no_identifiers(roster_path: Path, identifiers: set[str]) -> None:
    raw = roster_path.read_bytes()
    head, _, body = raw.partition(b"\n")
    head_text = head.decode("utf-8").casefold()
    # The readable header: no identifier in any spelling.
    for ident in identifiers:
        assert ident.casefold() not in head_text, f"{ident!r} in the roster header"
    # The ciphertext: random bytes, so only look for strings long enough that a
    # chance hit is impossible (AES-GCM already guarantees the rest).
    for ident in identifiers:
        for form in {ident, ident.lower(), ident.upper()}:
            for encoded in (form.encode("utf-8"), form.encode("utf-32-le")):
                if len(encoded) >= 6:
                    assert encoded not in body, f"{ident!r} in the roster ciphertext"

    payload, arrays = decrypted_arrays(roster_path)
    for ident in identifiers:
        for form in {ident, ident.lower(), ident.upper()}:
            for encoded in (form.encode("utf-8"), form.encode("utf-32-le")):
                if len(encoded) >= 5:
                    assert encoded not in payload, f"{ident!r} in the decrypted payload bytes"
    folded = {i.casefold() for i in identifiers}
    string_arrays = 0
    for name, array in arrays.items():
        assert array.dtype != object, name
        blob = array.tobytes()
        for ident in identifiers:
            for form in {ident, ident.lower(), ident.upper()}:
                for encoded in (form.encode("utf-8"), form.encode("utf-32-le")):
                    if len(encoded) >= 5:
                        assert encoded not in blob, f"{ident!r} in array {name}"
        if array.dtype.kind in "US":
            string_arrays += 1
            for value in array.ravel().tolist():
                text = value.decode() if isinstance(value, bytes) else value
                assert text.casefold() not in folded, f"{text!r} in array {name}"
                for ident in folded:
                    assert ident not in text.casefold(), f"{ident!r} inside {text!r} in array {name}"
    assert string_arrays >= 1   # refs at least; make sure the check looked at something


# -- header detection ------------------------------------------------------------

def test_common_header_spellings(tmp_path):
    src = write_csv(tmp_path / "c.csv", (
        "Client ID,First Name,Last name,E-mail,Mobile Phone,Discharge Date,Status\n"
        "A-1,Ana,Smith,Ana.Smith@Example.com,(555) 010-2233,2024-03-31,Discharged\n"
    ))
    loaded = read_clients(src)
    assert loaded.columns == {
        "client_id": ["Client ID"], "first_name": ["First Name"], "last_name": ["Last name"],
        "email": ["E-mail"], "phone": ["Mobile Phone"], "end_date": ["Discharge Date"],
        "status": ["Status"],
    }
    (rec,) = loaded.records
    assert rec.client_id == "A-1"
    assert rec.given == ["ana"] and rec.surnames == ["smith"]
    assert rec.emails == ["ana.smith@example.com"]
    assert rec.phones == ["+15550102233"]
    assert rec.end_date.isoformat() == "2024-03-31"
    assert rec.status == "former"


@pytest.mark.parametrize("header,field", [
    ("Patient ID", "client_id"), ("MRN", "client_id"), ("Chart Number", "client_id"),
    ("Given Name", "first_name"), ("first_name", "first_name"), ("FIRST NAME", "first_name"),
    ("Surname", "last_name"), ("Family Name", "last_name"), ("last_name", "last_name"),
    ("Email Address", "email"), ("e-mail address", "email"),
    ("Phone Number", "phone"), ("Cell Phone", "phone"),
    ("Date Closed", "end_date"), ("Last Session Date", "end_date"),
    ("Therapist", "clinician"), ("Preferred Name", "preferred_name"), ("Maiden Name", "other_names"),
])
def test_more_header_spellings(tmp_path, header, field):
    src = write_csv(tmp_path / "c.csv", f"Full Name,{header}\nAna Smith,x\n")
    loaded = read_clients(src) if field not in ("email", "phone", "end_date") else None
    if loaded is None:   # these fields check their cells; give a valid value
        value = {"email": "a@example.com", "phone": "555-010-2233", "end_date": "2024-01-02"}[field]
        src.write_text(f"Full Name,{header}\nAna Smith,{value}\n")
        loaded = read_clients(src)
    assert loaded.columns.get(field) == [header]


@pytest.mark.parametrize("cell,given,surnames", [
    ("Smith, Ana", ["ana"], ["smith"]),
    ("Ana Smith", ["ana"], ["smith"]),
    ("Castellanos Ruiz, María José", ["maria", "jose"], ["castellanos", "ruiz"]),
])
def test_single_name_column(tmp_path, cell, given, surnames):
    src = write_csv(tmp_path / "c.csv", f'ID,Name\n7,"{cell}"\n')
    loaded = read_clients(src)
    assert loaded.columns["full_name"] == ["Name"]
    (rec,) = loaded.records
    assert (rec.given, rec.surnames, rec.client_id) == (given, surnames, "7")


def test_bom_and_crlf(tmp_path):
    body = "Client ID,First Name,Last Name\r\n1,Ana,Smith\r\n2,Bo,Lind\r\n"
    src = write_csv(tmp_path / "c.csv", b"\xef\xbb\xbf" + body.encode())
    loaded = read_clients(src)
    assert loaded.columns["client_id"] == ["Client ID"]
    assert [(r.client_id, r.given, r.surnames, r.line) for r in loaded.records] == [
        ("1", ["ana"], ["smith"], 2), ("2", ["bo"], ["lind"], 3)]


def test_utf16_with_bom(tmp_path):
    src = write_csv(tmp_path / "c.csv", "First Name,Last Name\r\nChloé,Dubois\r\n".encode("utf-16"))
    (rec,) = read_clients(src).records
    assert rec.given == ["chloe"] and rec.surnames == ["dubois"]


def test_map_option_names_an_unknown_column(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "c.csv", "Client ID,First Name,Legal Surname\n1,Ana,Smith\n")
    # Without --map the surname is not read...
    (rec,) = read_clients(src).records
    assert rec.surnames == []
    # ... with it, it is, and the CLI says which column it used.
    result = encode(runner, src, tmp_path / "r.enc", "--map", "Legal Surname=last_name")
    assert_ok(result)
    assert "last_name (Legal Surname)" in flat(result.stderr)
    info = run(runner, "roster", "info", tmp_path / "r.enc")
    assert "last_name" in flat(info.stdout)


def test_map_option_can_ignore_and_rejects_unknown_fields(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "c.csv", "Client ID,First Name,Last Name,E-mail\n1,Ana,Smith,not-an-email\n")
    assert_ok(encode(runner, src, tmp_path / "r.enc", "--map", "E-mail=ignore"))
    line = assert_one_line_error(encode(runner, src, tmp_path / "r2.enc", "--map", "E-mail=e_mail"))
    assert "--map" in line and "e_mail" in line
    assert not (tmp_path / "r2.enc").exists()


def test_preamble_before_header(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "c.csv", (
        "Sunrise Counseling - Client List\n"
        "Exported 2026-11-01 by admin,,\n"
        "Filter: all clients\n"
        "Client ID,First Name,Last Name\n"
        "1,Ana,Smith\n"
        ",,\n"
        "2,,\n"
        "3,Bo,Lind\n"
    ))
    loaded = read_clients(src)
    assert [(r.client_id, r.line) for r in loaded.records] == [("1", 5), ("3", 8)]
    assert loaded.skipped == ["line 7: no name"]
    result = encode(runner, src, tmp_path / "r.enc")
    assert_ok(result)
    assert "2 clients" in flat(result.stderr)


def test_encode_says_which_columns_were_used(runner, tmp_path, key_env):
    out = tmp_path / "r.enc"
    result = encode(runner, SAMPLE, out)
    assert_ok(result)
    said = flat(result.stderr)
    for field, header in [("client_id", "Client ID"), ("first_name", "First Name"), ("last_name", "Last Name"),
                          ("email", "E-mail"), ("phone", "Mobile Phone"), ("end_date", "Discharge Date"),
                          ("status", "Status"), ("clinician", "Clinician"), ("handles", "Social Handles")]:
        assert f"{field} ({header})" in said
    assert "Columns used" in said
    assert "22 clients" in said


def test_encode_without_client_id_notes_it(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "c.csv", "First Name,Last Name\nAna,Smith\n")
    result = encode(runner, src, tmp_path / "r.enc")
    assert_ok(result)
    assert "no client id column" in flat(result.stderr)


def test_rows_without_a_name_are_skipped_and_reported(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "c.csv", (
        "Client ID,First Name,Last Name,E-mail\n"
        "1,Ana,Smith,\n"
        "2,,,ghost@example.com\n"
        "3,Bo,Lind,\n"
        "4,  ,  ,\n"
    ))
    loaded = read_clients(src)
    assert [r.client_id for r in loaded.records] == ["1", "3"]
    assert loaded.skipped == ["line 3: no name", "line 5: no name"]
    result = encode(runner, src, tmp_path / "r.enc")
    assert_ok(result)
    said = flat(result.stderr)
    assert f"Skipped {src}, line 3: no name" in said
    assert f"Skipped {src}, line 5: no name" in said
    assert "ghost" not in said
    assert "2 clients" in said


def test_duplicate_client_id_rows_merge(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "c.csv", (
        "Client ID,First Name,Last Name,E-mail,Status,Discharge Date\n"
        "9,Ana,Smith,ana@example.com,Discharged,2021-02-03\n"
        "8,Bo,Lind,,Active,\n"
        "9,Ana,Smith-Jones,ana.sj@example.org,Active,2023-04-05\n"
    ))
    loaded = read_clients(src)
    assert [r.client_id for r in loaded.records] == ["9", "8"]
    ana = loaded.records[0]
    assert ana.surnames == ["smith", "jones"]
    assert ana.emails == ["ana@example.com", "ana.sj@example.org"]
    assert ana.status == "current"
    assert ana.end_date.isoformat() == "2023-04-05"
    out = tmp_path / "r.enc"
    result = encode(runner, src, out)
    assert_ok(result)
    assert "2 clients" in flat(result.stderr)
    _, arrays = decrypted_arrays(out)
    assert len(arrays["refs"]) == 2 and len(set(arrays["refs"].tolist())) == 2


def test_bad_cell_names_file_line_and_column(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "c.csv", "First Name,Last Name,Discharge Date\nAna,Smith,2024-01-02\nBo,Lind,soon\n")
    line = assert_one_line_error(encode(runner, src, tmp_path / "r.enc"))
    assert str(src) in line and "line 3" in line and "Discharge Date" in line
    assert not (tmp_path / "r.enc").exists()


# -- privacy -----------------------------------------------------------------------

def test_identifier_list_is_thorough():
    """The privacy tests below are only as good as this list: check it has the hard cases."""
    idents = identifiers_of(SAMPLE)
    for expected in ("Chloé", "Chloe", "chloe", "CHLOE", "Dubois-Martin", "Nguyễn", "Nguyen", "Lan Nguyễn",
                     "Nguyễn, Lan", "lan nguyen", "Łukasz", "Lukasz", "María José Castellanos Ruiz",
                     "w.thornbury@example.com", "(555) 201-3344", "5552013344", "+15552013344",
                     "+1 555 203 9981", "15552039981", "priya.raghunathan", "instagram:priya.raghunathan",
                     "1001", "1022", "Toby", "Albright", "2024-05-17", "Lena Hart"):
        assert expected in idents, expected


def test_sample_roster_holds_no_plaintext(runner, tmp_path, key_env):
    out = tmp_path / "roster.enc"
    result = encode(runner, SAMPLE, out)
    assert_ok(result)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.enc"]   # no temp or side files
    idents = identifiers_of(SAMPLE)
    assert_no_identifiers(out, idents)
    # the terminal summary names columns and counts, never a client
    names = {i.casefold() for i in idents if not i.isdigit() and len(i) >= 4}
    said = result.output.casefold()
    assert not [n for n in names if n in said]


def test_synthetic_roster_with_every_identifier_kind_holds_no_plaintext(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "ehr.csv", SYNTHETIC)
    loaded = read_clients(src)
    assert len(loaded.records) == 4
    # the CSV really carries what we look for (else the test would prove nothing)
    zoe = loaded.records[0]
    assert zoe.emails == ["zoe.angstrom@example.com"] and zoe.phones == ["+15550102233"]
    assert ("instagram", "zoe.angstrom88") in zoe.handles and ("x", "zangstrom_art") in zoe.handles
    assert len(loaded.records[1].emails) == 2 and loaded.records[1].phones == ["+442079460958"]
    assert len(loaded.records[2].phones) == 2
    out = tmp_path / "enc" / "roster.enc"
    assert_ok(encode(runner, src, out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    idents = identifiers_of(src)
    for expected in ("MRN-004417", "Zoe.Angstrom@Example.COM", "zoe.angstrom@example.com", "zoe.angstrom88",
                     "zangstrom_art", "bartocallaghan", "+442079460958", "5550107788", "Angstrom-Whitfield",
                     "ignatius.vandermolen.7", "Dr. Marguerite Olander", "Olander", "11/30/2022", "Siobhan"):
        assert expected in idents, expected
    assert_no_identifiers(out, idents)


def test_roster_file_is_0600_even_with_permissive_umask(runner, tmp_path, key_env):
    import os
    old = os.umask(0)
    try:
        out = tmp_path / "roster.enc"
        assert_ok(encode(runner, SAMPLE, out))
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_reencode_replaces_the_file_atomically(runner, tmp_path, key_env):
    out = tmp_path / "roster.enc"
    assert_ok(encode(runner, SAMPLE, out))
    first = out.read_bytes()
    assert_ok(encode(runner, SAMPLE, out))
    assert out.read_bytes() != first           # fresh nonce
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.enc"]


# -- wrong key, damage -------------------------------------------------------------

@pytest.fixture
def sample_roster(runner, tmp_path, key_env) -> Path:
    out = tmp_path / "roster.enc"
    assert_ok(encode(runner, SAMPLE, out))
    return out


def test_wrong_key_names_both_fingerprints(runner, sample_roster, monkeypatch):
    monkeypatch.setenv("AUDITOR_KEY", OTHER_SECRET.hex())
    line = assert_one_line_error(run(runner, "roster", "resolve", SAMPLE, "--roster", sample_roster))
    assert str(sample_roster) in line
    assert "another practice key" in line
    assert subkeys(FIXED_SECRET).fingerprint in line
    assert subkeys(OTHER_SECRET).fingerprint in line


def test_tampered_ciphertext_is_reported_as_damaged(runner, sample_roster):
    raw = bytearray(sample_roster.read_bytes())
    raw[-20] ^= 0x01
    sample_roster.write_bytes(bytes(raw))
    line = assert_one_line_error(run(runner, "roster", "resolve", SAMPLE, "--roster", sample_roster))
    assert str(sample_roster) in line and "damaged or was altered" in line


def test_tampered_header_is_reported_as_damaged(runner, sample_roster):
    raw = sample_roster.read_bytes()
    assert b'"clients": 22' in raw
    sample_roster.write_bytes(raw.replace(b'"clients": 22', b'"clients": 23', 1))
    line = assert_one_line_error(run(runner, "roster", "resolve", SAMPLE, "--roster", sample_roster))
    assert "damaged or was altered" in line


def test_truncated_roster_is_reported(runner, sample_roster):
    raw = sample_roster.read_bytes()
    sample_roster.write_bytes(raw[: len(raw) // 2])
    line = assert_one_line_error(run(runner, "roster", "resolve", SAMPLE, "--roster", sample_roster))
    assert str(sample_roster) in line and "damaged" in line


def test_not_a_roster_file(runner, tmp_path, key_env):
    fake = tmp_path / "roster.enc"
    fake.write_text("First Name,Last Name\nAna,Smith\n")
    line = assert_one_line_error(run(runner, "roster", "info", fake))
    assert str(fake) in line and "not a connection-auditor roster file" in line


# -- roster info ---------------------------------------------------------------------

def test_info_shows_counts_version_fingerprint_created_without_a_key(runner, sample_roster, monkeypatch):
    monkeypatch.delenv("AUDITOR_KEY")
    keyring.set_keyring(keyring.backends.fail.Keyring())   # no key anywhere
    result = run(runner, "roster", "info", sample_roster)
    assert_ok(result)
    text = result.stdout
    assert "v1" in text and "roster" in text
    assert subkeys().fingerprint in text
    created = re.search(r"created:\s+(\S+)", text).group(1)
    when = datetime.fromisoformat(created)
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=5)
    assert re.search(r"clients:\s+22\b", text)
    assert re.search(r"current:\s+18\b", text)
    assert re.search(r"former:\s+4\b", text)
    names = {i.casefold() for i in identifiers_of(SAMPLE) if len(i) >= 3}
    folded = result.output.casefold()
    assert not [n for n in names if n in folded]


def test_info_header_is_plain_json_with_no_identifiers(sample_roster):
    head = sample_roster.read_bytes().partition(b"\n")[0]
    header = json.loads(head.split(b" ", 1)[1])
    assert set(header) == {"kind", "version", "key_fingerprint", "created_at", "counts", "columns_used"}
    assert all(isinstance(v, int) for v in header["counts"].values())


# -- roster resolve --------------------------------------------------------------------

def test_resolve_prints_csv_and_writes_nothing(runner, sample_roster, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    result = run(runner, "roster", "resolve", SAMPLE, "--roster", sample_roster, "--format", "csv")
    assert_ok(result)
    assert tree(tmp_path) == before
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["client_ref", "client_id"]
    body = rows[1:]
    assert len(body) == 22
    assert [r[1] for r in body] == [f"{1000 + i}" for i in range(1, 23)]
    assert all(REF.match(r[0]) for r in body)
    _, arrays = decrypted_arrays(sample_roster)
    assert sorted(r[0] for r in body) == sorted(arrays["refs"].tolist())
    # a lookup of refs to ids, not a dump of the roster: no names in it
    assert "Thornbury" not in result.output and "example.com" not in result.output


def test_resolve_table_format_writes_nothing(runner, sample_roster, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    result = run(runner, "roster", "resolve", SAMPLE, "--roster", sample_roster, "--format", "table")
    assert_ok(result)
    assert tree(tmp_path) == before
    assert "client_ref" in result.stdout and "1022" in result.stdout


def test_client_ref_stable_across_encodes_and_keyed(runner, tmp_path, key_env, monkeypatch):
    a, b, c = tmp_path / "a.enc", tmp_path / "b.enc", tmp_path / "c.enc"
    assert_ok(encode(runner, SAMPLE, a))
    assert_ok(encode(runner, SAMPLE, b))
    refs_a = decrypted_arrays(a)[1]["refs"].tolist()
    refs_b = decrypted_arrays(b)[1]["refs"].tolist()
    assert refs_a == refs_b
    assert all(REF.match(r) for r in refs_a) and len(set(refs_a)) == 22
    monkeypatch.setenv("AUDITOR_KEY", OTHER_SECRET.hex())
    assert_ok(encode(runner, SAMPLE, c))
    refs_c = decrypted_arrays(c, OTHER_SECRET)[1]["refs"].tolist()
    assert all(REF.match(r) for r in refs_c)
    assert not set(refs_a) & set(refs_c)


def test_client_ref_does_not_depend_on_row_order_or_other_rows(runner, tmp_path, key_env):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    shuffled = write_csv(tmp_path / "s.csv", "\n".join([lines[0], *reversed(lines[1:6])]) + "\n")
    full, part = tmp_path / "full.enc", tmp_path / "part.enc"
    assert_ok(encode(runner, SAMPLE, full))
    assert_ok(encode(runner, shuffled, part))
    refs_full = decrypted_arrays(full)[1]["refs"].tolist()
    refs_part = decrypted_arrays(part)[1]["refs"].tolist()
    assert refs_part == list(reversed(refs_full[:5]))


# -- user-supplied text in messages ----------------------------------------------------

def test_skipped_message_names_a_file_with_brackets(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "clients[old].csv", "Client ID,First Name,Last Name\n1,Ana,Smith\n2,,\n")
    result = encode(runner, src, tmp_path / "r.enc")
    assert_ok(result)
    assert f"Skipped {src}, line 3: no name" in flat(result.stderr)


def test_column_name_with_markup_does_not_crash(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "c.csv", "First Name,Last Name,Tel [/x]\nAna,Smith,555-010-2233\n")
    result = encode(runner, src, tmp_path / "r.enc", "--map", "Tel [/x]=phone")
    assert_ok(result)
    assert "phone (Tel [/x])" in flat(result.stderr)


def test_client_refs_are_unique_within_a_roster(runner, tmp_path, key_env):
    src = write_csv(tmp_path / "c.csv", (
        "First Name,Last Name,Status\n"
        "Maria,Garcia,Active\n"
        "Bo,Lind,Active\n"
        "Maria,Garcia,Discharged\n"
    ))
    out = tmp_path / "r.enc"
    assert_ok(encode(runner, src, out))
    refs = decrypted_arrays(out)[1]["refs"].tolist()
    assert len(refs) == len(set(refs)), refs
