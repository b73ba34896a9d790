"""What each reader may see, as a type: one view class and one builder per audience.

design.md, invariant 4: therapist reports may show the therapist's own
connection handles next to a client pseudonym; compliance reports show no
handles, names or free text from exports; external reports show aggregates
with small counts suppressed. Rather than trust every template to leave the
right fields out, each audience gets a frozen view that *cannot hold* what its
reader must not see:

- `TherapistView`: everything findings.json has (display names and e-mails
  masked, as in findings.json; handles, source locators, evidence, score).
- `ComplianceView`: per-finding policy facts keyed by finding_id/client_ref;
  no handle, name, path, evidence text or score (matching-notes.md: scores
  can re-identify records), and inputs as counts per platform only, since a
  path can carry the therapist's account name.
- `ExternalView`: counts only, passed through reports/suppress.py.

When the run was recorded in the history store (issue 6), each view also
carries what changed since the last audit, and every renderer leads with it:
therapist and compliance views get each change class (new, regressed,
acceptance expired, ...) with its count and finding_ids, and a short history
label per finding row (`change_label`); finding ids and client refs are
pseudonyms, so compliance may see them. The external view gets the counts
only, suppressed like every other external count.

Renderers receive a view, never the AuditResult.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from auditor.findings import AuditResult, Finding, connection_block
from auditor.history.changes import LEADS, Change, RunChanges
from auditor.match import TIERS
from auditor.policy import Ruling
from auditor.presets import SEVERITIES

from .interface import Audience
from .policy_facts import PolicyFacts, account_lines, policy_facts
from .suppress import ShownCount, show_total, suppress_table

UNRATED = "-"                  # a finding without a ruling (findings.json from before policies)
SEVERITY_ORDER = (*SEVERITIES, UNRATED)
Tally = tuple[tuple[str, int], ...]

TITLES: Mapping[Audience, str] = {
    Audience.THERAPIST: "Connection audit: therapist's private report",
    Audience.COMPLIANCE: "Connection audit: compliance report (de-identified)",
    Audience.EXTERNAL: "Connection audit: summary for external review",
}


def confidential_notice(audience: Audience, threshold: int) -> str:
    """The banner every report of this audience carries."""
    if audience is Audience.THERAPIST:
        return ("CONFIDENTIAL: for the treating therapist only. It holds protected health information "
                "(which of your own connections are probably clients, with their handles). Keep it private "
                "(file mode 0600); do not forward it.")
    if audience is Audience.COMPLIANCE:
        return ("CONFIDENTIAL: de-identified compliance report. Clients appear only as client_ref pseudonyms; "
                "it holds no names, social handles, text from exports or similarity scores. Share it only with "
                "the practice's compliance reviewer.")
    if threshold > 1:
        rule = (f"counts from 1 to {threshold - 1} are shown as \"<{threshold}\", and larger ones are withheld "
                "where subtraction would reveal a small one")
    else:
        rule = "the practice's policy turns small-count suppression off"
    return f"CONFIDENTIAL: aggregate summary for external review. Counts only: {rule}."


# -- the parts every report states -------------------------------------------------

@dataclass(frozen=True, slots=True)
class PlatformInputs:
    """What was read from one platform: counts only, no paths."""

    platform: str
    files: int
    records: int
    skipped: int


@dataclass(frozen=True, slots=True)
class ReportHeader:
    """Audience, times, policy, thresholds, inputs per platform and the confidentiality banner."""

    audience: Audience
    title: str
    confidential: str
    audit_generated_at: str        # when the audit ran
    generated_at: str              # when this report was rendered
    policy: PolicyFacts
    thresholds: tuple[tuple[str, float], ...]
    inputs: tuple[PlatformInputs, ...]
    connections_read: int

    @property
    def thresholds_text(self) -> str:
        return ", ".join(f"{tier} \u2265 {value:.2f}" for tier, value in self.thresholds) or "not recorded"


@dataclass(frozen=True, slots=True)
class Tallies:
    """Exact counts of findings (therapist and compliance views only)."""

    total: int
    by_severity: Tally
    by_tier: Tally
    by_platform: Tally
    by_category: Tally
    by_platform_severity: tuple[tuple[str, Tally], ...]


# -- what changed since the last audit ------------------------------------------------

#: how each change class is named in a report's "what changed" table
CHANGE_TITLES: Mapping[Change, str] = {Change.GONE: "gone (marked resolved)"}
#: the short history label of a finding row
ROW_LABELS: Mapping[Change, str] = {
    Change.NEW: "new", Change.STILL_OPEN: "still open", Change.ACCEPTED: "accepted",
    Change.EXPIRED: "acceptance expired", Change.CHANGED: "accepted, facts changed",
    Change.REGRESSED: "regressed", Change.REOPENED: "false positive, now stronger",
    Change.SUPPRESSED: "false positive", Change.GONE: "gone"}
CHANGES_TITLE = "What changed since the last audit"


def change_order() -> tuple[Change, ...]:
    """What needs attention first (new, regressed, expired, changed, reopened, gone), then the steady classes."""
    return (*LEADS, *(c for c in Change if c not in LEADS))


def _changes_title(previous_at: str, first_audit: bool) -> str:
    if first_audit:
        return f"{CHANGES_TITLE} (none before: first audit)"
    return f"{CHANGES_TITLE} ({previous_at[:10]})" if previous_at else CHANGES_TITLE


@dataclass(frozen=True, slots=True)
class ChangeCount:
    """One change class: its word in findings.json, its title in words, and the findings in it."""

    change: str                    # Change.value, e.g. "acceptance expired"
    title: str                     # e.g. "gone (marked resolved)"
    count: int
    finding_ids: tuple[str, ...]   # pseudonyms
    leads: bool                    # needs attention now (new, regressed, expired, changed, reopened, gone)


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """What changed since the last audit, by finding_id (therapist and compliance views)."""

    run: int
    previous_run: int | None
    previous_at: str
    headline: str
    classes: tuple[ChangeCount, ...]           # every class, in change_order(), zeros included
    row_labels: Mapping[str, str]              # finding_id -> short history label, findings present in this run
    row_changes: Mapping[str, str]             # finding_id -> Change.value (read-only mappings)

    @property
    def first_audit(self) -> bool:
        return self.previous_run is None

    @property
    def title(self) -> str:
        return _changes_title(self.previous_at, self.first_audit)

    @property
    def summary(self) -> str:
        """The headline without its 'Since the last audit (DATE):' (the section's title says it)."""
        if self.first_audit:
            return "First audit in this history: every finding is new."
        leads = ", ".join(f"{c.count} {c.title}" for c in self.classes if c.leads and c.count)
        steady = ", ".join(f"{c.count} {c.title}" for c in self.classes if not c.leads and c.count)
        text = leads or "Nothing new, regressed, expired or gone"
        return text[:1].upper() + text[1:] + (f"; unchanged: {steady}." if steady else ".")

    def lists_ids(self, row: ChangeCount) -> bool:
        """Whether a report's change section names the ids of a class: what changed, not the steady ones,
        and not on a first audit (every finding is new: the findings table says it row by row)."""
        return row.leads and not self.first_audit

    @property
    def shown(self) -> tuple[ChangeCount, ...]:
        """The classes with findings in them."""
        return tuple(c for c in self.classes if c.count)

    @property
    def gone_ids(self) -> tuple[str, ...]:
        return next((c.finding_ids for c in self.classes if c.change == Change.GONE.value), ())

    def label(self, finding_id: str) -> str:
        return self.row_labels.get(finding_id, "")

    def change(self, finding_id: str) -> str:
        return self.row_changes.get(finding_id, "")

    def order(self, finding_id: str) -> int:
        """Where the finding's change class stands in change_order() (for sorting: what changed first)."""
        words = [c.change for c in self.classes]
        change = self.change(finding_id)
        return words.index(change) if change in words else len(words)


def change_summary(changes: RunChanges | None) -> ChangeSummary | None:
    """The audience-safe form of a run's diff: pseudonymous finding ids, counts and labels."""
    if changes is None:
        return None
    classes = tuple(ChangeCount(c.value, CHANGE_TITLES.get(c, c.value), changes.count(c), tuple(changes.ids(c)),
                                c in LEADS) for c in change_order())
    present = [(fid, c) for c in change_order() if c is not Change.GONE for fid in changes.ids(c)]
    return ChangeSummary(
        run=int(changes.run_id), previous_run=changes.previous_run, previous_at=str(changes.previous_at or ""),
        headline=changes.headline(), classes=classes,
        row_labels=MappingProxyType({fid: ROW_LABELS.get(c, c.value) for fid, c in present}),
        row_changes=MappingProxyType({fid: c.value for fid, c in present}))


ShownTally = tuple[tuple[str, ShownCount], ...]


@dataclass(frozen=True, slots=True)
class ExternalChanges:
    """The change counts an external reader may see: present classes suppressed as one table, gone on its own."""

    first_audit: bool
    previous_at: str               # the date of the last audit
    counts: ShownTally             # Change.value -> shown count, findings present in this run
    gone: ShownCount               # not part of this run's total, so suppressed on its own

    @property
    def title(self) -> str:
        return _changes_title(self.previous_at, self.first_audit)

    def _parts(self) -> str:
        parts = [f"{title}: {count.text}" for change, title, count in self.rows
                 if Change(change) in LEADS and count.text != "0"]
        return "; ".join(parts) if parts else "nothing new, regressed, expired or gone"

    @property
    def summary(self) -> str:
        """What changed, in shown counts only ('New: <11; gone (marked resolved): 12.')."""
        if self.first_audit:
            return "First audit in this history: every finding is new."
        text = self._parts()
        return text[:1].upper() + text[1:] + "."

    @property
    def headline(self) -> str:
        """Like RunChanges.headline, in shown counts only."""
        if self.first_audit:
            return self.summary
        when = f" ({self.previous_at})" if self.previous_at else ""
        return f"Since the last audit{when}: {self._parts()}."

    @property
    def rows(self) -> tuple[tuple[str, str, ShownCount], ...]:
        """(change word, title, shown count) for every class, in change_order()."""
        shown = {**dict(self.counts), Change.GONE.value: self.gone}
        return tuple((c.value, CHANGE_TITLES.get(c, c.value), shown[c.value]) for c in change_order()
                     if c.value in shown)


def external_changes(changes: RunChanges | None, threshold: int) -> ExternalChanges | None:
    if changes is None:
        return None
    present = [(c.value, changes.count(c)) for c in change_order() if c is not Change.GONE]
    return ExternalChanges(first_audit=changes.previous_run is None, previous_at=str(changes.previous_at or "")[:10],
                           counts=suppress_table(present, threshold),
                           gone=show_total(changes.count(Change.GONE), threshold))


# -- therapist ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class InputFile:
    path: str
    platform: str
    records: int
    skipped: int


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    what: str
    level: str
    weight: float
    text: str


@dataclass(frozen=True, slots=True)
class ConnectionShown:
    """The connection as findings.json writes it: display name and e-mail masked."""

    id: str
    platform: str
    relation: str
    account: str
    display_name: str
    username: str
    email: str
    profile_url: str
    joined_via: str
    source: str

    @property
    def who(self) -> str:
        """The therapist's own handle for the tie, or masked text plus its place in the export."""
        if self.username:
            return "@" + self.username
        if self.profile_url:
            return self.profile_url
        if self.email:
            return self.email
        place = self.source.replace("\\", "/").rsplit("/", 1)[-1]
        return f"{self.display_name} {place}".strip()


@dataclass(frozen=True, slots=True)
class TherapistFinding:
    finding_id: str
    client_ref: str
    score: float
    tier: str
    ambiguous: bool
    client_status: str
    evidence: tuple[EvidenceItem, ...]
    connection: ConnectionShown
    ruling: Ruling | None

    @property
    def severity(self) -> str:
        return self.ruling.severity if self.ruling else UNRATED

    @property
    def evidence_text(self) -> str:
        """'e-mail; given name (nickname); surname': the supporting evidence in a few words."""
        parts = [e.what if e.level in ("exact", "pattern") else f"{e.what} ({e.level})"
                 for e in self.evidence if e.weight > 0]
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class TherapistView:
    header: ReportHeader
    roster_fingerprint: str
    roster_clients: int
    policy_lines: tuple[str, ...]           # Policy.describe() as recorded, accounts included
    accounts: tuple[str, ...]               # the therapist's declared accounts, in words
    input_files: tuple[InputFile, ...]
    ignored: tuple[tuple[str, str], ...]
    findings: tuple[TherapistFinding, ...]
    tallies: Tallies
    changes: ChangeSummary | None = None    # None: the run was not recorded in a history store

    def change_label(self, finding_id: str) -> str:
        """'new', 'regressed', 'acceptance expired', 'still open', 'accepted', ...; '' without history."""
        return self.changes.label(finding_id) if self.changes else ""


# -- compliance --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ComplianceFinding:
    """One finding in policy terms only: nothing here came from an export's free text."""

    finding_id: str
    client_ref: str
    category: str
    severity: str
    rule: str
    sections: tuple[str, ...]
    action: str
    action_text: str
    client_status: str
    since_end: str
    tier: str
    platform: str
    relation: str
    direction: str
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class ComplianceView:
    header: ReportHeader
    roster_fingerprint: str
    roster_clients: int
    findings: tuple[ComplianceFinding, ...]
    tallies: Tallies
    changes: ChangeSummary | None = None    # finding ids only: pseudonyms

    def change_label(self, finding_id: str) -> str:
        return self.changes.label(finding_id) if self.changes else ""


# -- external ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExternalView:
    """Aggregates only; a suppressed count is not kept, only its text."""

    header: ReportHeader
    threshold: int
    total: ShownCount
    by_severity: ShownTally
    by_tier: ShownTally
    by_platform: ShownTally
    by_category: ShownTally
    changes: ExternalChanges | None = None  # counts only, suppressed


View = TherapistView | ComplianceView | ExternalView


# -- builders ----------------------------------------------------------------------

def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _header(result: AuditResult, audience: Audience, now: str | None) -> ReportHeader:
    facts = policy_facts(result.policy, result.policy_warnings)
    per: dict[str, list[int]] = {}
    for item in result.inputs:
        files, records, skipped = per.setdefault(item.platform, [0, 0, 0])
        per[item.platform] = [files + 1, records + item.records, skipped + item.skipped]
    inputs = tuple(PlatformInputs(p, *counts) for p, counts in sorted(per.items()))
    return ReportHeader(
        audience=audience, title=TITLES[audience],
        confidential=confidential_notice(audience, facts.small_count_threshold),
        audit_generated_at=result.generated_at, generated_at=now or _now(), policy=facts,
        thresholds=tuple((str(k), float(v)) for k, v in result.thresholds.items()),
        inputs=inputs, connections_read=result.connections_read or sum(i.records for i in result.inputs))


def _severity(finding: Finding) -> str:
    return finding.ruling.severity if finding.ruling else UNRATED


def _category(finding: Finding) -> str:
    return finding.ruling.category if finding.ruling else "unclassified"


def _ordered(counter: Counter, order: tuple[str, ...], keep_zero: bool) -> Tally:
    keys = [k for k in order if keep_zero or counter[k]] + sorted(k for k in counter if k not in order)
    return tuple((k, counter[k]) for k in keys)


def _by_count(counter: Counter, also: tuple[str, ...] = ()) -> Tally:
    keys = set(counter) | set(also)
    return tuple((k, counter[k]) for k in sorted(keys, key=lambda k: (-counter[k], k)))


def _tallies(result: AuditResult, platforms_read: tuple[str, ...]) -> Tallies:
    findings = result.findings
    severity = Counter(_severity(f) for f in findings)
    platform = Counter(f.connection.platform for f in findings)
    severities = tuple(s for s in SEVERITY_ORDER if s != UNRATED or severity[UNRATED])
    by_platform = _by_count(platform, platforms_read)
    stacked = tuple((p, _ordered(Counter(_severity(f) for f in findings if f.connection.platform == p),
                                 severities, True)) for p, _ in by_platform)
    return Tallies(total=len(findings), by_severity=_ordered(severity, severities, True),
                   by_tier=_ordered(Counter(f.tier for f in findings), TIERS, True),
                   by_platform=by_platform, by_category=_by_count(Counter(_category(f) for f in findings)),
                   by_platform_severity=stacked)


def _platforms_read(result: AuditResult) -> tuple[str, ...]:
    return tuple(sorted({i.platform for i in result.inputs if i.platform != "mixed"}))


def _therapist_finding(finding: Finding) -> TherapistFinding:
    block = connection_block(finding.connection)        # masks display name and e-mail
    return TherapistFinding(
        finding_id=finding.finding_id, client_ref=finding.client_ref, score=float(finding.score),
        tier=finding.tier, ambiguous=bool(finding.ambiguous), client_status=finding.client_status,
        evidence=tuple(EvidenceItem(e.what, e.level, float(e.weight), e.text) for e in finding.evidence),
        connection=ConnectionShown(**{k: str(v or "") for k, v in block.items()}), ruling=finding.ruling)


def therapist_view(result: AuditResult, now: str | None = None) -> TherapistView:
    """The therapist's own report: everything findings.json holds."""
    return TherapistView(
        header=_header(result, Audience.THERAPIST, now), roster_fingerprint=result.roster_fingerprint,
        roster_clients=result.roster_clients, policy_lines=tuple(result.policy),
        accounts=account_lines(result.policy),
        input_files=tuple(InputFile(i.path, i.platform, i.records, i.skipped) for i in result.inputs),
        ignored=tuple((str(p), str(why)) for p, why in result.ignored),
        findings=tuple(_therapist_finding(f) for f in result.findings),
        tallies=_tallies(result, _platforms_read(result)), changes=change_summary(result.changes))


def _compliance_finding(finding: Finding) -> ComplianceFinding:
    ruling, conn = finding.ruling, finding.connection
    return ComplianceFinding(
        finding_id=finding.finding_id, client_ref=finding.client_ref, category=_category(finding),
        severity=_severity(finding), rule=ruling.rule if ruling else "",
        sections=tuple(ruling.sections) if ruling else (), action=ruling.action if ruling else "",
        action_text=ruling.action_text if ruling else "",
        client_status=ruling.client_status if ruling else finding.client_status,
        since_end=ruling.since_end if ruling else "", tier=finding.tier, platform=conn.platform,
        relation=conn.relation, direction=ruling.direction_label if ruling else "", ambiguous=bool(finding.ambiguous))


def _compliance_order(row: ComplianceFinding) -> tuple[int, int, str]:
    """Severity, then tier, then id: never the audit's score order, which would rank by score."""
    tier = TIERS.index(row.tier) if row.tier in TIERS else len(TIERS)
    return SEVERITY_ORDER.index(row.severity) if row.severity in SEVERITY_ORDER else 99, tier, row.finding_id


def compliance_view(result: AuditResult, now: str | None = None) -> ComplianceView:
    """The de-identified per-finding report for a compliance officer."""
    rows = sorted((_compliance_finding(f) for f in result.findings), key=_compliance_order)
    return ComplianceView(header=_header(result, Audience.COMPLIANCE, now),
                          roster_fingerprint=result.roster_fingerprint, roster_clients=result.roster_clients,
                          findings=tuple(rows), tallies=_tallies(result, _platforms_read(result)),
                          changes=change_summary(result.changes))


def external_view(result: AuditResult, now: str | None = None) -> ExternalView:
    """Aggregates for a board or insurer, small counts suppressed per the practice's policy."""
    header = _header(result, Audience.EXTERNAL, now)
    threshold = header.policy.small_count_threshold
    tallies = _tallies(result, _platforms_read(result))
    return ExternalView(header=header, threshold=threshold, total=show_total(tallies.total, threshold),
                        by_severity=suppress_table(tallies.by_severity, threshold),
                        by_tier=suppress_table(tallies.by_tier, threshold),
                        by_platform=suppress_table(tallies.by_platform, threshold),
                        by_category=suppress_table(tallies.by_category, threshold),
                        changes=external_changes(result.changes, threshold))


VIEW_BUILDERS: Mapping[Audience, Callable[..., View]] = {
    Audience.THERAPIST: therapist_view,
    Audience.COMPLIANCE: compliance_view,
    Audience.EXTERNAL: external_view,
}


def build_view(result: AuditResult, audience: Audience, now: str | None = None) -> View:
    """The view one audience may see of an audit."""
    return VIEW_BUILDERS[audience](result, now)
