"""The one orchestrator: exports + encoded roster -> findings.

It wires the stages (connectors, encoder, matcher) and nothing else; the CLI
is a thin shell around it and reports only render its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable, Sequence

from connectors.interface import Connection, ConnectorError
from connectors.registry import ReadReport, Registry

from .connection_features import encode_connections
from .encode import Encoder
from .errors import AuditorError
from .findings import AuditResult, Finding, InputSummary, connection_key, finding_id
from .keys import SubKeys
from .match import TIERS, Matcher, MatchSettings
from .policy import Policy, default_policy
from .roster import STATUS_NAMES, EncodedRoster

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(slots=True)
class AuditOptions:
    min_tier: str = "possible"
    region: str = "US"
    settings: MatchSettings | None = None
    policy: Policy | None = None          # None: the default preset
    today: date | None = None             # for time since the end of treatment

def _by_name_only(key: str) -> bool:
    return key.rsplit("|", 1)[-1].startswith(("name:", "row:"))


def read_connections(specs: Sequence[str], registry: Registry | None = None
                     ) -> tuple[list[Connection], list[InputSummary], list[tuple[str, str]]]:
    """Read every --connections PATH; a bad file stops the audit with its own message."""
    registry = registry or Registry()
    connections: list[Connection] = []
    inputs: list[InputSummary] = []
    ignored: list[tuple[str, str]] = []
    seen: set[str] = set()
    for spec in specs:
        try:
            report: ReadReport = registry.read_path(spec)
        except ConnectorError as exc:
            raise AuditorError(str(exc)) from None
        ignored.extend(report.ignored)
        for result in report.files:
            platforms = {c.platform for c in result.connections} or {result.platform}
            # The same person in two parts of a list (followers_1/_2, a list exported twice)
            # is one connection.
            fresh = []
            for conn in result.connections:
                key = connection_key(conn)
                if _by_name_only(key):        # two friends may share a name: never merged
                    fresh.append(conn)
                elif key not in seen:
                    seen.add(key)
                    fresh.append(conn)
            duplicates = len(result.connections) - len(fresh)
            details = list(result.skipped)
            if duplicates:
                details.append(f"{result.name}: {duplicates} entries already read from another file or row")
            inputs.append(InputSummary(
                path=result.name,
                platform=platforms.pop() if len(platforms) == 1 else "mixed",
                records=len(fresh), skipped=len(result.skipped) + duplicates,
                skipped_details=details))
            connections.extend(fresh)
    return connections, inputs, ignored


class Auditor:
    """Runs one audit of connection lists against one encoded roster."""

    def __init__(self, keys: SubKeys, options: AuditOptions | None = None,
                 progress: Progress = _quiet, encoder: Encoder | None = None):
        self.keys = keys
        self.options = options or AuditOptions()
        self.progress = progress
        self.encoder = encoder or Encoder(keys)
        if self.options.min_tier not in TIERS:
            raise AuditorError(f"--min-tier must be one of: {', '.join(TIERS)}")

    def run(self, roster: EncodedRoster, specs: Sequence[str]) -> AuditResult:
        self.progress("reading connection exports")
        connections, inputs, ignored = read_connections(specs)
        return self.run_on(roster, connections, inputs, ignored)

    def run_on(self, roster: EncodedRoster, connections: list[Connection],
               inputs: list[InputSummary], ignored: list[tuple[str, str]]) -> AuditResult:
        self.progress(f"encoding {len(connections):,} connections")
        # Connection tokens that no client has can never match: keep only the roster's.
        encoder = Encoder(self.keys, self.encoder.names, vocabulary=frozenset(roster.tokens["token"].tolist()))
        encoded = encode_connections(encoder, connections, self.options.region)
        # Its caches hold every name seen, as Python objects (a gigabyte at a million
        # connections): gone before matching, the audit's peak of memory.
        del encoder
        self.progress(f"matching against {roster.clients:,} clients")
        matcher = Matcher(self.options.settings)
        matches = matcher.match(roster, encoded)
        policy = self.options.policy or default_policy()
        today = self.options.today or datetime.now(timezone.utc).date()
        allowed = TIERS[: TIERS.index(self.options.min_tier) + 1]
        findings = []
        for m in matches:
            if m.tier not in allowed:
                continue
            conn = connections[m.connection]
            ref = str(roster.refs[m.client])
            finding = Finding(
                finding_id=finding_id(self.keys.pseudonyms, ref, conn), client_ref=ref,
                score=m.score, tier=m.tier, ambiguous=m.ambiguous, evidence=m.evidence,
                connection=conn, client_status=STATUS_NAMES[int(roster.status[m.client])],
                client_ended=str(roster.ended[m.client]), clinician_ref=str(roster.clinician[m.client]))
            finding.ruling = policy.evaluate(finding, today)
            if finding.ruling is not None:     # None: below the tier the policy asks for
                findings.append(finding)
        return AuditResult(
            generated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            roster_fingerprint=self.keys.fingerprint, roster_clients=roster.clients,
            inputs=inputs, ignored=ignored, findings=findings, connections_read=len(connections),
            policy=policy.describe(), policy_warnings=policy.warnings(),
            thresholds={"likely": matcher.settings.likely, "possible": matcher.settings.possible},
            platforms_read=sorted({c.platform for c in connections} | {i.platform for i in inputs
                                                                        if i.platform != "mixed"}))
