"""Associated persons (AAMFT 1.3): a client's partner or family member on the roster.

They are encoded like clients, under their client's client_ref, and a match to
one gets its own category; nothing says whose name matched, and the roster
holds no name in clear.
"""

from __future__ import annotations

import json
from pathlib import Path

from auditor.clients import read_clients
from tests.helpers import assert_ok, run
from tests.test_roster import _cases, assert_no_identifiers

ROSTER = """\
Client ID,First Name,Last Name,E-mail,Status,Clinician,Family Members
MRN-7001,Perpetua,Quennell,p.quennell@example.org,Active,Dr. Ysolde Brannigan,Thaddeus Quennell; Marisol Escobedo-Quennell
MRN-7002,Lucan,Ferriter,l.ferriter@example.net,Discharged,Dr. Ysolde Brannigan,
"""
FAMILY = ("Thaddeus Quennell", "Marisol Escobedo-Quennell")

CONNECTIONS = """\
platform,relation,account,display_name,username
facebook,friend,personal,Thaddeus Quennell,thaddeus.q
facebook,friend,personal,Ottoline Vayssière,ottoline.v
"""


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "clients.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def test_family_column_is_read_as_associated_persons(tmp_path):
    loaded = read_clients(_roster(tmp_path))
    assert loaded.columns["associated"] == ["Family Members"]
    first = next(r for r in loaded.records if r.client_id == "MRN-7001")
    assert first.associated == list(FAMILY)


def test_associated_names_are_not_in_the_roster_file(runner, tmp_path, key_env):
    src = _roster(tmp_path)
    result = run(runner, "roster", "encode", src, "-o", tmp_path / "roster.enc")
    assert_ok(result)
    assert "2 associated persons" in result.stderr
    identifiers: set[str] = set()
    for name in FAMILY:
        identifiers |= _cases(name)
        for word in name.replace("-", " ").split():
            identifiers |= _cases(word)
    assert_no_identifiers(tmp_path / "roster.enc", identifiers)
    info = run(runner, "roster", "info", tmp_path / "roster.enc")
    assert "clients:         2" in info.output and "associated:      2" in info.output


def test_match_to_a_family_member_is_its_own_category_under_the_clients_ref(runner, tmp_path, key_env):
    src = _roster(tmp_path)
    assert_ok(run(runner, "roster", "encode", src, "-o", tmp_path / "roster.enc"))
    conns = tmp_path / "connections.csv"
    conns.write_text(CONNECTIONS, encoding="utf-8")
    out = tmp_path / "out"
    result = run(runner, "audit", "--roster", tmp_path / "roster.enc", "--connections", conns, "--out", out,
                 "--format", "json,html", "--no-store")
    assert_ok(result)
    document = json.loads((out / "findings.json").read_text())
    [finding] = document["findings"]
    refs = run(runner, "roster", "resolve", src, "--roster", tmp_path / "roster.enc").output
    client_ref = next(line.split(",")[0] for line in refs.splitlines() if line.endswith(",MRN-7001"))
    assert finding["client_ref"] == client_ref
    assert finding["client_status"] == "associated"
    assert finding["ruling"]["category"] == "associated person"
    assert any("family" in note.lower() or "associated" in note.lower() for note in finding["ruling"]["notes"])
    # The compliance report re-rendered from it names no one.
    assert_ok(run(runner, "report", out / "findings.json", "--audience", "compliance", "--format", "html,csv",
                  "-o", f"{tmp_path / 'compliance'}/"))
    for path in (tmp_path / "compliance").iterdir():
        text = path.read_text(encoding="utf-8").casefold()
        for word in ("thaddeus", "quennell", "marisol", "escobedo", "perpetua"):
            assert word not in text, (word, path.name)


def test_clinician_ids_without_letters_keep_their_own_pseudonym(tmp_path):
    """An EHR that lists clinicians by number must not put every client under 'no clinician'."""
    path = tmp_path / "clients.csv"
    path.write_text("Client ID,Name,Clinician\n1,Ana Ferreira,17\n2,Otto Brandauer,T-042\n3,Ida Voss,\n",
                    encoding="utf-8")
    clinicians = [r.clinician for r in read_clients(path).records]
    assert clinicians[0] and clinicians[1] and clinicians[0] != clinicians[1]
    assert clinicians[2] == ""
