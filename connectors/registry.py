"""Pick the connector for each file of an export, whether a single file or a folder.

A therapist hands us what the platform gave them. The registry walks a folder
(ignoring macOS litter), asks each connector whether a file is theirs, reads
the ones that are, and keeps a list of what it skipped and why, so the audit
can say exactly which files it read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from .bluesky import BlueskyJsonConnector
from .archive import ZipLimits, is_litter, iter_zip
from .facebook import FacebookConnector
from .generic import GenericCsvConnector, GenericJsonConnector
from .instagram import InstagramConnector
from .kit import KitCsvConnector
from .linkedin import LinkedInConnector
from .mailchimp import MailchimpCsvConnector
from .mastodon import MastodonCsvConnector
from .substack import SubstackCsvConnector
from .tiktok import TikTokConnector
from .x import XConnector
from .interface import PLATFORMS, Connector, ConnectorError, FileResult, InputFile

HEAD_BYTES = 4096


def default_connectors() -> list[Connector]:
    """Platform connectors first; the generic ones only take what nobody else claims."""
    return [XConnector(), LinkedInConnector(), TikTokConnector(), MastodonCsvConnector(),
            BlueskyJsonConnector(), FacebookConnector(), InstagramConnector(), MailchimpCsvConnector(),
            SubstackCsvConnector(), KitCsvConnector(), GenericJsonConnector(), GenericCsvConnector()]


@dataclass(slots=True)
class ReadReport:
    """Everything read from one user-given path."""

    path: str
    files: list[FileResult] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (file, why)


def _file_head(path: Path):
    def read(size: int) -> bytes:
        with path.open("rb") as handle:
            return handle.read(size)
    return read


def file_input(path: Path, relpath: str) -> InputFile:
    return InputFile(name=str(path), relpath=relpath, read_bytes=path.read_bytes, read_head=_file_head(path))


def iter_folder(root: Path) -> Iterator[InputFile]:
    """Files under a folder in a stable order, skipping hidden and macOS files."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if is_litter(rel.parts):
            continue
        yield file_input(path, rel.as_posix())


def _head(item: InputFile) -> bytes:
    return item.head(HEAD_BYTES)


META_HTML_HELP = ("the HTML version of a Facebook/Instagram export; download your information again "
                  "choosing the JSON format")
_META_LISTS = ("friends", "followers", "following", "who_you", "friend_requests", "follow_requests",
               "close_friends", "removed_friends", "recently_unfollowed")


def is_meta_html(item: InputFile) -> bool:
    """A Meta connection list exported as HTML (we read the JSON export instead)."""
    name = item.basename.lower()
    return name.endswith(".html") and any(name.startswith(prefix) or prefix in name for prefix in _META_LISTS)


def display_name(platform: str) -> str:
    """'instagram' -> 'Instagram', 'x' -> 'X', 'generic' -> 'generic'."""
    return {"x": "X", "tiktok": "TikTok", "linkedin": "LinkedIn", "generic": "generic"}.get(
        platform, platform.capitalize())


def with_article(word: str) -> str:
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def split_platform_prefix(spec: str) -> tuple[str | None, str]:
    """'facebook:path' -> ('facebook', 'path'); a plain path -> (None, path)."""
    prefix, sep, rest = spec.partition(":")
    if sep and prefix.lower() in PLATFORMS and rest:
        return prefix.lower(), rest
    return None, spec


class Registry:
    """Chooses and runs connectors for files and folders."""

    def __init__(self, connectors: Sequence[Connector] | None = None, zip_limits: ZipLimits | None = None):
        self.connectors = list(connectors) if connectors is not None else default_connectors()
        self.zip_limits = zip_limits or ZipLimits()

    def pick(self, item: InputFile, head: bytes) -> Connector | None:
        for connector in self.connectors:
            if connector.detect(item, head):
                return connector
        return None

    def _forced(self, platform: str) -> list[Connector]:
        chosen = [c for c in self.connectors if c.platform == platform]
        if not chosen:
            raise ConnectorError(platform, f"no connector reads '{platform}' exports yet")
        return chosen

    def read_file(self, item: InputFile, platform: str | None = None) -> FileResult:
        """Read one file; with `platform`, insist that it is that platform's export."""
        head = _head(item)
        if platform is not None:
            for connector in self._forced(platform):
                if connector.detect(item, head):
                    return connector.read(item)
            other = self.pick(item, head)
            looks = f" (it looks like {with_article(display_name(other.platform))} file)" if other else ""
            raise ConnectorError(item.name, f"not {with_article(display_name(platform))} export{looks}")
        connector = self.pick(item, head) or self._by_extension(item)
        if connector is None and is_meta_html(item):
            raise ConnectorError(item.name, META_HTML_HELP)
        if connector is None:
            raise ConnectorError(item.name, "not a connection list this tool recognises "
                                 "(expected a platform export such as Facebook/Instagram JSON, X .js, "
                                 "LinkedIn/Mailchimp CSV, or a CSV/JSON with a name, username, e-mail, "
                                 "phone or profile_url column)")
        return connector.read(item)

    def _by_extension(self, item: InputFile) -> Connector | None:
        """For a file named by the user that nobody claimed: let the generic reader of its
        type say precisely what is wrong (empty, cut short, no usable column)."""
        suffix = item.basename.lower().rsplit(".", 1)[-1]
        wanted = {"csv": GenericCsvConnector, "tsv": GenericCsvConnector, "txt": GenericCsvConnector,
                  "json": GenericJsonConnector}.get(suffix)
        return next((c for c in self.connectors if wanted and isinstance(c, wanted)), None)

    def read_path(self, spec: str) -> ReadReport:
        """Read a file, a whole folder or a .zip export; `spec` may carry a 'platform:' prefix.

        Inside a folder or archive, files that are not connection lists are listed as
        ignored; a connection list that is broken stops the read (an audit that silently
        skipped a friend list would miss clients).
        """
        platform, raw = split_platform_prefix(spec)
        path = Path(raw).expanduser()
        report = ReadReport(path=raw)
        if not path.exists():
            raise ConnectorError(raw, "no such file or folder")
        if path.is_file() and not (path.suffix.lower() == ".zip" or _looks_zipped(path)):
            report.files.append(self.read_file(file_input(path, path.name), platform))
            return report
        if path.is_file():
            items, report.ignored = iter_zip(path, self.zip_limits)
        else:
            items = list(iter_folder(path))
        for item in items:
            head = _head(item)
            connector = self.pick(item, head)
            if connector is None or (platform and connector.platform != platform):
                why = META_HTML_HELP if connector is None and is_meta_html(item) else "not a connection list"
                report.ignored.append((item.name, why))
                continue
            result = connector.read(item)
            if result.connections or result.skipped:
                report.files.append(result)
            else:
                report.ignored.append((item.name, "no connections in it"))
        if not report.files:
            raise ConnectorError(raw, "no connection lists found in this folder or archive")
        return report


def _looks_zipped(path: Path) -> bool:
    """A zip without the .zip name (browsers sometimes drop it)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False
