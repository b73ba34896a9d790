"""`auditor token ...` and `auditor connections fetch|resolve-x`: API lists, saved for offline audits.

A fetch writes the generic connection JSON (`connection-auditor/connections@1`)
so that `auditor audit --connections FILE` works offline, like any export. The
commands use the App object of the main group (messages, spinner), and are
attached to it by auditor/cli.py; nothing here imports that module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connectors.http import Fetched, HttpOptions, default_cache_dir
from connectors.interface import Connection

from .errors import AuditorError
from .fileio import write_private
from .tokens import (
    TOKEN_PLATFORMS,
    TOKEN_SERVICE,
    TokenStore,
    resolve_token,
    token_origin,
)

if TYPE_CHECKING:
    from .cli import App

SCHEMA = "connection-auditor/connections@1"
API_PLATFORMS = ("mastodon", "bluesky", "mailchimp")
RELATIONS = {"followers": ("follower",), "following": ("following",), "both": ("follower", "following")}
RECORD_FIELDS = ("platform", "relation", "account", "display_name", "username", "email", "phone",
                 "profile_url", "external_id", "connected_at", "joined_via", "id")


# -- the file a fetch writes ----------------------------------------------------
def connection_record(conn: Connection) -> dict[str, Any]:
    """A Connection as a generic-JSON object (non-empty fields; extras as an object).

    `source` is left out on purpose: the generic reader takes a "source" key as the
    how-joined column, and sets each record's source to its place in the file.
    """
    record: dict[str, Any] = {name: getattr(conn, name) for name in RECORD_FIELDS if getattr(conn, name)}
    if conn.extras:
        record["extras"] = dict(conn.extras)
    return record


def connections_document(platform: str, account: str, conns: Iterable[Connection], fetched_at: str,
                         notes: Iterable[str] = ()) -> dict[str, Any]:
    return {"schema": SCHEMA, "platform": platform, "account": account, "fetched_at": fetched_at,
            "notes": list(notes), "connections": [connection_record(c) for c in conns]}


def write_connections(path: Path, document: dict[str, Any]) -> None:
    write_private(path, (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode())


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _options(cache_dir: Path | None, refresh: bool, update) -> HttpOptions:
    return HttpOptions(cache_dir=cache_dir or default_cache_dir(), refresh=refresh, progress=update)


def _report_written(app: App, output: Path, platform: str, conns: list[Connection], notes: Iterable[str],
                    pages: int, cached: int, cache_dir: Path) -> None:
    for note in notes:
        app.say(f"Note: {note}")
    counts: dict[str, int] = {}
    for conn in conns:
        counts[conn.relation] = counts.get(conn.relation, 0) + 1
    detail = ", ".join(f"{n} {relation}" for relation, n in counts.items())
    app.say(f"Wrote {output}: {len(conns)} {platform} connections ({detail or 'none'}); "
            "it names third parties: keep it private (mode 0600).")
    if pages and cached == pages:
        app.say(f"Read from the cache in {cache_dir} (fetched earlier); add --refresh to fetch again.")
    elif pages:
        app.say(f"Answers cached in {cache_dir} (mode 0600); a re-run reads them unless --refresh.")
    if output.suffix.lower() != ".json":
        app.say(f"Note: name the file *.json so that 'auditor audit --connections {output}' recognises it.")


def _refuse_empty(app: App, platform: str, conns: list[Connection], notes: Iterable[str], output: Path) -> None:
    """An empty list would be rejected by the audit's reader, so none is written."""
    if conns:
        return
    for note in notes:
        app.say(f"Note: {note}")
    raise AuditorError(f"no {platform} connections were fetched, so {output} was not written")


# -- auditor token ----------------------------------------------------------------
token = click.Group("token", help="Store, list and delete the API tokens kept in the OS keyring.")


