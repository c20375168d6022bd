"""RowMemo: unchanged rows of a long table are reused, strictly (1 is not 1.0), following added or removed rows;
the ledgers' rows, now data files, change only in the files of the units an edit touches."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from generator.build import Project
from generator.internal.grid_data import bucket
from generator.memo import RowMemo
from tests.conftest import FIXTURES


def _build(memo: RowMemo, items: list[Any], context: dict[str, Any] | None = None, version: str = "v1") -> tuple[str, int]:
    calls: list[Any] = []

    def render(item: Any) -> str:
        calls.append(item)
        return f"<tr>{item!r}</tr>"

    memo.begin(version)
    html = memo.rows("ledger.html|ledger.html", (context or {}).get, "row", items, render)
    memo.end()
    return html, len(calls)


def test_unchanged_rows_are_reused_and_changed_ones_rendered() -> None:
    memo = RowMemo()
    rows = [{"id": n, "v": n * 10} for n in range(100)]
    assert _build(memo, rows)[1] == 100
    rows[40] = {"id": 40, "v": 401}
    html, rendered = _build(memo, rows)
    assert rendered == 1 and memo.reused == 99
    assert html == "".join(f"<tr>{r!r}</tr>" for r in rows)


def test_equal_values_of_other_types_are_not_the_same_row() -> None:
    memo = RowMemo()
    _build(memo, [(1, "a"), (True, "b")])
    html, rendered = _build(memo, [(1.0, "a"), (1, "b")])
    assert rendered == 2 and html == "<tr>(1.0, 'a')</tr><tr>(1, 'b')</tr>"


def test_rows_added_or_removed_shift_the_rest_without_rendering_them() -> None:
    memo = RowMemo()
    rows = [("r", n) for n in range(50)]
    _build(memo, rows)
    rows.insert(10, ("new", 1))
    del rows[30]
    rows.insert(45, ("new", 2))
    html, rendered = _build(memo, rows)
    assert rendered == 2
    assert html == "".join(f"<tr>{r!r}</tr>" for r in rows)


def test_a_new_template_version_or_page_context_renders_every_row() -> None:
    memo = RowMemo()
    rows = list(range(20))
    _build(memo, rows, {"as_of": "2017-11-24"})
    assert _build(memo, rows, {"as_of": "2017-11-25"})[1] == 20
    assert _build(memo, rows, {"as_of": "2017-11-25"}, version="v2")[1] == 20
    assert _build(memo, rows, {"as_of": "2017-11-25"}, version="v2")[1] == 0


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
