"""Reading files: line numbers, encodings, and YAML that must be refused."""

from __future__ import annotations

from pathlib import Path

from generator.content.load import LineList, LineMap, load_content, parse_yaml, read_text
from generator.errors import Problem


def parse(text: str) -> tuple[object, list[Problem]]:
    problems: list[Problem] = []
    return parse_yaml(text, "content/x.yaml", problems), problems


def test_mappings_remember_key_lines() -> None:
    data, problems = parse("- id: a\n  name: 甲\n\n- id: b\n  name: 乙\n")
    assert problems == []
    assert isinstance(data, LineList) and data.item_lines == [1, 4]
    second = data[1]
    assert isinstance(second, LineMap) and second.key_lines == {"id": 4, "name": 5}


def test_dates_stay_text_for_strict_checking() -> None:
    data, _ = parse("date: 2017-13-01\nother: 2017-10-23\n")
    assert data == {"date": "2017-13-01", "other": "2017-10-23"}


def test_duplicate_key_is_a_problem_at_its_line() -> None:
    _, problems = parse("id: a\nname: 甲\nname: 乙\n")
    assert problems == [Problem("content/x.yaml", 3, "name", "同一处重复写了这个字段；请删掉多余的一行")]


def test_alias_is_refused_before_expansion() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b]\n"
    data, problems = parse(bomb)
    assert data is None
    assert problems[0].line == 2 and "别名" in problems[0].message


def test_python_tag_is_refused() -> None:
    data, problems = parse("x: !!python/object/apply:os.system ['echo hi']\n")
    assert data is None and problems[0].line == 1 and "!!python" in problems[0].message


def test_tab_indentation_is_explained() -> None:
    _, problems = parse("- id: a\n\tname: 甲\n")
    assert problems[0].line == 2 and "Tab" in problems[0].message


def test_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    file = tmp_path / "units.yaml"
    file.write_bytes(b"\xef\xbb\xbf- id: a\r\n  name: \xe7\x94\xb2\r\n")
    problems: list[Problem] = []
    text = read_text(file, "content/units.yaml", problems)
    assert problems == [] and text == "- id: a\n  name: 甲\n"


def test_gbk_file_is_named_as_such(tmp_path: Path) -> None:
    file = tmp_path / "units.yaml"
    file.write_bytes("- id: a\n  name: 市农科院\n".encode("gbk"))
    problems: list[Problem] = []
    assert read_text(file, "content/units.yaml", problems) is None
    assert problems[0].line == 2 and "GBK" in problems[0].message


def test_folder_and_file_records_merge(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"units/more.yaml": "id: more\nname: 另一个单位\nkind: 机关\n"})
    raw = load_content(content)
    assert [r.data["id"] for r in raw.records["units"]] == ["hosp", "agri", "more"]
    assert raw.records["units"][2].path == "content/units/more.yaml"
