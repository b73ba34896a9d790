"""Dispositions back to the admin, de-identified: finding_id, status, since, accepted_until.

No reasons (free text may name the client), no handles. The admin applies a
status file only to findings of that clinician's scope in the admin's store.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import AuditorError
from ..history.store import HistoryStore
from ..keys import SubKeys
from ..sealed import seal, unseal
from ..clock import now_utc
from .match import COLLEAGUE

KIND = "practice-status"
VERSION = 1
SCHEMA = "connection-auditor/practice-status@1"
_CLINICIAN = re.compile(r"^K-[0-9A-Z]{4}$")
_ACTION = {"open": "reopen", "accepted": "accept", "resolved": "resolve", "false-positive": "false-positive"}


def clinician_scopes(store: HistoryStore) -> list[str]:
    return sorted({r.scope for r in store.runs() if r.kind == "import" and _CLINICIAN.match(r.scope)})


def status_document(store: HistoryStore, clinician: str | None) -> dict[str, Any]:
    scopes = clinician_scopes(store)
    if clinician is None:
        if not scopes:
            raise AuditorError(f"{store.path}: no imported practice results here yet (auditor findings import)")
        if len(scopes) > 1:
            raise AuditorError(f"{store.path}: results of several clinician pseudonyms ({', '.join(scopes)}); "
                               "choose one with --clinician")
        clinician = scopes[0]
    elif clinician not in scopes:
        raise AuditorError(f"--clinician {clinician}: no imported results for it in {store.path}")
    rows = [{"finding_id": f.finding_id, "status": f.status, "status_since": f.status_since,
             "accepted_until": f.accepted_until} for f in store.findings(scope=clinician)]
    return {"schema": SCHEMA, "clinician": clinician, "generated_at": now_utc(), "findings": rows}


def save_status(path: Path, keys: SubKeys, document: dict[str, Any]) -> None:
    seal(path, KIND, VERSION, keys, json.dumps(document).encode(),
         {"clinician": document["clinician"], "created_at": document["generated_at"],
          "findings": len(document["findings"])})


def load_status(path: Path, keys: SubKeys) -> dict[str, Any]:
    sealed = unseal(path, KIND, (VERSION,), keys)
    try:
        document = json.loads(sealed.payload)
        if document.get("schema") != SCHEMA or not _CLINICIAN.match(str(document.get("clinician"))):
            raise ValueError
        for row in document["findings"]:
            if row["status"] not in _ACTION:
                raise ValueError
            if row.get("accepted_until"):
                date.fromisoformat(row["accepted_until"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise AuditorError(f"{path}: not a readable {SCHEMA} document") from None
    return document


def apply_status(store: HistoryStore, document: dict[str, Any], clinician: str) -> dict[str, int]:
    """Set each finding's status as the clinician labelled it; returns counts (applied, same, unknown)."""
    if document["clinician"] != clinician:
        raise AuditorError(f"the status file is from clinician {document['clinician']}, not {clinician}")
    known = {f.finding_id: f for f in store.findings(scope=clinician)}
    counts = {"applied": 0, "unchanged": 0, "unknown": 0}
    for row in document["findings"]:
        stored = known.get(row["finding_id"])
        if stored is None or stored.category == COLLEAGUE:
            counts["unknown"] += 1
            continue
        until = row.get("accepted_until") if row["status"] == "accepted" else None
        if stored.status == row["status"] and (stored.accepted_until or None) == (until or None):
            counts["unchanged"] += 1
            continue
        store.dispose(stored.finding_id, _ACTION[row["status"]],
                      f"set by clinician {clinician} (practice status of {row.get('status_since', '')[:10]})",
                      date.fromisoformat(until) if until else None, actor=f"clinician {clinician}")
        counts["applied"] += 1
    return counts
