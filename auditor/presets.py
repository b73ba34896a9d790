"""Policy presets: the ethics codes' rules on online ties, as data tables in code.

Each preset encodes one edition of one code, as paraphrased in
shared/policy-presets.md ("Default presets" table and the code paraphrases
above it). Every cell names a severity (V/H/R/I), the section(s) it rests on
and a recommended action from that page's action vocabulary, so a finding can
always say *why* it is flagged. Codes get revised: change a preset only after
re-reading the official text, and change its `edition` with it.

A cell is looked up by direction class x account kind x client status:

- direction class: how the tie was made (see CLASSES);
- account kind: "personal" / "professional", or "any" where the code does not
  distinguish (the lookup tries the exact kind first, then "any");
- client status: "current", "former-within" (former client, treatment ended
  within the look-back), "former-after" (ended before the look-back).

The codes set time limits only for romantic or sexual relationships; the
former-client look-back for ordinary online ties is this product's default,
which is why every former-client cell carries the preset's look-back note.
Mailing-list cells do not age: a client list is PHI whenever it was taken.

Cells the page does not cover (ended ties, group co-membership, ties whose
direction the export does not give, lists whose sign-up origin is unknown, a
client's family members outside AAMFT) are product defaults and say so in
their note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# -- vocabularies ---------------------------------------------------------------

SEVERITIES = ("V", "H", "R", "I")           # most to least severe
SEVERITY_TEXT: Mapping[str, str] = MappingProxyType({
    "V": "likely violation (escalate)",
    "H": "high risk, needs a documented reason",
    "R": "review and decide",
    "I": "informational advisory",
})

# Direction classes (policy-presets.md, "Direction classes"), plus three the
# page leaves open: a tie the owner ended, co-membership of a group, and a tie
# whose direction the export does not say. ASCII ids are what a practice file
# uses in overrides; labels are what reports print.
CLASS_LABELS: Mapping[str, str] = MappingProxyType({
    "t2c": "T→C",
    "mutual": "MUTUAL",
    "c2t-personal": "C→T personal",
    "c2t-professional": "C→T professional",
    "pending": "PENDING",
    "list-imported": "LIST-imported",
    "list-self": "LIST-self",
    "list-unknown": "LIST-unknown",
    "ended": "ENDED",
    "group": "GROUP",
    "unknown": "UNKNOWN",
})
CLASSES = tuple(CLASS_LABELS)
LIST_CLASSES = ("list-imported", "list-self", "list-unknown")
ACCOUNT_KINDS = ("personal", "professional")
STATUSES = ("current", "former-within", "former-after")

# Recommended actions: the sentences of policy-presets.md ("Recommended
# actions"), word for word, under short ids; `record-remediated` uses the
# page's disposition words for a tie that is already undone.
ACTIONS: Mapping[str, str] = MappingProxyType({
    "decline-discuss": "Decline the request and raise it neutrally in session, "
                       "per your written social-media policy.",
    "no-follow-back": "Do not follow back.",
    "unfollow": "Unfollow / remove the connection.",
    "remove-from-list": "Remove from the mailing list unless the client subscribed by themselves "
                        "and has authorized marketing e-mail.",
    "consent-policy": "Add a social-media policy to informed consent (ACA H.6.b).",
    "keep-separate": "Keep personal accounts private and separate (H.6.a).",
    "record-remediated": "Nothing to undo: you already ended this tie; record it as confirmed-and-remediated.",
})

HIPAA = "HIPAA 164.508(a)(3)"   # marketing use of PHI needs written authorization (45 CFR)


# -- the table types ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cell:
    """One verdict: severity, the sections behind it, what to do, and why if not obvious."""

    severity: str
    sections: tuple[str, ...]
    action: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of a preset: a direction class on an account kind, for each client status.

    `former_sections` replaces `sections` for former clients when the code's
    section speaks of current clients only (APA 5.05, NASW 1.06(c)).
    """

    cls: str
    account: str                  # "personal", "professional" or "any"
    current: str
    former_within: str
    former_after: str
    sections: tuple[str, ...]
    action: str
    note: str = ""
    former_sections: tuple[str, ...] | None = None

    def cell(self, status: str) -> Cell:
        severity = {"current": self.current, "former-within": self.former_within,
                    "former-after": self.former_after}[status]
        sections = self.sections if status == "current" or self.former_sections is None else self.former_sections
        return Cell(severity, sections, self.action, self.note)


