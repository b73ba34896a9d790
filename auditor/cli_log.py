"""`auditor log`: check and export the hash-chained audit log of the history store."""

from __future__ import annotations

import click


@click.group()
def log() -> None:
    """Check and export the audit log (runs and dispositions, hash-chained)."""
