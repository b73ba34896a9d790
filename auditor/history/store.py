"""The history store: one SQLite file per practice, written one transaction per run or label.

A killed process leaves either the whole run or none of it (SQLite's journal),
so the previous results are never half-overwritten. The file is created 0600
in a 0700 folder; handles, evidence and free-text reasons are sealed under a
key derived from the practice secret; plain columns hold pseudonyms, labels
and counts only, each row sealed with a keyed MAC so `log verify` notices edits.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ..clock import now_utc
from ..errors import AuditorError, WrongKeyError
from ..findings import AuditResult, Finding
from ..keys import SubKeys
from . import chain
from .changes import Change, Prior, RunChanges, classify, disappears
from .cipher import ColumnCipher
from .schema import migrate

ACTIONS = {"accept": "accepted", "resolve": "resolved", "false-positive": "false-positive", "reopen": "open"}


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """A finding's row: pseudonyms and labels only (the sealed detail is read on request)."""

    finding_id: str
    scope: str
    client_ref: str
    clinician_ref: str
    platform: str
    category: str
    severity: str
    tier: str
    status: str
    status_since: str
    accepted_until: str | None
    first_seen: str
    last_run: int
    present: bool

    def effective_status(self, today: date) -> str:
        """'accepted' turns back into 'open' once its --until date has passed."""
        if self.status == "accepted" and self.accepted_until and date.fromisoformat(self.accepted_until) < today:
            return "open"
        return self.status


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: int
    at: str
    kind: str
    scope: str
    platforms: list[str]
    preset: str
    connections: int
    findings: int
    counts: dict[str, Any]


_FINDING_COLUMNS = ("finding_id, scope, client_ref, clinician_ref, platform, category, severity, tier, status, "
                    "status_since, accepted_until, first_seen, last_run, present")


def facts_of(finding: Finding) -> list[str]:
    """What a person judged when accepting: a change in any of these brings the finding back."""
    r = finding.ruling
    if r is None:
        return [finding.connection.platform, finding.connection.relation, finding.client_status]
    return [finding.connection.platform, finding.connection.relation, r.category, r.direction, r.account_kind,
            r.status, r.severity, r.rule]


def finding_counts(findings: list[Finding]) -> dict[str, dict[str, int]]:
    """De-identified tallies kept in the clear for summaries (no key needed to count)."""
    out: dict[str, dict[str, int]] = {"severity": {}, "category": {}, "tier": {}, "platform": {}}
    for f in findings:
        for name, value in (("severity", f.ruling.severity if f.ruling else "?"),
                            ("category", f.ruling.category if f.ruling else "?"),
                            ("tier", f.tier), ("platform", f.connection.platform)):
            out[name][value] = out[name].get(value, 0) + 1
    return out


