"""The one record every connector yields, and the contract a connector keeps.

Connectors know nothing of matching: they turn a platform's own export (or API
answer) into `Connection` records, and say clearly when a file is not theirs or
is broken. Matching, policy and reports only ever see `Connection`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Callable

# Platform names are lower-case words; findings.json uses exactly these.
PLATFORMS = (
    "facebook", "instagram", "threads", "x", "linkedin", "tiktok", "mastodon",
    "bluesky", "mailchimp", "substack", "kit", "generic",
)

# Relation vocabulary (shared/export-formats.md, "Direction").
RELATIONS = (
    "follower",      # they follow the therapist
    "following",     # the therapist follows them
    "mutual",        # friend / connection both sides accepted
    "request_in",    # pending request received
    "request_out",   # pending request sent
    "removed",       # a tie the owner ended (removed friend, unfollowed)
    "subscriber",    # on a mailing list
    "group",         # co-member of an online group
    "unknown",
)

# How a newsletter subscriber joined; the policy treats these differently.
JOINED_VIA = ("self", "imported", "api", "unknown")


@dataclass(frozen=True, slots=True)
class Connection:
    """One tie between the therapist's account and another person.

    `source` points back into the input ("path/file.json#friends_v2[12]",
    "file.csv:line 7") so a finding can be traced to the row it came from.
    """

    platform: str
    relation: str
    source: str
    account: str = ""
    display_name: str = ""
    username: str = ""
    email: str = ""
    phone: str = ""
    profile_url: str = ""
    external_id: str = ""
    connected_at: str = ""      # ISO-8601 (UTC) when known
    joined_via: str = ""        # newsletters only: one of JOINED_VIA
    id: str = ""                # the input's own row id, when it has one
    extras: tuple[tuple[str, str], ...] = field(default=())

    def has_identity(self) -> bool:
        """True when there is anything to match on."""
        return bool(self.display_name or self.username or self.email
                    or self.phone or self.profile_url or self.external_id)


class ConnectorError(Exception):
    """A file a connector cannot read; the message is one line for the user."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file handed to a connector: a display name plus a way to read it.

    `name` is what users see in messages (a path, or `archive.zip!inner/path`);
    `relpath` is the path inside an export (for matching layouts by suffix).
    Reading is lazy so that a registry can scan a large folder cheaply.
    """

    name: str
    relpath: str
    read_bytes: Callable[[], bytes]
    read_head: Callable[[int], bytes] | None = None   # cheap first bytes, where the source allows

    def head(self, size: int) -> bytes:
        """The first `size` bytes, without reading a large file whole when avoidable."""
        return self.read_head(size) if self.read_head is not None else self.read_bytes()[:size]

    @property
    def basename(self) -> str:
        return PurePosixPath(self.relpath).name


class Connector(abc.ABC):
    """Reads one platform's export files into Connection records."""

    #: the platform word written into findings (one of PLATFORMS)
    platform: str = "generic"

    @abc.abstractmethod
    def detect(self, item: InputFile, head: bytes) -> bool:
        """Whether this file is one of ours, from its path and first bytes."""

    @abc.abstractmethod
    def read(self, item: InputFile) -> FileResult:
        """Every connection in the file; raise ConnectorError on bad input.

        Entries that are present but unusable (no name, deactivated account)
        go into `FileResult.skipped` with their location, not into an error.
        """


@dataclass(slots=True)
class FileResult:
    """What one connector made of one file."""

    name: str
    platform: str
    connections: list[Connection] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)   # "where: why", one line each