@dataclass(frozen=True, slots=True)
class Preset:
    """One code edition as a table; `associated` rows cover a client's family members."""

    id: str
    name: str                         # short, for tables: "ACA 2014"
    edition: str                      # the exact text encoded
    look_back_years: float | None     # None: former-client ties never age out
    look_back_note: str               # said on every former-client finding
    rules: tuple[Rule, ...]
    associated: tuple[Rule, ...]
    associated_note: str

    def rule(self, cls: str, account: str, *, associated: bool = False) -> Rule:
        """The row for a class on an account kind; family members fall back to the client rows."""
        tables = (self.associated, self.rules) if associated else (self.rules,)
        for table in tables:
            for wanted in (account, "any"):
                for rule in table:
                    if rule.cls == cls and rule.account == wanted:
                        return rule
        raise KeyError(f"{self.id}: no rule for {cls} on a {account} account")


def _rule(cls: str, account: str, severities: str, sections: tuple[str, ...], action: str,
          note: str = "", former_sections: tuple[str, ...] | None = None) -> Rule:
    """Rule("t2c", "personal", "VRI", ...): severities for current, former-within, former-after."""
    current, within, after = severities
    return Rule(cls, account, current, within, after, sections, action, note, former_sections)


# -- notes shared by several presets --------------------------------------------------

PROFESSIONAL_PAGE = ("Not your act, but follower lists are public and can reveal that someone is a "
                     "client (a confidentiality advisory).")
SELF_SUBSCRIBED = ("The client subscribed by themselves: treated like any subscriber; keep them only "
                   "with authorization for marketing e-mail, and never ask them for testimonials.")
IMPORTED = "A client list is PHI: adding clients to a marketing list needs their written authorization."
JOIN_UNKNOWN = ("The export does not say how this subscriber joined (reported as unknown, not guessed); "
                "check it in the newsletter tool: if you added them, this is {imported}.")
ENDED = "A tie you already ended (removed friend, unfollow, declined request): product rule, informational."
GROUP = ("Co-members of an online group: neither of you made a tie (product rule; the codes do not "
         "address it); keep personal groups separate from clients.")
DIRECTION_UNKNOWN = ("The export does not say who made this tie (reported as unknown, not guessed); "
                     "check it on the platform (product rule).")
PENDING_NOTE = "Nobody has acted yet; accepting would create the tie."


def _join_unknown(imported: str) -> str:
    return JOIN_UNKNOWN.format(imported=imported)


# -- ACA 2014 --------------------------------------------------------------------------
_A5E, _H6A, _H6B, _C3B = "ACA A.5.e", "ACA H.6.a", "ACA H.6.b", "ACA C.3.b"
_ACA_PRO = ("H on a 'professional' account that shows personal content (A.5.e, H.6.a); if the account "
            "shows no personal content at all, a practice may override this cell to R.")

