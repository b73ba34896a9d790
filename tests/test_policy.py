"""The policy layer: presets cell by cell against policy-presets.md, the practice file, `auditor policy`.

The expected tables below are written by hand from shared/policy-presets.md
("Default presets" and the code paraphrases), not taken from auditor/presets.py,
so that a preset drifting from the page fails here.
"""

from __future__ import annotations

import os
import stat
from datetime import date

import pytest

from auditor.cli import App, AuditorGroup
from auditor.cli_policy import policy
from auditor.errors import AuditorError
from auditor.findings import Finding
from auditor.policy import (
    default_policy,
    direction_class,
    load_policy,
    parse_policy,
    quarter_end,
    since_label,
    years_since,
)
from auditor.presets import ACTIONS, CLASSES, PRESETS, STATUSES
from connectors.interface import Connection

from .helpers import assert_ok, assert_one_line_error

TODAY = date(2026, 6, 15)
# client status columns: (client_status, client_ended)
WHEN = {
    "current": ("current", ""),
    "recent": ("former", "2025-Q4"),      # ended ~6 months ago: inside every look-back
    "old": ("former", "2012-Q1"),         # ended 14 years ago: past every finite look-back
}
HIPAA = "HIPAA 164.508(a)(3)"

# -- MUST SHOW 1: the "Default presets" table of policy-presets.md, by hand ----------------------
# (tie, account kind or "*" for either, severities for current/recent/old,
#  sections for a current client, sections for a former client)
ACA_TIES = ("ACA A.5.e",)
EXPECTED = {
    "aca": [  # V on personal (A.5.e), H on "professional"; C→T I on professional (H.6.b), R on personal;
              # pending R; 5 years → R then I; imported current or former V (C.3.b, HIPAA); self I
        ("T→C", "personal", "VRI", ACA_TIES, ACA_TIES),
        ("T→C", "professional", "HRI", ("ACA A.5.e", "ACA H.6.a"), ("ACA A.5.e", "ACA H.6.a")),
        ("MUTUAL", "personal", "VRI", ACA_TIES, ACA_TIES),
        ("MUTUAL", "professional", "HRI", ("ACA A.5.e", "ACA H.6.a"), ("ACA A.5.e", "ACA H.6.a")),
        ("C→T personal", "personal", "RRI", ("ACA H.6.a",), ("ACA H.6.a",)),
        ("C→T professional", "professional", "III", ("ACA H.6.b",), ("ACA H.6.b",)),
        ("PENDING", "*", "RRI", ACA_TIES, ACA_TIES),
        ("LIST-imported", "*", "VVV", ("ACA C.3.b", HIPAA), ("ACA C.3.b", HIPAA)),
        ("LIST-self", "*", "III", ("ACA C.3.b", HIPAA), ("ACA C.3.b", HIPAA)),
        ("LIST-unknown", "*", "RRR", ("ACA C.3.b", HIPAA), ("ACA C.3.b", HIPAA)),
    ],
    "nasw": [  # V (1.06(h), 1.06(e)); C→T I/R; pending R; former no expiry → R (1.06(c)); imported V (4.07, HIPAA)
        ("T→C", "*", "VRR", ("NASW 1.06(h)", "NASW 1.06(e)"), ("NASW 1.06(c)",)),
        ("MUTUAL", "*", "VRR", ("NASW 1.06(h)", "NASW 1.06(e)"), ("NASW 1.06(c)",)),
        ("C→T personal", "personal", "RRR", ("NASW 1.06(h)",), ("NASW 1.06(c)",)),
        ("C→T professional", "professional", "III", ("NASW 1.07(r)",), ("NASW 1.07(r)",)),
        ("PENDING", "*", "RRR", ("NASW 1.06(h)",), ("NASW 1.06(h)", "NASW 1.06(c)")),
        ("LIST-imported", "*", "VVV", ("NASW 4.07(b)", HIPAA), ("NASW 4.07(b)", HIPAA)),
        ("LIST-self", "*", "III", ("NASW 4.07(b)", HIPAA), ("NASW 4.07(b)", HIPAA)),
        ("LIST-unknown", "*", "RRR", ("NASW 4.07(b)", HIPAA), ("NASW 4.07(b)", HIPAA)),
    ],
    "apa": [  # H on personal (3.05, 4.01), R on professional-only; C→T I/R; pending R; 2 years → R then I;
              # imported current V (HIPAA, 5.05), former R; self I
        ("T→C", "personal", "HRI", ("APA 3.05", "APA 4.01"), ("APA 3.05",)),
        ("T→C", "professional", "RRI", ("APA 3.05",), ("APA 3.05",)),
        ("MUTUAL", "personal", "HRI", ("APA 3.05", "APA 4.01"), ("APA 3.05",)),
        ("MUTUAL", "professional", "RRI", ("APA 3.05",), ("APA 3.05",)),
        ("C→T personal", "personal", "RRI", ("APA 3.05",), ("APA 3.05",)),
        ("C→T professional", "professional", "III", ("APA 4.01",), ("APA 4.01",)),
        ("PENDING", "*", "RRI", ("APA 3.05",), ("APA 3.05",)),
        ("LIST-imported", "*", "VRR", (HIPAA, "APA 5.05"), (HIPAA,)),
        ("LIST-self", "*", "III", (HIPAA, "APA 5.05"), (HIPAA, "APA 5.05")),
        ("LIST-unknown", "*", "RRR", (HIPAA, "APA 5.05"), (HIPAA, "APA 5.05")),
    ],
    "aamft": [  # H (1.3); C→T I/R; pending R; 2 years → R then I; imported H (1.3, 1.7, HIPAA); self I
        ("T→C", "*", "HRI", ("AAMFT 1.3",), ("AAMFT 1.3",)),
        ("MUTUAL", "*", "HRI", ("AAMFT 1.3",), ("AAMFT 1.3",)),
        ("C→T personal", "personal", "RRI", ("AAMFT 1.3",), ("AAMFT 1.3",)),
        ("C→T professional", "professional", "III", (), ()),
        ("PENDING", "*", "RRI", ("AAMFT 1.3",), ("AAMFT 1.3",)),
        ("LIST-imported", "*", "HHH", ("AAMFT 1.3", "AAMFT 1.7", HIPAA), ("AAMFT 1.3", "AAMFT 1.7", HIPAA)),
        ("LIST-self", "*", "III", (HIPAA,), (HIPAA,)),
        ("LIST-unknown", "*", "RRR", ("AAMFT 1.3", "AAMFT 1.7", HIPAA), ("AAMFT 1.3", "AAMFT 1.7", HIPAA)),
    ],
    "strict": [  # V for any tie on any account; C→T R; pending R; former never expires → H; any list H
        ("T→C", "*", "VHH", ("ACA A.5.e", "NASW 1.06(h)", "APA 3.05", "AAMFT 1.3"),
         ("ACA A.5.e", "NASW 1.06(h)", "APA 3.05", "AAMFT 1.3")),
        ("MUTUAL", "*", "VHH", ("ACA A.5.e", "NASW 1.06(h)", "APA 3.05", "AAMFT 1.3"),
         ("ACA A.5.e", "NASW 1.06(h)", "APA 3.05", "AAMFT 1.3")),
        ("C→T personal", "personal", "RRR", ("ACA H.6.a", "NASW 1.06(h)", "APA 3.05", "AAMFT 1.3"),
         ("ACA H.6.a", "NASW 1.06(h)", "APA 3.05", "AAMFT 1.3")),
        ("C→T professional", "professional", "RRR", ("ACA H.6.b", "NASW 1.07(r)", "APA 4.01"),
         ("ACA H.6.b", "NASW 1.07(r)", "APA 4.01")),
        ("PENDING", "*", "RRR", ("ACA A.5.e", "NASW 1.06(h)", "APA 3.05", "AAMFT 1.3"),
         ("ACA A.5.e", "NASW 1.06(h)", "APA 3.05", "AAMFT 1.3")),
        ("LIST-imported", "*", "HHH", ("ACA C.3.b", "NASW 4.07(b)", HIPAA), ("ACA C.3.b", "NASW 4.07(b)", HIPAA)),
        ("LIST-self", "*", "HHH", ("ACA C.3.b", "NASW 4.07(b)", HIPAA), ("ACA C.3.b", "NASW 4.07(b)", HIPAA)),
        ("LIST-unknown", "*", "HHH", ("ACA C.3.b", "NASW 4.07(b)", HIPAA), ("ACA C.3.b", "NASW 4.07(b)", HIPAA)),
    ],
}

