"""Connections -> keyed features, with the same encoder the roster used."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from connectors.interface import Connection

from .encode import HANDLE_CUT, Encoder, Identity, Source, TokenRows, WordFilters
from .normalize import (NameWords, canonical_email, canonical_handle, canonical_phone, clean_name,
                        email_local, handle_from_url, profile_name_part, username_segments)
from .parallel import concatenated, in_ranges

CUT_PLATFORMS = frozenset({"x", "twitter"})   # handles there stop at HANDLE_CUT characters


def identity_of_connection(conn: Connection, region: str = "US",
                           names: dict[str, NameWords] | None = None) -> Identity:
    """What we can compare of one connection; names keep unknown roles.

    `names` caches cleaned display names for one run (the same names recur).
    """
    if names is None:
        name = clean_name(conn.display_name)
    else:
        name = names.get(conn.display_name)
        if name is None:
            name = names[conn.display_name] = clean_name(conn.display_name)
    handles: list[tuple[str, str]] = []
    if conn.username:
        handles.append((conn.platform, canonical_handle(conn.username)))
    if conn.profile_url:
        parsed = handle_from_url(conn.profile_url)
        if parsed:
            handles.append(parsed)
    if conn.external_id:
        handles.append((conn.platform, conn.external_id.strip().lower()))
    usernames: list[tuple[int, tuple[str, ...], bool]] = []
    for platform, handle in dict.fromkeys(handles):
        local = handle.split("@", 1)[0]
        segments = username_segments(profile_name_part(platform, local))
        if segments and not handle.isdigit():
            cut = platform in CUT_PLATFORMS and len(local) == HANDLE_CUT
            usernames.append((int(Source.USERNAME), segments, cut))
    email = canonical_email(conn.email)
    if conn.email:
        segments = username_segments(email_local(conn.email))
        if segments:
            usernames.append((int(Source.EMAIL_LOCAL), segments, False))
    phone = canonical_phone(conn.phone, region)
    return Identity(
        words=name.words,
        initials=name.initials,
        joined=name.joined,
        emails=(email,) if email else (),
        phones=(phone,) if phone else (),
        handles=tuple(dict.fromkeys(handles)),
        usernames=tuple(dict.fromkeys(usernames)),
    )


@dataclass(slots=True)
class EncodedConnections:
    """Keyed features of a list of connections, indexed like the list."""

    tokens: dict[str, np.ndarray]
    filters: dict[str, np.ndarray]
    name_words: np.ndarray      # int16: number of whole name words in the display name
    initials: np.ndarray        # int16: number of single-letter initials
    user_words: np.ndarray      # int16: most letter segments (3+ letters) in one username
    size: int
    joined: np.ndarray | None = None     # int64: bit j set when name word j is hyphen-joined to word j - 1
    platform: np.ndarray | None = None   # int32 code of the connection's platform (one account per person)
    listing: np.ndarray | None = None    # int32: which list (platform and the therapist's account) it is in
    person: np.ndarray | None = None     # int32: who it is in that list; a friend who is also followed is one


PARALLEL_MIN = 4_000      # below this, a second process costs more than it saves


def _encode_range(encoder: Encoder, connections: Sequence[Connection], start: int, stop: int,
                  region: str) -> EncodedConnections:
    """Encode connections[start:stop]; owners are numbered from `start`."""
    rows, filters = TokenRows(), WordFilters()
    count = stop - start
    words = np.zeros(count, dtype=np.int16)
    initials = np.zeros(count, dtype=np.int16)
    user_words = np.zeros(count, dtype=np.int16)
    platform = np.zeros(count, dtype=np.int32)
    joined = np.zeros(count, dtype=np.int64)
    names: dict[str, NameWords] = {}
    for offset in range(count):
        platform[offset] = platform_code(connections[start + offset].platform)
        who = identity_of_connection(connections[start + offset], region, names)
        words[offset] = len(who.words)
        initials[offset] = len(who.initials)
        joined[offset] = who.joined
        user_words[offset] = max((sum(len(seg) >= 3 for seg in segs) for _, segs, _ in who.usernames), default=0)
        encoder.encode(start + offset, who, rows, filters)
    return EncodedConnections(tokens=rows.arrays(), filters=filters.arrays(), name_words=words,
                              initials=initials, user_words=user_words, size=count, platform=platform,
                              joined=joined)


def connection_identity(conn: Connection) -> str:
    """Who a row is within its list, whatever the relation: an id, a handle, a profile, an
    e-mail address, else the display name (else the row itself)."""
    if conn.external_id:
        return "id:" + conn.external_id.strip().lower()
    if conn.username:
        return "user:" + canonical_handle(conn.username)
    parsed = handle_from_url(conn.profile_url) if conn.profile_url else None
    if parsed:
        return "url:" + ":".join(parsed)
    if conn.email:
        return "email:" + (canonical_email(conn.email) or conn.email.strip().lower())
    if conn.display_name:
        return "name:" + " ".join(conn.display_name.casefold().split())
    return "row:" + (conn.id or conn.source)


def listings(connections: Sequence[Connection], platform: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per connection: the list it is in (platform and the therapist's account there) and the
    person it is in that list, as small numbers. One person may fill several rows of a list
    (friend and followed, follower and following); numbers say only which rows go together.
    A list holds a person once per relation, so two friends named alike are two people: the
    k-th row of an identity in one relation goes with the k-th row of it in another.
    `platform` holds the connections' platform codes."""
    lists: dict[tuple[int, str], int] = {}
    people: dict[tuple[int, str, int], int] = {}
    seen: dict[tuple[int, str, str], int] = {}
    listing = np.empty(len(connections), dtype=np.int32)
    person = np.empty(len(connections), dtype=np.int32)
    for i, conn in enumerate(connections):
        which = listing[i] = lists.setdefault((int(platform[i]), conn.account), len(lists))
        identity = connection_identity(conn)
        nth = seen[(which, identity, conn.relation)] = seen.get((which, identity, conn.relation), -1) + 1
        person[i] = people.setdefault((which, identity, nth), len(people))
    return listing, person


def platform_code(platform: str) -> int:
    """A stable int for a platform name (the same in every worker process)."""
    return zlib.crc32((platform or "").strip().lower().encode()) & 0x7FFFFFFF


def _join(parts: list[EncodedConnections]) -> EncodedConnections:
    def optional(name: str) -> np.ndarray | None:
        columns = [getattr(p, name) for p in parts]
        return None if any(c is None for c in columns) else np.concatenate(columns)

    return EncodedConnections(
        tokens=concatenated([p.tokens for p in parts]), filters=concatenated([p.filters for p in parts]),
        name_words=np.concatenate([p.name_words for p in parts]),
        initials=np.concatenate([p.initials for p in parts]),
        user_words=np.concatenate([p.user_words for p in parts]),
        size=sum(p.size for p in parts), platform=optional("platform"), joined=optional("joined"))


def encode_connections(encoder: Encoder, connections: Sequence[Connection],
                       region: str = "US", workers: int | None = None) -> EncodedConnections:
    """Keyed features of every connection; large lists are split over the CPU cores
    (forked workers share the encoder and its vocabulary without copying them)."""
    encoded = in_ranges(lambda start, stop: _encode_range(encoder, connections, start, stop, region),
                        len(connections), _join, workers, PARALLEL_MIN)
    return _with_listings(encoded, connections)


def _with_listings(encoded: EncodedConnections, connections: Sequence[Connection]) -> EncodedConnections:
    encoded.listing, encoded.person = listings(connections, encoded.platform)
    return encoded
