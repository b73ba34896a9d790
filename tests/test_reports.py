"""Reports per audience: the canary test (issue 5, must show 2), the view types, suppression,
`auditor report`, and the demo's HTML reports (must show 5).

The canary: unique marker strings planted as roster names, e-mails, phones and
client ids, and as connection handles, display names and the therapist's
account name. Every format is rendered for every audience, by `audit` and by
`report`; compliance and external outputs hold no connection marker (in any
letter case), no output holds a roster marker, and every file is 0600.
"""

from __future__ import annotations

import dataclasses
import json
import re
import stat
import typing
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.explain import Evidence
from auditor.findings import AuditResult, Finding, InputSummary
from connectors.interface import Connection
from reports import views
from reports.csv_report import safe_cell
from reports.interface import Audience
from reports.markdown import md
from reports.registry import FILE_FORMATS, FORMATS, RENDERERS
from reports.suppress import suppress_table
from tests.conftest import FIXED_SECRET

# -- the planted data ----------------------------------------------------------------

ROSTER_CSV = """Client ID,First Name,Last Name,E-mail,Mobile Phone,Status,Discharge Date
CIDMARKA1,Zephyrine,Quillfeatherby,emlmarkera@example.org,+1 555 013 4401,current,
CIDMARKB2,Ottoline,Brambleworth,emlmarkerb@example.net,+1 555 013 4402,former,2023-06-30
CIDMARKC3,Hesperus,Vantongeren,emlmarkerc@example.com,+1 555 013 4403,current,
CIDMARKD4,Marisol,Ekwueme,emlmarkerd@example.org,+1 555 013 4404,current,
CIDMARKE5,Thaddeus,Wolstenholme,emlmarkere@example.net,+1 555 013 4405,current,
"""
ROSTER_MARKERS = [
    "CIDMARKA1", "CIDMARKB2", "CIDMARKC3", "CIDMARKD4", "CIDMARKE5",
    "Zephyrine", "Quillfeatherby", "Ottoline", "Brambleworth", "Hesperus", "Vantongeren", "Marisol", "Ekwueme",
    "Thaddeus", "Wolstenholme",
    "emlmarkera", "emlmarkerb", "emlmarkerc", "emlmarkerd", "emlmarkere",
    *[f"555 013 440{i}" for i in range(1, 6)], *[f"5550134{40 + i}" for i in range(1, 6)],
    *[f"013-440{i}" for i in range(1, 6)],
]

CONNECTIONS_NAME = "conn_canary_list.csv"
CONNECTIONS_CSV = """id,platform,relation,account,display_name,username,email,phone,profile_url,joined_via
r1,instagram,follower,acctmarkerlena,Quorra Wexcombe,hndlmarkera,emlmarkera@example.org,,,
r2,facebook,mutual,,Ottoline Brambleworth,hndlmarkerb,,,https://www.facebook.com/hndlmarkerb,
r3,x,following,,Pellam Drusk,hndlmarkerc,,+1 555 013 4403,,
r4,mailchimp,subscriber,,Marisol Ekwueme,,emlmarkerd@example.org,,,imported
r5,instagram,follower,,Ysolde Farthingale,hndlmarkere,,,,
r6,facebook,mutual,,Hesperus Vantongeren,hndlmarkerf,,,,
"""
# Connection-side markers: the therapist may see the handles (and its own account name); nobody else may.
HANDLE_MARKERS = ["hndlmarkera", "hndlmarkerb", "hndlmarkerc", "hndlmarkerf", "acctmarkerlena"]
DISPLAY_MARKERS = ["Quorra", "Wexcombe", "Pellam", "Drusk"]
# A connection that matches nobody must not appear anywhere (design.md, invariant 6 in spirit).
NON_MATCH_MARKERS = ["Ysolde", "Farthingale", "hndlmarkere"]
AUDIENCES = ("therapist", "compliance", "external")


