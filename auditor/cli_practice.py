"""Group practice, three parties: clinicians encode, the admin matches, clinicians import.

- clinician: `auditor connections encode EXPORTS... -o mine.enc` (keyed encodings and
  opaque connection refs; a local index keeps ref -> handle on the clinician's machine);
- admin: `auditor practice match --roster roster.enc --connections mine.enc --clinician K-XXXX
  -o results.enc` (findings for the clinician's own clients only; a colleague's clients go to
  the admin's history store as a de-identified count);
- clinician: `auditor findings import results.enc` (findings with the clinician's own handles);
- dispositions back: `auditor practice status` (clinician) and `auditor practice update` (admin);
- compliance officer: `auditor practice summary`.

The commands use the App object of the main group and are attached to it by
auditor/cli.py; nothing here imports that module at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

from .errors import AuditorError
from .fileio import staged

if TYPE_CHECKING:
    from .cli import App

_store_option = click.option(
    "--store", type=click.Path(dir_okay=False, path_type=Path), envvar="AUDITOR_STORE",
    help="Your history store (SQLite); default: one per practice in your user data folder.")
_admin_store_option = click.option(
    "--store", type=click.Path(dir_okay=False, path_type=Path), envvar="AUDITOR_PRACTICE_STORE",
    help="The practice admin's history store (SQLite), kept apart from any clinician's own history; "
         "default: practice-admin-PRACTICE.sqlite in your user data folder.")
_index_option = click.option(
    "--index", "index_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Your local index (ref -> connection; stays on this machine); default: beside your history store.")
_policy_option = click.option(
    "--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Practice policy file (auditor policy init); default: the ACA 2014 preset.")
_clinician_option = click.option(
    "--clinician", required=True, metavar="K-XXXX|NAME",
    help="The clinician's pseudonym (auditor practice clinicians --roster ROSTER) or their name/id as "
         "written in the roster's clinician column.")


def _store_path(app: App, store: Path | None) -> Path:
    from .history.location import store_path

    return store_path(store, app.practice)


def _admin_store_path(app: App, store: Path | None) -> Path:
    from .practice.encoded import default_admin_store_path

    return Path(store) if store is not None else default_admin_store_path(app.practice)


def _index_path(app: App, index_path: Path | None) -> Path:
    from .practice.encoded import default_index_path

    return Path(index_path) if index_path is not None else default_index_path(app.practice)


def _refuse_other_side(path: Path, keys, kind: str, why: str) -> None:
    """The admin's store and a clinician's own history must not be one file (their findings share ids)."""
    from .history import open_store

    if not Path(path).exists():
        return
    with open_store(path, keys, create=False) as history:
        if any(r.kind == kind for r in history.runs()):
            raise AuditorError(f"{path} {why}")


def _policy(policy_path: Path | None):
    from .policy import default_policy, load_policy

    return load_policy(policy_path) if policy_path else default_policy()


# -- clinician: encode ------------------------------------------------------------------
@click.command("encode")
@click.argument("exports", nargs=-1, required=True, metavar="EXPORTS...")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Encoded connections to send to the practice admin (sealed, 0600).")
@_index_option
@click.option("--region", default="US", show_default=True,
              help="Country for phone numbers written without a +country code.")
@click.pass_obj
def connections_encode(app: App, exports: tuple[str, ...], output: Path, index_path: Path | None,
                       region: str) -> None:
    """Encode your connection exports for the practice admin (keyed encodings only).

    EXPORTS are read like 'audit --connections'. The file holds keyed
    encodings, an opaque ref per connection and what the policy needs
    (platform, relation, your account, how a subscriber joined): no names,
    handles, e-mails, phones, links or paths. Your local index maps the refs
    back to your connections; it stays on this machine.

    The admin holds the practice key, so they could test guesses (a list of
    names or handles) against these encodings: send this file to your
    practice admin only, and delete your copy once it is sent.
    """
    from .audit import read_connections
    from .practice.encoded import encode_for_practice, load_index, save_connections, save_index

    keys = app.key().subkeys()
    index_file = _index_path(app, index_path)
    index = load_index(index_file, keys, create=True)       # a damaged index stops here, before any write
    if output.resolve() == index_file.resolve():
        raise AuditorError(f"{output}: that is your local index; choose another -o")
    with app.progress("reading connection exports") as update:
        connections, inputs, ignored = read_connections(exports)
        if not connections:
            raise AuditorError("no connections found in " + ", ".join(exports))
        update(f"encoding {len(connections):,} connections")
        pc = encode_for_practice(keys, connections, inputs, index, region, ignored)
        # mine.enc is written beside -o first and put in place once the index knows its refs: an unwritable
        # -o leaves the index as it was, and no mine.enc exists whose results could not be imported.
        with staged(output) as pending:
            counts = save_connections(pending, keys, pc)
            save_index(index_file, keys, index)
    for path, why in ignored:
        app.say(f"Ignored {path}: {why}", markup=False)
    platforms = ", ".join(f"{i['platform']} {i['records']:,}" for i in pc.inputs)
    app.say(f"Wrote {output}: {counts['connections']:,} encoded connections ({platforms}), key {keys.fingerprint}; "
            "no names or handles in it.")
    app.say(f"Local index: {index_file} (keep it on this machine; 'auditor findings import' needs it).")


# -- clinician: import ------------------------------------------------------------------
@click.command("import")
@click.argument("results_path", metavar="RESULTS", type=click.Path(dir_okay=False, path_type=Path))
@_index_option
@_store_option
@click.option("--no-store", is_flag=True, help="Do not record the imported run in your history store.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for findings.json and your reports (created 0700, files 0600).")
@click.option("--format", "fmt", default="json,table", show_default=True,
              help="Comma-separated: html, json, md, csv (written to --out), table (the longer terminal table).")
@click.pass_obj
def findings_import(app: App, results_path: Path, index_path: Path | None, store: Path | None, no_store: bool,
                    out: Path | None, fmt: str) -> None:
    """Import the results the practice admin sent back, resolved against your local index.

    RESULTS is the admin's results.enc for your encodings. Each finding is
    shown with your own connection's handle, looked up in your local index;
    the run is recorded in your history store, so the next import shows what
    changed.
    """
    from reports.interface import Audience
    from reports.registry import parse_formats, write_reports

    from .cli import _WROTE, record_history, say_path, show_terminal
    from .practice.encoded import load_index
    from .practice.results import import_result, load_results

    formats = parse_formats(fmt)
    keys = app.key().subkeys()
    index_file = _index_path(app, index_path)
    index = load_index(index_file, keys)
    document = load_results(results_path, keys, index, index_file)
    result = import_result(results_path, document, index, index_file)
    if not no_store:
        history_file = _store_path(app, store)
        _refuse_other_side(history_file, keys, "practice-match",
                           "is the practice admin's store; import into your own history (--store PATH)")
        record_history(app, keys, result, history_file, kind="import", scope=str(document["clinician"]))
    written = write_reports(result, Audience.THERAPIST, formats, out) if out is not None else []
    show_terminal(app, result, Audience.THERAPIST, formats)       # leads with what changed since the last import
    for target in written:
        say_path(app, f"Wrote {target} ({_WROTE['therapist']}, mode 0600).")


# -- the practice group -----------------------------------------------------------------
@click.group()
def practice() -> None:
    """Group practice: match a clinician's encoded connections and summarise for compliance.

    \b
    Clinician:  auditor connections encode EXPORTS... -o mine.enc      (send mine.enc to the admin)
    Admin:      auditor practice match --roster roster.enc --connections mine.enc
                    --clinician K-XXXX -o results.enc                   (send results.enc back)
    Clinician:  auditor findings import results.enc
    Clinician:  auditor practice status -o status.enc                  (dispositions, de-identified)
    Admin:      auditor practice update --status status.enc --clinician K-XXXX
    Compliance: auditor practice summary
    """


@practice.command("clinicians")
@click.option("--roster", "roster_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Encrypted roster from 'auditor roster encode' (with a clinician column).")
@click.pass_obj
def practice_clinicians(app: App, roster_path: Path) -> None:
    """List the clinician pseudonyms in a roster, with client counts (no names)."""
    from .practice.match import clinician_counts
    from .roster import load_roster

    roster = load_roster(roster_path, app.key().subkeys())
    counts = clinician_counts(roster)
    table = Table("clinician", "clients")
    for name in sorted(c for c in counts if c):
        table.add_row(name, str(counts[name]))
    if counts.get(""):
        table.add_row("(no clinician)", str(counts[""]))
    app.out.print(table)
    if not [c for c in counts if c]:
        app.say("No clinician in this roster: encode it with a clinician column (--map 'Column=clinician') "
                "holding each client's clinician by name.")


@practice.command("match")
@click.option("--roster", "roster_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The practice's encrypted roster (with a clinician column).")
@click.option("--connections", "connections_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The clinician's mine.enc.")
@_clinician_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Results to send back to the clinician (sealed, 0600).")
@_policy_option
@_admin_store_option
@click.option("--min-tier", type=click.Choice(["confirmed", "likely", "possible"]), default="possible",
              show_default=True, help="Report matches of this tier and stronger.")
@click.pass_obj
def practice_match(app: App, roster_path: Path, connections_path: Path, clinician: str, output: Path,
                   policy_path: Path | None, store: Path | None, min_tier: str) -> None:
    """Match one clinician's encoded connections against the roster.

    Matches to the clinician's own clients go to the results file; matches
    to a colleague's clients (or clients with no clinician) are recorded in
    your history store only, de-identified, for the compliance summary.
    """
    from .history import open_store
    from .practice.encoded import load_connections
    from .practice.match import match_clinician, resolve_clinician
    from .practice.results import results_document, save_results
    from .roster import load_roster

    keys = app.key().subkeys()
    policy = _policy(policy_path)
    roster = load_roster(roster_path, keys)
    ref = resolve_clinician(keys, roster, clinician, str(roster_path))
    pc = load_connections(connections_path, keys)
    if output.resolve() in (connections_path.resolve(), roster_path.resolve()):
        raise AuditorError(f"{output}: would overwrite an input; choose another -o")
    store_file = _admin_store_path(app, store)
    _refuse_other_side(store_file, keys, "import", "holds a clinician's imported results; keep the practice "
                                                   "admin's history in a store of its own (--store PATH)")
    with app.progress(f"matching {pc.size:,} connections") as update:
        outcome = match_clinician(keys, roster, pc, ref, policy=policy, min_tier=min_tier)
        update("recording the run in the history store")
        # The results are written beside -o first and put in place once the run is recorded: an
        # unwritable -o records nothing, and a failed record leaves no results (and any older ones) as they were.
        with staged(output) as pending:
            save_results(pending, keys, results_document(outcome, pc), pc.return_key)
            with open_store(store_file, keys) as history:
                changes = history.record_run(outcome.result, _admin_document(outcome.result),
                                             kind="practice-match", scope=ref)
    app.say(changes.headline())
    app.say(f"Clinician {ref}: {pc.size:,} encoded connections, {len(outcome.own)} finding(s) for their own "
            f"clients -> {output}; {len(outcome.colleague)} match(es) to a colleague's client kept in "
            f"{store_file} only.", markup=False)
    app.say(f"{connections_path} is no longer needed: delete it (the encodings are not kept anywhere else).",
            markup=False)


def _admin_document(result) -> dict:
    import json

    from reports.interface import Audience
    from reports.json_report import FindingsJson
    from reports.views import build_view

    return json.loads(FindingsJson().render(build_view(result, Audience.THERAPIST)))


@practice.command("status")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Status file to send to the practice admin (sealed, 0600).")
@click.option("--clinician", default=None, metavar="K-XXXX",
              help="Your pseudonym, if your store holds results for several.")
@_store_option
@click.pass_obj
def practice_status(app: App, output: Path, clinician: str | None, store: Path | None) -> None:
    """Write your dispositions of imported findings for the admin (ids and statuses only; no reasons)."""
    from .history import open_store
    from .practice.status import save_status, status_document

    keys = app.key().subkeys()
    with open_store(_store_path(app, store), keys, create=False) as history:
        document = status_document(history, clinician.strip().upper() if clinician else None)
    save_status(output, keys, document)
    tally: dict[str, int] = {}
    for row in document["findings"]:
        tally[row["status"]] = tally.get(row["status"], 0) + 1
    shown = ", ".join(f"{n} {s}" for s, n in sorted(tally.items())) or "no findings"
    app.say(f"Wrote {output}: {shown} (clinician {document['clinician']}; finding ids and statuses only).",
            markup=False)


@practice.command("update")
@click.option("--status", "status_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The clinician's status.enc.")
@_clinician_option
@_admin_store_option
@click.pass_obj
def practice_update(app: App, status_path: Path, clinician: str, store: Path | None) -> None:
    """Apply a clinician's status file to your history store."""
    from .history import open_store
    from .practice.match import resolve_clinician
    from .practice.status import apply_status, load_status

    keys = app.key().subkeys()
    ref = resolve_clinician(keys, None, clinician)
    document = load_status(status_path, keys)
    if document["clinician"] != ref:
        raise AuditorError(f"{status_path}: this status file is from clinician {document['clinician']}, not {ref}")
    with open_store(_admin_store_path(app, store), keys, create=False) as history:
        counts = apply_status(history, document, ref)
    app.say(f"Clinician {ref}: {counts['applied']} status(es) applied, {counts['unchanged']} unchanged, "
            f"{counts['unknown']} not among this clinician's findings (skipped).", markup=False)


