"""X (Twitter) archive: `data/follower.js` and `data/following.js` (and `-partN.js`).

Each file is JSON wrapped in a JS assignment, `window.YTD.follower.part0 = [...]`,
whose global name has changed between versions, so everything after the first
`=` is parsed whatever the name. Entries hold only the account ID (a 64-bit
snowflake, kept as a string: a float would corrupt it) and an intent link; the
archive has no names, handles or dates for followers, so none are invented.
"""

from __future__ import annotations

import re
from typing import Any

from . import meta, sniff
from .interface import Connection, Connector, ConnectorError, FileResult, InputFile
from .textio import decode_text, load_json

_FILE_RE = re.compile(r"^(?:follower|following)(?:-part\d+)?\.js$", re.IGNORECASE)
# Entry key -> relation.
_RELATIONS = {"follower": "follower", "following": "following"}
_WHAT = "not an X archive follower/following file"


class XConnector(Connector):
    """Reads follower and following IDs from an X archive."""

    platform = "x"

    def detect(self, item: InputFile, head: bytes) -> bool:
        if sniff.is_litter(item.relpath) or not _FILE_RE.match(item.basename):
            return False
        text = sniff.head_text(head).lstrip()
        match = sniff.JS_ASSIGN_RE.match(text)
        return bool(match) and text[match.end():].lstrip().startswith("[")

    def read(self, item: InputFile) -> FileResult:
        text = decode_text(item)
        match = sniff.JS_ASSIGN_RE.match(text)
        if not match:
            raise sniff.not_ours(item, self.platform, _WHAT, text,
                                 "expected 'window.YTD.follower.part0 = [ ... ]'")
        data = load_json(item, _json_part(text, match.end()))
        if not isinstance(data, list):
            raise ConnectorError(
                item.name, f"{_WHAT} (expected a list after '=', found {meta.json_kind(data)})")
        result = FileResult(name=item.name, platform=self.platform)
        other_kinds: list[str] = []
        for index, entry in enumerate(data):
            where = f"{item.name}#[{index}]"
            kind = _entry_kind(entry)
            if kind is None:
                result.skipped.append(f"{where}: not an account entry ({meta.json_kind(entry)})")
                continue
            if kind not in _RELATIONS:
                other_kinds.append(kind)
                result.skipped.append(
                    f"{where}: a '{sniff.excerpt(kind)}' entry, not a follower or following")
                continue
            self._read_entry(where, _RELATIONS[kind], entry[kind], result)
        if other_kinds and len(other_kinds) == len(data):
            kinds = ", ".join(sniff.excerpt(kind) for kind in sorted(set(other_kinds))[:3])
            raise ConnectorError(item.name, f"{_WHAT} (its entries are '{kinds}')")
        return result

    def _read_entry(self, where: str, relation: str, body: Any, result: FileResult) -> None:
        """Append one follower/following entry, or a skipped line when it has no ID."""
        if not isinstance(body, dict):
            result.skipped.append(f"{where}: not an account entry ({meta.json_kind(body)})")
            return
        account_id = _account_id(body.get("accountId"))
        if not account_id:
            result.skipped.append(f"{where}: no usable accountId")
            return
        link = body.get("userLink")
        result.connections.append(Connection(
            platform=self.platform, relation=relation, source=where,
            external_id=account_id, profile_url=link.strip() if isinstance(link, str) else ""))


def _json_part(text: str, start: int) -> str:
    """The JSON after the assignment, with the prefix blanked so line numbers stay true."""
    prefix = "".join(ch if ch == "\n" else " " for ch in text[:start])
    body = text[start:].rstrip()
    return prefix + body.removesuffix(";")


def _entry_kind(entry: Any) -> str | None:
    """The entry's wrapping key (`follower`, `following`, ...); None if not a keyed object."""
    if not isinstance(entry, dict) or not entry:
        return None
    return next((key for key in entry if key in _RELATIONS), next(iter(entry)))


def _account_id(value: Any) -> str:
    """The ID as digits in a string; '' for anything that is not one."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1 << 64:
        return str(value)
    if isinstance(value, str):
        value = value.strip()
        if value.isascii() and value.isdigit():
            return value
    return ""