class HistoryStore:
    """Runs, findings and dispositions of one practice key, with the chained log."""

    def __init__(self, db: sqlite3.Connection, path: Path, keys: SubKeys):
        self.db = db
        self.path = path
        self.fingerprint = keys.fingerprint
        self.cipher = ColumnCipher(keys.history, keys.log)

    # -- life cycle -------------------------------------------------------------
    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "HistoryStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self) -> "_Transaction":
        return _Transaction(self.db)

    # -- runs -------------------------------------------------------------------
    def record_run(self, result: AuditResult, document: dict[str, Any], *, kind: str = "audit", scope: str = "",
                   platforms: list[str] | None = None, today: date | None = None) -> RunChanges:
        """Store one run and label its findings against the store; one transaction."""
        today = today or datetime.now(timezone.utc).date()
        at = now_utc()
        platforms = sorted(set(platforms if platforms is not None else result.platforms_read))
        details = {f.get("finding_id"): f for f in document.get("findings", [])}
        with self._transaction():
            previous = self.last_run(scope)
            counts = finding_counts(result.findings)
            cur = self.db.execute(
                "INSERT INTO runs (at, kind, scope, platforms, preset, connections, findings, counts, document, mac) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, '{}', x'', '')",
                (at, kind, scope, json.dumps(platforms), _preset(result), result.connections_read,
                 len(result.findings)))
            run_id = int(cur.lastrowid or 0)
            changes = RunChanges(run_id, previous.run_id if previous else None, previous.at if previous else "")
            seen: set[str] = set()
            for finding in result.findings:
                if finding.finding_id in seen:
                    continue
                seen.add(finding.finding_id)
                change = self._label_present(run_id, at, scope, finding, details.get(finding.finding_id, {}), today)
                changes.by_change.setdefault(change, []).append(finding.finding_id)
            for finding_id in self._absent(scope, platforms, seen):
                prior = self._prior(finding_id)
                if prior is not None and disappears(prior):
                    self._set_status(finding_id, "resolved", at, None, present=False)
                    self._disposition(finding_id, at, "gone", None, "auditor",
                                      f"not in the {kind} of {at[:10]}: the connection was removed")
                    self.db.execute("INSERT INTO run_findings VALUES (?, ?, ?)", (run_id, finding_id, Change.GONE.value))
                    changes.by_change.setdefault(Change.GONE, []).append(finding_id)
                else:
                    self._set_present(finding_id, False)
            counts["changes"] = {c.value: changes.count(c) for c in Change if changes.count(c)}
            sealed = self.cipher.seal(document, f"runs/{run_id}/document")
            self.db.execute("UPDATE runs SET counts = ?, document = ?, mac = ? WHERE run_id = ?",
                            (json.dumps(counts, sort_keys=True), sealed,
                             self._run_mac(run_id, at, kind, scope, platforms, _preset(result),
                                           result.connections_read, len(result.findings), counts), run_id))
            chain.append(self.db, self.cipher, at, kind, f"run {run_id}", {
                "run": run_id, "scope": scope, "platforms": platforms, "preset": _preset(result),
                "connections": result.connections_read, "findings": len(seen), "counts": counts,
                "changes": {c.value: sorted(ids) for c, ids in changes.by_change.items()
                            if c in (Change.NEW, Change.GONE, Change.REGRESSED, Change.EXPIRED, Change.CHANGED,
                                     Change.REOPENED)}})
        return changes

    def _label_present(self, run_id: int, at: str, scope: str, finding: Finding, detail: dict[str, Any],
                       today: date) -> Change:
        facts = self.cipher.mac("facts", *facts_of(finding))
        prior = self._prior(finding.finding_id)
        change = classify(prior, finding.tier, facts, today)
        status = change.status
        r = finding.ruling
        sealed = self.cipher.seal(detail, f"findings/{finding.finding_id}/detail")
        row = dict(finding_id=finding.finding_id, scope=scope, client_ref=finding.client_ref,
                   clinician_ref=finding.clinician_ref, platform=finding.connection.platform,
                   category=r.category if r else "", severity=r.severity if r else "", tier=finding.tier)
        if prior is None:
            self.db.execute(
                "INSERT INTO findings (finding_id, scope, client_ref, clinician_ref, platform, category, severity, "
                "tier, status, status_since, accepted_until, facts, judged_facts, judged_tier, first_run, "
                "first_seen, last_run, present, detail, mac) VALUES (:finding_id, :scope, :client_ref, "
                ":clinician_ref, :platform, :category, :severity, :tier, 'open', :at, NULL, :facts, '', '', :run, "
                ":at, :run, 1, :detail, '')", {**row, "at": at, "facts": facts, "run": run_id, "detail": sealed})
        else:
            self.db.execute(
                "UPDATE findings SET scope = :scope, client_ref = :client_ref, clinician_ref = :clinician_ref, "
                "platform = :platform, category = :category, severity = :severity, tier = :tier, facts = :facts, "
                "last_run = :run, present = 1, detail = :detail WHERE finding_id = :finding_id",
                {**row, "facts": facts, "run": run_id, "detail": sealed})
            if status != prior.status:
                self._set_status(finding.finding_id, status, at, None, present=True)
                self._disposition(finding.finding_id, at, "reopen", None, "auditor", change.value)
        self._reseal(finding.finding_id)
        self.db.execute("INSERT INTO run_findings VALUES (?, ?, ?)", (run_id, finding.finding_id, change.value))
        return change

    def _absent(self, scope: str, platforms: list[str], seen: set[str]) -> list[str]:
        marks = ",".join("?" * len(platforms))
        rows = self.db.execute(
            f"SELECT finding_id FROM findings WHERE scope = ? AND present = 1 AND platform IN ({marks})",
            (scope, *platforms)).fetchall()
        return sorted(fid for (fid,) in rows if fid not in seen)

    def _prior(self, finding_id: str) -> Prior | None:
        row = self.db.execute("SELECT status, judged_tier, judged_facts, accepted_until FROM findings "
                              "WHERE finding_id = ?", (finding_id,)).fetchone()
        return Prior(*row) if row else None

    def _set_status(self, finding_id: str, status: str, at: str, until: str | None, *, present: bool | None = None,
                    judged: bool = False) -> None:
        self.db.execute("UPDATE findings SET status = ?, status_since = ?, accepted_until = ? WHERE finding_id = ?",
                        (status, at, until, finding_id))
        if judged:
            self.db.execute("UPDATE findings SET judged_facts = facts, judged_tier = tier WHERE finding_id = ?",
                            (finding_id,))
        if present is not None:
            self._set_present(finding_id, present)
        self._reseal(finding_id)

    def _set_present(self, finding_id: str, present: bool) -> None:
        self.db.execute("UPDATE findings SET present = ? WHERE finding_id = ?", (int(present), finding_id))
        self._reseal(finding_id)

    def _finding_mac(self, finding_id: str) -> str:
        row = self.db.execute(
            "SELECT scope, client_ref, clinician_ref, platform, category, severity, tier, status, status_since, "
            "accepted_until, facts, judged_facts, judged_tier, first_run, first_seen, last_run, present "
            "FROM findings WHERE finding_id = ?", (finding_id,)).fetchone()
        return self.cipher.mac("finding", finding_id, *row)

    def _reseal(self, finding_id: str) -> None:
        self.db.execute("UPDATE findings SET mac = ? WHERE finding_id = ?", (self._finding_mac(finding_id), finding_id))

    def _run_mac(self, run_id: int, at: str, kind: str, scope: str, platforms: list[str], preset: str,
                 connections: int, findings: int, counts: dict[str, Any]) -> str:
        """Seals every plain column of the run and the change it recorded for each finding (run_findings)."""
        labels = self.db.execute("SELECT finding_id, change FROM run_findings WHERE run_id = ? ORDER BY finding_id",
                                 (run_id,)).fetchall()
        return self.cipher.mac("run", run_id, at, kind, scope, platforms, preset, connections, findings, counts,
                               [list(row) for row in labels])

    # -- dispositions -----------------------------------------------------------
    def dispose(self, finding_id: str, action: str, reason: str, until: date | None = None,
                actor: str | None = None) -> StoredFinding:
        """Label a finding (accept / resolve / false-positive / reopen) with a required reason."""
        if action not in ACTIONS:
            raise AuditorError(f"unknown disposition '{action}' (use: {', '.join(ACTIONS)})")
        if not reason.strip():
            raise AuditorError("a reason is required (--reason TEXT)")
        if until is not None and action != "accept":
            raise AuditorError("--until applies to 'accept' only")
        finding_id = self.finding(finding_id).finding_id    # a one-line error for an unknown id; canonical case
        at = now_utc()
        with self._transaction():
            self._set_status(finding_id, ACTIONS[action], at, until.isoformat() if until else None,
                             judged=action in ("accept", "false-positive"))
            self._disposition(finding_id, at, action, until.isoformat() if until else None,
                              actor or _user(), reason.strip())
        return self.finding(finding_id)

    def _disposition(self, finding_id: str, at: str, action: str, until: str | None, actor: str,
                     reason: str) -> None:
        cur = self.db.execute("INSERT INTO dispositions (finding_id, at, action, until, actor, reason, mac) "
                              "VALUES (?, ?, ?, ?, ?, x'', '')", (finding_id, at, action, until, actor))
        did = int(cur.lastrowid or 0)
        sealed = self.cipher.seal(reason, f"dispositions/{did}/reason")
        self.db.execute("UPDATE dispositions SET reason = ?, mac = ? WHERE id = ?",
                        (sealed, self.cipher.mac("disposition", did, finding_id, at, action, until, actor, reason),
                         did))
        chain.append(self.db, self.cipher, at, action, finding_id,
                     {"disposition": did, "until": until, "actor": actor,
                      "reason_mac": self.cipher.mac("reason", reason)})

    def dispositions(self, finding_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT id, at, action, until, actor, reason FROM dispositions WHERE finding_id = ? "
                               "ORDER BY id", (finding_id,)).fetchall()
        return [{"at": at, "action": action, "until": until, "actor": actor,
                 "reason": self.cipher.open(reason, f"dispositions/{did}/reason")}
                for did, at, action, until, actor, reason in rows]

    # -- reading ----------------------------------------------------------------
    def finding(self, finding_id: str) -> StoredFinding:
        row = self.db.execute(f"SELECT {_FINDING_COLUMNS} FROM findings WHERE finding_id = ?",
                              (finding_id.strip().upper(),)).fetchone()
        if row is None:
            raise AuditorError(f"{finding_id}: no such finding in {self.path}")
        return _stored(row)

    def findings(self, *, scope: str | None = None, statuses: tuple[str, ...] | None = None,
                 today: date | None = None) -> list[StoredFinding]:
        """Findings, newest first; `statuses` filters on the effective status (expired acceptances are open)."""
        today = today or datetime.now(timezone.utc).date()
        query, args = f"SELECT {_FINDING_COLUMNS} FROM findings", []
        if scope is not None:
            query, args = query + " WHERE scope = ?", [scope]
        rows = [_stored(r) for r in self.db.execute(query + " ORDER BY first_seen DESC, finding_id", args)]
        if statuses is not None:
            rows = [r for r in rows if r.effective_status(today) in statuses]
        return rows

    def detail(self, finding_id: str) -> dict[str, Any]:
        """The finding as written in findings.json (display names and e-mails masked)."""
        row = self.db.execute("SELECT detail FROM findings WHERE finding_id = ?", (finding_id,)).fetchone()
        if row is None:
            raise AuditorError(f"{finding_id}: no such finding in {self.path}")
        return self.cipher.open(row[0], f"findings/{finding_id}/detail")

    def runs(self, scope: str | None = None) -> list[RunRow]:
        query, args = "SELECT run_id, at, kind, scope, platforms, preset, connections, findings, counts FROM runs", []
        if scope is not None:
            query, args = query + " WHERE scope = ?", [scope]
        return [_run(r) for r in self.db.execute(query + " ORDER BY run_id", args)]

    def last_run(self, scope: str | None = "") -> RunRow | None:
        runs = self.runs(scope)
        return runs[-1] if runs else None

    def run_document(self, run_id: int) -> dict[str, Any]:
        row = self.db.execute("SELECT document FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise AuditorError(f"run {run_id}: no such run in {self.path}")
        return self.cipher.open(row[0], f"runs/{run_id}/document")

    def run_changes(self, run_id: int) -> RunChanges:
        """The diff a run produced, as recorded."""
        runs = {r.run_id: r for r in self.runs()}
        if run_id not in runs:
            raise AuditorError(f"run {run_id}: no such run in {self.path}")
        earlier = [r for r in runs.values() if r.scope == runs[run_id].scope and r.run_id < run_id]
        changes = RunChanges(run_id, earlier[-1].run_id if earlier else None, earlier[-1].at if earlier else "")
        for finding_id, change in self.db.execute(
                "SELECT finding_id, change FROM run_findings WHERE run_id = ? ORDER BY finding_id", (run_id,)):
            changes.by_change.setdefault(Change(change), []).append(finding_id)
        return changes

    # -- integrity ----------------------------------------------------------------
    def verify(self) -> tuple[int, list[str]]:
        """(log entries checked, problems): the chained log, then every row's MAC."""
        count, problems = chain.verify(self.db, self.cipher)
        for (finding_id, mac) in self.db.execute("SELECT finding_id, mac FROM findings ORDER BY finding_id").fetchall():
            if self._finding_mac(finding_id) != mac:
                problems.append(f"finding {finding_id} was edited outside the tool")
            try:
                self.detail(finding_id)
            except AuditorError:
                problems.append(f"finding {finding_id}: its sealed detail was altered")
        for did, finding_id, at, action, until, actor, reason, mac in self.db.execute(
                "SELECT id, finding_id, at, action, until, actor, reason, mac FROM dispositions ORDER BY id"
        ).fetchall():
            try:
                text = self.cipher.open(reason, f"dispositions/{did}/reason")
            except AuditorError:
                text = None
            if text is None or self.cipher.mac("disposition", did, finding_id, at, action, until, actor, text) != mac:
                problems.append(f"disposition {did} of {finding_id} was edited outside the tool")
        logged = {int(s.split()[1]) for (s,) in self.db.execute(
            "SELECT subject FROM audit_log WHERE subject LIKE 'run %'")}
        for run in self.runs():
            row = self.db.execute("SELECT mac FROM runs WHERE run_id = ?", (run.run_id,)).fetchone()
            sealed = self._run_mac(run.run_id, run.at, run.kind, run.scope, run.platforms, run.preset,
                                   run.connections, run.findings, run.counts)
            # Runs recorded before the seal covered every column (first builds of format 1) keep the old seal.
            legacy = self.cipher.mac("run", run.run_id, run.at, run.kind, run.scope, run.platforms, run.counts)
            if row[0] not in (sealed, legacy):
                problems.append(f"run {run.run_id} was edited outside the tool")
            try:
                self.run_document(run.run_id)
            except AuditorError:
                problems.append(f"run {run.run_id}: its sealed findings document was altered")
            if run.run_id not in logged:
                problems.append(f"run {run.run_id} has no log entry")
        problems += self._missing_rows(logged)
        return count, problems

    def _missing_rows(self, logged_runs: set[int]) -> list[str]:
        """Rows the log or another row vouches for, deleted with sqlite3 (foreign keys are off there)."""
        problems: list[str] = []
        runs = {r for (r,) in self.db.execute("SELECT run_id FROM runs")}
        problems += [f"run {r} is missing (deleted)" for r in sorted(logged_runs - runs)]
        findings = {f for (f,) in self.db.execute("SELECT finding_id FROM findings")}
        referenced = {f for (f,) in self.db.execute(
            "SELECT finding_id FROM run_findings UNION SELECT finding_id FROM dispositions")}
        problems += [f"finding {f} is missing (deleted)" for f in sorted(referenced - findings)]
        kept = {d for (d,) in self.db.execute("SELECT id FROM dispositions")}
        for seq, text, subject in self.db.execute(
                "SELECT seq, detail, subject FROM audit_log WHERE subject NOT LIKE 'run %' ORDER BY seq"):
            try:
                did = json.loads(text).get("disposition")
            except (ValueError, AttributeError):
                continue                      # an edited entry: the chain check has named it
            if isinstance(did, int) and did not in kept:
                problems.append(f"disposition {did} of {subject} (log entry {seq}) is missing (deleted)")
        return problems

    def log_entries(self) -> list[dict[str, Any]]:
        return chain.entries(self.db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error (including KeyboardInterrupt)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type | None, *exc: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _preset(result: AuditResult) -> str:
    for line in result.policy:
        if line.startswith("preset"):
            return line.split(":", 1)[-1].strip()
    return result.policy[0] if result.policy else ""


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _stored(row: tuple) -> StoredFinding:
    values = list(row)
    values[-1] = bool(values[-1])
    return StoredFinding(*values)


def _run(row: tuple) -> RunRow:
    run_id, at, kind, scope, platforms, preset, connections, findings, counts = row
    return RunRow(run_id, at, kind, scope, json.loads(platforms), preset, connections, findings, json.loads(counts))


def open_store(path: Path, keys: SubKeys, *, create: bool = True) -> HistoryStore:
    """Open (or create, 0600 in a 0700 folder) the store bound to this practice key."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise AuditorError(f"{path}: no history store here yet (run an audit with --store {path} first)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError as exc:
            raise AuditorError(f"{path}: cannot create the history store ({exc.strerror})") from None
    db: sqlite3.Connection | None = None
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = FULL")
        migrate(db, path)
        row = db.execute("SELECT value FROM meta WHERE key = 'key_fingerprint'").fetchone()
        if row is None:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO meta VALUES ('key_fingerprint', ?)", (keys.fingerprint,))
            db.execute("INSERT INTO meta VALUES ('created_at', ?)", (now_utc(),))
            db.execute("COMMIT")
        elif row[0] != keys.fingerprint:
            raise WrongKeyError(f"{path}: history store of another practice key (store key {row[0]}, your key "
                                f"{keys.fingerprint}); use --store for a separate history or that practice's key")
    except sqlite3.DatabaseError as exc:
        if db is not None:
            db.close()
        raise AuditorError(f"{path}: not a usable history store ({exc})") from None
    except BaseException:
        if db is not None:
            db.close()
        raise
    return HistoryStore(db, path, keys)