ACCOUNTS = '[accounts]\ninstagram = { "me.personal" = "personal", "me.pro" = "professional" }\n'
HANDLE = {"personal": "me.personal", "professional": "me.pro"}
# How each tie is made: (platform, relation, joined_via); LIST-unknown is tested both ways it arises.
TIES = {
    "T→C": [("instagram", "following", "")],
    "MUTUAL": [("instagram", "mutual", "")],
    "C→T personal": [("instagram", "follower", "")],
    "C→T professional": [("instagram", "follower", "")],
    "PENDING": [("instagram", "request_in", ""), ("instagram", "request_out", "")],
    "LIST-imported": [("mailchimp", "subscriber", "imported")],
    "LIST-self": [("mailchimp", "subscriber", "self")],
    "LIST-unknown": [("mailchimp", "subscriber", ""), ("mailchimp", "subscriber", "api"),
                     ("mailchimp", "subscriber", "unknown")],
}


def conn(platform="instagram", relation="following", joined_via="", account="me.personal") -> Connection:
    return Connection(platform=platform, relation=relation, source="test.json#0", account=account,
                      display_name="Ana Example", joined_via=joined_via)


def finding(connection: Connection, status="current", ended="", tier="confirmed") -> Finding:
    return Finding(finding_id="F-TEST", client_ref="C-TEST", score=0.99, tier=tier, ambiguous=False,
                   evidence=[], connection=connection, client_status=status, client_ended=ended)


