"""Facebook "Download your information" JSON: friends, followers, following, requests.

The same lists have moved between files and keys over the years (`friends` ->
`friends_v2`, `followers_v2` -> `followers_v3`, and lately a bare array in
`people_who_followed_you_1.json`), so files are recognised by their top-level
key, and bare arrays by their file name. Facebook gives display names only.
"""

from __future__ import annotations

from typing import Any

from . import meta
from .interface import Connection, Connector, ConnectorError, FileResult, InputFile
from .textio import load_json

# List name (key without its _vN suffix) -> relation.
_RELATIONS = {
    "friends": "mutual",
    "followers": "follower",
    "following": "following",
    "received_requests": "request_in",
    "sent_requests": "request_out",
    "rejected_requests": "removed",    # requests the owner declined
    "deleted_friends": "removed",      # friends the owner removed
}
# Lists recognised so that they are reported, but not read: not ties to the owner.
_NOT_AUDITED = {
    "people_you_may_know": "suggested people (\"people you may know\") are not connections",
}


class FacebookConnector(Connector):
    """Reads Facebook friend/follower/request lists from every known layout."""

    platform = "facebook"

    def detect(self, item: InputFile, head: bytes) -> bool:
        if not meta.is_candidate_path(item.relpath):
            return False
        shape = meta.sniff(head)
        if shape is None:
            return False
        if shape.key is None:
            return (bool(meta.FB_BARE_RE.match(meta.basename(item.relpath)))
                    and meta.is_entry_array(shape))
        # Instagram's ≤2020 connections.json uses the same words but maps, not lists.
        return bool(meta.FB_KEY_RE.match(shape.key)) and shape.opener == "["

    def read(self, item: InputFile) -> FileResult:
        data = load_json(item)
        label = meta.describe(data, item.relpath)
        if label and not label.startswith("Facebook"):
            raise ConnectorError(item.name, f"not a Facebook export (this looks like {label})")
        result = FileResult(name=item.name, platform=self.platform)
        if isinstance(data, list):        # recent bare-array followers file
            self._read_list(item, "", "follower", data, result)
            return result
        if not isinstance(data, dict):
            found = meta.json_kind(data)
            raise ConnectorError(
                item.name, f"not a Facebook export (expected a JSON object, found {found})")
        found = False
        for key, value in data.items():
            match = meta.FB_KEY_RE.match(key)
            if not match:
                result.skipped.append(f"{item.name}#{key}: not a list this tool reads")
                continue
            found = True
            if not isinstance(value, list):
                raise ConnectorError(
                    item.name, f'"{key}" should be a list of people, not {meta.json_kind(value)}')
            name = match.group(1)
            if name in _NOT_AUDITED:
                result.skipped.append(
                    f"{item.name}#{key}: {_NOT_AUDITED[name]} ({len(value)} entries not read)")
                continue
            self._read_list(item, key, _RELATIONS[name], value, result)
        if not found:
            keys = ", ".join(list(data)[:5]) or "none"
            raise ConnectorError(
                item.name, f"not a Facebook friends/followers file (top-level keys: {keys})")
        return result

    def _read_list(self, item: InputFile, key: str, relation: str,
                   entries: list[Any], result: FileResult) -> None:
        """Append one list's people; nameless entries become skipped lines."""
        for index, entry in enumerate(entries):
            where = f"{item.name}#{key}[{index}]"
            if not isinstance(entry, dict):
                result.skipped.append(f"{where}: not a person entry ({meta.json_kind(entry)})")
                continue
            name, href, stamp = _fields(entry)
            if not name:
                result.skipped.append(f"{where}: no name (deactivated account?)")
                continue
            result.connections.append(Connection(
                platform=self.platform, relation=relation, source=where,
                display_name=name, profile_url=href,
                connected_at=meta.iso_from_unix(stamp)))


def _fields(entry: dict[str, Any]) -> tuple[str, str, Any]:
    """(display name, profile link, timestamp) from a classic or Instagram-style entry."""
    if "string_list_data" in entry:
        parts = meta.list_entry(entry)
        return meta.clean_name(parts.value or parts.title), parts.href, parts.timestamp
    return meta.clean_name(entry.get("name")), "", entry.get("timestamp")

