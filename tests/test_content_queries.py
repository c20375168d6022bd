"""The content side over the engine: a big ledger read item by item gives what a cold read gives, after any edit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import pipeline_content
from generator.build import Project
from generator.content.load import load_content
from generator.engine import Engine
from generator.errors import ContentError
from generator.model.validate import content_notes, validate_content

COUNT = pipeline_content.ITEMS_APART + 100  # read item by item, checked in several chunks


def _activity(i: int, participants: int = 5) -> str:
    day = 10 + i % 20 if i % 97 else 28  # every 97th is dated after as_of (2017-11-24): a note
    return (f"- id: big-{i}\n  date: 2017-11-{day:02d}\n  title: 活动{i}\n  kind: 主题党日\n"
            f"  branches: [hosp-b1]\n  participants: {participants}\n")


def _ledger() -> str:
    return "# 合并的台账\n\n" + "".join(_activity(i) for i in range(COUNT))


def _outcome(check: Callable[[], Any]) -> Any:
    """What a check gives: the site and notes, or the problems as the user reads them."""
    try:
        return check()
    except ContentError as error:
        return error.lines()


def _cold(content: Path) -> Any:
    def check() -> Any:
        raw = load_content(content)
        site = validate_content(raw)
        return site, content_notes(raw, site)
    return _outcome(check)


def _warm(project: Project) -> Any:
    def check() -> Any:
        checked = project.check()
        return checked.site, pipeline_content.notes(project.engine)
    return _outcome(check)


def _ran(engine: Engine, before: dict[Any, Any]) -> list[Any]:
    """The queries that ran since `before` was taken (a query run again gets a new tuple of what it read)."""
    return [key for key, memo in engine._memos.items()
            if key not in before or before[key][0] is not memo or before[key][1] is not memo.deps]


def _snapshot(engine: Engine) -> dict[Any, Any]:
    return {key: (memo, memo.deps) for key, memo in engine._memos.items()}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


EDITS: list[tuple[str, str, str]] = [
    ("one value", "  title: 活动300\n", "  title: 改过的活动300\n"),
    ("a line added inside an item", "  title: 活动450\n", "  title: 活动450\n\n  theme: 献爱心\n"),
    ("a wrong value", "  title: 活动550\n  kind: 主题党日\n  branches: [hosp-b1]\n  participants: 5\n",
     "  title: 活动550\n  kind: 主题党日\n  branches: [hosp-b1]\n  participants: -5\n"),
    ("an unknown branch", "  title: 活动10\n  kind: 主题党日\n  branches: [hosp-b1]\n",
     "  title: 活动10\n  kind: 主题党日\n  branches: [hosp-b9]\n"),
    ("an id used twice", "- id: big-20\n", "- id: big-19\n"),
    ("a syntax error", "  title: 活动30\n", "  title: [活动30\n"),
    ("the error fixed", "  title: [活动30\n", "  title: 活动30\n"),
    ("an item removed", _activity(200), ""),
    ("the branch it refers to renamed", "- id: hosp-b1\n", "- id: hosp-b7\n"),
]


@pytest.mark.slow
def test_every_edit_of_a_big_ledger_checks_as_a_cold_read(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"activities.yaml": None, "activities/big.yaml": _ledger()})
    project = Project(content, drafts=True)
    first = _warm(project)
    assert first == _cold(content)
    assert len(first[0].activities) == COUNT and first[1]  # checked, and some records were noted
    for name, old, new in EDITS:
        _edit(content / ("branches.yaml" if "renamed" in name else "activities/big.yaml"), old, new)
        assert _warm(project) == _cold(content), name


def test_editing_one_activity_parses_one_item_and_checks_one_chunk(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"activities.yaml": None, "activities/big.yaml": _ledger()})
    project = Project(content, drafts=True)
    project.check()
    before = _snapshot(project.engine)
    _edit(content / "activities/big.yaml", "  title: 活动300\n", "  title: 改过的活动300\n")
    site = project.check().site
    assert next(a for a in site.activities if a.id == "big-300").title == "改过的活动300"
    ran = _ran(project.engine, before)
    items = [key for key in ran if key[0] is pipeline_content.item_alone]
    chunks = [key for key in ran if key[0] is pipeline_content.checked_chunk]
    assert [key[1][0] for key in items] == [_activity(300).replace("活动300", "改过的活动300")]
    assert len(chunks) == 1 and len(chunks[0][1][2]) == pipeline_content.CHUNK
    before = _snapshot(project.engine)
    _edit(content / "activities/big.yaml", "  title: 活动20\n", "  title: 活动20\n\n")
    project.check()
    ran = _ran(project.engine, before)
    # the items below the added line are shifted (and checked again, on their new lines), not parsed again
    assert [key[1][0] for key in ran if key[0] is pipeline_content.item_alone] == [_activity(20).replace("活动20\n", "活动20\n\n")]
    assert len([key for key in ran if key[0] is pipeline_content.item]) == COUNT - 20


def test_a_problem_moved_down_a_line_is_reported_on_its_new_line(scratch) -> None:  # type: ignore[no-untyped-def]
    """Only the lines of a small file's last record change: the records read are not the same as before."""
    content = scratch()
    project = Project(content, drafts=True)
    _edit(content / "activities.yaml", "  participants: 5\n  funds: 500", "  participants: -5\n  funds: 500")
    first = _warm(project)
    assert first == _cold(content) and any("participants" in line for line in first)
    _edit(content / "activities.yaml", "  participants: -5\n", "\n  participants: -5\n")
    moved = _warm(project)
    assert moved == _cold(content) and moved != first