ACA = Preset(
    id="aca", name="ACA 2014", edition="ACA Code of Ethics (2014)",
    look_back_years=5,
    look_back_note=("Former client: the 5-year look-back is this product's default for online ties (ACA sets "
                    "5 years only for romantic relationships, A.5.c); a practice file can change it."),
    rules=(
        _rule("t2c", "personal", "VRI", (_A5E,), "unfollow"),
        _rule("t2c", "professional", "HRI", (_A5E, _H6A), "unfollow", _ACA_PRO),
        _rule("mutual", "personal", "VRI", (_A5E,), "unfollow"),
        _rule("mutual", "professional", "HRI", (_A5E, _H6A), "unfollow", _ACA_PRO),
        _rule("c2t-personal", "any", "RRI", (_H6A,), "keep-separate",
              "The client acted; following back or accepting would be a personal virtual relationship (A.5.e)."),
        _rule("c2t-professional", "any", "III", (_H6B,), "consent-policy", PROFESSIONAL_PAGE),
        _rule("pending", "any", "RRI", (_A5E,), "decline-discuss", PENDING_NOTE),
        _rule("list-imported", "any", "VVV", (_C3B, HIPAA), "remove-from-list", IMPORTED),
        _rule("list-self", "any", "III", (_C3B, HIPAA), "remove-from-list", SELF_SUBSCRIBED),
        _rule("list-unknown", "any", "RRR", (_C3B, HIPAA), "remove-from-list", _join_unknown("V")),
        _rule("ended", "any", "III", (), "record-remediated", ENDED),
        _rule("group", "any", "III", (), "keep-separate", GROUP),
        _rule("unknown", "any", "RRI", (_A5E,), "unfollow", DIRECTION_UNKNOWN),
    ),
    associated=(
        _rule("t2c", "any", "RRI", (), "unfollow"),
        _rule("mutual", "any", "RRI", (), "unfollow"),
        _rule("c2t-personal", "any", "III", (), "keep-separate"),
        _rule("c2t-professional", "any", "III", (), "consent-policy"),
        _rule("pending", "any", "RRI", (), "decline-discuss"),
        _rule("list-imported", "any", "RRR", (HIPAA,), "remove-from-list",
              "If the address came from the client's record, it is PHI."),
        _rule("list-self", "any", "III", (), "remove-from-list"),
        _rule("list-unknown", "any", "RRR", (HIPAA,), "remove-from-list"),
    ),
    associated_note=("A client's family member: ACA 2014 names no rule for them (AAMFT 1.3 does); "
                     "product default, review as a possible multiple relationship."),
)


# -- NASW 2021 -------------------------------------------------------------------------
_N106H, _N106E, _N106C = "NASW 1.06(h)", "NASW 1.06(e)", "NASW 1.06(c)"
_N107R, _N407B = "NASW 1.07(r)", "NASW 4.07(b)"

NASW = Preset(
    id="nasw", name="NASW 2021", edition="NASW Code of Ethics (2017 revision, 2021 amendments)",
    look_back_years=None,
    look_back_note=("Former client: NASW 1.06(c) covers former clients with no time limit, so this stays R; "
                    "its weight decays with the time since treatment ended."),
    rules=(
        _rule("t2c", "any", "VRR", (_N106H, _N106E), "unfollow", former_sections=(_N106C,)),
        _rule("mutual", "any", "VRR", (_N106H, _N106E), "unfollow", former_sections=(_N106C,)),
        _rule("c2t-personal", "any", "RRR", (_N106H,), "no-follow-back",
              "The client acted; 1.06(h): do not accept requests from clients.", former_sections=(_N106C,)),
        _rule("c2t-professional", "any", "III", (_N107R,), "consent-policy", PROFESSIONAL_PAGE),
        _rule("pending", "any", "RRR", (_N106H,), "decline-discuss", PENDING_NOTE,
              former_sections=(_N106H, _N106C)),
        _rule("list-imported", "any", "VVV", (_N407B, HIPAA), "remove-from-list", IMPORTED),
        _rule("list-self", "any", "III", (_N407B, HIPAA), "remove-from-list", SELF_SUBSCRIBED),
        _rule("list-unknown", "any", "RRR", (_N407B, HIPAA), "remove-from-list", _join_unknown("V")),
        _rule("ended", "any", "III", (), "record-remediated", ENDED),
        _rule("group", "any", "III", (), "keep-separate", GROUP),
        _rule("unknown", "any", "RRR", (_N106H,), "unfollow", DIRECTION_UNKNOWN, former_sections=(_N106C,)),
    ),
    associated=(
        _rule("t2c", "any", "RRR", (), "unfollow"),
        _rule("mutual", "any", "RRR", (), "unfollow"),
        _rule("c2t-personal", "any", "III", (), "no-follow-back"),
        _rule("c2t-professional", "any", "III", (), "consent-policy"),
        _rule("pending", "any", "RRR", (), "decline-discuss"),
        _rule("list-imported", "any", "RRR", (HIPAA,), "remove-from-list",
              "If the address came from the client's record, it is PHI."),
        _rule("list-self", "any", "III", (), "remove-from-list"),
        _rule("list-unknown", "any", "RRR", (HIPAA,), "remove-from-list"),
    ),
    associated_note=("A client's family member: NASW 2021 names no rule for them (AAMFT 1.3 does); "
                     "product default, review as a possible multiple relationship."),
)