def preset_policy(name: str, extra: str = ""):
    return parse_policy(f'preset = "{name}"\n{extra}{ACCOUNTS}', "test.toml")


def _cases():
    for preset, rows in EXPECTED.items():
        for tie, account, severities, sections_now, sections_former in rows:
            kinds = ("personal", "professional") if account == "*" else (account,)
            for kind in kinds:
                for platform, relation, joined in TIES[tie]:
                    for when, expected in zip(WHEN, severities):
                        sections = sections_now if when == "current" else sections_former
                        yield pytest.param(preset, tie, kind, platform, relation, joined, when, expected, sections,
                                           id=f"{preset}-{tie}-{kind}-{relation}{'-' + joined if joined else ''}"
                                              f"-{when}")


@pytest.mark.parametrize("preset,tie,kind,platform,relation,joined,when,severity,sections", list(_cases()))
def test_preset_cells_match_policy_presets_md(preset, tie, kind, platform, relation, joined, when, severity,
                                              sections):
    policy = preset_policy(preset)
    status, ended = WHEN[when]
    account = HANDLE[kind] if platform == "instagram" else "list-1"
    ruling = policy.evaluate(finding(conn(platform, relation, joined, account), status, ended), TODAY)
    assert ruling is not None
    assert ruling.direction_label == tie
    assert (ruling.severity, ruling.sections) == (severity, sections), ruling
    assert ruling.action in ACTIONS and ruling.action_text == ACTIONS[ruling.action]
    assert ruling.rule.startswith(f"{preset}:")
    assert ruling.edition == PRESETS[preset].edition


def test_every_preset_covers_every_cell_with_a_known_action():
    for preset in PRESETS.values():
        for cls in CLASSES:
            for kind in ("personal", "professional"):
                for status in STATUSES:
                    for associated in (False, True):
                        cell = preset.rule(cls, kind, associated=associated).cell(status)
                        assert cell.severity in "VHRI" and cell.action in ACTIONS, (preset.id, cls, kind, status)


