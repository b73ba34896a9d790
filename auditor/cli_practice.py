"""Group practice, three parties: clinicians encode, the admin matches, clinicians import.

(Being built: see issue 6.)
"""

from __future__ import annotations

import click

from .errors import AuditorError


@click.group()
def practice() -> None:
    """Group practice: match a clinician's encoded connections and summarise for compliance."""


@click.command("encode")
def connections_encode() -> None:
    """Encode your connection exports for the practice admin (keyed encodings only)."""
    raise AuditorError("not built yet")


@click.command("import")
def findings_import() -> None:
    """Import the results the practice admin sent back, resolved against your local index."""
    raise AuditorError("not built yet")
