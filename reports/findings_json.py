"""findings.json: the therapist's machine-readable list (docs/findings-schema.md)."""

from __future__ import annotations

import json
from dataclasses import asdict

from auditor.findings import SCHEMA, AuditResult, connection_block

from .interface import Audience, Renderer


def _ruling(finding) -> dict | None:
    if finding.ruling is None:
        return None
    data = finding.ruling.as_dict()
    data.pop("finding_id", None)
    data.pop("client_ref", None)
    return data


class FindingsJson(Renderer):
    audience = Audience.THERAPIST
    filename = "findings.json"

    def render(self, result: AuditResult) -> str:
        document = {
            "schema": SCHEMA,
            "audience": self.audience.value,
            "confidential": "Contains protected health information: keep private (file mode 0600).",
            "generated_at": result.generated_at,
            "roster": {"fingerprint": result.roster_fingerprint, "clients": result.roster_clients},
            "policy": result.policy,
            "thresholds": result.thresholds,
            "inputs": [{"path": i.path, "platform": i.platform, "records": i.records, "skipped": i.skipped}
                       for i in result.inputs],
            "ignored": [{"path": path, "reason": why} for path, why in result.ignored],
            "findings": [{
                "finding_id": f.finding_id,
                "client_ref": f.client_ref,
                "score": f.score,
                "tier": f.tier,
                "ambiguous": f.ambiguous,
                "client_status": f.client_status,
                "evidence": [asdict(e) for e in f.evidence],
                "connection": connection_block(f.connection),
                "ruling": _ruling(f),
            } for f in result.findings],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
