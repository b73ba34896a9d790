"""The append-only audit log: each entry carries a keyed MAC over itself and the previous MAC.

Editing an entry breaks its MAC; deleting one breaks the chain (its successor's
`prev` and the sequence); deleting the newest entries is caught by the head
kept in `meta` under its own MAC. Without the practice key nobody can re-chain
a forged log. Details hold pseudonyms and counts only, so the log can be
exported to an inspector as it is.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .cipher import ColumnCipher

GENESIS = "0" * 64


def append(db: sqlite3.Connection, cipher: ColumnCipher, at: str, event: str, subject: str,
           detail: dict[str, Any]) -> int:
    """Add one entry (inside the caller's transaction) and move the head."""
    last = db.execute("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    text = json.dumps(detail, sort_keys=True, ensure_ascii=False)
    mac = cipher.mac("log", seq, at, event, subject, text, prev)
    db.execute("INSERT INTO audit_log (seq, at, event, subject, detail, prev, mac) VALUES (?, ?, ?, ?, ?, ?, ?)",
               (seq, at, event, subject, text, prev, mac))
    head = json.dumps({"seq": seq, "mac": mac, "head_mac": cipher.mac("head", seq, mac)})
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('log_head', ?)", (head,))
    return seq


def verify(db: sqlite3.Connection, cipher: ColumnCipher) -> tuple[int, list[str]]:
    """(entries checked, problems); no problems means the log is whole and unedited."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS
    count = 0
    for seq, at, event, subject, text, stored_prev, mac in db.execute(
            "SELECT seq, at, event, subject, detail, prev, mac FROM audit_log ORDER BY seq"):
        count += 1
        if seq != expected_seq:
            gap = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}-{seq - 1}"
            problems.append(f"log entries {gap} are missing (deleted)")
        elif stored_prev != prev:
            problems.append(f"log entry {seq} does not follow entry {seq - 1} (chain broken)")
        if cipher.mac("log", seq, at, event, subject, text, stored_prev) != mac:
            problems.append(f"log entry {seq} ({event} {subject}) was edited")
        expected_seq, prev = seq + 1, mac
    row = db.execute("SELECT value FROM meta WHERE key = 'log_head'").fetchone()
    if row is None:
        if count:
            problems.append("the log head is missing from the store")
        return count, problems
    try:
        head = json.loads(row[0])
        head_ok = cipher.mac("head", head["seq"], head["mac"]) == head["head_mac"]
    except (ValueError, KeyError, TypeError):
        head_ok = False
    if not head_ok:
        problems.append("the log head was altered")
    elif head["seq"] != expected_seq - 1 or head["mac"] != prev:
        if head["seq"] > expected_seq - 1:
            problems.append(f"log entries after {expected_seq - 1} are missing (the newest "
                            f"{head['seq'] - expected_seq + 1} were deleted)")
        else:
            problems.append("the log continues past its recorded head (entries were added outside the tool)")
    return count, problems


def entries(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """The log as an inspector gets it: sequence, time, event, pseudonymous subject, details, MACs."""
    return [{"seq": seq, "at": at, "event": event, "subject": subject, "detail": json.loads(text),
             "prev": prev, "mac": mac}
            for seq, at, event, subject, text, prev, mac in db.execute(
                "SELECT seq, at, event, subject, detail, prev, mac FROM audit_log ORDER BY seq")]
