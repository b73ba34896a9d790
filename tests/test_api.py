"""API connectors (Mastodon, Bluesky, Mailchimp, X lookup), the HTTP client, tokens and their CLI.

No real network: every answer comes from `responses`, every wait goes to a list
instead of sleeping, and tokens live in the in-memory keyring from conftest.
"""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import click
import keyring
import keyring.backends.fail
import pytest
import requests
import responses

from auditor.cli import App, AuditorGroup
from auditor.cli_connections import connections, token
from auditor.errors import KeyUnavailableError
from auditor.tokens import TOKEN_SERVICE, TokenStore, resolve_token, token_env_name
from connectors.api_bluesky import BlueskyApi, parse_actor
from connectors.api_mailchimp import MailchimpApi, data_centre, joined_via
from connectors.api_mastodon import MastodonApi, parse_account
from connectors.api_x import BATCH, enrich, lookup_users, no_token_note, x_client
from connectors.http import ApiClient, ApiError, Hints, HttpOptions, RetryPolicy
from connectors.interface import Connection
from connectors.registry import Registry
from tests.helpers import assert_ok, assert_one_line_error

NOW = 1_760_000_000.0          # a fixed clock (2025-10-09)
MASTODON = "https://social.example/api/v1/accounts"
BSKY = "https://public.api.bsky.app/xrpc"
MAILCHIMP_KEY = "0123456789abcdef0123456789abcdef-us21"
MAILCHIMP = "https://us21.api.mailchimp.com/3.0/lists/abc123def4/members"
X_USERS = "https://api.x.com/2/users"


