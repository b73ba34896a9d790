"""The store's tables, as numbered migrations (PRAGMA user_version holds the last applied).

A newer tool upgrades an older store in place, inside one transaction; an older
tool refuses a newer store rather than guess at columns it does not know.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import AuditorError

MIGRATIONS: tuple[str, ...] = (
    # 1: runs, findings by stable id, what each run saw, dispositions, the chained log.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (
        run_id       INTEGER PRIMARY KEY,
        at           TEXT NOT NULL,          -- ISO-8601 UTC
        kind         TEXT NOT NULL,          -- audit | import | practice-match
        scope        TEXT NOT NULL,          -- whose connections: '' (mine) or a clinician pseudonym
        platforms    TEXT NOT NULL,          -- JSON list: what this run read (scope of 'gone')
        preset       TEXT NOT NULL,
        connections  INTEGER NOT NULL,
        findings     INTEGER NOT NULL,
        counts       TEXT NOT NULL,          -- JSON: de-identified counts (changes, severity, category)
        document     BLOB NOT NULL,          -- sealed: the run's findings document
        mac          TEXT NOT NULL
    );
    CREATE TABLE findings (
        finding_id     TEXT PRIMARY KEY,
        scope          TEXT NOT NULL,
        client_ref     TEXT NOT NULL,
        clinician_ref  TEXT NOT NULL,
        platform       TEXT NOT NULL,
        category       TEXT NOT NULL,
        severity       TEXT NOT NULL,
        tier           TEXT NOT NULL,
        status         TEXT NOT NULL,        -- open | accepted | resolved | false-positive
        status_since   TEXT NOT NULL,
        accepted_until TEXT,                 -- ISO date, accepted only
        facts          TEXT NOT NULL,        -- keyed digest of the facts as last seen
        judged_facts   TEXT NOT NULL DEFAULT '',   -- ... when a person last labelled it
        judged_tier    TEXT NOT NULL DEFAULT '',
        first_run      INTEGER NOT NULL REFERENCES runs(run_id),
        first_seen     TEXT NOT NULL,
        last_run       INTEGER NOT NULL REFERENCES runs(run_id),
        present        INTEGER NOT NULL,     -- in the latest run of its scope that read its platform
        detail         BLOB NOT NULL,        -- sealed: the finding as in findings.json
        mac            TEXT NOT NULL
    );
    CREATE INDEX findings_scope ON findings (scope, status);
    CREATE TABLE run_findings (
        run_id      INTEGER NOT NULL REFERENCES runs(run_id),
        finding_id  TEXT NOT NULL REFERENCES findings(finding_id),
        change      TEXT NOT NULL,
        PRIMARY KEY (run_id, finding_id)
    );
    CREATE TABLE dispositions (
        id          INTEGER PRIMARY KEY,
        finding_id  TEXT NOT NULL REFERENCES findings(finding_id),
        at          TEXT NOT NULL,
        action      TEXT NOT NULL,           -- accept | resolve | false-positive | reopen | gone
        until       TEXT,
        actor       TEXT NOT NULL,
        reason      BLOB NOT NULL,           -- sealed: free text may name people
        mac         TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        seq      INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        event    TEXT NOT NULL,
        subject  TEXT NOT NULL,
        detail   TEXT NOT NULL,              -- JSON, de-identified
        prev     TEXT NOT NULL,
        mac      TEXT NOT NULL
    );
    """,
)

VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the store to VERSION, one committed step per migration."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > VERSION:
        raise AuditorError(f"{path}: history store format {current} is newer than this tool understands "
                           f"({VERSION}); upgrade connection-auditor")
    for number in range(current + 1, VERSION + 1):
        db.execute("BEGIN IMMEDIATE")
        for statement in _statements(MIGRATIONS[number - 1]):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {number}")
        db.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
