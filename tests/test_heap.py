"""auditor.heap: while matching, large arrays come from the heap and freed memory is reused."""

from __future__ import annotations

import platform

import numpy as np
import pytest

from auditor import heap

pytestmark = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                                reason="the setting exists only with glibc")

LARGE = 64 * 1024 * 1024     # far above glibc's mmap threshold (at most 32 MiB)


def _mapping_of(address: int) -> str:
    """The name of the memory mapping holding `address` ('' for an anonymous mmap)."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            low, high = (int(x, 16) for x in fields[0].split("-"))
            if low <= address < high:
                return fields[5] if len(fields) > 5 else ""
    raise AssertionError("address not mapped")


@pytest.fixture
def no_user_tuning(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in heap._USER_TUNING:
        monkeypatch.delenv(name, raising=False)


def test_large_arrays_come_from_the_heap_inside_the_block(no_user_tuning: None) -> None:
    with heap.reuse_freed_memory() as applied:
        array = np.empty(LARGE, dtype=np.uint8)
        inside = _mapping_of(array.ctypes.data)
        del array
    assert applied
    assert inside == "[heap]"


def test_defaults_are_back_after_the_block(no_user_tuning: None) -> None:
    with heap.reuse_freed_memory():
        pass
    array = np.empty(LARGE, dtype=np.uint8)
    assert _mapping_of(array.ctypes.data) == ""        # its own mmap again, as glibc does by default


def test_freed_memory_is_reused_inside_the_block(no_user_tuning: None) -> None:
    with heap.reuse_freed_memory():
        first = np.ones(LARGE, dtype=np.uint8)
        address = first.ctypes.data
        del first
        second = np.ones(LARGE, dtype=np.uint8)
        assert second.ctypes.data == address
        assert _mapping_of(second.ctypes.data) == "[heap]"
        del second


def test_users_own_malloc_tuning_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")
    with heap.reuse_freed_memory() as applied:
        array = np.empty(LARGE, dtype=np.uint8)
        assert _mapping_of(array.ctypes.data) == ""
    assert not applied
