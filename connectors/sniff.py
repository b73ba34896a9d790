"""Cheap looks at a file's first bytes, shared by the X, LinkedIn, TikTok, Mastodon
and Bluesky connectors.

A connector handed another platform's file should say so ("not a LinkedIn
export (this looks like an X archive file)") instead of a parse error deep in
the file, so `guess` names what a text looks like from the markers each
platform's files always carry near the top.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from . import meta
from .interface import ConnectorError, InputFile
from .textio import csv_rows, header_key

HEAD_CHARS = 4096
HEADER_SEARCH_ROWS = 10   # a preamble longer than this is not an export we know

# Header cells (header_key form) that identify a CSV export.
LINKEDIN_CONNECTIONS = frozenset({"firstname", "lastname", "connectedon"})
LINKEDIN_INVITATIONS = frozenset({"from", "to", "sentat"})
MASTODON_ADDRESS = "accountaddress"

# `window.YTD.follower.part0 =` and any other plain JS assignment target.
JS_ASSIGN_RE = re.compile(
    r"\A\s*[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\s*(?:\d+|'[^'\n]*'|\"[^\"\n]*\")\s*\])*"
    r"\s*=(?!=)", re.ASCII)
TIKTOK_TXT_RE = re.compile(r"^\s*(?:Date|User ?name)\s*:", re.IGNORECASE | re.MULTILINE)
_TIKTOK_KEYS = ('"FansList"', '"Follower List"', '"Following List"', '"BlockList"',
                '"Your Activity"', '"Profile And Settings"')
TIKTOK_JSON_NAME_RE = re.compile(r"^user_data(?:_tiktok)?\.json$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Guess:
    """Which platform a file seems to come from, and a phrase for messages."""

    platform: str
    label: str


def is_litter(relpath: str) -> bool:
    """macOS twins (`__MACOSX/`, `._name`) that share a real export file's name."""
    path = PurePosixPath(relpath.replace("\\", "/"))
    return path.name.startswith("._") or "__MACOSX" in path.parts


def head_text(head: bytes) -> str:
    """The decodable start of a file (UTF-8 or UTF-16 with BOM), BOM removed."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore")
    return head.decode("utf-8-sig", errors="ignore")


def head_rows(item: InputFile, text: str, limit: int = HEADER_SEARCH_ROWS) -> list[list[str]]:
    """CSV records in the first lines of `text`; [] when they are not CSV at all."""
    lines = text[:HEAD_CHARS].splitlines()[:limit]
    if not lines:
        return []
    try:
        return [row for _, row in csv_rows(item, "\n".join(lines) + "\n")]
    except ConnectorError:
        return []


def header_keys(row: list[str]) -> set[str]:
    """A CSV row's cells in header_key form."""
    return {header_key(cell) for cell in row}


def guess(item: InputFile, text: str) -> Guess | None:
    """What the start of a decoded file looks like, or None when nothing is recognised."""
    head = text[:HEAD_CHARS].lstrip("\ufeff")
    body = head.lstrip()
    if JS_ASSIGN_RE.match(body):
        return Guess("x", "an X (Twitter) archive file")
    if body.startswith(("{", "[")):
        return _guess_json(item, head)
    for row in head_rows(item, head):
        keys = header_keys(row)
        if LINKEDIN_CONNECTIONS <= keys:
            return Guess("linkedin", "a LinkedIn Connections.csv")
        if LINKEDIN_INVITATIONS <= keys:
            return Guess("linkedin", "a LinkedIn Invitations.csv")
        if row and header_key(row[0]) == MASTODON_ADDRESS:
            return Guess("mastodon", "a Mastodon account list")
    if TIKTOK_TXT_RE.match(body):
        return Guess("tiktok", "a TikTok follower/following list")
    return None


def _guess_json(item: InputFile, head: str) -> Guess | None:
    """The JSON exports: TikTok, Bluesky and Meta, by their keys."""
    if TIKTOK_JSON_NAME_RE.match(item.basename) or any(key in head for key in _TIKTOK_KEYS):
        return Guess("tiktok", "a TikTok data export")
    if '"did:' in head and '"handle"' in head:
        return Guess("bluesky", "a Bluesky follower/follows list")
    shape = meta.sniff(head.encode("utf-8", errors="ignore"))
    if shape is None:
        return None
    if shape.key is not None:
        if shape.key.startswith(meta.THREADS_PREFIX):
            return Guess("threads", "a Threads list from an Instagram export")
        if shape.key.startswith(meta.IG_PREFIX):
            return Guess("instagram", "an Instagram export")
        if meta.FB_KEY_RE.match(shape.key):
            return Guess("facebook", "a Facebook export")
        return None
    if meta.is_entry_array(shape) and shape.opener == "{":
        if meta.FB_BARE_RE.match(item.basename):
            return Guess("facebook", "a Facebook export")
        return Guess("instagram", "an Instagram export")
    return None


def excerpt(text: str, limit: int = 40) -> str:
    """File text quoted in a message: whitespace runs (newlines too) as one space, cut short."""
    return " ".join(text.split())[:limit]


def check_complete(item: InputFile, text: str, records: list[tuple[int, list[str]]],
                   width: int) -> None:
    """Raise when a generated CSV export was cut short.

    The csv module quietly accepts a file that ends inside quotes or mid-row, so
    check for an unbalanced quote and for a last row narrower than the header
    (the platforms' writers always fill every column).
    """
    if not records:
        return
    line, row = records[-1]
    if text.count('"') % 2:
        raise ConnectorError(item.name, "the file ends inside a quoted field "
                             "(was it cut short while copying?)", line)
    if len(row) < width:
        raise ConnectorError(item.name, f"the file ends early (its last row has {len(row)} of "
                             f"{width} columns; was it cut short while copying?)", line)


def not_ours(item: InputFile, platform: str, what: str, text: str, why: str = "") -> ConnectorError:
    """The error for a file that is not `platform`'s: `what (this looks like ...)`.

    When the file looks like nothing we know, `why` says what was expected.
    """
    found = guess(item, text)
    if found and found.platform != platform:
        return ConnectorError(item.name, f"{what} (this looks like {found.label})")
    return ConnectorError(item.name, f"{what} ({why})" if why else what)
