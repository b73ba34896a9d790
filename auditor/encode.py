"""Keyed encodings of a person: HMAC tokens and per-word Bloom filters.

The roster and the connections go through the same `Encoder.encode` (design.md:
one encoder, so the two sides cannot drift). The only difference is what the
caller knows: a roster record knows which words are given names and which are
surnames; a connection's display name does not, so its words are encoded
role-free and the roster side supplies the role when tokens meet in the join.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from .keys import SubKeys
from .normalize import NameKnowledge

BLOOM_BITS = 128
BLOOM_WORDS = BLOOM_BITS // 64
BLOOM_K = 8               # bit positions per bigram
MIN_SUBSTRING = 3
MAX_SUBSTRING = 16
INITIAL_PART = 50         # `part` numbers: name words from 0, initials from 50,
USERNAME_PART = 100       # username segments from 100 (one word cannot fill two roles)


class Kind(IntEnum):
    """What a token stands for. Stored as int8 in the encoded roster."""

    EMAIL = 1
    PHONE = 2
    HANDLE = 3        # platform:handle (or platform:numeric id / DID)
    HANDLE_ANY = 4    # the same handle on any platform
    WORD = 5          # a whole name word
    NICK = 6          # a canonical given name the word may stand for (Bill -> William)
    PHONETIC = 7      # Double Metaphone code of a name word
    INITIAL = 8       # the first letter of a given name
    PATTERN = 9       # a username built from the name (anasmith, asmith, smitha, ...)
    SUBSTRING = 10    # a name word found inside a username


class Role(IntEnum):
    UNKNOWN = 0       # connection side: roles are not known
    GIVEN = 1
    SURNAME = 2
    BOTH = 3          # a username pattern built from given name and surname


class Pattern(IntEnum):
    """How a roster name was turned into a username pattern (stored in `part`)."""

    GIVEN_SURNAME = 0       # anasmith
    SURNAME_GIVEN = 1       # smithana
    INITIAL_SURNAME = 2     # asmith
    SURNAME_INITIAL = 3     # smitha
    NICK_SURNAME = 4        # billsmith for William Smith
    SURNAME_NICK = 5


class Source(IntEnum):
    """Where on the connection side a token came from."""

    NAME = 0
    USERNAME = 1
    EMAIL_LOCAL = 2
    IDENTIFIER = 3


@dataclass(slots=True)
class Identity:
    """Plain-text identity of one person, in memory only, already normalized.

    Roster records fill `given`/`surnames`; connections fill `words` (roles
    unknown). `usernames` are letter segments of a username or e-mail local part.
    """

    given: tuple[str, ...] = ()
    surnames: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    initials: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    handles: tuple[tuple[str, str], ...] = ()
    usernames: tuple[tuple[int, tuple[str, ...]], ...] = ()   # (Source, segments)


@dataclass(slots=True)
class TokenRows:
    """Column lists of encoded tokens for many people (turned into arrays later)."""

    owner: list[int] = field(default_factory=list)
    token: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    role: list[int] = field(default_factory=list)
    part: list[int] = field(default_factory=list)     # word index, or Pattern for PATTERN
    source: list[int] = field(default_factory=list)

    def add(self, owner: int, token: int, kind: Kind, role: Role, part: int, source: Source) -> None:
        self.owner.append(owner)
        self.token.append(token)
        self.kind.append(int(kind))
        self.role.append(int(role))
        self.part.append(part)
        self.source.append(int(source))

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "owner": np.asarray(self.owner, dtype=np.int32),
            "token": np.asarray(self.token, dtype=np.int64),
            "kind": np.asarray(self.kind, dtype=np.int8),
            "role": np.asarray(self.role, dtype=np.int8),
            "part": np.asarray(self.part, dtype=np.int16),
            "source": np.asarray(self.source, dtype=np.int8),
        }


@dataclass(slots=True)
class WordFilters:
    """One keyed Bloom filter per name word, for Dice similarity (typos)."""

    owner: list[int] = field(default_factory=list)
    role: list[int] = field(default_factory=list)
    part: list[int] = field(default_factory=list)
    bits: list[np.ndarray] = field(default_factory=list)

    def add(self, owner: int, role: Role, part: int, bits: np.ndarray) -> None:
        self.owner.append(owner)
        self.role.append(int(role))
        self.part.append(part)
        self.bits.append(bits)

    def arrays(self) -> dict[str, np.ndarray]:
        bits = np.vstack(self.bits) if self.bits else np.zeros((0, BLOOM_WORDS), dtype=np.uint64)
        return {
            "owner": np.asarray(self.owner, dtype=np.int32),
            "role": np.asarray(self.role, dtype=np.int8),
            "part": np.asarray(self.part, dtype=np.int16),
            "bits": bits.astype(np.uint64),
        }


class Encoder:
    """Keyed encoder shared by roster and connections; caches each distinct token once."""

    def __init__(self, keys: SubKeys, names: NameKnowledge | None = None):
        self._token_key = keys.tokens
        self._bloom_key = keys.bloom
        self.names = names or NameKnowledge()
        self._tokens: dict[str, int] = {}
        self._filters: dict[str, np.ndarray] = {}

    # -- primitives -------------------------------------------------------
    def token(self, kind: Kind, value: str) -> int:
        """64-bit keyed token of (kind, value); equal inputs give equal tokens."""
        text = f"{int(kind)}\x1f{value}"
        cached = self._tokens.get(text)
        if cached is None:
            digest = hmac.new(self._token_key, text.encode(), hashlib.sha256).digest()
            cached = int.from_bytes(digest[:8], "little", signed=True)
            self._tokens[text] = cached
        return cached

    def bloom(self, word: str) -> np.ndarray:
        """Keyed Bloom filter of the padded bigrams of one word (BLOOM_BITS bits)."""
        cached = self._filters.get(word)
        if cached is None:
            padded = f"_{word}_"
            value = 0
            for i in range(len(padded) - 1):
                digest = hashlib.blake2b(padded[i:i + 2].encode(), key=self._bloom_key,
                                         digest_size=2 * BLOOM_K).digest()
                for j in range(BLOOM_K):
                    value |= 1 << (int.from_bytes(digest[2 * j:2 * j + 2], "little") % BLOOM_BITS)
            cached = np.array([(value >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(BLOOM_WORDS)],
                              dtype=np.uint64)
            self._filters[word] = cached
        return cached

    # -- one person -------------------------------------------------------
    def encode(self, owner: int, who: Identity, rows: TokenRows, filters: WordFilters) -> None:
        """Append every token and word filter of one person."""
        for email in who.emails:
            rows.add(owner, self.token(Kind.EMAIL, email), Kind.EMAIL, Role.UNKNOWN, 0, Source.IDENTIFIER)
        for phone in who.phones:
            rows.add(owner, self.token(Kind.PHONE, phone), Kind.PHONE, Role.UNKNOWN, 0, Source.IDENTIFIER)
        for platform, handle in who.handles:
            if platform:
                rows.add(owner, self.token(Kind.HANDLE, f"{platform}:{handle}"), Kind.HANDLE,
                         Role.UNKNOWN, 0, Source.IDENTIFIER)
            rows.add(owner, self.token(Kind.HANDLE_ANY, handle), Kind.HANDLE_ANY,
                     Role.UNKNOWN, 0, Source.IDENTIFIER)
        for role, words in ((Role.GIVEN, who.given), (Role.SURNAME, who.surnames),
                            (Role.UNKNOWN, who.words)):
            for part, word in enumerate(words):
                self._encode_word(owner, word, role, part, Source.NAME, rows, filters)
        for part, initial in enumerate(who.initials, start=INITIAL_PART):
            rows.add(owner, self.token(Kind.INITIAL, initial), Kind.INITIAL, Role.UNKNOWN, part, Source.NAME)
        if who.given:
            for initial in dict.fromkeys(g[0] for g in who.given):
                rows.add(owner, self.token(Kind.INITIAL, initial), Kind.INITIAL, Role.GIVEN, 0, Source.NAME)
        if who.given and who.surnames:
            self._encode_patterns(owner, who.given, who.surnames, rows)
        for source, segments in who.usernames:
            self._encode_username(owner, Source(source), segments, rows, filters)

    def _encode_word(self, owner: int, word: str, role: Role, part: int, source: Source,
                     rows: TokenRows, filters: WordFilters) -> None:
        rows.add(owner, self.token(Kind.WORD, word), Kind.WORD, role, part, source)
        if role in (Role.GIVEN, Role.UNKNOWN):
            for canonical in self.names.canonicals(word):
                rows.add(owner, self.token(Kind.NICK, canonical), Kind.NICK, role, part, source)
        for code in self.names.phonetic(word):
            rows.add(owner, self.token(Kind.PHONETIC, code), Kind.PHONETIC, role, part, source)
        if role is not Role.UNKNOWN and len(word) >= MIN_SUBSTRING:
            rows.add(owner, self.token(Kind.SUBSTRING, word), Kind.SUBSTRING, role, part, source)
        if source is Source.NAME:
            filters.add(owner, role, part, self.bloom(word))

    def _encode_patterns(self, owner: int, given: tuple[str, ...], surnames: tuple[str, ...],
                         rows: TokenRows) -> None:
        """Usernames people build from their names, derived on the roster side."""
        surname_forms = set(surnames)
        if len(surnames) > 1:
            surname_forms.add("".join(surnames))
        seen: set[tuple[str, int]] = set()
        for g in given:
            nicks = {n for c in self.names.canonicals(g) for n in self.names.nick_forms(c)} - {g}
            for s in surname_forms:
                forms = [
                    (g + s, Pattern.GIVEN_SURNAME), (s + g, Pattern.SURNAME_GIVEN),
                    (g[0] + s, Pattern.INITIAL_SURNAME), (s + g[0], Pattern.SURNAME_INITIAL),
                ]
                forms += [(n + s, Pattern.NICK_SURNAME) for n in nicks]
                forms += [(s + n, Pattern.SURNAME_NICK) for n in nicks]
                for text, kind in forms:
                    if (text, kind) not in seen:
                        seen.add((text, kind))
                        rows.add(owner, self.token(Kind.PATTERN, text), Kind.PATTERN,
                                 Role.BOTH, int(kind), Source.NAME)

    def _encode_username(self, owner: int, source: Source, segments: tuple[str, ...],
                         rows: TokenRows, filters: WordFilters) -> None:
        """Connection side: a username's segments, its glued core and its substrings."""
        forms = dict.fromkeys([*segments, "".join(segments)])
        for form in forms:
            if len(form) >= MIN_SUBSTRING:
                rows.add(owner, self.token(Kind.PATTERN, form), Kind.PATTERN, Role.UNKNOWN, 0, source)
        for part, seg in enumerate(segments):
            if len(segments) > 1 and len(seg) >= MIN_SUBSTRING:
                rows.add(owner, self.token(Kind.WORD, seg), Kind.WORD, Role.UNKNOWN, USERNAME_PART + part, source)
            subs = {seg[i:j] for i in range(len(seg))
                    for j in range(i + MIN_SUBSTRING, min(len(seg), i + MAX_SUBSTRING) + 1)}
            for sub in subs:
                rows.add(owner, self.token(Kind.SUBSTRING, sub), Kind.SUBSTRING, Role.UNKNOWN, USERNAME_PART + part, source)
