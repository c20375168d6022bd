"""Shared fixtures: a scratch site written from the minimal fixture plus edits."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def scratch(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that copies a fixture site and writes/removes files in it; returns content/."""

    def make(files: dict[str, str | bytes | None] | None = None, base: str = "minimal") -> Path:
        root = tmp_path / "project"
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(FIXTURES / base, root)
        content = root / "content"
        for rel, data in (files or {}).items():
            target = content / rel
            if data is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(data, encoding="utf-8")
        return content

    return make


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd or REPO, timeout=300
    )
