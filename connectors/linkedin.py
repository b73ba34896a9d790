"""LinkedIn "Get a copy of your data": `Connections.csv` and `Invitations.csv`.

Connections.csv opens with a "Notes:" preamble whose length is not fixed, so the
header row is found by its column names, and columns are read by name (older
files have no `URL`). Members who restrict their data appear as rows with only
a date: they are counted as skipped, never matched. Invitations.csv names both
people; only the other one is read (the sender of an incoming invitation, the
invitee of an outgoing one), never the therapist.
"""

from __future__ import annotations

from collections.abc import Callable

from . import dates, sniff
from .interface import Connection, Connector, FileResult, InputFile
from .textio import csv_rows, decode_text, header_key

_WHAT = "not a LinkedIn Connections.csv or Invitations.csv"
_EXPECTED = "no 'First Name,Last Name,...,Connected On' or 'From,To,Sent At,...' header"
# Direction -> (relation, name column, profile URL column), in header_key form.
_INVITATIONS = {
    "INCOMING": ("request_in", "from", "inviterprofileurl"),
    "OUTGOING": ("request_out", "to", "inviteeprofileurl"),
}

Cell = Callable[[str], str]


def _header_kind(row: list[str]) -> str | None:
    """'connections' or 'invitations' for a LinkedIn header row, else None."""
    keys = sniff.header_keys(row)
    if sniff.LINKEDIN_CONNECTIONS <= keys:
        return "connections"
    if sniff.LINKEDIN_INVITATIONS <= keys:
        return "invitations"
    return None


class LinkedInConnector(Connector):
    """Reads LinkedIn connections (mutual) and invitations (pending requests)."""

    platform = "linkedin"

    def detect(self, item: InputFile, head: bytes) -> bool:
        if sniff.is_litter(item.relpath):
            return False
        rows = sniff.head_rows(item, sniff.head_text(head))
        return any(_header_kind(row) for row in rows)

    def read(self, item: InputFile) -> FileResult:
        text = decode_text(item)
        rows = csv_rows(item, text)
        kind: str | None = None
        columns: dict[str, int] = {}
        for count, (_, row) in enumerate(rows):
            kind = _header_kind(row)
            if kind:
                for index, cell in enumerate(row):
                    if cell.strip():
                        columns.setdefault(header_key(cell), index)
                break
            if count + 1 >= sniff.HEADER_SEARCH_ROWS:
                break
        if kind is None:
            raise sniff.not_ours(item, self.platform, _WHAT, text, _EXPECTED)
        records = list(rows)
        sniff.check_complete(item, text, records, max(columns.values()) + 1)
        result = FileResult(name=item.name, platform=self.platform)
        read_row = self._connection if kind == "connections" else self._invitation
        for line, row in records:
            read_row(f"{item.name}:line {line}", _cells(row, columns), result)
        return result

    def _connection(self, where: str, cell: Cell, result: FileResult) -> None:
        """One Connections.csv row: a mutual tie, or a skipped row with no identity."""
        name = " ".join(part for part in (cell("firstname"), cell("lastname")) if part)
        url, email = cell("url"), cell("emailaddress")
        if not (name or url or email):
            result.skipped.append(f"{where}: no name or profile URL (the member does not share it)")
            return
        result.connections.append(Connection(
            platform=self.platform, relation="mutual", source=where, display_name=name,
            profile_url=url, email=email, connected_at=dates.day_month_year(cell("connectedon"))))

    def _invitation(self, where: str, cell: Cell, result: FileResult) -> None:
        """One Invitations.csv row: the other person of a pending request."""
        direction = cell("direction")
        rule = _INVITATIONS.get(direction.upper())
        if rule is None:
            shown = f"'{sniff.excerpt(direction)}'" if direction else "empty"
            result.skipped.append(f"{where}: direction is {shown}, not INCOMING or OUTGOING")
            return
        relation, name_column, url_column = rule
        name, url = cell(name_column), cell(url_column)
        if not (name or url):
            result.skipped.append(f"{where}: no name or profile URL")
            return
        result.connections.append(Connection(
            platform=self.platform, relation=relation, source=where, display_name=name,
            profile_url=url, connected_at=dates.us_datetime(cell("sentat"))))


def _cells(row: list[str], columns: dict[str, int]) -> Cell:
    """A lookup from header_key to the row's stripped cell ('' when absent)."""
    def cell(key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""
    return cell
