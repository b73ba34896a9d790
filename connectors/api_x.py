"""Names for the numeric account IDs of an X archive, through the X API v2 users lookup.

The archive's follower.js / following.js hold only account IDs (§5.1), which
match nobody on the roster. `GET /2/users?ids=` (100 per request, bearer token)
turns them into handles and display names (§5.2). Suspended and deleted
accounts come back only in `errors`; they stay in the audit by ID. Note this
sends every ID to X (pitfall 16): it runs only when the user asks for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .http import ApiClient, Hints, HttpOptions, expect
from .interface import Connection

USERS_URL = "https://api.x.com/2/users"
BATCH = 100
HINTS = Hints(token="run 'auditor token set x' with an app Bearer token that includes users lookup",
              not_found="the X API did not accept these IDs")


class XUser(NamedTuple):
    username: str
    name: str


@dataclass(slots=True)
class XEnrichment:
    """Enriched copies of the archive's connections, and how many IDs stayed unresolved."""

    connections: list[Connection]
    unresolved: int = 0
    notes: list[str] = field(default_factory=list)
    pages: int = 0
    cached_pages: int = 0


def _is_lookup(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("data", []), list)


def x_client(token: str, options: HttpOptions) -> ApiClient:
    return ApiClient("x", options, headers={"Authorization": f"Bearer {token}"}, hints=HINTS)


def lookup_users(ids: Sequence[str], client: ApiClient) -> dict[str, XUser]:
    """id -> (username, name) for every ID X still knows, 100 IDs per request."""
    unique = list(dict.fromkeys(i for i in ids if i.isascii() and i.isdigit()))
    found: dict[str, XUser] = {}
    for start in range(0, len(unique), BATCH):
        batch = unique[start:start + BATCH]
        page = client.get(USERS_URL, {"ids": ",".join(batch), "user.fields": "name,username"}, what="users")
        for user in expect("x", page, _is_lookup, "a 'data' list of users").get("data", []):
            if isinstance(user, dict) and isinstance(user.get("username"), str) and str(user.get("id")) in batch:
                name = user.get("name") if isinstance(user.get("name"), str) else ""
                found[str(user["id"])] = XUser(user["username"].strip(), name.strip())
    return found


def _unnamed(conn: Connection) -> bool:
    return conn.platform == "x" and bool(conn.external_id) and not conn.username


def no_token_note(count: int) -> str:
    return f"{count} X accounts audited by ID only: run auditor token set x to resolve names"


def enrich(connections: Sequence[Connection], token: str | None, options: HttpOptions) -> XEnrichment:
    """Copies of X archive connections with username, name and profile URL filled in.

    Without a token the input comes back unchanged, with a note saying how to resolve it.
    """
    ids = list(dict.fromkeys(c.external_id for c in connections if _unnamed(c)))
    if not ids:
        return XEnrichment(list(connections))
    if not token:
        return XEnrichment(list(connections), len(ids), [no_token_note(len(ids))])
    client = x_client(token, options)
    users = lookup_users(ids, client)
    out = []
    for conn in connections:
        if _unnamed(conn):
            user = users.get(conn.external_id)
            conn = dataclasses.replace(
                conn, username=user.username, display_name=conn.display_name or user.name,
                profile_url=f"https://x.com/{user.username}") if user else dataclasses.replace(
                conn, extras=conn.extras + (("x_lookup", "not found: suspended or deleted"),))
        out.append(conn)
    missing = sum(1 for i in ids if i not in users)
    note = (f"{missing} X account IDs could not be resolved (suspended or deleted); they stay in the "
            "audit by ID")
    notes = [note] if missing else []
    return XEnrichment(out, missing, notes, pages=sum(client.pages.values()), cached_pages=client.cached_pages)