@token.command("set")
@click.argument("platform", type=click.Choice(TOKEN_PLATFORMS))
@click.pass_obj
def token_set(app: App, platform: str) -> None:
    """Store an API token for PLATFORM in the OS keyring.

    The token is asked for with hidden input, or read from stdin when piped.
    It is never shown, logged or written to a file.

    \b
    mastodon:  Preferences > Development > New application (read:accounts, read:follows)
    mailchimp: Profile > Extras > API keys (the whole key, ending in -us21 or similar)
    x:         the developer portal's app Bearer token
    """
    if sys.stdin.isatty():
        value = click.prompt(f"{platform} token", hide_input=True, err=True)
    else:
        value = sys.stdin.read()
    value = value.strip()
    if platform == "mailchimp" and value:
        from connectors.api_mailchimp import data_centre

        data_centre(value)
    TokenStore().set(platform, value)
    app.say(f"Stored the {platform} token in the OS keyring (service {TOKEN_SERVICE}, account {platform}).")


@token.command("delete")
@click.argument("platform", type=click.Choice(TOKEN_PLATFORMS))
@click.pass_obj
def token_delete(app: App, platform: str) -> None:
    """Remove the stored API token for PLATFORM from the OS keyring."""
    if TokenStore().delete(platform):
        app.say(f"Deleted the {platform} token from the OS keyring.")
    else:
        app.say(f"No {platform} token was stored; nothing to do.")


@token.command("list")
@click.pass_obj
def token_list(app: App) -> None:
    """Show which platforms have an API token (never the token itself)."""
    store = TokenStore()
    for platform in TOKEN_PLATFORMS:
        app.show(f"{platform + ':':<11}{token_origin(platform, store) or 'none'}")


# -- auditor connections ------------------------------------------------------------
connections = click.Group("connections", help="Inspect connection exports, or fetch them from platform APIs.")

_cache_option = click.option(
    "--cache-dir", type=click.Path(file_okay=False, path_type=Path),
    help="Folder for cached API answers (default ~/.cache/connection-auditor, or under "
         "$XDG_CACHE_HOME; files 0600).")
_refresh_option = click.option("--refresh", is_flag=True, help="Fetch again instead of reading cached answers.")
_output_option = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
                              help="JSON file to write (0600), for 'auditor audit --connections FILE'.")


def _fetch(platform: str, account: str | None, list_id: str | None, relations: tuple[str, ...],
           options: HttpOptions) -> Fetched:
    """Run the platform's API connector; tokens come from AUDITOR_TOKEN_* or the keyring."""
    if platform == "mailchimp":
        from connectors.api_mailchimp import MailchimpApi

        if not list_id:
            raise AuditorError("mailchimp needs --list-id (the audience ID)")
        return MailchimpApi(options, resolve_token("mailchimp", required=True) or "").fetch(list_id)
    if not account:
        raise AuditorError(f"{platform} needs --account (" + (
            "user@instance" if platform == "mastodon" else "a handle such as name.bsky.social") + ")")
    if platform == "mastodon":
        from connectors.api_mastodon import MastodonApi, parse_account

        return MastodonApi(options, resolve_token("mastodon")).fetch(parse_account(account), relations)
    from connectors.api_bluesky import BlueskyApi, parse_actor

    return BlueskyApi(options).fetch(parse_actor(account), relations)


@connections.command("fetch")
@click.argument("platform", type=click.Choice(API_PLATFORMS))
@click.option("--account", metavar="HANDLE_OR_ACCT",
              help="Whose lists: user@instance (Mastodon; the instance alone means the token's own account) "
                   "or a handle or DID (Bluesky).")
@click.option("--list-id", metavar="ID", help="Mailchimp audience ID.")
@click.option("--relation", type=click.Choice(list(RELATIONS)), default="both", show_default=True,
              help="Which lists to fetch (Mastodon, Bluesky).")
