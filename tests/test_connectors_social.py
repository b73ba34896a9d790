"""X, LinkedIn, TikTok, Mastodon and Bluesky connectors against every known layout.

Fixtures under fixtures/social/ are synthetic (made-up people) but follow the real
file names, folder nesting, wrappers, headers and timestamp formats described in
shared/export-formats.md. Odd and broken variants are written to tmp_path.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from connectors import dates
from connectors.bluesky import BlueskyJsonConnector
from connectors.interface import (
    PLATFORMS,
    RELATIONS,
    Connection,
    Connector,
    ConnectorError,
    FileResult,
    InputFile,
)
from connectors.linkedin import LinkedInConnector
from connectors.mastodon import MastodonCsvConnector
from connectors.tiktok import TikTokConnector
from connectors.x import XConnector

FIXTURES = Path(__file__).parent / "fixtures" / "social"
META_FIXTURES = Path(__file__).parent / "fixtures" / "meta"
X = XConnector()
LI = LinkedInConnector()
TT = TikTokConnector()
MA = MastodonCsvConnector()
BS = BlueskyJsonConnector()
MINE: dict[str, Connector] = {"x": X, "linkedin": LI, "tiktok": TT, "mastodon": MA, "bluesky": BS}

X_2024 = "x/twitter-2024-05-01-8c1f2e7d3b/data"
X_2025 = "x/twitter-2025-11-20-a9b8c7d6e5/data"
LI_NOW = "linkedin/Complete_LinkedInDataExport_03-05-2026"
LI_OLD = "linkedin/LinkedInDataExport_2019-06-11"
TT_OLD = "tiktok/TikTok_Data_1651400000/user_data.json"
TT_NEW = "tiktok/TikTok_Data_1714560000/user_data_tiktok.json"
TT_2025 = "tiktok/TikTok_Data_1760000000/user_data_tiktok.json"
TT_TXT = "tiktok/TikTok_Data_1714560000_txt/Your Activity"


def item_for(p: Path, root: Path = FIXTURES) -> InputFile:
    return InputFile(name=str(p), relpath=p.relative_to(root).as_posix(), read_bytes=p.read_bytes)


def fixture(rel: str) -> InputFile:
    return item_for(FIXTURES / rel)


def synthetic(tmp_path: Path, rel: str, content: str | bytes) -> InputFile:
    p = tmp_path / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return item_for(p, tmp_path)


def check(result: FileResult, platform: str) -> FileResult:
    """Every connection is well formed and points back into its file."""
    assert result.platform == platform
    for conn in result.connections:
        assert isinstance(conn, Connection)
        assert conn.platform == platform and platform in PLATFORMS
        assert conn.relation in RELATIONS and conn.has_identity() and conn.account == ""
        assert conn.source.startswith((result.name + "#", result.name + ":line "))
    for line in result.skipped:
        assert line.startswith(result.name) and "\n" not in line
    return result


def read(connector: Connector, item: InputFile) -> FileResult:
    return check(connector.read(item), connector.platform)


def rows(result: FileResult, *fields: str) -> list[tuple[str, ...]]:
    return [tuple(getattr(c, f) for f in ("relation", *fields)) for c in result.connections]


def error(connector: Connector, item: InputFile) -> ConnectorError:
    with pytest.raises(ConnectorError) as err:
        connector.read(item)
    assert "\n" not in str(err.value)
    return err.value


# --- X (Twitter) ---------------------------------------------------------------

def test_x_follower_parts() -> None:
    part0 = read(X, fixture(f"{X_2024}/follower.js"))
    assert rows(part0, "external_id") == [
        ("follower", "1700000000000000001"), ("follower", "1790000000000000123"),
        ("follower", "12345678")]
    first = part0.connections[0]
    assert first.profile_url == "https://twitter.com/intent/user?user_id=1700000000000000001"
    assert first.source == f"{part0.name}#[0]"
    assert (first.display_name, first.username, first.connected_at) == ("", "", "")
    assert part0.skipped == []
    part1 = read(X, fixture(f"{X_2024}/follower-part1.js"))
    assert rows(part1, "external_id") == [("follower", "1700000000000000099")]


def test_x_ids_above_2_53_stay_exact_strings() -> None:
    ids = [c.external_id for c in read(X, fixture(f"{X_2024}/follower.js")).connections]
    assert "1790000000000000123" in ids and all(isinstance(i, str) for i in ids)
    assert float("1790000000000000123") != 1790000000000000123   # why floats are not used


def test_x_following_and_x_com_links() -> None:
    following = read(X, fixture(f"{X_2024}/following.js"))
    assert rows(following, "external_id") == [("following", "1700000000000000001"),
                                              ("following", "987654321")]
    newer = read(X, fixture(f"{X_2025}/following.js"))
    assert rows(newer, "external_id", "profile_url") == [
        ("following", "1850000000000000007", "https://x.com/intent/user?user_id=1850000000000000007")]


def test_x_empty_list() -> None:
    result = read(X, fixture(f"{X_2025}/follower.js"))
    assert result.connections == [] and result.skipped == []


@pytest.mark.parametrize("text", [
    'window.YTD.follower.part0 = [{"follower": {"accountId": "42", "userLink": "u"}}];\n',
    'window.YTD.followers.part3=[{"follower":{"accountId":"42","userLink":"u"}}]',
    '\ufeffwindow["YTD"].follower.part0 =\n[\n {"follower": {"accountId": "42", "userLink": "u"}}\n]\n',
    'YTD.follower.part0 = [{"follower": {"accountId": 42, "userLink": "u"}}]',
])
def test_x_wrapper_variants(tmp_path: Path, text: str) -> None:
    result = read(X, synthetic(tmp_path, "data/follower.js", text))
    assert rows(result, "external_id", "profile_url") == [("follower", "42", "u")]


def test_x_unusable_entries_are_skipped(tmp_path: Path) -> None:
    text = """window.YTD.follower.part0 = [
  { "follower" : { "accountId" : "1700000000000000001" } },
  { "follower" : { "userLink" : "https://twitter.com/intent/user?user_id=" } },
  { "follower" : { "accountId" : "12.5e3" } },
  { "follower" : "1700000000000000002" },
  "1700000000000000003",
  { "blocking" : { "accountId" : "1700000000000000004" } }
]"""
    item = synthetic(tmp_path, "data/follower.js", text)
    result = read(X, item)
    assert rows(result, "external_id", "profile_url") == [
        ("follower", "1700000000000000001", "")]
    assert result.skipped == [
        f"{item.name}#[1]: no usable accountId",
        f"{item.name}#[2]: no usable accountId",
        f"{item.name}#[3]: not an account entry (a string)",
        f"{item.name}#[4]: not an account entry (a string)",
        f"{item.name}#[5]: a 'blocking' entry, not a follower or following",
    ]


def test_x_truncated_archive_names_the_line() -> None:
    item = fixture("x/broken/data/follower.js")
    assert X.detect(item, item.read_bytes()[:4096])
    err = error(X, item)
    assert err.line == 10 and "ends early" in err.message and "line 10" in str(err)


def test_x_garbled_json_names_the_line(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "data/following.js",
                     'window.YTD.following.part0 = [\n  {\n    "following" : { oops }\n  }\n]')
    err = error(X, item)
    assert err.line == 3 and "not valid JSON" in err.message


@pytest.mark.parametrize("rel, why", [
    (f"{X_2024}/account.js", "its entries are 'account'"),
    (f"{X_2024}/manifest.js", "expected a list after '=', found an object"),
])
def test_x_other_archive_files_are_not_follower_lists(rel: str, why: str) -> None:
    err = error(X, fixture(rel))
    assert err.message == f"not an X archive follower/following file ({why})"


# --- LinkedIn ------------------------------------------------------------------

def test_linkedin_connections_with_notes_preamble() -> None:
    result = read(LI, fixture(f"{LI_NOW}/Connections.csv"))
    assert rows(result, "display_name", "connected_at") == [
        ("mutual", "Ana Example", "2024-03-05"),
        ("mutual", "Ben Sample, Jr.", "2021-11-17"),
        ("mutual", "Chloé Exemple", "2024-02-29"),
        ("mutual", "Dana Doe, PhD", "2026-09-01"),
    ]
    ana, ben, chloe, _ = result.connections
    assert ana.profile_url == "https://www.linkedin.com/in/ana-example-1a2b3c"
    assert ana.email == "" and ben.email == "ben.sample@example.org"
    assert ben.profile_url == "https://www.linkedin.com/in/BenSample/"
    assert chloe.profile_url.endswith("?trk=public_profile")
    assert ana.source == f"{result.name}:line 5"
    assert ana.username == ana.external_id == ""
    assert result.skipped == [
        f"{result.name}:line 7: no name or profile URL (the member does not share it)"]


def test_linkedin_older_connections_without_url_column() -> None:
    item = fixture(f"{LI_OLD}/Connections.csv")
    assert b"\r\n" in item.read_bytes()
    result = read(LI, item)
    assert rows(result, "display_name", "email", "profile_url", "connected_at") == [
        ("mutual", "Hana Example", "hana.example@example.com", "", "2019-03-05"),
        ("mutual", "Ivan Sample", "", "", "2018-12-28"),
    ]
    assert result.connections[0].source == f"{result.name}:line 2"


def test_linkedin_invitations_take_the_other_person() -> None:
    result = read(LI, fixture(f"{LI_NOW}/Invitations.csv"))
    assert rows(result, "display_name", "profile_url", "connected_at") == [
        ("request_in", "Ana Example", "https://www.linkedin.com/in/ana-example-1a2b3c",
         "2026-03-05T09:15:00"),
        ("request_out", "Eli Testperson", "https://www.linkedin.com/in/eli-testperson",
         "2025-12-01T12:05:00"),
        ("request_in", "Fatima Example", "https://www.linkedin.com/in/fatima-example-77",
         "2026-01-29T14:37:00"),
        ("request_out", "Gus Sample", "https://www.linkedin.com/in/gus-sample",
         "2026-02-02T00:30:00"),
    ]
    assert all("therapist" not in c.display_name.lower() + c.profile_url
               for c in result.connections)
    # the message with a line break keeps the next record's line number right
    assert [c.source.rsplit(":", 1)[1] for c in result.connections] == [
        "line 2", "line 3", "line 4", "line 6"]


def test_linkedin_older_invitations_five_columns() -> None:
    result = read(LI, fixture(f"{LI_OLD}/Invitations.csv"))
    assert rows(result, "display_name", "profile_url", "connected_at") == [
        ("request_in", "Jon Placeholder", "", "2019-06-01T08:00:00"),
        ("request_out", "Kim Example", "", "2019-05-30T16:45:00"),
    ]


def test_linkedin_invitation_rows_without_direction_or_person(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "Invitations.csv", (
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        'Ana Example,Therapist Owner,"3/5/26, 9:15 AM",,SIDEWAYS,,\n'
        'Ana Example,Therapist Owner,"3/5/26, 9:15 AM",,,,\n'
        'Therapist Owner,,"3/5/26, 9:15 AM",,OUTGOING,https://www.linkedin.com/in/owner,\n'
        'Ben Sample,Therapist Owner,"soon",,incoming,,\n'))
    result = read(LI, item)
    assert rows(result, "display_name", "connected_at") == [("request_in", "Ben Sample", "")]
    assert result.skipped == [
        f"{item.name}:line 2: direction is 'SIDEWAYS', not INCOMING or OUTGOING",
        f"{item.name}:line 3: direction is empty, not INCOMING or OUTGOING",
        f"{item.name}:line 4: no name or profile URL",
    ]


def test_linkedin_resaved_with_bom_crlf_and_longer_preamble(tmp_path: Path) -> None:
    text = ("Notes:\r\n\"First note, with a comma.\"\r\n\"Second note.\"\r\n\r\n\r\n"
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On,Extra\r\n"
            "Ana,Example,https://www.linkedin.com/in/ana-example-1a2b3c,,,,5 Mar 2024,x\r\n")
    item = synthetic(tmp_path, "Connections.csv", codecs.BOM_UTF8 + text.encode())
    assert LI.detect(item, item.read_bytes())
    result = read(LI, item)
    assert rows(result, "display_name", "connected_at") == [("mutual", "Ana Example", "2024-03-05")]
    assert result.connections[0].source.endswith(":line 7")


def test_linkedin_header_only_is_an_empty_list(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "Connections.csv",
                     "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n")
    result = read(LI, item)
    assert result.connections == [] and result.skipped == []


@pytest.mark.parametrize("cut, line, why", [
    ("Ana,Example,https://www.linkedin.com/in/ana", 5, "last row has 3 of 7 columns"),
    ('Ben,"Sample, J', 5, "ends inside a quoted field"),
])
def test_linkedin_truncated_file_names_the_line(tmp_path: Path, cut: str, line: int,
                                                why: str) -> None:
    head = (FIXTURES / LI_NOW / "Connections.csv").read_text().split("\n")[:4]
    item = synthetic(tmp_path, "Connections.csv", "\n".join(head + [cut]))
    err = error(LI, item)
    assert err.line == line and why in err.message


def test_linkedin_not_utf8_names_the_line(tmp_path: Path) -> None:
    text = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            "Chlo\xe9,Exemple,,,,,05 Mar 2024\n").encode("latin-1")
    err = error(LI, synthetic(tmp_path, "Connections.csv", text))
    assert err.line == 2 and "not UTF-8" in err.message


# --- TikTok --------------------------------------------------------------------

def test_tiktok_json_old_layout_activity_lists() -> None:
    result = read(TT, fixture(TT_OLD))
    assert rows(result, "username", "connected_at") == [
        ("follower", "ana.example", "2022-03-30T18:22:01Z"),
        ("follower", "chloe_sample", "2022-02-11T07:05:44Z"),
        ("following", "ben.sample", "2021-12-24T21:00:00Z"),
    ]
    assert result.connections[0].source == f"{result.name}#Activity/Follower List/FansList[0]"
    assert result.connections[2].source == f"{result.name}#Activity/Following List/Following[0]"
    assert all(c.display_name == c.profile_url == c.external_id == "" for c in result.connections)
    assert result.skipped == []


def test_tiktok_json_your_activity_layout_with_block_list() -> None:
    result = read(TT, fixture(TT_NEW))
    assert rows(result, "username") == [
        ("follower", "ana.example"), ("follower", "dana.sample"),
        ("following", "ben.sample"), ("following", "eli.testperson")]
    assert result.connections[3].source == f"{result.name}#Your Activity/Following/Following[1]"
    assert result.skipped == [
        (f"{result.name}#App Settings/Block List/BlockList: blocked accounts are not "
         "relationships the audit covers (1 entries not read)"),
        f"{result.name}#Your Activity/Follower/FansList[2]: no username (deleted account?)",
    ]


def test_tiktok_json_profile_and_settings_layout() -> None:
    result = read(TT, fixture(TT_2025))
    assert rows(result, "username", "connected_at") == [
        ("follower", "fatima.example", "2025-09-09T09:09:09Z"),
        ("following", "gus.sample", "2025-10-10T10:10:10Z"),
        ("following", "hana.example", "2025-10-11T10:10:10Z"),
    ]
    assert result.connections[0].source.endswith("#Profile And Settings/Follower/FansList[0]")
    assert len(result.skipped) == 1 and "(0 entries not read)" in result.skipped[0]


def test_tiktok_txt_lists() -> None:
    followers = read(TT, fixture(f"{TT_TXT}/Follower.txt"))
    assert rows(followers, "username", "connected_at") == [
        ("follower", "ana.example", "2024-05-01T10:00:00Z"),
        ("follower", "dana.sample", "2024-04-01T09:00:00Z")]
    assert [c.source for c in followers.connections] == [
        f"{followers.name}:line 1", f"{followers.name}:line 4"]
    following = read(TT, fixture(f"{TT_TXT}/Following.txt"))
    assert rows(following, "username") == [("following", "ben.sample"),
                                           ("following", "eli.testperson")]


def test_tiktok_txt_odd_records(tmp_path: Path) -> None:
    text = ("\ufeffDate: 2024-05-01 10:00:00\r\nUsername: @ana.example\r\n\r\n"
            "Date: 2024-04-01 09:00:00\r\nUser Name: ben.sample\r\n"       # no blank line
            "Date: 2024-03-01 09:00:00\r\nUsername:\r\n\r\n"
            "Date: not a date\r\nUsername: dana.sample\r\n")
    item = synthetic(tmp_path, "Activity/Following.txt", text.encode())
    result = read(TT, item)
    assert rows(result, "username", "connected_at") == [
        ("following", "ana.example", "2024-05-01T10:00:00Z"),
        ("following", "ben.sample", "2024-04-01T09:00:00Z"),
        ("following", "dana.sample", "")]
    assert result.skipped == [f"{item.name}:line 6: no username (deleted account?)"]


def test_tiktok_txt_cut_mid_line_names_the_line(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "Your Activity/Follower.txt",
                     "Date: 2024-05-01 10:00:00\nUsername: ana.example\n\nDate: 2024-04-01 09:00:00\nUsern")
    err = error(TT, item)
    assert err.line == 5 and "cut short" in err.message


def test_tiktok_truncated_json_names_the_line(tmp_path: Path) -> None:
    text = (FIXTURES / TT_NEW).read_text()
    item = synthetic(tmp_path, "user_data_tiktok.json", text[: text.index("dana.sample")])
    assert TT.detect(item, item.read_bytes()[:4096])
    err = error(TT, item)
    assert err.line == text[: text.index("dana.sample")].count("\n") + 1
    assert "ends early" in err.message


def test_tiktok_export_without_lists_is_empty(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "user_data_tiktok.json",
                     json.dumps({"Your Activity": {"Follower": {"FansList": None}},
                                 "Profile And Settings": {"Profile Info": {}}}))
    result = read(TT, item)
    assert result.connections == [] and result.skipped == []


@pytest.mark.parametrize("body, why", [
    ('{"Your Activity": {"Follower": {"FansList": "ana.example"}}}',
     '"FansList" should be a list of accounts, not a string'),
    ('{"Profile": {"ProfileMap": {}}}', 'no "FansList" or "Following" list in it'),
    ("[1, 2]", "expected a JSON object, found a list"),
])
def test_tiktok_wrong_json(tmp_path: Path, body: str, why: str) -> None:
    err = error(TT, synthetic(tmp_path, "user_data.json", body))
    assert why in err.message


def test_tiktok_non_entries_are_skipped(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "user_data.json", json.dumps(
        {"Activity": {"Following List": {"Following": ["ana.example", {"username": "ben"}]}}}))
    result = read(TT, item)
    assert rows(result, "username") == [("following", "ben")]
    assert result.skipped == [
        f"{item.name}#Activity/Following List/Following[0]: not an account entry (a string)"]


# --- Mastodon ------------------------------------------------------------------

def test_mastodon_following_accounts() -> None:
    result = read(MA, fixture("mastodon/following_accounts.csv"))
    assert rows(result, "username", "profile_url") == [
        ("following", "ana@social.example", "https://social.example/@ana"),
        ("following", "ben@other.example", "https://other.example/@ben"),
        ("following", "therapist_owner_friend@mastodon.example",
         "https://mastodon.example/@therapist_owner_friend"),
    ]
    assert result.connections[1].source == f"{result.name}:line 3"
    assert all(c.display_name == c.external_id == "" for c in result.connections)


def test_mastodon_older_following_with_fewer_columns() -> None:
    result = read(MA, fixture("mastodon/v3.5/following_accounts.csv"))
    assert rows(result, "username") == [("following", "chloe@social.example")]


@pytest.mark.parametrize("rel, what, count", [
    ("mastodon/muted_accounts.csv", "muted accounts", 2),
    ("mastodon/blocked_accounts.csv", "blocked accounts", 2),
])
def test_mastodon_blocks_and_mutes_are_skipped(rel: str, what: str, count: int) -> None:
    result = read(MA, fixture(rel))
    assert result.connections == []
    assert result.skipped == [(f"{result.name}: {what} are not relationships the audit covers "
                               f"({count} entries not read)")]


def test_mastodon_headerless_files_by_name(tmp_path: Path) -> None:
    follows = read(MA, synthetic(tmp_path, "following_accounts.csv",
                                 "ana@social.example\n@ben@Other.Example\n"))
    assert rows(follows, "username", "profile_url") == [
        ("following", "ana@social.example", "https://social.example/@ana"),
        ("following", "ben@other.example", "https://other.example/@ben")]
    followers = read(MA, synthetic(tmp_path, "follower_accounts.csv", "eli@social.example\n"))
    assert rows(followers, "username") == [("follower", "eli@social.example")]


def test_mastodon_bad_addresses_are_skipped(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "export/following_accounts.csv",
                     "Account address,Show boosts,Notify on new posts,Languages\n"
                     "ana,true,false,\nhttps://social.example/@ben,true,false,\n"
                     "chloe@social.example,true,false,\n")
    result = read(MA, item)
    assert rows(result, "username") == [("following", "chloe@social.example")]
    assert result.skipped == [
        f"{item.name}:line 2: 'ana' is not an account address (user@domain)",
        (f"{item.name}:line 3: 'https://social.example/@ben' is not an account address "
         "(user@domain)")]


@pytest.mark.parametrize("cut, why", [
    ('ben@other.example,true,true,"en, d', "ends inside a quoted field"),
    ("ben@other.example,tr", "last row has 2 of 4 columns"),
])
def test_mastodon_truncated_file_names_the_line(tmp_path: Path, cut: str, why: str) -> None:
    text = ("Account address,Show boosts,Notify on new posts,Languages\n"
            f"ana@social.example,true,false,\n{cut}")
    err = error(MA, synthetic(tmp_path, "following_accounts.csv", text))
    assert err.line == 3 and why in err.message


def test_mastodon_unknown_headerless_csv_is_not_ours(tmp_path: Path) -> None:
    err = error(MA, synthetic(tmp_path, "contacts.csv", "ana@social.example\n"))
    assert err.message.startswith("not a Mastodon export (expected")


# --- Bluesky -------------------------------------------------------------------

def test_bluesky_get_followers_answer() -> None:
    result = read(BS, fixture("bluesky/getFollowers.json"))
    assert rows(result, "username", "external_id", "display_name", "profile_url") == [
        ("follower", "ana.example.social", "did:plc:ana00000000000000000000", "Ana Example",
         "https://bsky.app/profile/ana.example.social"),
        ("follower", "chloe.example.org", "did:web:chloe.example.org", "Chloé Sample",
         "https://bsky.app/profile/chloe.example.org"),
        ("follower", "", "did:plc:broken000000000000000000", "",     # handle.invalid
         "https://bsky.app/profile/did:plc:broken000000000000000000"),
    ]
    assert result.connections[0].source == f"{result.name}#followers[0]"
    assert all(c.connected_at == "" for c in result.connections)   # createdAt is the account's
    assert all("owner" not in c.username for c in result.connections)


def test_bluesky_get_follows_compact_answer() -> None:
    result = read(BS, fixture("bluesky/getFollows.json"))
    assert rows(result, "username", "external_id", "display_name") == [
        ("following", "ben.sample.bsky.social", "did:plc:ben00000000000000000000", "Ben Sample")]
    assert result.connections[0].source.endswith("#follows[0]")


@pytest.mark.parametrize("name, relation", [
    ("followers-actors.json", "follower"),
    ("my_follows.json", "following"),
    ("following.json", "following"),
    ("actors.json", "unknown"),
])
def test_bluesky_bare_actor_list_relation_from_name(tmp_path: Path, name: str,
                                                    relation: str) -> None:
    body = (FIXTURES / "bluesky/followers-actors.json").read_bytes()
    result = read(BS, synthetic(tmp_path, name, body))
    assert rows(result, "username") == [(relation, "ana.example.social"),
                                        (relation, "chloe.example.org")]
    assert result.connections[1].source == f"{result.name}#[1]"


def test_bluesky_list_of_saved_pages(tmp_path: Path) -> None:
    page = json.loads((FIXTURES / "bluesky/getFollowers.json").read_text())
    follows = json.loads((FIXTURES / "bluesky/getFollows.json").read_text())
    item = synthetic(tmp_path, "pages.json", json.dumps([page, follows, "oops"]))
    result = read(BS, item)
    assert [c.relation for c in result.connections] == ["follower"] * 3 + ["following"]
    assert result.connections[3].source == f"{item.name}#[1].follows[0]"
    assert result.skipped == [f"{item.name}#[2]: not a saved API page"]


def test_bluesky_unusable_actors_are_skipped(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "followers.json", json.dumps({"followers": [
        {"displayName": "No Identity"}, 7, {"did": "not-a-did", "handle": "@Ana.Example.Social"},
        {"did": "did:plc:x", "handle": "handle.invalid"}]}))
    result = read(BS, item)
    assert rows(result, "username", "external_id") == [
        ("follower", "ana.example.social", ""), ("follower", "", "did:plc:x")]
    assert result.skipped == [f"{item.name}#followers[0]: no did or handle",
                              f"{item.name}#followers[1]: not an account entry (a number)"]


@pytest.mark.parametrize("body, why", [
    ('{"followers": {"did": "did:plc:x"}}', '"followers" should be a list of accounts, not an object'),
    ('{"subject": {"did": "did:plc:x"}}', "top-level keys: subject"),
    ('[{"name": "Ana Example"}]', 'its entries have no "did" or "handle"'),
    ("42", "expected a JSON object or list"),
])
def test_bluesky_wrong_json(tmp_path: Path, body: str, why: str) -> None:
    err = error(BS, synthetic(tmp_path, "followers.json", body))
    assert err.message.startswith("not a Bluesky") or "should be a list" in err.message
    assert why in err.message


def test_bluesky_truncated_json_names_the_line(tmp_path: Path) -> None:
    text = (FIXTURES / "bluesky/getFollowers.json").read_text()
    cut = text[: text.index("Chloé")]
    err = error(BS, synthetic(tmp_path, "getFollowers.json", cut))
    assert err.line == cut.count("\n") + 1 and "ends early" in err.message


# --- every connector refuses the others' files --------------------------------

FOREIGN = {
    "x": (FIXTURES / X_2024 / "follower.js", "an X (Twitter) archive file"),
    "linkedin": (FIXTURES / LI_NOW / "Connections.csv", "a LinkedIn Connections.csv"),
    "tiktok": (FIXTURES / TT_NEW, "a TikTok data export"),
    "mastodon": (FIXTURES / "mastodon/following_accounts.csv", "a Mastodon account list"),
    "bluesky": (FIXTURES / "bluesky/getFollowers.json", "a Bluesky follower/follows list"),
    "facebook": (META_FIXTURES / "fb_2022/facebook-anaexample-2024-03-01-AbCdEf/connections"
                 "/friends/your_friends.json", "a Facebook export"),
    "instagram": (META_FIXTURES / "ig_2023/meta-2026-Jan-10-0a1b2c/instagram-ana.example-2026-"
                  "01-09-Hh77Jj/connections/followers_and_following/followers_1.json",
                  "an Instagram export"),
}
NOT_OURS = {
    "x": "not an X archive follower/following file",
    "linkedin": "not a LinkedIn Connections.csv or Invitations.csv",
    "tiktok": "not a TikTok export",
    "mastodon": "not a Mastodon export",
    "bluesky": "not a Bluesky follower/follows list",
}


@pytest.mark.parametrize("mine, theirs", [
    (m, t) for m in MINE for t in FOREIGN if m != t])
def test_foreign_file_is_refused_with_what_it_looks_like(mine: str, theirs: str) -> None:
    path, label = FOREIGN[theirs]
    item = item_for(path, path.parent)
    assert not MINE[mine].detect(item, path.read_bytes()[:4096])
    err = error(MINE[mine], item)
    assert err.message == f"{NOT_OURS[mine]} (this looks like {label})"


@pytest.mark.parametrize("mine", list(MINE))
def test_unrecognisable_file_is_refused(tmp_path: Path, mine: str) -> None:
    item = synthetic(tmp_path, "notes.txt", "Dear diary,\nnothing to see here.\n")
    err = error(MINE[mine], item)
    assert err.message.startswith(NOT_OURS[mine])


@pytest.mark.parametrize("mine", list(MINE))
@pytest.mark.parametrize("content, why", [
    (b"", "empty"), (b"  \n\n", "empty"), (b"\xff\xfe\x00\xd8", "UTF-16"),
    (b"\x80abc", "not UTF-8"),
])
def test_empty_or_undecodable_file(tmp_path: Path, mine: str, content: bytes, why: str) -> None:
    assert why in error(MINE[mine], synthetic(tmp_path, "follower.js", content)).message


# --- detect() ------------------------------------------------------------------

def _social_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file() and "broken" not in p.parts)


def _owner(path: Path) -> str | None:
    """Which connector should claim a fixture; X's account/manifest files are nobody's."""
    if path.name in {"account.js", "manifest.js"}:
        return None
    return path.relative_to(FIXTURES).parts[0]


@pytest.mark.parametrize("path", _social_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_detect_every_fixture_by_exactly_its_connector(path: Path) -> None:
    item = item_for(path)
    head = path.read_bytes()[:4096]
    claimed = {name for name, connector in MINE.items() if connector.detect(item, head)}
    owner = _owner(path)
    assert claimed == ({owner} if owner else set())


@pytest.mark.parametrize("path", sorted(META_FIXTURES.rglob("*.json")),
                         ids=lambda p: str(p.relative_to(META_FIXTURES)))
def test_no_meta_fixture_is_claimed(path: Path) -> None:
    item = item_for(path, META_FIXTURES)
    assert not any(c.detect(item, path.read_bytes()[:4096]) for c in MINE.values())


JS = b"window.YTD.follower.part0 = [\n  {\n    \"follower\" : {\n"
LI_HEAD = b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
TT_HEAD = b'{\n  "Activity": {\n    "Follower List": {\n      "FansList": [\n'


@pytest.mark.parametrize("relpath, head, owner", [
    ("data/follower.js", JS, "x"),
    ("data/following-part12.js", JS.replace(b"follower", b"following"), "x"),
    ("Follower.js", b"\xef\xbb\xbfwindow.YTD.follower.part0=[]", "x"),
    ("data/follower.js", b"window.YTD.follower.part0 = {", None),
    ("data/tweets.js", JS, None),
    ("__MACOSX/data/._follower.js", JS, None),
    ("data/follower.json", JS, None),
    ("Connections.csv", b"Notes:\n\"A note.\"\n\n" + LI_HEAD, "linkedin"),
    ("renamed.csv", LI_HEAD, "linkedin"),
    ("Connections.csv", codecs.BOM_UTF16_LE + LI_HEAD.decode().encode("utf-16-le"), "linkedin"),
    ("Invitations.csv", b"From,To,Sent At,Message,Direction\n", "linkedin"),
    ("Connections.csv", b"Name,URL\n", None),
    ("Connections.csv", b"Notes:\n" + b"x\n" * 12 + LI_HEAD, None),
    ("user_data.json", b'{\n  "Activity": {\n    "Favorite Effects": {', "tiktok"),
    ("TikTok_Data/user_data_tiktok.json", b'{"Ads and data": {', "tiktok"),
    ("export.json", TT_HEAD, "tiktok"),
    ("user_data.json", b"[]", None),
    ("Following.txt", b"Date: 2024-06-02 08:30:00\nUsername: ben.sample\n", "tiktok"),
    ("Follower List.txt", b"\r\nDate: 2024-06-02 08:30:00\r\n", "tiktok"),
    ("notes.txt", b"Date: 2024-06-02 08:30:00\nUsername: ben.sample\n", None),
    ("Follower.txt", b"Followers of my page\n", None),
    ("following_accounts.csv", b"Account address,Show boosts\n", "mastodon"),
    ("anything.csv", b"Account address,Hide notifications\n", "mastodon"),
    ("blocked_accounts.csv", b"spam@bad.example\n", "mastodon"),
    ("blocked_accounts.csv", b"not an address\n", None),
    ("lists.csv", b"Friends,ana@social.example\n", None),
    ("blocked_domains.csv", b"bad.example\n", None),
    ("followers.json", b'{"followers": [{"did": "did:plc:a", "handle": "a.b"', "bluesky"),
    ("x.json", b'[{"did": "did:plc:a", "handle": "a.b"}]', "bluesky"),
    ("x.json", b'[{"did": "plc:a", "handle": "a.b"}]', None),
    ("x.txt", b'[{"did": "did:plc:a", "handle": "a.b"}]', None),
    ("x.json", b'{"subject": {"did": "did:plc:a", "handle": "a.b"}}', None),
    ("x.json", b"", None),
    ("x.json", b"\x00\xff\xfe\x01", None),
])
def test_detect_matrix(relpath: str, head: bytes, owner: str | None) -> None:
    item = InputFile(name=relpath, relpath=relpath, read_bytes=lambda: head)
    claimed = {name for name, connector in MINE.items() if connector.detect(item, head)}
    assert claimed == ({owner} if owner else set())


# --- dates ---------------------------------------------------------------------

@pytest.mark.parametrize("text, iso", [
    ("05 Mar 2024", "2024-03-05"), ("5 Mar 2024", "2024-03-05"), ("05-Mar-19", "2019-03-05"),
    ("28-Dec-99", "1999-12-28"), ("17 Sept 2021", "2021-09-17"), ("29 Feb 2024", "2024-02-29"),
    ("29 Feb 2023", ""), ("05 Mär 2024", ""), ("2024-03-05", ""), ("", ""),
])
def test_day_month_year(text: str, iso: str) -> None:
    assert dates.day_month_year(text) == iso


@pytest.mark.parametrize("text, iso", [
    ("1/29/26, 2:37 PM", "2026-01-29T14:37:00"), ("12/1/25, 12:05 PM", "2025-12-01T12:05:00"),
    ("2/2/26, 12:30 AM", "2026-02-02T00:30:00"), ("6/1/2019, 8:00 am", "2019-06-01T08:00:00"),
    ("6/1/19 17:45", "2019-06-01T17:45:00"), ("13/1/26, 2:37 PM", ""), ("1/1/26, 13:00 PM", ""),
    ("yesterday", ""),
])
def test_us_datetime(text: str, iso: str) -> None:
    assert dates.us_datetime(text) == iso


@pytest.mark.parametrize("text, iso", [
    ("2024-05-01 10:00:00", "2024-05-01T10:00:00Z"), ("2024-05-01T10:00", "2024-05-01T10:00:00Z"),
    ("2024-05-01 10:00:00 UTC", "2024-05-01T10:00:00Z"), ("2024-13-01 10:00:00", ""),
    ("2024-05-01", ""), ("٢٠٢٤-05-01 10:00:00", ""),
])
def test_utc_datetime(text: str, iso: str) -> None:
    assert dates.utc_datetime(text) == iso
