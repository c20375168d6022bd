"""Notes at scale: many of one kind in one file are one line with a count; --verbose lists them all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import run_cli
from tests.preview_server import preview

LATE = 300  # records after as_of in one file: as a 10,000-activity campaign has thousands
AS_OF = "2017-11-24"  # the minimal fixture's site.yaml


def late_activities(count: int) -> str:
    """`count` activities after as_of, five lines each (their dates on lines 2, 8, 14…)."""
    start = date(2017, 11, 25)
    return "".join(f"- id: late-{n}\n  date: {start + timedelta(days=n % 30)}\n  title: 走访{n}\n  kind: 主题党日\n"
                   f"  branches: [hosp-b1]\n  participants: 3\n" for n in range(count))


FIVE_VISITS = "".join(f"- id: late-i{n}\n  date: 2017-12-0{n + 1}\n  group: 2\n  villages: [wanghui]\n" for n in range(5))

FIXTURE_NOTES = [  # what the minimal fixture notes by itself
    f"content/activities.yaml:22: date: 晚于截至日期 {AS_OF}，本次不计入",
    "content/assets/mark.svg: 没有故事或活动用到这个文件，不会发布",
]


def campaign(scratch):  # type: ignore[no-untyped-def]
    return scratch({"activities/late.yaml": late_activities(LATE), "inspections/late.yaml": FIVE_VISITS})


def visit_notes() -> list[str]:
    # Five of a kind in a file are still shown one a line.
    return [f"content/inspections/late.yaml:{2 + 4 * n}: date: 晚于截至日期 {AS_OF}，本次不计入" for n in range(5)]


def test_check_groups_the_late_records_of_a_file_into_one_line(scratch) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--content", str(campaign(scratch)))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"提示：{FIXTURE_NOTES[0]}",
        f"提示：content/activities/late.yaml: date: 300 条记录晚于截至日期 {AS_OF}，本次不计入（第 2、8、14 行……）",
        f"提示：{FIXTURE_NOTES[1]}",
        *(f"提示：{line}" for line in visit_notes()),
        "共 307 条提示（不是错误，不影响生成；加 --strict 可按错误处理；同类的已合并，加 --verbose 逐条列出）。",
    ]


def test_verbose_lists_every_note(scratch) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--content", str(campaign(scratch)), "--verbose")
    assert result.returncode == 0, result.stderr
    late = [f"提示：content/activities/late.yaml:{2 + 6 * n}: date: 晚于截至日期 {AS_OF}，本次不计入" for n in range(LATE)]
    assert result.stderr.splitlines() == [
        f"提示：{FIXTURE_NOTES[0]}", *late, f"提示：{FIXTURE_NOTES[1]}", *(f"提示：{line}" for line in visit_notes()),
        "共 307 条提示（不是错误，不影响生成；加 --strict 可按错误处理）。",
    ]


@pytest.mark.e2e
def test_build_strict_fails_on_grouped_notes_and_names_them_the_same_way(scratch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    content = campaign(scratch)
    out = tmp_path / "site"
    built = run_cli("build", "--content", str(content), "--out", str(out))
    assert built.returncode == 0, built.stderr
    assert f"content/activities/late.yaml: date: 300 条记录晚于截至日期 {AS_OF}" in built.stderr
    assert len(built.stderr.splitlines()) == 9
    before = (out / "internal/progress.json").read_bytes()
    strict = run_cli("build", "--content", str(content), "--out", str(out), "--strict")
    assert strict.returncode == 1
    assert strict.stderr.splitlines() == [
        FIXTURE_NOTES[0],
        f"content/activities/late.yaml: date: 300 条记录晚于截至日期 {AS_OF}，本次不计入（第 2、8、14 行……）",
        FIXTURE_NOTES[1], *visit_notes(),
        "共 307 个问题（加了 --strict，提示按错误处理），请逐条修改后再试；同一文件里的同类问题合并为一行，加 --verbose 逐条列出。",
        "没有生成新网站，原来的输出保持不变。",
    ]
    every = run_cli("build", "--content", str(content), "--out", str(out), "--strict", "--verbose")
    assert every.returncode == 1 and len(every.stderr.splitlines()) == 307 + 2
    assert (out / "internal/progress.json").read_bytes() == before


@pytest.mark.e2e
def test_the_preview_shows_the_notes_grouped_as_build_does(scratch) -> None:  # type: ignore[no-untyped-def]
    with preview(campaign(scratch)) as server:
        notes = [line for line in server.lines if "提示" in line]
    assert notes == [
        f"  提示：{FIXTURE_NOTES[0]}",
        f"  提示：content/activities/late.yaml: date: 300 条记录晚于截至日期 {AS_OF}，本次不计入（第 2、8、14 行……）",
        f"  提示：{FIXTURE_NOTES[1]}", *(f"  提示：{line}" for line in visit_notes()),
        "  共 307 条提示；同类的已合并，加 --verbose 逐条列出。",
    ]


@pytest.mark.e2e
def test_the_preview_with_verbose_lists_every_note(scratch) -> None:  # type: ignore[no-untyped-def]
    with preview(campaign(scratch), "--verbose") as server:
        notes = [line for line in server.lines if "提示" in line]
    assert len(notes) == 307 and notes[1] == f"  提示：content/activities/late.yaml:2: date: 晚于截至日期 {AS_OF}，本次不计入"
    assert not any("合并" in line for line in server.lines)
