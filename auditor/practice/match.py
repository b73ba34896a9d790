"""The admin's match: one clinician's encoded connections against the practice roster.

Two passes, so that nothing about a colleague's caseload reaches the clinician
(design.md, invariant 5):

1. against the clinician's own caseload only (a sub-roster): these findings go
   back to the clinician. Scores, tiers and the "ambiguous" flag are computed
   among the clinician's own clients, exactly as in a solo audit, so they do not
   hint that a colleague has a client of a similar name;
2. against the whole roster: matches to another clinician's client (or a client
   with no clinician) are kept in the admin's history store only, under their
   own category, without evidence, score or client_ref: the compliance view
   counts them.

Connection tokens that no client has are dropped before matching (the same
vocabulary filter a solo audit applies at encoding time).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import numpy as np

from connectors.interface import Connection

from ..errors import AuditorError
from ..findings import AuditResult, Finding, InputSummary
from ..keys import SubKeys
from ..match import TIERS, Matcher, MatchSettings
from ..normalize import split_words
from ..policy import Policy, default_policy
from ..roster import STATUS_NAMES, EncodedRoster, clinician_ref, pseudonym
from .encoded import PracticeConnections

COLLEAGUE = "colleague's client"
COLLEAGUE_NOTE = ("A client of another clinician of the practice (or of no clinician): recorded for the "
                  "compliance view only, never sent to this clinician.")


def practice_finding_id(keys: SubKeys, client: str, connection_ref: str) -> str:
    """Stable across quarters: the client's ref and the clinician's connection ref."""
    return "F-" + pseudonym(keys.pseudonyms, "finding", f"{client}|practice|{connection_ref}", 10)


def clinician_counts(roster: EncodedRoster) -> dict[str, int]:
    """Clinician pseudonym ('' for none) -> number of clients."""
    names, counts = np.unique(roster.clinician.astype(str), return_counts=True)
    return {str(n): int(c) for n, c in zip(names, counts)}


def resolve_clinician(keys: SubKeys, roster: EncodedRoster | None, value: str, where: str = "") -> str:
    """'K-XXXX' as stored, or the name/id as written in the roster's clinician column -> 'K-XXXX'."""
    text = value.strip()
    known = set(clinician_counts(roster)) - {""} if roster is not None else None
    candidates = []
    if text.upper().startswith("K-"):
        candidates.append(text.upper())
    words = " ".join(split_words(text))
    if words:
        candidates.append(clinician_ref(keys, words))
    for raw in (text.casefold(), text):             # an id the name cleaner would drop ('17', 'T-042')
        if raw:
            candidates.append(clinician_ref(keys, raw))
    for ref in candidates:
        if known is None or ref in known:
            return ref
    hint = f" (list them with: auditor practice clinicians --roster {where})" if where else ""
    raise AuditorError(f"--clinician {value}: no such clinician in the roster{hint}")