@pytest.fixture(autouse=True)
def no_tokens_from_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AUDITOR_TOKEN_* from the developer's shell; the default cache goes to tmp, not ~/.cache."""
    for platform in ("mastodon", "mailchimp", "x"):
        monkeypatch.delenv(token_env_name(platform), raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def options(tmp_path: Path, sleeps: list[float]) -> HttpOptions:
    return HttpOptions(sleep=sleeps.append, clock=lambda: NOW, cache_dir=tmp_path / "cache")


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def cache_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# -- fake API answers -------------------------------------------------------------------
def mastodon_account(n: int, acct: str | None = None) -> dict:
    acct = acct or f"user{n}"
    host = acct.partition("@")[2] or "social.example"
    return {"id": str(100 + n), "username": acct.split("@")[0], "acct": acct,
            "display_name": f"Person {n}", "url": f"https://{host}/@{acct.split('@')[0]}"}


def add_mastodon(rsps: responses.RequestsMock, followers_pages: int = 2, owner: str = "lookup") -> None:
    owner_body = {"id": "42", "username": "ana", "acct": "ana", "followers_count": 3, "following_count": 1}
    rsps.get(f"{MASTODON}/{owner}", json=owner_body)
    first = f"{MASTODON}/42/followers?limit=80"
    second = f"{MASTODON}/42/followers?limit=80&max_id=9001"
    if followers_pages == 2:
        rsps.get(first, json=[mastodon_account(1), mastodon_account(2, "bo@other.example")],
                 headers={"Link": f'<{second}>; rel="next", <{MASTODON}/42/followers?since_id=9100>; rel="prev"'},
                 match=[responses.matchers.query_param_matcher({"limit": "80"})])
        rsps.get(second, json=[mastodon_account(3)],
                 match=[responses.matchers.query_param_matcher({"limit": "80", "max_id": "9001"})])
    rsps.get(f"{MASTODON}/42/following", json=[mastodon_account(4, "cy@third.example")])


def bsky_actor(n: int, handle: str | None = None) -> dict:
    return {"did": f"did:plc:person{n:020d}", "handle": handle or f"person{n}.bsky.social",
            "displayName": f"Person {n}", "createdAt": "2024-02-01T10:00:00.000Z"}


def add_bluesky(rsps: responses.RequestsMock) -> None:
    subject = {"did": "did:plc:owner", "handle": "ana.bsky.social"}
    rsps.get(f"{BSKY}/app.bsky.graph.getFollowers",
             json={"subject": subject, "followers": [bsky_actor(1), bsky_actor(2)], "cursor": "c1"},
             match=[responses.matchers.query_param_matcher({"actor": "ana.bsky.social", "limit": "100"})])
    rsps.get(f"{BSKY}/app.bsky.graph.getFollowers",
             json={"subject": subject, "followers": [bsky_actor(3, "handle.invalid")]},
             match=[responses.matchers.query_param_matcher(
                 {"actor": "ana.bsky.social", "limit": "100", "cursor": "c1"})])
    rsps.get(f"{BSKY}/app.bsky.graph.getFollows", json={"subject": subject, "follows": [bsky_actor(4)]})


def mailchimp_member(n: int, source: str = "Admin Add", status: str = "subscribed") -> dict:
    return {"id": f"{n:032x}", "email_address": f"person{n}@example.org", "status": status,
            "full_name": f"Full {n}", "merge_fields": {"FNAME": f"First{n}", "LNAME": "Example", "PHONE": ""},
            "source": source, "timestamp_signup": "", "timestamp_opt": "2024-02-01T09:12:40+00:00"}


def x_users_callback(known: set[str]):
    """A users-lookup endpoint: names for known IDs, `errors` for the rest."""
    def callback(request):
        ids = parse_qs(urlsplit(request.url).query)["ids"][0].split(",")
        data = [{"id": i, "username": f"user_{i[-3:]}", "name": f"Name {i[-3:]}"} for i in ids if i in known]
        errors = [{"value": i, "detail": f"Could not find user with ids: [{i}].", "resource_id": i}
                  for i in ids if i not in known]
        return 200, {}, json.dumps({"data": data, **({"errors": errors} if errors else {})})
    return callback


# -- Mastodon -------------------------------------------------------------------------
@responses.activate
def test_mastodon_pages_through_link_header_to_the_end(options):
    add_mastodon(responses.mock)
    result = MastodonApi(options).fetch(parse_account("@ana@social.example"))
    followers = [c for c in result.connections if c.relation == "follower"]
    following = [c for c in result.connections if c.relation == "following"]
    assert [c.username for c in followers] == ["user1@social.example", "bo@other.example", "user3@social.example"]
    assert [c.username for c in following] == ["cy@third.example"]
    first = followers[0]
    assert (first.platform, first.display_name, first.external_id, first.profile_url, first.connected_at) == (
        "mastodon", "Person 1", "101", "https://social.example/@user1", "")
    assert first.account == "ana@social.example"
    assert query(responses.calls[0]) == {"acct": ["ana"]}
    assert "Authorization" not in responses.calls[0].request.headers     # no token stored: public lists
    assert result.pages == 4 and result.cached_pages == 0


@responses.activate
def test_mastodon_token_owner_via_verify_credentials(options):
    add_mastodon(responses.mock, owner="verify_credentials")
    result = MastodonApi(options, token="mastodon-secret-token").fetch(parse_account("social.example"),
                                                                      ("follower",))
    assert len(result.connections) == 3
    assert all(c.relation == "follower" for c in result.connections)
    assert all(call.request.headers["Authorization"] == "Bearer mastodon-secret-token" for call in responses.calls)


def test_mastodon_instance_alone_needs_a_token(options):
    with pytest.raises(ApiError, match="token set mastodon"):
        MastodonApi(options).fetch(parse_account("social.example"))


@pytest.mark.parametrize("bad", ["", "ana", "ana@", "not a host@x", "@@"])
def test_mastodon_bad_account_is_one_line(bad):
    with pytest.raises(ApiError) as info:
        parse_account(bad)
    assert "\n" not in str(info.value) and "user@instance" in str(info.value)


@responses.activate
def test_mastodon_next_link_to_another_host_is_not_followed(options):
    responses.get(f"{MASTODON}/lookup", json={"id": "42", "acct": "ana"})
    responses.get(f"{MASTODON}/42/followers", json=[mastodon_account(1)],
                  headers={"Link": '<https://evil.example/api/v1/accounts/42/followers?max_id=1>; rel="next"'})
    with pytest.raises(ApiError, match="another server"):
        MastodonApi(options, token="t").fetch(parse_account("ana@social.example"), ("follower",))
    assert all("evil.example" not in call.request.url for call in responses.calls)


@responses.activate
def test_mastodon_hidden_network_gives_a_note(options):
    responses.get(f"{MASTODON}/lookup", json={"id": "42", "acct": "ana", "followers_count": 12})
    responses.get(f"{MASTODON}/42/followers", json=[])
    result = MastodonApi(options).fetch(parse_account("ana@social.example"), ("follower",))
    assert result.connections == []
    assert any("hidden" in note and "12" in note for note in result.notes)


# -- Bluesky ---------------------------------------------------------------------------
@responses.activate
def test_bluesky_pages_through_cursor_to_the_end(options):
    add_bluesky(responses.mock)
    result = BlueskyApi(options).fetch(parse_actor("@Ana.bsky.social"))
    assert len(responses.calls) == 3
    followers = [c for c in result.connections if c.relation == "follower"]
    assert [c.username for c in followers] == ["person1.bsky.social", "person2.bsky.social", ""]
    one = followers[0]
    assert (one.platform, one.display_name, one.external_id, one.profile_url) == (
        "bluesky", "Person 1", "did:plc:person00000000000000000001", "https://bsky.app/profile/person1.bsky.social")
    # an invalid handle keeps the DID, and the profile link uses it
    assert followers[2].profile_url == "https://bsky.app/profile/did:plc:person00000000000000000003"
    assert [c.username for c in result.connections if c.relation == "following"] == ["person4.bsky.social"]
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_bluesky_repeated_cursor_stops(options):
    responses.get(f"{BSKY}/app.bsky.graph.getFollowers", json={"followers": [bsky_actor(1)], "cursor": "same"})
    result = BlueskyApi(options).fetch("ana.bsky.social", ("follower",))
    assert len(responses.calls) == 2
    assert len(result.connections) == 2     # the same page twice; the audit de-duplicates


@responses.activate
def test_bluesky_unknown_actor_is_one_line(options):
    responses.get(f"{BSKY}/app.bsky.graph.getFollowers", status=400,
                  json={"error": "InvalidRequest", "message": "Profile not found"})
    with pytest.raises(ApiError) as info:
        BlueskyApi(options).fetch("nobody.bsky.social")
    text = str(info.value)
    assert text.startswith("bluesky: ") and "Profile not found" in text and "--account" in text
    assert "\n" not in text


@pytest.mark.parametrize("text, actor", [
    ("ana.bsky.social", "ana.bsky.social"), ("@Ana.Example.COM", "ana.example.com"),
    ("https://bsky.app/profile/ana.bsky.social", "ana.bsky.social"), ("did:plc:abc123", "did:plc:abc123")])
def test_bluesky_actor_spellings(text, actor):
    assert parse_actor(text) == actor


# -- Mailchimp -------------------------------------------------------------------------
@responses.activate
def test_mailchimp_pages_with_count_and_offset_to_total_items(options):
    members = [mailchimp_member(n) for n in range(5)]
    for offset in (0, 2, 4):
        responses.get(MAILCHIMP, json={"members": members[offset:offset + 2], "total_items": 5},
                      match=[responses.matchers.query_param_matcher(
                          {"count": "2", "offset": str(offset)}, strict_match=False)])
    result = MailchimpApi(options, MAILCHIMP_KEY, page_size=2).fetch("abc123def4")
    assert len(responses.calls) == 3
    assert [c.email for c in result.connections] == [f"person{n}@example.org" for n in range(5)]
    auth = responses.calls[0].request.headers["Authorization"]
    assert auth.startswith("Basic ") and base64.b64decode(auth[6:]).decode().endswith(":" + MAILCHIMP_KEY)
    fields = query(responses.calls[0])["fields"][0].split(",")
    assert "members.email_address" in fields and "members.source" in fields and "total_items" in fields


@responses.activate
def test_mailchimp_default_page_is_1000_and_records_are_complete(options):
    responses.get(MAILCHIMP, json={"members": [mailchimp_member(7, "Hosted Signup Form", "unsubscribed")],
                                   "total_items": 1})
    result = MailchimpApi(options, MAILCHIMP_KEY).fetch("abc123def4")
    assert query(responses.calls[0])["count"] == ["1000"] and query(responses.calls[0])["offset"] == ["0"]
    (conn,) = result.connections
    assert (conn.platform, conn.relation, conn.email, conn.display_name, conn.joined_via) == (
        "mailchimp", "subscriber", "person7@example.org", "First7 Example", "self")
    assert conn.connected_at == "2024-02-01T09:12:40Z"
    extras = dict(conn.extras)
    assert extras["source"] == "Hosted Signup Form" and extras["status"] == "unsubscribed"


@responses.activate
def test_mailchimp_full_name_when_no_merge_names(options):
    member = {**mailchimp_member(1), "merge_fields": {}}
    responses.get(MAILCHIMP, json={"members": [member, {"email_address": ""}], "total_items": 2})
    result = MailchimpApi(options, MAILCHIMP_KEY).fetch("abc123def4")
    assert [c.display_name for c in result.connections] == ["Full 1"]
    assert result.notes and "no e-mail" in result.notes[0]


@pytest.mark.parametrize("source, expected", [
    ("Admin Add", "imported"), ("Import", "imported"), ("Hosted Signup Form", "self"),
    ("Embedded Form", "self"), ("API - Generic", "api"), ("Something New", "unknown"), ("", "unknown")])
def test_mailchimp_source_to_joined_via(source, expected):
    assert joined_via(source)[0] == expected


def test_mailchimp_data_centre_from_key():
    assert data_centre(MAILCHIMP_KEY) == "us21"
    with pytest.raises(ApiError, match="-us21"):
        data_centre("0123456789abcdef")


# -- X users lookup -----------------------------------------------------------------------
def x_archive_connections(n: int) -> list[Connection]:
    return [Connection(platform="x", relation="follower", source=f"follower.js#[{i}]",
                       external_id=str(1700000000000000000 + i),
                       profile_url=f"https://twitter.com/intent/user?user_id={1700000000000000000 + i}")
            for i in range(n)]


@responses.activate
def test_x_lookup_in_batches_of_100(options):
    conns = x_archive_connections(250)
    known = {c.external_id for c in conns[:240]}
    responses.add_callback(responses.GET, X_USERS, callback=x_users_callback(known))
    result = enrich(conns, "x-secret-token", options)
    batches = [query(call)["ids"][0].split(",") for call in responses.calls]
    assert [len(b) for b in batches] == [BATCH, BATCH, 50]
    assert [i for batch in batches for i in batch] == [c.external_id for c in conns]
    assert query(responses.calls[0])["user.fields"] == ["name,username"]
    assert responses.calls[0].request.headers["Authorization"] == "Bearer x-secret-token"
    assert result.unresolved == 10
    named = result.connections[0]
    assert named.username == "user_000" and named.display_name == "Name 000"
    assert named.profile_url == "https://x.com/user_000" and named.external_id == conns[0].external_id
    assert conns[0].username == ""                       # copies; the input is untouched
    assert dict(result.connections[-1].extras)["x_lookup"].startswith("not found")
    assert result.notes and "10" in result.notes[0]


@responses.activate
def test_x_lookup_mapping(options):
    responses.add_callback(responses.GET, X_USERS, callback=x_users_callback({"17"}))
    users = lookup_users(["17", "18", "17", "not-an-id"], x_client("t", options))
    assert users == {"17": ("user_17", "Name 17")}
    assert query(responses.calls[0])["ids"] == ["17,18"]


def test_x_without_token_is_unchanged_with_a_note(options):
    conns = x_archive_connections(3)
    result = enrich(conns, None, options)
    assert result.connections == conns and result.unresolved == 3
    assert result.notes == [no_token_note(3)]
    assert result.notes[0] == "3 X accounts audited by ID only: run auditor token set x to resolve names"


@responses.activate
def test_x_rate_limit_reset_header_sets_the_wait(options, sleeps):
    responses.get(X_USERS, status=429, headers={"x-rate-limit-reset": str(int(NOW) + 12)},
                  json={"errors": [{"code": 88, "message": "Rate limit exceeded"}]})
    responses.add_callback(responses.GET, X_USERS, callback=x_users_callback({"17"}))
    assert lookup_users(["17"], x_client("t", options)) == {"17": ("user_17", "Name 17")}
    assert sleeps == [12.0]


# -- the HTTP client: retries, errors ------------------------------------------------------
URL = "https://api.example/items"


def client(options: HttpOptions, **kw) -> ApiClient:
    return ApiClient("mastodon", options, hints=Hints(token="run 'auditor token set mastodon'"), **kw)


@responses.activate
def test_429_retry_after_seconds_is_honoured(options, sleeps):
    responses.get(URL, status=429, headers={"Retry-After": "7"})
    responses.get(URL, json={"ok": True})
    assert client(options).get(URL).body == {"ok": True}
    assert sleeps == [7.0] and len(responses.calls) == 2


@responses.activate
def test_429_retry_after_http_date(options, sleeps):
    from email.utils import formatdate

    responses.get(URL, status=429, headers={"Retry-After": formatdate(NOW + 30, usegmt=True)})
    responses.get(URL, json=[])
    client(options).get(URL)
    assert sleeps == [30.0]


@responses.activate
def test_long_retry_after_is_capped(tmp_path, sleeps):
    opts = HttpOptions(sleep=sleeps.append, clock=lambda: NOW, policy=RetryPolicy(max_wait=20))
    responses.get(URL, status=429, headers={"Retry-After": "3600"})
    responses.get(URL, json=[])
    client(opts).get(URL)
    assert sleeps == [20]


@responses.activate
def test_5xx_backs_off_exponentially(options, sleeps):
    responses.get(URL, status=503)
    responses.get(URL, status=502)
    responses.get(URL, json=[1])
    assert client(options).get(URL).body == [1]
    assert sleeps == [1.0, 2.0]


@responses.activate
def test_rate_limit_that_never_lifts_is_one_line(options, sleeps):
    responses.get(URL, status=429, headers={"Retry-After": "5"})
    with pytest.raises(ApiError) as info:
        client(options).get(URL)
    assert len(responses.calls) == RetryPolicy().attempts and sleeps == [5.0] * (RetryPolicy().attempts - 1)
    assert "HTTP 429" in str(info.value) and "again later" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("failure", [requests.exceptions.ConnectTimeout("slow"),
                                     requests.exceptions.ReadTimeout("slow"),
                                     requests.exceptions.ConnectionError("refused")])
@responses.activate
def test_timeouts_and_connection_errors_after_retries(options, sleeps, failure):
    responses.get(URL, body=failure)
    with pytest.raises(ApiError) as info:
        client(options).get(URL)
    attempts = RetryPolicy().attempts
    assert len(responses.calls) == attempts
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert str(info.value).startswith("mastodon: no answer from api.example") and f"{attempts} tries" in str(info.value)


@responses.activate
def test_timeout_then_success(options, sleeps):
    responses.get(URL, body=requests.exceptions.ReadTimeout("slow"))
    responses.get(URL, json={"fine": 1})
    assert client(options).get(URL).body == {"fine": 1}
    assert sleeps == [1.0]


@pytest.mark.parametrize("body, content_type", [("<html>Welcome</html>", "text/html"),
                                                ('{"members": [', "application/json"), ("", "application/json")])
@responses.activate
def test_malformed_body_is_api_error(options, body, content_type):
    responses.get(URL, body=body, content_type=content_type)
    with pytest.raises(ApiError, match="not JSON") as info:
        client(options).get(URL)
    assert len(responses.calls) == 1 and "\n" not in str(info.value)


@responses.activate
def test_unexpected_shape_is_api_error(options):
    responses.get(f"{BSKY}/app.bsky.graph.getFollowers", json={"something": "else"})
    with pytest.raises(ApiError, match="unexpected answer"):
        BlueskyApi(options).fetch("ana.bsky.social")


@pytest.mark.parametrize("platform, call", [
    ("mastodon", lambda o: MastodonApi(o, token="tok").fetch(parse_account("ana@social.example"))),
    ("mailchimp", lambda o: MailchimpApi(o, MAILCHIMP_KEY).fetch("abc123def4")),
    ("x", lambda o: lookup_users(["17"], x_client("tok", o))),
])
@responses.activate
def test_401_names_the_platform_and_the_fix(options, platform, call):
    for url in (f"{MASTODON}/lookup", MAILCHIMP, X_USERS):
        responses.get(url, status=401, json={"title": "Unauthorized", "detail": "Invalid token"})
    with pytest.raises(ApiError) as info:
        call(options)
    text = str(info.value)
    assert text.startswith(f"{platform}: the token was rejected (HTTP 401")
    assert f"run 'auditor token set {platform}'" in text
    assert "\n" not in text and "tok" not in text.replace("token", "")
    assert info.value.status == 401 and len(responses.calls) == 1     # no retry on 401


@responses.activate
def test_404_says_what_to_check(options):
    responses.get(MAILCHIMP, status=404, json={"title": "Resource Not Found", "detail": "The requested resource could not be found."})
    with pytest.raises(ApiError, match="--list-id"):
        MailchimpApi(options, MAILCHIMP_KEY).fetch("abc123def4")


@responses.activate
def test_403_is_access_denied(options):
    responses.get(URL, status=403)
    with pytest.raises(ApiError, match=r"access denied \(HTTP 403\): run 'auditor token set mastodon'"):
        client(options).get(URL)


# -- the cache -------------------------------------------------------------------------------
def test_cache_serves_a_rerun_offline_private_and_tokenless(tmp_path, options):
    secret = "mastodon-secret-token-0123456789"
    with responses.RequestsMock() as rsps:
        add_mastodon(rsps)
        first = MastodonApi(options, token=secret).fetch(parse_account("ana@social.example"))
        fetched = len(rsps.calls)
    assert fetched == 4
    files = cache_files(tmp_path / "cache")
    assert len(files) == 4
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert secret.encode() not in path.read_bytes() and secret not in str(path)
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
    # A re-run reads the cache: nothing registered, so any HTTP call would fail.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        second = MastodonApi(options, token=secret).fetch(parse_account("ana@social.example"))
        assert len(rsps.calls) == 0
    assert second.connections == first.connections
    assert second.pages == second.cached_pages == 4


def test_refresh_fetches_again(tmp_path, options):
    with responses.RequestsMock() as rsps:
        add_bluesky(rsps)
        BlueskyApi(options).fetch("ana.bsky.social")
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BSKY}/app.bsky.graph.getFollowers", json={"followers": [bsky_actor(9)]})
        rsps.get(f"{BSKY}/app.bsky.graph.getFollows", json={"follows": []})
        refreshed = BlueskyApi(HttpOptions(cache_dir=tmp_path / "cache", refresh=True)).fetch("ana.bsky.social")
        assert len(rsps.calls) == 2
    assert [c.username for c in refreshed.connections] == ["person9.bsky.social"]
    # and the refreshed answer replaced the cached one
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        again = BlueskyApi(options).fetch("ana.bsky.social")
        assert len(rsps.calls) == 0
    assert [c.username for c in again.connections] == ["person9.bsky.social"]


