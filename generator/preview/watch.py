"""Wake the preview's watcher as soon as a watched folder changes, from the system's file events.

The watcher's poll (serve.py: a stamp of every input file, compared with the last) stays
what decides that a file changed; the events only say *when* to look. Without them a
save waited for the next poll (every 50 ms, ~100 ms to a build's start with the poll that
confirms it), and each poll of a big campaign takes long (7,000 files: ~80 ms), so
polling much faster would cost a core. With events the preview looks at once, and polls
only now and then in case the events miss something (network folders, some virtual
machines' shared folders): the safety net.

watchfiles (Rust's notify: inotify, FSEvents, ReadDirectoryChangesW) delivers them; if it
cannot watch (no events on this system, too many folders for inotify's limit), the
preview polls as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

# Events come in batches closed by this many milliseconds without another: small, because the
# watcher waits for its own quiet moment (serve.SETTLE_SECONDS) before a build starts.
STEP_MS = 5


class FileEvents:
    """A daemon thread that calls `changed()` whenever something under `folders` changes."""

    def __init__(self, folders: Iterable[Path], changed: Callable[[], None]) -> None:
        self.folders = [f for f in folders if f.is_dir()]
        self.changed = changed
        self._stop = threading.Event()
        self.working = False  # True while the thread watches; False if it could not or stopped
        self.failure: str | None = None  # why events are not available (the preview polls then)
        self._thread = threading.Thread(target=self._run, name="gongjian-events", daemon=True)

    def start(self) -> bool:
        """Start watching; return whether events can come (False: nothing to watch, poll instead)."""
        if not self.folders:
            self.failure = "没有要监视的文件夹"
            return False
        self.working = True
        self._thread.start()
        return True

    def _run(self) -> None:
        try:
            from watchfiles import watch

            # No filter: every batch wakes the preview, whatever its files are called; the poll decides what counts.
            for _ in watch(*self.folders, watch_filter=None, step=STEP_MS, stop_event=self._stop, rust_timeout=500,
                           yield_on_timeout=False, raise_interrupt=False):
                self.changed()
        except Exception as error:  # events are a help, never a reason for the preview to stop
            self.failure = f"{type(error).__name__}: {error}"
        finally:
            self.working = False

    def close(self) -> None:
        """Stop watching (the thread ends within half a second)."""
        self._stop.set()
