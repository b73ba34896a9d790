"""CSV reports: one row per finding (the external summary: one row per count).

The facts every report states (audience, banner, times, policy, inputs,
thresholds) come first as '# ' lines, led by what changed since the last
audit when the run is in the history store (its finding rows then carry the
history label in the `change` column, empty without history), so a spreadsheet shows them and
`pandas.read_csv(..., comment="#")` skips them. Cells that a spreadsheet
would run as a formula (starting with = + - @ or a control character) get a
leading apostrophe: a connection's display name is text someone else chose.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import astuple, fields

from .interface import Audience, Renderer
from .views import (
    ChangeSummary,
    ComplianceFinding,
    ComplianceView,
    ExternalChanges,
    ExternalView,
    ReportHeader,
    TherapistView,
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    """Text a spreadsheet shows as written, never evaluates."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (tuple, list)):
        value = "; ".join(map(str, value))
    text = str(value)
    if len(text) > 1 and text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def change_lines(changes: ChangeSummary | None) -> list[str]:
    if changes is None:
        return []
    return [f"{changes.title}: {changes.summary}",
            # ids of what changed; the steady classes (still open, ...) are in the change column
            *(f"{c.title}: {c.count}" + (f" ({' '.join(c.finding_ids)})" if changes.lists_ids(c) else "")
              for c in changes.shown)]


def external_change_lines(changes: ExternalChanges | None) -> list[str]:
    if changes is None:
        return []
    return [f"{changes.title}: {changes.summary}"]


def _preamble(header: ReportHeader, extra: Iterable[str] = (), changes: Iterable[str] = ()) -> list[str]:
    lines = [f"{header.title}", f"audience: {header.audience.value}", header.confidential,
             f"audit run: {header.audit_generated_at}", f"report made: {header.generated_at}", *changes,
             f"policy: {header.policy.preset}", f"edition: {header.policy.edition}",
             f"overrides: {header.policy.overrides_text}", f"match thresholds: {header.thresholds_text}",
             *(f"warning: {w}" for w in header.policy.warnings)]
    lines += [f"inputs: {i.platform}: {i.files} file(s), {i.records} records, {i.skipped} skipped"
              for i in header.inputs]
    lines += list(extra)
    return ["# " + " ".join(line.split()) for line in lines]


def _table(preamble: list[str], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    buffer.write("\n".join(preamble) + "\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


THERAPIST_COLUMNS = ("finding_id", "change", "client_ref", "severity", "category", "direction", "client_status",
                     "since_end", "tier", "score", "ambiguous", "platform", "relation", "account", "connection",
                     "display_name", "username", "email", "profile_url", "source", "rule", "sections", "action",
                     "action_text", "evidence", "notes")


class TherapistCsv(Renderer[TherapistView]):
    """Every finding with the therapist's own handles and the place in the export."""

    audience = Audience.THERAPIST
    format = "csv"

    def render(self, view: TherapistView) -> str:
        extra = [f"input file: {i.path} ({i.platform}, {i.records} records)" for i in view.input_files]
        extra += [f"account: {a}" for a in view.accounts]
        rows = []
        for f in view.findings:
            c, r = f.connection, f.ruling
            rows.append((f.finding_id, view.change_label(f.finding_id), f.client_ref, f.severity, r.category if r else "",
                         r.direction_label if r else "", f.client_status, r.since_end if r else "", f.tier,
                         f"{f.score:.3f}", f.ambiguous, c.platform, c.relation, c.account, c.who, c.display_name,
                         c.username, c.email, c.profile_url, c.source, r.rule if r else "",
                         r.sections if r else (), r.action if r else "", r.action_text if r else "",
                         f.evidence_text, r.notes if r else ()))
        return _table(_preamble(view.header, extra, change_lines(view.changes)), THERAPIST_COLUMNS, rows)


_COMPLIANCE_FIELDS = tuple(f.name for f in fields(ComplianceFinding))
#: the ComplianceFinding fields with the history label second
COMPLIANCE_COLUMNS = (_COMPLIANCE_FIELDS[0], "change", *_COMPLIANCE_FIELDS[1:])


class ComplianceCsv(Renderer[ComplianceView]):
    """De-identified findings: the ComplianceFinding fields and the history label, nothing else."""

    audience = Audience.COMPLIANCE
    format = "csv"

    def render(self, view: ComplianceView) -> str:
        extra = [f"roster: {view.roster_clients} clients, key {view.roster_fingerprint}"]
        rows = ((f.finding_id, view.change_label(f.finding_id), *astuple(f)[1:]) for f in view.findings)
        return _table(_preamble(view.header, extra, change_lines(view.changes)), COMPLIANCE_COLUMNS, rows)


class ExternalCsv(Renderer[ExternalView]):
    """One row per count: dimension, value, count ("<N" or "withheld" where suppressed); changes first."""

    audience = Audience.EXTERNAL
    format = "csv"

    def render(self, view: ExternalView) -> str:
        rows: list[tuple[str, str, str]] = []
        if view.changes is not None:
            rows += [("change", title, count.text) for _, title, count in view.changes.rows]
        rows.append(("total", "all findings", view.total.text))
        for dimension, table in (("severity", view.by_severity), ("tier", view.by_tier),
                                 ("platform", view.by_platform), ("category", view.by_category)):
            rows += [(dimension, key, count.text) for key, count in table]
        extra = [f"small counts: 1 to {view.threshold - 1} shown as <{view.threshold}"] if view.threshold > 1 else []
        return _table(_preamble(view.header, extra, external_change_lines(view.changes)),
                      ("dimension", "value", "findings"), rows)