def test_cache_never_holds_the_mailchimp_key(tmp_path, options):
    with responses.RequestsMock() as rsps:
        rsps.get(MAILCHIMP, json={"members": [mailchimp_member(1)], "total_items": 1})
        MailchimpApi(options, MAILCHIMP_KEY).fetch("abc123def4")
    (path,) = cache_files(tmp_path / "cache")
    assert MAILCHIMP_KEY.encode() not in path.read_bytes()
    assert base64.b64encode(f"connection-auditor:{MAILCHIMP_KEY}".encode()) not in path.read_bytes()


@responses.activate
def test_damaged_cache_file_is_fetched_again(tmp_path, options):
    responses.get(URL, json={"v": 1})
    api = client(options)
    api.get(URL)
    (path,) = cache_files(tmp_path / "cache")
    path.write_text("{not json")
    assert client(options).get(URL).body == {"v": 1}
    assert len(responses.calls) == 2


@responses.activate
def test_progress_is_reported_per_page(options):
    seen: list[str] = []
    add_mastodon(responses.mock)
    opts = HttpOptions(sleep=options.sleep, cache_dir=None, progress=seen.append)
    MastodonApi(opts).fetch(parse_account("ana@social.example"))
    assert seen == ["mastodon: account, page 1", "mastodon: followers, page 1", "mastodon: followers, page 2",
                    "mastodon: following, page 1"]


