"""`auditor policy init|check|show`: write, validate and print the practice policy.

The group uses the App object of the main command (messages, consoles) and is
attached by auditor/cli.py; nothing here imports that module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

from connectors.interface import PLATFORMS

from .errors import AuditorError
from .fileio import write_private
from .policy import DEFAULT_PRESET, Applied, Policy, default_policy, load_policy
from .presets import (
    ACCOUNT_KINDS,
    ACTIONS,
    CLASS_LABELS,
    CLASSES,
    PRESETS,
    SEVERITY_TEXT,
    STATUSES,
)

if TYPE_CHECKING:
    from .cli import App

DEFAULT_FILE = Path("auditor-policy.toml")


# -- the commented file `policy init` writes ---------------------------------------------

def _look_back_default(preset: str) -> str:
    years = PRESETS[preset].look_back_years
    return '"never"' if years is None else f"{years:g}"


def policy_template(preset: str = DEFAULT_PRESET) -> str:
    """A practice policy file with every key set to its default and explained."""
    presets = "\n".join(f"#   {p.id:<7} {p.edition}" for p in PRESETS.values())
    look_backs = ", ".join(f"{p.id} {_look_back_default(p.id)}" for p in PRESETS.values())
    classes = "\n".join(f"#   {cls:<17} {label}" for cls, label in CLASS_LABELS.items())
    actions = "\n".join(f"#   {name:<18} {text}" for name, text in ACTIONS.items())
    severities = "\n".join(f"#   {sev}  {text}" for sev, text in SEVERITY_TEXT.items())
    return f'''# connection-auditor practice policy (TOML)
#
# Which ethics-code preset the audit applies, which of your accounts are
# personal or professional, and any rule the practice wants different.
# It holds no client data. Check it with:   auditor policy check FILE
# and see the rules it gives with:          auditor policy show --file FILE
# This tool supports an ethics review; it is not legal advice.

# preset: the code whose rules apply (each names the edition it encodes):
{presets}
preset = "{preset}"

[former_clients]
# look_back_years: how long after treatment ends an online tie with a former
# client is still flagged for review; after that it is informational. The
# codes set periods only for romantic or sexual relationships, so this is the
# product's default, and reports say so. A number of years, or "never".
# Left out (commented), the preset's own applies: {look_backs}.
# look_back_years = {_look_back_default(preset)}

[audit]
# interval_months: how often the practice audits (1 to 24); reports say when
# the next audit is due.
interval_months = 3
# min_tier: the weakest match worth reporting: "confirmed", "likely" or
# "possible" (possible matches need the most human checking).
min_tier = "possible"

[reports]
# small_count_threshold: in reports that leave the practice, counts below
# this are shown as "fewer than N" so that no one client can be singled out
# (0 turns this off).
small_count_threshold = 11

[lists]
# api_sign_ups: what a newsletter subscriber added "via API" means for you.
# "unknown" (the default: not guessed), "self" if only your own website's
# sign-up form uses the API, "imported" if you or a tool add people that way.
api_sign_ups = "unknown"

[accounts]
# Say which of your accounts are personal and which professional; the rules
# differ (a client following your professional page is not a personal tie).
# An account not listed here is treated as personal, and findings say so.
# One kind for every account on a platform:
#   facebook = "personal"
# or per account (the handle as in the export; "*" = any other account):
#   instagram = {{ "dr.rivera.therapy" = "professional", "*" = "personal" }}
# Platforms: {", ".join(PLATFORMS)}.

[overrides]
# Change single cells of the preset. The key is CLASS.ACCOUNT.STATUS, each
# part may be "*" for any; prefix "associated." for a client's family members.
# The most specific key wins; between equals, the later one.
#   "t2c.professional.current" = "V"
#   "pending.*.*" = {{ severity = "H", action = "decline-discuss", note = "Small town: always discuss." }}
# CLASS, how the tie was made:
{classes}
# ACCOUNT: {", ".join(ACCOUNT_KINDS)}
# STATUS: {", ".join(STATUSES)} (former-within: treatment ended inside the look-back)
# Severities:
{severities}
# Actions (optional; the preset's action otherwise):
{actions}
'''


# -- the table `policy show` prints ------------------------------------------------------

def _cell_text(applied: Applied) -> Text:
    cell = applied.cell
    sections = ", ".join(cell.sections) or "product rule"
    text = Text(f"{cell.severity}{'*' if applied.override else ''} ", style="bold")
    text.append(sections)
    text.append(f"\n→ {cell.action}", style="dim")
    return text


def _rows(policy: Policy, associated: bool) -> list[tuple[str, str, list[Applied]]]:
    """(class label, account kind, cells per status); one 'any' row where both kinds agree."""
    preset = policy.preset
    classes = [c for c in CLASSES if not associated or any(r.cls == c for r in preset.associated)]
    rows = []
    for cls in classes:
        by_kind = {kind: [policy.apply(cls, kind, status, associated=associated) for status in STATUSES]
                   for kind in ACCOUNT_KINDS}
        if [a.cell for a in by_kind["personal"]] == [a.cell for a in by_kind["professional"]]:
            rows.append((CLASS_LABELS[cls], "any", by_kind["personal"]))
        else:
            rows.extend((CLASS_LABELS[cls], kind, cells) for kind, cells in by_kind.items())
    return rows


def _status_headers(policy: Policy) -> tuple[str, str]:
    years = policy.look_back_years
    if years is None:
        return "former client (no expiry)", "former, after look-back (not used)"
    return f"former, ended < {years:g} y ago", f"former, ended ≥ {years:g} y ago"


def policy_tables(policy: Policy) -> list[Table]:
    """The preset's rules (after the practice's overrides) for clients and for their family members."""
    within, after = _status_headers(policy)
    preset = policy.preset
    tables = []
    for associated in (False, True):
        title = (f"{preset.name}: {preset.edition}" if not associated
                 else f"{preset.name}: a client's family members (associated persons)")
        table = Table("tie", "account", "current client", within, after, title=title, title_justify="left",
                      show_lines=True)
        for label, kind, cells in _rows(policy, associated):
            table.add_row(label, kind, *(_cell_text(a) for a in cells))
        tables.append(table)
    return tables


def _show_policy(app: App, policy: Policy) -> None:
    for table in policy_tables(policy):
        app.out.print(table)
    app.show(policy.preset.look_back_note)
    app.show(policy.preset.associated_note)
    if policy.overrides:
        app.show("* set by the practice policy: " + ", ".join(o.key for o in policy.overrides))
    app.show("")


def _show_legend(app: App) -> None:
    app.show("Severities: " + "; ".join(f"{s} = {t}" for s, t in SEVERITY_TEXT.items()) + ".")
    app.show("Actions:")
    for name, text in ACTIONS.items():
        app.show(f"  {name:<18} {text}")


# -- the commands ----------------------------------------------------------------------

policy = click.Group("policy", help="Write, check and show the practice policy: ethics-code preset, "
                                    "accounts and overrides.")


@policy.command("init")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_FILE,
              show_default=True, help="Policy file to write (0600).")
@click.option("--preset", type=click.Choice(list(PRESETS)), default=DEFAULT_PRESET, show_default=True,
              help="The ethics code your licence is under ('strict' flags every tie).")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@click.pass_obj
def policy_init(app: App, output: Path, preset: str, force: bool) -> None:
    """Write a commented practice policy file to edit."""
    if output.exists() and not force:
        raise AuditorError(f"{output}: already exists (add --force to overwrite)")
    write_private(output, policy_template(preset).encode())
    app.say(f"Wrote {output} (preset {preset}); edit it, then run 'auditor policy check {output}'.")


@policy.command("check")
@click.argument("policy_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def policy_check(app: App, policy_file: Path) -> None:
    """Validate a practice policy file and say what it sets.

    Errors name the file and line; nothing is written.
    """
    loaded = load_policy(policy_file)
    app.show(f"{policy_file}: OK")
    for line in loaded.describe():
        app.show(f"  {line}")
    for warning in loaded.warnings():
        app.say(f"Note: {warning}")


@policy.command("show")
@click.option("--preset", type=click.Choice(list(PRESETS)), help="Show one preset (default: every preset).")
@click.option("--file", "policy_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Show the rules a practice policy file gives (its preset with its overrides).")
@click.pass_obj
def policy_show(app: App, preset: str | None, policy_file: Path | None) -> None:
    """Print the rules of the presets, or of a practice policy file, as tables.

    Each cell gives the severity, the code section(s) it rests on and the
    recommended action.
    """
    if preset and policy_file:
        raise AuditorError("use --preset or --file, not both")
    if policy_file:
        chosen = [load_policy(policy_file)]
    else:
        chosen = [default_policy(p) for p in ([preset] if preset else PRESETS)]
    for item in chosen:
        _show_policy(app, item)
    _show_legend(app)
