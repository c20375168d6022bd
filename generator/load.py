"""Read content/ into raw documents that remember the line of every key."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, SequenceNode

from generator.errors import Problem, UsageError

RECORD_TYPES = ("units", "branches", "villages", "activities", "inspections")


class LineMap(dict[str, Any]):
    """A YAML mapping that knows its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]


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


@dataclass(frozen=True)
class RawContent:
    """Everything read from content/, plus the problems met while reading."""

    root: Path
    site: RawRecord | None
    records: dict[str, list[RawRecord]]
    stories: list[RawStory]
    assets: frozenset[str]
    problems: list[Problem] = field(default_factory=list)


class _AliasRefused(yaml.MarkedYAMLError):
    """Aliases are refused outright: they are how YAML bombs are built."""


# libyaml's parser is about ten times faster than the pure-Python one; the
# constructors below stay in Python either way.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe loader that keeps line numbers and reports duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_line_map(self, node: MappingNode) -> Any:
        data = LineMap()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            key = key if isinstance(key, str) else str(key)
            line = key_node.start_mark.line + 1
            if key in data:
                self.duplicates.append((line, key))
                continue
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = line

    def construct_line_list(self, node: SequenceNode) -> Any:
        data = LineList()
        data.line = node.start_mark.line + 1
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield data
        data.extend(self.construct_object(child, deep=True) for child in node.value)

    def construct_plain_date(self, node: yaml.ScalarNode) -> str:
        # Dates stay text here: the validator parses them strictly and can say
        # what is wrong with 2017-13-01, where PyYAML would raise a ValueError.
        return str(self.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_line_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_line_list)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_plain_date)


_YAML_MESSAGES = (
    # Matched against "context problem" of libyaml's and PyYAML's errors; first match wins.
    ("tab character", "这里有制表符(Tab);YAML 只能用空格缩进,请把 Tab 换成空格"),
    ("cannot start any token", "这里有制表符(Tab)或不能开头的字符;YAML 只能用空格缩进,请把 Tab 换成空格"),
    ("mapping values are not allowed", "这里不能出现冒号“:”;值里含冒号时请给整个值加引号,或检查缩进"),
    ("could not find expected ':'", "缺少冒号“:”;每个字段应写成“字段: 值”"),
    ("expected ',' or ']'", "方括号列表 [ ] 没有正确结束:请检查逗号和右括号“]”"),
    ("expected ',' or '}'", "花括号 { } 没有正确结束:请检查逗号和右括号“}”"),
    ("expected <block end>", "缩进不一致:同一层的字段要左对齐,列表项以“- ”开头"),
    ("did not find expected '-'", "列表缩进不一致:同一列表的各项要以“- ”左对齐"),
    ("did not find expected key", "缩进不一致或缺少冒号:请检查这一行与上一行"),
    ("quoted scalar found unexpected end", "引号没有配对:请补上结尾的引号"),
    ("found unexpected end of stream", "文件意外结束:可能少了右引号或右括号"),
    ("found unknown escape character", "双引号里有无法识别的反斜杠转义;请改用单引号或去掉反斜杠"),
    ("could not determine a constructor", "不支持这种 YAML 标签(如 !!python):出于安全考虑,只能写普通的文字、数字、列表和字段"),
    ("expected a single document", "一个文件里只能有一份 YAML 文档(不要用多个 --- 分隔)"),
)


def _yaml_problem(path: str, error: yaml.YAMLError, line_offset: int) -> Problem:
    """Translate a PyYAML error into a plain-Chinese problem at its line."""
    if isinstance(error, _AliasRefused):
        mark = error.problem_mark
        text = "不支持 YAML 别名(*名字)与锚点:请把内容直接写出来"
    elif isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        raw = f"{error.context or ''} {error.problem or ''}"
        text = next((zh for key, zh in _YAML_MESSAGES if key in raw), None) or (
            f"YAML 格式错误({(error.problem or error.context or '').strip()})"
        )
    else:
        mark, text = None, f"YAML 格式错误({error})"
    line = (mark.line + 1 if mark is not None else 1) + line_offset
    return Problem(path, line, "", text)


def _refuse_aliases(root: yaml.Node) -> None:
    """Raise at the first node reached twice: an alias (the composer shares, never copies, them)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, yaml.Node]] = [(root, root)]
    while stack:
        node, parent = stack.pop()
        if id(node) in seen:
            raise _AliasRefused(None, None, "alias", parent.start_mark)
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend((child, node) for child in reversed(node.value))
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack.extend(((value, node), (key, node)))


def parse_yaml(text: str, path: str, problems: list[Problem], line_offset: int = 0) -> Any:
    """Parse one YAML document safely; add any problem to `problems` and return None then."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _refuse_aliases(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        problems.append(_yaml_problem(path, error, line_offset))
        return None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        problems.append(
            Problem(path, line + line_offset, key, "同一处重复写了这个字段;请删掉多余的一行")
        )
    _shift_lines(data, line_offset)
    return data


