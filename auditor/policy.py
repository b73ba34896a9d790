"""The policy layer: how a finding's tie is classed, and what the practice's policy says about it.

A `Policy` is a preset (auditor/presets.py) plus what a practice file adds:
which accounts are personal or professional, overrides of single cells, the
former-client look-back, the audit interval, small-count suppression for
external reports and the weakest match tier worth reporting.
`Policy.evaluate(finding, today)` turns a finding into a `Ruling`: category,
direction class, client status and coarse time since treatment ended,
severity, rule id, code sections and recommended action.

Nothing is guessed: an account not declared in the practice file is treated
as personal *and the ruling says so*; a subscriber whose sign-up origin the
export does not give stays LIST-unknown.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.interface import PLATFORMS, Connection

from .errors import AuditorError
from .fileio import read_input
from .match import TIERS
from .presets import (
    ACCOUNT_KINDS,
    ACTIONS,
    CLASS_LABELS,
    CLASSES,
    LIST_CLASSES,
    PRESETS,
    SEVERITIES,
    SEVERITY_TEXT,
    STATUSES,
    Cell,
    Preset,
    get_preset,
)

if TYPE_CHECKING:
    from .findings import Finding

# ACA 2014 is the default preset; see default_policy() for why.
DEFAULT_PRESET = "aca"
API_SIGN_UPS = ("unknown", "self", "imported")
# Classes whose verdict depends on the account kind (so an undeclared account matters).
KIND_SENSITIVE = ("t2c", "mutual", "c2t-personal", "c2t-professional")


# -- direction and category ---------------------------------------------------------

def direction_class(connection: Connection, account_kind: str = "personal", *,
                    api_sign_ups: str = "unknown") -> str:
    """The direction class (a presets.CLASSES id) of a tie: who acted, on which kind of account.

    `account_kind` only splits followers (C→T personal / professional); an
    unknown kind counts as personal. A subscriber's origin is never guessed:
    'api' means whatever the practice file says (`api_sign_ups`), else unknown.
    """
    relation = connection.relation
    if relation == "following":
        return "t2c"
    if relation == "mutual":
        return "mutual"
    if relation == "follower":
        return "c2t-professional" if account_kind == "professional" else "c2t-personal"
    if relation in ("request_in", "request_out"):
        return "pending"
    if relation == "removed":
        return "ended"
    if relation == "subscriber":
        joined = api_sign_ups if connection.joined_via == "api" else connection.joined_via
        return {"self": "list-self", "imported": "list-imported"}.get(joined, "list-unknown")
    if relation == "group":
        return "group"
    return "unknown"


_LIST_CATEGORY = {"list-imported": "mailing list: added by the owner", "list-self": "mailing list: self-subscribed",
                  "list-unknown": "mailing list: how joined unknown"}
_TIE_CATEGORY = {"t2c": "digital: following", "mutual": "digital: mutual", "c2t-personal": "digital: follower",
                 "c2t-professional": "digital: follower", "pending": "pending request", "ended": "ended tie",
                 "group": "online group", "unknown": "digital: direction unknown"}


def category(connection: Connection, cls: str, *, associated: bool = False) -> str:
    """The dual-relationship category a report groups findings by (design.md, Policy)."""
    if associated:
        return "associated person"
    if cls in _LIST_CATEGORY:
        return _LIST_CATEGORY[cls]
    if connection.platform == "linkedin" and cls in ("t2c", "mutual", "c2t-personal", "c2t-professional", "unknown"):
        return "business network"
    return _TIE_CATEGORY[cls]


# -- time since treatment ended -------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_end(quarter: str) -> date | None:
    """Last day of a '2024-Q3' quarter: the latest the treatment can have ended (errs towards 'recent')."""
    match = _QUARTER.match(quarter.strip())
    if not match:
        return None
    year, q = int(match.group(1)), int(match.group(2))
    return date(year, 3 * q, 31 if q in (1, 4) else 30)


def years_since(quarter: str, today: date) -> float | None:
    end = quarter_end(quarter)
    return None if end is None else max(0.0, (today - end).days / 365.25)


def since_label(years: float | None) -> str:
    """Coarse time since treatment ended, fit for any report."""
    if years is None:
        return "end date unknown"
    for limit in (1, 2, 5):
        if years < limit:
            return f"within {limit} year{'s' if limit > 1 else ''}"
    return "over 5 years"


def _years(value: float | None) -> str:
    if value is None:
        return "never (no expiry)"
    return f"{value:g} year{'s' if value != 1 else ''}"


# -- policy data ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AccountRule:
    """One of the therapist's accounts; account '*' covers every account on the platform."""

    platform: str
    account: str
    kind: str


