"""argparse in Chinese: headings, the help option and the error messages a user can meet.

argparse writes its own words in English (usage:, options:, “show this help message
and exit”, “the following arguments are required”). A parser class and a formatter
replace each of them; errors are matched by their fixed English wording, which the
standard library keeps stable, and anything unmatched is still shown in full.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Iterable
from typing import Any, NoReturn

_TYPES = {"int": "整数", "float": "数字"}

# (argparse's message, its Chinese; groups are reused in order). Checked top to bottom.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.S), zh) for p, zh in (
    (r"the following arguments are required: (.*)", "缺少必须写的参数：{0}"),
    (r"one of the arguments (.*) is required", "以下参数必须写一个：{0}"),
    (r"unrecognized arguments: (.*)", "不认识的参数：{0}；可用 -h 查看全部参数"),
    (r"argument (\S+): invalid choice: '?(.*?)'? \(choose from (.*)\)", "{0}不能是“{1}”；可选：{2}"),
    (r"argument (\S+): invalid (\w+) value: '(.*)'", "{0} 应为{1}，这里是“{2}”"),
    (r"argument (\S+): expected one argument", "{0} 后面要写一个值"),
    (r"argument (\S+): expected at least one argument", "{0} 后面至少要写一个值"),
    (r"argument (\S+): ignored explicit argument '(.*)'", "{0} 后面不能带值“{1}”"),
    (r"argument (\S+): not allowed with argument (\S+)", "{0} 不能和 {1} 同时使用"),
    (r"ambiguous option: (\S+) could match (.*)", "选项 {0} 不明确，可能是：{1}"),
    (r"argument (\S+): (.*)", "{0}：{1}"),
))


def translate_error(message: str) -> str:
    """Return argparse's English error message in Chinese (unknown wording is kept as it is)."""
    for pattern, zh in _ERRORS:
        match = pattern.fullmatch(message.strip())
        if match is not None:
            groups = [_TYPES.get(g, g) for g in match.groups()]
            return zh.format(*(g.replace("', '", "、").strip("'") for g in groups))
    return message


def display_width(text: str) -> int:
    """Return how many terminal columns `text` takes (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Help text with “用法：” and full-width colons after headings, aligned for Chinese metavars."""

    def add_argument(self, action: argparse.Action) -> None:
        """Reserve room for the invocation by its width on screen, not its length in characters."""
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            width = display_width(self._format_action_invocation(action)) + self._current_indent
            self._action_max_length = max(self._action_max_length, width)

    def _format_action(self, action: argparse.Action) -> str:
        # argparse pads by character count; take back the extra columns the wide characters use.
        text = super()._format_action(action)
        invocation = self._format_action_invocation(action)
        extra = display_width(invocation) - len(invocation)
        if extra and (invocation + " " * (extra + 2)) in text.split("\n", 1)[0]:
            text = text.replace(invocation + " " * extra, invocation, 1)
        return text

    def format_help(self) -> str:
        """Return the help with “选项：” rather than “选项:” after each Chinese heading."""
        return re.sub(r"^([^\s].*[\u4e00-\u9fff]):$", r"\1：", super().format_help(), flags=re.M)

    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
        """Add the usage line, headed in Chinese."""
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose headings, -h option and errors are Chinese (subcommands inherit it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        add_help = kwargs.get("add_help", True)
        kwargs |= {"add_help": False, "formatter_class": kwargs.get("formatter_class", ChineseHelpFormatter)}
        super().__init__(*args, **kwargs)
        # The two default groups are made in __init__ with English titles; argparse keeps them here.
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示这段帮助并退出")

    def error(self, message: str) -> NoReturn:
        """Show the usage and the problem in Chinese, then exit with status 2."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{translate_error(message)}\n")
