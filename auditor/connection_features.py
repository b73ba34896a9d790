"""Connections -> keyed features, with the same encoder the roster used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from connectors.interface import Connection

from .encode import Encoder, Identity, Source, TokenRows, WordFilters
from .normalize import (NameWords, canonical_email, canonical_handle, canonical_phone, clean_name,
                        email_local, handle_from_url, username_segments)


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
    usernames: list[tuple[int, tuple[str, ...]]] = []
    for _, handle in dict.fromkeys(handles):
        segments = username_segments(handle.split("@", 1)[0])
        if segments and not handle.isdigit():
            usernames.append((int(Source.USERNAME), segments))
    email = canonical_email(conn.email)
    if conn.email:
        segments = username_segments(email_local(conn.email))
        if segments:
            usernames.append((int(Source.EMAIL_LOCAL), segments))
    phone = canonical_phone(conn.phone, region)
    return Identity(
        words=name.words,
        initials=name.initials,
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


def encode_connections(encoder: Encoder, connections: Sequence[Connection],
                       region: str = "US") -> EncodedConnections:
    rows, filters = TokenRows(), WordFilters()
    words = np.zeros(len(connections), dtype=np.int16)
    initials = np.zeros(len(connections), dtype=np.int16)
    user_words = np.zeros(len(connections), dtype=np.int16)
    names: dict[str, NameWords] = {}
    for index, conn in enumerate(connections):
        who = identity_of_connection(conn, region, names)
        words[index] = len(who.words)
        initials[index] = len(who.initials)
        user_words[index] = max((sum(len(seg) >= 3 for seg in segs) for _, segs in who.usernames), default=0)
        encoder.encode(index, who, rows, filters)
    return EncodedConnections(tokens=rows.arrays(), filters=filters.arrays(),
                              name_words=words, initials=initials,
                              user_words=user_words, size=len(connections))
