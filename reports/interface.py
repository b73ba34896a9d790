"""The contract every report keeps: one audience, one format, one view in, text out.

The audience is a type, not a flag: a renderer is written for one view class
(reports/views.py) and receives only that view. A compliance renderer is
handed a `ComplianceView`, which holds no handle, name, path or score, so no
template or format can print one by mistake. Renderers know nothing of
connectors or encodings.
"""

from __future__ import annotations

import abc
from enum import Enum
from typing import ClassVar, Generic, TypeVar

from auditor.errors import AuditorError


class Audience(Enum):
    THERAPIST = "therapist"     # private: own connection handles next to client_ref
    COMPLIANCE = "compliance"   # de-identified: no handles, names or free text
    EXTERNAL = "external"       # aggregates only, small counts suppressed


AUDIENCES = tuple(a.value for a in Audience)


class ReportError(AuditorError):
    """A report that cannot be produced (bad option, wrong input file); one line for the user."""


ViewT = TypeVar("ViewT")


class Renderer(abc.ABC, Generic[ViewT]):
    """Turns one audience's view into the full text of one format."""

    audience: ClassVar[Audience]
    #: the --format word: html, json, md, csv or table
    format: ClassVar[str]
    #: file name written into the output folder; "" for terminal output
    filename: ClassVar[str] = ""

    @abc.abstractmethod
    def render(self, view: ViewT) -> str:
        """The report's full text."""
