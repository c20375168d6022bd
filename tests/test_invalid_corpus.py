"""The bad-input corpus: every case through the real command line, with its exact message.

Each folder of tests/fixtures/invalid/ is one malformed input, applied to a copy
of tests/fixtures/minimal (see the README there). A case must give exit 1, exactly
the problem lines of its expected.txt, no traceback, and leave the site built
before it byte-for-byte as it was, with nothing left beside it.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, run_cli
from tests.trees import digests as fingerprint

CORPUS = FIXTURES / "invalid"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
TRAILER = "没有生成新网站，原来的输出保持不变。"


def apply_case(case: Path, root: Path) -> Path:
    """Copy the minimal site to `root`, apply one case (files, deletions, links); return content/."""
    shutil.copytree(FIXTURES / "minimal", root)
    content = root / "content"
    files = case / "files"
    if files.is_dir():
        shutil.copytree(files, content, dirs_exist_ok=True)
    deletes = case / "delete.txt"
    if deletes.is_file():
        for rel in deletes.read_text(encoding="utf-8").split():
            (content / rel).unlink()
    links = case / "links.txt"
    if links.is_file():
        for line in links.read_text(encoding="utf-8").splitlines():
            rel, target = (part.strip() for part in line.split("->"))
            link = content / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target)
    return content


def expected_lines(case: Path) -> list[str]:
    return (case / "expected.txt").read_text(encoding="utf-8").splitlines()



@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], list[str]]:
    """A site built from the minimal fixture, to check that no bad build touches it."""
    parent = tmp_path_factory.mktemp("out")
    out = parent / "site"
    # --no-cache: a cache would be written beside the fixture, inside the checkout.
    result = run_cli("build", "--content", str(FIXTURES / "minimal" / "content"), "--out", str(out), "--no-cache")
    assert result.returncode == 0, result.stderr
    return out, fingerprint(out), sorted(p.name for p in parent.iterdir())


def test_corpus_is_large_and_complete() -> None:
    assert len(CASES) >= 40
    for name in CASES:
        assert (CORPUS / name / "expected.txt").is_file(), f"{name} has no expected.txt"


@pytest.mark.e2e
@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_a_clear_error(name: str, built: tuple[Path, dict[str, str], list[str]], tmp_path: Path) -> None:
    out, before, beside = built
    case = CORPUS / name
    content = apply_case(case, tmp_path / "project")
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    problems = expected_lines(case)
    assert result.stderr.splitlines() == [*problems, f"共 {len(problems)} 个问题，请逐条修改后再试。", TRAILER]
    assert fingerprint(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == beside


def _limit_memory() -> None:
    one_gib = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (one_gib, one_gib))


@pytest.mark.e2e
def test_alias_bomb_fails_fast_in_bounded_memory(tmp_path: Path) -> None:
    """A billion-laughs file (9^9 leaves once expanded) is refused under a 1 GiB address-space cap."""
    content = apply_case(CORPUS / "yaml-alias-bomb", tmp_path / "project")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--content", str(content)],
        capture_output=True, text=True, cwd=REPO, timeout=120, preexec_fn=_limit_memory,
    )
    assert result.returncode == 1, result.stderr
    assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[:-1] == expected_lines(CORPUS / "yaml-alias-bomb")


@pytest.mark.parametrize("case", ["bom-and-crlf", "crlf-story", "empty-records-file", "links-inside-content"])
def test_edge_inputs_that_are_valid(case: str, tmp_path: Path) -> None:
    """A UTF-8 BOM, CRLF line ends, an empty file and links that stay inside content/ all build."""
    content = apply_case(FIXTURES / "valid-edge" / case, tmp_path / "project")
    result = run_cli("build", "--content", str(content), "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "public" / "index.html").is_file()
