"""Writing files that may hold PHI: owner-only (0600) and atomic.

A crash or a full disk must never leave a half-written roster or report in
place of a good one, so every write goes to a temporary file in the same
folder, is flushed, then renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import AuditorError


def write_private(path: Path, data: bytes) -> None:
    """Atomically replace `path` with `data`, readable by the owner only."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise AuditorError(f"{path}: cannot write here ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AuditorError(f"{path}: cannot write ({exc.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_input(path: Path) -> bytes:
    """A file the user named, or a one-line error saying why it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise AuditorError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AuditorError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise AuditorError(f"{path}: cannot read ({exc.strerror})") from None


def private_dir(path: Path) -> Path:
    """Create an output folder readable by the owner only (files inside are PHI)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise AuditorError(f"{path}: cannot create the folder ({exc.strerror})") from None
    return path


@contextlib.contextmanager
def staged(output: Path) -> Iterator[Path]:
    """A hidden path beside `output` that replaces it only if the whole block succeeds.

    For a file that must not exist unless a later step (saving an index,
    recording a run) also worked: write it to the staged path inside the block.
    """
    output = Path(output)
    pending = output.with_name(f".{output.name}.pending")
    try:
        yield pending
        os.replace(pending, output)
    except OSError as exc:
        _discard(pending)
        raise AuditorError(f"{output}: cannot write ({exc.strerror})") from None
    except BaseException:
        _discard(pending)
        raise


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):      # e.g. its folder never existed
        path.unlink(missing_ok=True)
