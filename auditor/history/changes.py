"""How one audit differs from the last: the rules, kept apart from SQL.

detect-secrets keeps a labelled baseline so a scan shows only what is new;
code-scanning dismissals come back when the code changes. Here a finding's
label (status) is carried from run to run by its stable finding_id:

- not seen before                         -> new (open)
- open, seen again                        -> still open
- accepted, its --until date has passed   -> expired (open again)
- accepted, the facts it was judged on changed (category, direction,
  account, client status, severity, rule) -> changed (open again)
- resolved, seen again                    -> regressed (open again)
- false positive, seen at a higher tier   -> reopened (open again)
- open or accepted, absent from a run that read its platform -> gone
  (marked resolved automatically: the connection was removed)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

STATUSES = ("open", "accepted", "resolved", "false-positive")
TIER_RANK = {"possible": 1, "likely": 2, "confirmed": 3}


class Change(str, Enum):
    NEW = "new"
    STILL_OPEN = "still open"
    ACCEPTED = "still accepted"
    EXPIRED = "acceptance expired"
    CHANGED = "accepted, facts changed"
    REGRESSED = "regressed"
    REOPENED = "false positive, now stronger"
    SUPPRESSED = "still marked false positive"
    GONE = "gone"

    @property
    def status(self) -> str:
        """The finding's status after this change."""
        return {Change.ACCEPTED: "accepted", Change.SUPPRESSED: "false-positive",
                Change.GONE: "resolved"}.get(self, "open")


LEADS = (Change.NEW, Change.REGRESSED, Change.EXPIRED, Change.CHANGED, Change.REOPENED, Change.GONE)


@dataclass(frozen=True, slots=True)
class Prior:
    """What the store knew of a finding before this run."""

    status: str
    tier: str
    facts: str
    accepted_until: str | None


def classify(prior: Prior | None, tier: str, facts: str, today: date) -> Change:
    """The change for a finding present in this run."""
    if prior is None:
        return Change.NEW
    if prior.status == "open":
        return Change.STILL_OPEN
    if prior.status == "accepted":
        if prior.accepted_until and date.fromisoformat(prior.accepted_until) < today:
            return Change.EXPIRED
        return Change.CHANGED if prior.facts != facts else Change.ACCEPTED
    if prior.status == "resolved":
        return Change.REGRESSED
    if TIER_RANK.get(tier, 0) > TIER_RANK.get(prior.tier, 0):
        return Change.REOPENED
    return Change.SUPPRESSED


def disappears(prior: Prior) -> bool:
    """An absent finding is marked gone only if it was still a live concern."""
    return prior.status in ("open", "accepted")


@dataclass(slots=True)
class RunChanges:
    """The diff of one run against the store, by finding_id (no identifiers)."""

    run_id: int
    previous_run: int | None = None
    previous_at: str = ""
    by_change: dict[Change, list[str]] = field(default_factory=dict)

    def ids(self, change: Change) -> list[str]:
        return self.by_change.get(change, [])

    def count(self, change: Change) -> int:
        return len(self.ids(change))

    def status_of(self) -> dict[str, str]:
        return {fid: change.status for change, ids in self.by_change.items() for fid in ids}

    def change_of(self) -> dict[str, Change]:
        return {fid: change for change, ids in self.by_change.items() for fid in ids}

    def headline(self) -> str:
        """'Since the last audit (2026-08-20): 2 new, 1 gone, 1 regressed.'"""
        if self.previous_run is None:
            return "First audit in this history: every finding is new."
        parts = [f"{self.count(c)} {c.value}" for c in LEADS if self.count(c)]
        when = f" ({self.previous_at[:10]})" if self.previous_at else ""
        return f"Since the last audit{when}: " + (", ".join(parts) if parts else "nothing changed") + "."

    def as_dict(self) -> dict[str, object]:
        return {"run": self.run_id, "previous_run": self.previous_run, "previous_at": self.previous_at,
                "counts": {c.value: self.count(c) for c in Change},
                "findings": {c.value: list(self.ids(c)) for c in Change if self.ids(c)}}
