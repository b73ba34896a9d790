"""HTML reports: one self-contained file per audience, printable and offline.

Inline CSS and SVG charts, a few lines of inline JS for sorting and
filtering, nothing fetched: the page's Content-Security-Policy pins the one
style block and the one script by their SHA-256 and forbids every request
(`default-src 'none'`), so even text from an export that looks like a URL or
markup can load nothing. Jinja2 autoescapes every value.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup

from auditor import __version__
from auditor.match import TIERS
from auditor.presets import SEVERITY_TEXT

from . import charts
from .html_assets import CSS, JS
from .interface import Audience, Renderer
from .views import (
    SEVERITY_ORDER,
    UNRATED,
    ComplianceView,
    ExternalView,
    Tallies,
    TherapistView,
)

LEGEND = {**SEVERITY_TEXT, UNRATED: "not rated (audit made before practice policies)"}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def content_security_policy(with_script: bool) -> str:
    """Only the page's own style block (and script) may run; nothing may be fetched."""
    script = _sha256(JS) if with_script else "'none'"
    return (f"default-src 'none'; style-src {_sha256(CSS)}; script-src {script}; img-src 'none'; "
            "connect-src 'none'; base-uri 'none'; form-action 'none'")


@lru_cache(maxsize=1)
def environment() -> Environment:
    from .html_templates import TEMPLATES

    env = Environment(loader=DictLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=False, lstrip_blocks=False)
    env.globals.update(
        rank=lambda s: SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 99,
        tier_rank=lambda t: TIERS.index(t) if t in TIERS else 99,
        basename=lambda source: source.replace("\\", "/").rsplit("/", 1)[-1])
    return env


def _page(template: str, view: Any, with_script: bool, **extra: Any) -> str:
    return environment().get_template(template).render(
        v=view, h=view.header, css=Markup(CSS), js=Markup(JS) if with_script else "",
        csp=content_security_policy(with_script), hatch=charts.HATCH_DEFS, version=__version__,
        legend=LEGEND, **extra)


def _finding_charts(tallies: Tallies) -> dict[str, Markup]:
    severity = [charts.Segment(s, n, f"sev-{s}") for s, n in tallies.by_severity]
    per_platform = [(platform, [charts.Segment(s, n, f"sev-{s}") for s, n in segs])
                    for platform, segs in tallies.by_platform_severity]
    return {"severity": charts.overview_bar("Findings by severity", severity, LEGEND),
            "platform": charts.stacked_bars("Findings by platform and severity", per_platform)}


class TherapistHtml(Renderer[TherapistView]):
    """The therapist's report: handles, evidence, score, and what to do about each finding."""

    audience = Audience.THERAPIST
    format = "html"

    def render(self, view: TherapistView) -> str:
        return _page("therapist.html", view, True, charts=_finding_charts(view.tallies),
                     severities=[s for s, _ in view.tallies.by_severity])


class ComplianceHtml(Renderer[ComplianceView]):
    """De-identified findings: pseudonyms, severities, rules and actions; no handles, no scores."""

    audience = Audience.COMPLIANCE
    format = "html"

    def render(self, view: ComplianceView) -> str:
        return _page("compliance.html", view, True, charts=_finding_charts(view.tallies),
                     severities=[s for s, _ in view.tallies.by_severity])


class ExternalHtml(Renderer[ExternalView]):
    """Counts only, small ones suppressed; no script at all."""

    audience = Audience.EXTERNAL
    format = "html"

    def render(self, view: ExternalView) -> str:
        tables = [("severity", view.by_severity), ("match tier", view.by_tier), ("platform", view.by_platform),
                  ("category", view.by_category)]
        chart_set = {
            "severity": charts.suppressed_bars("Findings by severity", view.by_severity, view.threshold),
            "platform": charts.suppressed_bars("Findings by platform", view.by_platform, view.threshold)}
        return _page("external.html", view, False, charts=chart_set, tables=tables)
