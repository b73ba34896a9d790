"""One small HTTP client for every API connector: retries, clear errors, an offline cache.

The APIs are rate-limited (429 with `Retry-After`, Mastodon's 300 requests per
5 minutes, X's 15-minute windows) and sometimes flaky (5xx, timeouts), so every
request is retried with capped exponential backoff. Anything the user can fix
(a rejected token, an unknown account) is one `ApiError` line that says what to
do. Each answer is also kept in a cache folder (files 0600, named by a hash of
the URL, never the token), so a re-run, or a run resumed after a rate limit,
works offline from what was already fetched.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.utils import parse_header_links

from auditor import __version__
from auditor.fileio import private_dir, write_private

from .interface import Connection, ConnectorError

USER_AGENT = f"connection-auditor/{__version__}"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CACHE_FORMAT = 1


class ApiError(ConnectorError):
    """An API call that failed in a way the user must see; one line, saying what to do."""

    def __init__(self, platform: str, message: str, status: int | None = None):
        super().__init__(platform, " ".join(message.split()))
        self.status = status


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait for a server, and how often to try again."""

    attempts: int = 5              # first try plus four retries
    backoff: float = 1.0           # seconds before the first retry; doubles each time
    max_wait: float = 60.0         # no single wait is longer, whatever the server asks
    connect_timeout: float = 10.0
    read_timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class Hints:
    """What to tell the user when a platform refuses: the fix, in their words."""

    token: str = ""        # e.g. "run 'auditor token set mastodon'"
    not_found: str = ""    # e.g. "check --account (user@instance)"


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """Everything a fetch needs from outside; injected so tests never sleep or go online."""

    session: requests.Session | None = None
    policy: RetryPolicy = RetryPolicy()
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    cache_dir: Path | None = None      # None: no cache
    refresh: bool = False              # True: ignore cached answers (and replace them)
    progress: Callable[[str], None] | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One JSON answer, from the network or the cache."""

    url: str                       # the full URL, query included
    body: Any
    links: Mapping[str, str]       # Link header: rel -> URL
    cached: bool = False


@dataclass(slots=True)
class Fetched:
    """What an API connector made of one account's lists."""

    platform: str
    account: str
    connections: list[Connection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages: int = 0              # answers used, from the network or the cache
    cached_pages: int = 0       # of which from the cache

    def tally(self, client: ApiClient) -> None:
        self.pages += sum(client.pages.values())
        self.cached_pages += client.cached_pages


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/connection-auditor`, else `~/.cache/connection-auditor`."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "connection-auditor"


def full_url(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The URL with its query, as requests would send it (so cache keys agree)."""
    return requests.Request("GET", url, params=dict(params or {})).prepare().url or url


class ResponseCache:
    """JSON answers under `root/<platform>/<sha256 of the URL>.json`, each 0600."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, platform: str, url: str) -> Path:
        digest = hashlib.sha256(f"{platform}\n{url}".encode()).hexdigest()
        return self.root / platform / f"{digest}.json"

    def load(self, platform: str, url: str) -> Page | None:
        try:
            entry = json.loads(self.path(platform, url).read_bytes())
        except (OSError, ValueError):
            return None     # absent or damaged: fetch again
        if not isinstance(entry, dict) or entry.get("format") != _CACHE_FORMAT or entry.get("url") != url:
            return None
        return Page(url=url, body=entry.get("body"), links=dict(entry.get("links") or {}), cached=True)

    def store(self, platform: str, page: Page, fetched_at: float) -> None:
        private_dir(self.root)
        private_dir(self.root / platform)
        entry = {"format": _CACHE_FORMAT, "url": page.url, "fetched_at": int(fetched_at),
                 "links": dict(page.links), "body": page.body}
        write_private(self.path(platform, page.url), json.dumps(entry).encode())


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks us to wait: `Retry-After` (seconds or HTTP date), else
    X's `x-rate-limit-reset` (epoch seconds); None when it does not say."""
    value = (headers.get("Retry-After") or "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return max(0.0, moment.timestamp() - now)
    reset = (headers.get("x-rate-limit-reset") or "").strip()
    if reset.isdigit():
        return max(0.0, int(reset) - now)
    return None


def _detail(response: requests.Response) -> str:
    """The server's own short reason, if its error body has one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            body = {**errors[0], **body}
        for key in ("detail", "message", "error_description", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                text = " ".join(value.split())
                return text[:160] + ("…" if len(text) > 160 else "")
    return ""


class ApiClient:
    """GETs JSON from one platform with the retries, errors and cache described above."""

    def __init__(self, platform: str, options: HttpOptions, *, headers: Mapping[str, str] | None = None,
                 auth: tuple[str, str] | None = None, hints: Hints = Hints()):
        self.platform = platform
        self.options = options
        self.session = options.session or requests.Session()
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self.auth = auth
        self.authenticated = auth is not None or "Authorization" in self.headers
        self.hints = hints
        self.cache = ResponseCache(options.cache_dir) if options.cache_dir is not None else None
        self.pages: dict[str, int] = {}      # label -> answers used
        self.cached_pages = 0
        self.network_calls = 0

    def get(self, url: str, params: Mapping[str, Any] | None = None, *, what: str = "") -> Page:
        """One page of JSON; from the cache unless refreshing, else from the network."""
        target = full_url(url, params)
        page = None
        if self.cache is not None and not self.options.refresh:
            page = self.cache.load(self.platform, target)
        if page is None:
            page = self._fetch(target)
            if self.cache is not None:
                self.cache.store(self.platform, page, self.options.clock())
        self._report(what, page.cached)
        return page

    def _report(self, what: str, cached: bool) -> None:
        label = what or "answer"
        self.pages[label] = self.pages.get(label, 0) + 1
        self.cached_pages += cached
        if self.options.progress is not None:
            source = " (from cache)" if cached else ""
            self.options.progress(f"{self.platform}: {label}, page {self.pages[label]}{source}")

    def _fetch(self, url: str) -> Page:
        policy = self.options.policy
        attempts = max(1, policy.attempts)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                self.network_calls += 1
                response = self.session.get(url, headers=self.headers, auth=self.auth,
                                            timeout=(policy.connect_timeout, policy.read_timeout))
            except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
                if last:
                    kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "could not connect"
                    raise ApiError(self.platform, f"no answer from {_host(url)} ({kind}) after {attempts} "
                                   "tries: check the internet connection and try again later") from None
                self._wait(self._backoff(attempt))
                continue
            if response.status_code in RETRY_STATUSES:
                asked = retry_after(response.headers, self.options.clock())
                if last:
                    raise self._exhausted(response, attempts, asked)
                self._wait(asked if asked is not None else self._backoff(attempt))
                continue
            return self._page(url, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return self.options.policy.backoff * 2 ** (attempt - 1)

    def _wait(self, seconds: float) -> None:
        self.options.sleep(min(max(0.0, seconds), self.options.policy.max_wait))

    def _exhausted(self, response: requests.Response, attempts: int, asked: float | None) -> ApiError:
        status = response.status_code
        if status == 429:
            wait = f" (it asks to wait {int(asked)} s)" if asked else ""
            return ApiError(self.platform, f"rate limited by {_host(response.url)} (HTTP 429) after "
                            f"{attempts} tries{wait}: run the command again later; pages already "
                            "fetched are cached", status)
        return ApiError(self.platform, f"{_host(response.url)} keeps failing (HTTP {status}) after "
                        f"{attempts} tries: try again later", status)

    def _page(self, url: str, response: requests.Response) -> Page:
        status = response.status_code
        if status >= 400:
            raise self._refused(response)
        try:
            body = json.loads(response.content)
        except ValueError:
            kind = response.headers.get("Content-Type", "unknown type").split(";")[0]
            raise ApiError(self.platform, f"{_host(url)} answered with something that is not JSON "
                           f"({kind}, HTTP {status}): is the address right?", status) from None
        links = {link["rel"]: link["url"] for link in parse_header_links(response.headers.get("Link", ""))
                 if link.get("rel") and link.get("url")}
        return Page(url=url, body=body, links=links)

    def _refused(self, response: requests.Response) -> ApiError:
        status = response.status_code
        detail = _detail(response)
        said = f": {detail}" if detail else ""
        token = self.hints.token
        if status == 401:
            what = "the token was rejected" if self.authenticated else "the server wants a token"
            return ApiError(self.platform, f"{what} (HTTP 401{said}){': ' + token if token else ''}", status)
        if status == 403:
            return ApiError(self.platform, f"access denied (HTTP 403{said}){': ' + token if token else ''}",
                            status)
        hint = self.hints.not_found if status in (400, 404, 410) else ""
        return ApiError(self.platform, f"{_host(response.url)} refused the request (HTTP {status}{said})"
                        f"{': ' + hint if hint else ''}", status)


def _host(url: str) -> str:
    return requests.utils.urlparse(url).hostname or url


def expect(platform: str, page: Page, check: Callable[[Any], bool], what: str) -> Any:
    """The page's body when it has the expected shape, else an ApiError naming it."""
    if not check(page.body):
        raise ApiError(platform, f"unexpected answer from {_host(page.url)} (expected {what}): "
                       "the API may have changed")
    return page.body
