"""Reading an EHR client export (CSV) into in-memory client records.

This is the only place the roster exists in clear, and only in memory: roster
encode turns these records into keyed encodings at once, and roster resolve
prints refs next to client ids without storing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from connectors.interface import ConnectorError, InputFile
from connectors.textio import csv_rows, decode_text, header_key

from .errors import AuditorError
from .normalize import canonical_email, canonical_handle, canonical_phone, handle_from_url, split_words

FIELDS = ("client_id", "first_name", "last_name", "full_name", "preferred_name", "other_names",
          "email", "phone", "handles", "status", "end_date", "clinician", "associated")

_ALIASES = {
    "client_id": "clientid id clientnumber clientno patientid patientnumber mrn recordnumber "
                 "chartnumber chartid accountnumber",
    "first_name": "firstname first givenname forename legalfirstname",
    "last_name": "lastname last surname familyname legallastname",
    "full_name": "name fullname clientname patientname",
    "preferred_name": "preferredname preferredfirstname nickname goesby knownas",
    "other_names": "othernames maidenname previousname previousnames formername formernames "
                   "aliases alias aka",
    "email": "email emailaddress mail primaryemail",
    "phone": "phone phonenumber mobile mobilephone cellphone cell homephone workphone telephone "
             "primaryphone",
    "handles": "handles socialhandles social socialmedia",
    "status": "status clientstatus patientstatus",
    "end_date": "enddate dischargedate dischargedon terminationdate closeddate closedate "
                "dateclosed lastsessiondate lastsession lastvisit",
    "clinician": "clinician therapist provider assignedclinician primaryclinician counselor",
    # a client's partner or family members (AAMFT 1.3), names separated by ';'
    "associated": "associated associatedpersons associatedpeople familymembers family household "
                  "householdmembers partner partnername spouse spousename significantother relatives",
}
HEADER_ALIASES = {alias: name for name, words in _ALIASES.items() for alias in words.split()}
MULTI_FIELDS = frozenset({"phone", "email", "other_names", "handles", "associated"})
_LIST_SPLIT = re.compile(r"[;|\n]")
_CURRENT = frozenset("current active open ongoing inactive-pending".split())
_FORMER = frozenset("former discharged closed inactive terminated ended past completed".split())
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%Y/%m/%d", "%d %b %Y", "%b %d, %Y",
                 "%Y-%m-%dT%H:%M:%S", "%Y-%m")


@dataclass(slots=True)
class ClientRecord:
    """One client, in clear, in memory only."""

    line: int
    client_id: str
    given: list[str] = field(default_factory=list)
    surnames: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    handles: list[tuple[str, str]] = field(default_factory=list)
    status: str = "unknown"          # current / former / unknown
    end_date: date | None = None
    clinician: str = ""
    associated: list[str] = field(default_factory=list)   # family members' full names, in clear, in memory


@dataclass(slots=True)
class ClientFile:
    records: list[ClientRecord]
    columns: dict[str, list[str]]       # field -> the header cells used for it
    skipped: list[str]                  # "line N: why"


def parse_map(options: tuple[str, ...]) -> dict[str, str]:
    """--map 'Col Name=field' options -> {header_key: field}."""
    mapping: dict[str, str] = {}
    for option in options:
        column, sep, target = option.rpartition("=")
        target = target.strip()
        if not sep or not column.strip():
            raise AuditorError(f"--map {option!r}: expected COLUMN=FIELD")
        if target not in FIELDS and target != "ignore":
            raise AuditorError(f"--map {option!r}: unknown field {target!r} "
                               f"(one of: {', '.join(FIELDS)}, ignore)")
        mapping[header_key(column)] = target
    return mapping


def _map_header(cells: list[str], overrides: dict[str, str]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, cell in enumerate(cells):
        key = header_key(cell)
        target = overrides.get(key) or HEADER_ALIASES.get(key)
        if not target or target == "ignore":
            continue
        if target in taken and target not in MULTI_FIELDS:
            continue
        mapping[index] = target
        taken.add(target)
    return mapping


def _has_name(mapping: dict[int, str]) -> bool:
    return bool({"first_name", "last_name", "full_name"} & set(mapping.values()))


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _status(text: str) -> str:
    word = text.strip().casefold()
    if word in _CURRENT:
        return "current"
    if word in _FORMER:
        return "former"
    return "unknown"


def _handles(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in filter(None, (e.strip() for e in _LIST_SPLIT.split(text.replace(",", ";")))):
        if "/" in entry and "." in entry:
            parsed = handle_from_url(entry)
            if parsed:
                found.append(parsed)
            continue
        platform, sep, handle = entry.partition(":")
        if sep and not handle.startswith("//"):
            platform = {"twitter": "x", "ig": "instagram", "fb": "facebook"}.get(
                platform.strip().lower(), platform.strip().lower())
            found.append((platform, canonical_handle(handle)))
        else:
            found.append(("", canonical_handle(entry)))
    return [(p, h) for p, h in found if h]


def _split_full_name(text: str) -> tuple[list[str], list[str]]:
    """'Smith, Ana Maria' or 'Ana Maria Smith' -> (given words, surname words)."""
    if "," in text:
        last, _, first = text.partition(",")
        return list(split_words(first)), list(split_words(last))
    words = list(split_words(text))
    if len(words) < 2:
        return words, []
    return words[:-1], words[-1:]


def _apply(record: ClientRecord, field_name: str, value: str, region: str) -> str | None:
    """Fill one field of a record; returns an error text for a bad cell."""
    if field_name == "client_id":
        record.client_id = value
    elif field_name in ("first_name", "preferred_name"):
        record.given.extend(w for w in split_words(value) if w not in record.given)
    elif field_name == "last_name":
        record.surnames.extend(w for w in split_words(value) if w not in record.surnames)
    elif field_name == "full_name":
        given, surnames = _split_full_name(value)
        record.given.extend(w for w in given if w not in record.given)
        record.surnames.extend(w for w in surnames if w not in record.surnames)
    elif field_name == "other_names":
        for name in _LIST_SPLIT.split(value):
            record.surnames.extend(w for w in split_words(name) if w not in record.surnames)
    elif field_name == "email":
        for part in _LIST_SPLIT.split(value.replace(",", ";")):
            email = canonical_email(part)
            if part.strip() and not email:
                return "the e-mail cell is not an e-mail address"
            if email:
                record.emails.append(email)
    elif field_name == "phone":
        for part in _LIST_SPLIT.split(value):
            phone = canonical_phone(part, region)
            if phone:
                record.phones.append(phone)
    elif field_name == "handles":
        record.handles.extend(_handles(value))
    elif field_name == "status":
        record.status = _status(value)
    elif field_name == "end_date":
        parsed = _parse_date(value)
        if parsed is None:
            return "end date is not a date this tool reads (use YYYY-MM-DD)"
        record.end_date = parsed
    elif field_name == "clinician":
        # names are compared as words ("Dr. Lena Hart" = "lena hart"); an id-style cell ("17", "T-042") as itself
        record.clinician = " ".join(split_words(value)) or " ".join(value.casefold().split())
    elif field_name == "associated":
        record.associated.extend(n.strip() for n in _LIST_SPLIT.split(value)
                                 if n.strip() and n.strip() not in record.associated)
    return None


def associated_record(client: ClientRecord, name: str) -> ClientRecord:
    """A client's family member as a roster row of its own: same client, status 'associated'."""
    given, surnames = _split_full_name(name)
    return ClientRecord(line=client.line, client_id=client.client_id, given=given, surnames=surnames,
                        status="associated", end_date=None, clinician=client.clinician)


