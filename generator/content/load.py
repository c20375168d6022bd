"""Read content/ into raw documents that remember the line of every key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from generator.content.reader import RECORD_TYPES, InputFile, Inventory, scan_content
from generator.content.yaml_errors import MAX_DEPTH, AliasRefused, TooDeep, explain_yaml_error
from generator.errors import Problem, UsageError


class LineMap(dict[str, Any]):
    """A YAML mapping that knows its own line, the line of each key, and of a value written below its key."""

    line: int
    key_lines: dict[str, int]
    value_lines: Mapping[str, int] = MappingProxyType({})
    """Lines of the values (not empty, not a list or mapping) that start below their key; most maps have none.

    `checks:` then `摸清村居情况：达标` on the next line is text where a mapping was meant:
    the slip is on the value's line, not the key's.
    """

    def value_line(self, key: str) -> int:
        """Return the line where the value of `key` starts: its own line when written below the key."""
        return self.value_lines.get(key) or self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A YAML sequence that knows its own line and the line of each item."""

    line: int
    item_lines: list[int]


@dataclass(frozen=True)
class RawRecord:
    """One record as written: where it is and its data (not yet checked)."""

    kind: str
    path: str
    line: int
    data: Any


@dataclass(frozen=True)
class RawStory:
    """One story file split into front matter and Markdown body."""

    path: str
    slug: str
    line: int
    front: Any
    body: str
    body_line: int = 0
    """The line of the file where the body starts (after the closing ---)."""


@dataclass(frozen=True)
class RawContent:
    """Everything read from content/, plus the problems met while reading."""

    root: Path
    site: RawRecord | None
    records: dict[str, list[RawRecord]]
    stories: list[RawStory]
    assets: frozenset[str]
    problems: list[Problem] = field(default_factory=list)
    unreadable: frozenset[str] = frozenset()
    """Record types with a file that could not be read: references to them are not checked."""


_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


class _LineComposer(Composer):
    """Compose nodes, refusing aliases and nesting deeper than MAX_DEPTH."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise AliasRefused(None, None, "alias", mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise TooDeep(None, None, "too deep", mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _LineConstructor(SafeConstructor):
    """Build LineMap/LineList, keep dates and unusual numbers as text, note duplicate keys."""

    def __init__(self) -> None:
        super().__init__()
        self.duplicates: list[tuple[int, str]] = []


def _construct_line_map(loader: Any, node: MappingNode) -> Any:
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
        if isinstance(value_node, ScalarNode) and data[key] is not None and value_node.start_mark.line + 1 != line:
            data.value_lines = {**data.value_lines, key: value_node.start_mark.line + 1}


def _construct_line_list(loader: Any, node: SequenceNode) -> Any:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


def _construct_plain_date(loader: Any, node: ScalarNode) -> str:
    # Dates stay text here: the validator parses them strictly and can say
    # what is wrong with 2017-13-01, where PyYAML would raise a ValueError.
    return str(loader.construct_scalar(node))


def _construct_strict_int(loader: Any, node: ScalarNode) -> int | str:
    # YAML 1.1 reads 0635123 as octal, 1:30 as 90 and 0x1F as 31: a phone
    # number or a count would be silently changed. Only plain decimals are numbers.
    text = str(loader.construct_scalar(node))
    return int(text) if _DECIMAL_INT.fullmatch(text) else text


def _construct_strict_float(loader: Any, node: ScalarNode) -> float | str:
    text = str(loader.construct_scalar(node))
    if not _DECIMAL_FLOAT.fullmatch(text):
        return text
    return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))


def _construct_refused(loader: Any, node: ScalarNode) -> Any:
    return loader.construct_undefined(node)


_CONSTRUCTORS: dict[str, Any] = {
    "map": _construct_line_map,
    "seq": _construct_line_list,
    "timestamp": _construct_plain_date,
    "int": _construct_strict_int,
    "float": _construct_strict_float,
    # Sets, ordered maps, pairs and binary have no place in records: refuse them like !!python.
    **dict.fromkeys(("set", "omap", "pairs", "binary"), _construct_refused),
}
_LineConstructor.yaml_constructors = {
    **SafeConstructor.yaml_constructors,
    **{f"tag:yaml.org,2002:{tag}": fn for tag, fn in _CONSTRUCTORS.items()},
}


class _Loader(Reader, Scanner, Parser, _LineComposer, _LineConstructor, Resolver):
    """Pure-Python safe loader: used for error messages (and where libyaml is missing)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _LineComposer.__init__(self)
        _LineConstructor.__init__(self)
        Resolver.__init__(self)