@dataclass(frozen=True, slots=True)
class Override:
    """A practice's change to preset cells; '*' matches any class, account kind or status."""

    key: str                     # as written: "[associated.]CLASS.ACCOUNT.STATUS"
    associated: bool
    cls: str
    account: str
    status: str
    severity: str
    action: str = ""
    note: str = ""

    @property
    def specificity(self) -> int:
        return sum(part != "*" for part in (self.cls, self.account, self.status))

    def matches(self, cls: str, account: str, status: str, associated: bool) -> bool:
        return (self.associated == associated and self.cls in ("*", cls) and self.account in ("*", account)
                and self.status in ("*", status))


@dataclass(frozen=True, slots=True)
class Applied:
    """A cell as the policy applies it: the preset's cell, or the override laid over it."""

    rule_id: str
    cell: Cell
    preset_cell: Cell
    override: Override | None = None


@dataclass(frozen=True, slots=True)
class Ruling:
    """What the policy says about one finding; everything a report needs, no identifiers."""

    finding_id: str
    client_ref: str
    preset: str
    edition: str
    category: str
    direction: str               # presets.CLASSES id
    account_kind: str            # as applied: personal / professional
    client_status: str           # as in the finding: current / former / unknown / associated
    status: str                  # the column used: current / former-within / former-after
    since_end: str               # "" for current clients, else "within 2 years", "over 5 years", ...
    severity: str
    rule: str
    sections: tuple[str, ...]
    action: str
    action_text: str
    notes: tuple[str, ...] = ()
    overridden: bool = False

    @property
    def direction_label(self) -> str:
        return CLASS_LABELS[self.direction]

    @property
    def severity_text(self) -> str:
        return SEVERITY_TEXT[self.severity]

    def as_dict(self) -> dict[str, Any]:
        return {"finding_id": self.finding_id, "client_ref": self.client_ref, "preset": self.preset,
                "edition": self.edition, "category": self.category, "direction": self.direction_label,
                "account_kind": self.account_kind, "client_status": self.client_status,
                "status": self.status, "since_end": self.since_end, "severity": self.severity,
                "rule": self.rule, "sections": list(self.sections), "action": self.action,
                "action_text": self.action_text, "notes": list(self.notes), "overridden": self.overridden}


def _norm_account(value: str) -> str:
    return value.strip().lstrip("@").casefold()


