"""Facebook and Instagram (+ Threads) connectors against every known export layout.

Fixtures under fixtures/meta/ are synthetic (made-up people) but follow the real
file names, folder nesting, keys and Meta's per-byte escaping of non-ASCII text.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from connectors import meta
from connectors.facebook import FacebookConnector
from connectors.instagram import InstagramConnector
from connectors.interface import (
    PLATFORMS, RELATIONS, Connection, ConnectorError, FileResult, InputFile,
)

FIXTURES = Path(__file__).parent / "fixtures" / "meta"
FB = FacebookConnector()
IG = InstagramConnector()

FB_2020 = "fb_2020/facebook-anaexample"
FB_2021 = "fb_2021/facebook-anaexample-2021-06-01-Xy12Ab/friends_and_followers"
FB_2022 = "fb_2022/facebook-anaexample-2024-03-01-AbCdEf/connections"
FB_RECENT = "fb_recent/facebook-anaexample-2025-11-02-QwErTy/connections/followers"
IG_2020 = "ig_2020/ana.example_20200301"
IG_2021 = "ig_2021/instagram-ana.example-2022-04-01-Zx98Cv/followers_and_following"
IG_2023_TOP = "ig_2023/meta-2026-Jan-10-0a1b2c/instagram-ana.example-2026-01-09-Hh77Jj"
IG_2023 = f"{IG_2023_TOP}/connections/followers_and_following"
THREADS = f"{IG_2023_TOP}/your_instagram_activity/threads"


def item_for(p: Path, root: Path = FIXTURES) -> InputFile:
    return InputFile(name=str(p), relpath=str(p.relative_to(root)), read_bytes=p.read_bytes)


def fixture(rel: str) -> InputFile:
    return item_for(FIXTURES / rel)


def read(connector, rel: str) -> FileResult:
    result = connector.read(fixture(rel))
    _check_wellformed(result)
    return result


def _check_wellformed(result: FileResult) -> None:
    for conn in result.connections:
        assert isinstance(conn, Connection)
        assert conn.platform in PLATFORMS and conn.relation in RELATIONS
        assert conn.account == "" and conn.has_identity()
        assert conn.source.startswith(result.name + "#")


def names(result: FileResult) -> list[tuple[str, str]]:
    return [(c.relation, c.display_name) for c in result.connections]


def users(result: FileResult) -> list[tuple[str, str]]:
    return [(c.relation, c.username) for c in result.connections]


def synthetic(tmp_path: Path, rel: str, content: str | bytes) -> InputFile:
    p = tmp_path / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return item_for(p, tmp_path)


# --- Facebook, one test per layout era ------------------------------------------

def test_fb_2020_friends_key() -> None:
    result = read(FB, f"{FB_2020}/friends/friends.json")
    assert result.platform == "facebook"
    assert names(result) == [("mutual", "Ana Example"), ("mutual", "Chloé Sample"),
                             ("mutual", "Bruno Placeholder")]
    first = result.connections[0]
    assert first.connected_at == "2017-07-14T02:40:00Z"
    assert first.source == f"{result.name}#friends[0]"
    assert first.username == first.profile_url == ""
    assert result.skipped == []


def test_fb_2021_friends_and_followers() -> None:
    friends = read(FB, f"{FB_2021}/friends.json")
    assert names(friends) == [("mutual", "Ana Example"), ("mutual", "Łukasz Przykładowy"),
                              ("mutual", "Dana Sample")]
    assert friends.connections[1].source.endswith("#friends_v2[1]")

    followers = read(FB, f"{FB_2021}/followers.json")
    assert names(followers) == [("follower", "Eli Testperson"), ("follower", "Fatima Example")]
    assert followers.connections[0].connected_at == ""          # followers may lack a timestamp
    assert followers.skipped == [
        f"{followers.name}#followers_v2[1]: no name (deactivated account?)"]

    following = read(FB, f"{FB_2021}/who_you_follow.json")
    assert names(following) == [("following", "Example Bakery"), ("following", "Gus Sample")]


@pytest.mark.parametrize("rel, relation, person", [
    (f"{FB_2021}/friend_requests_received.json", "request_in", "Hana Example"),
    (f"{FB_2021}/friend_requests_sent.json", "request_out", "Ivan Sample"),
    (f"{FB_2021}/rejected_friend_requests.json", "removed", "Jon Placeholder"),
    (f"{FB_2021}/removed_friends.json", "removed", "Kim Example"),
    (f"{FB_2022}/friends/received_friend_requests.json", "request_in", "Mia Example"),
    (f"{FB_2022}/friends/sent_friend_requests.json", "request_out", "Noah Sample"),
    (f"{FB_2022}/friends/rejected_friend_requests.json", "removed", "Omar Placeholder"),
    (f"{FB_2022}/friends/removed_friends.json", "removed", "Pia Example"),
])
def test_fb_requests_and_removed(rel: str, relation: str, person: str) -> None:
    assert names(read(FB, rel)) == [(relation, person)]


def test_fb_2022_connections_folder() -> None:
    friends = read(FB, f"{FB_2022}/friends/your_friends.json")
    assert names(friends) == [("mutual", "Ana Example"), ("mutual", "Nguyễn Thị Mẫu"),
                              ("mutual", "Lena Sample 🌻")]
    assert friends.connections[0].connected_at == "2023-11-14T22:13:20Z"
    assert friends.skipped == [f"{friends.name}#friends_v2[3]: no name (deactivated account?)"]

    followers = read(FB, f"{FB_2022}/followers/people_who_followed_you.json")
    assert names(followers) == [("follower", "Sam Example"), ("follower", "Chloé Sample")]
    assert followers.connections[0].source.endswith("#followers_v3[0]")

    following = read(FB, f"{FB_2022}/followers/who_you've_followed.json")
    assert names(following) == [("following", "Example Bakery"), ("following", "Tara Sample")]
    assert following.connections[1].source.endswith("#following_v3[1]")


def test_fb_people_you_may_know_is_skipped_not_read() -> None:
    result = read(FB, f"{FB_2022}/friends/people_you_may_know.json")
    assert result.connections == []
    assert len(result.skipped) == 1
    assert "people_you_may_know_v2" in result.skipped[0] and "2 entries" in result.skipped[0]


def test_fb_recent_bare_array_parts() -> None:
    part1 = read(FB, f"{FB_RECENT}/people_who_followed_you_1.json")
    assert names(part1) == [("follower", "Uma Example"), ("follower", "Chloé Sample")]
    assert part1.connections[0].connected_at == "2024-10-27T03:33:20Z"
    assert part1.connections[0].source == f"{part1.name}#[0]"
    assert part1.skipped == [f"{part1.name}#[2]: no name (deactivated account?)"]
    part2 = read(FB, f"{FB_RECENT}/people_who_followed_you_2.json")
    assert names(part2) == [("follower", "Victor Sample")]


# --- Instagram, one test per layout era -----------------------------------------

def test_ig_2020_connections_maps() -> None:
    result = read(IG, f"{IG_2020}/connections.json")
    assert result.platform == "instagram"
    assert users(result) == [
        ("request_out", "dana.sample"), ("request_out", "eli.testperson"),
        ("following", "ana.example"), ("following", "ben_sample"),
        ("follower", "ana.example"), ("follower", "chloe.sample"),
        ("following", "ana.example"),
    ]
    by_source = {c.source.split("#")[1]: c for c in result.connections}
    assert by_source["following[1]"].connected_at == "2018-07-01T07:15:00Z"   # +02:00 -> UTC
    assert by_source["close_friends[0]"].extras == (("list", "close_friends"),)
    assert by_source["followers[0]"].extras == ()
    skipped = "\n".join(result.skipped)
    for key in ("blocked_users", "restricted_users", "following_hashtags",
                "dismissed_suggested_users"):
        assert f"#{key}:" in skipped
    assert len(result.skipped) == 4


def test_ig_2021_wrapped_lists() -> None:
    followers = read(IG, f"{IG_2021}/followers.json")
    assert users(followers) == [("follower", "ana.example"), ("follower", "chloe.sample"),
                                ("follower", "lukasz.przyklad")]
    first = followers.connections[0]
    assert first.profile_url == "https://www.instagram.com/ana.example"
    assert first.connected_at == "2021-12-20T11:33:20Z"
    assert first.source == f"{followers.name}#relationships_followers[0]"
    assert first.display_name == ""

    following = read(IG, f"{IG_2021}/following.json")
    assert users(following) == [("following", "ben_sample"), ("following", "example.bakery")]


def test_ig_2023_bare_followers_parts() -> None:
    part1 = read(IG, f"{IG_2023}/followers_1.json")
    assert users(part1) == [("follower", "ana.example"), ("follower", "nguyen.thi.mau")]
    assert part1.connections[1].source == f"{part1.name}#[1]"
    assert part1.skipped == [f"{part1.name}#[2]: no name (deactivated account?)"]
    part2 = read(IG, f"{IG_2023}/followers_2.json")
    assert users(part2) == [("follower", "victor_sample")]


def test_ig_2023_following_title_and_u_hrefs() -> None:
    result = read(IG, f"{IG_2023}/following.json")
    assert users(result) == [("following", "ben_sample"), ("following", "dana.sample"),
                             ("following", "eli.testperson"), ("following", "chloe.sample")]
    ben, dana, eli, chloe = result.connections
    assert ben.profile_url == "https://www.instagram.com/_u/ben_sample"
    assert ben.display_name == "" and dana.display_name == ""
    assert ben.connected_at == "2024-03-09T16:00:00Z"
    assert chloe.display_name == "Chloé Sample"          # a title that is not a username
    assert result.skipped == [
        f"{result.name}#relationships_following[4]: no name (deactivated account?)"]


@pytest.mark.parametrize("basename, relation, username", [
    ("close_friends.json", "following", "ana.example"),
    ("pending_follow_requests.json", "request_out", "fatima.example"),
    ("recent_follow_requests.json", "request_out", "gus_sample"),
    ("follow_requests_you've_received.json", "request_in", "hana.example"),
    ("recently_unfollowed_profiles.json", "removed", "kim.example"),
])
def test_ig_other_relationship_files(basename: str, relation: str, username: str) -> None:
    result = read(IG, f"{IG_2023}/{basename}")
    assert users(result) == [(relation, username)]
    expected = (("list", "close_friends"),) if basename == "close_friends.json" else ()
    assert result.connections[0].extras == expected


@pytest.mark.parametrize("basename, key", [
    ("blocked_profiles.json", "relationships_blocked_users"),
    ("restricted_profiles.json", "relationships_restricted_users"),
    ("hide_story_from.json", "relationships_hide_stories_from"),
    ("removed_suggestions.json", "relationships_dismissed_suggested_users"),
])
def test_ig_lists_outside_the_audit_are_skipped(basename: str, key: str) -> None:
    result = read(IG, f"{IG_2023}/{basename}")
    assert result.connections == []
    assert len(result.skipped) == 1
    assert result.skipped[0].startswith(f"{result.name}#{key}: ")
    assert "not relationships the audit covers (1 entries not read)" in result.skipped[0]


def test_threads_inside_instagram_export() -> None:
    followers = read(IG, f"{THREADS}/followers.json")
    assert followers.platform == "threads"
    assert {c.platform for c in followers.connections} == {"threads"}
    got = [(c.relation, c.username, c.display_name) for c in followers.connections]
    assert got == [
        ("follower", "ana.example", "Ana Example"),
        ("follower", "lena.sample", "Lena Sample 🌻"),
        ("follower", "lukasz.przyklad", "Łukasz Przykładowy"),   # username from @-href
    ]
    assert followers.connections[0].profile_url == "https://www.threads.net/@ana.example"
    assert followers.connections[0].source.endswith(
        "#text_post_app_text_post_app_followers[0]")

    following = read(IG, f"{THREADS}/following.json")
    assert [(c.relation, c.username, c.display_name) for c in following.connections] == [
        ("following", "ben_sample", "")]


# --- encoding, missing names, broken and foreign files --------------------------

@pytest.mark.parametrize("name", [
    "Chloé Sample", "Łukasz Przykładowy", "Nguyễn Thị Mẫu", "Lena Sample 🌻", "Ana Example",
])
def test_mojibake_is_undone(tmp_path: Path, name: str) -> None:
    mangled = json.dumps(name.encode("utf-8").decode("latin-1"))   # \u00c3\u00a9 style
    assert name.isascii() or "\\u00" in mangled
    body = '{\n  "friends_v2": [\n    {\n      "name": %s,\n      "timestamp": 1700000000\n' \
           '    }\n  ]\n}' % mangled
    item = synthetic(tmp_path, "connections/friends/your_friends.json", body)
    assert names(FB.read(item)) == [("mutual", name)]


def test_mojibake_fixture_is_escaped_in_raw_text() -> None:
    raw = (FIXTURES / FB_2020 / "friends/friends.json").read_text("ascii")
    assert r"Chlo\u00c3\u00a9 Sample" in raw


def test_unmangled_utf8_name_is_kept(tmp_path: Path) -> None:
    body = '{"friends_v2": [{"name": "Łukasz Przykładowy", "timestamp": 1}]}'
    item = synthetic(tmp_path, "your_friends.json", body)
    assert names(FB.read(item)) == [("mutual", "Łukasz Przykładowy")]


def test_truncated_json_names_the_line() -> None:
    item = fixture("broken/connections/friends/your_friends.json")
    assert FB.detect(item, item.read_bytes()[:4096])       # looks fine from the head
    with pytest.raises(ConnectorError) as err:
        FB.read(item)
    assert err.value.line is not None and err.value.line > 1
    assert f"line {err.value.line}" in str(err.value)
    assert "ends early" in err.value.message


def test_truncated_instagram_json(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "followers_and_following/followers_1.json",
                     '[\n  {\n    "title": "",\n    "string_list_data": [\n      {\n')
    with pytest.raises(ConnectorError) as err:
        IG.read(item)
    assert err.value.line == 6


def test_instagram_file_to_facebook_connector() -> None:
    with pytest.raises(ConnectorError) as err:
        FB.read(fixture(f"{IG_2021}/followers.json"))
    assert err.value.message == "not a Facebook export (this looks like Instagram followers)"
    with pytest.raises(ConnectorError, match="this looks like Instagram followers"):
        FB.read(fixture(f"{IG_2023}/followers_1.json"))
    with pytest.raises(ConnectorError, match="this looks like Instagram connections"):
        FB.read(fixture(f"{IG_2020}/connections.json"))
    with pytest.raises(ConnectorError, match="this looks like Threads followers"):
        FB.read(fixture(f"{THREADS}/followers.json"))


def test_facebook_file_to_instagram_connector() -> None:
    with pytest.raises(ConnectorError, match=r"not an Instagram export \(this looks like "
                                             r"Facebook friends\)"):
        IG.read(fixture(f"{FB_2022}/friends/your_friends.json"))
    with pytest.raises(ConnectorError, match="this looks like Facebook followers"):
        IG.read(fixture(f"{FB_RECENT}/people_who_followed_you_1.json"))


@pytest.mark.parametrize("connector", [FB, IG], ids=["facebook", "instagram"])
@pytest.mark.parametrize("body, why", [
    ('{"profile_v2": {"name": "Ana Example"}}', "top-level keys: profile_v2"),
    ("42", "expected a JSON object, found a number"),
    ('"just text"', "expected a JSON object, found a string"),
    ("{}", "top-level keys: none"),
])
def test_wrong_content_raises(tmp_path: Path, connector, body: str, why: str) -> None:
    item = synthetic(tmp_path, "somewhere/file.json", body)
    with pytest.raises(ConnectorError) as err:
        connector.read(item)
    assert why in err.value.message and "\n" not in str(err.value)


@pytest.mark.parametrize("connector, body", [
    (FB, '{"friends_v2": {"Ana Example": 1}}'),
    (IG, '{"relationships_followers": "ana.example"}'),
])
def test_list_of_wrong_shape_raises(tmp_path: Path, connector, body: str) -> None:
    with pytest.raises(ConnectorError, match="should be a list"):
        connector.read(synthetic(tmp_path, "x/followers.json", body))


def test_non_object_entries_are_skipped(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "friends/your_friends.json",
                     '{"friends_v2": ["Ana Example", {"name": "Bruno Placeholder"}]}')
    result = FB.read(item)
    assert names(result) == [("mutual", "Bruno Placeholder")]
    assert result.skipped == [f"{item.name}#friends_v2[0]: not a person entry (a string)"]


def test_empty_file_raises(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="empty"):
        IG.read(synthetic(tmp_path, "followers_and_following/following.json", "  \n"))


# --- detect() -------------------------------------------------------------------

def _all_fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*.json") if "broken" not in p.parts)


@pytest.mark.parametrize("path", _all_fixture_files(),
                         ids=lambda p: str(p.relative_to(FIXTURES)))
def test_detect_every_fixture_by_exactly_one_connector(path: Path) -> None:
    item = item_for(path)
    head = path.read_bytes()[:4096]
    is_facebook = str(path.relative_to(FIXTURES)).startswith("fb_")
    assert FB.detect(item, head) is is_facebook
    assert IG.detect(item, head) is (not is_facebook)


ARRAY = b'[\n  {\n    "title": "",\n    "media_list_data": [],\n    "string_list_data": [\n'
FB_OBJ = b'{\n  "%s": [\n    {\n      "name": "Ana Example",\n'
IG_OBJ = b'{\n  "%s": [\n    {\n      "title": "",\n      "string_list_data": [\n'


@pytest.mark.parametrize("relpath, head, fb, ig", [
    # Facebook keys, any folder, any wrapper depth
    ("friends/friends.json", FB_OBJ % b"friends", True, False),
    ("x/friends_and_followers/who_you_follow.json", FB_OBJ % b"following_v2", True, False),
    ("connections/followers/who_you've_followed.json", FB_OBJ % b"following_v3", True, False),
    ("connections/followers/who_you_ve_followed.json", FB_OBJ % b"following_v3", True, False),
    ("a/b/c/connections/friends/your_friends.json", FB_OBJ % b"friends_v2", True, False),
    ("friends/removed_friends.json", FB_OBJ % b"deleted_friends_v2", True, False),
    ("friends/rejected_friend_requests.json", FB_OBJ % b"rejected_requests_v2", True, False),
    ("following.json", FB_OBJ % b"following_v3", True, False),
    ("your_friends.json", codecs.BOM_UTF8 + FB_OBJ % b"friends_v2", True, False),
    ("your_friends.json", codecs.BOM_UTF16_LE
     + (FB_OBJ % b"friends_v2").decode().encode("utf-16-le"), True, False),
    ("your_friends.json", b'{"friends_v2": []}', True, False),
    # Facebook recent bare arrays: by file name only
    ("connections/followers/people_who_followed_you_1.json", ARRAY, True, False),
    ("connections/followers/people_who_followed_you_12.json", ARRAY, True, False),
    ("connections/followers/people_who_followed_you.json", b"[]", True, False),
    # Instagram
    ("connections/followers_and_following/followers_1.json", ARRAY, False, True),
    ("connections/followers_and_following/followers_10.json", ARRAY, False, True),
    ("followers_and_following/followers.json", IG_OBJ % b"relationships_followers", False, True),
    ("followers_1.json", IG_OBJ % b"relationships_followers", False, True),
    ("followers_and_following/following.json", IG_OBJ % b"relationships_following", False, True),
    ("x/follow_requests_you_ve_received.json",
     IG_OBJ % b"relationships_follow_requests_received", False, True),
    ("x/blocked_profiles.json", IG_OBJ % b"relationships_blocked_users", False, True),
    ("threads/followers.json", IG_OBJ % b"text_post_app_text_post_app_followers", False, True),
    ("connections.json", b'{\n  "blocked_users": {\n    "a.b": "2019-01-01T00:00:00+00:00"',
     False, True),
    ("connections.json", b'{"followers": {"ana.example": "2019-01-01T00:00:00"}}', False, True),
    # neither
    ("connections/friends/your_friends.html", b"<html><head>", False, False),
    ("connections/friends/your_friends.json", b"", False, False),
    ("connections/friends/your_friends.json", b"\x00\x01\xff\xfe garbage", False, False),
    ("connections/friends/your_friends.json", b'{"friends_v2": "oops"}', False, False),
    ("__MACOSX/connections/friends/._your_friends.json", FB_OBJ % b"friends_v2", False, False),
    ("._your_friends.json", FB_OBJ % b"friends_v2", False, False),
    ("profile_information/profile_information.json", b'{\n  "profile_v2": {', False, False),
    ("data/follower.js", b"window.YTD.follower.part0 = [", False, False),
    ("connections/followers/people_who_followed_you_1.json", b'{"x": 1}', False, False),
    ("somewhere/other_1.json", ARRAY, False, False),
    ("followers_and_following/followers_1.json", b'[\n  {\n    "did": "did:plc:x"', False, False),
    ("connections.json", b'{"followers": ["ana.example"]}', True, False),  # list: FB-shaped
    ("following.json", b'{"relationships_following": {}}', False, False),
    ("your_friends.json", b'{"friends_v2', False, False),               # head cut in the key
])
def test_detect_matrix(relpath: str, head: bytes, fb: bool, ig: bool) -> None:
    item = InputFile(name=relpath, relpath=relpath, read_bytes=lambda: head)
    assert FB.detect(item, head) is fb
    assert IG.detect(item, head) is ig


# --- shared helpers ---------------------------------------------------------------

@pytest.mark.parametrize("href, username", [
    ("https://www.instagram.com/ana.example", "ana.example"),
    ("https://www.instagram.com/_u/ben_sample", "ben_sample"),
    ("https://www.instagram.com/_u/ben_sample/", "ben_sample"),
    ("https://www.instagram.com/eli.testperson?igsh=abc123", "eli.testperson"),
    ("https://instagram.com/dana.sample/?hl=en#top", "dana.sample"),
    ("www.instagram.com/gus_sample", "gus_sample"),
    ("https://www.threads.net/@ana.example", "ana.example"),
    ("https://www.instagram.com/", ""),
    ("https://www.instagram.com/_u/", ""),
    ("http://[broken/ana.example", ""),
    ("", ""),
])
def test_username_from_href(href: str, username: str) -> None:
    assert meta.username_from_href(href) == username


@pytest.mark.parametrize("value, iso", [
    (1700000000, "2023-11-14T22:13:20Z"),
    ("1700000000", "2023-11-14T22:13:20Z"),
    (1700000000.5, "2023-11-14T22:13:20Z"),
    (0, ""), (None, ""), (True, ""), ("soon", ""), (10**20, ""),
])
def test_iso_from_unix(value, iso: str) -> None:
    assert meta.iso_from_unix(value) == iso


def test_title_rule_for_username() -> None:
    entry = {"title": "Ana Example", "string_list_data": [
        {"href": "https://www.instagram.com/_u/ana.example/"}]}
    person = meta.instagram_person(entry)
    assert (person.username, person.display_name) == ("ana.example", "Ana Example")
    entry = {"title": "Ben_Sample", "string_list_data": [{"href": ""}]}
    assert meta.instagram_person(entry).username == "Ben_Sample"
