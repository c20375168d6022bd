"""A disk that is full, a file too large, a read-only folder: a message each, exit 1, the previous site as it was."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO
from tests.trees import digests

pytestmark = pytest.mark.e2e

FULL = "磁盘空间不足，写不下生成的网站；请清理磁盘后再生成，或用 --out 换到空间更大的位置"
READ_ONLY = "这个位置是只读的（如只读挂载的磁盘），不能在这里生成网站；请用 --out 换一个可以写入的文件夹"
TOO_LARGE = "文件超过了系统允许的单个文件大小，写不下；请用 --out 换到另一个磁盘，或请管理员放宽文件大小限制"
KEPT = "没有生成新网站，原来的输出保持不变。"


def test_a_full_disk_and_a_read_only_folder_are_messages_and_the_site_stays(tmp_path: Path) -> None:
    """On a real tmpfs in a private mount namespace (unshare), filled up, then remounted read-only."""
    mountpoint, result = tmp_path / "disk", tmp_path / "result.json"
    mountpoint.mkdir()
    run = subprocess.run(["unshare", "-rm", sys.executable, "-m", "tests.mounted_build", str(mountpoint),
                          str(FIXTURES / "minimal"), str(result)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    steps = json.loads(result.read_text(encoding="utf-8"))
    assert steps["first"]["code"] == 0, steps["first"]["stderr"]
    site = f"{mountpoint}/site"
    for step, message, where in (("full", FULL, str(mountpoint)), ("readonly", READ_ONLY, str(mountpoint))):
        outcome = steps[step]
        lines = [line for line in outcome["stderr"].splitlines() if not line.startswith(("提示：", "共 "))]
        assert outcome["code"] == 1 and "Traceback" not in outcome["stderr"], outcome["stderr"]
        [first, kept] = lines
        assert kept == KEPT
        path, _, said = first.partition(": ")
        assert said == message and (path == where or path.startswith(site + "/")), first
        assert outcome["after"] == steps["before"]  # the previous site, byte for byte
        assert [name for name in outcome["listing"] if name not in ("project", "site", "filler")] == []  # no staging
    new = steps["readonly_new"]
    assert new["code"] == 1 and f"{mountpoint}/new: {READ_ONLY}" in new["stderr"].splitlines()
    assert "Traceback" not in new["stderr"]


def _limited(size: int) -> None:
    # CPython ignores SIGXFSZ, so a write past the limit fails with EFBIG instead of killing the process.
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def test_a_file_too_large_is_a_message_and_the_site_stays(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    out = tmp_path / "site"
    command = [sys.executable, "-m", "generator", "build", "--content", str(content), "--out", str(out), "--no-cache"]
    assert subprocess.run(command, cwd=REPO, capture_output=True, timeout=300).returncode == 0
    before = digests(out)
    story = content / "stories/wanghui-health.md"  # published (the other is a draft)
    # many ordinary paragraphs (one 96,000-character line would be refused at check as too heavy to convert)
    paragraphs = "\n\n".join("很长的一段正文。" * 100 for _ in range(120))
    story.write_text(story.read_text(encoding="utf-8") + "\n" + paragraphs + "\n", encoding="utf-8")
    limit = 200_000  # the story page is about 290 kB; the temporary files of the Office downloads stay well under
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300,
                            preexec_fn=lambda: _limited(limit))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith(("提示：", "共 "))]
    [first, kept] = lines
    path, _, said = first.partition(": ")
    assert said == TOO_LARGE and kept == KEPT
    # a file of the new build that holds the long story (its public page, its 公众号 page, the search index)
    assert path.startswith((f"{out.resolve()}/public/", f"{out.resolve()}/internal/wechat/")), path
    assert digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "site"]  # no staging folder left
    shutil.rmtree(out)
