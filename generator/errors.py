"""The one exception family: every user-facing failure, with its exit code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, located as `path:line: field: message`."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        location = f"{self.path}:{self.line}" if self.line else self.path
        if self.field:
            return f"{location}: {self.field}: {self.message}"
        return f"{location}: {self.message}"


NOTES_APART = 5
"""Up to this many notes of one kind in one file are shown one a line; more become one line with a count."""
LINES_NAMED = 3
"""How many line numbers a grouped note names before its “……”."""


def note_lines(notes: Sequence[Problem], verbose: bool = False) -> list[str]:
    """Return the notes as text, grouping more than NOTES_APART of one kind in one file into one line (unless verbose).

    A group keeps the place of its first note, so the order stays that of the files.
    """
    groups: dict[tuple[str, str, str], list[Problem]] = {}
    for note in notes:
        groups.setdefault((note.path, note.field, note.message) if note.line else (note.path, "", str(note)), []).append(note)
    lines: list[str] = []
    for (path, field, message), group in groups.items():
        if verbose or len(group) <= NOTES_APART:
            lines.extend(str(note) for note in group)
            continue
        named = "、".join(str(note.line) for note in group[:LINES_NAMED])
        where = f"{path}: {field}: " if field else f"{path}: "
        lines.append(f"{where}{len(group):,} 条记录{message}（第 {named} 行……）")
    return lines


def notes_grouped(notes: Sequence[Problem]) -> bool:
    """Return whether note_lines would group some of these notes."""
    return len(note_lines(notes)) < len(notes)


class GongjianError(Exception):
    """Base of every error the CLI shows to the user without a traceback."""

    exit_code = 1

    def lines(self) -> list[str]:
        """Return the text to show, one line each."""
        return [str(self)]


class ContentError(GongjianError):
    """The content has one or more problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(dict.fromkeys(problems), key=_problem_order)
        super().__init__(f"{len(self.problems)} 个问题")

    def lines(self) -> list[str]:
        """Return every problem, then a count."""
        return [str(p) for p in self.problems] + [
            f"共 {len(self.problems)} 个问题，请逐条修改后再试。"
        ]


class StrictNotes(ContentError):
    """--strict was given and the content has notes: they fail like problems, grouped as the notes are."""

    def lines(self, verbose: bool = False) -> list[str]:
        """Return the notes (grouped unless verbose), then a count."""
        more = "；同一文件里的同类问题合并为一行，加 --verbose 逐条列出" if not verbose and notes_grouped(self.problems) else ""
        return [*note_lines(self.problems, verbose),
                f"共 {len(self.problems):,} 个问题（加了 --strict，提示按错误处理），请逐条修改后再试{more}。"]


class UsageError(GongjianError):
    """A command-line argument cannot be used (bad --out, missing folder…)."""

    exit_code = 2


class TemplateProblem(GongjianError):
    """A template failed to render: names the template, line and what it asked for."""


def _problem_order(p: Problem) -> tuple[str, int]:
    # Stable sort: problems on one line keep the order they were found in.
    return (p.path, p.line)


class ImportProblems(GongjianError):
    """Workbooks cannot be imported: every problem located by sheet and cell; content/ was not changed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} 个问题")

    def lines(self) -> list[str]:
        """Return every problem in sheet and cell order, then a count."""
        return [*self.problems, f"共 {len(self.problems)} 个问题，请改正表格后再导入；content/ 没有任何改动。"]


class DocumentRefused(GongjianError):
    """A Word document cannot be imported (not a .docx, encrypted, or its story exists); nothing was written."""


class UnsafeSvg(ValueError):
    """An SVG that could run script or load another document once published; `reason` and `hint` in Chinese."""

    def __init__(self, reason: str, hint: str = "请在绘图软件里删掉这部分后重新导出，或换成 PNG 图片") -> None:
        self.reason = reason
        self.hint = hint
        super().__init__(reason)


class OutputNotWritten(GongjianError):
    """The new output could not be written (disk full, read-only folder…); the previous output is as it was."""


class Superseded(Exception):
    """A preview's build was overtaken by a newer save (or the preview stops): what it was making is dropped.

    Not a GongjianError: the engine must not remember it as a query's value.
    """
