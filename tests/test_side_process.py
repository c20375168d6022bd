"""The CLI's side process: the Office downloads made on the second core give what making them here gives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator import side_process
from generator.build import build_site
from tests.conftest import FIXTURES, REPO
from tests.trees import digests


def _pid() -> dict[str, bytes]:
    return {"pid": str(os.getpid()).encode()}


def test_the_step_runs_in_a_child_and_its_bytes_come_back() -> None:
    # A fresh interpreter: this one may have threads of other tests running, and then the step runs here.
    code = ("import os; from generator import side_process\n"
            "made = side_process.start(lambda: {'pid': str(os.getpid()).encode(), 'big': bytes(5_000_000)}).result()\n"
            "print(int(made['pid']) != os.getpid(), len(made['big']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "5000000"], result.stderr


def test_with_other_threads_running_the_step_runs_here() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert side_process.start(_pid).result() == _pid()
    finally:
        stop.set()
        thread.join()


def test_a_failing_step_fails_here_with_its_own_error() -> None:
    calls: list[int] = []

    def fail() -> dict[str, bytes]:
        calls.append(os.getpid())
        raise ValueError("坏了")

    with pytest.raises(ValueError, match="坏了"):
        side_process.start(fail).result()
    assert calls == [os.getpid()]  # the child's calls are in its own memory: only the parent's is seen here


def test_a_killed_child_is_made_up_for_here() -> None:
    def slow() -> dict[str, bytes]:
        time.sleep(0 if os.getpid() == parent else 30)
        return _pid()

    parent = os.getpid()
    pending = side_process.start(slow)
    if pending._process is not None:
        os.kill(pending._process.pid, signal.SIGKILL)
    assert pending.result() == _pid()


def test_build_output_is_the_same_with_and_without_the_side_process(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    content = FIXTURES / "minimal" / "content"
    build_site(content, tmp_path / "forked", cache=False)
    monkeypatch.delattr(side_process.os, "fork")
    build_site(content, tmp_path / "here", cache=False)
    assert digests(tmp_path / "forked") == digests(tmp_path / "here")
    assert any(rel.endswith("ledger.xlsx") for rel in digests(tmp_path / "here"))
