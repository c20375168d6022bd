"""The fast line-aware YAML path reads every document exactly as the loader it replaces did.

The oracle below is a copy of the reader's loader as it was before generator/content/yamldoc.py
(PyYAML's composer and constructor over libyaml's events, the pure-Python loader for
messages), kept here so the comparison survives the reader's rewrite.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yaml._yaml import CParser
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from generator.content import yamldoc
from generator.content.load import _DECIMAL_FLOAT, _DECIMAL_INT, LineList, LineMap, _Loader, _parse
from generator.content.yaml_errors import MAX_DEPTH, AliasRefused, TooDeep, explain_yaml_error
from generator.errors import Problem
from tests.conftest import FIXTURES, REPO

# ---------------------------------------------------------------- the oracle: the loader as it was


class _OldComposer(Composer):
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent):
            raise AliasRefused(None, None, "alias", event.start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise TooDeep(None, None, "too deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _OldConstructor(SafeConstructor):
    def __init__(self) -> None:
        super().__init__()
        self.duplicates: list[tuple[int, str]] = []


def _old_map(loader: Any, node: MappingNode) -> Any:
    data = LineMap()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = key if isinstance(key, str) else str(key)
        line = key_node.start_mark.line + 1
        if key in data:
            loader.duplicates.append((line, key))
            continue
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


def _old_list(loader: Any, node: SequenceNode) -> Any:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


def _old_int(loader: Any, node: ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    return int(text) if _DECIMAL_INT.fullmatch(text) else text


def _old_float(loader: Any, node: ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    if not _DECIMAL_FLOAT.fullmatch(text):
        return text
    return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))


_OldConstructor.yaml_constructors = {
    **SafeConstructor.yaml_constructors,
    "tag:yaml.org,2002:map": _old_map,
    "tag:yaml.org,2002:seq": _old_list,
    "tag:yaml.org,2002:timestamp": lambda loader, node: str(loader.construct_scalar(node)),
    "tag:yaml.org,2002:int": _old_int,
    "tag:yaml.org,2002:float": _old_float,
    **{f"tag:yaml.org,2002:{t}": lambda loader, node: loader.construct_undefined(node) for t in ("set", "omap", "pairs", "binary")},
}


class _OldPure(Reader, Scanner, Parser, _OldComposer, _OldConstructor, Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _OldComposer.__init__(self)
        _OldConstructor.__init__(self)
        Resolver.__init__(self)


class _OldFast(_OldComposer, CParser, _OldConstructor, Resolver):  # type: ignore[misc]
    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        _OldComposer.__init__(self)
        _OldConstructor.__init__(self)
        Resolver.__init__(self)


def _old_parse(text: str, path: str, problems: list[Problem], line_offset: int = 0) -> tuple[bool, Any]:
    loaders = (_OldFast, _OldPure)
    for index, loader_type in enumerate(loaders):
        loader = None
        try:
            loader = loader_type(text)
            data = loader.get_single_data()
        except yaml.YAMLError as error:
            if index + 1 < len(loaders):
                continue
            problems.append(explain_yaml_error(path, error, text, line_offset))
            return False, None
        finally:
            if loader is not None:
                loader.dispose()
        for line, key in loader.duplicates:
            problems.append(Problem(path, line + line_offset, key, "同一处重复写了这个字段；请删掉多余的一行"))
        _shift(data, line_offset)
        return True, data
    raise AssertionError("unreachable")


def _shift(data: Any, offset: int) -> None:
    if isinstance(data, LineMap):
        data.line += offset
        data.key_lines = {k: v + offset for k, v in data.key_lines.items()}
        for value in data.values():
            _shift(value, offset)
    elif isinstance(data, LineList):
        data.line += offset
        data.item_lines = [v + offset for v in data.item_lines]
        for value in data:
            _shift(value, offset)


# ---------------------------------------------------------------- comparing


def shape(data: Any) -> Any:
    """Everything the reader may look at: types, values (NaN included), and every line."""
    if isinstance(data, LineMap):
        assert type(data) is LineMap
        return ("map", data.line, list(data.key_lines.items()), [(k, shape(v)) for k, v in data.items()])
    if isinstance(data, LineList):
        assert type(data) is LineList
        return ("list", data.line, list(data.item_lines), [shape(v) for v in data])
    return (type(data).__name__, repr(data))


def outcome(parse: Any, text: str, offset: int = 0) -> Any:
    """What a parse function gives for `text`: its data's shape and its problems, or the exception it raised."""
    problems: list[Problem] = []
    try:
        ok, data = parse(text, "content/x.yaml", problems, offset)
    except Exception as error:  # a crash must be the same crash as before
        return ("raised", type(error).__name__)
    return ok, shape(data), problems


