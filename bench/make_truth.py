"""Seeded ground truth for the matcher benchmark (issue 3).

Writes into --out:

- ``clients.csv``: an EHR-like client export (the header a real EHR gives);
- ``connections.csv``: the generic connection CSV the product reads, with an
  ``id`` column;
- ``truth.csv``: for each connection id, the client id (empty for a non-client),
  the style it was rendered in, and a note (platform, form, folding, ...);
- ``meta.json``: the arguments, counts per style, name-pool skew and the number
  of exact full-name collisions the pools produced by chance.

Why it is built this way:

- Names come from faker pools per locale, drawn once and then sampled with
  Zipf-like weights, so common names repeat the way they do in life ("Smith",
  "Michael") and many surnames are rare. Random non-clients are drawn from the
  same pools, which is what makes same-surname and same-given-name strangers
  appear naturally. Exact full-name collisions are never planted; where the
  pools produce one by chance, truth.csv still says "not a client" and the note
  says which client it collides with.
- Hard look-alikes (a client's surname with another given name, a client's
  given name with another surname, the same initial and surname) are planted
  on purpose, and never as a name that is a nickname of the client's.
- Non-clients are rendered in the same surface forms as clients (decorated,
  swapped, usernames, e-mail only, LinkedIn) so that the form alone does not
  give a connection away.
- Identifiers behave like real ones: an e-mail address belongs to one person,
  and a username is unique per platform (a taken one gets digits appended).

Faker is called only to build the pools (a few thousand calls per locale);
rows are sampled from the pools and streamed to disk, so the large size
(100,000 clients x 1,000,000 connections) stays within a few minutes.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
import random
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from anyascii import anyascii
from nicknames import NickNamer
from rapidfuzz.distance import Levenshtein

BENCH = Path(__file__).resolve().parent
SIZES: dict[str, tuple[int, int]] = {
    "solo": (1_000, 10_000),
    "practice": (20_000, 200_000),
    "large": (100_000, 1_000_000),
}
# Share of people per locale: a US practice with a mixed population.
LOCALE_SHARES: dict[str, float] = {
    "en_US": 0.36, "es_MX": 0.14, "en_GB": 0.07, "en_IN": 0.06, "de_DE": 0.06, "pl_PL": 0.05,
    "vi_VN": 0.03, "pt_BR": 0.05, "fr_FR": 0.04, "it_IT": 0.04, "tr_TR": 0.03, "nl_NL": 0.03,
}
FIRST_ZIPF = 0.5            # rank^-s weights; s < 1 because the pools are finite
LAST_ZIPF = 0.45
CROSS_LOCALE_SURNAME = 0.15  # a surname from another locale's pool (mixed families)
DOUBLE_SURNAME = {"es_MX": 0.35, "pt_BR": 0.20}
DRAWS_PER_POOL = 2500
BAD_NAMES = frozenset({"John", "Jane", "Doe"})

CLIENT_STYLES: dict[str, float] = {
    "full": 0.18, "nickname": 0.07, "decorated": 0.08, "initial_surname": 0.06, "married": 0.05,
    "swapped": 0.05, "typo": 0.08, "username_only": 0.13, "email_only": 0.10, "handle": 0.05,
    "linkedin": 0.08,
}
LOOKALIKE_STYLES: dict[str, float] = {"lookalike_surname": 0.4, "lookalike_first": 0.3, "lookalike_initial": 0.3}
RANDOM_STYLES: dict[str, float] = {"random_name": 0.73, "random_username": 0.15, "random_email": 0.12}
NAME_FORMS: dict[str, float] = {   # how a non-client's name is shown (mirrors the client styles)
    "full": 0.55, "decorated": 0.12, "initial_surname": 0.06, "swapped": 0.05, "nickname": 0.06,
    "linkedin": 0.10, "double_surname": 0.06, "first_only": 0.05,
}
LOOKALIKE_FORMS: dict[str, float] = {"full": 0.55, "decorated": 0.10, "swapped": 0.05, "linkedin": 0.10,
                                     "username": 0.20}
SOCIAL_PLATFORMS: dict[str, float] = {"facebook": 0.55, "instagram": 0.25, "x": 0.08, "threads": 0.05,
                                      "bluesky": 0.04, "tiktok": 0.03}
USERNAME_PLATFORMS: dict[str, float] = {"instagram": 0.6, "tiktok": 0.2, "x": 0.2}
NEWSLETTERS: dict[str, float] = {"mailchimp": 0.5, "substack": 0.3, "kit": 0.2}
EMAIL_DOMAINS: dict[str, float] = {
    "gmail.com": 0.45, "yahoo.com": 0.12, "outlook.com": 0.08, "hotmail.com": 0.07, "icloud.com": 0.10,
    "aol.com": 0.03, "proton.me": 0.03, "comcast.net": 0.04, "fastmail.com": 0.02, "sbcglobal.net": 0.02,
    "work.example.org": 0.04,
}
PLUS_DOMAINS = frozenset({"gmail.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me", "fastmail.com"})
ADJECTIVES = ["sunny", "wild", "quiet", "happy", "lucky", "blue", "green", "little", "cosmic", "salty", "urban",
              "lazy", "golden", "misty", "rusty", "brave", "silver", "velvet", "mellow", "tiny"]
NOUNS = ["fern", "fox", "runner", "baker", "garden", "hiker", "moon", "river", "coffee", "yogi", "reader", "nomad",
         "pixel", "tiger", "wave", "lens", "paws", "kitchen", "trails", "sketch"]
SUFFIXES = ["art", "photo", "runs", "travels", "official", "eats", "studio", "design", "music", "fit"]
EMOJI = ["🌿", "✨", "🌸", "💫", "☀️", "🏳️‍🌈", "🐶", "🌻", "💙", "🇲🇽"]
SOCIAL_CREDENTIALS = [", LCSW", " PhD", ", LMFT", ", MBA", ", RN", " MSW", ", PsyD", ", LPC"]
LINKEDIN_CREDENTIALS = [", MBA", ", PMP", ", CPA", ", SHRM-CP", ", RN", ", PhD", " MBA", ", CFA", ", P.E."]
GERMAN_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
KEYBOARD = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm",
    "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji",
    "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}
THERAPIST_ACCOUNTS = {"facebook": "Dana Rivera", "instagram": "dr.rivera.therapy", "x": "drdanarivera",
                      "threads": "dr.rivera.therapy", "bluesky": "danarivera.bsky.social",
                      "tiktok": "therapywithdana", "linkedin": "Dana Rivera, PhD",
                      "mailchimp": "Rivera Counseling News", "substack": "Notes from the couch",
                      "kit": "Rivera Counseling"}
CLIENT_HEADER = ["Client ID", "First Name", "Last Name", "Preferred Name", "Other Names", "E-mail",
                 "Mobile Phone", "Social Handles", "Status", "Discharge Date", "Clinician"]
CONNECTION_HEADER = ["id", "platform", "relation", "account", "display_name", "username", "email", "phone",
                     "profile_url", "connected_at", "joined_via"]
TRUTH_HEADER = ["connection_id", "client_id", "style", "note"]


# --------------------------------------------------------------------------- helpers
def weighted(r: random.Random, table: dict[str, float]) -> str:
    """One key of a {choice: weight} table."""
    return r.choices(list(table), weights=list(table.values()))[0]


def slug(text: str) -> str:
    """Letters only, ASCII, lower case: what people put in usernames and e-mail addresses."""
    return "".join(ch for ch in anyascii(text).lower() if "a" <= ch <= "z")


def name_key(first: str, last: str) -> tuple[str, str]:
    """Comparison key for 'the same full name' (accents, case, spaces and hyphens ignored)."""
    return slug(first), slug(last)


def first_word(name: str) -> str:
    return name.split()[0] if name.split() else name


def fold_display(text: str, locale: str, r: random.Random) -> tuple[str, str]:
    """Sometimes drop diacritics the way people type them (German umlauts as ue/oe/ae)."""
    if text.isascii() or r.random() >= 0.45:
        return text, ""
    if locale == "de_DE" and r.random() < 0.5 and any(c in text for c in "äöüÄÖÜß"):
        return text.translate(GERMAN_FOLD), "folded=de"
    return ascii_letters(text), "folded=ascii"


def ascii_letters(text: str) -> str:
    """Transliterate letters only ('Łukasz' -> 'Lukasz'); emoji and symbols stay as they are."""
    return "".join(anyascii(ch) if not ch.isascii() and unicodedata.category(ch)[0] in "LM" else ch
                   for ch in text)


def email_canonical(address: str) -> str:
    """The mailbox an address reaches: used only to keep one mailbox per person."""
    local, _, domain = address.lower().rpartition("@")
    if domain in PLUS_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local = local.replace(".", "")
    return f"{local}@{domain}"


# --------------------------------------------------------------------------- name pools
@dataclass(slots=True)
class Pool:
    """Distinct names with Zipf weights by rank (rank = how often faker produced them)."""

    names: list[str]
    cum: np.ndarray

    @classmethod
    def from_counts(cls, counts: Counter[str], exponent: float, r: random.Random) -> Pool:
        names = [n for n in counts if n not in BAD_NAMES]
        r.shuffle(names)                          # ties (unweighted faker lists) in seeded order
        names.sort(key=lambda n: -counts[n])
        weights = np.arange(1, len(names) + 1, dtype=float) ** -exponent
        return cls(names=names, cum=np.cumsum(weights) / weights.sum())

    def draw(self, r: random.Random) -> str:
        return self.names[min(bisect.bisect_right(self.cum, r.random()), len(self.names) - 1)]

    def draw_many(self, rng: np.random.Generator, k: int) -> list[str]:
        idx = np.minimum(np.searchsorted(self.cum, rng.random(k), side="right"), len(self.names) - 1)
        return [self.names[i] for i in idx]

    def shares(self) -> dict[str, float]:
        """name -> its sampling probability."""
        probs = np.diff(self.cum, prepend=0.0)
        return dict(zip(self.names, probs.tolist()))


@dataclass(slots=True)
class Pools:
    """(locale, gender) -> first-name pool and surname pool."""

    first: dict[tuple[str, str], Pool]
    last: dict[tuple[str, str], Pool]
    locales: list[str]
    shares: np.ndarray


def build_pools(seed: int) -> Pools:
    """Draw each locale's names from faker once (a few thousand calls per locale)."""
    from faker import Faker

    r = random.Random(seed)
    first: dict[tuple[str, str], Pool] = {}
    last: dict[tuple[str, str], Pool] = {}
    for i, locale in enumerate(LOCALE_SHARES):
        fake = Faker(locale)
        fake.seed_instance(seed * 1000 + i)
        for gender in ("f", "m"):
            first_fn = fake.first_name_female if gender == "f" else fake.first_name_male
            last_fn = fake.last_name_female if gender == "f" else fake.last_name_male
            first[(locale, gender)] = Pool.from_counts(
                Counter(first_fn() for _ in range(DRAWS_PER_POOL)), FIRST_ZIPF, r)
            last[(locale, gender)] = Pool.from_counts(
                Counter(last_fn() for _ in range(DRAWS_PER_POOL)), LAST_ZIPF, r)
    shares = np.array(list(LOCALE_SHARES.values()), dtype=float)
    return Pools(first=first, last=last, locales=list(LOCALE_SHARES), shares=shares / shares.sum())


