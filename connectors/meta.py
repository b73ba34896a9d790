"""Parsing shared by the Facebook and Instagram connectors.

Both are Meta "Download your information" exports: the same Unix-second
timestamps, the same `string_list_data` entry shape, the same mojibake. Each
connector must also recognise the *other's* files, so that a file handed to the
wrong one fails with "this looks like Instagram followers" instead of a guess.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any, Mapping
from urllib.parse import urlsplit

from .textio import fix_meta_mojibake

# Facebook list keys; the version suffix (_v2, _v3) has changed over the years.
FB_KEY_RE = re.compile(
    r"^(friends|followers|following|received_requests|sent_requests|rejected_requests"
    r"|deleted_friends|people_you_may_know)(?:_v\d+)?$"
)
IG_PREFIX = "relationships_"
THREADS_PREFIX = "text_post_app_text_post_app_"
USERNAME_RE = re.compile(r"^[a-z0-9._]{1,30}$", re.IGNORECASE)

# Top-level arrays carry no key, so the file name says whose they are.
FB_BARE_RE = re.compile(r"^people_who_followed_you(?:_\d+)?\.json$", re.IGNORECASE)
IG_BARE_RE = re.compile(r"^(followers|following)(?:_\d+)?\.json$", re.IGNORECASE)

_OBJECT_HEAD_RE = re.compile(r'\A\{\s*"((?:[^"\\]|\\.){1,200})"\s*:\s*(\S)', re.DOTALL)


# --- detection -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Head:
    """The top-level shape visible in a JSON file's first bytes."""

    key: str | None     # first top-level key; None when the file is a bare array
    opener: str         # first character of that key's value, or of the first element
    text: str           # the decoded head, for cheap content checks


def sniff(head: bytes) -> Head | None:
    """Read the top-level shape from a (possibly cut) head; None if not JSON-like."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8-sig", errors="ignore")
    text = text.lstrip()
    if text.startswith("{"):
        match = _OBJECT_HEAD_RE.match(text)
        return Head(match.group(1), match.group(2), text) if match else None
    if text.startswith("["):
        rest = text[1:].lstrip()
        return Head(None, rest[:1], text) if rest else None
    return None


def is_entry_array(head: Head) -> bool:
    """A bare array that is empty or made of `string_list_data` entries."""
    return head.key is None and (
        head.opener == "]" or (head.opener == "{" and '"string_list_data"' in head.text)
    )


def is_candidate_path(relpath: str) -> bool:
    """A .json file that is not a macOS AppleDouble twin (`__MACOSX/`, `._name`)."""
    path = PurePosixPath(relpath.replace("\\", "/"))
    return (path.suffix.lower() == ".json" and not path.name.startswith("._")
            and "__MACOSX" not in path.parts)


def basename(relpath: str) -> str:
    """The file name of an export path, whichever slash it uses."""
    return PurePosixPath(relpath.replace("\\", "/")).name


# --- values --------------------------------------------------------------------

def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_from_unix(value: Any) -> str:
    """Meta's Unix seconds as ISO-8601 UTC; '' when absent or not a sane number."""
    if isinstance(value, str):      # ASCII digits only, and few enough for int()
        digits = value.strip()
        value = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 20 else value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return ""
    try:
        return _iso(datetime.fromtimestamp(value, tz=timezone.utc))
    except (OverflowError, OSError, ValueError):
        return ""


def iso_from_text(value: Any) -> str:
    """An ISO date string (≤2020 Instagram map values) as ISO-8601 UTC; '' if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return _iso(moment)


def clean_name(value: Any) -> str:
    """A display name with Meta's mojibake undone and outer blanks removed."""
    return fix_meta_mojibake(value).strip() if isinstance(value, str) else ""