def assert_same_as_before(text: str, offset: int = 0) -> Any:
    new = outcome(_parse, text, offset)
    assert new == outcome(_old_parse, text, offset), text
    return new


def assert_split_agrees(text: str) -> bool:
    """A ledger read item by item (each item parsed alone, then placed) equals the whole parse, or declines."""
    split = yamldoc.parse_ledger(text)
    if split is None:
        return False
    whole = yamldoc.parse_document(text)
    assert shape(split.data) == shape(whole.data), text
    assert split.duplicates == whole.duplicates, text
    return True


def value_lines(data: Any) -> list[tuple[tuple[Any, ...], str, int]]:
    """Every value written below its key: (where its mapping is, key, line)."""
    found = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, LineMap):
            found += [(where, key, line) for key, line in node.value_lines.items()]
            stack += [((*where, key), value) for key, value in node.items()]
        elif isinstance(node, LineList):
            stack += [((*where, index), value) for index, value in enumerate(node)]
    return sorted(found, key=repr)


def assert_value_lines_agree(text: str) -> None:
    """The fast path, the full loader, a split ledger and a shifted copy place values below their keys alike."""
    try:
        fast = yamldoc.parse_document(text).data
    except yaml.YAMLError:
        return  # the fast path declines or refuses: the full loader alone reads it, nothing to compare
    loader = _Loader(text)
    try:
        full = loader.get_single_data()
    except yaml.YAMLError:
        # libyaml's scanner (the fast path) takes a tab after "-" that PyYAML's pure scanner refuses
        # ("-\t1", found by hypothesis): that the data agree is assert_same_as_before's to say
        return
    finally:
        loader.dispose()
    assert value_lines(fast) == value_lines(full), text
    shifted = [(where, key, line + 3) for where, key, line in value_lines(fast)]
    assert value_lines(yamldoc.shifted(fast, 3)) == shifted, text
    assert value_lines(_parse(text, "x.yaml", [], 3)[1]) == shifted, text
    split = yamldoc.parse_ledger(text)
    if split is not None:
        assert value_lines(split.data) == value_lines(fast), text


BELOW = [
    ("- id: t1\n  checks:\n    摸清村居情况：达标\n", [((0,), "checks", 3)]),
    ("- id: t1\n  checks:\n    # 注释\n\n    摸清：达标\n    班子：基本达标\n- id: t2\n  extra:\n    '引号'\n",
     [((0,), "checks", 5), ((1,), "extra", 9)]),
    ("a:\n  \"甲\"\nb: 1\nc:\nd: |\n  文字\ne: [1,\n  2]\nf:\n  - x\ng:\n  h: 1\n", [((), "a", 2)]),
    ("a:\n  ~\nb:\n  ''\n", [((), "b", 4)]),  # an empty value is not placed; an empty text is
]


@pytest.mark.parametrize(("text", "expected"), BELOW)
def test_values_below_their_key_know_their_line(text: str, expected: list[tuple[tuple[Any, ...], str, int]]) -> None:
    assert value_lines(yamldoc.parse_document(text).data) == sorted(expected, key=repr)
    assert_value_lines_agree(text)


# ---------------------------------------------------------------- every YAML file the project ships


def _documents() -> list[tuple[str, str]]:
    found = []
    for root in (REPO / "content", FIXTURES):
        for file in sorted(root.rglob("*")):
            if not file.is_file() or file.suffix not in (".yaml", ".yml", ".md"):
                continue
            try:
                text = file.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
            except UnicodeDecodeError:
                continue  # the encoding cases of the bad-input corpus never reach the parser
            if file.suffix == ".md":
                lines = text.split("\n")
                end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
                if not lines or lines[0].strip() != "---" or end is None:
                    continue
                text = "\n".join(lines[1:end])
            found.append((file.relative_to(REPO).as_posix(), text))
    return found


DOCUMENTS = _documents()


def test_the_corpus_is_real() -> None:
    names = [name for name, _ in DOCUMENTS]
    assert any(n.startswith("content/activities/") for n in names)
    assert any(n.startswith("tests/fixtures/invalid/") for n in names)
    assert any(n.endswith(".md") for n in names)


