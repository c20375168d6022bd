"""Markdown that would stall Python-Markdown for minutes is refused at check, quickly, with where and what to do."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from generator.render.markup import MAX_BODY_MARKS, MAX_DEPTH, MAX_LINE, MAX_MARKS
from tests.conftest import run_cli
from tests.test_assets import story

pytestmark = pytest.mark.e2e

LONG_LINE = f"这一行有 {{n}} 个字符，超过 {MAX_LINE} 个，生成会非常慢；请把它分成几段（段与段之间空一行）"
MARKS = (f"这一段有 {{n}} 个 Markdown 记号（* _ [ < 等），超过 {MAX_MARKS} 个，生成会非常慢；"
         "请把这一段分成几段（段与段之间空一行），或删掉多余的符号")
QUOTES = f"引用（>）嵌套了 {{n}} 层，超过 {MAX_DEPTH} 层，生成会非常慢；请减少嵌套"
LISTS = f"列表缩进太深，超过 {MAX_DEPTH} 层，生成会非常慢；请减少嵌套"
TOTAL = (f"正文里共有 {{n}} 个 Markdown 记号（* _ [ < 等），超过 {MAX_BODY_MARKS} 个，生成会非常慢；"
         "请把它分成几篇故事，或删掉多余的符号")
# The story body starts on line 5 of story() (after ---, title, date, ---).
CASES = {
    "star-line": ("第一段。\n\n" + "*a_" * 350_000 + "\n", 7, LONG_LINE.format(n=1_050_000)),  # 114 s before
    "links": ("第一段。\n\n" + "[a](\n" * 600 + "\n", 7, MARKS.format(n=600)),
    "html-openers": ("<a " * 501 + "\n", 5, MARKS.format(n=501)),
    "emphasis": ("*" * 300 + "a" + "*" * 300 + "\n", 5, MARKS.format(n=600)),  # 3,000 of each: RecursionError
    "quotes": ("\n".join(">" * depth + " 引用" for depth in range(1, 23)) + "\n", 5 + 20, QUOTES.format(n=21)),
    "lists": ("\n".join("  " * depth + "- 一项" for depth in range(0, 23)) + "\n", 5 + 21, LISTS),
    "many-paragraphs": ("\n\n".join(["**粗**" * 100] * 51) + "\n", 5, TOTAL.format(n=51 * 400)),
}


def test_each_pathological_body_is_refused_at_check_quickly(scratch) -> None:  # type: ignore[no-untyped-def]
    files: dict[str, str | bytes | None] = {f"stories/{name}.md": story(name, body) for name, (body, _, _) in CASES.items()}
    summary = "  summary: 为村民**免费查体**。\n"
    content = scratch(files)
    records = (content / "activities.yaml").read_text(encoding="utf-8")
    assert summary in records
    (content / "activities.yaml").write_text(records.replace(summary, f"  summary: \"{'[x](' * 600}\"\n"), encoding="utf-8")
    started = time.monotonic()
    result = run_cli("check", "--content", str(content))
    took = time.monotonic() - started
    assert result.returncode == 1 and "Traceback" not in result.stderr
    expected = [f"content/activities.yaml:14: summary: {MARKS.format(n=600)}"]
    expected += sorted(f"content/stories/{name}.md:{line}: 正文: {message}" for name, (_, line, message) in CASES.items())
    assert result.stderr.splitlines() == [*expected, f"共 {len(expected)} 个问题，请逐条修改后再试。"]
    assert took < 30  # a guard, far above the ~1 s it takes: unbounded, the first case alone took 114 s


def test_long_lists_tables_and_code_written_by_people_pass(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    body = ("\n".join(f"- [第{i}项](https://example.org/{i}) **要点**" for i in range(600)) + "\n\n"
            + "| 名称 | 链接 |\n| - | - |\n" + "\n".join(f"| _甲{i}_ | [乙](https://example.org/) |" for i in range(400))
            + "\n\n```\n" + "<a " * 2000 + "\n```\n\n" + ">" * MAX_DEPTH + " 最深的引用\n")
    content = scratch({"stories/long.md": story("很长但正常", body)})
    result = run_cli("build", "--content", str(content), "--out", str(tmp_path / "site"), "--no-cache")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site/public/stories/long/index.html").read_text(encoding="utf-8")
    assert "第599项" in page and "甲399" in page and "最深的引用" in page
