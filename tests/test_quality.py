"""Code quality gates that run with the tests: ruff clean, mypy --strict clean."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_ruff_is_clean() -> None:
    folders = [d for d in ("generator", "tests", "scripts", "benchmarks") if (REPO / d).is_dir()]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", *folders], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
