"""Build onto a small tmpfs in a private mount namespace: a real full disk and a real read-only folder.

Run as `unshare -rm python -m tests.mounted_build MOUNTPOINT FIXTURE RESULT`: the mount exists only inside the
namespace (no clean-up, works unprivileged), so the outcome is written to RESULT (JSON), outside it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.trees import digests


def _build(project: Path, out: Path) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(project / "content"),
                             "--out", str(out), "--no-cache"], capture_output=True, text=True, timeout=300)
    return {"code": result.returncode, "stderr": result.stderr}


def _fill(folder: Path) -> None:
    """Write zeros until the disk says it is full."""
    try:
        with open(folder / "filler", "wb") as handle:
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
    except OSError:
        pass


def main(mountpoint: Path, fixture: Path, result: Path) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint)], check=True)
    project, out = mountpoint / "project", mountpoint / "site"
    shutil.copytree(fixture, project)
    steps: dict[str, Any] = {"first": _build(project, out), "before": digests(out)}
    for story in (project / "content/stories").glob("*.md"):
        story.write_text(story.read_text(encoding="utf-8").replace("title: ", "title: 改过的"), encoding="utf-8")
    _fill(mountpoint)
    steps["full"] = {**_build(project, out), "after": digests(out), "listing": sorted(os.listdir(mountpoint))}
    (mountpoint / "filler").unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(mountpoint)], check=True)
    steps["readonly"] = {**_build(project, out), "after": digests(out), "listing": sorted(os.listdir(mountpoint))}
    steps["readonly_new"] = _build(project, mountpoint / "new" / "site")
    result.write_text(json.dumps(steps, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