# -- APA 2017 --------------------------------------------------------------------------
_P305, _P401, _P505 = "APA 3.05", "APA 4.01", "APA 5.05"

APA = Preset(
    id="apa", name="APA 2017",
    edition="APA Ethical Principles of Psychologists and Code of Conduct (2002, amended 2010 and 2017)",
    look_back_years=2,
    look_back_note=("Former client: the 2-year look-back is this product's default for online ties (APA sets "
                    "2 years only for sexual intimacies, 10.08); a practice file can change it."),
    rules=(
        _rule("t2c", "personal", "HRI", (_P305, _P401), "unfollow", former_sections=(_P305,)),
        _rule("t2c", "professional", "RRI", (_P305,), "unfollow",
              "R on a professional-only account: judged under 3.05 (could it impair objectivity or harm?)."),
        _rule("mutual", "personal", "HRI", (_P305, _P401), "unfollow", former_sections=(_P305,)),
        _rule("mutual", "professional", "RRI", (_P305,), "unfollow",
              "R on a professional-only account: judged under 3.05 (could it impair objectivity or harm?)."),
        _rule("c2t-personal", "any", "RRI", (_P305,), "no-follow-back",
              "The client acted; following back would create the multiple relationship 3.05 weighs."),
        _rule("c2t-professional", "any", "III", (_P401,), "consent-policy", PROFESSIONAL_PAGE),
        _rule("pending", "any", "RRI", (_P305,), "decline-discuss", PENDING_NOTE),
        _rule("list-imported", "any", "VRR", (HIPAA, _P505), "remove-from-list",
              IMPORTED + " APA 5.05 applies too if the mailing asks for testimonials.",
              former_sections=(HIPAA,)),
        _rule("list-self", "any", "III", (HIPAA, _P505), "remove-from-list", SELF_SUBSCRIBED),
        _rule("list-unknown", "any", "RRR", (HIPAA, _P505), "remove-from-list",
              _join_unknown("V for a current client, R for a former one")),
        _rule("ended", "any", "III", (), "record-remediated", ENDED),
        _rule("group", "any", "III", (), "keep-separate", GROUP),
        _rule("unknown", "any", "RRI", (_P305,), "unfollow", DIRECTION_UNKNOWN),
    ),
    associated=(
        _rule("t2c", "any", "RRI", (_P305,), "unfollow"),
        _rule("mutual", "any", "RRI", (_P305,), "unfollow"),
        _rule("c2t-personal", "any", "III", (_P305,), "no-follow-back"),
        _rule("c2t-professional", "any", "III", (), "consent-policy"),
        _rule("pending", "any", "RRI", (_P305,), "decline-discuss"),
        _rule("list-imported", "any", "RRR", (HIPAA,), "remove-from-list",
              "If the address came from the client's record, it is PHI."),
        _rule("list-self", "any", "III", (), "remove-from-list"),
        _rule("list-unknown", "any", "RRR", (HIPAA,), "remove-from-list"),
    ),
    associated_note=("A client's family member: APA 2017 has no social-media wording; judged under 3.05 "
                     "as a possible multiple relationship (product default R)."),
)


# -- AAMFT 2015 ------------------------------------------------------------------------
_M13, _M17 = "AAMFT 1.3", "AAMFT 1.7"

_AAMFT_RULES = (
    _rule("t2c", "any", "HRI", (_M13,), "unfollow"),
    _rule("mutual", "any", "HRI", (_M13,), "unfollow"),
    _rule("c2t-personal", "any", "RRI", (_M13,), "no-follow-back",
          "The client acted; following back would be a close personal tie (1.3)."),
    _rule("c2t-professional", "any", "III", (), "consent-policy",
          PROFESSIONAL_PAGE + " AAMFT 2015 has no section on it (product advisory)."),
    _rule("pending", "any", "RRI", (_M13,), "decline-discuss", PENDING_NOTE),
    _rule("list-imported", "any", "HHH", (_M13, _M17, HIPAA), "remove-from-list", IMPORTED),
    _rule("list-self", "any", "III", (HIPAA,), "remove-from-list", SELF_SUBSCRIBED),
    _rule("list-unknown", "any", "RRR", (_M13, _M17, HIPAA), "remove-from-list", _join_unknown("H")),
    _rule("ended", "any", "III", (), "record-remediated", ENDED),
    _rule("group", "any", "III", (), "keep-separate", GROUP),
    _rule("unknown", "any", "RRI", (_M13,), "unfollow", DIRECTION_UNKNOWN),
)

