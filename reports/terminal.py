"""The terminal summary of an audit: counts first, then the top findings.

Shows client_ref, never a roster name; a connection is shown by its handle or,
for name-only platforms, by masked initials and its place in the export.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from auditor.findings import AuditResult, Finding, mask_name
from auditor.match import TIERS

from .interface import Audience, Renderer

_TIER_STYLE = {"confirmed": "bold red", "likely": "yellow", "possible": "cyan"}


def who(finding: Finding) -> str:
    conn = finding.connection
    if conn.username:
        return "@" + conn.username
    if conn.profile_url:
        return conn.profile_url
    return mask_name(conn.display_name) or conn.source


class TerminalSummary(Renderer):
    audience = Audience.THERAPIST

    def __init__(self, top: int = 15):
        self.top = top

    def render(self, result: AuditResult) -> str:
        console = Console(record=True, width=120, force_terminal=False, color_system=None)
        with console.capture():
            self.show(result, console)
        return console.export_text()

    def show(self, result: AuditResult, console: Console) -> None:
        inputs = Table(title="Inputs read", title_justify="left", show_edge=False)
        for col in ("file", "platform", "records", "skipped"):
            inputs.add_column(col, justify="right" if col in ("records", "skipped") else "left")
        for i in result.inputs:
            inputs.add_row(i.path, i.platform, f"{i.records:,}", f"{i.skipped:,}")
        console.print(inputs)
        if result.ignored:
            console.print(f"[dim]{len(result.ignored)} file(s) skipped (not connection lists), e.g. "
                          f"{result.ignored[0][0]}: {result.ignored[0][1]}[/dim]")
        console.print(f"\n{result.connections_read:,} connections checked against "
                      f"{result.roster_clients:,} clients (roster key {result.roster_fingerprint}).")
        if not result.findings:
            console.print("[green]No connection matches a client at the chosen tier.[/green]")
            return
        counts = Table(title="Findings by tier and platform", title_justify="left", show_edge=False)
        platforms = sorted({f.connection.platform for f in result.findings})
        counts.add_column("tier")
        for p in platforms:
            counts.add_column(p, justify="right")
        counts.add_column("total", justify="right")
        by = Counter((f.tier, f.connection.platform) for f in result.findings)
        for tier in TIERS:
            row = [by[(tier, p)] for p in platforms]
            if sum(row):
                counts.add_row(f"[{_TIER_STYLE[tier]}]{tier}[/]", *map(str, row), str(sum(row)))
        console.print(counts)
        top = Table(title=f"Top findings (of {len(result.findings)})", title_justify="left", show_edge=False)
        for col in ("client", "tier", "score", "platform", "relation", "connection", "evidence"):
            top.add_column(col, overflow="fold")
        for f in result.findings[: self.top]:
            evidence = "; ".join(e.text for e in f.evidence if e.weight > 0)
            flag = " [magenta](ambiguous)[/]" if f.ambiguous else ""
            top.add_row(f.client_ref, f"[{_TIER_STYLE[f.tier]}]{f.tier}[/]{flag}", f"{f.score:.2f}",
                        f.connection.platform, f.connection.relation, who(f), evidence)
        console.print(top)
