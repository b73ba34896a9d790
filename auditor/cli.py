"""The `auditor` command: a thin shell over keys, roster, Auditor and reports."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connectors.interface import ConnectorError

from . import __version__
from . import keys as keymod
from .cli_connections import connections, token
from .cli_findings import findings
from .cli_log import log
from .cli_policy import policy
from .cli_practice import connections_encode, findings_import, practice
from .errors import AuditorError
from .history.location import store_path

store_option = click.option(
    "--store", type=click.Path(dir_okay=False, path_type=Path), envvar="AUDITOR_STORE",
    help="History store (SQLite); default: one per practice in your user data folder.")

PLATFORM_HELP = "Prefix 'facebook:', 'instagram:', ... to insist on a platform."


@dataclass
class App:
    """Per-invocation settings shared by the subcommands (no global state)."""

    practice: str
    key_file: Path | None
    quiet: bool
    out: Console = field(default_factory=lambda: Console(
        highlight=False, width=None if sys.stdout.isatty() else 120))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))

    def key(self) -> keymod.PracticeKey:
        return keymod.resolve_key(self.practice, self.key_file)

    def say(self, text: str, *, markup: bool = False) -> None:
        """A progress or status line on stderr; user text (paths, columns) is printed literally."""
        if not self.quiet:
            self.err.print(text, markup=markup)

    def show(self, text: str) -> None:
        """Requested output on stdout, printed literally."""
        self.out.print(text, markup=False)

    @contextlib.contextmanager
    def progress(self, first: str) -> Iterator:
        """A spinner with the current stage on a terminal; silent when piped or --quiet."""
        if self.quiet or not self.err.is_terminal:
            yield lambda _text: None
            return
        with self.err.status(first) as status:
            yield lambda text: status.update(text)


class AuditorGroup(click.Group):
    """Turns user mistakes into one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AuditorError as exc:
            click.echo(f"auditor: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except ConnectorError as exc:
            click.echo(f"auditor: error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=AuditorGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--practice", default=keymod.DEFAULT_PRACTICE, show_default=True, envvar="AUDITOR_PRACTICE",
              help="Practice name: which practice key to use from the OS keyring.")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), envvar="AUDITOR_KEY_FILE",
              help="Read the practice key from this file (must be readable by you only) instead of the keyring.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and requested output.")
@click.version_option(version=__version__, prog_name="auditor")
@click.pass_context
def cli(ctx: click.Context, practice: str, key_file: Path | None, quiet: bool) -> None:
    """Find your clients among your own social-media connections and newsletter
    subscribers, privately.

    \b
    Typical quarter:
      auditor key init                                   # once per practice
      auditor roster encode clients.csv -o roster.enc    # EHR export -> encrypted encodings
      auditor audit --roster roster.enc --connections ~/Downloads/facebook-export --out audit-2026Q4
    Try it first on made-up data:  auditor demo

    The practice key comes from --key-file, else the AUDITOR_KEY environment
    variable (64 hex characters), else the OS keyring.
    """
    ctx.obj = App(practice=practice, key_file=key_file, quiet=quiet)


cli.add_command(token)
cli.add_command(connections)
cli.add_command(policy)
cli.add_command(findings)
cli.add_command(log)
cli.add_command(practice)
connections.add_command(connections_encode)
findings.add_command(findings_import)


# -- keys ---------------------------------------------------------------------
@cli.group()
def key() -> None:
    """Create, inspect and move the practice key."""


@key.command("init")
@click.option("--force", is_flag=True, help="Replace an existing key (old rosters become unreadable).")
@click.pass_obj
def key_init(app: App, force: bool) -> None:
    """Create a new 256-bit practice key and store it in the OS keyring."""
    secret = keymod.new_secret()
    keymod.KeyStore().set(app.practice, secret, force=force)
    fp = keymod.PracticeKey(secret, "").subkeys().fingerprint
    app.say(f"Created practice key '{app.practice}' (fingerprint {fp}) in the OS keyring.")
    app.say("Back it up with 'auditor key export -o FILE' and keep that file somewhere safe.")


@key.command("status")
@click.pass_obj
def key_status(app: App) -> None:
    """Show where the practice key comes from (never the key itself)."""
    practice_key = app.key()
    app.show(f"practice:    {app.practice}")
    app.show(f"source:      {practice_key.origin}")
    app.show(f"fingerprint: {practice_key.subkeys().fingerprint}")


