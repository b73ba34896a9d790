"""What the Mailchimp, Substack and Kit subscriber CSVs have in common.

Each is one table with a header row whose columns vary per account, so the work
is the same: take the header, insist that every row is as wide as it (a short
row is a file cut short, and shifted columns would pin one person's address on
another's name), find columns by header text, and turn each row that has an
e-mail address into a `subscriber` Connection. Telling the three products apart
also lives here, in `sniff`, so that no two connectors ever claim one file.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .interface import Connection, ConnectorError, InputFile
from .textio import csv_rows, decode_text, header_key

# Mailchimp's system columns, reduced by header_key; three or more is Mailchimp.
MAILCHIMP_SYSTEM = frozenset({
    "memberrating", "optintime", "optinip", "confirmtime", "confirmip",
    "lastchanged", "leid", "euid",
})
# The status is only in the name: current (`..._email_audience_export_<id>`,
# `sms_only_audience_export_<id>`) and older (`..._members_export_<id>`) names.
MAILCHIMP_NAME_RE = re.compile(
    r"^(subscribed|unsubscribed|cleaned|nonsubscribed|sms_only)"
    r"_(?:email_audience|audience|members)_export(?:_[0-9a-z]+)?\.csv$", re.IGNORECASE)
SUBSTACK_LIST_RE = re.compile(r"^email_list\..+\.csv$", re.IGNORECASE)
KIT_NAME_RE = re.compile(r"convertkit|^kit[^a-z]", re.IGNORECASE)
EMAIL_KEYS = ("emailaddress", "email", "mail")

LABELS = {
    "mailchimp": "a Mailchimp audience export",
    "substack_list": "a Substack email_list export",
    "substack_dashboard": "a Substack subscriber-dashboard export",
    "kit": "a Kit (ConvertKit) subscriber export",
}
_SUBSTACK_DASHBOARD_HINTS = frozenset({
    "activity", "stripeplan", "expirationdate", "firstpaiddate", "canceldate", "revenue",
})
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Header:
    """A header row and the line it was on."""

    cells: tuple[str, ...]
    line: int = 1

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(header_key(c) for c in self.cells)

    def col(self, *names: str) -> int | None:
        """Index of the first of `names` (in the order given) that the header has."""
        keys = self.keys
        for name in names:
            key = header_key(name)
            if key in keys:
                return keys.index(key)
        return None


@dataclass(slots=True)
class Table:
    """A whole CSV of one kind (a key of LABELS): header and rows, each as wide as the header."""

    item: InputFile
    kind: str
    header: Header
    rows: list[tuple[int, list[str]]]


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def head_header(head: bytes) -> Header | None:
    """The header row from a file's first bytes; None when there is none. Never raises."""
    try:
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = head.decode("utf-16", errors="ignore")
        else:
            text = head.decode("utf-8-sig", errors="ignore")
        line = _first_line(text)
        cells = next(csv.reader([line]), []) if line else []
    except (csv.Error, ValueError):
        return None
    return Header(tuple(cells)) if len(cells) > 1 else None


def _is_substack_dashboard(keys: set[str]) -> bool:
    if "email" not in keys:
        return False
    if any(k.startswith("subscriptionsource") for k in keys):
        return True
    if {"subscriptiontype", "subscriptiondate"} <= keys:
        return True
    return {"type", "startdate"} <= keys and bool(keys & _SUBSTACK_DASHBOARD_HINTS)


def sniff(basename: str, cells: Sequence[str]) -> str | None:
    """Which newsletter export a CSV is (a key of LABELS), from its name and header.

    Header signatures come first (they survive renaming), then file names. Kit's
    export header is not documented, so Kit needs its name in the file name or
    Kit's own words in the header (`email_address` with `state`/`status`).
    """
    if not basename.lower().endswith((".csv", ".txt")):
        return None
    keys = {header_key(c) for c in cells}
    raw = {c.strip().casefold() for c in cells}
    if len(keys & MAILCHIMP_SYSTEM) >= 3:
        return "mailchimp"
    if {"email", "activesubscription", "emaildisabled"} <= keys:
        return "substack_list"
    if _is_substack_dashboard(keys):
        return "substack_dashboard"
    if SUBSTACK_LIST_RE.match(basename):
        return "substack_list"
    if MAILCHIMP_NAME_RE.match(basename):
        return "mailchimp"
    if "email_address" in raw and "first_name" in raw and raw & {"state", "status"}:
        return "kit"
    if KIT_NAME_RE.search(basename) and keys & set(EMAIL_KEYS):
        return "kit"
    return None


