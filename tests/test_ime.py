"""Chinese input-method slips are errors on their own line; Chinese punctuation in text is not a slip."""

from __future__ import annotations

import pytest

from generator.content.load import parse_yaml
from generator.errors import Problem
from tests.conftest import run_cli

VALID = """- id: t1
  date: 2017-10-23
  title: “不忘初心”主题党日走进大孙村
  kind: 主题党日
  theme: 献爱心、送温暖
  branches: [hosp-b1]
  participants: 12
  summary: |
    　　主题：献爱心。党员们说：“再来！”
  extra:
    备注：说明: 值里有全角冒号也没关系
"""


def test_chinese_punctuation_inside_text_is_kept_and_builds(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"activities/case.yaml": VALID})
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 0, result.stderr
    data = parse_yaml(VALID, "x.yaml", [])
    assert data[0]["title"] == "“不忘初心”主题党日走进大孙村"
    assert data[0]["summary"].startswith("\u3000\u3000主题：献爱心")  # a paragraph indent in a block stays
    assert data[0]["extra"] == {"备注：说明": "值里有全角冒号也没关系"}


@pytest.mark.parametrize(("text", "line", "start"), [
    ("- id: t1\n  name: 甲\n  members：23\n  kind: 医院\n", 3, "“members：23”里用了全角冒号“：”"),
    ("- id：dzczj-2\n  # 注释\n\n  name: 甲\n", 1, "“- id：dzczj-2”里用了全角冒号“：”"),
    ("title: '不忘初心'主题党日\n", 1, "引号只括住了值的一部分（'不忘初心'后面还有文字）"),
    ("- id: t1\n\u3000 name: 甲\n", 2, "这一行开头有全角空格"),
])
def test_each_slip_is_named_on_its_own_line(text: str, line: int, start: str) -> None:
    problems: list[Problem] = []
    assert parse_yaml(text, "x.yaml", problems) is None
    assert [p.line for p in problems] == [line]
    assert problems[0].message.startswith(start)


def test_a_missing_colon_is_on_its_line_and_chinese_text_above_it_is_not_blamed() -> None:
    problems: list[Problem] = []
    parse_yaml("- id: t1\n  title: 主题：献爱心\n  name 甲\n  kind: 医院\n", "x.yaml", problems)
    assert [(p.line, p.message) for p in problems] == [(3, "缺少冒号“:”；每个字段应写成“字段: 值”")]


@pytest.mark.parametrize("above", ["  summary: |\n    　　主题：献爱心\n", "  summary: |\n    　　说明: 一段话\n"])
def test_a_paragraph_indent_or_colon_inside_text_is_not_blamed_for_the_error_below(above: str) -> None:
    problems: list[Problem] = []
    parse_yaml(f"- id: t1\n{above}  name 甲\n  kind: 医院\n", "x.yaml", problems)
    assert [(p.line, p.message) for p in problems] == [(4, "缺少冒号“:”；每个字段应写成“字段: 值”")]


@pytest.mark.parametrize(("text", "line"), [
    # the only line of a nested mapping, typed with a full-width colon: on that line, not on `checks:`
    ("- id: t1\n  date: 2017-10-23\n  group: 1\n  villages: [wanghui]\n  checks:\n    摸清村居情况：达标\n", 6),
    # a comment and a blank line between the key and the slip
    ("- id: t1\n  date: 2017-10-23\n  group: 1\n  villages: [wanghui]\n  checks:\n    # 第一项\n\n    摸清村居情况：达标\n", 8),
    # on the key's own line it stays there
    ("- id: t1\n  date: 2017-10-23\n  group: 1\n  villages: [wanghui]\n  checks: 摸清村居情况：达标\n", 5),
    # the same through the full loader (a tag sends the file there)
    ("- id: t1\n  date: 2017-10-23\n  group: !!str 1\n  villages: [wanghui]\n  checks:\n    摸清村居情况：达标\n", 6),
])
def test_a_slip_below_its_key_is_reported_on_the_line_typed(scratch, text: str, line: int) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"inspections/case.yaml": text})
    result = run_cli("check", "--content", str(content))
    problems = [p for p in result.stderr.splitlines() if p.startswith("content/inspections/case.yaml")]
    assert result.returncode == 1
    assert problems == [f"content/inspections/case.yaml:{line}: checks: 应为“字段: 值”；“摸清村居情况：达标”里用了全角冒号“：”，"
                        "请改成半角冒号加空格，写成 摸清村居情况: 达标"]


def test_a_slip_below_its_key_in_front_matter_counts_the_opening_line(scratch) -> None:  # type: ignore[no-untyped-def]
    story = "---\ntitle: 义诊\ndate: 2017-10-01\nextra:\n  来源：县报\n---\n正文\n"
    result = run_cli("check", "--content", str(scratch({"stories/case.md": story})))
    assert "content/stories/case.md:5: extra: 应为“字段: 值”；“来源：县报”" in result.stderr, result.stderr


def test_a_part_quoted_line_without_a_key_is_named_but_a_quoted_key_is_not_blamed() -> None:
    problems: list[Problem] = []
    parse_yaml('campaign:\n  "1+1"好支部共建行动\n', "x.yaml", problems)
    assert [(p.line, p.message) for p in problems] == [
        (2, '引号只括住了值的一部分（"1+1"后面还有文字）；文中的引号请用中文引号，写成 “1+1”好支部共建行动')]
    problems = []
    parse_yaml('extra:\n  "联系人": 张三\n  name 甲\n', "x.yaml", problems)
    assert [p.line for p in problems] == [3] and problems[0].message.startswith("缺少冒号")
