"""The contract every report keeps: it declares its audience and renders a result.

Renderers know nothing of connectors or encodings; they receive an AuditResult.
"""

from __future__ import annotations

import abc
from enum import Enum

from auditor.findings import AuditResult


class Audience(Enum):
    THERAPIST = "therapist"     # private: own connection handles next to client_ref
    COMPLIANCE = "compliance"   # de-identified: no handles, names or free text
    EXTERNAL = "external"       # aggregates only, small counts suppressed


class ReportError(Exception):
    """A report that cannot be produced (bad option, unwritable target)."""


class Renderer(abc.ABC):
    audience: Audience
    #: file name written into the output folder, or "" for terminal output
    filename: str = ""

    @abc.abstractmethod
    def render(self, result: AuditResult) -> str:
        """The report's full text."""
