"""`auditor findings`: look at findings, label them, and walk the open ones.

Findings live in the history store by their stable finding_id; an earlier
audit's findings.json can still be shown (and revealed on screen) by path.
The commands use the App object of the main group and are attached to it by
auditor/cli.py; nothing here imports that module at import time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape
from rich.table import Table

from .errors import AuditorError

if TYPE_CHECKING:
    from .cli import App
    from .history.store import HistoryStore, StoredFinding

FINDING_ID = re.compile(r"^F-[0-9A-Z]{10}$", re.IGNORECASE)
STATUS_CHOICES = ("open", "accepted", "resolved", "false-positive", "all")
# What `--since` lists: the changes a person has to look at (the ones a run leads with).
SINCE_CHANGES = ("new", "regressed", "acceptance expired", "accepted, facts changed", "false positive, now stronger",
                 "gone")

store_option = click.option(
    "--store", type=click.Path(dir_okay=False, path_type=Path), envvar="AUDITOR_STORE",
    help="History store (SQLite); default: one per practice in your user data folder.")


def open_history(app: App, store: Path | None, *, create: bool = False) -> HistoryStore:
    """The practice's history store; a one-line error when there is none yet or it is another key's."""
    from .history import open_store
    from .history.location import store_path

    return open_store(store_path(store, app.practice), app.key().subkeys(), create=create)


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise AuditorError(f"{option} {value!r}: not a date (use YYYY-MM-DD)") from None


def _reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise AuditorError("a reason is required (--reason TEXT): say why, in a few words; it is kept sealed")
    if "\n" in reason.strip() or "\r" in reason.strip():
        raise AuditorError("--reason: one line, please")
    return reason.strip()


@click.group()
def findings() -> None:
    """Look at the findings of an audit, label them and walk the open ones."""


# -- list -----------------------------------------------------------------------
def _latest_changes(history: HistoryStore, scope: str | None) -> dict[str, str]:
    """finding_id -> the change its scope's latest run recorded for it."""
    runs = history.runs(scope)
    latest: dict[str, int] = {}
    for run in runs:
        latest[run.scope] = run.run_id
    change: dict[str, str] = {}
    for run_id in latest.values():
        change.update({fid: c.value for fid, c in history.run_changes(run_id).change_of().items()})
    return change


def _since_ids(history: HistoryStore, since: str, scope: str | None, rows: list[StoredFinding]) -> set[str]:
    """The findings `--since` selects: changed by that run or a later one, or whose status changed on/after a date."""
    text = since.strip()
    if text.upper() == "LAST" or text.isdigit():
        runs = history.runs(scope)
        if not runs:
            raise AuditorError(f"--since {since}: no audit recorded in {history.path} yet")
        first = runs[-1].run_id if text.upper() == "LAST" else int(text)
        if first not in {r.run_id for r in runs}:
            raise AuditorError(f"--since {since}: no run {first} in {history.path} (runs: "
                               f"{runs[0].run_id}-{runs[-1].run_id}; see 'auditor log runs')")
        ids: set[str] = set()
        for run in runs:
            if run.run_id >= first:
                ids |= {fid for fid, c in history.run_changes(run.run_id).change_of().items()
                        if c.value in SINCE_CHANGES}
        return ids
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise AuditorError(f"--since {since!r}: use LAST, a run number or a date (YYYY-MM-DD)") from None
    return {r.finding_id for r in rows if r.status_since[:10] >= day.isoformat()}


@findings.command("list")
@click.option("--status", type=click.Choice(STATUS_CHOICES), default=None,
              help="Which findings: open (the default; expired acceptances count as open), accepted, resolved, "
                   "false-positive or all (the default with --since).")
@click.option("--since", metavar="LAST|RUN|DATE",
              help="Only what changed: LAST (what the latest audit changed), a run number (that run and later), "
                   "or a date (status changed on or after it).")