try:
    from yaml._yaml import CParser

    class _FastLoader(_LineComposer, CParser, _LineConstructor, Resolver):
        """The same loader over libyaml's events (several times faster on big ledgers)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _LineComposer.__init__(self)
            _LineConstructor.__init__(self)
            Resolver.__init__(self)

    _LOADERS: tuple[type[Any], ...] = (_FastLoader, _Loader)
except ImportError:  # PyYAML built without libyaml
    _LOADERS = (_Loader,)


def _parse(text: str, path: str, problems: list[Problem], line_offset: int = 0) -> tuple[bool, Any]:
    """Parse one YAML document safely: (True, data), or (False, None) with the problem added."""
    from generator.content import yamldoc  # imported here: yamldoc builds the LineMap/LineList defined above

    loaders = _LOADERS
    try:
        document = yamldoc.parse_document(text)
    except yamldoc.NeedsFullLoader:
        pass  # YAML the fast path leaves to the loaders below (tags, anchors, merge keys)
    except yaml.YAMLError:
        # libyaml refused it, so _FastLoader would too: explain with the pure-Python loader, as before.
        loaders = _LOADERS[-1:]
    else:
        data = document.data
        for line, key in document.duplicates:
            problems.append(Problem(path, line + line_offset, key, "同一处重复写了这个字段；请删掉多余的一行"))
        _shift_lines(data, line_offset)
        return True, data
    for index, loader_type in enumerate(loaders):
        loader = None
        try:
            loader = loader_type(text)
            data = loader.get_single_data()
        except yaml.YAMLError as error:
            if index + 1 < len(loaders):
                continue  # explain with the pure-Python loader, whose messages are mapped above
            problems.append(explain_yaml_error(path, error, text, line_offset))
            return False, None
        finally:
            if loader is not None:
                loader.dispose()
        for line, key in loader.duplicates:
            problems.append(
                Problem(path, line + line_offset, key, "同一处重复写了这个字段；请删掉多余的一行")
            )
        _shift_lines(data, line_offset)
        return True, data
    raise AssertionError("unreachable")


def parse_yaml(text: str, path: str, problems: list[Problem], line_offset: int = 0) -> Any:
    """Parse one YAML document safely; add any problem to `problems` and return None then."""
    return _parse(text, path, problems, line_offset)[1]


def _shift_lines(data: Any, offset: int) -> None:
    if not offset:
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, LineMap):
            item.line += offset
            item.key_lines = {k: v + offset for k, v in item.key_lines.items()}
            if item.value_lines:
                item.value_lines = {k: v + offset for k, v in item.value_lines.items()}
            stack.extend(item.values())
        elif isinstance(item, LineList):
            item.line += offset
            item.item_lines = [v + offset for v in item.item_lines]
            stack.extend(item)


def read_text(file: Path, path: str, problems: list[Problem]) -> str | None:
    """Read a UTF-8 file (a BOM is fine, CRLF becomes LF); explain other encodings."""
    try:
        data = file.read_bytes()
    except OSError as error:
        problems.append(Problem(path, 0, "", f"无法读取这个文件（{error.strerror or error}）；请检查它是否是普通文件、能否打开"))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    hint = "请用“另存为”选择 UTF-8 编码后保存"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(Problem(path, 1, "", f"文件是 UTF-16 编码（记事本里叫“Unicode”），不是 UTF-8；{hint}"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            message = f"文件不是 UTF-8 编码（看起来是 Windows 常用的 GBK/GB18030，记事本里叫“ANSI”）；{hint}"
        except UnicodeDecodeError:
            message = f"文件不是 UTF-8 编码；{hint}"
        problems.append(Problem(path, line, "", message))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _records_of(kind: str, file: InputFile, path: str, problems: list[Problem],
                items: dict[str, Any] | None = None) -> tuple[bool, list[RawRecord]]:
    """Return whether `file` could be read, and its records.

    With `items` (the ParseMemo's items of each ledger by path), a list of records is
    parsed item by item, and an item whose text is unchanged is not parsed again.
    """
    from generator.content import yamldoc  # imported here: yamldoc builds the LineMap/LineList defined above

    text = read_text(file.path, path, problems)
    if text is None:
        return False, []
    split = yamldoc.parse_split(text, items.get(path, {})) if items is not None else None
    if split is not None and items is not None:
        document, items[path] = split
        for line, key in document.duplicates:
            problems.append(Problem(path, line, key, "同一处重复写了这个字段；请删掉多余的一行"))
        ok, data = True, document.data
    else:
        ok, data = _parse(text, path, problems)
    if not ok:
        return False, []
    if data is None:
        return True, []  # an empty file holds no records yet
    if isinstance(data, LineList):
        return True, [RawRecord(kind, path, line, item) for item, line in zip(data, data.item_lines, strict=True)]
    if isinstance(data, LineMap):
        return True, [RawRecord(kind, path, data.line, data)]
    problems.append(Problem(path, 1, "", "文件内容应是记录列表（每条以“- ”开头）或一条记录（“字段: 值”）"))
    return False, []


def split_front_matter(text: str, path: str, problems: list[Problem]) -> tuple[Any, str] | None:
    """Split `---` YAML front matter from the Markdown body of a story."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(path, 1, "", "缺少开头的 front matter：文件第一行应为 ---，随后写 title、date 等字段，再以 --- 结束")
        )
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            front_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            ok, front = _parse(front_text, path, problems, line_offset=1)
            return (front, body) if ok else None
    problems.append(Problem(path, 1, "", "front matter 没有结束：请在字段之后加一行 ---"))
    return None