@_refresh_option
@_cache_option
@_output_option
@click.pass_obj
def fetch(app: App, platform: str, account: str | None, list_id: str | None, relation: str, refresh: bool,
          cache_dir: Path | None, output: Path) -> None:
    """Fetch followers, follows or subscribers through PLATFORM's API into a JSON file.

    \b
    auditor connections fetch mastodon --account ana@social.example -o mastodon.json
    auditor connections fetch bluesky --account ana.bsky.social -o bluesky.json
    auditor connections fetch mailchimp --list-id abc123def4 -o mailchimp.json

    Mailchimp needs 'auditor token set mailchimp'; Mastodon works without a token
    where the lists are public. Answers are cached, so a re-run works offline.
    """
    with app.progress(f"fetching {platform} connections") as update:
        options = _options(cache_dir, refresh, update)
        result = _fetch(platform, account, list_id, RELATIONS[relation], options)
    _refuse_empty(app, platform, result.connections, result.notes, output)
    write_connections(output, connections_document(platform, result.account, result.connections, _now(),
                                                   result.notes))
    _report_written(app, output, platform, result.connections, result.notes, result.pages,
                    result.cached_pages, options.cache_dir or default_cache_dir())


@connections.command("resolve-x")
@click.argument("archive", metavar="ARCHIVE_FILE_OR_DIR", type=click.Path(path_type=Path))
@_refresh_option
@_cache_option
@_output_option
@click.pass_obj
def resolve_x(app: App, archive: Path, refresh: bool, cache_dir: Path | None, output: Path) -> None:
    """Look up the handles and names behind the account IDs of an X archive.

    Reads follower.js and following.js from ARCHIVE_FILE_OR_DIR (the unpacked
    archive or its data folder), asks the X API for the accounts' names, 100 IDs
    per request, and writes them for 'auditor audit --connections FILE'.
    This sends every ID to X, so X learns which accounts were looked up.
    Needs 'auditor token set x'.
    """
    from connectors.api_x import enrich
    from connectors.registry import Registry

    report = Registry().read_path(f"x:{archive}")
    conns = [c for result in report.files for c in result.connections]
    if not conns:
        raise AuditorError(f"{archive}: no X followers or following in it")
    x_token = resolve_token("x", required=True)
    with app.progress("looking up X accounts") as update:
        options = _options(cache_dir, refresh, update)
        result = enrich(conns, x_token, options)
    owner = next((c.account for c in conns if c.account), "")
    write_connections(output, connections_document("x", owner, result.connections, _now(), result.notes))
    _report_written(app, output, "x", result.connections, result.notes, result.pages, result.cached_pages,
                    options.cache_dir or default_cache_dir())


@connections.command("inspect")
@click.argument("path", metavar="PATH")
@click.option("--sample", default=3, show_default=True, help="Handles to show per file (0 for none).")
@click.pass_obj
def connections_inspect(app: App, path: str, sample: int) -> None:
    """Show what the tool reads in an export: files, platforms, relations, problems.

    PATH is a file, an unpacked export folder or a .zip. Only handles are shown
    as samples, never display names or e-mail addresses.
    """
    from collections import Counter

    from rich.markup import escape
    from rich.table import Table

    from .audit import read_connections

    conns, inputs, ignored = read_connections([path])
    table = Table("file", "platform", "relations", "records", "skipped", "sample handles",
                  title="Connection lists found", title_justify="left")
    offset = 0
    for summary in inputs:
        mine = conns[offset:offset + summary.records]
        offset += summary.records
        relations = Counter(c.relation for c in mine)
        handles = [("@" + c.username) if c.username else c.profile_url for c in mine if c.username or c.profile_url]
        table.add_row(escape(summary.path), summary.platform,
                      ", ".join(f"{r} {n:,}" for r, n in relations.most_common()),
                      f"{summary.records:,}", f"{summary.skipped:,}", escape(", ".join(handles[:sample])))
    app.out.print(table)
    totals = Counter((c.platform, c.relation) for c in conns)
    app.show("Totals: " + "; ".join(f"{p} {r} {n:,}" for (p, r), n in sorted(totals.items())))
    problems = [line for s in inputs for line in s.skipped_details] + [f"{p}: {why}" for p, why in ignored]
    if problems:
        app.show(f"Problems and files not read ({len(problems)}):")
        for line in problems[:50]:
            app.show(f"  {line}")
        if len(problems) > 50:
            app.show(f"  ... and {len(problems) - 50} more")