@dataclass(frozen=True, slots=True)
class Policy:
    """A preset plus the practice's settings; immutable, so one policy serves a whole audit."""

    preset: Preset
    look_back_years: float | None
    overrides: tuple[Override, ...] = ()
    accounts: tuple[AccountRule, ...] = ()
    audit_interval_months: int = 3
    small_count_threshold: int = 11
    min_tier: str = "possible"
    api_sign_ups: str = "unknown"
    source: str = field(default="", compare=False)

    # -- lookups --
    def account_kind(self, platform: str, account: str) -> tuple[str, bool]:
        """(kind, declared): an account the practice file does not name is personal, undeclared."""
        wanted = _norm_account(account)
        fallback = None
        for rule in self.accounts:
            if rule.platform != platform:
                continue
            if rule.account == "*":
                fallback = fallback or rule.kind
            elif rule.account == wanted:
                return rule.kind, True
        return (fallback, True) if fallback else ("personal", False)

    def admits(self, tier: str) -> bool:
        """False for a known match tier weaker than the policy's minimum."""
        if tier not in TIERS or self.min_tier not in TIERS:
            return True
        return TIERS.index(tier) <= TIERS.index(self.min_tier)

    def apply(self, cls: str, account_kind: str, status: str, *, associated: bool = False) -> Applied:
        """The cell for a class x account kind x status, after the practice's overrides."""
        preset = self.preset
        rule = preset.rule(cls, account_kind, associated=associated)
        own_row = associated and any(r.cls == cls for r in preset.associated)
        rule_id = f"{preset.id}:{'associated.' if own_row else ''}{cls}.{rule.account}.{status}"
        base = rule.cell(status)
        chosen = [o for o in self.overrides if o.matches(cls, account_kind, status, associated)]
        if not chosen:
            return Applied(rule_id, base, base)
        # the most specific override wins; among equals, the later one in the file
        override = max(enumerate(chosen), key=lambda pair: (pair[1].specificity, pair[0]))[1]
        cell = Cell(override.severity, base.sections, override.action or base.action, base.note)
        return Applied(rule_id, cell, base, override)

    # -- evaluation --
    def evaluate(self, finding: Finding, today: date, *, associated: bool | None = None) -> Ruling | None:
        """The ruling on a finding, or None when its match tier is below the policy's minimum.

        A finding is about an associated person (a client's family member,
        AAMFT 1.3) when `associated` says so or its client_status is
        'associated'; such a finding uses the current-client column unless
        a client status is given.
        """
        if not self.admits(finding.tier):
            return None
        conn = finding.connection
        assoc = finding.client_status == "associated" if associated is None else associated
        kind, declared = self.account_kind(conn.platform, conn.account)
        cls = direction_class(conn, kind, api_sign_ups=self.api_sign_ups)
        status, since, notes = self._status(finding.client_status, finding.client_ended, today, cls)
        applied = self.apply(cls, kind, status, associated=assoc)
        cell = applied.cell
        action = cell.action
        if cell.note:
            notes.insert(0, cell.note)
        if assoc:
            notes.append(self.preset.associated_note)
        if not declared and cls in KIND_SENSITIVE:
            where = f"{conn.platform} account '{conn.account}'" if conn.account else f"the {conn.platform} account"
            notes.append(f"Account kind unknown: {where} is not declared in the practice file, "
                         "so it is treated as personal.")
        if conn.relation == "request_out" and cls == "pending" and not (applied.override and applied.override.action):
            action = "unfollow"
            notes.append("You sent this request: withdraw it (sending it was your act).")
        if applied.override:
            notes.append(self._override_note(applied))
        return Ruling(
            finding_id=finding.finding_id, client_ref=finding.client_ref, preset=self.preset.id,
            edition=self.preset.edition, category=category(conn, cls, associated=assoc), direction=cls,
            account_kind=kind, client_status=finding.client_status, status=status, since_end=since,
            severity=cell.severity, rule=applied.rule_id, sections=cell.sections, action=action,
            action_text=ACTIONS[action], notes=tuple(notes), overridden=applied.override is not None)

    def _status(self, client_status: str, ended: str, today: date, cls: str) -> tuple[str, str, list[str]]:
        """(column, coarse time since end, notes) for a client status and '2024-Q3' end quarter."""
        if client_status == "former":
            years = years_since(ended or "", today)
            notes = [self._former_note(cls)]
            if years is None:
                notes.append("Treatment end date unknown: treated as within the look-back.")
            within = years is None or self.look_back_years is None or years < self.look_back_years
            return ("former-within" if within else "former-after"), since_label(years), notes
        if client_status in ("current", "associated"):
            return "current", "", []
        return "current", "", ["Client status unknown in the roster: treated as a current client."]

    def _former_note(self, cls: str) -> str:
        if cls in LIST_CLASSES:
            return "Former client: mailing-list rules do not expire, since a client list is PHI however old."
        if self.look_back_years == self.preset.look_back_years:
            return self.preset.look_back_note
        return (f"Former client: this practice's policy sets the look-back for online ties to "
                f"{_years(self.look_back_years)} (the {self.preset.name} preset's is "
                f"{_years(self.preset.look_back_years)}); the codes set periods only for romantic ties.")

    @staticmethod
    def _override_note(applied: Applied) -> str:
        override = applied.override
        assert override is not None
        text = (f"Practice override '{override.key}': {applied.cell.severity} "
                f"(the preset says {applied.preset_cell.severity}).")
        return f"{text} {override.note}" if override.note else text

    # -- for `policy show` and `policy check` --
    def describe(self) -> list[str]:
        """The settings in words, one per line."""
        lines = [f"preset:           {self.preset.id} ({self.preset.name})",
                 f"edition:          {self.preset.edition}",
                 f"look-back:        {_years(self.look_back_years)} for former clients' online ties"
                 + ("" if self.look_back_years == self.preset.look_back_years else
                    f" (preset: {_years(self.preset.look_back_years)})"),
                 f"audit interval:   every {self.audit_interval_months} month(s)",
                 f"small counts:     suppressed below {self.small_count_threshold} in external reports",
                 f"minimum tier:     {self.min_tier}",
                 f"API sign-ups:     {self.api_sign_ups}"]
        for rule in self.accounts:
            name = "every account" if rule.account == "*" else f"'{rule.account}'"
            lines.append(f"account:          {rule.platform} {name}: {rule.kind}")
        for override in self.overrides:
            extra = f", action {override.action}" if override.action else ""
            lines.append(f"override:         {override.key} = {override.severity}{extra}")
        return lines

    def warnings(self) -> list[str]:
        """Settings that are valid but do nothing, so the user is not misled."""
        found = []
        rows = self.preset.rules + self.preset.associated
        if (self.look_back_years != self.preset.look_back_years and self.look_back_years is not None
                and all(r.former_within == r.former_after for r in rows)):
            found.append(f"look_back_years changes no severity under preset {self.preset.id}: its former-client "
                         "rows do not expire; override '*.*.former-after' to lower them.")
        if self.look_back_years is None:
            dead = [o.key for o in self.overrides if o.status == "former-after"]
            if dead:
                found.append(f"override(s) {', '.join(dead)} never apply: there is no look-back, so no former "
                             "client is 'former-after'.")
        return found


