"""The HTML report (issue 5, must show 3): self-contained, escaped, and working in a real browser.

The browser tests run Debian's `chromium` headless and skip, saying why, where
it is missing (CI installs it: see .ci/run). Every run maps every host name to
"not found", so neither the page nor the browser's own background services can
reach the network, and records a net log that the test reads: the page must
request nothing but its own file, and log nothing to the console.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from reports.html import ComplianceHtml, ExternalHtml, TherapistHtml
from reports.html_assets import CSS, JS
from reports.views import compliance_view, external_view, therapist_view
from tests.test_reports import _result, canary  # noqa: F401  (the canary fixture, shared)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium); "
                             "the HTML report's browser checks need it")
URL = re.compile(r"(?:https?|wss?|ftp)://[^\s\"'<>)]+", re.IGNORECASE)


def _report(canary, audience: str) -> Path:  # noqa: F811
    return canary["base"] / f"audit-{audience}" / f"report-{audience}.html"


# -- static checks -------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


@pytest.mark.parametrize("audience", ["therapist", "compliance", "external"])
def test_html_is_self_contained_and_pinned(canary, audience):  # noqa: F811
    html = _report(canary, audience).read_text()
    parser = _Tags()
    parser.feed(html)
    tags = parser.tags
    assert not [t for t, a in tags if t in ("link", "img", "iframe", "object", "embed", "base", "form")]
    assert not [a for t, a in tags if "src" in a or "href" in a or "style" in a], "no fetch, no style attribute"
    csp = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and _sha(CSS) in csp
    assert (_sha(JS) in csp) == (audience != "external")
    assert "@media print" in html
    own_urls = {f["connection"]["profile_url"] for f in canary["findings"]["findings"]} - {""}
    others = set(URL.findall(html)) - (own_urls if audience == "therapist" else set())
    assert not others, others
    assert f"<body class=\"audience-{audience}\">" in html


def test_html_escapes_text_from_exports():
    from auditor.findings import Finding
    from auditor.explain import Evidence
    from connectors.interface import Connection

    conn = Connection(platform="instagram", relation="follower", source="x.csv:line 2",
                      username="<script>alert(1)</script>", profile_url="javascript:alert(2)")
    finding = Finding("F-1", "C-1", 0.9, "likely", False, [Evidence("username", "pattern", 2.0, "<b>x</b>")], conn)
    result = _result([finding])
    html = TherapistHtml().render(therapist_view(result))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html
    assert 'href="javascript' not in html
    for page in (ComplianceHtml().render(compliance_view(result)), ExternalHtml().render(external_view(result))):
        assert "alert" not in page


# -- in the browser -----------------------------------------------------------------------

def chromium(tmp_path: Path, url: str, *extra: str) -> tuple[str, str, dict]:
    """Run headless Chromium on `url`; (stdout, stderr, net log). Nothing can resolve a host name."""
    profile = tmp_path / "chromium-profile"
    netlog = tmp_path / f"netlog-{len(list(tmp_path.glob('netlog-*')))}.json"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
               "--disable-extensions", "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND",
               f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", f"--log-net-log={netlog}",
               "--virtual-time-budget=3000", *extra, url]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr, json.loads(netlog.read_text()) if netlog.exists() else {}


def page_requests(netlog: dict) -> list[str]:
    """URLs the page asked for (the browser's own background requests have no origin and are left out)."""
    types = {v: k for k, v in netlog.get("constants", {}).get("logEventTypes", {}).items()}
    found = []
    for event in netlog.get("events", []):
        params = event.get("params") or {}
        if (types.get(event.get("type")) == "URL_REQUEST_START_JOB" and "url" in params
                and params.get("initiator") != "not an origin"):
            found.append(params["url"])
    return found


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "net::" in line or "ERR_" in line]


def visible_rows(dom: str) -> list[str]:
    """Each findings row's opening tag that is not hidden."""
    body = dom.split('id="findings"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr [^>]*data-severity=[^>]*>", body)
    return [row for row in rows if " hidden" not in row]


@needs_chromium
def test_checks_catch_a_page_that_fetches(tmp_path):
    """The control: a page that loads an image is caught by the net log and console checks."""
    page = tmp_path / "fetches.html"
    page.write_text('<!doctype html><img src="http://127.0.0.1:9/pixel.png"><script>console.log("hi")</script>')
    _, stderr, netlog = chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert any(url.startswith("http://127.0.0.1:9/") for url in page_requests(netlog))
    assert console_lines(stderr)


@needs_chromium
@pytest.mark.parametrize("audience", ["therapist", "compliance", "external"])
def test_report_opens_offline_without_errors_or_requests(canary, tmp_path, audience):  # noqa: F811
    report = _report(canary, audience)
    shot = tmp_path / "report.png"
    _, stderr, netlog = chromium(tmp_path, report.as_uri(), f"--screenshot={shot}", "--window-size=1280,1600")
    assert not console_lines(stderr), console_lines(stderr)
    requests = [u for u in page_requests(netlog) if not u.startswith("file:")]
    assert not requests, requests
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


@needs_chromium
@pytest.mark.parametrize("audience", ["therapist", "compliance"])
def test_findings_table_filters_by_severity_and_text(canary, tmp_path, audience):  # noqa: F811
    report = _report(canary, audience)
    findings = canary["findings"]["findings"]
    every, _, _ = chromium(tmp_path, report.as_uri(), "--dump-dom")
    assert len(visible_rows(every)) == len(findings)
    assert f"{len(findings)} of {len(findings)} findings shown" in every

    severity = findings[0]["ruling"]["severity"]
    wanted = sum(f["ruling"]["severity"] == severity for f in findings)
    assert 0 < wanted < len(findings), "the planted data needs two severities to test the filter"
    dom, stderr, _ = chromium(tmp_path, f"{report.as_uri()}?severity={severity}", "--dump-dom")
    shown = visible_rows(dom)
    assert len(shown) == wanted and all(f'data-severity="{severity}"' in row for row in shown)
    assert f"{wanted} of {len(findings)} findings shown" in dom
    assert not console_lines(stderr)

    ref = findings[-1]["client_ref"]
    dom, _, _ = chromium(tmp_path, f"{report.as_uri()}?q={ref.lower()}", "--dump-dom")
    rows = dom.split('id="findings"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("</tr>")
    visible = [r for r in rows if "data-severity" in r and " hidden" not in r.split(">", 1)[0]]
    assert visible and all(ref in r for r in visible)
    assert len(visible) == sum(f["client_ref"] == ref for f in findings)


@needs_chromium
def test_demo_therapist_report_screenshot(tmp_path):
    """The demo's report as a therapist sees it, kept under the test's temp folder for a look."""
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    shot = tmp_path / "report.png"
    _, stderr, netlog = chromium(tmp_path, (out / "report-therapist.html").as_uri(), f"--screenshot={shot}",
                                 "--window-size=1280,1600")
    assert shot.is_file() and shot.stat().st_size > 50_000
    assert not console_lines(stderr)
    assert not [u for u in page_requests(netlog) if not u.startswith("file:")]
