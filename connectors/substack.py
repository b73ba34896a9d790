"""Substack subscriber lists: the full export's email_list and the dashboard CSV.

The full export (Settings -> Export) has `email_list.<publication>.csv`: e-mail,
paid status and dates, but no name and nothing about how anyone joined, so
joined_via is "unknown". The subscriber dashboard's CSV has a Name column and,
when the owner chose it, "Subscription source (free)" / "(paid)": the only
how-joined signal Substack gives, mapped to self / imported / unknown by its words.
"""

from __future__ import annotations

from . import newsletter_csv as nl
from .interface import Connection, Connector, ConnectorError, FileResult, InputFile

_KINDS = ("substack_list", "substack_dashboard")
# How they joined the list first; the paid source only when no free one is given.
_SOURCES = ("Subscription source (free)", "Subscription source", "Subscription source (paid)")


class SubstackCsvConnector(Connector):
    """Reads `email_list.<publication>.csv` and the subscriber-dashboard export."""

    platform = "substack"

    def detect(self, item: InputFile, head: bytes) -> bool:
        return nl.detect_kind(item, head) in _KINDS

    def read(self, item: InputFile) -> FileResult:
        table = nl.read_table(item, _KINDS, "a Substack subscriber export")
        reader = _email_list if table.kind == "substack_list" else _dashboard
        result = FileResult(name=item.name, platform=self.platform)
        email_col = table.header.col("email", "Email Address")
        if email_col is None:
            raise ConnectorError(item.name, "no e-mail column in the header", table.header.line)
        for line, row in table.rows:
            email = nl.cell(row, email_col)
            if not nl.is_email(email):
                result.skipped.append(f"{item.name}:line {line}: {nl.skip_reason(email)}")
                continue
            result.connections.append(reader(table, line, row, email))
        return result


def _email_list(table: nl.Table, line: int, row: list[str], email: str) -> Connection:
    h = table.header
    extras = [(name, nl.cell(row, h.col(name))) for name in
              ("active_subscription", "plan", "email_disabled")]
    expiry = nl.iso_utc(nl.cell(row, h.col("expiry")))
    if expiry:
        extras.append(("expiry", expiry))
    return nl.subscriber(
        "substack", table.item, line, email=email,
        connected_at=nl.iso_utc(nl.cell(row, h.col("created_at"))),
        joined_via="unknown", basis="the full export's email_list has no how-joined field",
        extras=[(k, v) for k, v in extras if v])


def _dashboard(table: nl.Table, line: int, row: list[str], email: str) -> Connection:
    h = table.header
    source = next((text for text in (nl.cell(row, h.col(name)) for name in _SOURCES) if text), "")
    joined = nl.classify_source(source)
    if joined in ("", "api"):      # Substack has no API sign-up: "api" is not a known value
        joined = "unknown"
    if not source:
        basis = "no subscription source given"
    elif joined == "unknown":
        basis = f"subscription source {source!r} is not a known sign-up or import word"
    else:
        basis = f"subscription source {source!r}"
    extras = [("type", nl.cell(row, h.col("Type", "Subscription type"))), ("source", source)]
    cancelled = nl.iso_utc(nl.cell(row, h.col("Cancel date")))
    if cancelled:
        extras.append(("cancelled_at", cancelled))
    return nl.subscriber(
        "substack", table.item, line, email=email, name=nl.cell(row, h.col("Name")),
        connected_at=nl.iso_utc(nl.cell(row, h.col("Start date", "Subscription date"))),
        joined_via=joined, basis=basis, extras=[(k, v) for k, v in extras if v])
