"""Kit (formerly ConvertKit) subscriber CSV, exported from the Subscribers page.

Kit's export header is not documented (format notes §11.4), so every column is
found by header text: e-mail, first/last name, created/subscribed date,
state/status and tags. How-joined comes, in this order, from a source column
(Kit's attribution words), a form column (Kit documents that imported
subscribers have no form), or a referrer page; with none of these it is "unknown".
"""

from __future__ import annotations

from . import newsletter_csv as nl
from .interface import Connector, ConnectorError, FileResult, InputFile

_COLUMNS = {
    "email": ("email_address", "Email", "Email Address", "E-mail"),
    "first": ("first_name", "First name", "First"),
    "last": ("last_name", "Last name", "Surname"),
    "created": ("created_at", "Created", "subscribed_at", "Subscribed", "Date subscribed",
                "Subscription date", "Signup date", "Joined"),
    "state": ("state", "status", "Subscriber state"),
    "tags": ("tags", "Tag"),
    "id": ("id", "subscriber_id"),
    "source": ("source_type", "source", "source_name", "source_mechanism", "Signup source",
               "Subscription source"),
    "form": ("form", "forms", "form_name", "Signed up via form", "Landing page"),
    "referrer": ("referrer", "referrer_url", "Referrer URL", "referring_url"),
}


def joined_via(source: str, form: str, referrer: str) -> tuple[str, str]:
    """(joined_via, basis) from the first column that says anything."""
    kind = nl.classify_source(source)
    if kind and kind != "unknown":
        return kind, f"source {source!r}"
    if form:
        return "self", "signed up through a form (imported subscribers have no form)"
    if referrer:
        return "self", "a referring page is recorded, as a web sign-up leaves"
    if source:
        return "unknown", f"source {source!r} is not a known sign-up, import or API word"
    return "unknown", "no source, form or referrer column with a value"


class KitCsvConnector(Connector):
    """Reads a Kit / ConvertKit subscribers export, columns matched by header text."""

    platform = "kit"

    def detect(self, item: InputFile, head: bytes) -> bool:
        return nl.detect_kind(item, head) == "kit"

    def read(self, item: InputFile) -> FileResult:
        table = nl.read_table(item, ("kit",), nl.LABELS["kit"])
        cols = {key: table.header.col(*names) for key, names in _COLUMNS.items()}
        if cols["email"] is None:
            raise ConnectorError(item.name, "no e-mail column in the header", table.header.line)
        result = FileResult(name=item.name, platform=self.platform)
        for line, row in table.rows:
            v = {key: nl.cell(row, index) for key, index in cols.items()}
            if not nl.is_email(v["email"]):
                result.skipped.append(f"{item.name}:line {line}: {nl.skip_reason(v['email'])}")
                continue
            joined, basis = joined_via(v["source"], v["form"], v["referrer"])
            tags = "; ".join(nl.split_tags(v["tags"]))
            extras = [("status", v["state"].casefold()), ("tags", tags)]
            result.connections.append(nl.subscriber(
                self.platform, item, line, email=v["email"],
                name=nl.full_name(v["first"], v["last"]),
                connected_at=nl.iso_utc(v["created"]), joined_via=joined, basis=basis,
                row_id=v["id"], extras=[(k, x) for k, x in extras if x]))
        return result
