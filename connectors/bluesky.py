"""Bluesky follower/follows lists saved from the public AppView API.

Bluesky has no follower export (followers live in other people's repositories),
so the list is a saved `app.bsky.graph.getFollowers` / `getFollows` answer
(`{"subject", "followers" | "follows", "cursor"}`), several such pages in a
list, or a bare list of profile views. `did` is the stable identity; the handle
can change. A profile's `createdAt` is when the *account* was made, not when it
followed, so it is not used as a connection date.
"""

from __future__ import annotations

import re
from typing import Any

from . import meta, sniff
from .interface import Connection, Connector, ConnectorError, FileResult, InputFile
from .textio import decode_text, load_json

_WHAT = "not a Bluesky follower/follows list"
_LISTS = {"followers": "follower", "follows": "following"}
_DID_RE = re.compile(r'"did"\s*:\s*"did:')
_INVALID_HANDLE = "handle.invalid"   # what the AppView shows for a broken handle


class BlueskyJsonConnector(Connector):
    """Reads saved getFollowers/getFollows answers and bare lists of Bluesky actors."""

    platform = "bluesky"

    def detect(self, item: InputFile, head: bytes) -> bool:
        if sniff.is_litter(item.relpath) or not item.basename.lower().endswith(".json"):
            return False
        text = sniff.head_text(head).lstrip()
        if not text.startswith(("{", "[")) or not _DID_RE.search(text) or '"handle"' not in text:
            return False
        return text.startswith("[") or any(f'"{key}"' in text for key in _LISTS)

    def read(self, item: InputFile) -> FileResult:
        text = decode_text(item)
        if not text.lstrip().startswith(("{", "[")):
            raise sniff.not_ours(item, self.platform, _WHAT, text,
                                 "expected a JSON object or list")
        data = load_json(item, text)
        result = FileResult(name=item.name, platform=self.platform)
        if isinstance(data, dict):
            if not any(key in data for key in _LISTS):
                keys = ", ".join(sniff.excerpt(key) for key in list(data)[:5]) or "none"
                raise sniff.not_ours(item, self.platform, _WHAT, text,
                                     f"no \"followers\" or \"follows\" list; top-level keys: {keys}")
            self._read_page(item, "", data, result)
        else:                     # the text starts with "[", so this is a list
            self._read_array(item, text, data, result)
        return result

    def _read_array(self, item: InputFile, text: str, data: list[Any], result: FileResult) -> None:
        """A list of saved pages, or a bare list of actors (relation from the file name)."""
        first = next((entry for entry in data if isinstance(entry, dict)), None)
        if first is not None and any(key in first for key in _LISTS):
            for index, page in enumerate(data):
                if isinstance(page, dict) and any(key in page for key in _LISTS):
                    self._read_page(item, f"[{index}].", page, result)
                else:
                    result.skipped.append(f"{item.name}#[{index}]: not a saved API page")
            return
        if data and not any(isinstance(e, dict) and ("did" in e or "handle" in e) for e in data):
            raise sniff.not_ours(item, self.platform, _WHAT, text,
                                 'its entries have no "did" or "handle"')
        self._read_actors(item, "", _relation_from_name(item.basename), data, result)

    def _read_page(self, item: InputFile, prefix: str, page: dict[str, Any],
                   result: FileResult) -> None:
        for key, relation in _LISTS.items():
            if key not in page:
                continue
            actors = page[key]
            if not isinstance(actors, list):
                raise ConnectorError(item.name, f'"{key}" should be a list of accounts, '
                                     f"not {meta.json_kind(actors)}")
            self._read_actors(item, f"{prefix}{key}", relation, actors, result)

    def _read_actors(self, item: InputFile, path: str, relation: str, actors: list[Any],
                     result: FileResult) -> None:
        """Append each profile view; entries with neither DID nor handle are skipped."""
        for index, actor in enumerate(actors):
            where = f"{item.name}#{path}[{index}]"
            if not isinstance(actor, dict):
                result.skipped.append(f"{where}: not an account entry ({meta.json_kind(actor)})")
                continue
            did, handle = _text(actor.get("did")), _text(actor.get("handle")).lstrip("@").lower()
            did = did if did.startswith("did:") else ""
            handle = "" if handle == _INVALID_HANDLE else handle
            if not (did or handle):
                result.skipped.append(f"{where}: no did or handle")
                continue
            result.connections.append(Connection(
                platform=self.platform, relation=relation, source=where,
                username=handle, external_id=did, display_name=_text(actor.get("displayName")),
                profile_url=f"https://bsky.app/profile/{handle or did}"))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _relation_from_name(name: str) -> str:
    """A bare list says nothing about direction; its file name often does."""
    name = name.casefold()
    if "follower" in name:
        return "follower"
    if "follows" in name or "following" in name:
        return "following"
    return "unknown"
