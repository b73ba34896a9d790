"""Keep freed memory for reuse while a large audit is matched (glibc only).

Matching a million connections builds and drops tens of gigabytes of temporary
numpy arrays. glibc serves each large array with a fresh mmap and unmaps it when
freed, so the next one faults in and zeroes new pages again: at that scale that
was half the match stage's wall time, all of it in the kernel. While matching,
large blocks come from the heap instead and freed memory stays there for the next
array; afterwards the heap is trimmed, so the process gives the memory back.

Elsewhere (macOS, musl), or when the user has tuned malloc through the
environment, nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager

# mallopt parameters and glibc's defaults (malloc/malloc.c)
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
DEFAULT_TRIM_THRESHOLD = 128 * 1024
DEFAULT_MMAP_MAX = 65536
KEEP_FREED = 2**31 - 1           # the largest mallopt takes: keep the heap's top while matching

_USER_TUNING = ("MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES")


def _glibc() -> ctypes.CDLL | None:
    """The C library, if it is glibc with mallopt and malloc_trim; else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    libc.mallopt.restype = ctypes.c_int
    libc.malloc_trim.argtypes = (ctypes.c_size_t,)
    libc.malloc_trim.restype = ctypes.c_int
    return libc


@contextmanager
def reuse_freed_memory() -> Iterator[bool]:
    """Within the block, large allocations come from the heap and freed ones stay there.

    Yields whether the setting was applied. On leaving, glibc's defaults are restored
    and the heap is trimmed (free pages go back to the system).
    """
    libc = None if any(name in os.environ for name in _USER_TUNING) else _glibc()
    if libc is None:
        yield False
        return
    applied = bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(libc.mallopt(M_TRIM_THRESHOLD, KEEP_FREED))
    try:
        yield applied
    finally:
        libc.mallopt(M_MMAP_MAX, DEFAULT_MMAP_MAX)
        libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
        libc.malloc_trim(0)