def read_clients(path: Path, overrides: dict[str, str] | None = None, region: str = "US") -> ClientFile:
    """Read an EHR client export; errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise AuditorError(f"{path}: no such file")
    item = InputFile(name=str(path), relpath=path.name, read_bytes=path.read_bytes)
    try:
        text = decode_text(item)
        rows = list(csv_rows(item, text))
    except ConnectorError as exc:
        raise AuditorError(str(exc)) from None
    overrides = overrides or {}
    mapping: dict[int, str] | None = None
    header: list[str] = []
    records: dict[str, ClientRecord] = {}
    skipped: list[str] = []
    for line, row in rows:
        if mapping is None:
            candidate = _map_header(row, overrides)
            if _has_name(candidate):
                mapping, header = candidate, row
            elif line >= 10:
                break
            continue
        record = ClientRecord(line=line, client_id="")
        for index, field_name in mapping.items():
            value = row[index].strip() if index < len(row) else ""
            if value:
                problem = _apply(record, field_name, value, region)
                if problem:
                    raise AuditorError(f"{path}, line {line}: {problem} (column '{header[index]}')")
        if not record.given and not record.surnames:
            skipped.append(f"line {line}: no name")
            continue
        # Without an id, rows with the same name and e-mail cannot be told apart: one client.
        key = record.client_id or "name:" + " ".join(record.given + record.surnames + record.emails[:1])
        if key in records:
            _merge(records[key], record)
        else:
            records[key] = record
    if mapping is None:
        raise AuditorError(
            f"{path}, line 1: no name column found (looked for First Name / Last Name / Name; "
            "map yours with --map 'Your Column=first_name')")
    if not records:
        raise AuditorError(f"{path}: no client rows with a name")
    columns: dict[str, list[str]] = {}
    for index, field_name in mapping.items():
        columns.setdefault(field_name, []).append(header[index])
    return ClientFile(records=list(records.values()), columns=columns, skipped=skipped)


def _merge(into: ClientRecord, other: ClientRecord) -> None:
    """Two rows with one client_id (several episodes of care) are one client."""
    for name in ("given", "surnames", "emails", "phones", "handles", "associated"):
        target = getattr(into, name)
        target.extend(v for v in getattr(other, name) if v not in target)
    if other.status == "current" or into.status == "unknown":
        into.status = other.status
    if other.end_date and (into.end_date is None or other.end_date > into.end_date):
        into.end_date = other.end_date
    into.clinician = into.clinician or other.clinician
