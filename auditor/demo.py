"""`auditor demo`: the whole flow on bundled made-up data, with a throwaway key.

It ends with the two HTML reports a practice would produce each quarter: the
therapist's private one and the de-identified one for compliance.

The demo never touches the OS keyring: it makes a fresh key, writes it beside
the outputs (clearly labelled), so the user can try the other commands on the
demo files with --key-file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sample_data
from reports.interface import Audience
from reports.registry import write_reports

from .clients import read_clients
from .fileio import private_dir
from .errors import AuditorError
from .keys import PracticeKey, new_secret, read_key_file, write_key_file
from .roster import encode_roster, save_roster

if TYPE_CHECKING:
    from .cli import App

DEMO_PRACTICE = "demo-only"


def _demo_key(key_path: Path, history: Path) -> PracticeKey:
    """The demo folder's own key: made on the first run, reused after, so a second run shows a diff."""
    try:
        return PracticeKey(read_key_file(key_path), "throwaway demo key")
    except AuditorError:
        key = PracticeKey(new_secret(), "throwaway demo key")
        history.unlink(missing_ok=True)          # a demo history under a lost key is unreadable anyway
        write_key_file(key_path, key, DEMO_PRACTICE)
        return key


def run_demo(app: App, out: Path) -> None:
    from .cli import run_audit, say_path

    out = private_dir(out)
    key_path = out / "DEMO-ONLY-practice.key"
    key = _demo_key(key_path, out / "history.sqlite")
    keys = key.subkeys()
    app.say("[bold]connection-auditor demo[/bold]: made-up people, throwaway DEMO-ONLY key "
            f"(fingerprint {keys.fingerprint}); your keyring is not touched.\n", markup=True)

    loaded = read_clients(sample_data.CLIENTS_CSV)
    roster_path = out / "roster.enc"
    save_roster(roster_path, keys, encode_roster(keys, loaded.records), list(loaded.columns))
    app.say(f"1. Encoded {len(loaded.records)} sample clients from {sample_data.CLIENTS_CSV} "
            f"into {roster_path} (keyed encodings only, encrypted).")
    app.say(f"2. Auditing the sample Facebook, Instagram and newsletter exports in {sample_data.EXPORTS}\n")
    result = run_audit(app, keys, roster_path, (str(sample_data.EXPORTS),), out, ["json", "html", "table"],
                       "possible", "US", store=out / "history.sqlite")
    # The same result, re-rendered for the practice's compliance officer (no handles, names or scores).
    write_reports(result, Audience.COMPLIANCE, ["html"], out)
    therapist_html, compliance_html = out / "report-therapist.html", out / "report-compliance.html"
    app.say("\nFiles written (all 0600):")
    for name in ("DEMO-ONLY-practice.key", "roster.enc", "findings.json", therapist_html.name,
                 compliance_html.name, "history.sqlite"):
        say_path(app, f"  {out / name}")
    app.say("\nReports (open in any browser; they work offline and load nothing):")
    say_path(app, f"  yours, private:  {therapist_html.resolve().as_uri()}")
    say_path(app, f"  for compliance:  {compliance_html.resolve().as_uri()}")
    app.say("                   (de-identified: no handles, names or scores)")
    app.say("\nTry next, with the demo key:")
    say_path(app, f"  auditor --key-file {key_path} roster info {roster_path}")
    say_path(app, f"  auditor --key-file {key_path} roster resolve {sample_data.CLIENTS_CSV} "
                  f"--roster {roster_path} --format table")
    say_path(app, f"  auditor report {out / 'findings.json'} --audience external --format html,md")
    history = out / "history.sqlite"
    say_path(app, f"  auditor --key-file {key_path} findings review --store {history}")
    say_path(app, f"  auditor --key-file {key_path} log verify --store {history}")
    app.say("  auditor demo   (once more: it then starts with what changed)")
