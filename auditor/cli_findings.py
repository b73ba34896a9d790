"""`auditor findings`: look at findings, label them, and walk the open ones.

Findings live in the history store by their stable finding_id; an earlier
audit's findings.json can still be shown (and revealed on screen) by path.
The commands use the App object of the main group and are attached to it by
auditor/cli.py; nothing here imports that module at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from .cli import App


@click.group()
def findings() -> None:
    """Look at the findings of an audit."""


@findings.command("show")
@click.argument("findings_path", metavar="DIR_OR_FILE", type=click.Path(path_type=Path))
@click.option("--reveal", is_flag=True,
              help="Re-read each export and show display names and e-mails in clear, on screen only.")
@click.option("--min-tier", type=click.Choice(["confirmed", "likely", "possible"]), default="possible",
              show_default=True)
@click.pass_obj
def findings_show(app: App, findings_path: Path, reveal: bool, min_tier: str) -> None:
    """List the findings of DIR/findings.json; with --reveal, name the connection in clear."""
    from .match import TIERS
    from reports.load import read_document

    from .reveal import reveal as reveal_sources

    document = read_document(findings_path)
    allowed = TIERS[: TIERS.index(min_tier) + 1]
    chosen = [f for f in document["findings"] if f["tier"] in allowed]
    clear = reveal_sources(chosen) if reveal else {}
    table = Table("finding", "client", "tier", "tie", "connection", "where")
    table.columns[-1].overflow = "fold"
    for f in chosen:
        conn = f["connection"]
        shown = clear.get(conn["source"]) if reveal else None
        if reveal and shown is None:
            label = "(export changed or moved: cannot reveal)"
        elif shown is not None:
            label = " ".join(filter(None, [shown.display_name, shown.username and "@" + shown.username,
                                           shown.email]))
        else:
            label = " ".join(filter(None, [conn["display_name"], conn["username"] and "@" + conn["username"],
                                           conn["email"]]))
        table.add_row(f["finding_id"], f["client_ref"], f["tier"] + (" (ambiguous)" if f["ambiguous"] else ""),
                      f"{conn['platform']} {conn['relation']}", escape(label), escape(Path(conn["source"]).name))
    app.out.print(table)
    if reveal:
        app.say("Shown in clear on screen only; nothing was written.")