@dataclass(slots=True)
class Person:
    locale: str
    gender: str
    first: str
    last: str
    parts: tuple[str, ...] = ()      # the two surnames of a compound (Spanish/Portuguese) surname


def draw_people(pools: Pools, rng: np.random.Generator, r: random.Random, k: int) -> list[Person]:
    """k random people: locale and gender vectorized, names drawn from the pools in bulk."""
    loc_idx = rng.choice(len(pools.locales), size=k, p=pools.shares)
    genders = np.where(rng.random(k) < 0.52, "f", "m")
    people: list[Person | None] = [None] * k
    for li, locale in enumerate(pools.locales):
        for gender in ("f", "m"):
            where = np.flatnonzero((loc_idx == li) & (genders == gender))
            if not where.size:
                continue
            firsts = pools.first[(locale, gender)].draw_many(rng, where.size)
            lasts = pools.last[(locale, gender)].draw_many(rng, where.size)
            for j, f, s in zip(where.tolist(), firsts, lasts):
                people[j] = Person(locale, gender, f, s)
    out: list[Person] = []
    for p in people:
        assert p is not None
        if r.random() < CROSS_LOCALE_SURNAME:
            other = r.choices(pools.locales, weights=pools.shares)[0]
            p.last = pools.last[(other, p.gender)].draw(r)
        if r.random() < DOUBLE_SURNAME.get(p.locale, 0.0):
            second = pools.last[(p.locale, p.gender)].draw(r)
            if slug(second) != slug(p.last):
                p.parts = (p.last, second)
                p.last = f"{p.last} {second}"
        out.append(p)
    return out


