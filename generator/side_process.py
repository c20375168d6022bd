"""Run one slow, pure step in a forked child while the build goes on (the second core).

The CLI build makes the Office downloads (ledger.xlsx, progress-report.docx) from
figures it already has, while it renders pages and indexes them for search: a
forked child sees the figures without copying or pickling them, and sends back
only the bytes. Where forking is not safe (other threads running, no fork on the
platform) or the child fails in any way, the step runs here instead, so the
output is the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

Made = dict[str, bytes]


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
