"""An import is all or nothing: SIGKILL at random moments of its commit leaves content/ as before or as after.

Each try starts `gongjian import` on a copy of the same content, waits until its commit has begun
(the staging folder appears), kills it at a random moment of the commit, then runs `gongjian check`,
the next run. content/ must then equal, entry for entry, either the content before the import or
the content after an import that was not interrupted, with no hidden staging folder or temp file left.
The commit is slowed by GONGJIAN_TEST_COMMIT_PAUSE (a pause between its steps, read only by
journal.commit) so that random kills land in every step, not only before or after it.
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
import yaml

from generator.content.journal import STAGE
from generator.office.xlsx_export import export_workbook
from tests.conftest import REPO, run_cli
from tests.markers import write_campaign
from tests.trees import digests

TRIES = 12
PAUSE = 0.04


def _before(tmp_path: Path) -> tuple[Path, Path]:
    """Return (content before the import, the workbook): new records in new folders, one file updated in place."""
    campaign = write_campaign(tmp_path / "orig", units=2, branches_per_unit=2, activities_per_branch=2)
    workbook = tmp_path / "全部记录.xlsx"
    workbook.write_bytes(export_workbook(campaign)[0])
    before = tmp_path / "before" / "content"
    before.mkdir(parents=True)
    for name in ("site.yaml", "assets", "units"):  # no stories: they name branches, which only the import adds
        copy = shutil.copytree if (campaign / name).is_dir() else shutil.copy
        copy(campaign / name, before / name)
    units_file = before / "units" / "generated.yaml"
    units = yaml.safe_load(units_file.read_text(encoding="utf-8"))
    units[0]["name"] = "导入前的名称"
    units_file.write_text(yaml.safe_dump(units, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return before, workbook


def _leftovers(content: Path) -> list[str]:
    return sorted(p.relative_to(content).as_posix() for p in content.rglob(".*"))


@pytest.mark.slow
def test_a_killed_import_leaves_content_as_before_or_as_after(tmp_path: Path) -> None:
    before, workbook = _before(tmp_path)
    after = tmp_path / "after" / "content"
    shutil.copytree(before, after)
    done = run_cli("import", str(workbook), "--content", str(after))
    assert done.returncode == 0, done.stderr
    want_before, want_after = digests(before), digests(after)
    assert want_before != want_after and len(want_after) > len(want_before) + 4
    outcomes: list[str] = []
    env = {**os.environ, "GONGJIAN_TEST_COMMIT_PAUSE": str(PAUSE)}
    steps = len(want_after) - len(want_before) + 6  # staged files, journal, renames (a bound, not exact)
    rng = random.Random(20261207)
    for attempt in range(TRIES):
        work = tmp_path / f"try{attempt}" / "content"
        shutil.copytree(before, work)
        process = subprocess.Popen([sys.executable, "-m", "generator", "import", str(workbook), "--content", str(work)],
                                   cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(STAGE) for p in work.iterdir()) and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.002)
        time.sleep(rng.uniform(0, steps * PAUSE))
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_mid_commit = bool(_leftovers(work))
        checked = run_cli("check", "--content", str(work))
        assert checked.returncode == 0, checked.stderr
        state = digests(work)
        assert state in (want_before, want_after), f"try {attempt}: content/ is neither as before nor as after"
        assert _leftovers(work) == [], f"try {attempt}: temp files left after the next run"
        outcomes.append(("after" if state == want_after else "before") + ("*" if killed_mid_commit else ""))
    # Kills landed on both sides of the commit point, and inside the commit (staging left for the next run).
    assert "before*" in outcomes and "after*" in outcomes, outcomes


def test_an_interrupted_import_of_the_old_kind_leaves_no_temp_files(tmp_path: Path) -> None:
    """Temp files that an import killed before this journal left beside the records are removed by the next run."""
    before, _ = _before(tmp_path)
    leftover = before / "units" / ".generated.yaml.4242.tmp"
    leftover.write_text("- id: half\n", encoding="utf-8")
    (before / ".units.yaml.4242.tmp").write_text("- id: half\n", encoding="utf-8")  # beside content/units.yaml
    orphan = before / f"{STAGE}.4243"  # staging of an import killed before its journal: rolled back
    orphan.mkdir()
    (orphan / "0.yaml").write_text("- id: staged\n", encoding="utf-8")
    checked = run_cli("check", "--content", str(before))
    assert checked.returncode == 0, checked.stderr
    assert _leftovers(before) == []
    assert "staged" not in (before / "units" / "generated.yaml").read_text(encoding="utf-8")
