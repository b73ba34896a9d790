"""The terminal summary of an audit: counts first, then the top findings.

Shows client_ref, never a roster name; a connection is shown by its handle or,
for name-only platforms, by masked initials and its place in the export.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

import os

from auditor.findings import AuditResult, Finding, mask_email, mask_name
from auditor.match import TIERS

from .interface import Audience, Renderer

_MAX_IGNORED_SHOWN = 10
_TIER_STYLE = {"confirmed": "bold red", "likely": "yellow", "possible": "cyan"}


def who(finding: Finding) -> str:
    """The therapist's own handle for the tie, or masked text plus where it sits in the export."""
    conn = finding.connection
    if conn.username:
        return "@" + conn.username
    if conn.profile_url:
        return conn.profile_url
    if conn.email:
        return mask_email(conn.email)
    place = os.path.basename(conn.source)
    return f"{mask_name(conn.display_name)} {place}".strip()


def short_evidence(finding: Finding) -> str:
    """'e-mail; given name (nickname); surname' - the supporting evidence in a few words."""
    parts = []
    for e in finding.evidence:
        if e.weight <= 0:
            continue
        parts.append(e.what if e.level in ("exact", "pattern") else f"{e.what} ({e.level})")
    return "; ".join(parts)


def _common_root(paths: list[str]) -> str:
    try:
        root = os.path.commonpath(paths) if paths else ""
    except ValueError:
        return ""
    return root if len(paths) > 1 else os.path.dirname(root)


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
        root = _common_root([i.path for i in result.inputs])
        title = f"Inputs read (under {escape(root)})" if root else "Inputs read"
        inputs = Table(title=title, title_justify="left", show_edge=False)
        for col in ("file", "platform", "records", "skipped"):
            inputs.add_column(col, justify="right" if col in ("records", "skipped") else "left",
                              overflow="fold")
        for i in result.inputs:
            inputs.add_row(escape(os.path.relpath(i.path, root) if root else i.path), i.platform,
                           f"{i.records:,}", f"{i.skipped:,}")
        console.print(inputs)
        if result.ignored:
            console.print(f"[dim]Not read ({len(result.ignored)}):[/dim]")
            for path, why in result.ignored[:_MAX_IGNORED_SHOWN]:
                shown = os.path.relpath(path, root) if root and path.startswith(root) else path
                console.print(f"[dim]  {escape(shown)}: {escape(why)}[/dim]")
            if len(result.ignored) > _MAX_IGNORED_SHOWN:
                console.print(f"[dim]  ... and {len(result.ignored) - _MAX_IGNORED_SHOWN} more "
                              "(listed in findings.json)[/dim]")
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
        for col in ("client", "tier", "score", "sev", "tie", "connection", "evidence"):
            top.add_column(col, overflow="fold", no_wrap=col in ("client", "score", "sev"))
        for f in result.findings[: self.top]:
            flag = "\n[magenta]ambiguous[/]" if f.ambiguous else ""
            severity = f.ruling.severity if f.ruling else ""
            top.add_row(f.client_ref, f"[{_TIER_STYLE[f.tier]}]{f.tier}[/]{flag}", f"{f.score:.2f}", severity,
                        f"{f.connection.platform} {f.connection.relation}", escape(who(f)), short_evidence(f))
        console.print(top)
