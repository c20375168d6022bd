"""The one exception family: every user-facing failure, with its exit code."""

from __future__ import annotations

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


class UnsafeSvg(ValueError):
    """An SVG that could run script or load another document once published; `reason` and `hint` in Chinese."""

    def __init__(self, reason: str, hint: str = "请在绘图软件里删掉这部分后重新导出，或换成 PNG 图片") -> None:
        self.reason = reason
        self.hint = hint
        super().__init__(reason)


class OutputNotWritten(GongjianError):
    """The new output could not be written (disk full, read-only folder…); the previous output is as it was."""
