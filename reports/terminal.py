"""Terminal reports (rich tables, colour on a TTY), one renderer per audience.

The therapist's is the summary `auditor audit` prints: what changed since
the last audit (when the run is in the history store), inputs, counts, then
the top findings with the therapist's own handles, changed ones first. The compliance and
external ones print only what their views hold. All user text is escaped,
so a display name like "[bold]" is printed as written.
"""

from __future__ import annotations

import abc
import io
import os

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .interface import Audience, Renderer, ViewT
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

_MAX_IGNORED_SHOWN = 10
_MAX_IDS_SHOWN = 8
TIER_STYLE = {"confirmed": "bold red", "likely": "yellow", "possible": "cyan"}
SEVERITY_STYLE = {"V": "bold white on red", "H": "bold red", "R": "yellow", "I": "cyan"}
CHANGE_STYLE = {"new": "bold", "regressed": "bold red", "acceptance expired": "bold yellow",
                "accepted, facts changed": "bold yellow", "false positive, now stronger": "bold magenta"}


def _severity(code: str) -> str:
    style = SEVERITY_STYLE.get(code)
    return f"[{style}]{escape(code)}[/]" if style else escape(code)


def _change(label: str, change: str) -> str:
    """A finding's history label, bold when it needs attention now."""
    style = CHANGE_STYLE.get(change)
    return f"[{style}]{escape(label)}[/]" if style else escape(label)


def _tier(tier: str) -> str:
    style = TIER_STYLE.get(tier)
    return f"[{style}]{escape(tier)}[/]" if style else escape(tier)


class TerminalRenderer(Renderer[ViewT]):
    """Prints to a rich Console; `render` gives the same as plain text (no colour)."""

    format = "table"

    def render(self, view: ViewT) -> str:
        buffer = io.StringIO()
        console = Console(file=buffer, width=120, force_terminal=False, color_system=None, highlight=False)
        self.show(view, console)
        return buffer.getvalue()

    @abc.abstractmethod
    def show(self, view: ViewT, console: Console) -> None:
        """Print the report on `console` (colour when it is a terminal)."""


def print_header(header: ReportHeader, console: Console, *, full: bool = True) -> None:
    """Audience, banner, times, policy and thresholds: what every report states."""
    console.print(f"[bold]{escape(header.title)}[/bold]")
    console.print(f"[bold red]{escape(header.confidential)}[/bold red]")
    policy = header.policy
    console.print(f"audience {header.audience.value} \u00b7 audit run {escape(header.audit_generated_at)} \u00b7 "
                  f"report made {escape(header.generated_at)}")
    console.print(f"policy {escape(policy.preset)}; overrides: {escape(policy.overrides_text)} \u00b7 "
                  f"match thresholds: {escape(header.thresholds_text)}")
    if full:
        console.print(f"[dim]edition: {escape(policy.edition)}[/dim]")
        for warning in policy.warnings:
            console.print(f"[yellow]policy warning: {escape(warning)}[/yellow]")


def _ids(ids: tuple[str, ...]) -> str:
    shown = ", ".join(ids[:_MAX_IDS_SHOWN])
    return shown + (f" \u2026 and {len(ids) - _MAX_IDS_SHOWN} more" if len(ids) > _MAX_IDS_SHOWN else "")


def print_changes(changes: ChangeSummary | None, console: Console) -> None:
    """What changed since the last audit: the headline, then each class with findings and its ids."""
    if changes is None:
        return
    console.print(f"\n[bold]{escape(changes.title)}[/bold]")
    console.print(escape(changes.summary))
    rows = changes.shown
    if not rows:
        return
    table = Table(show_edge=False, box=None, padding=(0, 2, 0, 0))
    table.add_column("change")
    table.add_column("findings", justify="right")
    table.add_column("finding ids", overflow="fold")
    for row in rows:
        title = f"[bold]{escape(row.title)}[/bold]" if row.leads else escape(row.title)
        # the steady classes (still open, accepted, ...) are counted; their ids are in the findings table
        table.add_row(title, str(row.count), escape(_ids(row.finding_ids)) if changes.lists_ids(row) else "")
    console.print(table)
    console.print()


