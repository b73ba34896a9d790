"""Mastodon data-export CSVs (Settings -> Import and export -> Data export).

`following_accounts.csv` is the relationship list Mastodon exports; current
Mastodon has no followers export (a headerless `follower_accounts.csv` is read
too, in case an instance offers one). Blocks are written without a header and
mutes with `Account address,Hide notifications`: both are recognised and
reported as skipped, since they are not ties the audit covers. Every address is
`user@domain` (local accounts included), so the profile URL can be derived.
"""

from __future__ import annotations

import re

from . import sniff
from .interface import Connection, Connector, FileResult, InputFile
from .textio import csv_rows, decode_text, header_key

_WHAT = "not a Mastodon export"
_EXPECTED = "expected an 'Account address,...' header or one user@domain per line"
# Mastodon's export file names (`<controller>.csv`) -> what they hold.
_FILES = {
    "following_accounts.csv": "following",
    "follower_accounts.csv": "follower",
    "blocked_accounts.csv": "blocked",
    "muted_accounts.csv": "muted",
}
_NOT_AUDITED = {"blocked": "blocked accounts", "muted": "muted accounts"}
_ADDRESS_RE = re.compile(r"^@?([^\s@/:]+)@([^\s@/]+)$")


def _address(text: str) -> tuple[str, str] | None:
    """`ana@Social.Example` -> ('ana', 'social.example'); None if not an address."""
    match = _ADDRESS_RE.match(text.strip())
    return (match.group(1), match.group(2).lower()) if match else None


class MastodonCsvConnector(Connector):
    """Reads the accounts a Mastodon user follows; blocks and mutes are skipped."""

    platform = "mastodon"

    def detect(self, item: InputFile, head: bytes) -> bool:
        if sniff.is_litter(item.relpath):
            return False
        rows = sniff.head_rows(item, sniff.head_text(head), limit=2)
        return bool(rows) and _kind(item, rows[0]) is not None

    def read(self, item: InputFile) -> FileResult:
        text = decode_text(item)
        rows = csv_rows(item, text)
        first = next(rows, None)
        kind = _kind(item, first[1]) if first else None
        if first is None or kind is None:
            raise sniff.not_ours(item, self.platform, _WHAT, text, _EXPECTED)
        has_header = header_key(first[1][0]) == sniff.MASTODON_ADDRESS
        records = list(rows) if has_header else [first, *rows]
        sniff.check_complete(item, text, records, len(first[1]) if has_header else 1)
        result = FileResult(name=item.name, platform=self.platform)
        if kind in _NOT_AUDITED:
            result.skipped.append(f"{item.name}: {_NOT_AUDITED[kind]} are not relationships "
                                  f"the audit covers ({len(records)} entries not read)")
            return result
        for line, row in records:
            where = f"{item.name}:line {line}"
            address = _address(row[0])
            if address is None:
                shown = sniff.excerpt(row[0], 60)
                result.skipped.append(f"{where}: '{shown}' is not an account address (user@domain)")
                continue
            user, domain = address
            result.connections.append(Connection(
                platform=self.platform, relation=kind, source=where,
                username=f"{user}@{domain}", profile_url=f"https://{domain}/@{user}"))
        return result


def _kind(item: InputFile, first_row: list[str]) -> str | None:
    """following/follower/blocked/muted from the header or, for headerless files, the name."""
    by_name = _FILES.get(item.basename.lower())
    if first_row and header_key(first_row[0]) == sniff.MASTODON_ADDRESS:
        if by_name:
            return by_name
        return "muted" if "hidenotifications" in sniff.header_keys(first_row) else "following"
    if by_name and first_row and _address(first_row[0]):
        return by_name
    return None