AAMFT = Preset(
    id="aamft", name="AAMFT 2015", edition="AAMFT Code of Ethics (2015)",
    look_back_years=2,
    look_back_note=("Former client: the 2-year look-back is this product's default for online ties (AAMFT sets "
                    "no period for them; 1.5 bars romantic ties with former clients for good); "
                    "a practice file can change it."),
    rules=_AAMFT_RULES,
    # 1.3 names the client's immediate family: the same rows apply to them.
    associated=tuple(r for r in _AAMFT_RULES if r.cls not in ("ended", "group", "unknown")),
    associated_note="A client's immediate family member: AAMFT 1.3 treats ties with them like ties with the client.",
)


# -- strict ----------------------------------------------------------------------------
_ALL_TIES = (_A5E, _N106H, _P305, _M13)
_STRICT = "Strict preset: any tie with a current or former client is flagged on any account."

STRICT = Preset(
    id="strict", name="strict",
    edition="connection-auditor strict preset (no single code: the strictest reading of all four)",
    look_back_years=None,
    look_back_note="Former client: the strict preset never lets a tie with a former client expire (H).",
    rules=(
        _rule("t2c", "any", "VHH", _ALL_TIES, "unfollow", _STRICT),
        _rule("mutual", "any", "VHH", _ALL_TIES, "unfollow", _STRICT),
        _rule("c2t-personal", "any", "RRR", (_H6A, _N106H, _P305, _M13), "no-follow-back"),
        _rule("c2t-professional", "any", "RRR", (_H6B, _N107R, _P401), "consent-policy", PROFESSIONAL_PAGE),
        _rule("pending", "any", "RRR", _ALL_TIES, "decline-discuss", PENDING_NOTE),
        _rule("list-imported", "any", "HHH", (_C3B, _N407B, HIPAA), "remove-from-list",
              "Strict preset: any client on any list is H."),
        _rule("list-self", "any", "HHH", (_C3B, _N407B, HIPAA), "remove-from-list",
              "Strict preset: any client on any list is H, even one who subscribed by themselves."),
        _rule("list-unknown", "any", "HHH", (_C3B, _N407B, HIPAA), "remove-from-list",
              "Strict preset: any client on any list is H."),
        _rule("ended", "any", "III", (), "record-remediated", ENDED),
        _rule("group", "any", "RRR", (), "keep-separate", GROUP),
        _rule("unknown", "any", "HHH", _ALL_TIES, "unfollow", DIRECTION_UNKNOWN),
    ),
    associated=(
        _rule("t2c", "any", "HHH", (_M13,), "unfollow"),
        _rule("mutual", "any", "HHH", (_M13,), "unfollow"),
        _rule("c2t-personal", "any", "RRR", (_M13,), "no-follow-back"),
        _rule("c2t-professional", "any", "RRR", (), "consent-policy"),
        _rule("pending", "any", "RRR", (_M13,), "decline-discuss"),
        _rule("list-imported", "any", "HHH", (_M13, HIPAA), "remove-from-list"),
        _rule("list-self", "any", "HHH", (_M13, HIPAA), "remove-from-list"),
        _rule("list-unknown", "any", "HHH", (_M13, HIPAA), "remove-from-list"),
    ),
    associated_note="A client's family member: the strict preset follows AAMFT 1.3 and flags ties with them H.",
)

PRESETS: Mapping[str, Preset] = MappingProxyType({p.id: p for p in (ACA, NASW, APA, AAMFT, STRICT)})


def get_preset(name: str) -> Preset:
    """The preset called `name` (case-insensitive); KeyError names the choices."""
    try:
        return PRESETS[name.strip().lower()]
    except KeyError:
        raise KeyError(f"unknown preset '{name}' (choose from {', '.join(PRESETS)})") from None


def severity_rank(severity: str) -> int:
    """0 for V ... 3 for I, so that min() is the most severe."""
    return SEVERITIES.index(severity)