def subset_roster(roster: EncodedRoster, keep: np.ndarray) -> EncodedRoster:
    """The clients where `keep` is True, with token and filter owners renumbered."""
    index = np.full(roster.size, -1, dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))

    def rows(group: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        owner = group["owner"]
        mask = keep[owner] if owner.size else np.zeros(0, dtype=bool)
        out = {k: v[mask] for k, v in group.items()}
        out["owner"] = index[owner[mask]].astype(owner.dtype)
        return out

    return EncodedRoster(refs=roster.refs[keep], status=roster.status[keep], ended=roster.ended[keep],
                         clinician=roster.clinician[keep], tokens=rows(roster.tokens),
                         filters=rows(roster.filters), header=dict(roster.header))


def restrict_vocabulary(encoded, vocabulary: np.ndarray):
    """The encodings without token rows that no client has (they can never match)."""
    tokens = encoded.tokens
    mask = np.isin(tokens["token"], vocabulary)
    return dataclasses.replace(encoded, tokens={k: v[mask] for k, v in tokens.items()})


@dataclass(slots=True)
class PracticeMatch:
    """The outcome for one clinician: findings for them, and what only the admin keeps."""

    clinician: str
    own: list[Finding]
    colleague: list[Finding]
    result: AuditResult                  # own + colleague findings, for the admin's history store
    caseload: int
    thresholds: dict[str, float] = field(default_factory=dict)


def match_clinician(keys: SubKeys, roster: EncodedRoster, pc: PracticeConnections, clinician: str, *,
                    policy: Policy | None = None, min_tier: str = "possible", today: date | None = None,
                    settings: MatchSettings | None = None) -> PracticeMatch:
    if min_tier not in TIERS:
        raise AuditorError(f"--min-tier must be one of: {', '.join(TIERS)}")
    policy = policy or default_policy()
    today = today or datetime.now(timezone.utc).date()
    allowed = TIERS[: TIERS.index(min_tier) + 1]
    mine = roster.clinician.astype(str) == clinician
    matcher = Matcher(settings)
    connections = [pc.connection(i) for i in range(pc.size)]

    def findings(sub: EncodedRoster, colleague: bool) -> list[Finding]:
        if sub.size == 0 or pc.size == 0:
            return []
        encoded = restrict_vocabulary(pc.encoded, np.unique(sub.tokens["token"]))
        out: list[Finding] = []
        for m in matcher.match(sub, encoded):
            if m.tier not in allowed:
                continue
            if colleague and str(sub.clinician[m.client]) == clinician:
                continue
            conn: Connection = connections[m.connection]
            ref = str(sub.refs[m.client])
            fid = practice_finding_id(keys, ref, str(pc.refs[m.connection]))
            finding = Finding(
                finding_id=fid, client_ref=ref, score=m.score, tier=m.tier, ambiguous=m.ambiguous,
                evidence=m.evidence, connection=conn, client_status=STATUS_NAMES[int(sub.status[m.client])],
                client_ended=str(sub.ended[m.client]), clinician_ref=str(sub.clinician[m.client]))
            finding.ruling = policy.evaluate(finding, today)
            if finding.ruling is None:
                continue
            if colleague:
                finding = _de_identified(finding)
            out.append(finding)
        return out

    own = findings(subset_roster(roster, mine), colleague=False)
    others = findings(roster, colleague=True)
    colleague: list[Finding] = []
    seen: set[str] = set()
    for f in others:                      # one count per connection and colleague's client
        if f.finding_id not in seen:
            seen.add(f.finding_id)
            colleague.append(f)
    inputs = [InputSummary(path=f"{i['platform']} (encoded)", platform=i["platform"], records=int(i["records"]),
                           skipped=int(i.get("skipped", 0))) for i in pc.inputs]
    platforms = sorted({str(p) for p in pc.attributes["platform"].tolist()} | {i.platform for i in inputs})
    result = AuditResult(
        generated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        roster_fingerprint=keys.fingerprint, roster_clients=int(mine.sum()), inputs=inputs, ignored=[],
        findings=own + colleague, connections_read=pc.size, policy=policy.describe(),
        policy_warnings=policy.warnings(),
        thresholds={"likely": matcher.settings.likely, "possible": matcher.settings.possible},
        platforms_read=platforms)
    return PracticeMatch(clinician=clinician, own=own, colleague=colleague, result=result,
                         caseload=int(mine.sum()), thresholds=dict(result.thresholds))


def _de_identified(finding: Finding) -> Finding:
    """A colleague's client as the admin's store keeps it: no client_ref, score or evidence."""
    ruling = finding.ruling
    assert ruling is not None
    ruling = dataclasses.replace(ruling, client_ref="", category=COLLEAGUE, notes=(COLLEAGUE_NOTE,))
    return dataclasses.replace(finding, client_ref="", score=0.0, evidence=[], client_ended="", ruling=ruling,
                               ambiguous=False)
