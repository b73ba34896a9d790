"""Which renderer serves which audience and format, and writing reports to disk.

One table, (audience, format) -> renderer class, instead of branches: adding
a format is adding a module and a line here. Files are written 0600 and
atomically (auditor.fileio.write_private): every report may hold PHI or
practice data, and a failed run must not leave half a report behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from auditor.fileio import private_dir, write_private
from auditor.findings import AuditResult

from .csv_report import ComplianceCsv, ExternalCsv, TherapistCsv
from .html import ComplianceHtml, ExternalHtml, TherapistHtml
from .interface import AUDIENCES, Audience, Renderer, ReportError
from .json_report import ComplianceJson, FindingsJson, SummaryJson
from .markdown import ComplianceMarkdown, ExternalMarkdown, TherapistMarkdown
from .terminal import ComplianceTerminal, ExternalTerminal, TherapistTerminal
from .views import build_view

FORMATS = ("html", "json", "md", "csv", "table")
FILE_FORMATS = tuple(f for f in FORMATS if f != "table")
EXTENSIONS: Mapping[str, str] = {"html": "html", "json": "json", "md": "md", "csv": "csv"}

RENDERERS: Mapping[tuple[Audience, str], type[Renderer]] = {
    (cls.audience, cls.format): cls
    for cls in (TherapistHtml, ComplianceHtml, ExternalHtml,
                FindingsJson, ComplianceJson, SummaryJson,
                TherapistMarkdown, ComplianceMarkdown, ExternalMarkdown,
                TherapistCsv, ComplianceCsv, ExternalCsv,
                TherapistTerminal, ComplianceTerminal, ExternalTerminal)
}


def parse_audience(value: str) -> Audience:
    try:
        return Audience(value.strip().lower())
    except ValueError:
        raise ReportError(f"--audience: unknown audience '{value}' (choose from {', '.join(AUDIENCES)})") from None


def parse_formats(value: str, allowed: Sequence[str] = FORMATS) -> list[str]:
    """'html, json' -> ['html', 'json'] in the order given, each once; unknown words are an error."""
    chosen: list[str] = []
    for word in (v.strip().lower() for v in value.split(",")):
        if word and word not in chosen:
            chosen.append(word)
    unknown = [w for w in chosen if w not in allowed]
    if unknown or not chosen:
        raise ReportError(f"--format: unknown format(s) {', '.join(unknown) or '(none given)'} "
                          f"(choose from {', '.join(allowed)})")
    return chosen


def renderer(audience: Audience, fmt: str) -> Renderer:
    return RENDERERS[(audience, fmt)]()


def file_name(audience: Audience, fmt: str) -> str:
    """report-<audience>.<ext>; the therapist's JSON keeps its historic name findings.json."""
    return RENDERERS[(audience, fmt)].filename or f"report-{audience.value}.{EXTENSIONS[fmt]}"


def write_reports(result: AuditResult, audience: Audience, formats: Sequence[str], out: Path,
                  *, now: str | None = None, names: Mapping[str, Path] | None = None) -> list[Path]:
    """Render each file format for one audience into folder `out` (or the paths in `names`)."""
    view = build_view(result, audience, now)
    written = []
    for fmt in formats:
        if fmt not in FILE_FORMATS:
            continue
        target = names[fmt] if names and fmt in names else Path(out) / file_name(audience, fmt)
        if target.parent == Path(out):
            private_dir(Path(out))
        write_private(target, renderer(audience, fmt).render(view).encode("utf-8"))
        written.append(target)
    return written