# --------------------------------------------------------------------------- identifiers
class Identifiers:
    """Keeps e-mail addresses one per person and usernames unique per platform."""

    def __init__(self, r: random.Random):
        self.r = r
        self.emails: set[str] = set()
        self.handles: dict[str, set[str]] = {}

    def claim_email(self, local: str, domain: str) -> str:
        address = f"{local}@{domain}"
        while email_canonical(address) in self.emails:
            address = f"{local}{self.r.randint(1, 9999)}@{domain}"
        self.emails.add(email_canonical(address))
        return address

    def claim_handle(self, platform: str, handle: str) -> str:
        if platform == "x":
            handle = handle.replace(".", "_")[:15]
        taken = self.handles.setdefault(platform, set())
        candidate = handle
        while candidate in taken or len(candidate) < 3:
            candidate = f"{handle}{self.r.randint(2, 999)}"
        taken.add(candidate)
        return candidate

    def hobby_handle(self, platform: str) -> str:
        r = self.r
        sep = r.choice(["", "_", ".", ""])
        tail = str(r.randint(1, 99)) if r.random() < 0.5 else ""
        return self.claim_handle(platform, f"{r.choice(ADJECTIVES)}{sep}{r.choice(NOUNS)}{tail}")

    def name_email(self, first: str, last: str) -> str:
        r = self.r
        f, l = slug(first_word(first)) or "x", slug(last) or "x"
        local = r.choices([
            f"{f}.{l}", f"{f}{l}", f"{f[0]}{l}", f"{f}_{l}{r.randint(1, 99)}", f"{l}.{f}",
            f"{f}{l}{r.randint(60, 99)}", f"{f}.{l}{r.randint(1, 9999)}",
            f"{r.choice(ADJECTIVES)}{r.choice(NOUNS)}{r.randint(1, 99)}",
        ], weights=[22, 14, 12, 8, 6, 10, 8, 20])[0]
        return self.claim_email(local, weighted(r, EMAIL_DOMAINS))


USERNAME_PATTERNS = ("given_surname", "dot_digits", "initial_underscore", "surname_dot_given", "suffix",
                     "initial_year")


def username_from_name(first: str, last: str, r: random.Random) -> tuple[str, str]:
    """A username in one of the patterns people build from their names; returns (text, pattern)."""
    f, l = slug(first_word(first)) or "x", slug(last) or "x"
    pattern = r.choice(USERNAME_PATTERNS)
    text = {
        "given_surname": f"{f}{l}",
        "dot_digits": f"{f}.{l}{r.randint(1, 99)}",
        "initial_underscore": f"{f[0]}_{l}",
        "surname_dot_given": f"{l}.{f}",
        "suffix": f"{f}{l}_{r.choice(SUFFIXES)}",
        "initial_year": f"{f[0]}{l}{r.randint(1960, 2005)}",
    }[pattern]
    return text, pattern


# --------------------------------------------------------------------------- clients
@dataclass(slots=True)
class Client:
    client_id: str
    person: Person
    preferred: str = ""
    other: str = ""                       # maiden / previous surname
    email: str = ""
    phone: str = ""
    handles: list[tuple[str, str]] = field(default_factory=list)
    status: str = "current"
    discharge: str = ""
    clinician: str = ""

    @property
    def first(self) -> str:
        return self.person.first

    @property
    def last(self) -> str:
        return self.person.last