@key.command("export")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Key file to write (created 0600).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def key_export(app: App, output: Path, yes: bool) -> None:
    """Write the practice key to a file, to move it to another machine.

    Anyone with this file can test guesses against your encoded roster: move it
    only between the practice's own machines, then delete the copy.
    """
    practice_key = app.key()
    if output.exists() and not yes:
        raise AuditorError(f"{output}: already exists (add --yes to overwrite)")
    if not yes and sys.stdin.isatty():
        click.confirm("This writes your practice key in clear to a file. Continue?", abort=True, err=True)
    keymod.write_key_file(output, practice_key, app.practice)
    app.say(f"WARNING: {output} holds the practice key. Keep it private; delete it once imported.")


@key.command("import")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a different key already stored for this practice.")
@click.pass_obj
def key_import(app: App, key_file: Path, force: bool) -> None:
    """Store a key file in this machine's OS keyring.

    KEY_FILE comes from 'auditor key export' on another machine of the practice.
    """
    secret = keymod.read_key_file(key_file)
    store = keymod.KeyStore()
    existing = store.get(app.practice)
    if existing == secret:
        app.say("This key is already stored; nothing to do.")
        return
    store.set(app.practice, secret, force=force)
    fp = keymod.PracticeKey(secret, "").subkeys().fingerprint
    app.say(f"Imported practice key '{app.practice}' (fingerprint {fp}).")
    app.say(f"WARNING: delete {key_file} now that the key is in the keyring.")


# -- roster -------------------------------------------------------------------
@cli.group()
def roster() -> None:
    """Turn an EHR client list into a de-identified, encrypted roster."""


_map_option = click.option(
    "--map", "mappings", multiple=True, metavar="COLUMN=FIELD",
    help="Use a column the tool does not recognise, e.g. --map 'Legal Surname=last_name' "
         "(fields: client_id, first_name, last_name, full_name, preferred_name, other_names, email, "
         "phone, handles, status, end_date, clinician; or 'ignore').")
_region_option = click.option("--region", default="US", show_default=True,
                              help="Country for phone numbers written without a +country code.")


@roster.command("encode")
@click.argument("clients_csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Encrypted roster to write (0600).")
@_map_option
@_region_option
@click.pass_obj
def roster_encode(app: App, clients_csv: Path, output: Path, mappings: tuple[str, ...], region: str) -> None:
    """Encode an EHR client export into an encrypted roster.

    CLIENTS_CSV is turned into keyed encodings; nothing in clear is written.

    Only a name column is required; e-mail, phone and social handles make
    matches far stronger.
    """
    from .clients import parse_map, read_clients
    from .roster import encode_roster, save_roster

    keys = app.key().subkeys()
    loaded = read_clients(clients_csv, parse_map(mappings), region)
    encoded = encode_roster(keys, loaded.records)
    header = save_roster(output, keys, encoded, list(loaded.columns))
    used = ", ".join(f"{f} ({'/'.join(cols)})" for f, cols in sorted(loaded.columns.items()))
    app.say(f"Columns used: {used}")
    if "client_id" not in loaded.columns:
        app.say("Note: no client id column, so client_ref is derived from the name and will change if "
                "the name changes; map one with --map 'Your Column=client_id'.")
    for line in loaded.skipped:
        app.say(f"Skipped {clients_csv}, {line}")
    counts = header["counts"]
    family = f"; {counts['associated']} associated persons" if counts.get("associated") else ""
    app.say(f"Wrote {output}: {counts['clients']} clients ({counts['current']} current, "
            f"{counts['former']} former{family}), key {keys.fingerprint}.")