def test_look_back_defaults_per_preset():
    assert {name: p.look_back_years for name, p in PRESETS.items()} == {
        "aca": 5, "nasw": None, "apa": 2, "aamft": 2, "strict": None}


# -- direction classes -----------------------------------------------------------------------------

@pytest.mark.parametrize("relation,joined,kind,expected", [
    ("following", "", "personal", "t2c"),
    ("mutual", "", "professional", "mutual"),
    ("follower", "", "personal", "c2t-personal"),
    ("follower", "", "professional", "c2t-professional"),
    ("follower", "", "unknown", "c2t-personal"),
    ("request_in", "", "personal", "pending"),
    ("request_out", "", "personal", "pending"),
    ("removed", "", "personal", "ended"),
    ("subscriber", "self", "personal", "list-self"),
    ("subscriber", "imported", "personal", "list-imported"),
    ("subscriber", "api", "personal", "list-unknown"),
    ("subscriber", "unknown", "personal", "list-unknown"),
    ("subscriber", "", "personal", "list-unknown"),
    ("group", "", "personal", "group"),
    ("unknown", "", "personal", "unknown"),
])
def test_direction_class(relation, joined, kind, expected):
    assert direction_class(conn(relation=relation, joined_via=joined), kind) == expected


def test_api_sign_ups_follow_the_practice_file():
    c = conn("mailchimp", "subscriber", "api", "list-1")
    assert direction_class(c, "personal", api_sign_ups="self") == "list-self"
    policy = parse_policy('preset = "aca"\n[lists]\napi_sign_ups = "imported"\n')
    ruling = policy.evaluate(finding(c), TODAY)
    assert (ruling.direction, ruling.severity, ruling.category) == (
        "list-imported", "V", "mailing list: added by the owner")


# -- rulings -------------------------------------------------------------------------------------

def test_undeclared_account_is_personal_and_flagged():
    ruling = default_policy("aca").evaluate(finding(conn(account="someone.else")), TODAY)
    assert (ruling.account_kind, ruling.severity) == ("personal", "V")
    assert any("treated as personal" in note for note in ruling.notes)
    declared = preset_policy("aca").evaluate(finding(conn(account="@Me.Pro")), TODAY)
    assert (declared.account_kind, declared.severity) == ("professional", "H")
    assert not any("treated as personal" in note for note in declared.notes)


def test_platform_wide_account_kind():
    policy = parse_policy('preset = "apa"\n[accounts]\nfacebook = "professional"\n'
                          'instagram = { "me" = "personal", "*" = "professional" }\n')
    assert policy.account_kind("facebook", "") == ("professional", True)
    assert policy.account_kind("instagram", "ME") == ("personal", True)
    assert policy.account_kind("instagram", "other") == ("professional", True)
    assert policy.account_kind("x", "me") == ("personal", False)


def test_ruling_fields_and_time_since_end():
    ruling = default_policy("apa").evaluate(
        finding(conn("linkedin", "mutual", account="me"), "former", "2024-Q3"), TODAY)
    assert ruling.category == "business network"
    assert (ruling.client_status, ruling.status, ruling.since_end) == ("former", "former-within", "within 2 years")
    assert ruling.rule == "apa:mutual.personal.former-within"
    assert ruling.as_dict()["direction"] == "MUTUAL"
    assert quarter_end("2024-Q4") == date(2024, 12, 31) and quarter_end("2024-13") is None
    assert since_label(years_since("2019-Q1", TODAY)) == "over 5 years"
    assert since_label(years_since("2026-Q1", TODAY)) == "within 1 year"
    assert since_label(None) == "end date unknown"


