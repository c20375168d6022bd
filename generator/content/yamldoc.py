"""Build line-aware YAML documents straight from libyaml's events, and split ledgers into items.

`parse_document` gives exactly what the reader's PyYAML loader gives (same values,
same types, same lines, same duplicate keys) for the documents real content is made
of, several times faster: one loop over libyaml's events with an explicit stack, no
node tree and no Python call chain per scalar. Anything it does not reproduce itself
(tags, anchors, merge keys, complex keys) raises `NeedsFullLoader`, and the caller
runs the full loader. Syntax errors and the loader's refusals (aliases, nesting deeper
than MAX_DEPTH, several documents) raise the same `yaml.YAMLError` as the loader would.

`split_items` cuts a ledger (a top-level list whose items start with a column-0
"- ") into items, and `parse_ledger` reads it item by item through a function
given by the caller (the build's per-item query, so that an edit parses one item
again), placing each at its lines (`ParsedItem.at`).

The line-aware containers (`LineMap`, `LineList`) are defined here, and the reader's
loader (content/load.py) builds the same ones: load imports this module, never the
other way round.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from generator.content.yaml_errors import MAX_DEPTH, AliasRefused, TooDeep

_C_PARSER: type[Any] | None
try:
    from yaml._yaml import CParser as _C_PARSER
except ImportError:  # PyYAML built without libyaml: the reader's own loader does all the work
    _C_PARSER = None


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


_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


class NeedsFullLoader(yaml.YAMLError):
    """The document uses YAML this fast path leaves to the full loader (tags, anchors, merge keys...)."""


@dataclass(frozen=True)
class ParsedDocument:
    """One parsed document and the duplicate keys met in it, as (line, key) in document order."""

    data: Any
    duplicates: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ParsedItem:
    """One top-level list item, as placed `offset` lines below the top of a file (0: the item text alone).

    Every line in it is the line within the item text plus `offset`. `at` places it
    elsewhere; the data are shared, never changed, so treat them as read-only.
    """

    data: Any
    line: int
    """Line of the item's node: its "- " line, or a later one when the item starts below the dash."""
    duplicates: tuple[tuple[int, str], ...]
    offset: int = 0

    def at(self, offset: int) -> ParsedItem:
        """Return this item placed `offset` lines down: itself if it is there already, else a shifted copy."""
        if offset == self.offset:
            return self
        delta = offset - self.offset
        return ParsedItem(
            shifted(self.data, delta), self.line + delta, tuple((line + delta, key) for line, key in self.duplicates), offset
        )


_TAG = "tag:yaml.org,2002:"
_BOOL, _NULL, _INT, _FLOAT, _TIMESTAMP = (_TAG + t for t in ("bool", "null", "int", "float", "timestamp"))
_BOOL_VALUES: dict[str, bool] = SafeConstructor.bool_values


def _resolve_plain(text: str) -> Any:
    """Read a plain scalar as the reader's loader does: YAML 1.1 resolution, strict numbers, dates as text."""
    resolvers = Resolver.yaml_implicit_resolvers
    first = text[:1]
    if first not in resolvers and None not in resolvers:
        return text  # most text: no resolver starts with its first character (a letter, a Chinese character)
    candidates = resolvers.get(first, []) + resolvers.get(None, [])
    tag = next((tag for tag, regexp in candidates if regexp.match(text)), None)
    if tag is None or tag == _TIMESTAMP:
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _BOOL_VALUES[text.lower()]
    if tag == _INT:
        return int(text) if _DECIMAL_INT.fullmatch(text) else text
    if tag == _FLOAT:
        if not _DECIMAL_FLOAT.fullmatch(text):
            return text
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    raise NeedsFullLoader(f"plain scalar resolves to {tag}")  # merge (<<), value (=) and the like


_NO_KEY: Any = object()


def parse_document(text: str) -> ParsedDocument:
    """Parse one YAML document into LineMap/LineList/scalars; raise yaml.YAMLError (NeedsFullLoader included)."""
    if _C_PARSER is None:
        raise NeedsFullLoader("libyaml is not available")
    parser = _C_PARSER(text)
    try:
        return _build(parser)
    finally:
        parser.dispose()


