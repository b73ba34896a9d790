"""Instagram "Download your information" JSON, including the Threads lists inside it.

Three layouts are read: the ≤2020 `connections.json` (maps of username -> date),
the 2021–22 `relationships_*` wrapper objects, and the 2023+ bare-array
`followers_N.json`. Threads files use the same entries under
`text_post_app_text_post_app_*` keys and are reported as platform "threads".
"""

from __future__ import annotations

from typing import Any

from . import meta
from .interface import Connection, Connector, ConnectorError, FileResult, InputFile
from .textio import load_json

# List name (key without relationships_ / text_post_app_text_post_app_) -> relation.
_RELATIONS = {
    "followers": "follower",
    "following": "following",
    "close_friends": "following",
    "follow_requests_sent": "request_out",
    "permanent_follow_requests": "request_out",
    "follow_requests_received": "request_in",
    "unfollowed_users": "removed",     # accounts the owner unfollowed
}
_EXTRAS = {"close_friends": (("list", "close_friends"),)}
# Lists recognised so that they are reported, but not read: not ties the audit covers.
_NOT_AUDITED = {
    "blocked_users": "blocked accounts",
    "restricted_users": "restricted accounts",
    "hide_stories_from": "people hidden from stories",
    "dismissed_suggested_users": "dismissed suggestions",
    "removed_suggestions": "dismissed suggestions",
    "following_hashtags": "followed hashtags",
}


class InstagramConnector(Connector):
    """Reads Instagram (and Threads) follower/following/request lists."""

    platform = "instagram"

    def detect(self, item: InputFile, head: bytes) -> bool:
        if not meta.is_candidate_path(item.relpath):
            return False
        shape = meta.sniff(head)
        if shape is None:
            return False
        name = meta.basename(item.relpath)
        if shape.key is None:
            return bool(meta.IG_BARE_RE.match(name)) and meta.is_entry_array(shape)
        if shape.key.startswith((meta.IG_PREFIX, meta.THREADS_PREFIX)):
            return shape.opener == "["
        return name.lower() == "connections.json" and shape.opener == "{"

    def read(self, item: InputFile) -> FileResult:
        data = load_json(item)
        label = meta.describe(data, item.relpath)
        if label and label.startswith("Facebook"):
            raise ConnectorError(item.name, f"not an Instagram export (this looks like {label})")
        result = FileResult(name=item.name, platform=self.platform)
        if isinstance(data, list):        # 2023+ bare-array followers_N.json
            match = meta.IG_BARE_RE.match(meta.basename(item.relpath))
            list_name = match.group(1).lower() if match else "followers"
            self._read_entries(item, "", self.platform, list_name, data, result)
            return result
        if not isinstance(data, dict):
            raise ConnectorError(
                item.name,
                f"not an Instagram export (expected a JSON object, found {meta.json_kind(data)})")
        if _is_map_layout(data):
            self._read_maps(item, data, result)
            return result
        platforms = set()
        for key, value in data.items():
            platform, list_name = _split_key(key)
            if not platform:
                result.skipped.append(f"{item.name}#{key}: not a list this tool reads")
                continue
            platforms.add(platform)
            if not isinstance(value, list):
                kind = meta.json_kind(value)
                raise ConnectorError(item.name, f'"{key}" should be a list of accounts, not {kind}')
            if not _audited(item, key, list_name, len(value), result):
                continue
            self._read_entries(item, key, platform, list_name, value, result)
        if not platforms:
            keys = ", ".join(list(data)[:5]) or "none"
            raise ConnectorError(
                item.name, f"not an Instagram followers/following file (top-level keys: {keys})")
        if platforms == {"threads"}:
            result.platform = "threads"
        return result

    def _read_entries(self, item: InputFile, key: str, platform: str, list_name: str,
                      entries: list[Any], result: FileResult) -> None:
        """Append one `string_list_data` list; entries naming nobody become skipped lines."""
        for index, entry in enumerate(entries):
            where = f"{item.name}#{key}[{index}]"
            if not isinstance(entry, dict):
                result.skipped.append(f"{where}: not an account entry ({meta.json_kind(entry)})")
                continue
            person = meta.instagram_person(entry)
            if not (person.username or person.display_name):
                result.skipped.append(f"{where}: no name (deactivated account?)")
                continue
            result.connections.append(Connection(
                platform=platform, relation=_RELATIONS[list_name], source=where,
                username=person.username, display_name=person.display_name,
                profile_url=person.profile_url, connected_at=person.connected_at,
                extras=_EXTRAS.get(list_name, ())))

    def _read_maps(self, item: InputFile, data: dict[str, Any], result: FileResult) -> None:
        """The ≤2020 layout: one object per list, username -> ISO date."""
        for key, value in data.items():
            if key not in _RELATIONS and key not in _NOT_AUDITED:
                result.skipped.append(f"{item.name}#{key}: not a list this tool reads")
                continue
            if not _audited(item, key, key, len(value), result):
                continue
            for index, (username, since) in enumerate(value.items()):
                where = f"{item.name}#{key}[{index}]"
                username = username.strip()
                if not username:
                    result.skipped.append(f"{where}: no name (deactivated account?)")
                    continue
                result.connections.append(Connection(
                    platform=self.platform, relation=_RELATIONS[key], source=where,
                    username=username, connected_at=meta.iso_from_text(since),
                    extras=_EXTRAS.get(key, ())))


def _split_key(key: str) -> tuple[str, str]:
    """("instagram"|"threads", list name) for a list key; ("", "") for anything else."""
    if key.startswith(meta.THREADS_PREFIX):
        return "threads", key[len(meta.THREADS_PREFIX):]
    if key.startswith(meta.IG_PREFIX):
        return "instagram", key[len(meta.IG_PREFIX):]
    return "", ""


def _audited(item: InputFile, key: str, list_name: str, count: int,
             result: FileResult) -> bool:
    """Whether to read a list; the others get one skipped line saying why not."""
    if list_name in _RELATIONS:
        return True
    what = _NOT_AUDITED.get(list_name)
    why = (f"{what} are not relationships the audit covers" if what
           else "an Instagram list this tool does not know")
    result.skipped.append(f"{item.name}#{key}: {why} ({count} entries not read)")
    return False


def _is_map_layout(data: dict[str, Any]) -> bool:
    """The ≤2020 `connections.json`: every value a map, at least one known list."""
    return bool(data) and all(isinstance(v, dict) for v in data.values()) and any(
        key in _RELATIONS or key in _NOT_AUDITED for key in data)
