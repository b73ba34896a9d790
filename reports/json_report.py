"""JSON reports, one versioned schema per audience (docs/findings-schema.md).

- therapist: `connection-auditor/findings@1`, the audit's own findings.json,
  extended compatibly (new keys only: connections_read, policy_warnings,
  changes and each finding's change);
- compliance: `connection-auditor/compliance@1`, de-identified rows, and the
  same `changes` block (finding ids are pseudonyms);
- external: `connection-auditor/summary@1`, counts only, where a suppressed
  count is the string "<N" or "withheld" and a shown one is a number; its
  `changes` block holds counts only.

`changes` is null when the run was not recorded in a history store.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from auditor.findings import SCHEMA

from .interface import Audience, Renderer
from .load import COMPLIANCE_SCHEMA, SUMMARY_SCHEMA
from .suppress import ShownCount
from .views import (
    ChangeSummary,
    ComplianceView,
    ExternalChanges,
    ExternalView,
    ReportHeader,
    Tally,
    TherapistFinding,
    TherapistView,
)


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _policy(header: ReportHeader) -> dict[str, Any]:
    p = header.policy
    return {"preset": p.preset, "edition": p.edition, "overrides": list(p.overrides), "settings": list(p.settings),
            "warnings": list(p.warnings)}


def _ruling(finding: TherapistFinding) -> dict[str, Any] | None:
    if finding.ruling is None:
        return None
    data = finding.ruling.as_dict()
    data.pop("finding_id", None)
    data.pop("client_ref", None)
    return data


def changes_block(changes: ChangeSummary | None) -> dict[str, Any] | None:
    """What changed since the last audit, by finding_id; reports/load.py reads it back."""
    if changes is None:
        return None
    return {"run": changes.run, "previous_run": changes.previous_run, "previous_at": changes.previous_at,
            "first_audit": changes.first_audit, "headline": changes.headline,
            "counts": {c.change: c.count for c in changes.classes},
            "findings": {c.change: list(c.finding_ids) for c in changes.classes if c.finding_ids}}


def external_changes_block(changes: ExternalChanges | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {"first_audit": changes.first_audit, "previous_at": changes.previous_at, "headline": changes.headline,
            "counts": {change: _shown(count) for change, _, count in changes.rows}}


class FindingsJson(Renderer[TherapistView]):
    """The therapist's machine-readable list; `auditor report` and `findings show` read it back."""

    audience = Audience.THERAPIST
    format = "json"
    filename = "findings.json"

    def render(self, view: TherapistView) -> str:
        header = view.header
        return _dump({
            "schema": SCHEMA,
            "audience": header.audience.value,
            "confidential": "Contains protected health information: keep private (file mode 0600).",
            "generated_at": header.audit_generated_at,
            "changes": changes_block(view.changes),
            "roster": {"fingerprint": view.roster_fingerprint, "clients": view.roster_clients},
            "policy": list(view.policy_lines),
            "policy_warnings": list(header.policy.warnings),
            "thresholds": dict(header.thresholds),
            "connections_read": header.connections_read,
            "inputs": [{"path": i.path, "platform": i.platform, "records": i.records, "skipped": i.skipped}
                       for i in view.input_files],
            "ignored": [{"path": path, "reason": why} for path, why in view.ignored],
            "findings": [{
                "finding_id": f.finding_id,
                "change": (view.changes.change(f.finding_id) or None) if view.changes else None,
                "client_ref": f.client_ref,
                "score": f.score,
                "tier": f.tier,
                "ambiguous": f.ambiguous,
                "client_status": f.client_status,
                "evidence": [asdict(e) for e in f.evidence],
                "connection": asdict(f.connection),
                "ruling": _ruling(f),
            } for f in view.findings],
        })


def _counts(tally: Tally) -> dict[str, int]:
    return dict(tally)


class ComplianceJson(Renderer[ComplianceView]):
    """De-identified findings for a compliance officer's own tools."""

    audience = Audience.COMPLIANCE
    format = "json"

    def render(self, view: ComplianceView) -> str:
        header, t = view.header, view.tallies
        return _dump({
            "schema": COMPLIANCE_SCHEMA,
            "audience": header.audience.value,
            "confidential": header.confidential,
            "generated_at": header.audit_generated_at,
            "report_generated_at": header.generated_at,
            "changes": changes_block(view.changes),
            "roster": {"fingerprint": view.roster_fingerprint, "clients": view.roster_clients},
            "policy": _policy(header),
            "thresholds": dict(header.thresholds),
            "connections_read": header.connections_read,
            "inputs": [asdict(i) for i in header.inputs],
            "counts": {"total": t.total, "by_severity": _counts(t.by_severity), "by_tier": _counts(t.by_tier),
                       "by_platform": _counts(t.by_platform), "by_category": _counts(t.by_category)},
            "findings": [asdict(f) for f in view.findings],
        })


def _shown(count: ShownCount) -> int | str:
    return count.value if count.value is not None else count.text


class SummaryJson(Renderer[ExternalView]):
    """Aggregates for an external reviewer; suppressed counts are strings."""

    audience = Audience.EXTERNAL
    format = "json"

    def render(self, view: ExternalView) -> str:
        header = view.header
        table = lambda rows: {key: _shown(count) for key, count in rows}
        return _dump({
            "schema": SUMMARY_SCHEMA,
            "audience": header.audience.value,
            "confidential": header.confidential,
            "generated_at": header.audit_generated_at,
            "report_generated_at": header.generated_at,
            "changes": external_changes_block(view.changes),
            "policy": _policy(header),
            "small_count_threshold": view.threshold,
            "thresholds": dict(header.thresholds),
            "connections_read": header.connections_read,
            "inputs": [asdict(i) for i in header.inputs],
            "findings": {"total": _shown(view.total), "by_severity": table(view.by_severity),
                         "by_tier": table(view.by_tier), "by_platform": table(view.by_platform),
                         "by_category": table(view.by_category)},
        })