def test_apa_look_back_ends_after_two_years_aca_after_five():
    old = finding(conn(), "former", "2024-Q1")   # ended by 2024-03-31: 2.2 years before TODAY
    assert default_policy("apa").evaluate(old, TODAY).severity == "I"
    assert default_policy("aca").evaluate(old, TODAY).severity == "R"
    ruling = default_policy("aca").evaluate(finding(conn(), "former", "2020-Q1"), TODAY)
    assert (ruling.severity, ruling.since_end, ruling.status) == ("I", "over 5 years", "former-after")
    assert any("product's default" in note for note in ruling.notes)


def test_nasw_former_clients_never_expire_but_say_weight_decays():
    ruling = default_policy("nasw").evaluate(finding(conn(), "former", "2001-Q2"), TODAY)
    assert (ruling.severity, ruling.since_end, ruling.sections) == ("R", "over 5 years", ("NASW 1.06(c)",))
    assert any("decays" in note for note in ruling.notes)
    assert default_policy("strict").evaluate(finding(conn(), "former", "2001-Q2"), TODAY).severity == "H"


def test_practice_look_back_changes_the_column_and_says_so():
    policy = parse_policy('preset = "aca"\n[former_clients]\nlook_back_years = 1\n')
    ruling = policy.evaluate(finding(conn(), "former", "2024-Q3"), TODAY)
    assert (ruling.status, ruling.severity) == ("former-after", "I")
    assert any("this practice's policy sets the look-back" in note for note in ruling.notes)
    never = parse_policy('preset = "aca"\n[former_clients]\nlook_back_years = "never"\n')
    assert never.look_back_years is None
    assert never.evaluate(finding(conn(), "former", "1999-Q1"), TODAY).severity == "R"


def test_unknown_status_and_unknown_end_are_treated_conservatively():
    policy = default_policy("aca")
    unknown = policy.evaluate(finding(conn(), "unknown"), TODAY)
    assert (unknown.status, unknown.severity) == ("current", "V")
    assert any("treated as a current client" in note for note in unknown.notes)
    no_end = policy.evaluate(finding(conn(), "former", ""), TODAY)
    assert (no_end.status, no_end.since_end, no_end.severity) == ("former-within", "end date unknown", "R")


def test_ended_ties_are_informational_in_every_preset():
    for name in PRESETS:
        ruling = default_policy(name).evaluate(finding(conn(relation="removed")), TODAY)
        assert (ruling.direction, ruling.severity, ruling.action, ruling.category) == (
            "ended", "I", "record-remediated", "ended tie")


def test_sent_request_is_withdrawn_received_is_declined():
    policy = default_policy("aca")
    assert policy.evaluate(finding(conn(relation="request_in")), TODAY).action == "decline-discuss"
    sent = policy.evaluate(finding(conn(relation="request_out")), TODAY)
    assert sent.action == "unfollow" and sent.category == "pending request"
    assert any("You sent this request" in note for note in sent.notes)


def test_associated_persons_are_their_own_category():
    family = finding(conn(), "associated")
    aamft = default_policy("aamft").evaluate(family, TODAY)
    assert (aamft.category, aamft.severity, aamft.sections) == ("associated person", "H", ("AAMFT 1.3",))
    assert aamft.rule == "aamft:associated.t2c.any.current"
    aca = default_policy("aca").evaluate(family, TODAY)
    assert (aca.category, aca.severity) == ("associated person", "R")
    assert any("names no rule" in note for note in aca.notes)
    flagged = default_policy("aamft").evaluate(finding(conn(), "former", "2025-Q4"), TODAY, associated=True)
    assert (flagged.category, flagged.severity) == ("associated person", "R")


def test_min_tier_drops_weaker_matches():
    policy = parse_policy('preset = "aca"\n[audit]\nmin_tier = "likely"\n')
    assert policy.evaluate(finding(conn(), tier="possible"), TODAY) is None
    assert policy.evaluate(finding(conn(), tier="likely"), TODAY) is not None
    assert policy.evaluate(finding(conn(), tier="confirmed"), TODAY) is not None