def print_external_changes(changes: ExternalChanges | None, console: Console) -> None:
    if changes is None:
        return
    console.print(f"\n[bold]{escape(changes.title)}[/bold]")
    console.print(escape(changes.summary))
    table = Table(show_edge=False, box=None, padding=(0, 2, 0, 0))
    table.add_column("change")
    table.add_column("findings", justify="right")
    for _, title, count in changes.rows:
        table.add_row(escape(title), _shown(count))
    console.print(table)
    console.print()


def print_platform_inputs(header: ReportHeader, console: Console) -> None:
    table = Table(title="Inputs read (counts per platform)", title_justify="left", show_edge=False)
    for col in ("platform", "files", "records", "skipped"):
        table.add_column(col, justify="left" if col == "platform" else "right")
    for i in header.inputs:
        table.add_row(escape(i.platform), f"{i.files:,}", f"{i.records:,}", f"{i.skipped:,}")
    console.print(table)
    console.print(f"{header.connections_read:,} connections checked.")


def print_counts(tallies: Tallies, console: Console) -> None:
    """Findings by severity (rows) and platform (columns)."""
    table = Table(title="Findings by severity and platform", title_justify="left", show_edge=False)
    platforms = [p for p, n in tallies.by_platform if n]
    table.add_column("severity")
    for p in platforms:
        table.add_column(escape(p), justify="right")
    table.add_column("total", justify="right")
    per = dict(tallies.by_platform_severity)
    for severity, total in tallies.by_severity:
        table.add_row(_severity(severity), *(str(dict(per[p])[severity]) for p in platforms), str(total))
    console.print(table)


def _common_root(paths: list[str]) -> str:
    try:
        root = os.path.commonpath(paths) if paths else ""
    except ValueError:
        return ""
    return root if len(paths) > 1 else os.path.dirname(root)


class TherapistTerminal(TerminalRenderer[TherapistView]):
    """The audit's terminal summary for the therapist: handles shown, names masked."""

    audience = Audience.THERAPIST

    def __init__(self, top: int = 15):
        self.top = top

    def show(self, view: TherapistView, console: Console) -> None:
        print_header(view.header, console, full=False)
        print_changes(view.changes, console)
        root = _common_root([i.path for i in view.input_files])
        title = f"Inputs read (under {escape(root)})" if root else "Inputs read"
        inputs = Table(title=title, title_justify="left", show_edge=False)
        for col in ("file", "platform", "records", "skipped"):
            inputs.add_column(col, justify="right" if col in ("records", "skipped") else "left", overflow="fold")
        for i in view.input_files:
            inputs.add_row(escape(os.path.relpath(i.path, root) if root else i.path), escape(i.platform),
                           f"{i.records:,}", f"{i.skipped:,}")
        console.print(inputs)
        if view.ignored:
            console.print(f"[dim]Not read ({len(view.ignored)}):[/dim]")
            for path, why in view.ignored[:_MAX_IGNORED_SHOWN]:
                shown = os.path.relpath(path, root) if root and path.startswith(root) else path
                console.print(f"[dim]  {escape(shown)}: {escape(why)}[/dim]")
            if len(view.ignored) > _MAX_IGNORED_SHOWN:
                console.print(f"[dim]  ... and {len(view.ignored) - _MAX_IGNORED_SHOWN} more "
                              "(listed in findings.json)[/dim]")
        console.print(f"\n{view.header.connections_read:,} connections checked against "
                      f"{view.roster_clients:,} clients (roster key {escape(view.roster_fingerprint)}).")
        if not view.findings:
            console.print("[green]No connection matches a client at the chosen tier.[/green]")
            return
        self._tiers(view, console)
        findings = list(view.findings)
        changes = view.changes
        columns = ("client", "tier", "score", "sev", "tie", "connection", "evidence")
        title = f"Top findings (of {len(findings)})"
        if changes is not None:
            # what changed first (new, regressed, expired, ...), each group in score order
            leading = {c.change: i for i, c in enumerate(changes.classes) if c.leads}
            findings.sort(key=lambda f: leading.get(changes.change(f.finding_id), len(leading)))
            columns = ("change", *columns)
            title = f"Top findings (of {len(findings)}; what changed first)"
        top = Table(title=title, title_justify="left", show_edge=False)
        for col in columns:
            top.add_column(col, overflow="fold", no_wrap=col in ("client", "score", "sev"))
        for f in findings[: self.top]:
            flag = "\n[magenta]ambiguous[/]" if f.ambiguous else ""
            cells = [escape(f.client_ref), _tier(f.tier) + flag, f"{f.score:.2f}", _severity(f.severity),
                     escape(f"{f.connection.platform} {f.connection.relation}"), escape(f.connection.who),
                     escape(f.evidence_text)]
            if changes is not None:
                cells.insert(0, _change(view.change_label(f.finding_id), changes.change(f.finding_id)))
            top.add_row(*cells)
        console.print(top)

    @staticmethod
    def _tiers(view: TherapistView, console: Console) -> None:
        counts = Table(title="Findings by tier and platform", title_justify="left", show_edge=False)
        platforms = sorted({f.connection.platform for f in view.findings})
        counts.add_column("tier")
        for p in platforms:
            counts.add_column(escape(p), justify="right")
        counts.add_column("total", justify="right")
        by: dict[tuple[str, str], int] = {}
        for f in view.findings:
            by[(f.tier, f.connection.platform)] = by.get((f.tier, f.connection.platform), 0) + 1
        for tier, _ in view.tallies.by_tier:
            row = [by.get((tier, p), 0) for p in platforms]
            if sum(row):
                counts.add_row(_tier(tier), *map(str, row), str(sum(row)))
        console.print(counts)


