"""What an audit found: findings that point to a client by pseudonym only.

A finding names the client by client_ref and the connection by the therapist's
own handle and a locator into the export. Display names and e-mail addresses
of connections are masked in anything written to disk: when a connection is a
client, its display name is the client's name (design.md, invariant 1). The
clear text is shown on request by `auditor findings show --reveal`, which
re-reads the export and prints without storing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connectors.interface import Connection

from .connection_features import connection_identity
from .explain import Evidence
from .normalize import clean_name
from .roster import pseudonym

if TYPE_CHECKING:
    from .history.changes import RunChanges
    from .policy import Ruling

SCHEMA = "connection-auditor/findings@1"


@dataclass(slots=True)
class InputSummary:
    path: str
    platform: str
    records: int
    skipped: int
    skipped_details: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Finding:
    finding_id: str
    client_ref: str
    score: float
    tier: str
    ambiguous: bool
    evidence: list[Evidence]
    connection: Connection
    client_status: str = "unknown"
    client_ended: str = ""
    clinician_ref: str = ""
    ruling: "Ruling | None" = None     # what the practice policy says about it


@dataclass(slots=True)
class AuditResult:
    generated_at: str
    roster_fingerprint: str
    roster_clients: int
    inputs: list[InputSummary]
    ignored: list[tuple[str, str]]
    findings: list[Finding]
    connections_read: int = 0
    policy: list[str] = field(default_factory=list)          # preset, edition, overrides, in words
    policy_warnings: list[str] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)
    platforms_read: list[str] = field(default_factory=list)  # what was audited: findings elsewhere are not "gone"
    changes: "RunChanges | None" = None                      # set once the run is recorded in the history store


def mask_name(text: str) -> str:
    """'Maggie Okafor 🌿' -> 'M. O.': enough to recognise, not enough to grep."""
    cleaned = clean_name(text)
    letters = [w[0] for w in cleaned.words] + list(cleaned.initials)
    return " ".join(f"{c.upper()}." for c in letters)


def mask_email(text: str) -> str:
    """'ana.smith@example.org' -> 'a…@example.org'."""
    local, sep, domain = text.strip().partition("@")
    if not sep:
        return "…" if text else ""
    return f"{local[:1]}…@{domain.lower()}"


def connection_key(conn: Connection) -> str:
    """A stable identity of a connection across runs of the same export."""
    ident = connection_identity(conn)
    return f"{conn.platform}|{conn.account}|{conn.relation}|{ident}"


def finding_id(pseudonym_key: bytes, client_ref: str, conn: Connection) -> str:
    return "F-" + pseudonym(pseudonym_key, "finding", f"{client_ref}|{connection_key(conn)}", 10)


def connection_block(conn: Connection) -> dict[str, Any]:
    """The connection as written in findings.json (therapist audience, masked)."""
    return {
        "id": conn.id,
        "platform": conn.platform,
        "relation": conn.relation,
        "account": conn.account,
        "display_name": mask_name(conn.display_name),
        "username": conn.username,
        "email": mask_email(conn.email),
        "profile_url": conn.profile_url,
        "joined_via": conn.joined_via,
        "source": conn.source,
    }
