"""The results file the admin sends back, and its import on the clinician's machine.

`results.enc` (kind "practice-results", sealed) holds, for the clinician's own
clients only: finding_id, connection ref, client_ref, client status, tier,
score, ambiguity, evidence in words and the policy's ruling. It names the
encodings and the local index it answers, so an import against another index
fails with one line instead of showing the wrong handles. The payload is
sealed under the return key the clinician's encodings carried (kept in their
local index), so a colleague holding the same practice key cannot open it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ..clock import now_utc
from ..errors import AuditorError
from ..explain import Evidence
from ..findings import AuditResult, Finding, InputSummary
from ..keys import SubKeys
from ..policy import Ruling
from ..presets import CLASS_LABELS
from ..sealed import read_header, seal, unseal
from .encoded import LocalIndex, PracticeConnections
from .match import PracticeMatch

KIND = "practice-results"
VERSION = 1
SCHEMA = "connection-auditor/practice-results@1"
_LABEL_TO_CLASS = {label: cls for cls, label in CLASS_LABELS.items()}


def _ruling_dict(ruling: Ruling | None) -> dict[str, Any] | None:
    if ruling is None:
        return None
    data = {f.name: getattr(ruling, f.name) for f in dataclasses.fields(Ruling)}
    data["sections"], data["notes"] = list(ruling.sections), list(ruling.notes)
    return data


def _ruling(data: dict[str, Any] | None) -> Ruling | None:
    if not data:
        return None
    names = {f.name for f in dataclasses.fields(Ruling)}
    values = {k: v for k, v in data.items() if k in names}
    values["sections"] = tuple(values.get("sections", ()))
    values["notes"] = tuple(values.get("notes", ()))
    values["direction"] = _LABEL_TO_CLASS.get(values.get("direction", ""), values.get("direction", "unknown"))
    return Ruling(**values)


def results_document(match: PracticeMatch, pc: PracticeConnections) -> dict[str, Any]:
    result = match.result
    return {
        "schema": SCHEMA,
        "clinician": match.clinician,
        "index_id": pc.index_id,
        "encodings_id": pc.encodings_id,
        "generated_at": result.generated_at,
        "roster": {"fingerprint": result.roster_fingerprint, "caseload": match.caseload},
        "policy": list(result.policy),
        "policy_warnings": list(result.policy_warnings),
        "thresholds": dict(result.thresholds),
        "connections_read": result.connections_read,
        "platforms": list(result.platforms_read),
        "findings": [{
            "finding_id": f.finding_id,
            "connection_ref": f.connection.id,
            "client_ref": f.client_ref,
            "client_status": f.client_status,
            "client_ended": f.client_ended,
            "tier": f.tier,
            "score": f.score,
            "ambiguous": f.ambiguous,
            "evidence": [dataclasses.asdict(e) for e in f.evidence],
            "ruling": _ruling_dict(f.ruling),
        } for f in match.own],
    }


def _return_keys(keys: SubKeys, return_key: bytes) -> SubKeys:
    """The practice key's sub-keys with the file key replaced by the clinician's return key."""
    if len(return_key) != 32:
        raise AuditorError("the encodings carry no usable return key (encode again with this version)")
    return dataclasses.replace(keys, files=return_key)


def save_results(path: Path, keys: SubKeys, document: dict[str, Any], return_key: bytes) -> None:
    """Seal for the one clinician whose local index holds `return_key`."""
    seal(path, KIND, VERSION, _return_keys(keys, return_key), json.dumps(document, ensure_ascii=False).encode(),
         {"clinician": document["clinician"], "index_id": document["index_id"],
          "encodings_id": document["encodings_id"], "created_at": now_utc(), "findings": len(document["findings"])})


def _encodings_entry(path: Path, where: dict[str, Any], index: LocalIndex, index_path: Path) -> dict[str, Any]:
    """The index's record of the encodings these results answer (header or document says which)."""
    if where.get("index_id") != index.index_id:
        raise AuditorError(f"{path}: these results answer another clinician's (or machine's) encodings, not the "
                           f"local index {index_path}; import them where 'auditor connections encode' ran")
    entry = index.encodings.get(str(where.get("encodings_id")))
    if entry is None:
        raise AuditorError(f"{path}: the encodings these results answer ({where.get('encodings_id')}) are no "
                           f"longer in {index_path}; encode again and ask for a new match")
    return entry


def load_results(path: Path, keys: SubKeys, index: LocalIndex, index_path: Path) -> dict[str, Any]:
    """Check the results answer this index's encodings, then open them with the encoding's return key."""
    header, _, _ = read_header(path, KIND)
    entry = _encodings_entry(path, header, index, index_path)
    try:
        return_key = bytes.fromhex(entry.get("return_key", ""))
    except ValueError:
        return_key = b""
    sealed = unseal(path, KIND, (VERSION,), _return_keys(keys, return_key))
    try:
        document = json.loads(sealed.payload)
    except ValueError:
        raise AuditorError(f"{path}: the results are unreadable") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise AuditorError(f"{path}: not a {SCHEMA} document")
    if (document.get("index_id"), document.get("encodings_id")) != (header.get("index_id"),
                                                                   header.get("encodings_id")):
        raise AuditorError(f"{path}: the results do not match their own header (damaged file)")
    return document


def import_result(path: Path, document: dict[str, Any], index: LocalIndex, index_path: Path) -> AuditResult:
    """The clinician's AuditResult: refs resolved to their own connections, locally."""
    entry = _encodings_entry(path, document, index, index_path)
    try:
        findings: list[Finding] = []
        for item in document["findings"]:
            conn = index.resolve(item["connection_ref"])
            if conn is None:
                raise AuditorError(f"{path}: connection {item['connection_ref']} is not in {index_path}")
            evidence = [Evidence(e["what"], e["level"], float(e["weight"]), e["text"]) for e in item["evidence"]]
            finding = Finding(
                finding_id=item["finding_id"], client_ref=item["client_ref"], score=float(item["score"]),
                tier=item["tier"], ambiguous=bool(item["ambiguous"]), evidence=evidence, connection=conn,
                client_status=item.get("client_status", "unknown"), client_ended=item.get("client_ended", ""),
                clinician_ref=str(document["clinician"]))
            finding.ruling = _ruling(item.get("ruling"))
            findings.append(finding)
        inputs = [InputSummary(**i) for i in entry.get("inputs", [])]
        return AuditResult(
            generated_at=str(document.get("generated_at", "")),
            roster_fingerprint=str(document["roster"]["fingerprint"]),
            roster_clients=int(document["roster"]["caseload"]), inputs=inputs,
            ignored=[tuple(p) for p in entry.get("ignored", [])], findings=findings,
            connections_read=int(document.get("connections_read", 0)), policy=list(document.get("policy", [])),
            policy_warnings=list(document.get("policy_warnings", [])),
            thresholds={k: float(v) for k, v in document.get("thresholds", {}).items()},
            platforms_read=list(document.get("platforms", [])))
    except (KeyError, TypeError, ValueError) as exc:
        raise AuditorError(f"{path}: damaged results ({type(exc).__name__}: {exc})") from None
