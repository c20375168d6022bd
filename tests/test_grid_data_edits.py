"""The ledgers' rows are data files: an edit changes only the files of the units it touches, and equals a cold build."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.build import Project
from generator.internal.grid_data import bucket
from tests.conftest import FIXTURES


def test_an_activity_edit_rewrites_only_its_units_data_files_and_equals_a_cold_build(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "minimal", tmp_path / "project")
    content = tmp_path / "project" / "content"
    project = Project(content)
    before = project.render(project.check())
    path = content / "activities.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("participants: 12", "participants: 13"), encoding="utf-8")
    files = project.render(project.check())
    cold = Project(content)
    assert files == cold.render(cold.check())
    # the ledger rows are data files, one per bucket of units: only the edited activity's unit's files change
    changed = sorted(k for k in files if "/data/" in k and files[k] != before.get(k))
    hosp = bucket("hosp")
    assert changed == [f"internal/data/activities-{hosp:02d}.js", f"internal/data/branches-{hosp:02d}.js",
                       "internal/data/units.js"]
