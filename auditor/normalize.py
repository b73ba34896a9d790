"""Turn messy names, e-mails, phones and handles into comparable canonical forms.

The same functions serve the roster and the connections (design.md: one
normalizer, so the two sides cannot drift). Nothing here is secret; the keyed
encoding happens in encode.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

import phonenumbers
from anyascii import anyascii
from doublemetaphone import doublemetaphone
from nicknames import NickNamer

TITLES = frozenset("""
dr doctor mr mrs ms mx miss mister prof professor rev reverend fr father sr sir dame
lady lord coach pastor rabbi imam hon capt sgt
""".split())

# Credentials and suffixes seen after therapists' and clients' names online.
CREDENTIALS = frozenset("""
phd psyd edd md do dnp np rn lpn msn bsn ma ms msc bsc ba bs mba msw mft mfa
lcsw lmsw licsw lisw lcswr acsw lmft amft lmhc lpc lpcc lcpc lpca ncc lcmhc lpcs
bcba rbt cadc lcadc ladc cpc cht ryt cpt cscs pmp cpa esq jd llm
cfa cfp cissp shrm scp cp pe mph mha mpa dds dmd dvm pharmd aprn fnp crna cna lvn csm
jr sr ii iii iv
""".split())

PRONOUN_WORDS = frozenset("she her hers he him his they them theirs xe xem ze zir any all pronouns".split())

_PARENS = re.compile(r"[(\[{][^)\]}]*[)\]}]")
_PRONOUN_PAIR = re.compile(r"\b(she|he|they|xe|ze|it)\s*/\s*(her|him|them|xem|zir|hers|his|theirs|they|she|he)\b"
                           r"(\s*/\s*\w+)?", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z' -]+")
_SEPARATORS = re.compile(r"[\s._\-]+")
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_PLUS_TAG_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "icloud.com",
    "me.com", "mac.com", "fastmail.com", "proton.me", "protonmail.com", "pm.me",
})


_ASCII_SYMBOLS = re.compile(r"[^A-Za-z0-9 '\-.,/&()\[\]{}]")


def _strip_symbols(text: str) -> str:
    """Drop emoji, pictographs and other symbols; keep letters, digits, marks, punctuation."""
    if text.isascii():
        return _ASCII_SYMBOLS.sub(" ", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] in "LMN" or ch in " '-.,/&()[]{}":
            out.append(ch)
        elif cat[0] in "PZ":
            out.append(" ")
    return "".join(out)


def ascii_fold(text: str) -> str:
    """NFKC, casefold, transliterate to ASCII ('Nguyễn' -> 'nguyen', 'Łukasz' -> 'lukasz')."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return anyascii(text).lower()


@dataclass(frozen=True, slots=True)
class NameWords:
    """A cleaned name: full words and single-letter initials, in display order."""

    words: tuple[str, ...]
    initials: tuple[str, ...]
    joined: int = 0     # bit j: words[j] was hyphen-joined to words[j - 1] ('Nichols-Young')

    @property
    def empty(self) -> bool:
        return not self.words and not self.initials


def clean_name(text: str) -> NameWords:
    """Display name -> words, without titles, credentials, pronouns, emoji or punctuation.

    'Dr. Ana-María Smith, LCSW (she/her) 🌿' -> words ('ana', 'maria', 'smith').
    Hyphenated parts become separate words, marked in `joined` as one compound name;
    apostrophes are dropped ("o'brien" -> "obrien").
    """
    if not text:
        return NameWords((), ())
    text = unicodedata.normalize("NFKC", text)
    text = _PRONOUN_PAIR.sub(" ", _PARENS.sub(" ", text))
    text = ascii_fold(_strip_symbols(text))
    text = _NON_WORD.sub(" ", text.replace(".", " ").replace(",", " "))
    words: list[str] = []
    initials: list[str] = []
    joined = 0
    for raw in text.split():
        first_in_raw = True
        for part in raw.split("-"):
            word = part.replace("'", "")
            if not word or word in TITLES or word in CREDENTIALS or word in PRONOUN_WORDS:
                continue
            if len(word) == 1:
                initials.append(word)
                continue
            if not first_in_raw and len(words) < 63:
                joined |= 1 << len(words)
            first_in_raw = False
            words.append(word)
    return NameWords(tuple(words), tuple(initials), joined)


def split_words(text: str) -> tuple[str, ...]:
    """Roster fields: every word of a name field, titles and credentials removed."""
    return clean_name(text).words


