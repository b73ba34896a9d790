"""Generic CSV and JSON connection lists: anything a therapist can put in a table.

Columns (all optional, header required): id, platform, relation, account,
display_name, username, email, phone, profile_url, connected_at, joined_via.
Each row needs at least one of display_name, username, email, phone,
profile_url. Common header spellings are accepted ("Name", "E-mail", ...).
"""

from __future__ import annotations

from typing import Any, Iterable

from .interface import (JOINED_VIA, PLATFORMS, RELATIONS, Connection, Connector,
                        ConnectorError, FileResult, InputFile)
from .textio import csv_rows, decode_text, header_key, load_json

FIELDS = ("id", "platform", "relation", "account", "display_name", "username",
          "email", "phone", "profile_url", "external_id", "connected_at", "joined_via")
IDENTITY_FIELDS = ("display_name", "username", "email", "phone", "profile_url", "external_id")

# header_key(spelling) -> canonical field
HEADER_ALIASES: dict[str, str] = {
    **{header_key(f): f for f in FIELDS},
    "name": "display_name", "fullname": "display_name", "displayname": "display_name",
    "handle": "username", "user": "username", "screenname": "username", "login": "username",
    "emailaddress": "email", "mail": "email",
    "phonenumber": "phone", "mobile": "phone", "mobilephone": "phone", "telephone": "phone",
    "url": "profile_url", "profile": "profile_url", "profilelink": "profile_url", "link": "profile_url",
    "type": "relation", "direction": "relation",
    "connectedon": "connected_at", "date": "connected_at", "since": "connected_at",
    "source": "joined_via", "howjoined": "joined_via", "signupsource": "joined_via",
}

_RELATION_WORDS = {
    "friend": "mutual", "friends": "mutual", "connection": "mutual", "mutual": "mutual",
    "followers": "follower", "follows you": "follower", "followed by": "follower",
    "follows": "following", "followed": "following",
    "subscribed": "subscriber", "subscribers": "subscriber", "member": "group",
}
_JOINED_WORDS = {
    "signup": "self", "sign-up": "self", "form": "self", "self-subscribed": "self",
    "import": "imported", "imported": "imported", "admin add": "imported", "added": "imported",
    "manual": "imported",
}
_HEADER_SEARCH_LINES = 10  # a preamble longer than this is not a connection list


def _relation(value: str) -> str:
    word = value.strip().casefold()
    if not word:
        return "unknown"
    if word in RELATIONS:
        return word
    return _RELATION_WORDS.get(word, "unknown")


def _joined_via(value: str) -> str:
    word = value.strip().casefold()
    if word in JOINED_VIA:
        return word
    return _JOINED_WORDS.get(word, "unknown" if word else "")


def _platform(value: str) -> str:
    word = value.strip().casefold()
    if word == "twitter":
        return "x"
    return word if word in PLATFORMS else "generic"


def row_to_connection(values: dict[str, str], source: str) -> Connection | None:
    """A row (canonical field -> text) as a Connection; None when it has no identity."""
    clean = {k: (v or "").strip() for k, v in values.items() if k in FIELDS}
    clean["username"] = clean.get("username", "").lstrip("@")   # "@" alone names nobody
    if not any(clean.get(f) for f in IDENTITY_FIELDS):
        return None
    return Connection(
        platform=_platform(clean.get("platform", "")),
        relation=_relation(clean.get("relation", "")),
        source=source,
        account=clean.get("account", ""),
        display_name=clean.get("display_name", ""),
        username=clean["username"],
        email=clean.get("email", ""),
        phone=clean.get("phone", ""),
        profile_url=clean.get("profile_url", ""),
        external_id=clean.get("external_id", ""),
        connected_at=clean.get("connected_at", ""),
        joined_via=_joined_via(clean.get("joined_via", "")),
        id=clean.get("id", ""),
    )


