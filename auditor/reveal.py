"""Show the connections behind findings in clear, re-read from the exports, on request.

findings.json masks display names and e-mails. `auditor findings show --reveal`
re-reads each finding's own export file and prints the clear text on the
therapist's screen; nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.interface import Connection, ConnectorError, InputFile
from connectors.registry import Registry


def source_file(source: str) -> str:
    """'path/file.json#key[3]' or 'path/file.csv:line 7' -> the file's path."""
    if ":line " in source:
        return source.rsplit(":line ", 1)[0]
    return source.split("#", 1)[0]


def reveal(findings: list[dict[str, Any]], registry: Registry | None = None) -> dict[str, Connection | None]:
    """source -> the connection re-read from its export (None where the file changed or is gone)."""
    registry = registry or Registry()
    wanted: dict[str, set[str]] = {}
    for finding in findings:
        source = finding["connection"]["source"]
        wanted.setdefault(source_file(source), set()).add(source)
    found: dict[str, Connection | None] = {}
    for name, sources in wanted.items():
        path = Path(name)
        connections: list[Connection] = []
        if path.is_file():
            item = InputFile(name=name, relpath=path.name, read_bytes=path.read_bytes)
            try:
                connections = registry.read_file(item).connections
            except ConnectorError:
                connections = []
        by_source = {c.source: c for c in connections}
        found.update({s: by_source.get(s) for s in sources})
    return found
