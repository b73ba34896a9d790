"""Read a therapist's findings.json back into an AuditResult, so any audience can be re-rendered.

`auditor report FINDINGS.json --audience compliance` must give the same
compliance report the audit would have written, so the file is turned back
into the very types the views are built from (display names and e-mails stay
masked, as stored), what changed since the last audit included (its
`changes` block), so a re-rendered report leads with the same changes. Only
the therapist's file can be read: a compliance or
external report has already dropped what the other views need, and saying so
beats a half-empty report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.explain import Evidence
from auditor.findings import SCHEMA, AuditResult, Finding, InputSummary
from auditor.history.changes import Change, RunChanges
from auditor.policy import Ruling
from auditor.presets import CLASS_LABELS
from connectors.interface import Connection

from .interface import ReportError

COMPLIANCE_SCHEMA = "connection-auditor/compliance@1"
SUMMARY_SCHEMA = "connection-auditor/summary@1"
_LABEL_TO_CLASS = {label: cls for cls, label in CLASS_LABELS.items()}
_DERIVED = {COMPLIANCE_SCHEMA: "a compliance report", SUMMARY_SCHEMA: "an external summary"}


def read_document(path: Path) -> dict[str, Any]:
    """findings.json (or a folder holding one) as a dict; a one-line ReportError when it is not."""
    path = Path(path)
    if path.is_dir():
        path = path / "findings.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportError(f"{path}: not a findings file ({exc})") from None
    schema = document.get("schema") if isinstance(document, dict) else None
    if schema in _DERIVED:
        raise ReportError(f"{path} is {_DERIVED[schema]} ({schema}): it no longer holds what other reports need; "
                          f"re-render from the therapist's findings.json ({SCHEMA})")
    if schema != SCHEMA:
        raise ReportError(f"{path}: not a {SCHEMA} file")
    return document


def _ruling(data: dict[str, Any] | None, finding_id: str, client_ref: str) -> Ruling | None:
    if not data:
        return None
    direction = _LABEL_TO_CLASS.get(data.get("direction", ""), data.get("direction", "unknown"))
    return Ruling(
        finding_id=finding_id, client_ref=client_ref, preset=data.get("preset", ""),
        edition=data.get("edition", ""), category=data.get("category", ""), direction=direction,
        account_kind=data.get("account_kind", ""), client_status=data.get("client_status", ""),
        status=data.get("status", ""), since_end=data.get("since_end", ""), severity=data.get("severity", ""),
        rule=data.get("rule", ""), sections=tuple(data.get("sections", ())), action=data.get("action", ""),
        action_text=data.get("action_text", ""), notes=tuple(data.get("notes", ())),
        overridden=bool(data.get("overridden", False)))


def _finding(data: dict[str, Any]) -> Finding:
    conn = data.get("connection", {})
    connection = Connection(
        platform=conn.get("platform", ""), relation=conn.get("relation", ""), source=conn.get("source", ""),
        account=conn.get("account", ""), display_name=conn.get("display_name", ""),
        username=conn.get("username", ""), email=conn.get("email", ""), profile_url=conn.get("profile_url", ""),
        joined_via=conn.get("joined_via", ""), id=conn.get("id", ""))
    evidence = [Evidence(e.get("what", ""), e.get("level", ""), float(e.get("weight", 0.0)), e.get("text", ""))
                for e in data.get("evidence", [])]
    return Finding(
        finding_id=data["finding_id"], client_ref=data["client_ref"], score=float(data.get("score", 0.0)),
        tier=data.get("tier", ""), ambiguous=bool(data.get("ambiguous", False)), evidence=evidence,
        connection=connection, client_status=data.get("client_status", "unknown"),
        ruling=_ruling(data.get("ruling"), data["finding_id"], data["client_ref"]))


_CHANGES = {c.value: c for c in Change}


def _changes(data: dict[str, Any] | None) -> RunChanges | None:
    """The `changes` block (null or missing: the run was not in a history store, or the file predates it)."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise TypeError("'changes' is not an object")
    previous = data.get("previous_run")
    changes = RunChanges(int(data.get("run", 0)), None if previous is None else int(previous),
                         str(data.get("previous_at") or ""))
    for word, ids in (data.get("findings") or {}).items():
        if word in _CHANGES:          # a class this version does not know is left out, not guessed
            changes.by_change[_CHANGES[word]] = [str(i) for i in ids]
    return changes


def result_from_document(document: dict[str, Any], name: str = "findings.json") -> AuditResult:
    """The AuditResult a findings@1 document was written from (masked where the file is masked)."""
    try:
        roster = document.get("roster", {})
        inputs = [InputSummary(i["path"], i["platform"], int(i["records"]), int(i.get("skipped", 0)))
                  for i in document.get("inputs", [])]
        return AuditResult(
            generated_at=document.get("generated_at", ""), roster_fingerprint=roster.get("fingerprint", ""),
            roster_clients=int(roster.get("clients", 0)), inputs=inputs,
            ignored=[(i["path"], i["reason"]) for i in document.get("ignored", [])],
            findings=[_finding(f) for f in document.get("findings", [])],
            connections_read=int(document.get("connections_read", sum(i.records for i in inputs))),
            policy=list(document.get("policy", [])), policy_warnings=list(document.get("policy_warnings", [])),
            thresholds={k: float(v) for k, v in document.get("thresholds", {}).items()},
            changes=_changes(document.get("changes")))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReportError(f"{name}: damaged findings file ({type(exc).__name__}: {exc})") from None


def load_result(path: Path) -> AuditResult:
    """An earlier audit's result from its findings.json (or the folder holding it)."""
    return result_from_document(read_document(path), str(path))