@roster.command("resolve")
@click.argument("clients_csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--roster", "roster_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "table"]), default="csv", show_default=True)
@_map_option
@click.pass_obj
def roster_resolve(app: App, clients_csv: Path, roster_path: Path, fmt: str, mappings: tuple[str, ...]) -> None:
    """Print client_ref next to client_id, on screen only.

    For your own lookup: nothing is written to disk.
    """
    from .clients import parse_map, read_clients
    from .roster import assign_refs, load_roster

    keys = app.key().subkeys()
    encoded = load_roster(roster_path, keys)
    loaded = read_clients(clients_csv, parse_map(mappings))
    refs = assign_refs(keys, loaded.records)
    known = set(encoded.refs.tolist())
    rows = [(ref, r.client_id or f"(line {r.line})") for ref, r in zip(refs, loaded.records)]
    missing = sum(ref not in known for ref, _ in rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["client_ref", "client_id"])
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        table = Table("client_ref", "client_id")
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        app.out.print(table)
    if missing:
        app.say(f"Note: {missing} client(s) in {clients_csv} are not in {roster_path} (re-encode the roster).")


@roster.command("info")
@click.argument("roster_path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def roster_info_cmd(app: App, roster_path: Path) -> None:
    """Show a roster's counts and key fingerprint (no identifiers).

    Reads only the file header, so no key is needed.
    """
    from .roster import roster_info

    header = roster_info(roster_path)
    counts = header.get("counts", {})
    app.show(f"file:            {roster_path}")
    app.show(f"format:          connection-auditor {header.get('kind')} v{header.get('version')}")
    app.show(f"key fingerprint: {header.get('key_fingerprint')}")
    app.show(f"created:         {header.get('created_at')}")
    for name in ("clients", "current", "former", "status_unknown", "associated", "clinicians", "tokens"):
        if name in counts:
            app.show(f"{name + ':':<16} {counts[name]:,}")
    if header.get("columns_used"):
        app.show(f"columns used:    {', '.join(header['columns_used'])}")


# -- audit --------------------------------------------------------------------
_WROTE = {"therapist": "confidential: contains PHI", "compliance": "de-identified compliance report",
          "external": "aggregate summary, small counts suppressed"}


def _formats(value: str) -> list[str]:
    from reports.registry import parse_formats

    return parse_formats(value)


def say_path(app: App, text: str) -> None:
    """A status line holding a path or file:// address, never wrapped, so it can be copied whole."""
    if not app.quiet:
        app.err.print(text, markup=False, soft_wrap=True)


def show_terminal(app: App, result, audience, formats: list[str], *, requested: bool = False) -> None:
    """The terminal report for `audience`: a short one always, the long one with 'table'.

    --quiet silences the summary an audit prints on its own, not a table asked for by `report`.
    """
    from reports.interface import Audience
    from reports.terminal import ComplianceTerminal, ExternalTerminal, TherapistTerminal
    from reports.views import build_view

    if app.quiet and not requested:
        return
    long = "table" in formats
    printer = {Audience.THERAPIST: lambda: TherapistTerminal(top=15 if long else 5),
               Audience.COMPLIANCE: lambda: ComplianceTerminal(top=None if long else 5),
               Audience.EXTERNAL: ExternalTerminal}[audience]()
    printer.show(build_view(result, audience), app.out)


def record_history(app: App, keys, result, store: Path | None, *, kind: str = "audit", scope: str = "") -> None:
    """Add the run to the history store (one transaction) and attach what changed to the result."""
    import json

    from reports.interface import Audience
    from reports.json_report import FindingsJson
    from reports.views import build_view

    from .history import open_store

    if store is None:
        return
    document = json.loads(FindingsJson().render(build_view(result, Audience.THERAPIST)))
    with open_store(store, keys) as history:
        result.changes = history.record_run(result, document, kind=kind, scope=scope)


def run_audit(app: App, keys, roster_path: Path, connections: tuple[str, ...], out: Path,
              formats: list[str], min_tier: str, region: str, policy_path: Path | None = None,
              audience: str = "therapist", store: Path | None = None):
    """Shared by `audit` and `demo`: run the audit, record it, write the reports, print the summary.

    The history store is written before the reports, in one transaction: a run
    killed half-way leaves the store and the earlier reports as they were.
    """
    from reports.registry import parse_audience, write_reports

    from .audit import AuditOptions, Auditor
    from .policy import default_policy, load_policy
    from .roster import load_roster

    reader = parse_audience(audience)
    policy = load_policy(policy_path) if policy_path else default_policy()
    encoded = load_roster(roster_path, keys)
    with app.progress("reading connection exports") as update:
        options = AuditOptions(min_tier=min_tier, region=region, policy=policy)
        result = Auditor(keys, options, progress=update).run(encoded, connections)
        update("recording the run in the history store")
        record_history(app, keys, result, store)
    written = write_reports(result, reader, formats, out)
    show_terminal(app, result, reader, formats)
    for target in written:
        say_path(app, f"Wrote {target} ({_WROTE[reader.value]}, mode 0600).")
    return result


_audience_option = click.option(
    "--audience", type=click.Choice(["therapist", "compliance", "external"]), default="therapist",
    show_default=True, help="Who the reports are for: therapist (yours: handles, evidence, scores), compliance "
                            "(de-identified, no handles or scores), external (counts only, small ones suppressed).")


@cli.command()
@click.option("--roster", "roster_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Encrypted roster from 'auditor roster encode'.")
@click.option("--connections", "connections", multiple=True, required=True, metavar="PATH",
              help="A connection export: a file or an unpacked export folder; repeat for several. " + PLATFORM_HELP)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for findings.json and the reports (created 0700, files 0600).")
@click.option("--format", "fmt", default="json,table", show_default=True,
              help="Comma-separated: html, json, md, csv (written as DIR/report-AUDIENCE.EXT; the therapist's "
                   "json is DIR/findings.json), table (the longer terminal table).")
@_audience_option
@click.option("--min-tier", type=click.Choice(["confirmed", "likely", "possible"]), default="possible",
              show_default=True, help="Report matches of this tier and stronger.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Practice policy file (auditor policy init); default: the ACA 2014 preset.")
@_region_option
@store_option
@click.option("--no-store", is_flag=True, help="Do not record this run in the history store.")
@click.pass_obj
def audit(app: App, roster_path: Path, connections: tuple[str, ...], out: Path, fmt: str, audience: str,
          min_tier: str, region: str, policy_path: Path | None, store: Path | None, no_store: bool) -> None:
    """Find clients among your connections and write a private list of findings.

    Each run is recorded in the history store, compared with the last one
    (new, gone, regressed, acceptance expired), and the summary leads with
    what changed.
    """
    formats = _formats(fmt)
    history = None if no_store else store_path(store, app.practice)
    run_audit(app, app.key().subkeys(), roster_path, connections, out, formats, min_tier, region,
              policy_path, audience, store=history)


@cli.command("report")
@click.argument("findings_path", metavar="FINDINGS", type=click.Path(path_type=Path))
@click.option("--audience", type=click.Choice(["therapist", "compliance", "external"]), required=True,
              help="Who the report is for: therapist, compliance (de-identified) or external (counts only).")
@click.option("--format", "fmt", default="html", show_default=True,
              help="Comma-separated: html, json, md, csv, table (printed here).")
@click.option("-o", "--output", type=click.Path(),
              help="File to write (one format) or folder for report-AUDIENCE.EXT; default: FINDINGS' folder.")
@click.pass_obj
def report(app: App, findings_path: Path, audience: str, fmt: str, output: str | None) -> None:
    """Re-render an earlier audit's findings.json for another reader.

    FINDINGS is the therapist's findings.json (or the audit folder holding
    it). A compliance or external report can be made from it; a compliance or
    external report cannot be turned back into a fuller one. No key is needed.
    """
    from reports.load import load_result
    from reports.registry import FILE_FORMATS, file_name, parse_audience, write_reports

    formats = _formats(fmt)
    reader = parse_audience(audience)
    source = findings_path / "findings.json" if findings_path.is_dir() else findings_path
    result = load_result(findings_path)
    files = [f for f in formats if f in FILE_FORMATS]
    as_file = output is not None and not Path(output).is_dir() and not output.endswith(("/", os.sep))
    if as_file and len(files) > 1:
        raise AuditorError(f"-o {output}: give a folder when writing several formats ({', '.join(files)})")
    folder = Path(output) if output is not None and not as_file else source.parent
    names = {files[0]: Path(output)} if as_file and output is not None and files else {}
    for f in files:
        target = names.get(f) or folder / file_name(reader, f)
        if target.resolve() == source.resolve():
            raise AuditorError(f"{target}: would overwrite the findings file being read; choose another -o")
    written = write_reports(result, reader, files, folder, names=names)
    if "table" in formats:
        show_terminal(app, result, reader, ["table"], requested=True)
    for target in written:
        say_path(app, f"Wrote {target} ({_WROTE[reader.value]}, mode 0600).")


@cli.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("auditor-demo"),
              show_default=True, help="Folder for the demo's files.")
@click.pass_obj
def demo(app: App, out: Path) -> None:
    """Run the whole flow on the bundled made-up sample data with a throwaway key."""
    from .demo import run_demo

    run_demo(app, out)


def main() -> None:
    cli(prog_name="auditor")


if __name__ == "__main__":  # pragma: no cover
    main()
