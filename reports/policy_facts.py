"""The policy a report states, read back from the words an audit recorded.

An AuditResult (and so findings.json) carries the policy as the lines of
`Policy.describe()`. Reports read those lines rather than a live `Policy`, so
that `auditor report` re-renders an old findings.json with exactly the policy
the audit ran under. Account lines name the therapist's own accounts, so they
are kept apart: only the therapist's reports print them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_SMALL_COUNT = 11      # Policy's default, for audits recorded before policies existed
_BELOW = re.compile(r"below (\d+)")


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    """Preset, edition, overrides and other settings in words; no account names."""

    preset: str
    edition: str
    overrides: tuple[str, ...]
    settings: tuple[str, ...]          # every other described setting, "name: value"
    warnings: tuple[str, ...]
    small_count_threshold: int

    @property
    def overrides_text(self) -> str:
        return "; ".join(self.overrides) if self.overrides else "none"


def _split(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip(), " ".join(value.split())


def policy_facts(lines: Sequence[str], warnings: Sequence[str] = ()) -> PolicyFacts:
    """PolicyFacts from `Policy.describe()` lines; an empty list means an audit without a policy."""
    preset = edition = ""
    overrides: list[str] = []
    settings: list[str] = []
    threshold = DEFAULT_SMALL_COUNT
    for line in lines:
        name, value = _split(line)
        if name == "preset":
            preset = value
        elif name == "edition":
            edition = value
        elif name == "override":
            overrides.append(value)
        elif name == "account":
            continue                    # therapist-only: see account_lines()
        else:
            if name == "small counts" and (match := _BELOW.search(value)):
                threshold = int(match.group(1))
            settings.append(f"{name}: {value}")
    return PolicyFacts(preset=preset or "not recorded (audit made before practice policies)",
                       edition=edition or "not recorded", overrides=tuple(overrides),
                       settings=tuple(settings), warnings=tuple(warnings), small_count_threshold=threshold)


def account_lines(lines: Sequence[str]) -> tuple[str, ...]:
    """The therapist's declared accounts ("facebook 'name': personal"): therapist reports only."""
    return tuple(_split(line)[1] for line in lines if _split(line)[0] == "account")