class NameKnowledge:
    """Nickname groups and phonetic codes, cached per process run (not global)."""

    def __init__(self) -> None:
        self._namer = NickNamer()
        self.canonicals = lru_cache(maxsize=200_000)(self._canonicals)
        self.phonetic = lru_cache(maxsize=200_000)(self._phonetic)
        self.nick_forms = lru_cache(maxsize=50_000)(self._nick_forms)

    def _canonicals(self, word: str) -> frozenset[str]:
        """The canonical given names a word may stand for, itself included if canonical.

        'bill' -> {william, robert, ...}; 'william' -> {william}. Two given names
        refer to the same person's name when these sets intersect.
        """
        found = set(self._namer.canonicals_of(word))
        if self._namer.nicknames_of(word):
            found.add(word)
        return frozenset(found)

    def _nick_forms(self, canonical: str) -> frozenset[str]:
        """A canonical name and its nicknames ('william' -> {william, bill, will, ...})."""
        return frozenset(self._namer.nicknames_of(canonical)) | {canonical}

    def _phonetic(self, word: str) -> tuple[str, ...]:
        """Double Metaphone codes of a word (primary, and secondary when it differs)."""
        if len(word) < 3:
            return ()
        primary, secondary = doublemetaphone(word)
        return tuple(code for code in dict.fromkeys((primary, secondary)) if code)


def canonical_email(value: str) -> str:
    """Lower-case; Gmail-style dots and +tags removed where the provider ignores them."""
    value = value.strip().strip("<>").lower()
    if value.startswith("mailto:"):
        value = value[7:]
    local, sep, domain = value.rpartition("@")
    if not sep or not local or "." not in domain or " " in value:
        return ""
    if domain in _PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in _GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def email_local(value: str) -> str:
    """The part of an e-mail before '@', for use as a username-like name source."""
    canonical = value.strip().lower()
    return canonical.split("@", 1)[0].split("+", 1)[0] if "@" in canonical else ""


def canonical_phone(value: str, region: str = "US") -> str:
    """E.164 ('+15551234567'), or '' when it is not a possible phone number."""
    if not value or not any(ch.isdigit() for ch in value):
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_URL_PLATFORMS = {
    "instagram.com": "instagram", "facebook.com": "facebook", "fb.com": "facebook",
    "x.com": "x", "twitter.com": "x", "linkedin.com": "linkedin", "tiktok.com": "tiktok",
    "threads.net": "threads", "threads.com": "threads", "bsky.app": "bluesky",
}


def canonical_handle(value: str) -> str:
    """A handle for comparison: lower-case, no leading '@', no surrounding space."""
    return value.strip().lstrip("@").strip().lower()


def handle_from_url(url: str) -> tuple[str, str] | None:
    """Profile URL -> (platform, handle); None when it names no profile we know."""
    try:
        parts = urlsplit(url.strip() if "://" in url else "https://" + url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    segments = [s for s in parts.path.split("/") if s]
    platform = _URL_PLATFORMS.get(host)
    if platform == "facebook" and segments[:1] == ["profile.php"]:
        ident = parse_qs(parts.query).get("id", [""])[0]
        return ("facebook", ident) if ident else None
    if platform in {"instagram", "x", "facebook"}:
        if segments[:1] == ["_u"]:
            segments = segments[1:]
        if segments and segments[0] == "intent" and platform == "x":
            ident = parse_qs(parts.query).get("user_id", [""])[0]
            return ("x", ident) if ident else None
        return (platform, canonical_handle(segments[0])) if segments else None
    if platform == "linkedin":
        if len(segments) >= 2 and segments[0] == "in":
            return ("linkedin", canonical_handle(segments[1]))
        return None
    if platform in {"tiktok", "threads"}:
        return (platform, canonical_handle(segments[0])) if segments and segments[0].startswith("@") else None
    if platform == "bluesky":
        return ("bluesky", canonical_handle(segments[1])) if len(segments) >= 2 and segments[0] == "profile" else None
    if segments and segments[0].startswith("@") and host:   # a Mastodon-style profile
        return ("mastodon", f"{canonical_handle(segments[0])}@{host}")
    return None


def username_segments(value: str) -> tuple[str, ...]:
    """Letter runs of a username: 'Ana.Smith_88' -> ('ana', 'smith'); digits dropped."""
    folded = ascii_fold(value)
    letters = re.sub(r"[^a-z._\-\s]", " ", folded)
    return tuple(seg for seg in _SEPARATORS.split(letters) if seg and seg.strip())


_LINKEDIN_SUFFIX = re.compile(r"-[0-9a-f]*[0-9][0-9a-f]*$")


def profile_name_part(platform: str, handle: str) -> str:
    """The part of a handle a person chose: LinkedIn appends a hex id to taken vanity names
    ('ana-smith-31dde5'), whose letters ('dde') are no name."""
    return _LINKEDIN_SUFFIX.sub("", handle) if platform == "linkedin" else handle


def username_core(value: str) -> str:
    """All the letters of a username glued: 'ana.smith_88' -> 'anasmith'."""
    return "".join(username_segments(value))