def default_policy(preset: str = DEFAULT_PRESET) -> Policy:
    """A policy with a preset's own settings and no practice file.

    The default preset is ACA 2014 because (1) it is the only code with
    explicit social-media sections (A.5.e, H.6.a-d), so its citations read
    as guidance whatever a therapist's licence; (2) cell by cell it is at
    least as strict as APA 2017 and AAMFT 2015 on ties with clients (V on a
    personal account, the longest look-back, V for imported former clients);
    (3) NASW and `strict` never let former-client ties expire, which buries a
    long-practising therapist's short list under old ties, and `strict` marks
    self-subscribed list members H against HIPAA practice. A practice bound by
    another code picks it in its policy file.
    """
    try:
        chosen = get_preset(preset)
    except KeyError as exc:
        raise AuditorError(exc.args[0]) from None
    return Policy(preset=chosen, look_back_years=chosen.look_back_years, source=f"preset {chosen.id}")


# -- the practice file (TOML) ----------------------------------------------------------

_SECTIONS: dict[str, tuple[str, ...]] = {
    "former_clients": ("look_back_years",),
    "audit": ("interval_months", "min_tier"),
    "reports": ("small_count_threshold",),
    "lists": ("api_sign_ups",),
    "accounts": (),
    "overrides": (),
}
TOP_KEYS = ("preset", *_SECTIONS)
_OVERRIDE_KEYS = ("severity", "action", "note")