@pytest.mark.parametrize(("name", "text"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_project_yaml_reads_as_before(name: str, text: str) -> None:
    assert_same_as_before(text)
    assert_same_as_before(text, 1)
    assert_split_agrees(text)
    assert_value_lines_agree(text)


def test_fast_path_reads_the_shipped_content_itself() -> None:
    # Without this, every file could silently go through the old loaders and the test above still pass.
    for name, text in DOCUMENTS:
        if name.startswith("content/"):
            assert isinstance(yamldoc.parse_document(text), yamldoc.ParsedDocument), name


def test_ledgers_split_into_items() -> None:
    ledgers = [text for name, text in DOCUMENTS if name.startswith("content/activities/")]
    assert ledgers and all(assert_split_agrees(text) for text in ledgers)


# ---------------------------------------------------------------- scalars of every shape

PLAIN = [
    "010",
    "0x1F",
    "0o17",
    "0b101",
    "1:30",
    "1e3",
    "1.0e+3",
    "1.5",
    "-2.5",
    ".5",
    "1.",
    "+12",
    "-0",
    "0",
    "12",
    "1_000",
    "123456789012345678",
    "1234567890123456789",
    ".inf",
    "-.inf",
    "+.INF",
    ".nan",
    ".NaN",
    "2024-01-01",
    "2024-1-1",
    "2024-01-01 10:00:00",
    "2024-01-01T10:00:00Z",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "False",
    "~",
    "null",
    "Null",
    "NULL",
    "",
    "a b",
    "支部共建",
    "王 五:甲",
    "第1支部",
    "1,000",
    "3 户",
    "x#y",
    "-",
    "a-b",
]
QUOTED = ['"010"', "'yes'", '"中文\\n第二行"', "''", '""', "'it''s'", '"1:30"', '"  空格  "', "'~'", '"\\u4e2d"']
KEYS = ["id", "name", "date", "1", "010", "yes", "~", "null", "1.5", "名字", "'id'", '"name"', "a b"]  # << and = are in FRAGMENTS
BLOCK = ["|\n{i}  甲\n{i}  乙\n", ">-\n{i}  折叠\n{i}  文字\n", "|+\n{i}  keep\n\n"]


def _scalar(rng: random.Random, indent: str) -> str:
    pick = rng.random()
    if pick < 0.65:
        return rng.choice(PLAIN)
    if pick < 0.9:
        return rng.choice(QUOTED)
    return rng.choice(BLOCK).format(i=indent).rstrip("\n")


def _flow(rng: random.Random, depth: int) -> str:
    if depth > 2 or rng.random() < 0.5:
        return rng.choice([*QUOTED, "1", "2.5", "x", "甲", "yes", "~", "010"])
    if rng.random() < 0.5:
        return "[" + ", ".join(_flow(rng, depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    return "{" + ", ".join(f"{rng.choice(KEYS)}: {_flow(rng, depth + 1)}" for _ in range(rng.randint(0, 3))) + "}"


def _value(rng: random.Random, indent: str, depth: int) -> list[str]:
    """Lines of a value written after `key:` or `- ` (the first line continues that line)."""
    pick = rng.random()
    if depth > 4 or pick < 0.45:
        return [" " + _scalar(rng, indent)]
    if pick < 0.55:
        return [" " + _flow(rng, 0)]
    if pick < 0.8:
        return ["", *_mapping(rng, indent + "  ", depth + 1)]
    return ["", *_sequence(rng, indent + rng.choice(["", "  "]), depth + 1)]


def _decorate(rng: random.Random, lines: list[str], indent: str) -> list[str]:
    out = []
    for line in lines:
        if rng.random() < 0.1:
            out.append(rng.choice(["", f"{indent}# 注释", "# 顶格注释", "   "]))
        out.append(line + (" # 行尾注释" if rng.random() < 0.05 and not line.endswith(":") else ""))
    return out


def _mapping(rng: random.Random, indent: str, depth: int) -> list[str]:
    lines = []
    for _ in range(rng.randint(1, 4)):
        value = _value(rng, indent, depth)
        lines.append(f"{indent}{rng.choice(KEYS)}:{value[0]}")
        lines.extend(value[1:])
    return _decorate(rng, lines, indent)


def _sequence(rng: random.Random, indent: str, depth: int) -> list[str]:
    lines = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.5 and depth <= 4:
            inner = _mapping(rng, indent + "  ", depth + 1)
            first = next(
                i for i, line in enumerate(inner) if line.startswith(indent + "  ") and line.strip() and not line.lstrip().startswith("#")
            )
            lines.extend([*inner[:first], f"{indent}- {inner[first][len(indent) + 2 :]}", *inner[first + 1 :]])
        else:
            value = _value(rng, indent, depth)
            lines.append(f"{indent}-{value[0]}")
            lines.extend(value[1:])
    return _decorate(rng, lines, indent)


def _document(rng: random.Random) -> str:
    body = _sequence(rng, "", 0) if rng.random() < 0.6 else _mapping(rng, "", 0)
    head = rng.choice([[], ["# 台账"], ["", "# 说明", ""]])
    return "\n".join([*head, *body]) + rng.choice(["\n", "", "\n\n"])


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_generated_documents_read_as_before(rng: random.Random) -> None:
    text = _document(rng)
    assert_same_as_before(text)
    assert_same_as_before(text, 3)
    assert_split_agrees(text)
    assert_value_lines_agree(text)


FRAGMENTS = [
    "- a: 1",
    "  b: 010",
    "- 甲",
    "-",
    "  - x",
    "  c: [1,",
    "  2]",
    '- "引号',
    '- 未完"',
    "- |",
    "  文字",
    "- 'q",
    "  q'",
    "---",
    "...",
    "%YAML 1.1",
    "&a x",
    "- *a",
    "- &b y",
    "? k",
    ": v",
    "  k: !!str 1",
    "  k: !!int 010",
    "  k: !!bool yes",
    "  k: !!set {a}",
    "  k: !custom x",
    "<<: {a: 1}",
    "  <<: {z: 2}",
    "  k: =",
    "\ta: 1",
    "- b: 1",
    "#c",
    "",
    "  c: d: e",
    "a: 1",
    "a: 2",
    "  - - [x]",
    "- {a: 1, a: 2}",
    "  d: 2024-13-01",
    "- ! x",
    "  e: 1:30",
    "- x\n- y",
    "- a: 1\n  a:\n    b: 1\n    b: 2",
    "-\t1",
    "- " + "[" * 70 + "]" * 70,
]


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=8))
def test_fragment_soup_reads_as_before(fragments: list[str]) -> None:
    # Malformed and exotic YAML: same data or same problem (message and line) as before, and no new crash.
    text = "\n".join(fragments) + "\n"
    assert_same_as_before(text)
    assert_split_agrees(text)
    assert_value_lines_agree(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: 010\nb: 0x1F\nc: 1:30\nd: 1e3\ne: .inf\nf: 2024-01-01\ng: yes\nh: ~\ni: '12'\nj: 12\nk: 1.5\n",
            {
                "a": "010",
                "b": "0x1F",
                "c": "1:30",
                "d": "1e3",
                "e": float("inf"),
                "f": "2024-01-01",
                "g": True,
                "h": None,
                "i": "12",
                "j": 12,
                "k": 1.5,
            },
        ),
        ("1: a\nyes: b\n~: c\n", {"1": "a", "True": "b", "None": "c"}),
    ],
)
def test_scalars_resolve_as_documented(text: str, expected: dict[str, Any]) -> None:
    document = yamldoc.parse_document(text)
    assert document.data == expected
    assert [type(v) for v in document.data.values()] == [type(v) for v in expected.values()]