def test_overrides_most_specific_wins_and_is_noted():
    policy = parse_policy(
        'preset = "aca"\n[overrides]\n'
        '"t2c.personal.current" = { severity = "R", note = "Rural practice." }\n'
        '"t2c.*.*" = "H"\n'
        '"associated.*.*.*" = { severity = "I", action = "no-follow-back" }\n')
    exact = policy.evaluate(finding(conn()), TODAY)
    assert (exact.severity, exact.overridden, exact.rule) == ("R", True, "aca:t2c.personal.current")
    assert exact.sections == ("ACA A.5.e",)
    assert any("override 't2c.personal.current'" in n and "Rural practice." in n for n in exact.notes)
    assert policy.evaluate(finding(conn(), "former", "2025-Q4"), TODAY).severity == "H"
    assert policy.evaluate(finding(conn(relation="mutual")), TODAY).overridden is False
    family = policy.evaluate(finding(conn(), "associated"), TODAY)
    assert (family.severity, family.action) == ("I", "no-follow-back")


def test_default_policy():
    assert default_policy().preset.id == "aca"
    with pytest.raises(AuditorError, match="unknown preset"):
        default_policy("hipaa")


def test_load_policy_reads_a_file(tmp):
    path = tmp / "p.toml"
    path.write_text('preset = "AAMFT"\n[reports]\nsmall_count_threshold = 5\n[audit]\ninterval_months = 6\n')
    loaded = load_policy(path)
    assert (loaded.preset.id, loaded.small_count_threshold, loaded.audit_interval_months) == ("aamft", 5, 6)
    assert loaded.look_back_years == 2 and loaded.source == str(path)


# -- MUST SHOW 4: `auditor policy check` errors name the file and line ------------------------------

@pytest.fixture
def invoke(runner):
    """`auditor policy ...` through the real CLI once attached, else through the same error-handling group."""
    from auditor.cli import cli

    def go(*args):
        argv = ["policy", *(str(a) for a in args)]
        if "policy" in cli.commands:
            return runner.invoke(cli, argv)
        group = AuditorGroup("auditor", commands=[policy])
        return runner.invoke(group, argv, obj=App(practice="default", key_file=None, quiet=False))
    return go


BAD_FILES = [
    ("unknown key", 'preset = "aca"\n\n[audit]\nmin_tier = "likely"\nbogus = 1\n', 5, "unknown key 'audit.bogus'"),
    ("unknown top-level key", '# policy\npreset = "aca"\npresets = "apa"\n', 3, "unknown key 'presets'"),
    ("unknown table", 'preset = "aca"\n[audits]\ninterval_months = 3\n', 2, "unknown key 'audits'"),
    ("wrong type", 'preset = "aca"\n[audit]\n# every quarter\ninterval_months = "3"\n', 4,
     "'audit.interval_months' must be a whole number, not a string"),
    ("wrong type look-back", 'preset = "apa"\n[former_clients]\nlook_back_years = true\n', 3,
     "must be a number of years or \"never\""),
    ("unknown preset", '# which code\n\npreset = "apa2"\n', 3, "unknown preset 'apa2'"),
    ("unknown severity", 'preset = "aca"\n[overrides]\n"pending.*.*" = "X"\n', 3, "unknown severity 'X'"),
    ("unknown severity in table", 'preset = "aca"\n[overrides]\n"t2c.*.current" = { severity = "VV" }\n', 3,
     "unknown severity 'VV'"),
    ("bad account kind", ('preset = "aca"\n[accounts]\nfacebook = "personal"\n'
                          'instagram = { "dr.rivera.therapy" = "work" }\n'), 4, "must be \"personal\" or"),
    ("bad account kind in a sub-table", 'preset = "aca"\n[accounts.instagram]\n"a" = "personal"\n"b" = "home"\n',
     4, "not 'home'"),
    ("unknown platform", 'preset = "aca"\n[accounts]\nmyspace = "personal"\n', 3, "unknown platform 'myspace'"),
    ("bad override key", 'preset = "aca"\n[overrides]\n"t2c.current" = "V"\n', 3, "expected CLASS.ACCOUNT.STATUS"),
    ("TOML syntax", 'preset = "aca"\n[audit]\nmin_tier = possible\n', 3, "not valid TOML"),
    ("duplicate key", 'preset = "aca"\npreset = "apa"\n', 2, "not valid TOML"),
]


