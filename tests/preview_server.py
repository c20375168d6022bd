"""Run the real `python -m generator serve` in a subprocess and wait on its state over HTTP."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).parent.parent
STATUS = "__gongjian__/status"
# Guards against a hung server, never assertions about speed.
TIMEOUT = 60.0


class PreviewServer:
    """A `gongjian serve` child process; its output lines are collected as they come."""

    def __init__(self, content: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--content", str(content), "--port", "0", *extra],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            env={**os.environ, **(env or {})},
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self.url = self.wait_output(r"公开网站\s+(http://\S+/)").group(1)
        except BaseException:
            self.process.kill()
            raise

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        """Return everything the server printed so far."""
        return "\n".join(self.lines)

    def wait_output(self, pattern: str) -> re.Match[str]:
        """Wait until the server prints a line matching `pattern`."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            if self.process.poll() is not None and not self._reader.is_alive():
                raise AssertionError(f"server exited ({self.process.returncode}):\n{self.output}")
            time.sleep(0.02)
        raise AssertionError(f"server never printed {pattern!r}:\n{self.output}")

    def get(self, path: str = "") -> tuple[int, str]:
        """GET a path of the preview; return status and text."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=TIMEOUT) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def status(self) -> dict[str, Any]:
        """Return the preview's state."""
        code, text = self.get(STATUS)
        assert code == 200, text
        data: dict[str, Any] = json.loads(text)
        return data

    def wait(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Poll the status until `predicate` holds; return that status."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            state = self.status()
            if predicate(state):
                return state
            time.sleep(0.02)
        raise AssertionError(f"preview never reached the state; last: {self.status()}\n{self.output}")

    def wait_build_after(self, generation: int) -> dict[str, Any]:
        """Wait for the first finished build after `generation` with no build running."""
        return self.wait(lambda s: s["generation"] > generation and not s["building"])

    def rss_kib(self) -> int:
        """Return the server's resident memory in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def stop(self) -> int:
        """Stop like Ctrl-C; kill if it does not stop; return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        return self.process.returncode


@contextmanager
def preview(content: Path, *extra: str) -> Iterator[PreviewServer]:
    """Start a preview of `content`, wait for its first build, and always stop it."""
    server = PreviewServer(content, *extra)
    try:
        server.wait(lambda s: s["generation"] >= 1 and not s["building"])
        yield server
    finally:
        server.stop()
        if server.process.poll() is None:
            os.kill(server.process.pid, signal.SIGKILL)


def save(path: Path, text: str) -> None:
    """Write a file the way most editors save it: a hidden file beside it, renamed over it in one step.

    Writing in place would leave a moment where the file is empty; on a busy machine the test process
    can be paused right there for longer than the preview waits for a burst of saves to end.
    """
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