def _run(runner: CliRunner, *args: object):
    return runner.invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Encode the planted roster, audit the planted list for every audience and format, and re-render."""
    base = tmp_path_factory.mktemp("canary")
    (base / "clients.csv").write_text(ROSTER_CSV)
    (base / CONNECTIONS_NAME).write_text(CONNECTIONS_CSV)
    runner = CliRunner()
    outputs: dict[str, dict[str, str]] = {a: {} for a in AUDIENCES}   # audience -> where -> text
    files: list[Path] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDITOR_KEY", FIXED_SECRET.hex())
        result = _run(runner, "roster", "encode", base / "clients.csv", "-o", base / "roster.enc")
        assert result.exit_code == 0, result.output
        for audience in AUDIENCES:
            out = base / f"audit-{audience}"
            result = _run(runner, "audit", "--roster", base / "roster.enc", "--connections", base / CONNECTIONS_NAME,
                          "--out", out, "--format", ",".join(FORMATS), "--audience", audience)
            assert result.exit_code == 0, result.output
            outputs[audience]["audit stdout"] = result.stdout
            outputs[audience]["audit stderr"] = result.stderr
            for path in sorted(out.iterdir()):
                files.append(path)
                outputs[audience][str(path)] = path.read_text()
        findings = base / "audit-therapist" / "findings.json"
        for audience in AUDIENCES:
            out = base / f"report-{audience}"
            result = _run(runner, "report", findings, "--audience", audience, "--format", ",".join(FORMATS),
                          "-o", f"{out}/")
            assert result.exit_code == 0, result.output
            outputs[audience]["report stdout"] = result.stdout
            outputs[audience]["report stderr"] = result.stderr
            for path in sorted(out.iterdir()):
                files.append(path)
                outputs[audience][str(path)] = path.read_text()
    return {"base": base, "outputs": outputs, "files": files,
            "findings": json.loads(findings.read_text())}


def _hits(text: str, markers: list[str]) -> list[str]:
    folded = text.casefold()
    return [m for m in markers if m.casefold() in folded]


def test_canary_audit_found_the_planted_clients(canary):
    """The control: without findings the canary would prove nothing."""
    document = canary["findings"]
    sources = {f["connection"]["id"] for f in document["findings"]}
    assert {"r1", "r2", "r3", "r4", "r6"} <= sources, document["findings"]
    assert "r5" not in sources
    therapist = "\n".join(canary["outputs"]["therapist"].values())
    for marker in ["hndlmarkera", "hndlmarkerb", "hndlmarkerf"]:
        assert marker in therapist      # the therapist's own handles are shown to the therapist


def test_canary_every_audience_wrote_every_format(canary):
    names = {Path(p).name for a in AUDIENCES for p in canary["outputs"][a] if "/" in p}
    for audience in AUDIENCES:
        for fmt in FILE_FORMATS:
            wanted = "findings.json" if (audience, fmt) == ("therapist", "json") else f"report-{audience}.{fmt}"
            assert wanted in names
    for audience in AUDIENCES:     # the terminal table was printed too
        assert canary["outputs"][audience]["report stdout"].strip()


@pytest.mark.parametrize("audience", ["compliance", "external"])
def test_canary_compliance_and_external_hold_no_connection_marker(canary, audience):
    for where, text in canary["outputs"][audience].items():
        assert not _hits(text, HANDLE_MARKERS + DISPLAY_MARKERS + NON_MATCH_MARKERS), where
        assert CONNECTIONS_NAME not in text, f"{where} names an input file"
        assert '"score"' not in text and ">Score<" not in text, f"{where} shows a similarity score"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_canary_no_output_holds_a_roster_marker(canary, audience):
    for where, text in canary["outputs"][audience].items():
        assert not _hits(text, ROSTER_MARKERS), where
        assert not _hits(text, NON_MATCH_MARKERS), where


def test_canary_files_are_private(canary):
    assert canary["files"]
    for path in canary["files"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((canary["base"] / "audit-compliance").stat().st_mode) == 0o700


def test_every_report_states_audience_time_policy_inputs_thresholds_and_banner(canary):
    generated = canary["findings"]["generated_at"]
    for audience in AUDIENCES:
        for where, text in canary["outputs"][audience].items():
            if where.endswith("stderr"):
                continue
            flat = " ".join(text.split())
            assert audience in flat, where
            # each audit has its own time; a re-rendered report states the time of the audit it came from
            assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", flat), where
            if where.startswith(str(canary["base"] / "report-")):
                assert generated in flat, where
            assert "aca (ACA 2014)" in flat, where
            assert "CONFIDENTIAL" in flat or "Contains protected health information" in flat, where
            assert "likely" in flat and ("0.80" in flat or "0.8" in flat), where
            assert "instagram" in flat and "mailchimp" in flat, where


def test_compliance_json_schema_has_no_scores_or_handles(canary):
    path = next(p for p in canary["outputs"]["compliance"] if p.endswith("report-compliance.json"))
    document = json.loads(Path(path).read_text())
    assert document["schema"] == "connection-auditor/compliance@1"
    assert document["inputs"] and all(set(i) == {"platform", "files", "records", "skipped"}
                                      for i in document["inputs"])
    row = document["findings"][0]
    assert set(row) == {f.name for f in dataclasses.fields(views.ComplianceFinding)}
    assert "score" not in json.dumps(document["findings"])


def test_external_json_suppresses_small_counts(canary):
    path = next(p for p in canary["outputs"]["external"] if p.endswith("report-external.json"))
    document = json.loads(Path(path).read_text())
    assert document["schema"] == "connection-auditor/summary@1"
    assert document["small_count_threshold"] == 11
    counts = document["findings"]
    assert counts["total"] == "<11"                   # 5 findings
    assert counts["by_severity"]["H"] in (0, "<11")
    for table in ("by_severity", "by_tier", "by_platform", "by_category"):
        for value in counts[table].values():
            assert value == 0 or value in ("<11", "withheld") or value >= 11


def test_report_rerender_matches_the_audits_own_report(canary):
    outputs = canary["outputs"]["compliance"]
    from_audit = json.loads(next(t for p, t in outputs.items() if p.endswith("audit-compliance/report-compliance.json")))
    rerendered = json.loads(next(t for p, t in outputs.items() if p.endswith("report-compliance/report-compliance.json")))
    for key in ("findings", "counts", "policy", "inputs", "thresholds"):
        # the audits ran separately, so finding ids agree but the report times differ
        assert from_audit[key] == rerendered[key], key


def test_therapist_json_round_trips(canary, tmp_path):
    source = canary["base"] / "audit-therapist" / "findings.json"
    target = tmp_path / "again.json"
    result = _run(CliRunner(), "report", source, "--audience", "therapist", "--format", "json", "-o", target)
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text()) == json.loads(source.read_text())


# -- `auditor report` refuses what it cannot do ----------------------------------------

def _one_line_error(result) -> str:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditor: error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("name", ["report-compliance.json", "report-external.json"])
def test_report_cannot_make_a_fuller_report_from_a_derived_one(canary, name):
    derived = canary["base"] / f"audit-{name.split('-')[1].split('.')[0]}" / name
    result = _run(CliRunner(), "report", derived, "--audience", "therapist", "--format", "html")
    line = _one_line_error(result)
    assert "no longer holds what other reports need" in line and "findings.json" in line


def test_report_errors(canary, tmp_path):
    runner = CliRunner()
    source = canary["base"] / "audit-therapist" / "findings.json"
    bogus = tmp_path / "x.json"
    bogus.write_text('{"schema": "other"}')
    assert "not a connection-auditor/findings@1 file" in _one_line_error(
        _run(runner, "report", bogus, "--audience", "compliance"))
    assert "several formats" in _one_line_error(
        _run(runner, "report", source, "--audience", "compliance", "--format", "html,md", "-o", tmp_path / "a.html"))
    assert "would overwrite" in _one_line_error(
        _run(runner, "report", source, "--audience", "therapist", "--format", "json"))
    assert "unknown format" in _one_line_error(
        _run(runner, "report", source, "--audience", "compliance", "--format", "pdf"))
    assert "no such file" in _one_line_error(_run(runner, "report", tmp_path / "nope.json", "--audience", "external"))


def test_audit_rejects_unknown_formats(canary):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDITOR_KEY", FIXED_SECRET.hex())
        base = canary["base"]
        result = _run(CliRunner(), "audit", "--roster", base / "roster.enc", "--connections",
                      base / CONNECTIONS_NAME, "--out", base / "never", "--format", "json,xml")
    assert "xml" in _one_line_error(result)
    assert not (base / "never").exists()


# -- the audience is a type ----------------------------------------------------------

FORBIDDEN_FIELDS = {"username", "display_name", "email", "phone", "profile_url", "source", "path", "score",
                    "evidence", "connection", "account", "accounts", "input_files", "ignored", "notes"}
FORBIDDEN_TYPES = (Connection, Finding, AuditResult, views.ConnectionShown, views.TherapistFinding)


def _walk(cls: type, seen: set[type]) -> list[tuple[str, object]]:
    """Every (field name, annotated type) reachable from a dataclass."""
    found = []
    if cls in seen or not dataclasses.is_dataclass(cls):
        return found
    seen.add(cls)
    for name, hint in typing.get_type_hints(cls).items():
        found.append((name, hint))
        for arg in [hint, *typing.get_args(hint)] + [a for h in typing.get_args(hint) for a in typing.get_args(h)]:
            if isinstance(arg, type):
                found += _walk(arg, seen)
    return found


@pytest.mark.parametrize("view", [views.ComplianceView, views.ExternalView])
def test_compliance_and_external_views_cannot_hold_a_handle(view):
    fields = _walk(view, set())
    names = {name for name, _ in fields}
    assert not names & FORBIDDEN_FIELDS
    for _, hint in fields:
        for arg in [hint, *typing.get_args(hint)]:
            assert not (isinstance(arg, type) and issubclass(arg, FORBIDDEN_TYPES)), (view, hint)


def test_each_renderer_receives_its_own_audiences_view():
    wanted = {Audience.THERAPIST: views.TherapistView, Audience.COMPLIANCE: views.ComplianceView,
              Audience.EXTERNAL: views.ExternalView}
    assert {(a, f) for a in Audience for f in FORMATS} == set(RENDERERS)
    for (audience, _), cls in RENDERERS.items():
        hints = typing.get_type_hints(cls.render) if "render" in cls.__dict__ else \
            typing.get_type_hints(cls.show)
        assert hints["view"] is wanted[audience], cls


def _result(findings: list[Finding], policy: list[str] | None = None) -> AuditResult:
    return AuditResult(generated_at="2026-01-01T00:00:00Z", roster_fingerprint="aaaa-bbbb", roster_clients=9,
                       inputs=[InputSummary("/home/acctmarker/x.csv", "instagram", 4, 0)], ignored=[],
                       findings=findings, connections_read=4, policy=policy or [],
                       thresholds={"likely": 0.8, "possible": 0.3})


def test_views_from_a_result_without_policy_still_state_it():
    conn = Connection(platform="instagram", relation="follower", source="/home/acctmarker/x.csv:line 2",
                      username="<script>alert(1)</script>", display_name="Ann Bee", email="ann@example.org")
    finding = Finding("F-1", "C-1", 0.9, "likely", False, [Evidence("surname", "exact", 3.0, "surname matches")],
                      conn)
    result = _result([finding])
    therapist = views.therapist_view(result, now="2026-01-02T00:00:00Z")
    assert therapist.findings[0].connection.display_name == "A. B."
    assert therapist.findings[0].connection.email == "a…@example.org"
    assert therapist.findings[0].severity == views.UNRATED
    compliance = views.compliance_view(result)
    assert compliance.header.policy.preset.startswith("not recorded")
    assert "acctmarker" not in repr(compliance) and "script" not in repr(compliance)
    external = views.external_view(result)
    assert external.total.text == "<11" and "acctmarker" not in repr(external)


# -- suppression -----------------------------------------------------------------------

def test_small_counts_and_zero():
    shown = dict(suppress_table([("V", 3), ("H", 0), ("R", 2)], 11))
    assert shown["V"].text == "<11" and shown["R"].text == "<11" and shown["H"].text == "0"
    assert shown["V"].value is None and shown["H"].value == 0


def test_a_lone_small_count_cannot_be_subtracted_out():
    shown = dict(suppress_table([("V", 3), ("H", 12), ("R", 0), ("I", 40)], 11))
    assert shown["V"].text == "<11"
    hidden = [k for k, c in shown.items() if c.hidden]
    assert len(hidden) >= 2                 # a larger cell is withheld with it
    assert shown["I"].text == "withheld"    # 12 alone would pin V to at most 4; 40 leaves it 1..10


def test_threshold_zero_or_one_shows_everything():
    assert [c.text for _, c in suppress_table([("V", 1), ("H", 2)], 1)] == ["1", "2"]
    assert [c.text for _, c in suppress_table([("V", 1), ("H", 2)], 0)] == ["1", "2"]


def test_practice_threshold_is_used(canary, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('preset = "aca"\n[reports]\nsmall_count_threshold = 3\n')
    base = canary["base"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDITOR_KEY", FIXED_SECRET.hex())
        result = _run(CliRunner(), "audit", "--roster", base / "roster.enc", "--connections", base / CONNECTIONS_NAME,
                      "--out", tmp_path / "out", "--format", "json", "--audience", "external", "--policy", policy)
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "out" / "report-external.json").read_text())
    assert document["small_count_threshold"] == 3
    assert document["findings"]["total"] == 5
    assert set(document["findings"]["by_tier"].values()) <= {0, "<3", "withheld", 3, 4, 5}


# -- escaping helpers ----------------------------------------------------------------------

@pytest.mark.parametrize("cell,expected", [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "+1"),
                                           ("-", "-"), ("@evil", "'@evil"), ("-0.5", "-0.5"), (True, "yes")])
def test_csv_cells_never_run_as_formulas(cell, expected):
    assert safe_cell(cell) == expected


def test_markdown_escapes_tables_and_html():
    assert md("a|b <img src=x> *x*") == "a\\|b &lt;img src=x&gt; \\*x\\*"


# -- the demo (must show 5) ----------------------------------------------------------------

def test_demo_writes_therapist_and_compliance_html_and_says_where(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    therapist, compliance = out / "report-therapist.html", out / "report-compliance.html"
    for path in (therapist, compliance):
        assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.resolve().as_uri() in result.stderr
    assert "@priya.raghunathan" in therapist.read_text() or "priya.raghunathan" in therapist.read_text()
    assert "priya.raghunathan" not in compliance.read_text()
    assert ">Score<" not in compliance.read_text() and ">Score<" in therapist.read_text()