def _shift_lines(data: Any, offset: int) -> None:
    if not offset:
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, LineMap):
            item.line += offset
            item.key_lines = {k: v + offset for k, v in item.key_lines.items()}
            stack.extend(item.values())
        elif isinstance(item, LineList):
            item.line += offset
            item.item_lines = [v + offset for v in item.item_lines]
            stack.extend(item)


def read_text(file: Path, path: str, problems: list[Problem]) -> str | None:
    """Read a UTF-8 file (a BOM is fine, CRLF becomes LF); explain other encodings."""
    data = file.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        hint = "请用“另存为”选择 UTF-8 编码后保存"
        try:
            data.decode("gb18030")
            message = f"文件不是 UTF-8 编码(看起来是 Windows 常用的 GBK/GB18030);{hint}"
        except UnicodeDecodeError:
            message = f"文件不是 UTF-8 编码;{hint}"
        problems.append(Problem(path, line, "", message))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _display(file: Path, content_dir: Path) -> str:
    return (Path(content_dir.name) / file.relative_to(content_dir)).as_posix()


def _yaml_files(content_dir: Path, kind: str) -> list[Path]:
    files = []
    single = content_dir / f"{kind}.yaml"
    if single.is_file():
        files.append(single)
    folder = content_dir / kind
    if folder.is_dir():
        files.extend(sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
    return files


def _records_of(kind: str, file: Path, content_dir: Path, problems: list[Problem]) -> list[RawRecord]:
    path = _display(file, content_dir)
    text = read_text(file, path, problems)
    if text is None:
        return []
    data = parse_yaml(text, path, problems)
    if data is None:
        return []
    if isinstance(data, LineList):
        return [RawRecord(kind, path, line, item) for item, line in zip(data, data.item_lines, strict=True)]
    if isinstance(data, LineMap):
        return [RawRecord(kind, path, data.line, data)]
    problems.append(Problem(path, 1, "", "文件内容应是记录列表(每条以“- ”开头)或一条记录"))
    return []


def split_front_matter(text: str, path: str, problems: list[Problem]) -> tuple[Any, str] | None:
    """Split `---` YAML front matter from the Markdown body of a story."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(path, 1, "", "缺少开头的 front matter:文件第一行应为 ---,随后写 title、date 等字段,再以 --- 结束")
        )
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            front_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            front = parse_yaml(front_text, path, problems, line_offset=1)
            return front, body
    problems.append(Problem(path, 1, "", "front matter 没有结束:请在字段之后加一行 ---"))
    return None


def _story_of(file: Path, content_dir: Path, problems: list[Problem]) -> RawStory | None:
    path = _display(file, content_dir)
    text = read_text(file, path, problems)
    if text is None:
        return None
    split = split_front_matter(text, path, problems)
    if split is None:
        return None
    front, body = split
    return RawStory(path, file.stem, 1, front, body)


def _list_assets(content_dir: Path, problems: list[Problem]) -> frozenset[str]:
    assets_dir = content_dir / "assets"
    if not assets_dir.is_dir():
        return frozenset()
    root = content_dir.resolve()
    found = set()
    for dirpath, dirnames, filenames in os.walk(assets_dir, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames) + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            file = Path(dirpath) / name
            if not file.resolve().is_relative_to(root):
                problems.append(
                    Problem(_display(file, content_dir), 0, "", "这是指向 content/ 以外的链接,不会发布;请把文件本身放进 assets/")
                )
                continue
            if file.is_file():
                found.add(file.relative_to(assets_dir).as_posix())
    return frozenset(found)


def load_content(content_dir: Path) -> RawContent:
    """Read every content file; collect reading problems instead of stopping at the first."""
    if not content_dir.is_dir():
        raise UsageError(f"找不到内容文件夹 {content_dir};请用 --content 指明,或在网站文件夹里运行")
    problems: list[Problem] = []
    site = None
    site_file = content_dir / "site.yaml"
    if site_file.is_file():
        path = _display(site_file, content_dir)
        text = read_text(site_file, path, problems)
        data = parse_yaml(text, path, problems) if text is not None else None
        site = RawRecord("site", path, getattr(data, "line", 1), data)
    else:
        problems.append(
            Problem(f"{content_dir.name}/site.yaml", 0, "", "缺少 site.yaml:请先写网站设置(title、base_url、campaign)")
        )
    records = {
        kind: [r for f in _yaml_files(content_dir, kind) for r in _records_of(kind, f, content_dir, problems)]
        for kind in RECORD_TYPES
    }
    stories_dir = content_dir / "stories"
    stories = []
    if stories_dir.is_dir():
        for file in sorted(stories_dir.glob("*.md")):
            story = _story_of(file, content_dir, problems)
            if story is not None:
                stories.append(story)
    assets = _list_assets(content_dir, problems)
    return RawContent(content_dir, site, records, stories, assets, problems)
