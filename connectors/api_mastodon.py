"""Mastodon followers and following through the instance's REST API.

Mastodon exports no follower list (§8.1), so followers come from
`/api/v1/accounts/:id/followers`, paged only through the `Link: rel="next"`
header, at most 80 per page (§8.2). The lists are public on most instances; a
stored token (scope read:accounts, read:follows) also works where the network is
hidden or the instance runs in allow-list mode. The next-page link is followed
only on the same instance, so the token is never sent elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .http import ApiClient, ApiError, Fetched, Hints, HttpOptions, expect
from .interface import Connection

PAGE_LIMIT = 80
_HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$")
_USER_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_LISTS = {"follower": "followers", "following": "following"}
HINTS = Hints(token="run 'auditor token set mastodon' with a token of this instance "
                    "(scopes read:accounts and read:follows)",
              not_found="check --account (user@instance)")


@dataclass(frozen=True, slots=True)
class MastodonAccount:
    """Whose lists to fetch: `user` on `instance`; no user means "the token's owner"."""

    instance: str
    user: str = ""


def parse_account(text: str) -> MastodonAccount:
    """'@ana@social.example', 'ana@social.example', 'https://social.example/@ana' or,
    for the token's own account, just 'social.example'."""
    value = text.strip()
    if "://" in value:
        parts = urlsplit(value)
        path = [p for p in parts.path.split("/") if p]
        user = path[0][1:] if path and path[0].startswith("@") else ""
        value = f"{user}@{parts.netloc}" if user else parts.netloc
    value = value.lstrip("@")
    user, sep, host = value.rpartition("@")
    host = host.lower().rstrip("/")
    if not _HOST_RE.match(host) or "." not in host or (sep and not _USER_RE.match(user)):
        raise ApiError("mastodon", f"'{text}' is not a Mastodon account: give --account user@instance "
                       "(or just the instance, to use the stored token's own account)")
    return MastodonAccount(instance=host, user=user)


def _is_account(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), (str, int))


def _is_account_list(value: Any) -> bool:
    return isinstance(value, list)


class MastodonApi:
    """Fetches one account's followers and following from its instance."""

    def __init__(self, options: HttpOptions, token: str | None = None):
        self.options = options
        self.token = token

    def _client(self) -> ApiClient:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return ApiClient("mastodon", self.options, headers=headers, hints=HINTS)

    def fetch(self, account: MastodonAccount, relations: tuple[str, ...] = ("follower", "following")) -> Fetched:
        client = self._client()
        owner = self._owner(client, account)
        base = f"https://{account.instance}/api/v1/accounts/{owner['id']}"
        acct = _full_acct(str(owner.get("acct") or owner.get("username") or account.user), account.instance)
        result = Fetched(platform="mastodon", account=acct)
        for relation in relations:
            listed = 0
            for index, entry in enumerate(self._pages(client, f"{base}/{_LISTS[relation]}", relation)):
                conn = _connection(entry, relation, acct, account.instance, index)
                if conn is None:
                    result.notes.append(f"{_LISTS[relation]}[{index}]: not an account entry, skipped")
                    continue
                result.connections.append(conn)
                listed += 1
            expected = owner.get(f"{_LISTS[relation]}_count")
            if listed == 0 and isinstance(expected, int) and expected > 0:
                result.notes.append(f"{account.instance} listed no {_LISTS[relation]} although the account "
                                    f"has {expected}: the network may be hidden; a token of this account "
                                    "may show it (auditor token set mastodon)")
        result.tally(client)
        return result

    def _owner(self, client: ApiClient, account: MastodonAccount) -> dict[str, Any]:
        """The account record: by lookup when named, else the token's own account."""
        if account.user:
            page = client.get(f"https://{account.instance}/api/v1/accounts/lookup",
                              {"acct": account.user}, what="account")
        elif self.token:
            page = client.get(f"https://{account.instance}/api/v1/accounts/verify_credentials",
                              what="account")
        else:
            raise ApiError("mastodon", f"which account on {account.instance}? give --account "
                           "user@instance, or store a token with 'auditor token set mastodon'")
        return expect("mastodon", page, _is_account, "an account with an id")

    def _pages(self, client: ApiClient, url: str, relation: str) -> Iterator[Any]:
        """Every entry of a list, following rel="next" to the end (same instance only)."""
        host = urlsplit(url).netloc
        params: dict[str, Any] | None = {"limit": PAGE_LIMIT}
        seen: set[str] = set()
        while url:
            page = client.get(url, params, what=_LISTS[relation])
            seen.add(page.url)
            yield from expect("mastodon", page, _is_account_list, "a list of accounts")
            following = page.links.get("next", "")
            if following and (urlsplit(following).netloc != host or urlsplit(following).scheme != "https"):
                raise ApiError("mastodon", f"the next page of {_LISTS[relation]} points to another "
                               f"server ({urlsplit(following).netloc}); stopped to keep the token private")
            url, params = ("" if following in seen else following), None


def _full_acct(acct: str, instance: str) -> str:
    """Local accounts come back as bare 'user'; give every account its domain."""
    acct = acct.lstrip("@")
    if "@" in acct:
        user, _, domain = acct.partition("@")
        return f"{user}@{domain.lower()}"
    return f"{acct}@{instance}"


def _connection(entry: Any, relation: str, owner: str, instance: str, index: int) -> Connection | None:
    if not _is_account(entry) or not isinstance(entry.get("acct"), str):
        return None
    url = entry.get("url")
    name = entry.get("display_name")
    return Connection(
        platform="mastodon", relation=relation, account=owner,
        source=f"mastodon API {owner} {_LISTS[relation]}[{index}]",
        username=_full_acct(entry["acct"], instance),
        display_name=name.strip() if isinstance(name, str) else "",
        profile_url=url.strip() if isinstance(url, str) else "",
        external_id=str(entry["id"]),
    )