@click.option("--scope", default=None, hidden=True, help="Only this scope ('' for your own audits).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@click.pass_obj
def findings_list(app: App, status: str | None, since: str | None, scope: str | None, fmt: str,
                  store: Path | None) -> None:
    """List the findings in the history store with their status and latest change."""
    import json

    today = today_utc()
    wanted = status or ("all" if since else "open")
    with open_history(app, store) as history:
        statuses = None if wanted == "all" else (wanted,)
        rows = history.findings(scope=scope, statuses=statuses, today=today)
        if since:
            chosen = _since_ids(history, since, scope, history.findings(scope=scope, today=today))
            rows = [r for r in rows if r.finding_id in chosen]
        change = _latest_changes(history, scope)
    if fmt == "json":
        click.echo(json.dumps([{
            "finding_id": r.finding_id, "client_ref": r.client_ref, "platform": r.platform, "category": r.category,
            "severity": r.severity, "tier": r.tier, "status": r.effective_status(today), "stored_status": r.status,
            "status_since": r.status_since, "accepted_until": r.accepted_until, "scope": r.scope,
            "change": change.get(r.finding_id, "")} for r in rows], indent=2))
        return
    table = Table("finding", "client", "platform", "category", "sev", "tier", "status", "since", "last run")
    table.columns[0].no_wrap = True
    table.columns[1].no_wrap = True
    for r in rows:
        shown = r.effective_status(today)
        if shown != r.status:
            shown = f"open (accepted until {r.accepted_until}, expired)"
        elif r.status == "accepted" and r.accepted_until:
            shown = f"accepted until {r.accepted_until}"
        table.add_row(r.finding_id, r.client_ref, r.platform, escape(r.category), r.severity, r.tier,
                      escape(shown), r.status_since[:10], escape(change.get(r.finding_id, "") or "absent"))
    label = ("findings" if wanted == "all" else f"{wanted} findings") + (f" changed since {since}" if since else "")
    if not rows:
        app.show(f"No {label}.")
        return
    table.title = f"{len(rows)} {label}"
    app.out.print(table)


# -- show -------------------------------------------------------------------------
@findings.command("show")
@click.argument("target", metavar="ID|DIR_OR_FILE")
@click.option("--reveal", is_flag=True,
              help="Re-read each export and show display names and e-mails in clear, on screen only.")
@click.option("--min-tier", type=click.Choice(["confirmed", "likely", "possible"]), default="possible",
              show_default=True, help="With a findings file: only this tier and stronger.")
@store_option
@click.pass_obj
def findings_show(app: App, target: str, reveal: bool, min_tier: str, store: Path | None) -> None:
    """Show one finding from the history store by id, or the findings of an audit folder.

    ID is a finding id such as F-8Z4GXYA7YJ (from 'auditor findings list'):
    its connection, evidence, the policy's ruling and every label given to it,
    with reasons. DIR_OR_FILE is an audit folder or its findings.json.
    """
    path = Path(target)
    if FINDING_ID.match(target.strip()) and not path.exists():
        with open_history(app, store) as history:
            show_finding(app, history, target.strip().upper(), reveal=reveal)
        if reveal:
            app.say("Shown in clear on screen only; nothing was written.")
        return
    _show_document(app, path, reveal, min_tier)


def _show_document(app: App, findings_path: Path, reveal: bool, min_tier: str) -> None:
    from reports.load import read_document

    from .match import TIERS
    from .reveal import reveal as reveal_sources

    document = read_document(findings_path)
    allowed = TIERS[: TIERS.index(min_tier) + 1]
    chosen = [f for f in document["findings"] if f["tier"] in allowed]
    clear = reveal_sources(chosen) if reveal else {}
    table = Table("finding", "client", "tier", "tie", "connection", "where")
    table.columns[-1].overflow = "fold"
    for f in chosen:
        conn = f["connection"]
        table.add_row(f["finding_id"], f["client_ref"], f["tier"] + (" (ambiguous)" if f["ambiguous"] else ""),
                      f"{conn['platform']} {conn['relation']}", escape(_label(conn, clear, reveal)),
                      escape(Path(conn["source"]).name))
    app.out.print(table)
    if reveal:
        app.say("Shown in clear on screen only; nothing was written.")


def _label(conn: dict[str, Any], clear: dict, reveal: bool) -> str:
    shown = clear.get(conn.get("source", "")) if reveal else None
    if reveal and shown is None:
        return "(export changed or moved: cannot reveal)"
    if shown is not None:
        return " ".join(filter(None, [shown.display_name, shown.username and "@" + shown.username, shown.email]))
    return " ".join(filter(None, [conn.get("display_name"), conn.get("username") and "@" + conn["username"],
                                  conn.get("email")]))


def show_finding(app: App, history: HistoryStore, finding_id: str, *, reveal: bool = False) -> None:
    """One stored finding in full: labels, connection (masked unless revealed), evidence, ruling, history."""
    from .reveal import reveal as reveal_sources

    today = today_utc()
    row = history.finding(finding_id)
    detail = history.detail(row.finding_id)
    conn = detail.get("connection", {})
    clear = reveal_sources([detail]) if reveal and conn.get("source") else {}
    status = row.effective_status(today)
    if status != row.status:
        status = f"open (acceptance until {row.accepted_until} has expired)"
    elif row.status == "accepted" and row.accepted_until:
        status = f"accepted until {row.accepted_until}"
    lines = [
        ("finding", row.finding_id),
        ("client", row.client_ref + (f" ({detail.get('client_status')})" if detail.get("client_status") else "")),
        ("status", f"{status} since {row.status_since[:10]}"),
        ("first seen", f"{row.first_seen[:10]}; last in run {row.last_run}"
                       + ("" if row.present else " (not in the latest audit of its platform)")),
        ("match", f"{row.tier}, score {detail.get('score', '?')}" + (" (ambiguous)" if detail.get("ambiguous") else "")),
        ("connection", f"{conn.get('platform', row.platform)} {conn.get('relation', '')}"
                       + (f" (account {conn['account']})" if conn.get("account") else "")),
        ("who", _label(conn, clear, reveal) if conn else "(not recorded)"),
        ("source", conn.get("source", "")),
    ]
    if row.scope:
        lines.insert(1, ("scope", row.scope))
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in lines:
        table.add_row(name, escape(str(value)))
    app.out.print(table)
    evidence = detail.get("evidence") or []
    if evidence:
        app.show("evidence:")
        for item in evidence:
            app.show(f"  - {item.get('text') or item.get('what')} ({item.get('level', '')}, weight "
                     f"{item.get('weight', '?')})")
    ruling = detail.get("ruling") or {}
    if ruling:
        app.show(f"ruling: {ruling.get('category', row.category)}, {ruling.get('direction', '')}, severity "
                 f"{ruling.get('severity', row.severity)}; rule {ruling.get('rule', '')}"
                 + (f" ({', '.join(ruling['sections'])})" if ruling.get("sections") else ""))
        if ruling.get("action_text") or ruling.get("action"):
            app.show(f"action: {ruling.get('action_text') or ruling.get('action')}")
        for note in ruling.get("notes", []):
            app.show(f"  note: {note}")
    labels = history.dispositions(row.finding_id)
    app.show("history:" if labels else "history: no label yet")
    for d in labels:
        until = f" until {d['until']}" if d.get("until") else ""
        app.show(f"  {d['at'][:16].replace('T', ' ')}  {d['action']}{until} by {d['actor']}: {d['reason']}")


# -- dispositions -------------------------------------------------------------------
_reason_option = click.option("--reason", metavar="TEXT", help="Why (required; kept sealed in the store).")

_DONE = {"accept": "accepted", "resolve": "resolved", "false-positive": "marked false positive",
         "reopen": "reopened"}


def dispose(app: App, history: HistoryStore, finding_id: str, action: str, reason: str | None,
            until: str | None = None) -> StoredFinding:
    """Label one finding and say what it is now."""
    text = _reason(reason)
    day = parse_date(until, "--until") if until else None
    row = history.finding(finding_id)          # a one-line error for an unknown id, before anything else
    if action == "reopen" and row.status == "open":
        raise AuditorError(f"{row.finding_id} is already open")
    after = history.dispose(row.finding_id, action, text, day)
    shown = after.status + (f" until {after.accepted_until}" if after.accepted_until else "")
    app.show(f"{after.finding_id}: {shown}")
    if day is not None and day < today_utc():
        app.say(f"Note: {day.isoformat()} has passed, so {after.finding_id} counts as open again.")
    return after


def _disposition_command(action: str, summary: str, with_until: bool = False):
    @click.argument("finding_id", metavar="ID")
    @_reason_option
    @store_option
    @click.pass_obj
    def command(app: App, finding_id: str, reason: str | None, store: Path | None, until: str | None = None) -> None:
        with open_history(app, store) as history:
            dispose(app, history, finding_id, action, reason, until)

    command.__doc__ = summary
    if with_until:
        command = click.option("--until", metavar="YYYY-MM-DD",
                               help="The acceptance lapses after this date and the finding comes back.")(command)
    return findings.command(action)(command)


_disposition_command("accept", "Accept a finding after review (e.g. a former client's public follow of your page).\n\n"
                     "Give --until DATE to look at it again after that date; a change in its facts (relation, "
                     "client status, severity) also brings it back.", with_until=True)
_disposition_command("resolve", "Mark a finding resolved: you removed the connection.\n\n"
                     "If it shows up again in a later audit it comes back as a regression.")
_disposition_command("false-positive", "Mark a finding as not your client.\n\n"
                     "It stays quiet in later audits unless the match becomes stronger.")
_disposition_command("reopen", "Open a labelled finding again.")


# -- review -----------------------------------------------------------------------
_CHOICES = {"a": "accept", "r": "resolve", "f": "false-positive", "s": "skip", "q": "quit"}


@findings.command("review")
@store_option
@click.pass_obj
def findings_review(app: App, store: Path | None) -> None:
    """Walk the open findings one by one and label each in the terminal.

    For each finding: [a]ccept, [r]esolve, [f]alse positive, [s]kip or [q]uit.
    Each label is saved at once, so quitting half-way keeps what was done.
    """
    done: dict[str, int] = {}
    with open_history(app, store) as history:
        rows = history.findings(statuses=("open",), today=today_utc())
        if not rows:
            app.show("No open findings: nothing to review.")
            return
        app.show(f"{len(rows)} open finding(s) to review.")
        try:
            for number, row in enumerate(rows, 1):
                app.show(f"\n[{number}/{len(rows)}]")
                show_finding(app, history, row.finding_id)
                choice = _ask_choice()
                if choice == "quit":
                    break
                if choice == "skip":
                    done["skipped"] = done.get("skipped", 0) + 1
                    continue
                reason = _ask_reason()
                until = _ask_until() if choice == "accept" else None
                dispose(app, history, row.finding_id, choice, reason, until)
                done[choice] = done.get(choice, 0) + 1
        except (click.Abort, EOFError):
            app.show("\n(input ended)")
    app.show("Reviewed: " + (", ".join(f"{n} {k}" for k, n in done.items()) or "nothing labelled") + ".")


def _ask_choice() -> str:
    while True:
        answer = click.prompt("[a]ccept / [r]esolve / [f]alse positive / [s]kip / [q]uit", default="s",
                              show_default=False).strip().lower()[:1]
        if answer in _CHOICES:
            return _CHOICES[answer]
        click.echo("Please type a, r, f, s or q.")


def _ask_reason() -> str:
    while True:
        reason = click.prompt("Reason", default="", show_default=False).strip()
        if reason:
            return reason
        click.echo("A reason is required.")


def _ask_until() -> str | None:
    while True:
        text = click.prompt("Accept until (YYYY-MM-DD, empty for no end)", default="", show_default=False).strip()
        if not text:
            return None
        try:
            date.fromisoformat(text)
            return text
        except ValueError:
            click.echo("Not a date: use YYYY-MM-DD, or leave it empty.")