def detect_kind(item: InputFile, head: bytes) -> str | None:
    """`sniff` for a connector's detect(): any failure means "not ours"."""
    try:
        header = head_header(head)
        return sniff(item.basename, header.cells) if header else None
    except Exception:  # noqa: BLE001 - detect() must never raise, whatever the bytes
        return None


def read_table(item: InputFile, wanted: Sequence[str], label: str) -> Table:
    """Decode and parse a file that must be one of the `wanted` kinds.

    Another product's file, a cut-short file or a ragged one is a located error.
    """
    text = decode_text(item)
    records = list(csv_rows(item, text))
    if not records:
        raise ConnectorError(item.name, "no header row")
    line, cells = records[0]
    header = Header(tuple(c.strip() for c in cells), line)
    kind = sniff(item.basename, header.cells)
    if kind not in wanted:
        looks = f" (this looks like {LABELS[kind]})" if kind else ""
        raise ConnectorError(item.name, f"not {label}{looks}", line)
    if text.count('"') % 2:
        raise ConnectorError(item.name, "a quoted field is never closed: the file looks cut "
                             "short (export it again)", records[-1][0])
    for row_line, row in records[1:]:
        if len(row) != len(cells):
            raise ConnectorError(
                item.name, f"{len(row)} fields where the header has {len(cells)}: the file "
                "looks cut short or damaged (export it again)", row_line)
    return Table(item, kind, header, records[1:])


def cell(row: Sequence[str], index: int | None) -> str:
    """The stripped text at `index`, or '' for a column the file does not have."""
    return row[index].strip() if index is not None and index < len(row) else ""


def is_email(value: str) -> bool:
    return bool(_EMAIL_RE.match(value))


def iso_utc(value: str) -> str:
    """An export's time as ISO-8601 UTC; zone-less times are taken as UTC; '' if unreadable."""
    text = value.strip()
    if text.upper().endswith(" UTC"):
        text = text[:-4]
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def full_name(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def split_tags(value: str) -> list[str]:
    """Mailchimp's TAGS (`"Imported","Clients, 2023"`) or a plain `a, b` list."""
    if not value.strip():
        return []
    try:
        parts = next(csv.reader([value], skipinitialspace=True), [])
    except csv.Error:
        parts = value.split(",")
    return [p.strip() for p in parts if p.strip()]


# How-joined words. Only text that names a channel counts; anything else is "unknown".
_IMPORTED = frozenset({"import", "imported", "imports", "importer", "manual", "manually",
                       "admin", "upload", "uploaded", "csv"})
_API = frozenset({"api", "integration", "zapier"})
_SELF = frozenset({"form", "forms", "signup", "sign", "subscribe", "subscribed", "landing",
                   "embed", "embedded", "website", "homepage", "post", "notes", "app",
                   "recommendation", "recommendations", "referral", "referred", "direct",
                   "search", "profile", "checkout", "substack"})


def classify_source(text: str) -> str:
    """A how-joined text as self / imported / api / unknown ('' when there is no text).

    An import word wins over everything (an owner's own record of adding someone),
    then an API word; a sign-up channel alone means self.
    """
    if not text.strip():
        return ""
    tokens = set(re.findall(r"[a-z0-9]+", text.casefold()))
    if tokens & _IMPORTED:
        return "imported"
    if tokens & _API:
        return "api"
    if tokens & _SELF:
        return "self"
    return "unknown"


def mentions_import(text: str) -> bool:
    """Whether an owner's tag or note says "import…" (narrower than classify_source)."""
    return any(t.startswith("import") for t in re.findall(r"[a-z]+", text.casefold()))


def skip_reason(value: str) -> str:
    return "no e-mail address" if not value else "the e-mail column holds no e-mail address"


def subscriber(platform: str, item: InputFile, line: int, *, email: str,
               joined_via: str, basis: str, name: str = "", phone: str = "",
               connected_at: str = "", row_id: str = "",
               extras: Sequence[tuple[str, str]] = ()) -> Connection:
    """A mailing-list Connection, with why `joined_via` is what it is in extras."""
    return Connection(
        platform=platform, relation="subscriber", source=f"{item.name}:line {line}",
        display_name=name, email=email, phone=phone, connected_at=connected_at,
        joined_via=joined_via, id=row_id,
        extras=tuple(extras) + (("joined_via_basis", basis),),
    )
