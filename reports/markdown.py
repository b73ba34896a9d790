"""Markdown reports, for pasting into a practice's own records or a ticket.

Every piece of text that came from data is escaped: Markdown renderers pass
raw HTML through, and a display name may hold `|`, `*`, `<script>` or a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .interface import Audience, Renderer
from .suppress import ShownCount
from .views import (
    ChangeSummary,
    ComplianceView,
    ExternalChanges,
    ExternalView,
    ReportHeader,
    Tallies,
    TherapistView,
)

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: object) -> str:
    """Inline text that renders as written: Markdown syntax escaped, HTML made inert, one line."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(md(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(md(v) for v in row) + " |" for row in rows]
    return lines


def changes_lines(changes: ChangeSummary | None) -> list[str]:
    """What changed since the last audit: headline, then every class with findings and their ids."""
    if changes is None:
        return []
    lines = ["", f"## {md(changes.title)}", "", f"**{md(changes.summary)}**"]
    if changes.shown:
        lines += [""] + table(("change", "findings", "finding ids"),
                              ((c.title, c.count, ", ".join(c.finding_ids) if changes.lists_ids(c) else "(see the change column)")
                               for c in changes.shown))
    return lines


def external_changes_lines(changes: ExternalChanges | None) -> list[str]:
    if changes is None:
        return []
    lines = ["", f"## {md(changes.title)}", "", f"**{md(changes.summary)}**", ""]
    return lines + table(("change", "findings"), ((title, count.text) for _, title, count in changes.rows))


def header_lines(header: ReportHeader, changes: list[str] | None = None) -> list[str]:
    """Title, banner and the facts every report states; what changed (if given) leads, before the inputs."""
    policy = header.policy
    lines = [f"# {md(header.title)}", "", f"> **{md(header.confidential)}**", "",
             f"- **Audience:** {md(header.audience.value)}",
             f"- **Audit run:** {md(header.audit_generated_at)}; **report made:** {md(header.generated_at)}",
             f"- **Policy:** {md(policy.preset)}; edition {md(policy.edition)}",
             f"- **Overrides:** {md(policy.overrides_text)}",
             f"- **Match thresholds:** {md(header.thresholds_text)}",
             f"- **Connections checked:** {header.connections_read:,}"]
    lines += [f"- **Policy warning:** {md(w)}" for w in policy.warnings]
    lines += changes or []
    lines += ["", "## Inputs read", ""]
    lines += table(("platform", "files", "records", "skipped"),
                   ((i.platform, i.files, i.records, i.skipped) for i in header.inputs))
    return lines


def counts_lines(tallies: Tallies) -> list[str]:
    lines = ["", "## Findings by severity and platform", ""]
    per = dict(tallies.by_platform_severity)
    platforms = [p for p, n in tallies.by_platform if n]
    rows = [(sev, *(dict(per[p])[sev] for p in platforms), total) for sev, total in tallies.by_severity]
    lines += table(("severity", *platforms, "total"), rows)
    return lines


def _change_column(view: TherapistView | ComplianceView) -> tuple[str, ...]:
    return ("change",) if view.changes is not None else ()


def _label(view: TherapistView | ComplianceView, finding_id: str) -> tuple[str, ...]:
    return (view.change_label(finding_id),) if view.changes is not None else ()


def _join(lines: list[str]) -> str:
    return "\n".join(lines).rstrip() + "\n"


class TherapistMarkdown(Renderer[TherapistView]):
    """The therapist's findings with handles, evidence and the action to take."""

    audience = Audience.THERAPIST
    format = "md"

    def render(self, view: TherapistView) -> str:
        lines = header_lines(view.header, changes_lines(view.changes))
        lines += ["", "Files read:", ""]
        lines += [f"- {md(i.path)} ({md(i.platform)}: {i.records} records, {i.skipped} skipped)"
                  for i in view.input_files]
        lines += [f"- declared account: {md(a)}" for a in view.accounts]
        lines += [f"- not read: {md(path)} ({md(why)})" for path, why in view.ignored]
        lines += counts_lines(view.tallies)
        lines += ["", f"## Findings ({len(view.findings)})", ""]
        rows = []
        for f in view.findings:
            r = f.ruling
            rows.append((f.finding_id, *_label(view, f.finding_id), f.client_ref, f.severity,
                         f.tier + (" (ambiguous)" if f.ambiguous else ""),
                         f"{f.score:.2f}", f"{f.connection.platform} {f.connection.relation}", f.connection.who,
                         f.connection.source, f.evidence_text, r.category if r else "",
                         f"{r.rule} ({', '.join(r.sections)})" if r else "", r.action_text if r else ""))
        lines += table(("finding", *_change_column(view), "client", "sev", "tier", "score", "tie", "connection",
                        "where", "evidence", "category", "rule", "action"), rows)
        return _join(lines)


class ComplianceMarkdown(Renderer[ComplianceView]):
    """De-identified findings for the compliance record."""

    audience = Audience.COMPLIANCE
    format = "md"

    def render(self, view: ComplianceView) -> str:
        lines = header_lines(view.header, changes_lines(view.changes))
        lines += ["", f"Roster: {view.roster_clients:,} clients (key {md(view.roster_fingerprint)})."]
        lines += counts_lines(view.tallies)
        lines += ["", f"## Findings ({len(view.findings)})", ""]
        rows = [(f.finding_id, *_label(view, f.finding_id), f.client_ref, f.severity, f.category,
                 f"{f.platform} {f.direction or f.relation}",
                 f.client_status + (f" ({f.since_end})" if f.since_end else ""),
                 f.tier + (" (ambiguous)" if f.ambiguous else ""), f.rule, ", ".join(f.sections), f.action_text)
                for f in view.findings]
        lines += table(("finding", *_change_column(view), "client", "sev", "category", "tie", "status", "tier",
                        "rule", "sections", "action"), rows)
        return _join(lines)


def _shown(count: ShownCount) -> str:
    return count.text


class ExternalMarkdown(Renderer[ExternalView]):
    """Counts only, small ones suppressed."""

    audience = Audience.EXTERNAL
    format = "md"

    def render(self, view: ExternalView) -> str:
        lines = header_lines(view.header, external_changes_lines(view.changes))
        lines += ["", f"**Findings in total:** {md(view.total.text)}"]
        for title, rows in (("severity", view.by_severity), ("match tier", view.by_tier),
                            ("platform", view.by_platform), ("category", view.by_category)):
            lines += ["", f"## Findings by {title}", ""]
            lines += table((title, "findings"), ((key, _shown(count)) for key, count in rows))
        return _join(lines)