# -- tokens -----------------------------------------------------------------------------------
def test_token_store_round_trip(memory_keyring):
    store = TokenStore()
    assert store.get("x") is None
    store.set("x", "  x-token  \n")
    assert memory_keyring.store[(TOKEN_SERVICE, "x")] == "x-token"
    assert TOKEN_SERVICE == "connection-auditor-tokens"
    assert store.get("x") == "x-token"
    assert store.delete("x") is True and store.delete("x") is False
    assert store.get("x") is None


def test_env_token_wins_over_keyring(monkeypatch):
    TokenStore().set("mailchimp", MAILCHIMP_KEY)
    monkeypatch.setenv("AUDITOR_TOKEN_MAILCHIMP", "from-env-us1")
    assert resolve_token("mailchimp") == "from-env-us1"


def test_no_keyring_backend_is_one_line():
    store = TokenStore(keyring.backends.fail.Keyring())
    with pytest.raises(KeyUnavailableError) as info:
        store.get("x")
    text = str(info.value)
    assert "\n" not in text and "AUDITOR_TOKEN_X" in text and "keyring" in text
    assert resolve_token("x", store) is None                     # optional: no keyring, no token
    with pytest.raises(KeyUnavailableError):
        resolve_token("x", store, required=True)


def test_missing_required_token_says_what_to_run():
    with pytest.raises(KeyUnavailableError, match="auditor token set mailchimp"):
        resolve_token("mailchimp", required=True)


