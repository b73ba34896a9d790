"""Export archives as the platforms ship them: a .zip, read in memory, safely.

Nothing is extracted to disk. Members are read lazily and bounded, so a zip
bomb or a lying size header is an error, not a hang; encrypted members,
unsafe paths and nested archives are listed as skipped with the reason.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .interface import ConnectorError, InputFile


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Bounds on what one export archive may unpack to."""

    max_members: int = 50_000
    max_member_bytes: int = 1 << 30          # 1 GiB for one file
    max_total_bytes: int = 8 << 30           # 8 GiB for the whole archive
    max_ratio: float = 200.0                 # uncompressed / compressed, for files over 1 MiB


def is_litter(parts: tuple[str, ...]) -> bool:
    """macOS resource forks, hidden files and the like: same names as real files, no content."""
    return any(part == "__MACOSX" or part.startswith(".") for part in parts)


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def _reader(archive: Path, member: zipfile.ZipInfo, limits: ZipLimits):
    """Read one member, refusing to inflate past the limit whatever its header says."""
    name = f"{archive}!{member.filename}"

    def read(size: int = -1) -> bytes:
        budget = limits.max_member_bytes if size < 0 else min(size, limits.max_member_bytes)
        try:
            with zipfile.ZipFile(archive) as zf, zf.open(member) as handle:
                data = handle.read(budget + (1 if size < 0 else 0))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise ConnectorError(name, f"cannot read this member of the archive ({exc})") from None
        except (RuntimeError, NotImplementedError) as exc:
            raise ConnectorError(name, f"cannot unpack this member ({exc})") from None
        if size < 0 and len(data) > limits.max_member_bytes:
            raise ConnectorError(name, "unpacks to more than the size limit (zip bomb?)")
        return data

    return name, read


def iter_zip(archive: Path, limits: ZipLimits | None = None) -> tuple[list[InputFile], list[tuple[str, str]]]:
    """(readable members, [(member, why skipped)]) of an export archive."""
    limits = limits or ZipLimits()
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ConnectorError(str(archive), f"not a readable zip archive (truncated or damaged?): {exc}") from None
    if len(members) > limits.max_members:
        raise ConnectorError(str(archive), f"holds {len(members):,} files, more than an export has "
                             f"(limit {limits.max_members:,})")
    total = sum(m.file_size for m in members)
    if total > limits.max_total_bytes:
        raise ConnectorError(str(archive), f"unpacks to {total / 2**30:.1f} GiB, over the limit (zip bomb?)")
    items: list[InputFile] = []
    skipped: list[tuple[str, str]] = []
    for member in sorted(members, key=lambda m: m.filename):
        if member.is_dir():
            continue
        shown = f"{archive}!{member.filename}"
        if _unsafe(member.filename):
            skipped.append((shown, "unsafe path in archive (absolute or '..')"))
            continue
        if is_litter(PurePosixPath(member.filename).parts):
            continue
        if member.flag_bits & 0x1:
            skipped.append((shown, "password-protected member"))
            continue
        if member.file_size > limits.max_member_bytes or (
                member.file_size > (1 << 20)
                and member.file_size > limits.max_ratio * max(member.compress_size, 1)):
            raise ConnectorError(shown, "unpacks far beyond its packed size (zip bomb?)")
        if member.filename.lower().endswith(".zip"):
            skipped.append((shown, "nested archive: unzip it and give the inner file or folder"))
            continue
        name, read = _reader(archive, member, limits)
        items.append(InputFile(name=name, relpath=member.filename, read_bytes=read, read_head=read))
    return items, skipped
