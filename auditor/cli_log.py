"""`auditor log`: check and export the hash-chained audit log of the history store.

The log holds runs and labels by pseudonym (finding ids, client refs), counts
and keyed digests only: an inspector can be given it as it is. `verify` also
checks every finding, label and run row against its keyed seal, so an edit
made with sqlite3 instead of the tool is named.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape
from rich.table import Table

from .cli_findings import open_history, store_option

if TYPE_CHECKING:
    from .cli import App

LOG_SCHEMA = "connection-auditor/audit-log@1"
# Keys a log entry's details may hold; anything else is left out of an export (belt and braces).
_EXPORTED_DETAIL = {"run", "scope", "platforms", "preset", "connections", "findings", "counts", "changes",
                    "disposition", "until", "actor", "reason_mac"}


@click.group()
def log() -> None:
    """Check and export the audit log (runs and dispositions, hash-chained)."""


@log.command("verify")
@store_option
@click.pass_obj
def log_verify(app: App, store: Path | None) -> None:
    """Check that no log entry, finding, label or run was edited or deleted outside the tool.

    Exits 0 when the store is whole, 1 (naming each problem) when it is not.
    """
    with open_history(app, store) as history:
        count, problems = history.verify()
        path = history.path
    if problems:
        for problem in problems:
            app.show(f"FAILED: {problem}")
        click.echo(f"auditor: {path}: {len(problems)} problem(s) in {count} log entries; the history was altered "
                   f"outside the tool", err=True)
        sys.exit(1)
    app.show(f"OK: {count} log entries checked, chain intact; every finding, label and run matches its seal "
             f"({path}).")


def export_document(history: Any) -> dict[str, Any]:
    """The de-identified log: entries (pseudonyms, counts, MACs), verification result, key fingerprint."""
    from .clock import now_utc

    count, problems = history.verify()
    entries = []
    for entry in history.log_entries():
        detail = {k: v for k, v in entry["detail"].items() if k in _EXPORTED_DETAIL}
        entries.append({**entry, "detail": detail})
    return {"schema": LOG_SCHEMA, "exported_at": now_utc(), "key_fingerprint": history.fingerprint,
            "entries_checked": count, "verified": not problems, "problems": problems, "entries": entries}


@log.command("export")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (created 0600).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@store_option
@click.pass_obj
def log_export(app: App, output: Path, fmt: str, store: Path | None) -> None:
    """Write the de-identified audit log for an inspector (no handles, names or reasons).

    Each entry keeps its sequence number and MACs, so the practice can show
    later that the exported log is the one in its store.
    """
    from .fileio import write_private

    with open_history(app, store) as history:
        document = export_document(history)
    if fmt == "json":
        data = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["seq", "at", "event", "subject", "detail", "prev", "mac"])
        for e in document["entries"]:
            writer.writerow([e["seq"], e["at"], e["event"], e["subject"],
                             json.dumps(e["detail"], sort_keys=True, ensure_ascii=False), e["prev"], e["mac"]])
        data = buffer.getvalue().encode()
    write_private(output, data)
    app.say(f"Wrote {output}: {len(document['entries'])} log entries (de-identified, mode 0600).")
    if not document["verified"]:
        app.say(f"WARNING: the store failed verification ({len(document['problems'])} problem(s)); "
                "run 'auditor log verify'.")


@log.command("runs")
@store_option
@click.pass_obj
def log_runs(app: App, store: Path | None) -> None:
    """List the audits recorded in the history store, with what each one changed."""
    with open_history(app, store) as history:
        runs = history.runs()
    if not runs:
        app.show("No audit recorded yet.")
        return
    table = Table("run", "when (UTC)", "kind", "scope", "platforms", "connections", "findings", "changes")
    table.columns[-1].overflow = "fold"
    for run in runs:
        changes = run.counts.get("changes", {})
        text = ", ".join(f"{n} {name}" for name, n in changes.items()) or "-"
        table.add_row(str(run.run_id), run.at.replace("T", " ").rstrip("Z"), run.kind, escape(run.scope or "mine"),
                      escape(", ".join(run.platforms)), f"{run.connections:,}", f"{run.findings:,}", escape(text))
    app.out.print(table)
