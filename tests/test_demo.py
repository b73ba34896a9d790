"""The demo on sample_data: every planted client found, no look-alike above `possible`,
and nothing it writes or prints holds a roster identifier."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

import sample_data
from auditor.cli import cli
from auditor.clients import read_clients
from auditor.keys import PracticeKey, read_key_file
from auditor.roster import assign_refs
from sample_data._generate import CLIENTS, LOOKALIKES, PLANTED

STRONGER = {"confirmed": 3, "likely": 2, "possible": 1}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("demo") / "auditor-demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    findings = json.loads((out / "findings.json").read_text())
    keys = PracticeKey(read_key_file(out / "DEMO-ONLY-practice.key"), "demo").subkeys()
    records = read_clients(sample_data.CLIENTS_CSV).records
    refs = dict(zip((r.client_id for r in records), assign_refs(keys, records)))
    return out, result, findings, refs


def _by_locator(findings: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for f in findings["findings"]:
        locator = f["connection"]["source"].rsplit("/", 1)[-1]
        found.setdefault(locator, []).append(f)
    return found


@pytest.mark.parametrize("platform,locator,client_id,how,floor", PLANTED,
                         ids=[f"{p[2]}-{p[3]}" for p in PLANTED])
def test_demo_finds_planted_client(demo_run, platform, locator, client_id, how, floor):
    _, _, findings, refs = demo_run
    hits = _by_locator(findings).get(locator, [])
    assert hits, f"planted {how} ({locator}) was not found"
    best = hits[0]
    assert best["client_ref"] == refs[client_id]
    assert best["connection"]["platform"] in (platform, "mailchimp")
    assert STRONGER[best["tier"]] >= STRONGER[floor], (how, best["tier"], best["evidence"])
    if floor == "possible":   # initial + surname: never more than possible
        assert best["tier"] == "possible"


@pytest.mark.parametrize("platform,locator,why", LOOKALIKES, ids=[x[2] for x in LOOKALIKES])
def test_demo_flags_no_lookalike_above_possible(demo_run, platform, locator, why):
    _, _, findings, _ = demo_run
    for hit in _by_locator(findings).get(locator, []):
        assert hit["tier"] == "possible", (why, hit)


def test_demo_reports_nothing_unplanted_above_possible(demo_run):
    _, _, findings, _ = demo_run
    planted = {p[1] for p in PLANTED}
    extra = [f for loc, fs in _by_locator(findings).items() if loc not in planted for f in fs
             if f["tier"] != "possible"]
    assert not extra


def test_demo_outputs_are_private_and_hold_no_roster_identifier(demo_run):
    out, result, findings, _ = demo_run
    for name in ("findings.json", "roster.enc", "DEMO-ONLY-practice.key", "history.sqlite"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    blobs = {name: (out / name).read_bytes() for name in ("findings.json", "roster.enc", "history.sqlite")}
    blobs["terminal"] = result.output.encode()
    for row in CLIENTS:
        client_id, first, last, preferred, other, email, phone = row[:7]
        needles = {f"{first} {last}", f"{last}, {first}", f"{last} {first}", client_id and f'"{client_id}"'}
        needles |= {email, email.lower(), phone, "".join(ch for ch in phone if ch.isdigit())}
        for needle in filter(None, needles):
            for where, blob in blobs.items():
                assert needle.encode() not in blob, f"{needle!r} found in {where}"
                assert needle.lower().encode() not in blob.lower(), f"{needle!r} found in {where}"


def test_demo_schema(demo_run):
    _, _, findings, _ = demo_run
    assert findings["schema"] == "connection-auditor/findings@1"
    assert findings["roster"]["clients"] == len(CLIENTS)
    assert {i["platform"] for i in findings["inputs"]} >= {"facebook", "instagram", "mailchimp"}
    for f in findings["findings"]:
        assert f["finding_id"].startswith("F-") and f["client_ref"].startswith("C-")
        assert set(f["connection"]) == {"id", "platform", "relation", "account", "display_name", "username",
                                        "email", "profile_url", "joined_via", "source"}
    assert any(i["path"].endswith("profile_information.json") for i in findings["ignored"])


def test_finding_ids_are_stable_across_runs(tmp_path: Path, demo_run):
    from click.testing import CliRunner

    out, _, first, _ = demo_run
    key = out / "DEMO-ONLY-practice.key"
    second = tmp_path / "again"
    result = CliRunner().invoke(cli, ["--key-file", str(key), "audit", "--roster", str(out / "roster.enc"),
                                      "--connections", str(sample_data.EXPORTS), "--out", str(second)])
    assert result.exit_code == 0, result.output
    again = json.loads((second / "findings.json").read_text())
    ids = lambda doc: {(f["finding_id"], f["client_ref"], f["connection"]["source"]) for f in doc["findings"]}
    assert ids(first) == ids(again)


def test_findings_show_reveal_prints_clear_names_and_writes_nothing(demo_run):
    from click.testing import CliRunner

    out, _, _, _ = demo_run
    before = sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir())
    masked = CliRunner().invoke(cli, ["findings", "show", str(out)])
    revealed = CliRunner().invoke(cli, ["findings", "show", str(out), "--reveal"])
    assert masked.exit_code == 0 and revealed.exit_code == 0, revealed.output
    assert "Margaret Okafor" not in masked.output and "M. O." in masked.output
    assert "Margaret Okafor" in revealed.output and "Becky Albright" in revealed.output
    assert sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir()) == before


def test_findings_show_rejects_other_files(tmp_path):
    from click.testing import CliRunner

    bogus = tmp_path / "findings.json"
    bogus.write_text('{"schema": "something-else"}')
    result = CliRunner().invoke(cli, ["findings", "show", str(tmp_path)])
    assert result.exit_code != 0 and "not a connection-auditor/findings@1 file" in result.output


def test_demo_again_keeps_its_key_and_leads_with_what_changed(tmp_path: Path):
    """A second `auditor demo` in the same folder reuses the demo key and history, so it shows a diff."""
    from click.testing import CliRunner

    out = tmp_path / "demo"
    first = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert first.exit_code == 0, first.output
    key = (out / "DEMO-ONLY-practice.key").read_bytes()
    assert "first audit" in first.output
    second = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert (out / "DEMO-ONLY-practice.key").read_bytes() == key
    changed = second.output.index("What changed since the last audit")
    assert changed < second.output.index("Inputs read")
    assert "Nothing new, regressed, expired or gone" in second.output[changed:changed + 400]
    verify = CliRunner().invoke(cli, ["--key-file", str(out / "DEMO-ONLY-practice.key"), "log", "verify",
                                      "--store", str(out / "history.sqlite")])
    assert verify.exit_code == 0 and "2 log entries" in verify.output, verify.output
