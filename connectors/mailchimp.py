"""Mailchimp audience export: the CSVs in the ZIP that Audience -> Export produces.

The list status (subscribed, unsubscribed, cleaned, nonsubscribed, sms_only) is
only in the file name; everyone is read, since a past subscription is still a
tie, and the status goes into extras. Merge-field columns (names, phone) are the
audience's own labels, so they are found by header text; the e-mail field is
always first, whatever its label. There is no how-joined column: joined_via
follows the OPTIN_IP / CONFIRM_IP heuristic of the format notes (§11.1) and
says "unknown" whenever the file cannot tell.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import newsletter_csv as nl
from .interface import Connector, ConnectorError, FileResult, InputFile


def _status(basename: str, header: nl.Header) -> str:
    """From the file name; a renamed file only tells by its UNSUB_/CLEAN_ columns."""
    match = nl.MAILCHIMP_NAME_RE.match(basename)
    if match:
        return match.group(1).lower()
    if header.col("UNSUB_TIME") is not None:
        return "unsubscribed"
    if header.col("CLEAN_TIME") is not None:
        return "cleaned"
    return "unknown"


def joined_via(optin_ip: str, confirm_ip: str, has_ip_columns: bool,
               tags: Sequence[str], notes: str) -> tuple[str, str]:
    """(joined_via, basis): a form sign-up records OPTIN_IP; an import or manual add
    records neither OPTIN_IP nor CONFIRM_IP (a heuristic, [I] in the notes)."""
    said_import = any(nl.mentions_import(t) for t in tags) or nl.mentions_import(notes)
    if optin_ip and said_import:
        return "unknown", ("conflicting: a sign-up IP (OPTIN_IP) is recorded, but a tag or "
                           "note says imported")
    if optin_ip:
        return "self", "heuristic: a sign-up IP (OPTIN_IP) is recorded, as a form sign-up leaves"
    if said_import:
        return "imported", "a tag or note on the contact says imported"
    if not has_ip_columns:
        return "unknown", "the file has no OPTIN_IP/CONFIRM_IP columns"
    if not confirm_ip:
        return "imported", ("heuristic: no OPTIN_IP and no CONFIRM_IP, as an import or "
                            "manual add by the owner leaves")
    return "unknown", ("only CONFIRM_IP is recorded: an API/integration add and a sign-up "
                       "look alike here")


class MailchimpCsvConnector(Connector):
    """Reads every status file of a Mailchimp audience export, current and older names."""

    platform = "mailchimp"

    def detect(self, item: InputFile, head: bytes) -> bool:
        return nl.detect_kind(item, head) == "mailchimp"

    def read(self, item: InputFile) -> FileResult:
        table = nl.read_table(item, ("mailchimp",), nl.LABELS["mailchimp"])
        h = table.header
        status = _status(item.basename, h)
        email_col = h.col("Email Address", "Email")
        if email_col is None:
            if not h.keys or h.keys[0] in nl.MAILCHIMP_SYSTEM:
                raise ConnectorError(item.name, "no e-mail column in the header", h.line)
            email_col = 0   # Mailchimp's EMAIL merge field is always first, whatever its label
        cols = {
            "first": h.col("First Name", "FNAME", "First"),
            "last": h.col("Last Name", "LNAME", "Last", "Surname"),
            "name": h.col("Name", "Full Name"),
            "phone": h.col("Phone Number", "Phone", "SMS Phone Number", "Mobile"),
            "optin_ip": h.col("OPTIN_IP"), "optin_time": h.col("OPTIN_TIME"),
            "confirm_ip": h.col("CONFIRM_IP"), "confirm_time": h.col("CONFIRM_TIME"),
            "tags": h.col("TAGS"), "notes": h.col("NOTES"), "leid": h.col("LEID"),
            "unsub": h.col("UNSUB_TIME"), "clean": h.col("CLEAN_TIME"),
        }
        has_ips = cols["optin_ip"] is not None and cols["confirm_ip"] is not None
        result = FileResult(name=item.name, platform=self.platform)
        for line, row in table.rows:
            v = {key: nl.cell(row, index) for key, index in cols.items()}
            email, phone = nl.cell(row, email_col), v["phone"]
            if not nl.is_email(email) and not (status == "sms_only" and phone):
                result.skipped.append(f"{item.name}:line {line}: {nl.skip_reason(email)}")
                continue
            tags = nl.split_tags(v["tags"])
            joined, basis = joined_via(v["optin_ip"], v["confirm_ip"], has_ips, tags, v["notes"])
            extras = [("status", status)]
            if tags:
                extras.append(("tags", "; ".join(tags)))
            for key, label in (("unsub", "unsubscribed_at"), ("clean", "cleaned_at")):
                if nl.iso_utc(v[key]):
                    extras.append((label, nl.iso_utc(v[key])))
            result.connections.append(nl.subscriber(
                self.platform, item, line,
                email=email if nl.is_email(email) else "", phone=phone,
                name=nl.full_name(v["first"], v["last"]) or v["name"],
                connected_at=nl.iso_utc(v["optin_time"]) or nl.iso_utc(v["confirm_time"]),
                joined_via=joined, basis=basis, row_id=v["leid"], extras=extras))
        return result
