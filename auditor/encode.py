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
from array import array
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .keys import SubKeys
from .normalize import NameKnowledge

BLOOM_BITS = 128
BLOOM_WORDS = BLOOM_BITS // 64
BLOOM_K = 8               # bit positions per bigram
VARIANT_SLOTS = 16        # keyed 32-bit hashes: first letter, the word, its one-letter deletions (0 = empty)
MIN_SUBSTRING = 3
MAX_SUBSTRING = 16
PREFIX_LETTERS = 3
NEAR_PREFIX_LETTERS = 2   # NEAR_PAIR: a typo from the third letter on still shares (word, 2 letters)
JOINED_PATTERN = 16       # added to a Pattern's `part` when the username joins two surnames
HANDLE_CUT = 15           # the longest handle X allows: longer name patterns are cut there too
CUT_MARK = "cut:"         # marks a pattern cut at HANDLE_CUT (never part of a name)
PARTICLE_PART = 30        # `part` numbers: name words from 0, surname particles from 30,
INITIAL_PART = 50         # initials from 50,
USERNAME_PART = 100       # username segments from 100 (one word cannot fill two roles)
# Words that join a surname without being one ('van' Gils, 'de' la Cruz, 'da' Mata); not those that are
# common surnames too (Le, Do, Du, La, Di).
SURNAME_PARTICLES = frozenset("van von vom zu zum de da das dos del della der den ten ter".split())


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
    PAIR = 11         # two name parts together, order-free (blocking: "ana smith", "bill smith",
                      # and a word with the first letters of the other: "ana smi*" for typos)
    INITIAL_PAIR = 12 # an initial and a surname together (blocking: "a. smith")
    PREFIX = 13       # first letters of a word; only ever combined into PAIR tokens
    NEAR_PAIR = 14    # a word with the first or last two letters of the other (blocks only where selective)
    # A nickname link is direct when one word is a canonical name of the other (Bill / William);
    # two nicknames of one name (Sandy / Alex, through Alexandra) share NICK only. The two kinds
    # are emitted crosswise, so only a direct link agrees on one of them:
    NICK_ROOT = 15    # roster: the word itself, if canonical; connection: its canonical names
    NICK_FORM = 16    # roster: its canonical names; connection: the word itself, if canonical
    NICK_RELATED = 17 # evidence level only, never a token: a NICK agreement with no direct link
    NICK_REVERSE = 18 # evidence level only: the roster has the nickname, the connection its name (Bill / William)
    # The very spelling of a nickname: how rare 'Willie' is says more than how rare all forms of
    # William are. Roster: each nickname of the word, if canonical; connection: the word itself.
    NICK_SPELLED = 19


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
    joined: int = 0     # bit j: words[j] is hyphen-joined to words[j - 1], one compound name
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    handles: tuple[tuple[str, str], ...] = ()
    # (Source, segments, whether the handle is as long as X allows: it may be a name cut short)
    usernames: tuple[tuple[int, tuple[str, ...], bool], ...] = ()


class TokenRows:
    """Columns of encoded tokens for many people, in compact typed buffers.

    A million connections make millions of rows; Python lists of ints would
    take several times the memory of these machine-typed arrays.
    """

    _TYPES = {"owner": "i", "token": "q", "kind": "b", "role": "b", "part": "h", "source": "b"}
    _DTYPES = {"owner": np.int32, "token": np.int64, "kind": np.int8, "role": np.int8, "part": np.int16,
               "source": np.int8}

    def __init__(self) -> None:
        self.columns = {name: array(code) for name, code in self._TYPES.items()}

    def extend(self, owner: int, block: "Block") -> None:
        """Append a pre-encoded block of rows (shared by every person with that name)."""
        tokens, kinds, roles, parts, sources = block
        columns = self.columns
        columns["owner"].extend([owner] * len(tokens))
        columns["token"].extend(tokens)
        columns["kind"].extend(kinds)
        columns["role"].extend(roles)
        columns["part"].extend(parts)
        columns["source"].extend(sources)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.frombuffer(column, dtype=self._DTYPES[name]) if len(column)
                else np.zeros(0, dtype=self._DTYPES[name]) for name, column in self.columns.items()}