def _build(parser: Any) -> ParsedDocument:
    """Consume every event of `parser` (as the loader does) and build the document.

    The open collection lives in locals and its parents on `stack`, so nesting
    costs no recursion. A value under a duplicate key is built but not kept, and
    duplicates inside it are not reported: the loader never constructs it.
    """
    get_event = parser.get_event
    scalar_event, seq_start, map_start = yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent
    seq_end, map_end = yaml.SequenceEndEvent, yaml.MappingEndEvent
    plain: dict[str, Any] = {}  # plain scalar text -> value: ledgers repeat dates, units and numbers
    duplicates: list[tuple[int, str]] = []
    stack: list[tuple[Any, Any, bool, bool]] = []
    root: Any = None
    container: Any = None  # the open LineMap or LineList; None before the root
    lines: Any = None  # its key_lines or item_lines
    is_map = False
    keep = True  # False inside the value of a duplicate key
    key: Any = _NO_KEY  # the open mapping's key waiting for its value
    key_line = 0
    documents = 0
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event or kind is seq_start or kind is map_start:
            # Same refusals, in the same event order, as the reader's composer.
            if len(stack) >= MAX_DEPTH:
                raise TooDeep(None, None, "too deep", event.start_mark)
            if event.anchor is not None or event.tag is not None:
                raise NeedsFullLoader("anchor or tag")
            if kind is scalar_event:
                value = event.value
                if event.implicit[0]:
                    known = plain.get(value, _NO_KEY)
                    value = plain.setdefault(value, _resolve_plain(value)) if known is _NO_KEY else known
                if is_map:
                    if key is _NO_KEY:
                        key = value if type(value) is str else str(value)
                        key_line = event.start_mark.line + 1
                        if keep and key in container:
                            duplicates.append((key_line, key))
                        continue
                    if key not in container:  # the first value of a key wins
                        container[key] = value
                        lines[key] = key_line
                        if value is not None and event.start_mark.line + 1 != key_line:  # written below its key
                            container.value_lines = {**container.value_lines, key: event.start_mark.line + 1}
                    key = _NO_KEY
                elif container is not None:
                    container.append(value)
                    lines.append(event.start_mark.line + 1)
                else:
                    root = value
                continue
            line = event.start_mark.line + 1
            new: Any
            new_lines: Any
            if kind is map_start:
                new, new_lines = LineMap(), {}
                new.key_lines = new_lines
            else:
                new, new_lines = LineList(), []
                new.item_lines = new_lines
            new.line = line
            stack.append((container, lines, is_map, keep))
            if is_map:
                if key is _NO_KEY:
                    raise NeedsFullLoader("complex key")
                if key in container:
                    keep = False
                else:
                    container[key] = new
                    lines[key] = key_line
                key = _NO_KEY
            elif container is not None:
                container.append(new)
                lines.append(line)
            else:
                root = new
            container, lines, is_map = new, new_lines, kind is map_start
        elif kind is seq_end or kind is map_end:
            container, lines, is_map, keep = stack.pop()
        elif kind is yaml.AliasEvent:
            raise AliasRefused(None, None, "alias", event.start_mark)
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise ComposerError(None, None, "expected a single document in the stream", event.start_mark)
        elif kind is yaml.StreamEndEvent:
            return ParsedDocument(root, tuple(duplicates))


_ITEM_START = re.compile(r"^-(?: |$)", re.MULTILINE)
_NOT_LEDGER = re.compile(r"^(?:[^ \n#-]|-(?! |$))", re.MULTILINE)  # anything else at column 0
_CONTENT = re.compile(r"^ *[^ \n#]", re.MULTILINE)


def split_items(text: str) -> list[tuple[int, str]] | None:
    """Cut a top-level block list at its column-0 "- " lines: [(first line, item text)], or None if unsure.

    Only lines that begin with "- ", are "-" alone, are indented with spaces, are
    comments or are blank may appear, and only comments and blank lines before
    the first item; anything else at column 0 (a key, "---", "...", a directive,
    a tab) means the file is not a plain ledger. A quoted text or flow collection
    that runs over a "- " line is caught by `parse_ledger`, which then says None.
    """
    starts = [match.start() for match in _ITEM_START.finditer(text)]
    if not starts or _NOT_LEDGER.search(text) or _CONTENT.search(text, 0, starts[0]):
        return None
    ends = [*starts[1:], len(text)]
    items = []
    line = text.count("\n", 0, starts[0]) + 1
    for start, end in zip(starts, ends, strict=True):
        items.append((line, text[start:end]))
        line += text.count("\n", start, end)
    return items


def parse_item(item_text: str) -> ParsedItem:
    """Parse one item text from `split_items` (offset 0); raise yaml.YAMLError as parse_document does."""
    document = parse_document(item_text)
    data = document.data
    if not isinstance(data, LineList) or len(data) != 1:
        raise NeedsFullLoader("not a single list item")  # cannot happen for split_items output
    return ParsedItem(data[0], data.item_lines[0], document.duplicates)


def shifted(data: Any, delta: int) -> Any:
    """Return a copy of `data` with every line moved down by `delta` (scalars are shared)."""
    if type(data) not in _COLLECTIONS:
        return data
    top = _shifted_copy(data, delta)
    stack = [top]
    while stack:
        node = stack.pop()
        for place, value in node.items() if type(node) is LineMap else enumerate(node):
            if type(value) in _COLLECTIONS:
                node[place] = copy = _shifted_copy(value, delta)  # replacing a value while iterating is safe
                stack.append(copy)
    return top


_COLLECTIONS = (LineMap, LineList)


def _shifted_copy(node: Any, delta: int) -> Any:
    copy: Any
    add = delta.__add__
    if type(node) is LineMap:
        copy = LineMap(node)
        copy.key_lines = dict(zip(node.key_lines, map(add, node.key_lines.values()), strict=True))
        if node.value_lines:
            copy.value_lines = {key: line + delta for key, line in node.value_lines.items()}
    else:
        copy = LineList(node)
        copy.item_lines = list(map(add, node.item_lines))
    copy.line = node.line + delta
    return copy


def placed_item(item_text: str, offset: int) -> ParsedItem | None:
    """Parse one item text and place it `offset` lines down; None when it is not plain YAML on its own."""
    try:
        return parse_item(item_text).at(offset)
    except yaml.YAMLError:
        return None


ItemParser = Callable[[str, int], "ParsedItem | None"]


def parse_ledger(text: str, item: ItemParser = placed_item) -> ParsedDocument | None:
    """Parse a ledger item by item with `item(item text, offset)`; None when it must be parsed whole.

    The document equals `parse_document(text)`. `item` is `placed_item` or the build's
    query of it (one item parsed once per version of its text and place). None means:
    not a plain ledger, or an item that is not plain YAML on its own (an error, an alias,
    a quoted text running over a "- " line); parse the whole text, which also gives the
    right message.
    """
    items = split_items(text)
    if items is None:
        return None
    data = LineList()
    data.line = items[0][0]
    data.item_lines = []
    duplicates: list[tuple[int, str]] = []
    for first_line, item_text in items:
        parsed = item(item_text, first_line - 1)
        if parsed is None:
            return None
        data.append(parsed.data)
        data.item_lines.append(parsed.line)
        duplicates.extend(parsed.duplicates)
    return ParsedDocument(data, tuple(duplicates))
