"""TikTok "Download your data": follower and following lists, JSON or TXT.

The JSON export (`user_data.json`, later `user_data_tiktok.json`) has moved the
lists between sections (`Activity` -> `Your Activity` -> `Profile And Settings`)
and parents (`Follower List` -> `Follower`), so the tree is walked for the
arrays themselves: `FansList` holds followers, a `Following` list the accounts
followed. The TXT export has one file per list of `Date:` / `Username:` records.
Either way an entry is a username and a UTC date: no name, ID or link.
"""

from __future__ import annotations

import re
from typing import Any

from . import dates, meta, sniff
from .interface import Connection, Connector, ConnectorError, FileResult, InputFile
from .textio import decode_text, header_key, load_json

_WHAT = "not a TikTok export"
_EXPECTED = "expected user_data_tiktok.json, or Follower.txt / Following.txt records"
_LISTS = {"FansList": "follower", "Following": "following"}
_NOT_AUDITED = {"BlockList": "blocked accounts"}
# Top-level sections seen across layouts: a file with one of them but no lists is
# a TikTok export without followers, not a foreign file.
_SECTIONS = {"Activity", "Your Activity", "Profile And Settings", "App Settings"}
_HEAD_KEYS = ('"FansList"', '"Follower List"', '"Following List"')
_TXT_NAME_RE = re.compile(r"^(?:follower|following)(?: ?list)?\.txt$", re.IGNORECASE)
_TXT_LINE_RE = re.compile(r"^\s*([^:]+?)\s*:\s*(.*?)\s*$")


class TikTokConnector(Connector):
    """Reads TikTok followers and following from the JSON or TXT export."""

    platform = "tiktok"

    def detect(self, item: InputFile, head: bytes) -> bool:
        if sniff.is_litter(item.relpath):
            return False
        body = sniff.head_text(head).lstrip()
        if _TXT_NAME_RE.match(item.basename):
            return bool(sniff.TIKTOK_TXT_RE.match(body))
        if not body.startswith("{"):
            return False
        return (bool(sniff.TIKTOK_JSON_NAME_RE.match(item.basename))
                or any(key in body for key in _HEAD_KEYS))

    def read(self, item: InputFile) -> FileResult:
        text = decode_text(item)
        body = text.lstrip()
        if body.startswith(("{", "[")):
            return self._read_json(item, text)
        if sniff.TIKTOK_TXT_RE.match(body):
            return self._read_txt(item, text)
        raise sniff.not_ours(item, self.platform, _WHAT, text, _EXPECTED)

    # --- JSON ----------------------------------------------------------------

    def _read_json(self, item: InputFile, text: str) -> FileResult:
        data = load_json(item, text)
        if not isinstance(data, dict):
            raise sniff.not_ours(item, self.platform, _WHAT, text,
                                 f"expected a JSON object, found {meta.json_kind(data)}")
        result = FileResult(name=item.name, platform=self.platform)
        found = bool(_SECTIONS & set(data))
        # Depth-first in document order, without recursion (the file may nest deeply).
        stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
        while stack:
            path, node = stack.pop()
            if isinstance(node, list):
                self._read_list(item, path, node, result)
                continue
            children: list[tuple[tuple[str, ...], Any]] = []
            for key, value in node.items():
                if key in _LISTS or key in _NOT_AUDITED:
                    if isinstance(value, list):
                        found = True
                        children.append((path + (key,), value))
                        continue
                    if value is None:
                        found = True
                        continue
                    if key == "FansList" or key in _NOT_AUDITED:
                        raise ConnectorError(
                            item.name, f'"{key}" should be a list of accounts, '
                            f"not {meta.json_kind(value)}")
                if isinstance(value, dict):
                    children.append((path + (key,), value))
            stack.extend(reversed(children))
        if not found:
            raise sniff.not_ours(item, self.platform, _WHAT, text,
                                 'no "FansList" or "Following" list in it')
        return result

    def _read_list(self, item: InputFile, path: tuple[str, ...], entries: list[Any],
                   result: FileResult) -> None:
        """One FansList/Following array (or a skipped line for a list not audited)."""
        where = f"{item.name}#{'/'.join(sniff.excerpt(key, 80) for key in path)}"
        what = _NOT_AUDITED.get(path[-1])
        if what:
            result.skipped.append(f"{where}: {what} are not relationships the audit covers "
                                  f"({len(entries)} entries not read)")
            return
        relation = _LISTS[path[-1]]
        for index, entry in enumerate(entries):
            fields = ({header_key(str(k)): v for k, v in entry.items()}
                      if isinstance(entry, dict) else None)
            if fields is None:
                result.skipped.append(f"{where}[{index}]: not an account entry "
                                      f"({meta.json_kind(entry)})")
                continue
            self._add(f"{where}[{index}]", relation, fields.get("username"),
                      fields.get("date"), result)

    # --- TXT -----------------------------------------------------------------

    def _read_txt(self, item: InputFile, text: str) -> FileResult:
        name = item.basename.casefold()
        relation = ("following" if "following" in name
                    else "follower" if "follower" in name or "fans" in name else "unknown")
        result = FileResult(name=item.name, platform=self.platform)
        record: dict[str, str] = {}
        start = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                self._end_record(item, start, relation, record, result)
                record = {}
                continue
            match = _TXT_LINE_RE.match(line)
            if not match:
                raise ConnectorError(item.name, "expected 'Date: ...' or 'Username: ...', found "
                                     f"'{sniff.excerpt(line)}' (is the file cut short?)", number)
            key = header_key(match.group(1))
            if key in record:          # a record that lost its blank separator
                self._end_record(item, start, relation, record, result)
                record = {}
            if not record:
                start = number
            record[key] = match.group(2)
        self._end_record(item, start, relation, record, result)
        return result

    def _end_record(self, item: InputFile, start: int, relation: str,
                    record: dict[str, str], result: FileResult) -> None:
        if record:
            self._add(f"{item.name}:line {start}", relation, record.get("username"),
                      record.get("date"), result)

    # --- both ----------------------------------------------------------------

    def _add(self, where: str, relation: str, username: Any, date: Any,
             result: FileResult) -> None:
        """Append one account, or a skipped line when it has no username."""
        handle = username.strip().lstrip("@").strip() if isinstance(username, str) else ""
        if not handle:
            result.skipped.append(f"{where}: no username (deleted account?)")
            return
        result.connections.append(Connection(
            platform=self.platform, relation=relation, source=where, username=handle,
            connected_at=dates.utc_datetime(date) if isinstance(date, str) else ""))
