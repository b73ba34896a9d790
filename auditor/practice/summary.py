"""The compliance roll-up: per clinician pseudonym, from their latest practice match.

Only pseudonyms, labels, counts and dates: no handle, name, client_id or
client_ref. Cross-caseload matches (a colleague's client among this clinician's
connections) appear as one count.
"""

from __future__ import annotations

import csv
import io
import json
from calendar import monthrange
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from ..history.store import HistoryStore
from ..presets import SEVERITIES
from .match import COLLEAGUE

KIND = "practice-match"
STATUS_COLUMNS = ("open", "accepted", "resolved", "false-positive")


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


@dataclass(slots=True)
class ClinicianSummary:
    clinician: str
    last_audit: str                  # YYYY-MM-DD, '' if never
    days_since_audit: int | None
    overdue: bool
    connections: int = 0
    findings: int = 0                # own findings present in the latest match
    by_severity: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    oldest_open_days: int | None = None
    colleague_clients: int = 0       # matches to another clinician's clients (compliance view only)


def summarise(store: HistoryStore, interval_months: int, today: date | None = None,
              clinicians: list[str] | None = None) -> list[ClinicianSummary]:
    today = today or datetime.now(timezone.utc).date()
    latest: dict[str, Any] = {}
    for run in store.runs():
        if run.kind == KIND and run.scope:
            latest[run.scope] = run            # runs come in order: the last one wins
    out = []
    for clinician in sorted(set(latest) | set(clinicians or [])):
        run = latest.get(clinician)
        if run is None:
            out.append(ClinicianSummary(clinician, "", None, True, status={s: 0 for s in STATUS_COLUMNS}))
            continue
        when = date.fromisoformat(run.at[:10])
        row = ClinicianSummary(clinician, run.at[:10], (today - when).days,
                               add_months(when, interval_months) < today, connections=run.connections,
                               status={s: 0 for s in STATUS_COLUMNS})
        oldest: date | None = None
        for f in store.findings(scope=clinician, today=today):
            if f.category == COLLEAGUE:
                row.colleague_clients += int(f.present and f.last_run == run.run_id)
                continue
            status = f.effective_status(today)
            row.status[status] = row.status.get(status, 0) + 1
            if status == "open":
                first = date.fromisoformat(f.first_seen[:10])
                oldest = first if oldest is None or first < oldest else oldest
            if f.present and f.last_run == run.run_id:
                row.findings += 1
                row.by_severity[f.severity] = row.by_severity.get(f.severity, 0) + 1
                row.by_category[f.category] = row.by_category.get(f.category, 0) + 1
        row.oldest_open_days = (today - oldest).days if oldest else None
        out.append(row)
    return out


def _severities(rows: list[ClinicianSummary]) -> list[str]:
    seen = {s for r in rows for s in r.by_severity}
    return [s for s in SEVERITIES if s in seen] + sorted(seen - set(SEVERITIES))


def _categories(rows: list[ClinicianSummary]) -> list[str]:
    return sorted({c for r in rows for c in r.by_category})


def flat_rows(rows: list[ClinicianSummary]) -> tuple[list[str], list[list[str]]]:
    sev, cats = _severities(rows), _categories(rows)
    head = (["clinician", "last_audit", "days_since_audit", "overdue", "connections", "findings"]
            + [f"severity_{s}" for s in sev] + list(STATUS_COLUMNS)
            + ["oldest_open_days", "colleague_clients"] + [f"category: {c}" for c in cats])
    body = []
    for r in rows:
        body.append([r.clinician, r.last_audit or "never",
                     "" if r.days_since_audit is None else str(r.days_since_audit),
                     "OVERDUE" if r.overdue else "", str(r.connections), str(r.findings)]
                    + [str(r.by_severity.get(s, 0)) for s in sev] + [str(r.status.get(s, 0)) for s in STATUS_COLUMNS]
                    + ["" if r.oldest_open_days is None else str(r.oldest_open_days), str(r.colleague_clients)]
                    + [str(r.by_category.get(c, 0)) for c in cats])
    return head, body


def render(rows: list[ClinicianSummary], fmt: str, interval_months: int, today: date | None = None) -> str:
    today = today or datetime.now(timezone.utc).date()
    if fmt == "json":
        return json.dumps({"schema": "connection-auditor/practice-summary@1",
                           "confidential": "De-identified: clinician pseudonyms and counts only.",
                           "generated_on": today.isoformat(), "audit_interval_months": interval_months,
                           "clinicians": [asdict(r) for r in rows]}, indent=2) + "\n"
    head, body = flat_rows(rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(head)
        writer.writerows(body)
        return buffer.getvalue()
    if fmt == "md":
        lines = ["# Practice audit summary (de-identified)", "",
                 f"Generated {today.isoformat()}; audit interval: every {interval_months} month(s). "
                 "Clinician pseudonyms and counts only.", "",
                 "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines) + "\n"
    raise ValueError(fmt)


def table_rows(rows: list[ClinicianSummary]) -> tuple[list[str], list[list[str]]]:
    """A narrower layout for the terminal: severities folded into one cell (categories: category_rows)."""
    sev = _severities(rows)
    head = ["clinician", "last audit", "due", "findings", "severity", "open", "accepted", "resolved",
            "false pos.", "oldest open (days)", "colleague's clients"]
    body = []
    for r in rows:
        body.append([r.clinician, r.last_audit or "never", "OVERDUE" if r.overdue else "ok", str(r.findings),
                     " ".join(f"{s}:{r.by_severity[s]}" for s in sev if r.by_severity.get(s)) or "-",
                     *(str(r.status.get(s, 0)) for s in STATUS_COLUMNS),
                     "-" if r.oldest_open_days is None else str(r.oldest_open_days), str(r.colleague_clients)])
    return head, body


def category_rows(rows: list[ClinicianSummary]) -> tuple[list[str], list[list[str]]]:
    """Findings of the latest match by category (rows) and clinician (columns)."""
    head = ["category", *(r.clinician for r in rows)]
    return head, [[c, *(str(r.by_category.get(c, 0)) for r in rows)] for c in _categories(rows)]
