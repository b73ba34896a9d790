"""Reports lead with what changed since the last audit (issue 6), each audience as it may see it.

Two runs are recorded in a real history store with labels in between (resolve,
accept with a past --until, accept, false-positive), so the second run holds
every kind of change: new, regressed, acceptance expired, still marked false
positive, still open, still accepted, and gone. Every format is rendered for
every audience: the change section comes before the inputs and the findings,
with the right counts and finding ids; compliance holds no handle, name or
path; external holds counts only, small ones suppressed; findings.json
carries the changes and `auditor report` re-renders them.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import re
import typing
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.explain import Evidence
from auditor.findings import AuditResult, Finding, InputSummary
from auditor.history import open_store
from auditor.history.changes import Change, RunChanges
from auditor.keys import PracticeKey
from auditor.policy import Ruling
from connectors.interface import Connection
from reports import views
from reports.csv_report import COMPLIANCE_COLUMNS, THERAPIST_COLUMNS
from reports.html_assets import JS
from reports.interface import Audience
from reports.json_report import FindingsJson
from reports.load import load_result, result_from_document
from reports.registry import FORMATS, renderer
from reports.views import CHANGES_TITLE, build_view
from tests.conftest import FIXED_SECRET

NOW = "2026-11-22T07:00:00Z"
KEYS = PracticeKey(FIXED_SECRET, "test").subkeys()
AUDIENCES = tuple(Audience)
HANDLE = "hndlchg"          # + number: the connection's handle (therapist only)
DISPLAY = "Dispmarkchg"     # display names are masked even for the therapist
SOURCE_DIR = "/home/acctmarkchg/exports"


def _fid(i: int) -> str:
    return f"F-CHG{i:06d}"


def _finding(i: int, severity: str = "V") -> Finding:
    conn = Connection(platform="instagram", relation="follower", source=f"{SOURCE_DIR}/followers.csv:line {i}",
                      username=f"{HANDLE}{i}", display_name=f"{DISPLAY}{i} Smith", account="acctmarkchg")
    ruling = Ruling(_fid(i), f"C-CHG{i:03d}", "aca", "ACA Code of Ethics (2014)", "digital: follower",
                    "c2t-personal", "personal", "current", "current", "", severity, "aca:c2t-personal.current",
                    ("ACA H.6.b",), "review", "Review the tie.")
    return Finding(_fid(i), f"C-CHG{i:03d}", 0.91, "likely", False,
                   [Evidence("username", "in-username", 2.5, "the surname is in the username")], conn, "current",
                   ruling=ruling)


def _result(ids: list[int], policy: list[str] | None = None) -> AuditResult:
    return AuditResult(generated_at="2026-11-22T06:00:00Z", roster_fingerprint="0a1b-2c3d-4e5f-6a7b",
                       roster_clients=40, inputs=[InputSummary(f"{SOURCE_DIR}/followers.csv", "instagram", 300, 0)],
                       ignored=[], findings=[_finding(i, "V" if i % 2 else "R") for i in ids],
                       connections_read=300,
                       policy=policy or ["preset:           aca (ACA 2014)",
                                         "edition:          ACA Code of Ethics (2014)",
                                         "small counts:     suppressed below 11 in external reports"],
                       thresholds={"likely": 0.8, "possible": 0.3}, platforms_read=["instagram"])


def _document(result: AuditResult) -> dict:
    return json.loads(FindingsJson().render(build_view(result, Audience.THERAPIST, NOW)))


#: what the second run must find, by change
EXPECTED = {
    Change.NEW: [_fid(6), _fid(7)],
    Change.REGRESSED: [_fid(2)],
    Change.EXPIRED: [_fid(3)],
    Change.SUPPRESSED: [_fid(4)],
    Change.STILL_OPEN: [_fid(8)],
    Change.ACCEPTED: [_fid(9)],
    Change.GONE: [_fid(1), _fid(5)],
}
LEAD_IDS = [*EXPECTED[Change.NEW], *EXPECTED[Change.REGRESSED], *EXPECTED[Change.EXPIRED], *EXPECTED[Change.GONE]]


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> AuditResult:
    """The second of two recorded runs, with every kind of change."""
    store = tmp_path_factory.mktemp("history") / "store.sqlite"
    with open_store(store, KEYS) as history:
        first = _result([1, 2, 3, 4, 5, 8, 9])
        first.changes = history.record_run(first, _document(first))
        assert first.changes.previous_run is None
        history.dispose(_fid(2), "resolve", "removed the follower")
        history.dispose(_fid(3), "accept", "former client, public page", until=date(2020, 1, 1))
        history.dispose(_fid(4), "false-positive", "not the client")
        history.dispose(_fid(9), "accept", "professional page, reviewed")
        second = _result([2, 3, 4, 6, 7, 8, 9])
        second.changes = history.record_run(second, _document(second))
    assert {c: sorted(ids) for c, ids in second.changes.by_change.items() if ids} == EXPECTED
    return second


def _render(result: AuditResult, audience: Audience, fmt: str) -> str:
    return renderer(audience, fmt).render(build_view(result, audience, NOW))


# -- the views --------------------------------------------------------------------------

def test_therapist_and_compliance_views_carry_counts_ids_and_row_labels(changed):
    for audience in (Audience.THERAPIST, Audience.COMPLIANCE):
        view = build_view(changed, audience, NOW)
        c = view.changes
        assert c is not None and not c.first_audit and c.previous_run is not None
        assert c.title.startswith(CHANGES_TITLE + " (") and c.previous_at[:10] in c.title
        counts = {k.change: k.count for k in c.classes}
        assert counts == {ch.value: len(EXPECTED.get(ch, [])) for ch in Change}
        assert {k.change: sorted(k.finding_ids) for k in c.shown} == {ch.value: ids for ch, ids in EXPECTED.items()}
        assert [k.change for k in c.classes][:2] == ["new", "regressed"]     # what needs attention leads
        assert sorted(c.gone_ids) == EXPECTED[Change.GONE]
        labels = {f.finding_id: view.change_label(f.finding_id) for f in view.findings}
        assert labels == {_fid(2): "regressed", _fid(3): "acceptance expired", _fid(4): "false positive",
                          _fid(6): "new", _fid(7): "new", _fid(8): "still open", _fid(9): "accepted"}
        assert "2 new" in c.summary and "2 gone (marked resolved)" in c.summary and "1 still open" in c.summary


def test_compliance_view_changes_hold_no_handle(changed):
    view = views.compliance_view(changed, NOW)
    text = repr(view)
    assert HANDLE not in text and DISPLAY.lower() not in text.lower() and "acctmarkchg" not in text


def test_external_view_changes_are_counts_only_and_suppressed(changed):
    view = views.external_view(changed, NOW)
    assert view.changes is not None
    fields = {name for name, _ in _fields(views.ExternalChanges)}
    assert not fields & {"finding_ids", "row_labels", "row_changes", "classes"}
    rows = {change: count.text for change, _, count in view.changes.rows}
    assert rows["new"] == "<11" and rows["gone"] == "<11" and rows["still open"] == "<11"
    assert rows["accepted, facts changed"] == "0"
    assert all(count.value is None or count.value == 0 for _, _, count in view.changes.rows)
    assert "F-CHG" not in repr(view) and "C-CHG" not in repr(view)


def _fields(cls: type) -> list[tuple[str, object]]:
    return list(typing.get_type_hints(cls).items())


def test_external_small_counts_withheld_by_subtraction():
    """new=1 is small; with the total shown, another class must be withheld so new cannot be subtracted out."""
    policy = ["preset: aca (ACA 2014)", "small counts: suppressed below 3 in external reports"]
    result = _result(list(range(10, 22)), policy)                     # 12 findings: the total is shown
    changes = RunChanges(5, 4, "2026-08-20T10:00:00Z")
    changes.by_change[Change.NEW] = [_fid(10)]
    changes.by_change[Change.STILL_OPEN] = [_fid(i) for i in range(11, 18)]
    changes.by_change[Change.ACCEPTED] = [_fid(i) for i in range(18, 22)]
    changes.by_change[Change.GONE] = [_fid(99)]
    result.changes = changes
    document = json.loads(_render(result, Audience.EXTERNAL, "json"))
    assert document["findings"]["total"] == 12
    counts = document["changes"]["counts"]
    assert counts["new"] == "<3" and counts["gone"] == "<3"
    assert "withheld" in (counts["still open"], counts["still accepted"])
    for value in counts.values():
        assert value == 0 or value in ("<3", "withheld") or value >= 3
    assert document["changes"]["previous_at"] == "2026-08-20"
    assert set(document["changes"]) == {"first_audit", "previous_at", "headline", "counts"}


# -- every format, every audience leads with the changes --------------------------------------

#: text that comes after the change section in each format (inputs, overview, findings)
LATER = {
    "table": ["Inputs read", "Findings"],
    "html": ["<h2>Inputs read</h2>", "<h2>Overview</h2>", "<h2>Findings", 'id="findings"'],
    "md": ["## Inputs read", "## Findings"],
    "csv": ["# policy:", "# inputs:"],
}


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "json"])
@pytest.mark.parametrize("audience", AUDIENCES, ids=lambda a: a.value)
def test_every_format_leads_with_what_changed(changed, audience, fmt):
    text = _render(changed, audience, fmt)
    start = text.index(CHANGES_TITLE)
    assert "(none before" not in text and changed.changes.previous_at[:10] in text[start:start + 80]
    for later in LATER[fmt]:
        if later in text:
            assert start < text.index(later), (later, fmt)
    assert text.index("CONFIDENTIAL") < start            # the banner still comes first
    if audience is Audience.EXTERNAL:
        assert "<11" in html.unescape(text[start:]) if fmt in ("html", "md") else "<11" in text[start:]
    else:
        for fid in LEAD_IDS:                              # new, regressed, expired and gone are named
            assert fid in text[start:], fid
        assert "gone (marked resolved)" in text


@pytest.mark.parametrize("audience", AUDIENCES, ids=lambda a: a.value)
def test_json_has_the_change_block(changed, audience):
    document = json.loads(_render(changed, audience, "json"))
    block = document["changes"]
    keys = list(document)
    assert keys.index("changes") < keys.index("findings") and keys.index("changes") < keys.index("inputs")
    assert block["first_audit"] is False and block["previous_at"]
    assert block["headline"].startswith("Since the last audit (")
    if audience is Audience.EXTERNAL:
        assert set(block["counts"]) == {c.value for c in Change}
        assert "F-CHG" not in json.dumps(document)
        return
    assert block["counts"] == {c.value: len(EXPECTED.get(c, [])) for c in Change}
    assert {k: sorted(v) for k, v in block["findings"].items()} == {c.value: ids for c, ids in EXPECTED.items()}
    assert block["run"] == changed.changes.run_id and block["previous_run"] == changed.changes.previous_run
    if audience is Audience.THERAPIST:
        assert document["schema"] == "connection-auditor/findings@1"
        per = {f["finding_id"]: f["change"] for f in document["findings"]}
        assert per[_fid(2)] == "regressed" and per[_fid(6)] == "new" and per[_fid(9)] == "still accepted"
    else:
        # compliance rows keep exactly the ComplianceFinding fields; the ids per change are in the block
        assert all(set(row) == {f.name for f in dataclasses.fields(views.ComplianceFinding)}
                   for row in document["findings"])


@pytest.mark.parametrize("audience", [Audience.THERAPIST, Audience.COMPLIANCE], ids=lambda a: a.value)
def test_csv_has_a_change_column(changed, audience):
    text = _render(changed, audience, "csv")
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    assert list(rows[0])[:2] == ["finding_id", "change"]
    assert list(rows[0]) == list(THERAPIST_COLUMNS if audience is Audience.THERAPIST else COMPLIANCE_COLUMNS)
    labels = {r["finding_id"]: r["change"] for r in rows}
    assert labels[_fid(2)] == "regressed" and labels[_fid(3)] == "acceptance expired" and labels[_fid(7)] == "new"
    assert labels[_fid(4)] == "false positive" and labels[_fid(9)] == "accepted"
    preamble = [line for line in text.splitlines() if line.startswith("# ")]
    assert any(line.startswith(f"# gone (marked resolved): 2 ({_fid(1)} {_fid(5)})") for line in preamble)


def test_external_csv_rows_lead_with_changes(changed):
    text = _render(changed, Audience.EXTERNAL, "csv")
    rows = list(csv.reader(line for line in io.StringIO(text) if not line.startswith("#")))
    assert rows[0] == ["dimension", "value", "findings"]
    assert rows[1][0] == "change" and rows[1][1] == "new" and rows[1][2] == "<11"
    assert ["change", "gone (marked resolved)", "<11"] in rows
    assert rows.index(["total", "all findings", "<11"]) > max(i for i, r in enumerate(rows) if r[0] == "change")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("audience", [Audience.COMPLIANCE, Audience.EXTERNAL], ids=lambda a: a.value)
def test_compliance_and_external_changes_hold_no_handle(changed, audience, fmt):
    text = _render(changed, audience, fmt)
    assert HANDLE not in text and DISPLAY.lower() not in text.lower() and "acctmarkchg" not in text
    assert "followers.csv" not in text and '"score"' not in text
    if audience is Audience.EXTERNAL:
        assert "F-CHG" not in text and "C-CHG" not in text          # counts only


def test_therapist_terminal_lists_what_changed_first(changed):
    text = _render(changed, Audience.THERAPIST, "table")
    table = text.split("Top findings", 1)[1]
    order = [re.search(r"C-CHG\d{3}", line).group(0) for line in table.splitlines() if "C-CHG" in line]
    labels = {f"C-CHG{i:03d}": label for i, label in
              ((6, "new"), (7, "new"), (2, "regressed"), (3, "acceptance"), (4, "false"), (8, "still"), (9, "accepted"))}
    assert [labels[ref] for ref in order][:4] == ["new", "new", "regressed", "acceptance"]
    assert f"@{HANDLE}6" in text


# -- HTML: the section, the column and the filter ----------------------------------------------

@pytest.mark.parametrize("audience", [Audience.THERAPIST, Audience.COMPLIANCE], ids=lambda a: a.value)
def test_html_change_column_and_filter(changed, audience):
    page = _render(changed, audience, "html")
    assert page.index('<section class="changes" id="changes">') < page.index("<h2>Overview</h2>")
    assert '<select id="filter-change">' in page and '<option value="new">new (2)</option>' in page
    assert '<option value="gone"' not in page                 # gone findings are not rows in the table
    assert 'data-change="regressed"' in page and ">Change<" in page
    assert page.count('data-change="new"') == 2
    assert "src=" not in page and "href=" not in page and " style=" not in page
    assert "<script>" + JS + "</script>" in page


@pytest.fixture(scope="module")
def html_report(changed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report-therapist.html"
    path.write_text(_render(changed, Audience.THERAPIST, "html"))
    return path


def test_html_filters_by_change_in_chromium(html_report, tmp_path):
    from tests.test_reports_html import CHROMIUM, chromium, console_lines, page_requests, visible_rows

    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    dom, stderr, netlog = chromium(tmp_path, f"{html_report.as_uri()}?change=new", "--dump-dom")
    shown = visible_rows(dom)
    assert len(shown) == 2 and all('data-change="new"' in row for row in shown)
    assert "2 of 7 findings shown" in dom
    assert not console_lines(stderr)
    assert not [u for u in page_requests(netlog) if not u.startswith("file:")]
    dom, _, _ = chromium(tmp_path, f"{html_report.as_uri()}?q=acceptance+expired", "--dump-dom")
    assert len(visible_rows(dom)) == 1                        # the text filter sees the label too


# -- findings.json keeps the changes; `auditor report` re-renders them ------------------------

def test_findings_json_round_trips_the_changes(changed):
    text = _render(changed, Audience.THERAPIST, "json")
    loaded = result_from_document(json.loads(text))
    assert loaded.changes is not None
    assert {c: sorted(ids) for c, ids in loaded.changes.by_change.items()} == EXPECTED
    assert (loaded.changes.run_id, loaded.changes.previous_run, loaded.changes.previous_at) == \
        (changed.changes.run_id, changed.changes.previous_run, changed.changes.previous_at)
    assert _render(loaded, Audience.THERAPIST, "json") == text
    for audience in AUDIENCES:
        for fmt in FORMATS:
            assert _render(loaded, audience, fmt) == _render(changed, audience, fmt), (audience, fmt)


def test_report_command_rerenders_the_changes(changed, tmp_path):
    source = tmp_path / "findings.json"
    source.write_text(_render(changed, Audience.THERAPIST, "json"))
    result = CliRunner().invoke(cli, ["report", str(source), "--audience", "compliance", "--format", "md,json,table",
                                      "-o", f"{tmp_path}/out/"])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "out" / "report-compliance.md").read_text()
    assert md.index(f"## {CHANGES_TITLE}") < md.index("## Inputs read")
    assert f"| regressed | 1 | {_fid(2)} |" in md
    assert json.loads((tmp_path / "out" / "report-compliance.json").read_text())["changes"]["counts"]["new"] == 2
    assert CHANGES_TITLE in result.stdout and HANDLE not in result.stdout


def test_older_findings_json_without_changes_still_loads(changed, tmp_path):
    document = json.loads(_render(changed, Audience.THERAPIST, "json"))
    del document["changes"]
    for f in document["findings"]:
        del f["change"]
    path = tmp_path / "findings.json"
    path.write_text(json.dumps(document))
    assert load_result(path).changes is None


def test_unknown_change_word_is_left_out(changed):
    document = json.loads(_render(changed, Audience.THERAPIST, "json"))
    document["changes"]["findings"]["some later class"] = ["F-X"]
    loaded = result_from_document(document)
    assert "F-X" not in json.dumps(loaded.changes.as_dict())


# -- no history, first audit ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("audience", AUDIENCES, ids=lambda a: a.value)
def test_without_history_nothing_is_said(audience, fmt):
    result = _result([1, 2])
    text = _render(result, audience, fmt)
    assert CHANGES_TITLE not in text
    assert ">Change<" not in text and "filter-change" not in text.split("<script>")[0]
    if fmt == "json":
        document = json.loads(text)
        assert document["changes"] is None
        if audience is Audience.THERAPIST:
            assert all(f["change"] is None for f in document["findings"])
            assert result_from_document(document).changes is None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("audience", AUDIENCES, ids=lambda a: a.value)
def test_first_audit_says_so(tmp_path, audience, fmt):
    result = _result([1, 2, 3])
    with open_store(tmp_path / "store.sqlite", KEYS) as history:
        result.changes = history.record_run(result, _document(result))
    text = _render(result, audience, fmt)
    if fmt == "json":
        block = json.loads(text)["changes"]
        assert block["first_audit"] is True
        assert block["headline"] == "First audit in this history: every finding is new."
        return
    assert f"{CHANGES_TITLE} (none before: first audit)" in text
    assert "First audit in this history: every finding is new." in text
    if audience is not Audience.EXTERNAL:
        assert "3" in text[text.index(CHANGES_TITLE):]       # 3 new, counted; each row says "new"
        if fmt != "table":
            assert text.count(_fid(1)) == 1                  # ids are not repeated in the section


# -- the whole path: two audits through the CLI ---------------------------------------------

ROSTER = """Client ID,First Name,Last Name,E-mail,Status
K1,Wilhelmina,Quarrington,wq@example.org,current
K2,Barnaby,Oyelaran-Fitch,bof@example.net,current
K3,Clementine,Vasquez-Thorne,cvt@example.com,current
"""
FIRST = """id,platform,relation,account,display_name,username,email,phone,profile_url,joined_via
r1,instagram,follower,,Wilhelmina Quarrington,wquarrington,wq@example.org,,,
r2,instagram,follower,,Barnaby Oyelaran-Fitch,barnaby.of,bof@example.net,,,
"""
SECOND = """id,platform,relation,account,display_name,username,email,phone,profile_url,joined_via
r2,instagram,follower,,Barnaby Oyelaran-Fitch,barnaby.of,bof@example.net,,,
r3,instagram,follower,,Clementine Vasquez-Thorne,clemvt,cvt@example.com,,,
"""


def test_two_audits_through_the_cli_lead_with_the_diff(tmp_path, key_env):
    runner = CliRunner()
    (tmp_path / "clients.csv").write_text(ROSTER)
    (tmp_path / "first.csv").write_text(FIRST)
    (tmp_path / "second.csv").write_text(SECOND)
    store = tmp_path / "store.sqlite"
    result = runner.invoke(cli, ["roster", "encode", str(tmp_path / "clients.csv"), "-o", str(tmp_path / "r.enc")])
    assert result.exit_code == 0, result.output
    documents = []
    for run, connections in (("one", "first.csv"), ("two", "second.csv")):
        result = runner.invoke(cli, ["audit", "--roster", str(tmp_path / "r.enc"), "--connections",
                                     str(tmp_path / connections), "--out", str(tmp_path / run), "--store", str(store),
                                     "--format", "json,md,html,csv"])
        assert result.exit_code == 0, result.output
        assert CHANGES_TITLE in result.stdout
        documents.append(json.loads((tmp_path / run / "findings.json").read_text()))
    first, second = documents
    assert first["changes"]["first_audit"] is True and len(first["findings"]) == 2
    by_id = {f["connection"]["username"]: f["finding_id"] for d in documents for f in d["findings"]}
    assert second["changes"]["findings"] == {"new": [by_id["clemvt"]], "gone": [by_id["wquarrington"]],
                                             "still open": [by_id["barnaby.of"]]}
    md = (tmp_path / "two" / "report-therapist.md").read_text()
    assert md.index(CHANGES_TITLE) < md.index("## Inputs read")
    result = runner.invoke(cli, ["report", str(tmp_path / "two"), "--audience", "compliance", "--format", "html",
                                 "-o", str(tmp_path / "c.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "c.html").read_text()
    assert by_id["wquarrington"] in page and "wquarrington" not in page and "clemvt" not in page
    assert page.index(CHANGES_TITLE) < page.index("<h2>Inputs read</h2>")
