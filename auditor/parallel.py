"""Long encodings split over the CPU cores: forked workers that send back numpy arrays."""

from __future__ import annotations

import multiprocessing as mp
import os
from multiprocessing.connection import Connection
from typing import Callable, TypeVar

import numpy as np

Part = TypeVar("Part")


def worker_count(requested: int | None = None) -> int:
    """Workers to use: as asked, else the cores (at most 4: the parts must be joined again)."""
    return requested or min(os.cpu_count() or 1, 4)


def in_ranges(work: Callable[[int, int], Part], total: int, join: Callable[[list[Part]], Part],
              workers: int | None = None, minimum: int = 1) -> Part:
    """join([work(0, b1), work(b1, b2), ...]) over `workers` equal ranges of [0, total).

    The parent does the first range; the others run in forked children, which share
    the parent's memory (encoder, records) without copying it and send back only
    their part. Below `minimum` items, or where fork is unavailable, all in this process.
    """
    workers = worker_count(workers)
    if workers < 2 or total < minimum or "fork" not in mp.get_all_start_methods():
        return work(0, total)
    context = mp.get_context("fork")
    bounds = [total * i // workers for i in range(workers + 1)]
    children = []
    for start, stop in zip(bounds[1:-1], bounds[2:]):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(work, start, stop, send), daemon=True)
        process.start()
        send.close()
        children.append((process, receive))
    parts = [work(bounds[0], bounds[1])]
    for process, receive in children:
        result = receive.recv()
        process.join()
        if isinstance(result, BaseException):
            raise result
        parts.append(result)
    return join(parts)


def _child(work: Callable[[int, int], object], start: int, stop: int, pipe: Connection) -> None:
    try:
        pipe.send(work(start, stop))
    except BaseException as exc:  # pragma: no cover - reported to the parent
        pipe.send(exc)
    finally:
        pipe.close()


def concatenated(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Column dicts of consecutive ranges, joined column by column."""
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