# -- CLI ---------------------------------------------------------------------------------------
@click.group(cls=AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-q", "--quiet", is_flag=True)
@click.pass_context
def harness(ctx: click.Context, quiet: bool) -> None:
    """Stands in for `auditor` until cli.py attaches these groups."""
    ctx.obj = App(practice="default", key_file=None, quiet=quiet)


harness.add_command(token)
harness.add_command(connections)


@pytest.fixture
def auditor_cli() -> click.Group:
    """The real `auditor` once the groups are attached; until then an equivalent group."""
    from auditor.cli import cli

    if "token" in cli.commands and "connections" in cli.commands:
        return cli
    return harness


def flat(text: str) -> str:
    """Rich wraps long lines on stderr; compare words, not line breaks."""
    return " ".join(text.split())


def invoke(runner, group, *args, input=None):
    return runner.invoke(group, [str(a) for a in args], input=input)


def test_cli_token_set_list_delete(runner, auditor_cli, memory_keyring):
    secret = "x-token-ABCDEF0123456789"
    result = invoke(runner, auditor_cli, "token", "set", "x", input=secret + "\n")
    assert_ok(result)
    assert memory_keyring.store[(TOKEN_SERVICE, "x")] == secret
    assert secret not in result.output
    listed = invoke(runner, auditor_cli, "token", "list")
    assert_ok(listed)
    assert secret not in listed.output
    rows = dict(line.split(":", 1) for line in listed.stdout.splitlines())
    assert rows["x"].strip() == "OS keyring" and rows["mastodon"].strip() == "none"
    assert_ok(invoke(runner, auditor_cli, "token", "delete", "x"))
    assert (TOKEN_SERVICE, "x") not in memory_keyring.store


def test_cli_token_set_rejects_a_mailchimp_key_without_data_centre(runner, auditor_cli, memory_keyring):
    result = invoke(runner, auditor_cli, "token", "set", "mailchimp", input="0123456789abcdef\n")
    line = assert_one_line_error(result)
    assert "-us21" in line and "0123456789abcdef" not in line
    assert not memory_keyring.store


def test_cli_token_set_without_keyring_is_one_line(runner, auditor_cli):
    keyring.set_keyring(keyring.backends.fail.Keyring())   # conftest restores afterwards
    line = assert_one_line_error(invoke(runner, auditor_cli, "token", "set", "x", input="tok\n"))
    assert "AUDITOR_TOKEN_X" in line


def test_cli_fetch_bluesky_writes_generic_json_the_registry_reads(runner, auditor_cli, tmp_path):
    out = tmp_path / "bluesky.json"
    with responses.RequestsMock() as rsps:
        add_bluesky(rsps)
        result = invoke(runner, auditor_cli, "connections", "fetch", "bluesky", "--account", "ana.bsky.social",
                        "--cache-dir", tmp_path / "cache", "-o", out)
    assert_ok(result)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    document = json.loads(out.read_text())
    assert document["schema"] == "connection-auditor/connections@1" and document["platform"] == "bluesky"
    assert document["fetched_at"].endswith("Z") and len(document["connections"]) == 4
    assert document["connections"][0]["external_id"] == "did:plc:person00000000000000000001"
    (read,) = Registry().read_path(str(out)).files
    assert read.platform == "bluesky"
    assert [(c.platform, c.relation, c.username) for c in read.connections] == [
        ("bluesky", "follower", "person1.bsky.social"), ("bluesky", "follower", "person2.bsky.social"),
        ("bluesky", "follower", ""), ("bluesky", "following", "person4.bsky.social")]
    assert read.connections[0].display_name == "Person 1"
    assert "Wrote" in result.stderr and "4 bluesky connections" in flat(result.stderr)
    # a second run is served from the cache, offline
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        again = invoke(runner, auditor_cli, "connections", "fetch", "bluesky", "--account", "ana.bsky.social",
                       "--cache-dir", tmp_path / "cache", "-o", out)
        assert len(rsps.calls) == 0
    assert_ok(again)
    assert "Read from the cache" in flat(again.stderr)


def test_cli_fetch_mailchimp_keeps_joined_via(runner, auditor_cli, tmp_path):
    TokenStore().set("mailchimp", MAILCHIMP_KEY)
    out = tmp_path / "mailchimp.json"
    with responses.RequestsMock() as rsps:
        rsps.get(MAILCHIMP, json={"members": [mailchimp_member(1, "Admin Add"),
                                              mailchimp_member(2, "Embedded Form")], "total_items": 2})
        result = invoke(runner, auditor_cli, "connections", "fetch", "mailchimp", "--list-id", "abc123def4",
                        "-o", out)   # default cache: XDG_CACHE_HOME in tmp (fixture)
    assert_ok(result)
    assert MAILCHIMP_KEY not in out.read_text() and MAILCHIMP_KEY not in result.output
    (read,) = Registry().read_path(str(out)).files
    assert [(c.platform, c.relation, c.email, c.joined_via) for c in read.connections] == [
        ("mailchimp", "subscriber", "person1@example.org", "imported"),
        ("mailchimp", "subscriber", "person2@example.org", "self")]
    assert cache_files(tmp_path / "xdg-cache" / "connection-auditor" / "mailchimp")


def test_cli_fetch_mastodon(runner, auditor_cli, tmp_path):
    out = tmp_path / "mastodon.json"
    with responses.RequestsMock() as rsps:
        add_mastodon(rsps)
        result = invoke(runner, auditor_cli, "connections", "fetch", "mastodon", "--account", "ana@social.example",
                        "--relation", "both", "-o", out)
    assert_ok(result)
    (read,) = Registry().read_path(str(out)).files
    assert {(c.relation, c.username) for c in read.connections} == {
        ("follower", "user1@social.example"), ("follower", "bo@other.example"),
        ("follower", "user3@social.example"), ("following", "cy@third.example")}
    assert all(c.account == "ana@social.example" for c in read.connections)


def test_cli_fetch_rejected_token_is_one_line(runner, auditor_cli, tmp_path):
    TokenStore().set("mastodon", "stale-mastodon-token")
    with responses.RequestsMock() as rsps:
        rsps.get(f"{MASTODON}/lookup", status=401, json={"error": "The access token is invalid"})
        result = invoke(runner, auditor_cli, "connections", "fetch", "mastodon", "--account", "ana@social.example",
                        "-o", tmp_path / "m.json")
    line = assert_one_line_error(result)
    assert line.startswith("auditor: error: mastodon: the token was rejected (HTTP 401")
    assert "auditor token set mastodon" in line and "stale-mastodon-token" not in result.output
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("args, needs", [(("mailchimp",), "--list-id"), (("bluesky",), "--account")])
def test_cli_fetch_missing_option_is_one_line(runner, auditor_cli, tmp_path, args, needs):
    TokenStore().set("mailchimp", MAILCHIMP_KEY)
    line = assert_one_line_error(invoke(runner, auditor_cli, "connections", "fetch", *args, "-o", tmp_path / "f.json"))
    assert needs in line


def test_cli_fetch_of_nothing_writes_nothing(runner, auditor_cli, tmp_path):
    out = tmp_path / "empty.json"
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BSKY}/app.bsky.graph.getFollows", json={"follows": []})
        result = invoke(runner, auditor_cli, "connections", "fetch", "bluesky", "--account", "ana.bsky.social",
                        "--relation", "following", "-o", out)
    assert "was not written" in assert_one_line_error(result)
    assert not out.exists()