def map_header(cells: Iterable[str]) -> dict[int, str]:
    """Column index -> canonical field, for the cells we recognise (first wins)."""
    mapping: dict[int, str] = {}
    for index, cell in enumerate(cells):
        field_name = HEADER_ALIASES.get(header_key(cell))
        if field_name and field_name not in mapping.values():
            mapping[index] = field_name
    return mapping


def _usable(mapping: dict[int, str]) -> bool:
    return any(f in IDENTITY_FIELDS for f in mapping.values())


class GenericCsvConnector(Connector):
    """A CSV with a header row; a short preamble above the header is skipped."""

    platform = "generic"

    def detect(self, item: InputFile, head: bytes) -> bool:
        if not item.basename.lower().endswith((".csv", ".tsv", ".txt")):
            return False
        lines = head.decode("utf-8-sig", errors="ignore").splitlines()[:_HEADER_SEARCH_LINES]
        if not lines:
            return False
        try:
            rows = list(csv_rows(item, "\n".join(lines) + "\n"))
        except ConnectorError:
            return False
        return any(_usable(map_header(row)) for _, row in rows)

    def read(self, item: InputFile) -> FileResult:
        text = decode_text(item)
        result = FileResult(name=item.name, platform=self.platform)
        mapping: dict[int, str] | None = None
        header_line = 0
        for line, row in csv_rows(item, text):
            if mapping is None:
                candidate = map_header(row)
                if _usable(candidate):
                    mapping, header_line = candidate, line
                elif line > _HEADER_SEARCH_LINES:
                    break
                continue
            values = {f: row[i] for i, f in mapping.items() if i < len(row)}
            conn = row_to_connection(values, f"{item.name}:line {line}")
            if conn is None:
                result.skipped.append(f"{item.name}:line {line}: no name, username, e-mail, phone or URL")
            else:
                result.connections.append(conn)
        if mapping is None:
            raise ConnectorError(
                item.name,
                "no header with a usable column (need one of: "
                + ", ".join(IDENTITY_FIELDS) + ")",
                1,
            )
        if not result.connections and not result.skipped:
            raise ConnectorError(item.name, "a header but no rows", header_line)
        return result


class GenericJsonConnector(Connector):
    """A JSON list of objects with the generic fields, bare or under "connections"."""

    platform = "generic"
    schema = "connection-auditor/connections@1"

    def detect(self, item: InputFile, head: bytes) -> bool:
        if not item.basename.lower().endswith(".json"):
            return False
        text = head.decode("utf-8-sig", errors="ignore").lstrip()
        if self.schema in text:
            return True
        if not text.startswith("["):
            return False
        # A bare list of flat objects with at least one generic identity key.
        window = text[:2048]
        return any(f'"{f}"' in window for f in IDENTITY_FIELDS) and "string_list_data" not in window

    def read(self, item: InputFile) -> FileResult:
        data: Any = load_json(item)
        default_platform = ""
        if isinstance(data, dict):
            default_platform = str(data.get("platform", ""))
            data = data.get("connections")
        if not isinstance(data, list):
            raise ConnectorError(item.name, 'expected a list of connections (or {"connections": [...]})')
        result = FileResult(name=item.name, platform=_platform(default_platform) if default_platform else "generic")
        for index, entry in enumerate(data):
            where = f"{item.name}#[{index}]"
            if not isinstance(entry, dict):
                result.skipped.append(f"{where}: not an object")
                continue
            values = {HEADER_ALIASES.get(header_key(str(k)), ""): "" if v is None else str(v)
                      for k, v in entry.items()}
            values.pop("", None)
            if default_platform and not values.get("platform"):
                values["platform"] = default_platform
            conn = row_to_connection(values, where)
            if conn is None:
                result.skipped.append(f"{where}: no name, username, e-mail, phone or URL")
            else:
                result.connections.append(conn)
        if not result.connections and not result.skipped:
            raise ConnectorError(item.name, "the list of connections is empty")
        return result
