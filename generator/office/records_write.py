"""Write records into content/ as YAML: in place where they already live, diff-friendly, all or nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from generator.content.journal import CommitError, commit
from generator.content.load import LineList, LineMap, RawContent, RawRecord, parse_yaml, read_text
from generator.content.reader import RECORD_TYPES
from generator.errors import ImportProblems, Problem
from generator.model.validate import plain

DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
NEW_FILE_HEAD = "# 由 gongjian import 从表格导入；可以直接修改，再次导入同一编号的记录会在原处更新。\n"


class _Dumper(yaml.SafeDumper):
    """Block YAML as people write it: dates unquoted, short lists on one line, paragraphs as blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if DATE_TEXT.fullmatch(value):
        return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    simple = all(isinstance(v, (str, int, float)) and "\n" not in str(v) for v in value)
    short = sum(len(str(v)) + 2 for v in value) <= 80
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=bool(value) and simple and short)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def dump(data: Any) -> str:
    """Return records (a list) or one record as block YAML."""
    return yaml.dump(plain(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def record_data(data: LineMap) -> dict[str, Any]:
    """Return a raw record as it is written to a file: plain data, empty fields left out."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if v is not None and v != [] and v != {}}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    result: dict[str, Any] = strip(plain(data))
    free: dict[str, Any] = {k: result.pop(k) for k in ("extra", "internal") if k in result}
    return {**result, **free}  # free-form fields last, as in the docs


def canonical(value: Any) -> Any:
    """Return a value in the form compared for “unchanged”: 100, 100.0 and, in a text field, "100" are one value.

    Both sides have passed validation, so a number and its digits can only meet in a text field (group: 1).
    """
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Tally:
    """How many records of one kind were added, updated and left as they were."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class WritePlan:
    """New text per file, and the tally per record kind."""

    files: Mapping[Path, str]
    tallies: Mapping[str, Tally]
    notes: tuple[str, ...] = ()  # what the import did beyond the tally: ids it generated, records it replaced


def _file_of(raw: RawRecord, content_dir: Path) -> Path:
    return content_dir / Path(raw.path).relative_to(content_dir.name)


def plan_records(content: RawContent, incoming: Mapping[str, Sequence[RawRecord]],
                 group_of: Callable[[str, dict[str, Any]], str], moved: Collection[tuple[str, str]] = ()) -> WritePlan:
    """Plan where each incoming record goes: replaced in its file, left alone, or added to content/<kind>/<group>.yaml.

    A (kind, id) in `moved` replaces another unit's record: it leaves that unit's file and joins its own.
    """
    replace: dict[Path, dict[int, dict[str, Any] | None]] = {}
    add: dict[Path, list[dict[str, Any]]] = {}
    tallies = {}
    for kind in RECORD_TYPES:
        where: dict[str, tuple[Path, int, Any]] = {}
        position: dict[Path, int] = {}
        for raw in content.records[kind]:
            file = _file_of(raw, content.root)
            index = position.get(file, 0)
            position[file] = index + 1
            rid = raw.data.get("id") if isinstance(raw.data, dict) else None
            if isinstance(rid, str):
                where.setdefault(rid, (file, index, raw.data))
        added = updated = unchanged = 0
        for raw in incoming.get(kind, ()):
            record = record_data(raw.data)
            found = where.get(str(record.get("id")))
            if found is not None and (kind, str(record.get("id"))) in moved:
                replace.setdefault(found[0], {})[found[1]] = None
                add.setdefault(content.root / kind / f"{group_of(kind, record)}.yaml", []).append(record)
                updated += 1
            elif found is None:
                add.setdefault(content.root / kind / f"{group_of(kind, record)}.yaml", []).append(record)
                added += 1
            elif canonical(plain(found[2])) == canonical(record):
                unchanged += 1
            else:
                replace.setdefault(found[0], {})[found[1]] = record
                updated += 1
        tallies[kind] = Tally(added, updated, unchanged)
    files = {}
    for file in sorted(set(replace) | set(add)):
        additions = sorted(add.get(file, []), key=lambda r: str(r.get("id")))
        files[file] = edit_file(file, replace.get(file, {}), additions)
    return WritePlan(files, tallies)


def _parse(text: str, file: Path) -> Any:
    problems: list[Problem] = []
    data = parse_yaml(text, str(file), problems)
    if problems:
        raise ImportProblems([str(p) for p in problems])
    return data


def _records(data: Any) -> list[Any]:
    if data is None:
        return []
    return [plain(x) for x in data] if isinstance(data, list) else [plain(data)]


def _in_place(text: str, data: Any, replacements: Mapping[int, dict[str, Any] | None],
              additions: Sequence[dict[str, Any]]) -> str | None:
    """Return `text` with records replaced and added, every other line (comments too) kept; None if unsafe."""
    if data is None:
        return text.rstrip("\n") + ("\n" if text.strip() else "") + dump(additions) if additions else text
    if isinstance(data, LineMap):
        new = replacements.get(0)
        return dump(new) if new is not None and not additions else None
    assert isinstance(data, LineList)
    lines = text.split("\n")
    starts = data.item_lines
    if any(not lines[n - 1].startswith("-") for n in starts) or len(set(starts)) != len(starts):
        return None  # not a block list at the left margin (a flow list, say): rewrite the whole file
    for index in sorted(replacements, reverse=True):
        start = starts[index] - 1
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1  # comments and blank lines before the next record stay
        new = replacements[index]
        lines[start:end] = dump([new]).rstrip("\n").split("\n") if new is not None else []
    result = "\n".join(lines)
    if additions:
        result = result.rstrip("\n") + "\n" + dump(additions)
    return result if result.endswith("\n") else result + "\n"


def edit_file(file: Path, replacements: Mapping[int, dict[str, Any] | None], additions: Sequence[dict[str, Any]]) -> str:
    """Return the new text of `file`, checked by reading it back."""
    problems: list[Problem] = []
    text = read_text(file, str(file), problems) if file.exists() else None
    if problems:
        raise ImportProblems([str(p) for p in problems])
    if text is None:
        return NEW_FILE_HEAD + dump(list(additions))
    data = _parse(text, file)
    old = _records(data)
    kept = [replacements.get(i, r) for i, r in enumerate(old)]  # None: moved to another unit's file
    expected = [r for r in kept if r is not None] + list(additions)
    candidate = _in_place(text, data, replacements, additions)
    if candidate is not None and canonical(_records(_parse(candidate, file))) == canonical(expected):
        return candidate
    return dump(expected)  # the file's comments are lost, its records are not


def write_files(content_dir: Path, files: Mapping[Path, str]) -> None:
    """Write every file or none (journal.commit: one staged folder, a journal, then the renames)."""
    try:
        commit(content_dir, files)
    except CommitError as error:
        reason = error.error.strerror or str(error.error)
        if error.committed:
            raise ImportProblems([f"{error.path}: 无法写入（{reason}）；导入已记下，改正后运行 gongjian check "
                                  "会补完它"]) from error
        raise ImportProblems([f"{error.path}: 无法写入（{reason}）；content/ 没有任何改动"]) from error
