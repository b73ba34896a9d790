"""Mailchimp audience members through the Marketing API v3.

The API, unlike the CSV export, says how each person joined: the member's
`source` ("Admin Add", "Import", "Hosted Signup Form", "API - Generic"), which
the audit needs to tell a client who subscribed themselves from one the
therapist added (§11.2). The key's suffix names the data centre (`…-us21`);
the key itself is the Basic-auth password. Members are paged with count/offset,
1000 at a time, and only the fields used here are requested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .http import ApiClient, ApiError, Fetched, Hints, HttpOptions, expect
from .interface import Connection
from .newsletter_csv import classify_source, iso_utc

PAGE_LIMIT = 1000
FIELDS = ",".join(["total_items"] + [f"members.{name}" for name in (
    "id", "email_address", "full_name", "merge_fields", "status", "source",
    "timestamp_signup", "timestamp_opt")])
_DC_RE = re.compile(r"-([a-z]+[0-9]+)$")
_LIST_ID_RE = re.compile(r"^[A-Za-z0-9]+$")
HINTS = Hints(token="run 'auditor token set mailchimp' with an API key of this account (…-us21)",
              not_found="check --list-id (Audience → Settings → Audience name and defaults → Audience ID)")


def data_centre(api_key: str) -> str:
    """'0123abcd…-us21' -> 'us21'."""
    match = _DC_RE.search(api_key.strip())
    if not match:
        raise ApiError("mailchimp", "the API key does not end in a data centre such as '-us21': run "
                       "'auditor token set mailchimp' with the whole key")
    return match.group(1)


def joined_via(source: str) -> tuple[str, str]:
    """Mailchimp's `source` -> (joined_via, basis): 'Admin Add'/'Import' -> imported,
    a form -> self, 'API - Generic' -> api (which also covers site widgets), else unknown."""
    value = classify_source(source) or "unknown"
    if not source.strip():
        return value, "Mailchimp gave no source for this member"
    return value, f"Mailchimp source '{source.strip()}'"


def _is_page(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("members"), list)


class MailchimpApi:
    """Fetches every member of one audience (all statuses; the status goes into extras)."""

    def __init__(self, options: HttpOptions, api_key: str, page_size: int = PAGE_LIMIT):
        self.options = options
        self.api_key = api_key.strip()
        self.base = f"https://{data_centre(self.api_key)}.api.mailchimp.com/3.0"
        self.page_size = max(1, min(page_size, PAGE_LIMIT))

    def fetch(self, list_id: str) -> Fetched:
        list_id = list_id.strip()
        if not _LIST_ID_RE.match(list_id):
            raise ApiError("mailchimp", f"'{list_id}' is not an audience ID (letters and digits, e.g. "
                           "abc123def4)")
        client = ApiClient("mailchimp", self.options, auth=("connection-auditor", self.api_key), hints=HINTS)
        result = Fetched(platform="mailchimp", account=list_id)
        for index, member in enumerate(self._members(client, list_id)):
            conn = _connection(member, list_id, index)
            if conn is None:
                result.notes.append(f"members[{index}]: no e-mail address, skipped")
            else:
                result.connections.append(conn)
        result.tally(client)
        return result

    def _members(self, client: ApiClient, list_id: str) -> Iterator[Any]:
        """Every member, page by page until `total_items` (or an empty page)."""
        offset = 0
        while True:
            params = {"count": self.page_size, "offset": offset, "fields": FIELDS}
            body = expect("mailchimp", client.get(f"{self.base}/lists/{list_id}/members", params,
                                                  what="members"), _is_page, "a 'members' list")
            members = body["members"]
            yield from members
            offset += len(members)
            total = body.get("total_items")
            if not members or not isinstance(total, int) or offset >= total:
                return


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _connection(member: Any, list_id: str, index: int) -> Connection | None:
    if not isinstance(member, dict) or "@" not in _text(member.get("email_address")):
        return None
    merge = member.get("merge_fields") if isinstance(member.get("merge_fields"), dict) else {}
    name = " ".join(filter(None, (_text(merge.get("FNAME")), _text(merge.get("LNAME")))))
    source = _text(member.get("source"))
    joined, basis = joined_via(source)
    status = _text(member.get("status"))
    extras = [("status", status), ("source", source), ("joined_via_basis", basis)]
    when = iso_utc(_text(member.get("timestamp_signup"))) or iso_utc(_text(member.get("timestamp_opt")))
    return Connection(
        platform="mailchimp", relation="subscriber", account=list_id,
        source=f"mailchimp API audience {list_id} members[{index}]",
        email=_text(member["email_address"]),
        display_name=name or _text(member.get("full_name")),
        phone=_text(merge.get("PHONE")),
        connected_at=when, joined_via=joined, id=_text(member.get("id")),
        extras=tuple((k, v) for k, v in extras if v),
    )