class WordFilters:
    """One keyed Bloom filter per name word, for Dice similarity (typos), and keyed hashes
    of the word's one-letter deletions: two words one edit apart (insert, delete,
    substitute, swap) share one, however short they are."""

    def __init__(self) -> None:
        self.owner = array("i")
        self.role = array("b")
        self.part = array("h")
        self.bits = [array("Q") for _ in range(BLOOM_WORDS)]
        self.variants = array("I")

    def extend(self, owner: int, block: "FilterBlock") -> None:
        roles, parts, bits, variants = block
        self.owner.extend([owner] * len(roles))
        self.role.extend(roles)
        self.part.extend(parts)
        for w, column in enumerate(self.bits):
            column.extend(word[w] for word in bits)
        for word in variants:
            self.variants.extend(word)

    def arrays(self) -> dict[str, np.ndarray]:
        count = len(self.owner)
        bits = np.zeros((count, BLOOM_WORDS), dtype=np.uint64)
        for w, column in enumerate(self.bits):
            if count:
                bits[:, w] = np.frombuffer(column, dtype=np.uint64)
        variants = (np.frombuffer(self.variants, dtype=np.uint32).reshape(count, VARIANT_SLOTS) if count
                    else np.zeros((0, VARIANT_SLOTS), dtype=np.uint32))
        return {
            "owner": np.frombuffer(self.owner, dtype=np.int32) if count else np.zeros(0, np.int32),
            "role": np.frombuffer(self.role, dtype=np.int8) if count else np.zeros(0, np.int8),
            "part": np.frombuffer(self.part, dtype=np.int16) if count else np.zeros(0, np.int16),
            "bits": bits,
            "variants": variants,
        }


Block = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]
FilterBlock = tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]


_MASK = (1 << 64) - 1


def surname_parts(surnames: tuple[str, ...]) -> list[int]:
    """`part` numbers of surname words: the surnames from 0, particles from PARTICLE_PART.

    A particle before a surname ('van' in van Gils) explains a shown word but is no
    surname evidence: 'Renske van Kempen' shares only it with Renske van Gils. A word
    that could be a particle is a surname when no surname follows it (Minh Le).
    """
    parts, surname, particle = [], 0, PARTICLE_PART
    for i, word in enumerate(surnames):
        if word in SURNAME_PARTICLES and any(w not in SURNAME_PARTICLES for w in surnames[i + 1:]):
            parts.append(particle)
            particle += 1
        else:
            parts.append(surname)
            surname += 1
    return parts


def surname_pattern_forms(surnames: tuple[str, ...]) -> dict[str, int]:
    """Surname spellings a username may hold -> 0, or JOINED_PATTERN for two surnames glued.

    Each surname alone, with its particles glued on too ('bruin', 'debruin'); never a
    particle alone ('dde' is no initial + surname of Dani de Bruin); all of them joined
    when there are two surnames ('gutierrezpichardo').
    """
    forms: dict[str, int] = {}
    prefix = ""
    parts = surname_parts(surnames)
    for word, part in zip(surnames, parts):
        if part >= PARTICLE_PART:
            prefix += word
            continue
        forms.setdefault(word, 0)
        if prefix:
            forms.setdefault(prefix + word, 0)
        prefix = ""
    if sum(1 for part in parts if part < PARTICLE_PART) > 1:
        forms.setdefault("".join(surnames), JOINED_PATTERN)
    return forms


def combine(kind: Kind, a: int, b: int) -> int:
    """An order-free token for two keyed tokens (a 64-bit mix; no extra key needed).

    Both inputs are already keyed, so the pair reveals nothing the two tokens do
    not; mixing is far cheaper than another HMAC per pair of name parts.
    """
    lo, hi = (a, b) if a <= b else (b, a)
    x = ((lo * 0x9E3779B97F4A7C15) ^ (hi * 0xC2B2AE3D27D4EB4F) ^ (int(kind) * 0x165667B19E3779F9)) & _MASK
    x ^= x >> 31
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 29
    return x - (1 << 64) if x >= (1 << 63) else x


class _BlockBuilder:
    """Collects rows for one cached block, dropping tokens outside the vocabulary."""

    def __init__(self, encoder: "Encoder"):
        self.encoder = encoder
        self.rows: list[tuple[int, int, int, int, int]] = []
        self.seen: set[tuple[int, int, int, int]] = set()

    def add(self, kind: Kind, value: str, role: Role, part: int, source: Source) -> None:
        self.add_token(self.encoder.token(kind, value), int(kind), int(role), part, int(source))

    def add_token(self, token: int, kind: int, role: int, part: int, source: int) -> None:
        vocabulary = self.encoder.vocabulary
        if vocabulary is not None and token not in vocabulary:
            return
        key = (token, role, part, source)
        if key not in self.seen:
            self.seen.add(key)
            self.rows.append((token, kind, role, part, source))

    def block(self) -> Block:
        if not self.rows:
            return ((), (), (), (), ())
        return tuple(tuple(column) for column in zip(*self.rows))  # type: ignore[return-value]


