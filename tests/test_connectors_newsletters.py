"""Mailchimp, Substack and Kit subscriber CSVs.

Fixtures under fixtures/newsletters/ are synthetic (made-up people, example.org)
but follow the real file names, headers, quoting (Mailchimp's TAGS), BOM and CRLF
line ends. joined_via is checked row by row against what the format notes allow:
"self" only with a sign-up signal, "unknown" wherever the file cannot tell.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from connectors import newsletter_csv as nl
from connectors.generic import GenericCsvConnector
from connectors.interface import (
    JOINED_VIA,
    PLATFORMS,
    Connection,
    ConnectorError,
    FileResult,
    InputFile,
)
from connectors.kit import KitCsvConnector
from connectors.mailchimp import MailchimpCsvConnector, joined_via
from connectors.registry import Registry
from connectors.substack import SubstackCsvConnector

FIXTURES = Path(__file__).parent / "fixtures" / "newsletters"
MC, SS, KIT = MailchimpCsvConnector(), SubstackCsvConnector(), KitCsvConnector()
OURS = (MC, SS, KIT)

MC_CUR = "mailchimp/audience_export_3f9a1c2b7d"
MC_OLD = "mailchimp/members_export_a1b2c3d4e5"
MC_SUBSCRIBED = f"{MC_CUR}/subscribed_email_audience_export_3f9a1c2b7d.csv"
MC_BROKEN = "mailchimp/broken/subscribed_email_audience_export_deadbeef00.csv"
SS_LIST = "substack/substack-export-anaexample/email_list.anaexample.csv"
SS_POSTS = "substack/substack-export-anaexample/posts.csv"
SS_RESAVED = "substack/resaved/email_list.notes-from-ana.csv"
SS_DASH = "substack/dashboard/anaexample_subscribers_2026-01-10.csv"
SS_DASH_2024 = "substack/dashboard_2024/subscribers.csv"
KIT_SNAKE = "kit/subscribers_export_2026-01-10.csv"
KIT_TITLE = "kit/convertkit-subscribers-export.csv"

MC_HEADER = ('"Email Address","First Name","Last Name",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,'
             "CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,"
             "LAST_CHANGED,LEID,EUID,NOTES,TAGS")


def item_for(path: Path, root: Path = FIXTURES) -> InputFile:
    return InputFile(name=str(path), relpath=path.relative_to(root).as_posix(),
                     read_bytes=path.read_bytes)


def fixture(rel: str) -> InputFile:
    return item_for(FIXTURES / rel)


def synthetic(tmp_path: Path, rel: str, content: str | bytes) -> InputFile:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return item_for(path, tmp_path)


def head(item: InputFile) -> bytes:
    return item.read_bytes()[:4096]


def read(connector, rel: str) -> FileResult:
    item = fixture(rel)
    assert connector.detect(item, head(item))
    result = connector.read(item)
    _check_wellformed(result, connector.platform)
    return result


def _check_wellformed(result: FileResult, platform: str) -> None:
    assert result.platform == platform and platform in PLATFORMS
    for conn in result.connections:
        assert isinstance(conn, Connection)
        assert conn.platform == platform and conn.relation == "subscriber"
        assert conn.joined_via in JOINED_VIA and conn.has_identity()
        assert conn.source.startswith(result.name + ":line ")
        assert dict(conn.extras)["joined_via_basis"]
    for line in result.skipped:
        assert line.startswith(result.name + ":line ")


def by_email(result: FileResult) -> dict[str, Connection]:
    return {c.email: c for c in result.connections}


def joined(result: FileResult) -> dict[str, str]:
    return {c.email: c.joined_via for c in result.connections}


def extra(conn: Connection, key: str) -> str:
    return dict(conn.extras).get(key, "")


# --- Mailchimp -----------------------------------------------------------------

def test_mailchimp_subscribed_current_export_bom_crlf() -> None:
    result = read(MC, MC_SUBSCRIBED)
    rows = by_email(result)
    assert list(rows) == ["ana.example@example.org", "ben.sample@example.org",
                          "chloe.placeholder@example.org", "dev.testperson@example.org",
                          "eli.sample@example.org", "gus.example@example.org"]
    ana, chloe, gus = rows["ana.example@example.org"], rows["chloe.placeholder@example.org"], \
        rows["gus.example@example.org"]
    assert ana.display_name == "Ana Example" and ana.source.endswith(":line 2")
    assert ana.connected_at == "2024-02-01T09:10:11Z" and ana.id == "111111111"
    assert chloe.display_name == "Chloé Placeholder" and chloe.phone == "+1 555 0100"
    assert gus.display_name == "Gus Example, Jr."
    assert {extra(c, "status") for c in result.connections} == {"subscribed"}


def test_mailchimp_joined_via_per_row_follows_the_optin_confirm_heuristic() -> None:
    result = read(MC, MC_SUBSCRIBED)
    assert joined(result) == {
        "ana.example@example.org": "self",             # OPTIN_IP + CONFIRM_IP: a form sign-up
        "ben.sample@example.org": "imported",          # the owner's "Imported" tag
        "chloe.placeholder@example.org": "imported",   # no OPTIN_IP, no CONFIRM_IP
        "dev.testperson@example.org": "unknown",       # only CONFIRM_IP: API add or sign-up
        "eli.sample@example.org": "unknown",           # OPTIN_IP, but a note says imported
        "gus.example@example.org": "self",             # OPTIN_IP (single opt-in)
    }
    rows = by_email(result)
    assert "heuristic" in extra(rows["ana.example@example.org"], "joined_via_basis")
    assert "heuristic" in extra(rows["chloe.placeholder@example.org"], "joined_via_basis")
    assert "conflicting" in extra(rows["eli.sample@example.org"], "joined_via_basis")


def test_mailchimp_tags_with_quoted_commas() -> None:
    rows = by_email(read(MC, MC_SUBSCRIBED))
    assert extra(rows["chloe.placeholder@example.org"], "tags") == "Clients, 2023; Newsletter"
    assert extra(rows["ben.sample@example.org"], "tags") == "Imported"
    assert extra(rows["ana.example@example.org"], "tags") == ""


def test_mailchimp_rows_without_an_email_are_skipped_with_their_line() -> None:
    result = read(MC, MC_SUBSCRIBED)
    assert result.skipped == [
        f"{result.name}:line 6: no e-mail address",
        f"{result.name}:line 9: the e-mail column holds no e-mail address",
    ]


@pytest.mark.parametrize("rel, status, expected", [
    (f"{MC_CUR}/unsubscribed_email_audience_export_3f9a1c2b7d.csv", "unsubscribed",
     {"ivy.example@example.org": "self", "jon.sample@example.org": "imported"}),
    (f"{MC_CUR}/cleaned_email_audience_export_3f9a1c2b7d.csv", "cleaned",
     {"kim.placeholder@example.org": "imported"}),
    (f"{MC_CUR}/nonsubscribed_email_audience_export_3f9a1c2b7d.csv", "nonsubscribed",
     {"lea.example@example.org": "imported"}),
    (f"{MC_OLD}/subscribed_members_export_a1b2c3d4e5.csv", "subscribed",
     {"oli.example@example.org": "self", "pat.sample@example.org": "imported"}),
    (f"{MC_OLD}/unsubscribed_members_export_a1b2c3d4e5.csv", "unsubscribed",
     {"quinn.example@example.org": "imported"}),
])
def test_mailchimp_every_status_file_is_read_with_its_status(rel, status, expected) -> None:
    result = read(MC, rel)
    assert joined(result) == expected
    assert {extra(c, "status") for c in result.connections} == {status}
    assert not result.skipped


def test_mailchimp_unsubscribed_and_cleaned_times_go_to_extras() -> None:
    ivy = by_email(read(MC, f"{MC_CUR}/unsubscribed_email_audience_export_3f9a1c2b7d.csv"))[
        "ivy.example@example.org"]
    assert extra(ivy, "unsubscribed_at") == "2025-01-05T18:00:00Z"
    assert ivy.connected_at == "2023-01-10T10:00:00Z"
    kim = read(MC, f"{MC_CUR}/cleaned_email_audience_export_3f9a1c2b7d.csv").connections[0]
    assert extra(kim, "cleaned_at") == "2024-09-09T09:09:09Z"
    assert kim.connected_at == "2022-06-01T12:00:00Z"   # CONFIRM_TIME when there is no OPTIN_TIME


def test_mailchimp_older_export_with_email_label_and_single_name_field() -> None:
    oli = read(MC, f"{MC_OLD}/subscribed_members_export_a1b2c3d4e5.csv").connections[0]
    assert oli.email == "oli.example@example.org" and oli.display_name == "Oli Example"
    quinn = read(MC, f"{MC_OLD}/unsubscribed_members_export_a1b2c3d4e5.csv").connections[0]
    assert quinn.display_name == "Quinn Example"
    assert extra(quinn, "unsubscribed_at") == "2016-01-01T01:00:00Z"


def test_mailchimp_header_only_file_is_empty_not_an_error() -> None:
    result = read(MC, f"{MC_OLD}/cleaned_members_export_a1b2c3d4e5.csv")
    assert result.connections == [] and result.skipped == []


def test_mailchimp_sms_only_rows_keep_a_phone_without_email() -> None:
    result = read(MC, f"{MC_CUR}/sms_only_audience_export_3f9a1c2b7d.csv")
    (conn,) = result.connections
    assert conn.email == "" and conn.phone == "+1 555 0111" and conn.display_name == "Max Sample"
    assert extra(conn, "status") == "sms_only"
    assert result.skipped == [f"{result.name}:line 3: no e-mail address"]


@pytest.mark.parametrize("optin_ip, confirm_ip, has_columns, tags, notes, expected", [
    ("203.0.113.7", "203.0.113.7", True, [], "", "self"),
    ("203.0.113.7", "", True, [], "", "self"),
    ("", "", True, [], "", "imported"),
    ("", "198.51.100.4", True, [], "", "unknown"),
    ("", "198.51.100.4", True, ["Imported 2024"], "", "imported"),
    ("", "", False, [], "", "unknown"),            # no IP columns: the file cannot tell
    ("203.0.113.7", "", True, ["Imported"], "", "unknown"),
    ("", "", True, ["Website"], "signed up at a talk", "imported"),
])
def test_mailchimp_joined_via_rule(optin_ip, confirm_ip, has_columns, tags, notes,
                                   expected) -> None:
    assert joined_via(optin_ip, confirm_ip, has_columns, tags, notes)[0] == expected


def test_mailchimp_never_says_self_without_an_optin_ip(tmp_path: Path) -> None:
    text = ('"Email Address","First Name",MEMBER_RATING,OPTIN_TIME,CONFIRM_TIME,LAST_CHANGED,LEID\n'
            'ana.example@example.org,Ana,2,"2024-02-01 09:10:11","2024-02-01 09:12:40",'
            '"2024-02-01 09:12:40",111\n')
    item = synthetic(tmp_path, "subscribed_email_audience_export_1a2b.csv", text)
    conn = MC.read(item).connections[0]
    assert conn.joined_via == "unknown"
    assert "no OPTIN_IP/CONFIRM_IP columns" in extra(conn, "joined_via_basis")


def test_mailchimp_renamed_file_is_found_by_header_and_status_is_unknown(tmp_path: Path) -> None:
    text = MC_HEADER.replace('"Email Address"', '"E-Mail-Adresse"') + "\n" + \
        'ana.example@example.org,Ana,Example,2,,,"2024-01-01 00:00:00",,,,,,,,,,1,e,,\n'
    item = synthetic(tmp_path, "my audience.csv", text)
    assert MC.detect(item, head(item)) and not SS.detect(item, head(item))
    conn = MC.read(item).connections[0]
    assert conn.email == "ana.example@example.org"       # the first column, whatever its label
    assert extra(conn, "status") == "unknown"
    unsub = synthetic(tmp_path, "old.csv", MC_HEADER + ",UNSUB_TIME\n"
                      + 'ben.sample@example.org,Ben,,2,,,,,,,,,,,,,2,f,,,"2025-01-01 00:00:00"\n')
    assert extra(MC.read(unsub).connections[0], "status") == "unsubscribed"


# --- broken and foreign files ---------------------------------------------------

def test_truncated_mailchimp_file_names_the_line() -> None:
    with pytest.raises(ConnectorError) as err:
        MC.read(fixture(MC_BROKEN))
    assert err.value.line == 3 and "cut short" in err.value.message
    assert err.value.source.endswith("subscribed_email_audience_export_deadbeef00.csv")


def test_unclosed_quote_at_the_end_names_the_line(tmp_path: Path) -> None:
    text = (MC_HEADER + "\r\n"
            + 'ana.example@example.org,Ana,Example,2,,,"2024-01-01 00:00:00",,,,,,,,,,1,e,,\r\n'
            + 'ben.sample@example.org,Ben,Sample,2,,,"2024-01-0')
    with pytest.raises(ConnectorError) as err:
        MC.read(synthetic(tmp_path, "subscribed_email_audience_export_ab12.csv", text))
    assert err.value.line == 3 and "never closed" in err.value.message


@pytest.mark.parametrize("connector, name, body, line", [
    (SS, "email_list.pub.csv",
     (b"email,active_subscription,expiry,plan,email_disabled,created_at,first_payment_at\n"
      b"ana@example.org,false,,,false,2024-01-15T10:00:00.000Z,\nben@example.org,tr\xff\xfeue\n"), 3),
    (KIT, "kit-export.csv",
     b"email_address,first_name,state\nana@example.org,Ana,active,extra\n", 2),
    (MC, "cleaned_members_export_ab.csv",
     MC_HEADER.encode() + b"\nana@example.org,Ana,Example,2\n", 2),
])
def test_garbled_file_is_an_error_naming_the_line(tmp_path: Path, connector, name, body,
                                                  line) -> None:
    with pytest.raises(ConnectorError) as err:
        connector.read(synthetic(tmp_path, name, body))
    assert err.value.line == line
    assert str(err.value).startswith(f"{tmp_path / name}, line ")


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="empty"):
        SS.read(synthetic(tmp_path, "email_list.pub.csv", "\r\n"))


@pytest.mark.parametrize("connector, rel, looks_like", [
    (MC, SS_LIST, "Substack email_list"),
    (MC, KIT_SNAKE, "Kit"),
    (SS, MC_SUBSCRIBED, "Mailchimp"),
    (SS, KIT_TITLE, "Kit"),
    (KIT, SS_LIST, "Substack email_list"),
    (KIT, SS_DASH, "Substack subscriber-dashboard"),
    (KIT, MC_SUBSCRIBED, "Mailchimp"),
])
def test_another_platforms_file_is_refused_by_name(connector, rel, looks_like) -> None:
    item = fixture(rel)
    assert not connector.detect(item, head(item))
    with pytest.raises(ConnectorError) as err:
        connector.read(item)
    assert err.value.line == 1 and f"this looks like a {looks_like}" in err.value.message


@pytest.mark.parametrize("connector", OURS, ids=lambda c: c.platform)
def test_non_newsletter_files_are_refused(connector) -> None:
    facebook = item_for(FIXTURES.parent / "meta/fb_2020/facebook-anaexample/friends/friends.json",
                        FIXTURES.parent)
    generic = item_for(Path(__file__).parents[1] / "sample_data/exports/newsletter_subscribers.csv",
                       Path(__file__).parents[1])
    for item in (facebook, generic, fixture(SS_POSTS)):
        assert not connector.detect(item, head(item))
        with pytest.raises(ConnectorError, match="not a"):
            connector.read(item)


@pytest.mark.parametrize("data", [
    b"", b"\x00" * 64, b"\xff\xfe\x00\xd8garbage", b"\xfe\xff", b'"unclosed,quote\n',
    b"email\n", bytes(range(256)), b"a," * 3000, "é,ü\n".encode("latin-1"),
])
@pytest.mark.parametrize("name", ["subscribed_members_export_x.csv", "email_list.x.csv",
                                  "kit.csv", "x.json", "noext"])
def test_detect_never_raises(data: bytes, name: str) -> None:
    item = InputFile(name=name, relpath=name, read_bytes=lambda: data)
    for connector in OURS:
        assert connector.detect(item, data) in (True, False)


# --- Substack --------------------------------------------------------------------

def test_substack_email_list_has_no_how_joined_so_all_unknown() -> None:
    result = read(SS, SS_LIST)
    rows = by_email(result)
    assert set(joined(result).values()) == {"unknown"}
    ana, ben, chloe = rows.values()
    assert ana.connected_at == "2024-01-15T10:00:00Z" and ana.display_name == ""
    assert dict(ben.extras) | {"joined_via_basis": ""} == {
        "active_subscription": "true", "plan": "monthly", "email_disabled": "false",
        "expiry": "2026-02-01T00:00:00Z", "joined_via_basis": ""}
    assert chloe.connected_at == "2024-03-01T00:00:00Z"        # date-only created_at
    assert extra(chloe, "email_disabled") == "true"
    assert result.skipped == [f"{result.name}:line 5: no e-mail address"]


def test_substack_email_list_resaved_with_bom_and_crlf() -> None:
    result = read(SS, SS_RESAVED)
    assert [c.email for c in result.connections] == ["dev.testperson@example.org",
                                                     "eli.sample@example.org"]
    assert extra(result.connections[1], "plan") == "yearly"
    assert result.connections[1].source.endswith(":line 3")


def test_substack_email_list_in_utf16(tmp_path: Path) -> None:
    text = ("email,active_subscription,expiry,plan,email_disabled,created_at,first_payment_at\r\n"
            "ana.example@example.org,false,,,false,2024-01-15T10:00:00.000Z,\r\n")
    item = synthetic(tmp_path, "email_list.pub.csv", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert SS.detect(item, head(item))
    assert SS.read(item).connections[0].email == "ana.example@example.org"


def test_substack_dashboard_maps_subscription_source() -> None:
    result = read(SS, SS_DASH)
    assert joined(result) == {
        "ana.example@example.org": "self",             # substack-notes: a sign-up channel
        "ben.sample@example.org": "imported",          # free source "import" (paid: post-page)
        "chloe.placeholder@example.org": "unknown",    # no source given
        "dev.testperson@example.org": "unknown",       # a source that names nothing known
    }
    rows = by_email(result)
    assert rows["ben.sample@example.org"].display_name == "Sample, Ben"
    assert rows["chloe.placeholder@example.org"].display_name == "Chloé Placeholder"
    assert extra(rows["chloe.placeholder@example.org"], "type") == "Comp"
    assert extra(rows["dev.testperson@example.org"], "cancelled_at") == "2025-01-01T00:00:00Z"
    assert extra(rows["ana.example@example.org"], "source") == "substack-notes"
    assert rows["ana.example@example.org"].connected_at == "2024-01-15T10:00:00Z"
    assert result.skipped == [f"{result.name}:line 6: no e-mail address"]


def test_substack_dashboard_2024_header() -> None:
    result = read(SS, SS_DASH_2024)
    assert joined(result) == {"gus.example@example.org": "self",       # embed
                              "hal.sample@example.org": "imported",    # paid source only
                              "ivy.example@example.org": "unknown"}    # gift, no source
    assert result.connections[0].connected_at == "2023-11-01T00:00:00Z"
    assert extra(result.connections[2], "type") == "gift"


# --- Kit -------------------------------------------------------------------------

def test_kit_snake_case_export_found_by_header() -> None:
    result = read(KIT, KIT_SNAKE)
    assert joined(result) == {
        "ana.example@example.org": "self",             # came through a form
        "ben.sample@example.org": "imported",          # source_type import
        "chloe.placeholder@example.org": "api",        # source_type api
        "dev.testperson@example.org": "self",          # a referring page
        "eli.sample@example.org": "unknown",           # nothing says
        "gus.example@example.org": "unknown",          # a source word we do not know
    }
    rows = by_email(result)
    ana = rows["ana.example@example.org"]
    assert ana.display_name == "Ana Example" and ana.id == "9001"
    assert extra(ana, "tags") == "Clients; Newsletter" and extra(ana, "status") == "active"
    assert rows["chloe.placeholder@example.org"].display_name == "Chloé"
    assert extra(rows["chloe.placeholder@example.org"], "status") == "cancelled"
    assert rows["eli.sample@example.org"].connected_at == "2024-06-01T10:05:00Z"   # "... UTC"
    assert result.skipped == [f"{result.name}:line 7: no e-mail address"]


def test_kit_title_case_export_found_by_file_name() -> None:
    result = read(KIT, KIT_TITLE)
    assert joined(result) == {"hal.sample@example.org": "unknown",
                              "ivy.example@example.org": "unknown"}
    hal = result.connections[0]
    assert hal.display_name == "Hal" and hal.connected_at == "2023-09-09T09:09:09Z"
    assert extra(hal, "status") == "active" and extra(hal, "tags") == "Workshop; Newsletter"


def test_kit_does_not_take_an_ordinary_contact_list(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "contacts.csv",
                     "first_name,last_name,email,status\nAna,Example,a@example.org,x\n")
    assert not any(c.detect(item, head(item)) for c in OURS)
    assert GenericCsvConnector().detect(item, head(item))


# --- detection and the registry ----------------------------------------------------

@pytest.mark.parametrize("rel, platform", [
    (MC_SUBSCRIBED, "mailchimp"), (MC_BROKEN, "mailchimp"),
    (f"{MC_CUR}/unsubscribed_email_audience_export_3f9a1c2b7d.csv", "mailchimp"),
    (f"{MC_CUR}/cleaned_email_audience_export_3f9a1c2b7d.csv", "mailchimp"),
    (f"{MC_CUR}/nonsubscribed_email_audience_export_3f9a1c2b7d.csv", "mailchimp"),
    (f"{MC_CUR}/sms_only_audience_export_3f9a1c2b7d.csv", "mailchimp"),
    (f"{MC_OLD}/subscribed_members_export_a1b2c3d4e5.csv", "mailchimp"),
    (f"{MC_OLD}/unsubscribed_members_export_a1b2c3d4e5.csv", "mailchimp"),
    (f"{MC_OLD}/cleaned_members_export_a1b2c3d4e5.csv", "mailchimp"),
    (SS_LIST, "substack"), (SS_RESAVED, "substack"), (SS_DASH, "substack"),
    (SS_DASH_2024, "substack"), (KIT_SNAKE, "kit"), (KIT_TITLE, "kit"), (SS_POSTS, None),
])
def test_exactly_one_newsletter_connector_claims_each_file(rel: str, platform: str | None) -> None:
    item = fixture(rel)
    claimed = [c.platform for c in OURS if c.detect(item, head(item))]
    assert claimed == ([platform] if platform else [])


def test_substack_name_wins_over_a_kit_looking_name(tmp_path: Path) -> None:
    item = synthetic(tmp_path, "email_list.kit-notes.csv",
                     "email,active_subscription,expiry,plan,email_disabled,created_at,first_payment_at\n")
    assert [c.platform for c in OURS if c.detect(item, head(item))] == ["substack"]


def test_registry_reads_a_whole_audience_export_folder_before_the_generic_fallback() -> None:
    registry = Registry([MC, SS, KIT, GenericCsvConnector()])
    report = registry.read_path(str(FIXTURES / MC_CUR))
    assert {f.platform for f in report.files} == {"mailchimp"} and len(report.files) == 5
    statuses = {extra(c, "status") for f in report.files for c in f.connections}
    assert statuses == {"subscribed", "unsubscribed", "cleaned", "nonsubscribed", "sms_only"}
    substack = registry.read_path(str(FIXTURES / "substack/substack-export-anaexample"))
    assert [f.platform for f in substack.files] == ["substack"]
    assert [Path(name).name for name, _ in substack.ignored] == ["posts.csv"]
    forced = registry.read_path("kit:" + str(FIXTURES / KIT_TITLE))
    assert forced.files[0].platform == "kit"


@pytest.mark.parametrize("text, expected", [
    ("substack-notes", "self"), ("Embedded form", "self"), ("import", "imported"),
    ("Admin Add", "imported"), ("API - Generic", "api"), ("Substack import", "imported"),
    ("partner-xyz", "unknown"), ("happy", "unknown"), ("", ""),
])
def test_classify_source_words(text: str, expected: str) -> None:
    assert nl.classify_source(text) == expected