def load_policy(path: Path | str) -> Policy:
    """Read and check a practice policy file; AuditorError 'FILE, line N: ...' when it is wrong."""
    path = Path(path)
    raw = read_input(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AuditorError(f"{path}, line {line}: not UTF-8 text (save the file as UTF-8)") from None
    return parse_policy(text.removeprefix("\ufeff"), str(path))


def parse_policy(text: str, name: str = "policy.toml") -> Policy:
    """A Policy from the text of a practice file; `name` is used in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AuditorError(_syntax_error(name, str(exc), text)) from None
    reader = _Reader(name, text)
    policy = reader.build(data)
    reader.raise_first()
    assert policy is not None
    return policy


def _syntax_error(name: str, message: str, text: str) -> str:
    """tomllib's '... (at line 3, column 9)' as 'FILE, line 3: not valid TOML: ... (column 9)'."""
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if match:
        line, where = int(match.group(1)), f" (column {match.group(2)})"
        message = message[: match.start()]
    else:
        line, where = max(1, len(text.splitlines())), ""
        message = re.sub(r"\s*\(at end of document\)\s*$", " at the end of the file", message)
    return f"{name}, line {line}: not valid TOML: {message[:1].lower()}{message[1:]}{where}"


def _kind_of(value: Any) -> str:
    """How a TOML value is named in an error message."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return "a date or time"


class _Reader:
    """Checks a parsed practice file, collecting problems with the line each key sits on."""

    def __init__(self, name: str, text: str):
        self.name = name
        self.lines = _key_lines(text)
        self.problems: list[tuple[int, str]] = []

    # -- problems --
    def line_of(self, path: tuple[str, ...]) -> int:
        """The line that defines `path`, or failing that the closest enclosing key or table."""
        best, best_len = 0, -1
        for key_path, line in self.lines:
            if key_path == path:
                return line
            if path[: len(key_path)] == key_path and len(key_path) > best_len:
                best, best_len = line, len(key_path)
        return best or 1

    def problem(self, path: tuple[str, ...], message: str) -> None:
        self.problems.append((self.line_of(path), message))

    def raise_first(self) -> None:
        if not self.problems:
            return
        self.problems.sort(key=lambda p: p[0])
        line, message = self.problems[0]
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise AuditorError(f"{self.name}, line {line}: {message}{suffix}")

    def typed(self, path: tuple[str, ...], value: Any, wanted: type | tuple[type, ...], described: str) -> bool:
        if isinstance(value, bool) and bool not in (wanted if isinstance(wanted, tuple) else (wanted,)):
            ok = False
        else:
            ok = isinstance(value, wanted)
        if not ok:
            self.problem(path, f"'{'.'.join(path)}' must be {described}, not {_kind_of(value)}")
        return ok

    def choice(self, path: tuple[str, ...], value: Any, choices: tuple[str, ...], what: str) -> str | None:
        if not self.typed(path, value, str, "a string"):
            return None
        if value not in choices:
            self.problem(path, f"unknown {what} '{value}' (choose from {', '.join(choices)})")
            return None
        return value

    def number(self, path: tuple[str, ...], value: Any, low: float, high: float, whole: bool) -> Any:
        wanted: type | tuple[type, ...] = int if whole else (int, float)
        if not self.typed(path, value, wanted, "a whole number" if whole else "a number"):
            return None
        if not low <= value <= high:
            self.problem(path, f"'{'.'.join(path)}' must be between {low:g} and {high:g}, not {value:g}")
            return None
        return value

    # -- the file --
    def build(self, data: dict[str, Any]) -> Policy | None:
        for key in data:
            if key not in TOP_KEYS:
                self.problem((key,), f"unknown key '{key}' (expected one of: {', '.join(TOP_KEYS)})")
        preset_name = DEFAULT_PRESET
        if "preset" in data and self.typed(("preset",), data["preset"], str, "a string"):
            if data["preset"].strip().lower() in PRESETS:
                preset_name = data["preset"].strip().lower()
            else:
                self.problem(("preset",), f"unknown preset '{data['preset']}' (choose from {', '.join(PRESETS)})")
        sections = {name: self.section(data, name) for name in _SECTIONS}
        preset = PRESETS[preset_name]
        look_back = self.look_back(sections["former_clients"], preset)
        audit, reports, lists = sections["audit"], sections["reports"], sections["lists"]
        interval = self.number(("audit", "interval_months"), audit.get("interval_months", 3), 1, 24, True)
        min_tier = self.choice(("audit", "min_tier"), audit.get("min_tier", "possible"), TIERS, "match tier")
        threshold = self.number(("reports", "small_count_threshold"),
                                reports.get("small_count_threshold", 11), 0, 1000, True)
        api = self.choice(("lists", "api_sign_ups"), lists.get("api_sign_ups", "unknown"), API_SIGN_UPS,
                          "value for api_sign_ups")
        accounts = self.accounts(sections["accounts"])
        overrides = self.overrides(sections["overrides"])
        if self.problems:
            return None
        return Policy(preset=preset, look_back_years=look_back, overrides=overrides, accounts=accounts,
                      audit_interval_months=interval, small_count_threshold=threshold, min_tier=min_tier,
                      api_sign_ups=api, source=self.name)

    def section(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not self.typed((name,), value, dict, "a table"):
            return {}
        allowed = _SECTIONS[name]
        if allowed:
            for key in value:
                if key not in allowed:
                    self.problem((name, key), f"unknown key '{name}.{key}' (expected {', '.join(allowed)})")
        return value

    def look_back(self, section: dict[str, Any], preset: Preset) -> float | None:
        path = ("former_clients", "look_back_years")
        if "look_back_years" not in section:
            return preset.look_back_years
        value = section["look_back_years"]
        if isinstance(value, str) and value.strip().lower() == "never":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            shown = f"'{value}'" if isinstance(value, str) else _kind_of(value)
            self.problem(path, f"'former_clients.look_back_years' must be a number of years or \"never\", "
                               f"not {shown}")
            return None
        result = self.number(path, value, 0, 100, False)
        return None if result is None else float(result)

    def accounts(self, section: dict[str, Any]) -> tuple[AccountRule, ...]:
        found: list[AccountRule] = []
        for platform, value in section.items():
            path = ("accounts", platform)
            if platform not in PLATFORMS:
                self.problem(path, f"unknown platform '{platform}' under [accounts] (choose from "
                                   f"{', '.join(PLATFORMS)})")
                continue
            if isinstance(value, str):
                items = {"*": value}
            elif self.typed(path, value, (str, dict), 'a kind ("personal" or "professional") or a table of '
                                                       "account = kind"):
                items = value
            else:
                continue
            for account, kind in items.items():
                where = path if account == "*" and isinstance(value, str) else path + (account,)
                if not self.typed(where, kind, str, 'a string ("personal" or "professional")'):
                    continue
                if kind not in ACCOUNT_KINDS:
                    self.problem(where, f"account kind for {platform} '{account}' must be \"personal\" or "
                                        f"\"professional\", not '{kind}'")
                    continue
                found.append(AccountRule(platform, "*" if account == "*" else _norm_account(account), kind))
        return tuple(found)

    def overrides(self, section: dict[str, Any]) -> tuple[Override, ...]:
        found: list[Override] = []
        for key, value in section.items():
            path = ("overrides", key)
            parts = self.override_key(path, key)
            if isinstance(value, str):
                spec: dict[str, Any] = {"severity": value}
            elif self.typed(path, value, (str, dict), "a severity (V, H, R or I) or a table with severity, "
                                                      "action and note"):
                spec = value
                for extra in spec:
                    if extra not in _OVERRIDE_KEYS:
                        self.problem(path + (extra,), f"unknown key '{extra}' in override '{key}' "
                                                      f"(expected {', '.join(_OVERRIDE_KEYS)})")
            else:
                continue
            severity = spec.get("severity")
            sev_path = path if isinstance(value, str) else path + ("severity",)
            if severity is None:
                self.problem(path, f"override '{key}' needs a severity (V, H, R or I)")
                continue
            if not self.typed(sev_path, severity, str, "a severity (V, H, R or I)"):
                continue
            if severity.strip().upper() not in SEVERITIES:
                self.problem(sev_path, f"override '{key}': unknown severity '{severity}' (use V, H, R or I)")
                continue
            action = spec.get("action", "")
            if not self.typed(path + ("action",), action, str, "an action id"):
                continue
            if action and action not in ACTIONS:
                self.problem(path + ("action",), f"override '{key}': unknown action '{action}' (choose from "
                                                 f"{', '.join(ACTIONS)})")
                continue
            note = spec.get("note", "")
            if not self.typed(path + ("note",), note, str, "a string"):
                continue
            if parts is not None:
                associated, cls, account, status = parts
                found.append(Override(key, associated, cls, account, status, severity.strip().upper(),
                                      action, note.strip()))
        return tuple(found)

    def override_key(self, path: tuple[str, ...], key: str) -> tuple[bool, str, str, str] | None:
        """'[associated.]CLASS.ACCOUNT.STATUS' with '*' for any, or None after reporting why not."""
        parts = key.split(".")
        associated = parts[0] == "associated"
        if associated:
            parts = parts[1:]
        if len(parts) != 3:
            self.problem(path, f"override '{key}': expected CLASS.ACCOUNT.STATUS, e.g. 't2c.professional.current' "
                               "(prefix 'associated.' for a client's family members)")
            return None
        cls, account, status = parts
        for value, allowed, what in ((cls, CLASSES, "class"), (account, ACCOUNT_KINDS, "account kind"),
                                     (status, STATUSES, "client status")):
            if value != "*" and value not in allowed:
                self.problem(path, f"override '{key}': unknown {what} '{value}' (choose from "
                                   f"{', '.join(allowed)}, or *)")
                return None
        return associated, cls, account, status


# -- where each key sits in the text (tomllib keeps no positions) ------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _read_key(text: str, pos: int) -> tuple[tuple[str, ...], int] | None:
    """A dotted TOML key starting at `pos`: (parts, position after it), or None."""
    parts: list[str] = []
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text):
            return None
        if text[pos] == '"':
            end = pos + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                return None
            try:
                parts.append(tomllib.loads(f"k = {text[pos:end + 1]}")["k"])
            except tomllib.TOMLDecodeError:
                parts.append(text[pos + 1:end])
            pos = end + 1
        elif text[pos] == "'":
            end = text.find("'", pos + 1)
            if end < 0:
                return None
            parts.append(text[pos + 1:end])
            pos = end + 1
        else:
            match = _BARE_KEY.match(text, pos)
            if not match:
                return None
            parts.append(match.group())
            pos = match.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        return tuple(parts), pos


def _key_lines(text: str) -> list[tuple[tuple[str, ...], int]]:
    """(full key path, line number) for every table header and key = value line."""
    found: list[tuple[tuple[str, ...], int]] = []
    table: tuple[str, ...] = ()
    open_string = ""
    for number, line in enumerate(text.splitlines(), 1):
        if open_string:
            if line.count(open_string) % 2:
                open_string = ""
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            parsed = _read_key(stripped, 2 if stripped.startswith("[[") else 1)
            if parsed:
                table = parsed[0]
                found.append((table, number))
            continue
        parsed = _read_key(stripped, 0)
        if not parsed or not stripped[parsed[1]:].startswith("="):
            continue
        found.append((table + parsed[0], number))
        value = stripped[parsed[1] + 1:]
        for quotes in ('"""', "'''"):
            if value.count(quotes) % 2:
                open_string = quotes
                break
    return found