def nicknames_of(namer: NickNamer, cache: dict[str, list[str]], name: str) -> list[str]:
    """Nicknames of a given name's first word, capitalized, sorted (seeded choice needs order)."""
    key = slug(first_word(name))
    if key not in cache:
        cache[key] = sorted(n.capitalize() for n in namer.nicknames_of(key) if n != key)
    return cache[key]


class NameIndex:
    """Which clients a (given name, surname) could be: exactly, or through a nickname link.

    Two given names are linked when they are equal, share a canonical name in the
    nickname list (Bill, Will -> William), or one is listed as a nickname of the other.
    """

    def __init__(self, clients: list[Client], namer: NickNamer):
        self.namer = namer
        self._canon: dict[str, frozenset[str]] = {}
        self._nicks: dict[str, frozenset[str]] = {}
        self.exact: dict[tuple[str, str], str] = {}
        self.by_surname: dict[str, list[tuple[frozenset[str], frozenset[str], str, str]]] = {}
        for c in clients:
            self.exact.setdefault(name_key(c.first, c.last), c.client_id)
            for given in [c.first] + ([c.preferred] if c.preferred else []):
                g = slug(first_word(given))
                for surname in [c.last] + ([c.other] if c.other else []):
                    self.by_surname.setdefault(slug(surname), []).append(
                        (self.canon(g), self.nicks(g), g, c.client_id))

    def canon(self, g: str) -> frozenset[str]:
        if g not in self._canon:
            self._canon[g] = frozenset(self.namer.canonicals_of(g)) | {g}
        return self._canon[g]

    def nicks(self, g: str) -> frozenset[str]:
        if g not in self._nicks:
            self._nicks[g] = frozenset(self.namer.nicknames_of(g))
        return self._nicks[g]

    def linked(self, first: str, last: str) -> str:
        """A client id whose name this could be (exactly or by nickname), else ''."""
        f = slug(first_word(first))
        canon_f, nicks_f = self.canon(f), self.nicks(f)
        for canon_g, nicks_g, g, client_id in self.by_surname.get(slug(last), ()):
            if canon_f & canon_g or f in nicks_g or g in nicks_f:
                return client_id
        return ""


def phone_number(r: random.Random) -> str:
    area, exch, line = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
    return r.choice([f"({area}) {exch}-{line:04d}", f"{area}-{exch}-{line:04d}", f"+1 {area} {exch} {line:04d}",
                     f"{area}.{exch}.{line:04d}"])


def handle_cell(platform: str, handle: str, r: random.Random) -> str:
    """How an EHR user types a handle: 'instagram:ana.smith', 'x:@asmith' or a profile URL."""
    roll = r.random()
    if roll < 0.2:
        url = {"instagram": f"https://www.instagram.com/{handle}/", "x": f"https://x.com/{handle}",
               "tiktok": f"https://www.tiktok.com/@{handle}"}[platform]
        return url
    prefix = "twitter" if platform == "x" and roll < 0.3 else platform
    return f"{prefix}:{'@' if roll > 0.8 else ''}{handle}"


