"""Atomic, contained output: SIGKILL at random moments, dangerous --out refused, nothing written outside.

The SIGKILL test alternates builds of two contents (A and B, every page different)
into one site/ and kills most of them: a third at any moment, a third while the
staging folder is being written, a third right around the swap. After every kill site/ must equal the complete
build of A or of B, never a mix, and beside it there may only be the staging
folders of killed builds, which the next build removes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.build import build_site
from generator.errors import GongjianError, UsageError
from generator.write import MANIFEST, MARKER, write_site
from tests.conftest import FIXTURES, REPO, run_cli
from tests.markers import write_campaign
from tests.trees import digests as fingerprint

RUNS = 50



def _start(content: Path, out: Path) -> subprocess.Popen[bytes]:
    # A session of its own, so a kill takes the build's helpers (the Pagefind indexer) with it,
    # as closing a terminal or stopping a service does.
    return subprocess.Popen([sys.executable, "-m", "generator", "build", "--content", str(content), "--out", str(out)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for(path: Path, proc: subprocess.Popen[bytes]) -> bool:
    """Wait until `path` exists (True) or the process ends (False)."""
    while proc.poll() is None:
        if path.exists():
            return True
        time.sleep(0.001)
    return False


@pytest.mark.slow
@pytest.mark.e2e
def test_sigkill_at_random_moments_leaves_old_or_new_site(tmp_path: Path) -> None:
    content_a = write_campaign(tmp_path / "a", units=2, branches_per_unit=2, activities_per_branch=2,
                               assets=200, asset_bytes=8192)
    content_b = tmp_path / "b" / "content"
    shutil.copytree(content_a, content_b)
    site_yaml = content_b / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("标记测试", "标记测试乙"), encoding="utf-8")
    expected = {}
    for name, content in (("a", content_a), ("b", content_b)):
        build_site(content, tmp_path / f"ref-{name}" / "site")
        expected[name] = fingerprint(tmp_path / f"ref-{name}" / "site")
    assert expected["a"] != expected["b"]

    parent = tmp_path / "work"
    out = parent / "site"
    # Time a cold build, then a rebuild (most runs below are rebuilds); aim the kills with the rebuild's
    # figures: the whole run, and how long its staging folder exists (the writer's own window).
    for content, name in ((content_b, "b"), (content_a, "a")):
        started = time.perf_counter()
        proc = _start(content, out)
        staging = parent / f".site.tmp-{proc.pid}"
        staging_seen = _wait_for(staging, proc)
        seen_at = time.perf_counter()
        while staging.exists() and proc.poll() is None:
            time.sleep(0.0005)
        write_phase = time.perf_counter() - seen_at
        assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
        total = time.perf_counter() - started
        assert staging_seen and fingerprint(out) == expected[name]

    rng = random.Random(20171124)
    state, killed_pids, mid_write, swapped = "a", set(), 0, 0
    for run in range(RUNS):
        target = "b" if state == "a" else "a"
        proc = _start(content_a if target == "a" else content_b, out)
        staging = parent / f".site.tmp-{proc.pid}"
        if run % 3 == 0:
            time.sleep(rng.uniform(0, total * 1.1))  # any moment
        elif run % 3 == 1:
            # During the write: from the staging folder's appearance to a little past its usual end.
            if _wait_for(staging, proc):
                time.sleep(rng.uniform(0, write_phase * 1.2))
        elif _wait_for(staging / MANIFEST, proc):
            pass  # at the swap: the manifest is the writer's last file, the rename is next
        if proc.poll() is None:
            mid_write += staging.exists()
            os.killpg(proc.pid, signal.SIGKILL)
            killed_pids.add(proc.pid)
        proc.wait()
        now = fingerprint(out)
        assert now in (expected["a"], expected["b"]), f"run {run}: site/ is neither the old nor the new build"
        if now == expected[target]:
            swapped += 1
            state = target
        allowed = {"site"} | {f".site.{kind}-{pid}" for pid in killed_pids for kind in ("tmp", "old")}
        assert {p.name for p in parent.iterdir()} <= allowed, f"run {run}: stray files beside site/"
    assert mid_write >= RUNS // 4, f"only {mid_write} kills landed while the staging folder was being written"
    assert 0 < swapped < RUNS

    final = _start(content_a, out)
    assert final.wait() == 0
    assert fingerprint(out) == expected["a"]
    leftovers = {p.name for p in parent.iterdir()} - {"site"}
    # Every killed build's staging folder is cleaned up: the kernel dropped its lock when it died,
    # even where its process id has since been reused by another process.
    assert not leftovers, leftovers


@pytest.mark.parametrize("where", ["content", "project", "cwd", "parent-of-project", "home", "link-to-project"])
def test_cli_refuses_dangerous_out_and_touches_nothing(where: str, tmp_path: Path) -> None:
    project = tmp_path / "work" / "project"
    shutil.copytree(FIXTURES / "minimal", project)
    (tmp_path / "home").mkdir()  # empty, so only the home rule can refuse it
    content = project / "content"
    (tmp_path / "work" / "site").symlink_to(project)
    out = {"content": content, "project": project, "cwd": Path("."), "parent-of-project": tmp_path / "work",
           "home": tmp_path / "home", "link-to-project": tmp_path / "work" / "site"}[where]
    before = fingerprint(tmp_path)
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(content), "--out", str(out)],
                            capture_output=True, text=True, cwd=project, timeout=120,
                            env={**os.environ, "HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)})
    assert result.returncode == 2, result.stderr
    assert "不能把网站输出到" in result.stderr and "Traceback" not in result.stderr
    assert fingerprint(tmp_path) == before


def test_root_is_refused(scratch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="不能把网站输出到 /"):
        build_site(scratch(), Path("/"))


def test_folder_with_other_files_is_refused_and_kept(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "photos"
    out.mkdir()
    (out / "family.jpg").write_bytes(b"\xff\xd8precious")
    result = run_cli("build", "--content", str(scratch()), "--out", str(out))
    assert result.returncode == 2 and "不是 gongjian 生成的文件" in result.stderr
    assert [p.name for p in out.iterdir()] == ["family.jpg"]


@pytest.mark.parametrize("rel", ["../escaped.html", "/abs.html", "a/../../escaped.html", "a\\..\\x", "", "a//b"])
def test_writer_refuses_paths_leaving_the_output(rel: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    with pytest.raises(GongjianError, match="输出文件夹以外"):
        write_site({"index.html": b"ok", rel: b"bad"}, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, staging removed


_HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


def test_stale_cleanup_removes_only_dead_builds_of_ours(tmp_path: Path) -> None:
    """A leftover is a killed build's when nobody holds its lock, even if its pid now names a live process."""
    out = tmp_path / "site"
    write_site({"index.html": b"v1"}, out)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    reused = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # alive, but no build
    building = tmp_path / ".site.tmp-999999"
    building.mkdir()
    (building / "file").write_bytes(b"x")
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(building)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        keep = [building.name, ".site.backup-123", ".site.tmp-abc", ".sitex.tmp-1", "site.tmp-1"]
        gone = [f".site.tmp-{dead_pid}", f".site.old-{dead_pid}", f".site.tmp-{reused.pid}"]
        for name in keep + gone:
            (tmp_path / name).mkdir(exist_ok=True)
            (tmp_path / name / "file").write_bytes(b"x")
        write_site({"index.html": b"v2"}, out)
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["site", *keep])
        assert (out / "index.html").read_bytes() == b"v2"
    finally:
        for proc in (reused, holder):
            proc.kill()
            proc.wait()
    write_site({"index.html": b"v3"}, out)  # the holder is gone: its folder is now a leftover
    assert building.name not in {p.name for p in tmp_path.iterdir()}


def test_half_swapped_previous_build_is_put_back(tmp_path: Path) -> None:
    """Killed between the two renames of the fallback swap: the next build restores site/ first."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    old = tmp_path / f".site.old-{int(dead.stdout)}"
    old.mkdir()
    (old / MARKER).write_text("", encoding="utf-8")
    (old / "index.html").write_bytes(b"previous")
    with pytest.raises(GongjianError):
        write_site({"index.html": b"new", "../x": b"bad"}, tmp_path / "site")
    assert (tmp_path / "site" / "index.html").read_bytes() == b"previous"


def test_unchanged_rebuild_also_removes_killed_builds_leftovers(tmp_path: Path) -> None:
    """A rebuild that finds nothing changed writes nothing, but still clears what killed builds left."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal" / "content", content)
    out = tmp_path / "work" / "site"
    build_site(content, out)
    before = fingerprint(out)
    leftover = out.parent / ".site.tmp-999999"
    leftover.mkdir()
    (leftover / "index.html").write_bytes(b"half")
    assert build_site(content, out).unchanged
    assert fingerprint(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]