def username_from_href(href: str) -> str:
    """`https://www.instagram.com/_u/ana.example/?hl=en` -> `ana.example`; '' if none.

    Also takes Threads links (`https://www.threads.net/@ana.example`).
    """
    href = href.strip()
    if not href:
        return ""
    try:
        parts = urlsplit(href if "//" in href or href.startswith("/") else "https://" + href)
    except ValueError:      # e.g. a broken "[...]" host
        return ""
    segments = [seg for seg in parts.path.split("/") if seg]
    if segments[:1] == ["_u"]:
        segments = segments[1:]
    if not segments:
        return ""
    name = segments[-1].removeprefix("@")
    return name if USERNAME_RE.match(name) else ""


# --- entries -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ListEntry:
    """The raw parts of one Instagram-style entry (`title` + `string_list_data[0]`)."""

    title: str
    value: str
    href: str
    timestamp: Any


def list_entry(entry: Mapping[str, Any]) -> ListEntry:
    """Pull title/value/href/timestamp out of an entry, tolerating missing parts."""
    data = entry.get("string_list_data")
    first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}

    def text(value: Any) -> str:
        return value.strip() if isinstance(value, str) else ""

    stamp = first.get("timestamp", entry.get("timestamp"))
    return ListEntry(text(entry.get("title")), text(first.get("value")),
                     text(first.get("href")), stamp)


@dataclass(frozen=True, slots=True)
class Person:
    """Who an Instagram/Threads entry names; empty strings when unknown."""

    username: str = ""
    display_name: str = ""
    profile_url: str = ""
    connected_at: str = ""


def instagram_person(entry: Mapping[str, Any]) -> Person:
    """Username from `value`, else a username-shaped `title`, else the href.

    A `title` that is not the username is a display name (Threads, some newer
    files) and is kept as one, mojibake-fixed.
    """
    parts = list_entry(entry)
    title = clean_name(parts.title)
    username = (parts.value
                or (title if USERNAME_RE.match(title) else "")
                or username_from_href(parts.href))
    display = title if title and title.casefold() != username.casefold() else ""
    return Person(username, display, parts.href, iso_from_unix(parts.timestamp))


# --- telling the two exports apart --------------------------------------------

def json_kind(value: Any) -> str:
    """A JSON type name for error messages ("an object", "a list", ...)."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false",
             type(None): "null"}
    return names.get(type(value), "a number")


def _words(key: str) -> str:
    return key.replace("_", " ").strip()


def bare_array_owner(data: list[Any], relpath: str) -> str | None:
    """'facebook' or 'instagram' for a top-level array, from its name then its links."""
    name = basename(relpath)
    if FB_BARE_RE.match(name):
        return "facebook"
    if IG_BARE_RE.match(name):
        return "instagram"
    for entry in data:
        href = list_entry(entry).href.lower() if isinstance(entry, dict) else ""
        if "instagram.com" in href:
            return "instagram"
        if "facebook.com" in href:
            return "facebook"
    return None


def describe(data: Any, relpath: str) -> str | None:
    """A short label for what a parsed Meta file holds ("Instagram followers"), or None."""
    if isinstance(data, list):
        owner = bare_array_owner(data, relpath)
        if owner == "facebook":
            return "Facebook followers"
        if owner == "instagram":
            match = IG_BARE_RE.match(basename(relpath))
            return f"Instagram {match.group(1).lower() if match else 'followers'}"
        return None
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if key.startswith(THREADS_PREFIX):
            return f"Threads {_words(key[len(THREADS_PREFIX):])}"
        if key.startswith(IG_PREFIX):
            return f"Instagram {_words(key[len(IG_PREFIX):])}"
        match = FB_KEY_RE.match(key)
        if match and isinstance(value, list):
            return f"Facebook {_words(match.group(1))}"
    if data and all(isinstance(value, dict) for value in data.values()) and (
            basename(relpath).lower() == "connections.json"
            or "followers" in data or "following" in data):
        return "Instagram connections"   # the ≤2020 map layout
    return None
