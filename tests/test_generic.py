"""The generic CSV/JSON connector and the registry that picks connectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.interface import ConnectorError
from connectors.registry import Registry, split_platform_prefix


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_aliases_bom_crlf_and_quoted_commas(tmp_path):
    f = _write(tmp_path / "list.csv", "\ufeffName,E-mail Address,Type,Source\r\n"
               '"Smith, Ana",ana@example.org,subscriber,Import\r\n'
               "Ben Sample,,follower,\r\n")
    result = Registry().read_path(str(f)).files[0]
    first, second = result.connections
    assert first.display_name == "Smith, Ana" and first.email == "ana@example.org"
    assert first.relation == "subscriber" and first.joined_via == "imported"
    assert first.source.endswith("list.csv:line 2") and second.source.endswith(":line 3")
    assert second.relation == "follower"


def test_csv_preamble_is_skipped(tmp_path):
    f = _write(tmp_path / "export.csv", "Exported 2026-11-01\nNotes: made up\n\nusername,platform\n@ana.s,instagram\n")
    conn = Registry().read_path(str(f)).files[0].connections[0]
    assert conn.username == "ana.s" and conn.platform == "instagram"
    assert conn.source.endswith(":line 5")


def test_rows_without_identity_are_skipped_with_their_line(tmp_path):
    f = _write(tmp_path / "list.csv", "id,display_name,email\n1,,\n2,Ana Smith,\n")
    result = Registry().read_path(str(f)).files[0]
    assert [c.id for c in result.connections] == ["2"]
    assert result.skipped == [f"{f}:line 2: no name, username, e-mail, phone or URL"]


def test_json_list_and_wrapped(tmp_path):
    bare = _write(tmp_path / "a.json", json.dumps([{"display_name": "Ana Smith", "platform": "Twitter"}]))
    wrapped = _write(tmp_path / "b.json", json.dumps({"schema": "connection-auditor/connections@1",
                                                      "platform": "mastodon",
                                                      "connections": [{"username": "ana@social.example"}]}))
    assert Registry().read_path(str(bare)).files[0].connections[0].platform == "x"
    conn = Registry().read_path(str(wrapped)).files[0].connections[0]
    assert conn.platform == "mastodon" and conn.username == "ana@social.example"


@pytest.mark.parametrize("content,message,line", [
    ("", "empty", None),
    ("a,b,c\n1,2,3\n", "no header with a usable column", 1),
    ("display_name\n", "a header but no rows", 1),
])
def test_csv_errors(tmp_path, content, message, line):
    f = _write(tmp_path / "x.csv", content)
    with pytest.raises(ConnectorError) as err:
        Registry().read_file(__import__("connectors.interface").interface.InputFile(str(f), f.name, f.read_bytes))
    assert message in str(err.value) and str(f) in str(err.value)
    assert err.value.line == line


def test_non_utf8_names_the_line(tmp_path):
    f = _write(tmp_path / "x.csv", "display_name\nAna\nJos\u00e9\n", encoding="latin-1")
    with pytest.raises(ConnectorError) as err:
        Registry().read_path(str(f))
    assert err.value.line == 3 and "UTF-8" in str(err.value)


def test_folder_skips_macos_litter_and_lists_ignored(tmp_path):
    _write(tmp_path / "exp/list.csv", "display_name\nAna Smith\n")
    _write(tmp_path / "exp/__MACOSX/._list.csv", "display_name\nGhost\n")
    _write(tmp_path / "exp/notes.txt", "hello\n")
    report = Registry().read_path(str(tmp_path / "exp"))
    assert [len(f.connections) for f in report.files] == [1]
    assert [Path(p).name for p, _ in report.ignored] == ["notes.txt"]


def test_platform_prefix():
    assert split_platform_prefix("facebook:/tmp/x.json") == ("facebook", "/tmp/x.json")
    assert split_platform_prefix("/tmp/a:b.json") == (None, "/tmp/a:b.json")


def test_wrong_platform_prefix_is_an_error(tmp_path):
    f = _write(tmp_path / "followers_1.json", json.dumps([{"title": "", "media_list_data": [], "string_list_data": [
        {"href": "https://www.instagram.com/ana", "value": "ana", "timestamp": 1700000000}]}]))
    with pytest.raises(ConnectorError) as err:
        Registry().read_path(f"facebook:{f}")
    assert "not a Facebook export" in str(err.value) and "an Instagram file" in str(err.value)


def test_the_same_person_in_two_parts_is_read_once(tmp_path):
    from auditor.audit import read_connections

    entry = '{"title": "", "media_list_data": [], "string_list_data": [{"href": "https://www.instagram.com/%s", "value": "%s", "timestamp": 1700000000}]}'
    folder = tmp_path / "instagram-x/connections/followers_and_following"
    _write(folder / "followers_1.json", "[" + ",".join(entry % (u, u) for u in ("ana", "ben")) + "]")
    _write(folder / "followers_2.json", "[" + ",".join(entry % (u, u) for u in ("ben", "cy")) + "]")
    connections, inputs, _ = read_connections([str(tmp_path / "instagram-x")])
    assert sorted(c.username for c in connections) == ["ana", "ben", "cy"]
    assert [i.skipped for i in inputs] == [0, 1]


def test_meta_html_export_asks_for_json(tmp_path):
    html = "<html><body><div><h2 class='_2ph_ _a6-h _a6-i'>Ana Example</h2></div></body></html>"
    f = _write(tmp_path / "facebook-x/connections/friends/your_friends.html", html)
    with pytest.raises(ConnectorError, match="choosing the JSON format"):
        Registry().read_path(str(f))
    _write(tmp_path / "facebook-x/connections/friends/list.csv", "display_name\nAna\n")
    report = Registry().read_path(str(tmp_path / "facebook-x"))
    assert any("JSON format" in why for _, why in report.ignored)


def test_two_friends_with_one_name_stay_two(tmp_path):
    from auditor.audit import read_connections

    f = _write(tmp_path / "list.csv", "display_name,platform,relation\nMichael Smith,facebook,mutual\n"
               "Michael Smith,facebook,mutual\n")
    connections, inputs, _ = read_connections([str(f)])
    assert len(connections) == 2 and inputs[0].skipped == 0