def make_clients(n: int, pools: Pools, ids: Identifiers, rng: np.random.Generator, r: random.Random,
                 namer: NickNamer, nick_cache: dict[str, list[str]]) -> list[Client]:
    """The roster: ~60% e-mail, ~40% phone, ~10% handles, some preferred and maiden names."""
    clinicians = [f"{p.first} {p.last}" for p in draw_people(pools, rng, r, max(1, n // 800))]
    clients = []
    for i, person in enumerate(draw_people(pools, rng, r, n)):
        c = Client(client_id=f"CL{i + 1:06d}", person=person, clinician=r.choice(clinicians))
        if r.random() < 0.08:
            nicks = nicknames_of(namer, nick_cache, person.first)
            if nicks:
                c.preferred = r.choice(nicks)
            else:   # an adopted English name ("goes by Kevin")
                c.preferred = pools.first[("en_US", person.gender)].draw(r)
        if r.random() < (0.16 if person.gender == "f" else 0.03):
            other = pools.last[(person.locale, person.gender)].draw(r)
            if slug(other) != slug(person.last):
                c.other = other
        if r.random() < 0.60:
            c.email = ids.name_email(person.first, person.last)
        if r.random() < 0.40:
            c.phone = phone_number(r)
        if r.random() < 0.10:
            for platform in r.sample(list(USERNAME_PLATFORMS), k=1 if r.random() < 0.7 else 2):
                text = username_from_name(person.first, person.last, r)[0] if r.random() < 0.6 else \
                    f"{r.choice(ADJECTIVES)}{r.choice(NOUNS)}{r.randint(1, 99)}"
                c.handles.append((platform, ids.claim_handle(platform, text)))
        if r.random() < 0.6:
            c.status = "former"
            ended = date(2019, 1, 1) + timedelta(days=r.randint(0, 2737))
            c.discharge = ended.isoformat() if r.random() < 0.8 else ended.strftime("%m/%d/%Y")
        clients.append(c)
    return clients


def client_row(c: Client, r: random.Random) -> list[str]:
    handles = ";".join(handle_cell(p, h, r) for p, h in c.handles)
    return [c.client_id, c.first, c.last, c.preferred, c.other, c.email, c.phone, handles,
            "Former" if c.status == "former" else "Current", c.discharge, c.clinician]


# --------------------------------------------------------------------------- rendering
@dataclass(slots=True)
class Row:
    platform: str
    display: str = ""
    username: str = ""
    email: str = ""
    url: str = ""
    joined_via: str = ""
    notes: list[str] = field(default_factory=list)


def relation_for(platform: str, r: random.Random) -> str:
    if platform == "facebook":
        return weighted(r, {"mutual": 0.8, "request_in": 0.07, "request_out": 0.03, "removed": 0.05,
                            "following": 0.05})
    if platform == "linkedin":
        return "mutual"
    if platform in NEWSLETTERS:
        return "subscriber"
    return weighted(r, {"follower": 0.55, "following": 0.3, "request_in": 0.1, "removed": 0.05})


def decorate(name: str, gender: str, r: random.Random) -> tuple[str, str]:
    """One or two of: title, credential, pronouns, ALL CAPS, emoji, a middle initial."""
    kinds = r.sample(["title", "credential", "pronouns", "caps", "emoji", "middle"], k=r.choice([1, 1, 2]))
    words = name.split(" ", 1)
    for kind in kinds:
        if kind == "middle" and len(words) == 2:
            name = f"{words[0]} {r.choice('ABCDEFGHJKLMNPRSTW')}. {words[1]}"
        elif kind == "title":
            name = f"Dr. {name}"
        elif kind == "credential":
            name += r.choice(SOCIAL_CREDENTIALS)
        elif kind == "pronouns":
            name += r.choice([" (she/her)" if gender == "f" else " (he/him)", " (they/them)",
                              " she/her" if gender == "f" else " he/him"])
        elif kind == "caps":
            name = name.upper()
        elif kind == "emoji":
            e = r.choice(EMOJI)
            name = r.choice([f"{name} {e}", f"{e} {name}", f"{e} {name} {e}", f"{name}{e}"])
    return name, "+".join(kinds)


def typo(word: str, r: random.Random) -> tuple[str, str]:
    """One insert, delete, substitute (keyboard neighbour) or transpose; never a no-op."""
    for _ in range(20):
        op = r.choice(["insert", "delete", "substitute", "transpose"])
        pos = r.randint(1, len(word) - 1) if len(word) > 1 and r.random() < 0.95 else 0
        low = word[pos].lower()
        if op == "insert":
            new = word[:pos] + r.choice(KEYBOARD.get(low, "aeiou")) + word[pos:]
        elif op == "delete" and len(word) > 2:
            new = word[:pos] + word[pos + 1:]
        elif op == "substitute":
            repl = r.choice(KEYBOARD.get(low, "aeiou"))
            new = word[:pos] + (repl.upper() if word[pos].isupper() else repl) + word[pos + 1:]
        elif op == "transpose" and pos < len(word) - 1:
            new = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2:]
        else:
            continue
        if new.lower() != word.lower():
            return new, op
    return word + "e", "insert"


class Renderer:
    """Turns a person (client or not) into one connection row in a given style."""

    def __init__(self, ids: Identifiers, r: random.Random, namer: NickNamer, nick_cache: dict[str, list[str]]):
        self.ids, self.r, self.namer, self.nick_cache = ids, r, namer, nick_cache

    # -- shared pieces
    def social(self, display: str, locale: str, notes: list[str]) -> Row:
        """A display-name row on a social platform; any username is unrelated to the name."""
        r = self.r
        platform = weighted(r, SOCIAL_PLATFORMS)
        display, folded = fold_display(display, locale, r)
        row = Row(platform=platform, display=display, notes=[f"platform={platform}", *notes])
        if folded:
            row.notes.append(folded)
        if platform != "facebook":
            row.username = self.ids.hobby_handle(platform)
        return row

    def username_row(self, first: str, last: str, notes: list[str], avoid: set[str] = frozenset()) -> Row:
        r = self.r
        choices = [p for p in USERNAME_PLATFORMS if p not in avoid] or list(USERNAME_PLATFORMS)
        platform = r.choices(choices, weights=[USERNAME_PLATFORMS[p] for p in choices])[0]
        text, pattern = username_from_name(first, last, r)
        handle = self.ids.claim_handle(platform, text)
        return Row(platform=platform, username=handle, notes=[f"platform={platform}", f"pattern={pattern}", *notes])

    def linkedin(self, first: str, last: str, locale: str, notes: list[str]) -> Row:
        r = self.r
        display = f"{first} {last}"
        if not display.isascii() and r.random() < 0.25:
            display = ascii_letters(display)
            notes = [*notes, "folded=ascii"]
        credential = r.choice(LINKEDIN_CREDENTIALS) if r.random() < 0.5 else ""
        row = Row(platform="linkedin", display=display + credential, notes=["platform=linkedin", *notes])
        if credential:
            row.notes.append("credential")
        roll = r.random()
        f, l = slug(first_word(first)), slug(last)
        if roll < 0.6:
            row.url = f"https://www.linkedin.com/in/{f}-{l}-{r.getrandbits(24):06x}/"
        elif roll < 0.8:
            row.url = f"https://www.linkedin.com/in/{self.ids.claim_handle('linkedin', f + l)}/"
        return row

    def newsletter(self, address: str, notes: list[str]) -> Row:
        r = self.r
        platform = weighted(r, NEWSLETTERS)
        return Row(platform=platform, email=address, joined_via="self" if r.random() < 0.7 else "imported",
                   notes=[f"platform={platform}", *notes])

    def name_form(self, form: str, p: Person) -> Row:
        """A name shown in one of the surface forms (shared by clients and non-clients)."""
        r = self.r
        full = f"{p.first} {p.last}"
        if form == "decorated":
            shown, kinds = decorate(full, p.gender, r)
            return self.social(shown, p.locale, [f"form=decorated:{kinds}"])
        if form == "initial_surname":
            i = p.first[0]
            return self.social(r.choice([f"{i}. {p.last}", f"{i}. {p.last}", f"{i} {p.last}", f"{i}.{p.last}"]),
                               p.locale, ["form=initial_surname"])
        if form == "swapped":
            return self.social(r.choice([f"{p.last}, {p.first}", f"{p.last}, {p.first}", f"{p.last} {p.first}",
                                         f"{p.last.upper()} {p.first}"]), p.locale, ["form=swapped"])
        if form == "nickname":
            nicks = nicknames_of(self.namer, self.nick_cache, p.first)
            if nicks:
                nick = r.choice(nicks)
                return self.social(f"{nick} {p.last}", p.locale, [f"form=nickname:{nick.lower()}"])
            return self.social(full, p.locale, ["form=full"])
        if form == "linkedin":
            return self.linkedin(p.first, p.last, p.locale, ["form=linkedin"])
        if form == "first_only":   # many profiles show a given name only
            shown = first_word(p.first) + (f" {r.choice(EMOJI)}" if r.random() < 0.4 else "")
            return self.social(shown, p.locale, ["form=first_only"])
        if form == "username":
            return self.username_row(p.first, p.last, ["form=username"])
        return self.social(full, p.locale, ["form=full"])

    # -- client styles
    def eligible(self, c: Client) -> dict[str, float]:
        ok = dict(CLIENT_STYLES)
        if not nicknames_of(self.namer, self.nick_cache, c.first):
            ok.pop("nickname")
        if not (c.other or c.person.parts):
            ok.pop("married")
        if not c.email:
            ok.pop("email_only")
        if not c.handles:
            ok.pop("handle")
        return ok

    def client(self, c: Client, style: str) -> Row:
        r, p = self.r, c.person
        if style == "full":
            if c.preferred and r.random() < 0.4:
                return self.social(f"{c.preferred} {p.last}", p.locale, ["form=preferred"])
            return self.social(f"{p.first} {p.last}", p.locale, ["form=full"])
        if style in ("decorated", "initial_surname", "swapped", "nickname"):
            return self.name_form(style, p)
        if style == "married":
            return self.married(c)
        if style == "typo":
            return self.typo_row(c)
        if style == "username_only":
            first = c.preferred if c.preferred and r.random() < 0.5 else p.first
            return self.username_row(first, p.last, [], avoid={pl for pl, _ in c.handles})
        if style == "email_only":
            return self.newsletter(*self.email_variant(c.email))
        if style == "handle":
            platform, handle = r.choice(c.handles)
            if platform == "x" and r.random() < 0.3:
                handle = "".join(ch.upper() if r.random() < 0.3 else ch for ch in handle)
            display = ""
            if r.random() < 0.25:
                display = f"{first_word(p.first)} {r.choice(EMOJI)}"
            elif r.random() < 0.33:
                display = f"{r.choice(ADJECTIVES)} {r.choice(NOUNS)}"
            return Row(platform=platform, username=handle, display=display, notes=[f"platform={platform}"])
        if style == "linkedin":
            return self.linkedin(p.first, p.last, p.locale, [])
        raise ValueError(style)

    def married(self, c: Client) -> Row:
        """Maiden name on the profile, a double surname, or one part of a double surname."""
        r, p = self.r, c.person
        parts = p.parts
        options = []
        if c.other:
            options += [(f"{p.first} {c.other}", "form=other_name"),
                        (f"{p.first} {c.other}-{p.last}", "form=hyphenated"),
                        (f"{p.first} {p.last}-{c.other}", "form=hyphenated")]
        if len(parts) > 1:
            options += [(f"{p.first} {parts[0]}", "form=first_surname_part"),
                        (f"{p.first} {parts[-1]}", "form=last_surname_part")]
        shown, note = r.choice(options)
        return self.social(shown, p.locale, [note])

    def typo_row(self, c: Client) -> Row:
        r, p = self.r, c.person
        if r.random() < 0.55:
            words = p.last.split()
            k = r.randrange(len(words))
            words[k], op = typo(words[k], r)
            shown, note = f"{p.first} {' '.join(words)}", f"typo=surname:{op}"
        else:
            words = p.first.split()
            words[0], op = typo(words[0], r)
            shown, note = f"{' '.join(words)} {p.last}", f"typo=given:{op}"
        return self.social(shown, p.locale, [note])

    def email_variant(self, address: str) -> tuple[str, list[str]]:
        """The client's address as a list might hold it: as typed, case-changed, gmail dots, +tag."""
        r = self.r
        local, _, domain = address.rpartition("@")
        roll = r.random()
        if roll < 0.2:
            return (address.upper() if r.random() < 0.3 else f"{local.capitalize()}@{domain.capitalize()}",
                    ["email=case"])
        if roll < 0.4 and domain == "gmail.com":
            plain = local.replace(".", "")
            dotted = plain if "." in local else ".".join([plain[:len(plain) // 2], plain[len(plain) // 2:]])
            return f"{dotted}@{domain}", ["email=gmail_dots"]
        if roll < 0.55 and domain in PLUS_DOMAINS:
            return f"{local}+{r.choice(['news', 'therapy', 'nl', 'list'])}@{domain}", ["email=plus_tag"]
        return address, ["email=exact"]


# --------------------------------------------------------------------------- look-alikes
class LookalikeMaker:
    """Non-clients that resemble one client, never with a name that could be any client's."""

    def __init__(self, clients: list[Client], pools: Pools, index: NameIndex, r: random.Random):
        self.clients, self.pools, self.index, self.r = clients, pools, index, r
        shares = {key: pool.shares() for key, pool in pools.first.items()}
        weight = np.array([shares[(c.person.locale, c.person.gender)].get(c.first, 0.0) for c in clients])
        self.common_first_cum = np.cumsum(weight) / weight.sum()

    def make(self, style: str) -> tuple[Person, Client, str]:
        r = self.r
        for _ in range(500):
            if style == "lookalike_first":   # a client picked by how common their given name is
                c = self.clients[min(bisect.bisect_right(self.common_first_cum, r.random()), len(self.clients) - 1)]
            else:
                c = r.choice(self.clients)
            p = c.person
            if style == "lookalike_first":
                first, last = p.first, self.pools.last[(p.locale, p.gender)].draw(r)
            else:
                first, last = self.pools.first[(p.locale, p.gender)].draw(r), p.last
                same_initial = slug(first)[:1] == slug(p.first)[:1]
                if same_initial != (style == "lookalike_initial"):
                    continue
            if self.index.linked(first, last) or name_key(first, last) in self.index.exact:
                continue
            note = ""
            if style == "lookalike_initial":
                note = f"edit={Levenshtein.distance(slug(first), slug(p.first))}"
            return Person(p.locale, p.gender, first, last), c, note
        raise RuntimeError(f"could not make a {style} look-alike")


# --------------------------------------------------------------------------- orchestration
@dataclass(slots=True)
class Plan:
    """Which rows are clients (and in which style) and which are planted look-alikes."""

    specials: list[tuple[str, int, str]]   # (kind 'client'/'look', client index, style)
    positions: np.ndarray                  # row index of each special, same order


def plan_rows(clients: list[Client], renderer: Renderer, n_rows: int, client_share: float,
              lookalike_ratio: float, rng: np.random.Generator, r: random.Random) -> Plan:
    """Pick the style first, then a client it fits, so every style gets its share of rows.

    About a fifth of client rows go to a client who is already connected elsewhere
    (one person on several platforms).
    """
    n_client_rows = round(client_share * n_rows)
    fits = [set(renderer.eligible(c)) for c in clients]
    by_style = {style: [i for i, ok in enumerate(fits) if style in ok] for style in CLIENT_STYLES}
    connected: list[int] = []
    specials: list[tuple[str, int, str]] = []
    for _ in range(n_client_rows):
        style = weighted(r, CLIENT_STYLES)
        if not by_style[style]:
            style = "full"
        idx = r.choice(connected) if connected and r.random() < 0.2 else -1
        if idx < 0 or style not in fits[idx]:
            idx = r.choice(by_style[style])
        connected.append(idx)
        specials.append(("client", idx, style))
    n_look = min(round(lookalike_ratio * n_client_rows), n_rows - n_client_rows)
    specials += [("look", -1, weighted(r, LOOKALIKE_STYLES)) for _ in range(n_look)]
    r.shuffle(specials)
    positions = np.sort(rng.choice(n_rows, size=len(specials), replace=False))
    return Plan(specials=specials, positions=positions)


def client_row_on_new_platform(renderer: Renderer, client: Client, style: str,
                               used: dict[str, set[str]], r: random.Random) -> tuple[Row, str]:
    """A client's row on a platform where this client has no row yet (one account per platform).

    When the planned style cannot give a new platform (one handle, already used), another
    style the client fits is used instead; the returned style is the one rendered.
    """
    seen = used.setdefault(client.client_id, set())
    for attempt in range(40):
        if attempt == 20:
            styles = [s for s in renderer.eligible(client) if s not in ("handle", "email_only")] or ["full"]
            style = r.choice(styles)
        row = renderer.client(client, style)
        if row.platform not in seen:
            break
    seen.add(row.platform)
    return row, style


def connection_cells(row_id: str, row: Row, r: random.Random) -> list[str]:
    day = date(2012, 1, 1) + timedelta(days=r.randint(0, 5100))
    return [row_id, row.platform, relation_for(row.platform, r), THERAPIST_ACCOUNTS.get(row.platform, ""),
            row.display, row.username, row.email, "", row.url, f"{day.isoformat()}T{r.randint(0, 23):02d}:00:00Z",
            row.joined_via]


def random_rows(pools: Pools, renderer: Renderer, rng: np.random.Generator, r: random.Random,
                index: NameIndex, chunk: int) -> Iterator[tuple[Row, str, str]]:
    """Endless random non-clients: (row, style, collision note or '')."""
    while True:
        for p in draw_people(pools, rng, r, chunk):
            style = weighted(r, RANDOM_STYLES)
            if style == "random_username":
                row = renderer.username_row(p.first, p.last, []) if r.random() < 0.75 else \
                    Row(platform=(pl := weighted(r, USERNAME_PLATFORMS)), username=renderer.ids.hobby_handle(pl),
                        notes=[f"platform={pl}", "pattern=hobby"])
            elif style == "random_email":
                row = renderer.newsletter(renderer.ids.name_email(p.first, p.last), [])
            else:
                form = weighted(r, NAME_FORMS)
                if form == "double_surname":
                    second = pools.last[(p.locale, p.gender)].draw(r)
                    p = Person(p.locale, p.gender, p.first, f"{p.last}-{second}")
                    form = "full"
                row = renderer.name_form(form, p)
            exact = index.exact.get(name_key(p.first, p.last), "")
            linked = "" if exact else index.linked(p.first, p.last)
            yield row, style, f"collision={exact}" if exact else (f"nick_collision={linked}" if linked else "")


def generate(size: str, seed: int, out: Path, n_clients: int | None = None, n_connections: int | None = None,
             client_share: float = 0.07, lookalike_ratio: float = 0.6, quiet: bool = False) -> dict:
    """Write clients.csv, connections.csv, truth.csv and meta.json; returns the meta dict."""
    started = time.perf_counter()
    default_clients, default_connections = SIZES[size]
    n_clients = n_clients or default_clients
    n_connections = n_connections or default_connections
    out.mkdir(parents=True, exist_ok=True)
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    namer = NickNamer()
    nick_cache: dict[str, list[str]] = {}
    pools = build_pools(seed)
    ids = Identifiers(r)
    clients = make_clients(n_clients, pools, ids, rng, r, namer, nick_cache)
    with open(out / "clients.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CLIENT_HEADER)
        writer.writerows(client_row(c, r) for c in clients)

    index = NameIndex(clients, namer)
    renderer = Renderer(ids, r, namer, nick_cache)
    looks = LookalikeMaker(clients, pools, index, r)
    plan = plan_rows(clients, renderer, n_connections, client_share, lookalike_ratio, rng, r)
    randoms = random_rows(pools, renderer, rng, r, index, chunk=20_000)
    styles: Counter[str] = Counter()
    collisions: Counter[str] = Counter()
    special_at = dict(zip(plan.positions.tolist(), range(len(plan.specials))))
    platforms_used: dict[str, set[str]] = {}
    with open(out / "connections.csv", "w", newline="", encoding="utf-8") as cf, \
            open(out / "truth.csv", "w", newline="", encoding="utf-8") as tf:
        conn_writer, truth_writer = csv.writer(cf), csv.writer(tf)
        conn_writer.writerow(CONNECTION_HEADER)
        truth_writer.writerow(TRUTH_HEADER)
        for i in range(n_connections):
            row_id = f"k{i + 1:07d}"
            k = special_at.get(i)
            if k is not None:
                kind, idx, style = plan.specials[k]
                if kind == "client":
                    client = clients[idx]
                    row, style = client_row_on_new_platform(renderer, client, style, platforms_used, r)
                    client_id = client.client_id
                else:
                    person, like, note = looks.make(style)
                    row = renderer.name_form(weighted(r, LOOKALIKE_FORMS), person)
                    row.notes.insert(0, f"like={like.client_id}")
                    if note:
                        row.notes.append(note)
                    client_id = ""
            else:
                row, style, collision = next(randoms)
                client_id = ""
                if collision:
                    collisions[collision.split("=")[0]] += 1
                    row.notes.append(collision)
            styles[style] += 1
            conn_writer.writerow(connection_cells(row_id, row, r))
            truth_writer.writerow([row_id, client_id, style, ";".join(row.notes)])
    meta = {
        "size": size, "seed": seed, "faker": faker_version(), "clients": n_clients, "connections": n_connections,
        "client_rows": sum(1 for k, _, _ in plan.specials if k == "client"),
        "distinct_clients_connected": len({i for k, i, _ in plan.specials if k == "client"}),
        "styles": dict(sorted(styles.items())),
        "exact_name_collisions": collisions["collision"],
        "nickname_name_collisions": collisions["nick_collision"],
        "roster": {"with_email": sum(bool(c.email) for c in clients), "with_phone": sum(bool(c.phone) for c in clients),
                   "with_handles": sum(bool(c.handles) for c in clients),
                   "with_preferred": sum(bool(c.preferred) for c in clients),
                   "with_other_names": sum(bool(c.other) for c in clients),
                   "non_ascii_names": sum(not f"{c.first}{c.last}".isascii() for c in clients),
                   "distinct_full_names": len(index.exact)},
        "top_names": _top_names(clients),
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not quiet:
        print(f"wrote {out}: {n_clients:,} clients, {n_connections:,} connections "
              f"({meta['client_rows']:,} client rows, {collisions['collision']:,} exact-name collisions) in {meta['seconds']}s")
    return meta


def faker_version() -> str:
    """Faker's name lists change between releases, so the data depend on its version too."""
    from importlib.metadata import version

    return version("faker")


def _top_names(clients: list[Client]) -> dict[str, list[tuple[str, int]]]:
    """The most frequent given names and surnames on the roster (shows the skew)."""
    return {"first": Counter(c.first for c in clients).most_common(5),
            "last": Counter(c.last for c in clients).most_common(5)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=list(SIZES), default="solo")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="output folder (default bench/data/SIZE)")
    parser.add_argument("--clients", type=int, help="override the number of clients")
    parser.add_argument("--connections", type=int, help="override the number of connections")
    parser.add_argument("--client-share", type=float, default=0.07, help="share of connections that are clients")
    parser.add_argument("--lookalikes", type=float, default=0.6, help="planted look-alikes per client row")
    args = parser.parse_args(argv)
    out = args.out or BENCH / "data" / args.size
    generate(args.size, args.seed, out, args.clients, args.connections, args.client_share, args.lookalikes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
