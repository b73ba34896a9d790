"""Bluesky followers and follows through the public AppView, no token needed.

Bluesky has no follower export (§9): followers live in other people's
repositories, so they come from `app.bsky.graph.getFollowers` / `getFollows`
on https://public.api.bsky.app, 100 per page, paged by an opaque `cursor` until
it is absent. `did` is the stable identity (kept as external_id); the handle can
change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from .http import ApiClient, ApiError, Fetched, Hints, HttpOptions, expect
from .interface import Connection

APPVIEW = "https://public.api.bsky.app/xrpc"
PAGE_LIMIT = 100
_INVALID_HANDLE = "handle.invalid"
_METHODS = {"follower": ("app.bsky.graph.getFollowers", "followers"),
            "following": ("app.bsky.graph.getFollows", "follows")}
_HANDLE_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_DID_RE = re.compile(r"^did:[a-z]+:[A-Za-z0-9._:%-]+$")
HINTS = Hints(not_found="check --account (a Bluesky handle such as name.bsky.social, or a did:)")


def parse_actor(text: str) -> str:
    """'@ana.bsky.social', 'https://bsky.app/profile/ana.bsky.social' or a DID -> the actor."""
    value = text.strip()
    if "://" in value:
        path = [p for p in urlsplit(value).path.split("/") if p]
        value = path[1] if len(path) >= 2 and path[0] == "profile" else ""
    value = value.lstrip("@")
    if _DID_RE.match(value):
        return value
    value = value.lower()
    if not _HANDLE_RE.match(value):
        raise ApiError("bluesky", f"'{text}' is not a Bluesky handle or DID: give --account "
                       "name.bsky.social (or did:plc:...)")
    return value


def _is_page(key: str):
    return lambda body: isinstance(body, dict) and isinstance(body.get(key), list)


class BlueskyApi:
    """Fetches an actor's followers and follows from the public AppView."""

    def __init__(self, options: HttpOptions, base: str = APPVIEW):
        self.options = options
        self.base = base.rstrip("/")

    def fetch(self, actor: str, relations: tuple[str, ...] = ("follower", "following")) -> Fetched:
        client = ApiClient("bluesky", self.options, hints=HINTS)
        result = Fetched(platform="bluesky", account=actor)
        for relation in relations:
            for index, entry in enumerate(self._entries(client, actor, relation)):
                conn = _connection(entry, relation, actor, index)
                if conn is None:
                    result.notes.append(f"{_METHODS[relation][1]}[{index}]: no did or handle, skipped")
                else:
                    result.connections.append(conn)
        result.tally(client)
        return result

    def _entries(self, client: ApiClient, actor: str, relation: str) -> Iterator[Any]:
        """Every profile of one list, page by page until the cursor runs out (or repeats)."""
        method, key = _METHODS[relation]
        cursor = ""
        seen: set[str] = set()
        while True:
            params = {"actor": actor, "limit": PAGE_LIMIT, **({"cursor": cursor} if cursor else {})}
            body = expect("bluesky", client.get(f"{self.base}/{method}", params, what=key),
                          _is_page(key), f"a '{key}' list")
            yield from body[key]
            cursor = body.get("cursor") if isinstance(body.get("cursor"), str) else ""
            if not cursor or cursor in seen:
                return
            seen.add(cursor)


def _connection(entry: Any, relation: str, owner: str, index: int) -> Connection | None:
    if not isinstance(entry, dict):
        return None
    did = entry.get("did") if isinstance(entry.get("did"), str) else ""
    did = did.strip() if did.strip().startswith("did:") else ""
    handle = entry.get("handle") if isinstance(entry.get("handle"), str) else ""
    handle = handle.strip().lstrip("@").lower()
    handle = "" if handle == _INVALID_HANDLE else handle
    if not (did or handle):
        return None
    name = entry.get("displayName")
    return Connection(
        platform="bluesky", relation=relation, account=owner,
        source=f"bluesky API {owner} {_METHODS[relation][1]}[{index}]",
        username=handle, external_id=did,
        display_name=name.strip() if isinstance(name, str) else "",
        profile_url=f"https://bsky.app/profile/{handle or did}",
    )
