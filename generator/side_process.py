"""Run one slow, pure step in a forked child while the build goes on (the second core).

The CLI build makes the Office downloads (ledger.xlsx, progress-report.docx) from
figures it already has, while it renders pages and indexes them for search: a
forked child sees the figures without copying or pickling them, and sends back
only the bytes. Where forking is not safe (other threads running, no fork on the
platform) or the child fails in any way, the step runs here instead, so the
output is the same either way. `spread` shares many like steps (the share images
of a cold build) between this process and forked children the same way.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar

Made = dict[str, bytes]
T = TypeVar("T")
R = TypeVar("R")


class SideResult:
    """The result of a step started by `start`; `result()` waits for it."""

    def __init__(self, make: Callable[[], Made]) -> None:
        self._make = make
        self._process: Any = None
        self._receive: Connection | None = None
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return  # forking a process with other threads can copy a lock held mid-use
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(make, send), daemon=True)
        self._process.start()
        send.close()
        self._receive = receive

    def result(self) -> Made:
        """Return what the step made: from the child, or made here if the child could not."""
        if self._receive is None:
            return self._make()
        try:
            outcome = self._receive.recv()
        except (EOFError, OSError):
            outcome = None  # the child died (killed, out of memory): make it here
        finally:
            self._receive.close()
            self._process.join()
        if isinstance(outcome, dict):
            return outcome
        return self._make()  # the child raised: raise it here, with the usual handling

    def close(self) -> None:
        """Stop the child if its result is no longer wanted (the build failed)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()
        if self._receive is not None:
            self._receive.close()


def _run(make: Callable[[], Made], send: Connection) -> None:
    try:
        made = make()
    except BaseException:  # reported by making it again in the parent
        made = None
    send.send(made)
    send.close()


def start(make: Callable[[], Made]) -> SideResult:
    """Start `make` beside this process and return its pending result."""
    return SideResult(make)


SPREAD_CHUNK = 8  # items taken at a time: whoever is free takes the next ones, so no process waits long for another


def workers() -> int:
    """Return how many processes may work at once: the cores this process may run on, at most four."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def can_fork() -> bool:
    """Return whether forking is safe here: the platform has fork and no other thread runs (one might hold a lock)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def spread(make: Callable[[T], R], items: Sequence[T], processes: int | None = None) -> list[R]:
    """Return [make(item) for item in items], shared out between this process and forked children.

    Each process takes the next few items not yet taken until none are left, so a process slowed by
    the machine's other work does less. A child sends what it made when it is done. Items a child took
    but did not send (it failed or died) are made here afterwards, so an error is raised here as without
    children. Without fork, or with other threads running, everything is made here. No child outlives the call.
    """
    count = min(processes or workers(), -(-len(items) // SPREAD_CHUNK))
    if count < 2 or not can_fork():
        return [make(item) for item in items]
    context = multiprocessing.get_context("fork")
    chunks = [(at, min(at + SPREAD_CHUNK, len(items))) for at in range(0, len(items), SPREAD_CHUNK)]
    taken = context.Value("l", 0)  # the next chunk nobody has taken, in memory shared with the children

    def take() -> int | None:
        with taken.get_lock():
            k = int(taken.value)
            if k >= len(chunks):
                return None
            taken.value = k + 1
            return k

    children: list[tuple[Any, Connection]] = []
    made: dict[int, list[R]] = {}
    try:
        for _ in range(count - 1):
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_spread_child, args=(make, items, chunks, take, send), daemon=True)
            child.start()
            send.close()
            children.append((child, receive))
        while (k := take()) is not None:
            made[k] = [make(item) for item in items[slice(*chunks[k])]]
        for _, receive in children:
            try:
                sent = receive.recv()
            except (EOFError, OSError):
                sent = None  # the child died (killed, out of memory)
            if isinstance(sent, dict):
                made.update(sent)
        for k, (start, end) in enumerate(chunks):
            if k not in made:
                made[k] = [make(item) for item in items[start:end]]
        return [data for k in range(len(chunks)) for data in made[k]]
    finally:
        for child, receive in children:
            receive.close()
            if child.is_alive():
                child.terminate()
            child.join()


def _spread_child(make: Callable[[T], R], items: Sequence[T], chunks: Sequence[tuple[int, int]],
                  take: Callable[[], int | None], send: Connection) -> None:
    made: dict[int, list[R]] = {}
    try:
        while (k := take()) is not None:
            made[k] = [make(item) for item in items[slice(*chunks[k])]]
    except BaseException:  # what it took is made again in the parent, which raises with the usual handling
        made = {}
    with contextlib.suppress(OSError):
        send.send(made)
    send.close()