@pytest.mark.parametrize("text,line,words", [pytest.param(*case[1:], id=case[0]) for case in BAD_FILES])
def test_policy_check_reports_file_and_line(invoke, tmp, text, line, words):
    path = tmp / "practice.toml"
    path.write_text(text)
    error = assert_one_line_error(invoke("check", path))
    assert error.startswith(f"auditor: error: {path}, line {line}: "), error
    assert words in error


def test_policy_check_missing_file(invoke, tmp):
    error = assert_one_line_error(invoke("check", tmp / "nope.toml"))
    assert "nope.toml: no such file" in error


def test_policy_init_output_passes_check(invoke, tmp):
    for name in PRESETS:
        path = tmp / f"{name}.toml"
        assert_ok(invoke("init", "-o", path, "--preset", name))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        checked = invoke("check", path)
        assert_ok(checked)
        assert f"{path}: OK" in checked.stdout and f"preset:           {name}" in checked.stdout
        assert load_policy(path) == default_policy(name)
    text = (tmp / "aca.toml").read_text()
    for key in ("preset:", "look_back_years:", "interval_months:", "min_tier:", "small_count_threshold:",
                "api_sign_ups:", "[accounts]", "[overrides]"):
        assert key in text, key   # every key is explained in a comment
    refused = assert_one_line_error(invoke("init", "-o", tmp / "aca.toml"))
    assert "already exists" in refused
    assert_ok(invoke("init", "-o", tmp / "aca.toml", "--force"))


def test_init_examples_are_valid_when_uncommented(invoke, tmp):
    text = (tmp / "x.toml")
    assert_ok(invoke("init", "-o", text))
    body = text.read_text()
    body = body.replace('#   facebook = "personal"', 'facebook = "personal"')
    body = body.replace('#   instagram = {', 'instagram = {')
    body = body.replace('#   "t2c.professional.current" = "V"', '"t2c.professional.current" = "V"')
    body = body.replace('#   "pending.*.*" = {', '"pending.*.*" = {')
    body = body.replace("# look_back_years = 5", "look_back_years = 5")
    text.write_text(body)
    loaded = load_policy(text)
    assert len(loaded.accounts) == 3 and len(loaded.overrides) == 2


def test_policy_check_warns_about_settings_that_do_nothing(invoke, tmp):
    path = tmp / "nasw.toml"
    path.write_text('preset = "nasw"\n[former_clients]\nlook_back_years = 3\n')
    result = invoke("check", path)
    assert_ok(result)
    assert "changes no severity" in result.stderr


# -- `auditor policy show` -------------------------------------------------------------------------

def test_policy_show_prints_every_preset(invoke):
    result = invoke("show")
    assert_ok(result)
    for preset in PRESETS.values():
        assert preset.name in result.stdout
    for label in ("T→C", "MUTUAL", "C→T personal", "C→T professional", "PENDING", "LIST-imported", "LIST-self",
                  "LIST-unknown"):
        assert label in result.stdout
    for action in ACTIONS:
        assert action in result.stdout


def test_policy_show_one_preset_and_a_file(invoke, tmp):
    one = invoke("show", "--preset", "nasw")
    assert_ok(one)
    assert "NASW 1.06(h)" in one.stdout and "ACA 2014" not in one.stdout
    path = tmp / "p.toml"
    path.write_text('preset = "apa"\n[overrides]\n"pending.*.*" = "H"\n')
    shown = invoke("show", "--file", path)
    assert_ok(shown)
    assert "H* APA 3.05" in shown.stdout and "pending.*.*" in shown.stdout
    both = assert_one_line_error(invoke("show", "--preset", "aca", "--file", path))
    assert "not both" in both
