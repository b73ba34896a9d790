"""Audit history: runs, findings by stable id, dispositions, and a hash-chained log.

A quarterly audit is only useful next to the last one: what is new, what went
away, what was accepted and has changed since. The store is one SQLite file,
sensitive columns sealed under the practice key, every run and disposition
written in one transaction and chained into `audit_log`.

Modules: location (where the file lives), schema (migrations), cipher (sealed
columns, row MACs), chain (the log), changes (diff rules), store (the API).
"""

from .store import HistoryStore, open_store  # noqa: F401  (the package's API)