@practice.command("summary")
@_admin_store_option
@_policy_option
@click.option("--roster", "roster_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also list the roster's clinicians that were never matched (as overdue).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "md"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (0600) instead of the terminal.")
@click.pass_obj
def practice_summary(app: App, store: Path | None, policy_path: Path | None, roster_path: Path | None, fmt: str,
                     output: Path | None) -> None:
    """Roll up every clinician's latest practice match for the compliance officer (de-identified).

    Per clinician pseudonym: counts by category and severity, open /
    accepted / resolved / false-positive, the age of the oldest open finding,
    matches to a colleague's client (a count), the last audit and an OVERDUE
    flag when it is older than the policy's audit interval.
    """
    from .fileio import write_private
    from .history import open_store
    from .practice.match import clinician_counts
    from .practice.summary import render, summarise
    from .roster import load_roster

    keys = app.key().subkeys()
    policy = _policy(policy_path)
    extra = None
    if roster_path is not None:
        extra = [c for c in clinician_counts(load_roster(roster_path, keys)) if c]
    with open_store(_admin_store_path(app, store), keys, create=False) as history:
        rows = summarise(history, policy.audit_interval_months, clinicians=extra)
    if fmt == "table" and output is None:
        from .practice.summary import category_rows, table_rows

        for title, (head, body) in (("Practice audit summary (de-identified)", table_rows(rows)),
                                    ("Findings of the latest match by category", category_rows(rows))):
            if body:
                table = Table(*head, title=title)
                for row in body:
                    table.add_row(*(escape(cell) for cell in row))
                app.out.print(table)
        app.show(f"Audit interval: every {policy.audit_interval_months} month(s); clinician pseudonyms and "
                 "counts only.")
        if not rows:
            app.say("No practice matches in this store yet (auditor practice match).")
        return
    text = render(rows, "md" if fmt == "table" else fmt, policy.audit_interval_months)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_private(output, text.encode("utf-8"))
        app.say(f"Wrote {output} (de-identified practice summary, mode 0600).", markup=False)