def test_duplicates_inside_a_dropped_duplicate_are_not_reported() -> None:
    document = yamldoc.parse_document("a: 1\na:\n  b: 1\n  b: 2\nc:\n  d: 1\n  d: 2\n")
    assert document.duplicates == ((2, "a"), (7, "d"))
    assert document.data == {"a": 1, "c": {"d": 1}}


@pytest.mark.parametrize("text", ["a: &x 1\n", "a: !!str 1\n", "<<: {a: 1}\n", "? [a]\n: 1\n", "a: =\n"])
def test_exotic_yaml_is_left_to_the_full_loader(text: str) -> None:
    with pytest.raises(yamldoc.NeedsFullLoader):
        yamldoc.parse_document(text)
    assert_same_as_before(text)


@pytest.mark.parametrize(
    ("text", "error"),
    [("a: *x\n", AliasRefused), ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), TooDeep), ("a\n---\nb\n", yaml.composer.ComposerError)],
)
def test_refusals_of_the_composer_are_kept(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        yamldoc.parse_document(text)
    assert assert_same_as_before(text)[0] is False


def test_nesting_up_to_the_limit_is_read() -> None:
    depth = MAX_DEPTH - 1  # lists around one scalar: the scalar is node number MAX_DEPTH
    assert yamldoc.parse_document("[" * depth + "x" + "]" * depth).data is not None
    assert assert_same_as_before("[" * depth + "x" + "]" * depth)[0] is True
    with pytest.raises(TooDeep):
        yamldoc.parse_document("[" * (depth + 1) + "x" + "]" * (depth + 1))


def test_very_deep_nesting_is_refused_without_recursion() -> None:
    text = "[" * 10_000 + "]" * 10_000
    assert assert_same_as_before(text)[0] is False


# ---------------------------------------------------------------- items of a ledger


LEDGER = "# 台账\n\n- id: a\n  n: 1\n\n- id: b\n  n: 2\n  tags: [x, y]\n- # 注释\n  id: c\n  n: 3\n  n: 4\n"


def test_split_items_cuts_at_column_zero_dashes() -> None:
    assert yamldoc.split_items(LEDGER) == [
        (3, "- id: a\n  n: 1\n\n"),
        (6, "- id: b\n  n: 2\n  tags: [x, y]\n"),
        (9, "- # 注释\n  id: c\n  n: 3\n  n: 4\n"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n- b\n",
        "---\n- a\n",
        "- a\n...\n",
        "%YAML 1.1\n---\n- a\n",
        "  x\n- a\n",
        "-\tx\n",
        "-a\n",
        "a: [1]\n",
        "",
        "# only\n",
        "\t- a\n",
    ],
)
def test_split_items_declines_what_is_not_a_plain_ledger(text: str) -> None:
    assert yamldoc.split_items(text) is None


@pytest.mark.parametrize("text", ['- "a\n- b"\n', "- [a,\n- b]\n", "- 'x\n- y'\n", "- &a x\n- *a\n"])
def test_items_that_span_a_dash_line_fall_back_to_the_whole_file(text: str) -> None:
    assert yamldoc.split_items(text) is not None
    assert yamldoc.parse_ledger(text) is None
    assert_same_as_before(text)


def test_split_parse_equals_whole_parse_with_lines_and_duplicates() -> None:
    split = yamldoc.parse_ledger(LEDGER)
    assert split is not None
    whole = yamldoc.parse_document(LEDGER)
    assert shape(split.data) == shape(whole.data)
    assert split.duplicates == whole.duplicates == ((12, "n"),)
    assert split.data.item_lines == [3, 6, 10]


def test_a_ledger_is_read_through_the_item_function_given() -> None:
    """The build passes its per-item query: each item is asked for once, by its text and its place in the file."""
    items = [f"- id: a{i}\n  name: 活动{i}\n  date: 2024-01-{i % 28 + 1:02d}\n  participants: {i}\n" for i in range(50)]
    items[20] = "- id: a20\n  name: 改过\n  note: 多一行\n  date: 2024-02-01\n  participants: 99\n"
    asked: list[tuple[str, int]] = []

    def item(item_text: str, offset: int) -> yamldoc.ParsedItem | None:
        asked.append((item_text, offset))
        return yamldoc.placed_item(item_text, offset)

    text = "".join(items)
    document = yamldoc.parse_ledger(text, item)
    assert document is not None
    assert [t for t, _ in asked] == items
    assert [offset for _, offset in asked] == [4 * i + (i > 20) for i in range(50)]
    assert shape(document.data) == shape(yamldoc.parse_document(text).data)
    assert yamldoc.parse_ledger(text, lambda t, o: None if t == items[7] else yamldoc.placed_item(t, o)) is None


def test_memoised_items_are_not_changed_by_placing_them() -> None:
    item = yamldoc.parse_item("- a:\n    - 1\n  b: {c: 2}\n")
    assert item.at(0) is item
    placed = item.at(100).data
    assert (placed.line, placed.key_lines, placed["a"].item_lines, placed["b"].key_lines) == (101, {"a": 101, "b": 103}, [102], {"c": 103})
    assert (item.data.line, item.data["a"].item_lines, item.data["b"].key_lines) == (1, [2], {"c": 3})
    assert placed["a"] is not item.data["a"]


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.randoms(use_true_random=False))
def test_generated_ledgers_split_and_agree(rng: random.Random) -> None:
    text = "\n".join(_sequence(rng, "", 0)) + "\n"
    split = assert_split_agrees(text)
    try:
        yamldoc.parse_document(text)
    except yaml.YAMLError:
        return
    # A ledger the fast path reads whole must also be read item by item.
    assert split == (yamldoc.split_items(text) is not None), text