def _story_of(file: InputFile, path: str, problems: list[Problem]) -> RawStory | None:
    text = read_text(file.path, path, problems)
    if text is None:
        return None
    split = split_front_matter(text, path, problems)
    if split is None:
        return None
    front, body = split
    return RawStory(path, file.path.stem, 1, front, body, text.count("\n", 0, len(text) - len(body)) + 1)


@dataclass
class ParseMemo:
    """Parsed files remembered by path and stamp, then by bytes: a rebuild parses only what changed.

    Kept by whoever builds more than once (the preview); each entry holds the problems met
    while parsing, so a remembered bad file is reported again.
    """

    entries: dict[tuple[str, str], tuple[InputFile, Any, tuple[Problem, ...]]] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)  # path → {item text: parsed item} of each ledger

    def get(self, file: InputFile, path: str, parse: Any) -> tuple[Any, list[Problem]]:
        """Return the result of `parse(file, path, problems)` for `file`, parsing only a new version."""
        key = (file.kind, path)
        known = self.entries.get(key)
        if known is not None and known[0].stamp == file.stamp and known[0].path == file.path:
            return known[1], list(known[2])
        problems: list[Problem] = []
        result = parse(file, path, problems)
        self.entries[key] = (file, result, tuple(problems))
        return result, problems

    def keep_only(self, inventory: Inventory, label: str) -> None:
        """Forget files that are gone, so the memo never outgrows the content."""
        present = {(f.kind, f"{label}/{f.rel}") for f in inventory.files}
        for key in [k for k in self.entries if k not in present]:
            del self.entries[key]
        paths = {path for _, path in present}
        for path in [p for p in self.items if p not in paths]:
            del self.items[path]


def load_content(content_dir: Path, memo: ParseMemo | None = None, inventory: Inventory | None = None) -> RawContent:
    """Read every content file the reader lists; collect reading problems instead of stopping at the first."""
    if not content_dir.is_dir():
        raise UsageError(f"找不到内容文件夹 {content_dir}；请用 --content 指明，或在网站文件夹里运行")
    inventory = inventory or scan_content(content_dir)
    memo = memo if memo is not None else ParseMemo()
    label = content_dir.name
    problems: list[Problem] = list(inventory.problems)
    site = None
    records: dict[str, list[RawRecord]] = {kind: [] for kind in RECORD_TYPES}
    stories: list[RawStory] = []
    unreadable = set()
    for file in inventory.files:
        path = f"{label}/{file.rel}"
        if file.kind == "site":
            data, found = memo.get(file, path, _site_of)
            problems += found
            if data is not None:
                site = RawRecord("site", path, getattr(data[0], "line", 1), data[0])
        elif file.kind in RECORD_TYPES:
            (ok, raws), found = memo.get(file, path,
                                         lambda f, p, probs, k=file.kind: _records_of(k, f, p, probs, memo.items))
            problems += found
            records[file.kind].extend(raws)
            if not ok:
                unreadable.add(file.kind)
        elif file.kind == "story":
            story, found = memo.get(file, path, _story_of)
            problems += found
            if story is not None:
                stories.append(story)
    if site is None and not any(p.path == f"{label}/site.yaml" for p in problems):
        problems.append(Problem(f"{label}/site.yaml", 0, "", "缺少 site.yaml：请先写网站设置（title、base_url、campaign）"))
    memo.keep_only(inventory, label)
    assets = frozenset(f.rel.removeprefix("assets/") for f in inventory.of_kind("asset"))
    return RawContent(content_dir, site, records, stories, assets, problems, frozenset(unreadable))


def _site_of(file: InputFile, path: str, problems: list[Problem]) -> tuple[Any] | None:
    text = read_text(file.path, path, problems)
    ok, data = _parse(text, path, problems) if text is not None else (False, None)
    return (data,) if ok else None
