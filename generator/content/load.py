"""Read content/ into raw documents that remember the line of every key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from generator.content import yamldoc
from generator.content.reader import RECORD_TYPES, Inventory, scan_content
from generator.content.yaml_errors import MAX_DEPTH, AliasRefused, TooDeep, explain_yaml_error
from generator.content.yamldoc import _DECIMAL_FLOAT, _DECIMAL_INT, LineList, LineMap

__all__ = ["LineList", "LineMap", "RawContent", "RawRecord", "RawStory", "load_content", "parse_yaml", "read_text"]
from generator.errors import Problem, UsageError


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
            problems.append(Problem(path, line + line_offset, key, DUPLICATE_KEY))
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
            problems.append(Problem(path, line + line_offset, key, DUPLICATE_KEY))
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


DUPLICATE_KEY = "同一处重复写了这个字段；请删掉多余的一行"


def records_of_text(kind: str, text: str, path: str, problems: list[Problem],
                    document: yamldoc.ParsedDocument | None = None) -> tuple[bool, list[RawRecord]]:
    """Return whether a record file's text could be read, and its records.

    `document` is the text already parsed (a ledger read item by item); without it the
    text is parsed whole.
    """
    if document is not None:
        problems.extend(Problem(path, line, key, DUPLICATE_KEY) for line, key in document.duplicates)
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


def story_of_text(text: str, path: str, slug: str, problems: list[Problem]) -> RawStory | None:
    """Split a story file's text into its front matter and body; None (the problem added) when it cannot be."""
    split = split_front_matter(text, path, problems)
    if split is None:
        return None
    front, body = split
    return RawStory(path, slug, 1, front, body, text.count("\n", 0, len(text) - len(body)) + 1)


def site_of_text(text: str, path: str, problems: list[Problem]) -> RawRecord | None:
    """Parse site.yaml; None (the problem added) when it cannot be parsed."""
    ok, data = _parse(text, path, problems)
    return RawRecord("site", path, getattr(data, "line", 1), data) if ok else None


def missing_site(label: str, problems: list[Problem]) -> list[Problem]:
    """Return the problem of a missing site.yaml, unless one about site.yaml was already met."""
    if any(p.path == f"{label}/site.yaml" for p in problems):
        return []
    return [Problem(f"{label}/site.yaml", 0, "", "缺少 site.yaml：请先写网站设置（title、base_url、campaign）")]


def check_folder(content_dir: Path) -> None:
    """Refuse a content folder that is not there."""
    if not content_dir.is_dir():
        raise UsageError(f"找不到内容文件夹 {content_dir}；请用 --content 指明，或在网站文件夹里运行")


def load_content(content_dir: Path, inventory: Inventory | None = None) -> RawContent:
    """Read every content file the reader lists; collect reading problems instead of stopping at the first."""
    check_folder(content_dir)
    inventory = inventory or scan_content(content_dir)
    label = content_dir.name
    problems: list[Problem] = list(inventory.problems)
    site = None
    records: dict[str, list[RawRecord]] = {kind: [] for kind in RECORD_TYPES}
    stories: list[RawStory] = []
    unreadable = set()
    for file in inventory.files:
        path = f"{label}/{file.rel}"
        if file.kind not in ("site", "story", *RECORD_TYPES):
            continue
        text = read_text(file.path, path, problems)
        if file.kind == "site":
            site = site_of_text(text, path, problems) if text is not None else None
        elif file.kind == "story":
            story = story_of_text(text, path, file.path.stem, problems) if text is not None else None
            if story is not None:
                stories.append(story)
        else:
            ok, raws = records_of_text(file.kind, text, path, problems) if text is not None else (False, [])
            records[file.kind].extend(raws)
            if not ok:
                unreadable.add(file.kind)
    if site is None:
        problems += missing_site(label, problems)
    assets = frozenset(f.rel.removeprefix("assets/") for f in inventory.of_kind("asset"))
    return RawContent(content_dir, site, records, stories, assets, problems, frozenset(unreadable))