class Encoder:
    """Keyed encoder shared by roster and connections.

    Names repeat, so everything derived from a name (or a username) is encoded
    once and reused as a block. With a `vocabulary` (the roster's tokens), the
    connection side keeps only tokens that can meet a roster token at all.
    """

    def __init__(self, keys: SubKeys, names: NameKnowledge | None = None,
                 vocabulary: set[int] | frozenset[int] | None = None):
        self._hmac = hmac.new(keys.tokens, digestmod=hashlib.sha256)   # keyed state, copied per token
        self._bloom_key = keys.bloom
        self.names = names or NameKnowledge()
        self.vocabulary = vocabulary
        self._tokens: dict[str, int] = {}
        self._filters: dict[str, tuple[int, ...]] = {}
        self._variants: dict[str, tuple[int, ...]] = {}
        self._name_blocks: dict[tuple, tuple[Block, FilterBlock]] = {}
        self._username_blocks: dict[tuple, Block] = {}
        self._words: dict[tuple[str, int], tuple[tuple[int, int], ...]] = {}
        self._pairs: dict[tuple[str, str, bool], tuple[tuple[int, ...], tuple[int, ...]]] = {}

    # -- primitives -------------------------------------------------------
    def token(self, kind: Kind, value: str) -> int:
        """64-bit keyed token of (kind, value); equal inputs give equal tokens."""
        text = f"{int(kind)}\x1f{value}"
        cached = self._tokens.get(text)
        if cached is None:
            mac = self._hmac.copy()
            mac.update(text.encode())
            digest = mac.digest()
            cached = int.from_bytes(digest[:8], "little", signed=True)
            self._tokens[text] = cached
        return cached

    def bloom(self, word: str) -> tuple[int, ...]:
        """Keyed Bloom filter of the padded bigrams of one word, as BLOOM_WORDS 64-bit words."""
        cached = self._filters.get(word)
        if cached is None:
            padded = f"_{word}_"
            value = 0
            for i in range(len(padded) - 1):
                digest = hashlib.blake2b(padded[i:i + 2].encode(), key=self._bloom_key,
                                         digest_size=2 * BLOOM_K).digest()
                for j in range(BLOOM_K):
                    value |= 1 << (int.from_bytes(digest[2 * j:2 * j + 2], "little") % BLOOM_BITS)
            cached = tuple((value >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(BLOOM_WORDS))
            self._filters[word] = cached
        return cached

    def variants(self, word: str) -> tuple[int, ...]:
        """Keyed 32-bit hashes of the word's first letter, of the word and of each one-letter
        deletion, VARIANT_SLOTS wide (0 = empty)."""
        cached = self._variants.get(word)
        if cached is None:
            forms = {word}
            if len(word) >= 3:
                forms.update(word[:i] + word[i + 1:] for i in range(len(word)))
            def keyed(text: str) -> int:
                return int.from_bytes(hashlib.blake2b(text.encode(), key=self._bloom_key, digest_size=4,
                                                      person=b"deletion-variant").digest(), "little") or 1

            # Slot 0: the first letter (a different first letter is seldom a typo: Jason, Mason).
            found = [keyed("^" + word[:1])] + sorted({keyed(f) for f in forms})[:VARIANT_SLOTS - 1]
            cached = self._variants[word] = tuple(found) + (0,) * (VARIANT_SLOTS - len(found))
        return cached

    # -- one person -------------------------------------------------------
    def encode(self, owner: int, who: Identity, rows: TokenRows, filters: WordFilters) -> None:
        """Append every token and word filter of one person."""
        ids = _BlockBuilder(self)
        for email in who.emails:
            ids.add(Kind.EMAIL, email, Role.UNKNOWN, 0, Source.IDENTIFIER)
        for phone in who.phones:
            ids.add(Kind.PHONE, phone, Role.UNKNOWN, 0, Source.IDENTIFIER)
        for platform, handle in who.handles:
            if platform:
                ids.add(Kind.HANDLE, f"{platform}:{handle}", Role.UNKNOWN, 0, Source.IDENTIFIER)
            ids.add(Kind.HANDLE_ANY, handle, Role.UNKNOWN, 0, Source.IDENTIFIER)
        rows.extend(owner, ids.block())
        name_rows, name_filters = self._name_block(who.given, who.surnames, who.words, who.initials)
        rows.extend(owner, name_rows)
        filters.extend(owner, name_filters)
        shown = frozenset(who.words)
        for source, segments, cut in who.usernames:
            rows.extend(owner, self._username_block(Source(source), segments, cut, shown.intersection(segments)))

    # -- names ------------------------------------------------------------
    def _name_block(self, given: tuple[str, ...], surnames: tuple[str, ...], words: tuple[str, ...],
                    initials: tuple[str, ...]) -> tuple[Block, FilterBlock]:
        key = (given, surnames, words, initials)
        cached = self._name_blocks.get(key)
        if cached is not None:
            return cached
        out = _BlockBuilder(self)
        f_roles: list[int] = []
        f_parts: list[int] = []
        f_bits: list[tuple[int, ...]] = []
        f_variants: list[tuple[int, ...]] = []
        for role, group in ((Role.GIVEN, given), (Role.SURNAME, surnames), (Role.UNKNOWN, words)):
            parts = surname_parts(group) if role == Role.SURNAME else range(len(group))
            for part, word in zip(parts, group):
                self._word_rows(out, word, role, part, Source.NAME)
                f_roles.append(int(role))
                f_parts.append(part)
                f_bits.append(self.bloom(word))
                f_variants.append(self.variants(word))
        for part, initial in enumerate(initials, start=INITIAL_PART):
            out.add(Kind.INITIAL, initial, Role.UNKNOWN, part, Source.NAME)
            for word in words:
                out.add_token(self._initial_pair(initial, word), int(Kind.INITIAL_PAIR), int(Role.UNKNOWN),
                              part, int(Source.NAME))
        for initial in dict.fromkeys(g[0] for g in given):
            out.add(Kind.INITIAL, initial, Role.GIVEN, 0, Source.NAME)
            for s in surnames:
                out.add_token(self._initial_pair(initial, s), int(Kind.INITIAL_PAIR), int(Role.BOTH), 0,
                              int(Source.NAME))
        if given and surnames:
            self._pattern_rows(out, given, surnames)
            for g in given:
                for s in surnames:
                    self._pair_rows(out, g, s, Role.BOTH, 0, Source.NAME, given_side=True)
            # Double surnames and double given names are distinctive together, too
            # ('gutierrez pichardo', 'maria julia').
            for group in (surnames, given):
                for i, first in enumerate(group):
                    for second in group[i + 1:]:
                        self._pair_rows(out, first, second, Role.BOTH, 0, Source.NAME, given_side=False)
        self._unknown_pairs(out, words, Source.NAME, 0)
        cached = (out.block(), (tuple(f_roles), tuple(f_parts), tuple(f_bits), tuple(f_variants)))
        self._name_blocks[key] = cached
        return cached

    def _prefix(self, word: str, letters: int = PREFIX_LETTERS) -> int:
        return self.token(Kind.PREFIX, word[:letters])

    def _suffix(self, word: str, letters: int = NEAR_PREFIX_LETTERS) -> int:
        return self.token(Kind.PREFIX, "*" + word[-letters:])     # '*': never part of a name word

    def _initial_pair(self, initial: str, word: str) -> int:
        return combine(Kind.INITIAL_PAIR, self.token(Kind.INITIAL, initial), self.token(Kind.WORD, word))

    def _word_rows(self, out: _BlockBuilder, word: str, role: Role, part: int, source: Source) -> None:
        for token, kind in self._word_tokens(word, role):
            out.add_token(token, kind, int(role), part, int(source))

    def _word_tokens(self, word: str, role: Role) -> tuple[tuple[int, int], ...]:
        """(token, kind) of one word in one role, computed once per run."""
        key = (word, int(role))
        cached = self._words.get(key)
        if cached is None:
            found = [(self.token(Kind.WORD, word), int(Kind.WORD))]
            if role in (Role.GIVEN, Role.UNKNOWN):
                # Sorted: a set's order changes with the process's string hashing, and the encoding
                # is the same in every run.
                canonicals = sorted(self.names.canonicals(word))
                found += [(self.token(Kind.NICK, c), int(Kind.NICK)) for c in canonicals]
                own, others = (Kind.NICK_ROOT, Kind.NICK_FORM) if role == Role.GIVEN else (Kind.NICK_FORM, Kind.NICK_ROOT)
                is_name = word in canonicals
                names_of_word = [c for c in canonicals if c != word]
                if is_name:
                    found.append((self.token(own, word), int(own)))
                found += [(self.token(others, c), int(others)) for c in names_of_word]
                if role == Role.GIVEN and is_name:
                    found += [(self.token(Kind.NICK_SPELLED, f), int(Kind.NICK_SPELLED))
                              for f in sorted(self.names.nick_forms(word)) if f != word]
                elif role == Role.UNKNOWN and names_of_word:
                    found.append((self.token(Kind.NICK_SPELLED, word), int(Kind.NICK_SPELLED)))
            found += [(self.token(Kind.PHONETIC, c), int(Kind.PHONETIC)) for c in self.names.phonetic(word)]
            if role is not Role.UNKNOWN and len(word) >= MIN_SUBSTRING:
                found.append((self.token(Kind.SUBSTRING, word), int(Kind.SUBSTRING)))
            cached = self._words[key] = tuple(found)
        return cached

    def _forms(self, word: str, nickname: bool) -> tuple[list[tuple[int, bool]], list[int]]:
        """Keyed tokens of a word's exact and nickname forms (flagged), and of its phonetic codes."""
        exact = [(self.token(Kind.WORD, word), False)]
        if nickname:
            exact += [(self.token(Kind.NICK, c), True) for c in sorted(self.names.canonicals(word))]
        return exact, [self.token(Kind.PHONETIC, c) for c in self.names.phonetic(word)]

    def _pair_rows(self, out: _BlockBuilder, first: str, second: str, role: Role, part: int,
                   source: Source, given_side: bool) -> None:
        """Order-free pair tokens of two name parts: exact/nickname x exact, phonetic x phonetic.

        On the roster side (given_side) only the given name takes nickname forms; a
        connection does not know which word is the given name, so both words do.
        """
        key = (first, second, given_side)
        tokens = self._pairs.get(key)
        if tokens is None:
            # Two nickname forms never pair: too loose to block on.
            a_exact, a_phon = self._forms(first, True)
            b_exact, b_phon = self._forms(second, not given_side)
            found = [combine(Kind.PAIR, x, y) for x, x_nick in a_exact for y, y_nick in b_exact
                     if not (x_nick and y_nick)]
            found += [combine(Kind.PAIR, x, y) for x in a_phon for y in b_phon]
            # A typo anywhere but the first letters of one word still shares a pair.
            a_word, b_word = a_exact[0][0], b_exact[0][0]
            found += [combine(Kind.PAIR, a_word, self._prefix(second)),
                      combine(Kind.PAIR, self._prefix(first), b_word)]
            # ... and where they are selective, a word with the other's first two letters, or
            # with its last two (a typo in the first letters: 'jsack', 'jnenifer').
            near = [combine(Kind.NEAR_PAIR, a_word, self._prefix(second, NEAR_PREFIX_LETTERS)),
                    combine(Kind.NEAR_PAIR, self._prefix(first, NEAR_PREFIX_LETTERS), b_word),
                    combine(Kind.NEAR_PAIR, a_word, self._suffix(second)),
                    combine(Kind.NEAR_PAIR, self._suffix(first), b_word)]
            tokens = self._pairs[key] = (tuple(dict.fromkeys(found)), tuple(dict.fromkeys(near)))
        for token in tokens[1]:
            out.add_token(token, int(Kind.NEAR_PAIR), int(role), part, int(source))
        for token in tokens[0]:
            out.add_token(token, int(Kind.PAIR), int(role), part, int(source))

    def _unknown_pairs(self, out: _BlockBuilder, words: tuple[str, ...], source: Source, base: int) -> None:
        """Every two words shown, order-free; a word shown twice pairs with itself ('Mai Mai' is a
        given name and a surname, the roster's pair of Mai Mai)."""
        for i, first in enumerate(words):
            for second in words[i + 1:]:
                self._pair_rows(out, first, second, Role.UNKNOWN, base, source, given_side=False)

    def _pattern_rows(self, out: _BlockBuilder, given: tuple[str, ...], surnames: tuple[str, ...]) -> None:
        """Usernames people build from their names, derived on the roster side."""
        surname_forms = surname_pattern_forms(surnames)
        for g in given:
            # Direct forms only: William's nicknames and the names Bill is a nickname of ('sandy'
            # is no username of Alex Smith, though both are forms of Alexandra).
            canonicals = self.names.canonicals(g)
            nicks = sorted((canonicals | (self.names.nick_forms(g) if g in canonicals else frozenset())) - {g})
            for s, joined in surname_forms.items():
                # (first part, second part, kind): the username is the two glued together.
                parts = [(g, s, Pattern.GIVEN_SURNAME), (s, g, Pattern.SURNAME_GIVEN),
                         (g[0], s, Pattern.INITIAL_SURNAME), (s, g[0], Pattern.SURNAME_INITIAL)]
                parts += [(n, s, Pattern.NICK_SURNAME) for n in nicks]
                parts += [(s, n, Pattern.SURNAME_NICK) for n in nicks]
                forms = [(a + b, kind) for a, b, kind in parts]
                # X keeps the first 15 characters of a handle: 'dietlindheidric', and with a
                # separator 14 letters ('gertraude_harlo'); only while the cut keeps some of
                # the second part (three letters, or its initial), else it is one name alone.
                # Only a handle of exactly that length can be such a cut (marked apart).
                forms += [(CUT_MARK + (a + b)[:cut], kind) for a, b, kind in parts if len(a + b) > HANDLE_CUT
                          for cut in (HANDLE_CUT - 1, HANDLE_CUT) if cut >= len(a) + min(3, len(b))]
                for text, kind in forms:
                    out.add(Kind.PATTERN, text, Role.BOTH, int(kind) + joined, Source.NAME)

    # -- usernames ----------------------------------------------------------
    def _known(self, text: str) -> bool:
        return self.vocabulary is not None and self.token(Kind.SUBSTRING, text) in self.vocabulary

    def _substrings(self, seg: str) -> list[str]:
        """Pieces of a username that may be name words: prefixes and suffixes, and, when the
        roster vocabulary is known, pieces that continue from a known name word
        ('anasmithart' -> 'ana' + 'smith' + ...). Not every substring: that is quadratic.
        In the order found (a dict, not a set: the encoding is the same in every process)."""
        length = len(seg)
        pieces: dict[str, None] = {}
        starts, frontier = {0}, [0]
        while frontier:
            i = frontier.pop()
            for j in range(i + MIN_SUBSTRING, min(length, i + MAX_SUBSTRING) + 1):
                pieces[seg[i:j]] = None
                if j < length and j not in starts and self._known(seg[i:j]):
                    starts.add(j)
                    frontier.append(j)
        ends, frontier = {length}, [length]
        while frontier:
            j = frontier.pop()
            for i in range(max(0, j - MAX_SUBSTRING), j - MIN_SUBSTRING + 1):
                pieces[seg[i:j]] = None
                if i > 0 and i not in ends and self._known(seg[i:j]):
                    ends.add(i)
                    frontier.append(i)
        return list(pieces)

    def _username_block(self, source: Source, segments: tuple[str, ...], cut: bool = False,
                        shown: frozenset[str] = frozenset()) -> Block:
        """Connection side: a username's segments, its glued core and its substrings; a handle
        at X's length limit also as a possibly cut name pattern. A segment that is also a word
        of the display name (`shown`) is that word: no shorter name is looked for inside it
        ('catrin-trubin' under 'Catrin Trubin' does not hold the surname 'trub')."""
        key = (int(source), segments, cut, shown)
        cached = self._username_blocks.get(key)
        if cached is not None:
            return cached
        out = _BlockBuilder(self)
        for form in dict.fromkeys([*segments, "".join(segments)]):
            if len(form) >= MIN_SUBSTRING:
                out.add(Kind.PATTERN, form, Role.UNKNOWN, 0, source)
        if cut:
            out.add(Kind.PATTERN, CUT_MARK + "".join(segments), Role.UNKNOWN, 0, source)
        for part, seg in enumerate(segments):
            if len(segments) > 1 and len(seg) >= MIN_SUBSTRING:
                out.add(Kind.WORD, seg, Role.UNKNOWN, USERNAME_PART + part, source)
            whole = (seg,) if len(seg) >= MIN_SUBSTRING else ()
            for sub in (whole if seg in shown else self._substrings(seg)):
                out.add(Kind.SUBSTRING, sub, Role.UNKNOWN, USERNAME_PART + part, source)
        long_segments = tuple(seg for seg in segments if len(seg) >= MIN_SUBSTRING)
        if len(long_segments) > 1:
            self._unknown_pairs(out, long_segments, source, USERNAME_PART)
        cached = out.block()
        self._username_blocks[key] = cached
        return cached