def test_cli_fetch_mailchimp_without_token_is_one_line(runner, auditor_cli, tmp_path):
    line = assert_one_line_error(invoke(runner, auditor_cli, "connections", "fetch", "mailchimp", "--list-id",
                                        "abc123def4", "-o", tmp_path / "f.json"))
    assert "auditor token set mailchimp" in line


def write_x_archive(root: Path, follower_ids: list[str], following_ids: list[str]) -> Path:
    data = root / "twitter-2026-01-01-abc" / "data"
    data.mkdir(parents=True)
    for kind, ids in (("follower", follower_ids), ("following", following_ids)):
        entries = [{kind: {"accountId": i, "userLink": f"https://twitter.com/intent/user?user_id={i}"}} for i in ids]
        (data / f"{kind}.js").write_text(f"window.YTD.{kind}.part0 = {json.dumps(entries, indent=2)}")
    return data.parent


def test_cli_resolve_x_writes_names(runner, auditor_cli, tmp_path):
    archive = write_x_archive(tmp_path, ["1700000000000000001", "1700000000000000002"], ["1700000000000000003"])
    TokenStore().set("x", "x-bearer-token")
    out = tmp_path / "x.json"
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, X_USERS,
                          callback=x_users_callback({"1700000000000000001", "1700000000000000003"}))
        result = invoke(runner, auditor_cli, "connections", "resolve-x", archive, "--cache-dir", tmp_path / "c",
                        "-o", out)
        assert len(rsps.calls) == 1
    assert_ok(result)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "1 X account IDs could not be resolved" in flat(result.stderr)
    (read,) = Registry().read_path(str(out)).files
    assert [(c.platform, c.relation, c.username, c.display_name) for c in read.connections] == [
        ("x", "follower", "user_001", "Name 001"), ("x", "follower", "", ""), ("x", "following", "user_003", "Name 003")]
    assert read.connections[0].profile_url == "https://x.com/user_001"
    assert "x-bearer-token" not in out.read_text()


def test_cli_resolve_x_without_token_is_one_line(runner, auditor_cli, tmp_path):
    archive = write_x_archive(tmp_path, ["1700000000000000001"], [])
    line = assert_one_line_error(invoke(runner, auditor_cli, "connections", "resolve-x", archive, "-o",
                                        tmp_path / "x.json"))
    assert "auditor token set x" in line


@pytest.mark.parametrize("path", [("token",), ("token", "set"), ("token", "list"), ("token", "delete"),
                                  ("connections",), ("connections", "fetch"), ("connections", "resolve-x")])
def test_cli_help_needs_no_keyring(runner, auditor_cli, path):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    result = invoke(runner, auditor_cli, *path, "--help")
    assert result.exit_code == 0 and result.stderr == ""