#: the name `auditor audit` has always used for the therapist's summary
TerminalSummary = TherapistTerminal


class ComplianceTerminal(TerminalRenderer[ComplianceView]):
    """De-identified findings on screen: pseudonyms, severities, rules; no handles, no scores."""

    audience = Audience.COMPLIANCE

    def __init__(self, top: int | None = None):
        self.top = top

    def show(self, view: ComplianceView, console: Console) -> None:
        print_header(view.header, console)
        print_changes(view.changes, console)
        print_platform_inputs(view.header, console)
        console.print(f"Roster: {view.roster_clients:,} clients (key {escape(view.roster_fingerprint)}).")
        if not view.findings:
            console.print("[green]No findings.[/green]")
            return
        print_counts(view.tallies, console)
        rows = view.findings if self.top is None else view.findings[: self.top]
        more = "" if len(rows) == len(view.findings) else f", first {len(rows)}"
        table = Table(title=f"Findings ({len(view.findings)}{more})", title_justify="left", show_edge=False)
        changes = view.changes
        columns = ("finding", "client", "sev", "category", "tie", "status", "tier", "rule", "action")
        for col in (("finding", "change", *columns[1:]) if changes is not None else columns):
            table.add_column(col, overflow="fold", no_wrap=col in ("finding", "client", "sev"))
        for f in rows:
            status = f.client_status + (f" ({f.since_end})" if f.since_end else "")
            tier = _tier(f.tier) + ("\n[magenta]ambiguous[/]" if f.ambiguous else "")
            cells = [escape(f.finding_id), escape(f.client_ref), _severity(f.severity), escape(f.category),
                     escape(f"{f.platform} {f.direction or f.relation}"), escape(status), tier,
                     escape(f"{f.rule} ({', '.join(f.sections)})" if f.sections else f.rule), escape(f.action)]
            if changes is not None:
                cells.insert(1, _change(view.change_label(f.finding_id), changes.change(f.finding_id)))
            table.add_row(*cells)
        console.print(table)


def _shown(count: ShownCount) -> str:
    return f"[dim]{escape(count.text)}[/dim]" if count.hidden else escape(count.text)


class ExternalTerminal(TerminalRenderer[ExternalView]):
    """Counts only, small ones suppressed."""

    audience = Audience.EXTERNAL

    def show(self, view: ExternalView, console: Console) -> None:
        print_header(view.header, console)
        print_external_changes(view.changes, console)
        print_platform_inputs(view.header, console)
        console.print(f"Findings in total: {_shown(view.total)}")
        for title, rows in (("by severity", view.by_severity), ("by match tier", view.by_tier),
                            ("by platform", view.by_platform), ("by category", view.by_category)):
            table = Table(title=f"Findings {title}", title_justify="left", show_edge=False)
            table.add_column(title.split()[-1])
            table.add_column("findings", justify="right")
            for key, count in rows:
                label = _severity(key) if title == "by severity" else escape(key)
                table.add_row(label, _shown(count))
            console.print(table)

