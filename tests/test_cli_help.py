"""The command line and the README as a newcomer meets them: Chinese help, every option documented."""

from __future__ import annotations

import argparse
import re

import pytest

from generator.argparse_zh import display_width, translate_error
from generator.cli import _parser
from tests.conftest import REPO, run_cli

# argparse's own English words; none may reach a user.
ENGLISH = ("usage:", "options:", "optional arguments", "positional arguments", "show this help",
           "show program's version", "error:", "the following arguments", "invalid choice", "unrecognized",
           "expected one argument", "invalid int value", "choose from")


def commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every parser of the CLI by its command words, found by walking argparse's own structure."""
    found = {prefix: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= commands(sub, (*prefix, name))
    return found


ALL = commands(_parser())


def test_the_walk_finds_every_command() -> None:
    assert set(ALL) == {(), ("build",), ("check",), ("serve",), ("new",), ("new", "story"), ("template",), ("import",),
                        ("export",), ("init",)}


@pytest.mark.parametrize("words", sorted(ALL), ids=lambda w: " ".join(w) or "gongjian")
def test_help_is_all_chinese(words: tuple[str, ...]) -> None:
    result = run_cli(*words, "-h")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("用法：gongjian")
    assert "选项：" in text
    for word in ENGLISH:
        assert word not in text.lower(), word
    for action in ALL[words]._actions:
        if action.help not in (None, argparse.SUPPRESS):
            assert re.search(r"[\u4e00-\u9fff]", str(action.help)), action.option_strings or action.dest
            assert str(action.help).split("（")[0] in text  # shown, and not an English default
    # Help columns line up on screen even where metavars are Chinese (two columns a character).
    starts = {display_width(line[: m.end(2) - 1]) for line in text.splitlines()
              if (m := re.match(r"^  (-\S.*?\S)( {2,}\S)", line)) and not line.startswith("    ")}
    assert len(starts) <= 1, text


@pytest.mark.parametrize(("args", "message"), [
    ((), "gongjian：错误：缺少必须写的参数：命令"),
    (("bild",), "gongjian：错误：命令不能是“bild”；可选：build、check、serve、new、template、import、export、init"),
    (("build", "--wat"), "gongjian：错误：不认识的参数：--wat；可用 -h 查看全部参数"),
    (("serve", "--port", "x"), "gongjian serve：错误：--port 应为整数，这里是“x”"),
    (("check", "--as-of"), "gongjian check：错误：--as-of 后面要写一个值"),
    (("new", "story"), "gongjian new story：错误：缺少必须写的参数：标题"),
    (("new",), "gongjian new：错误：缺少必须写的参数：类型"),
    (("init",), "gongjian init：错误：缺少必须写的参数：文件夹"),
])
def test_usage_errors_are_chinese_with_exit_2(args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("用法：gongjian")
    assert lines[-1] == message
    for word in ENGLISH:
        assert word not in result.stderr.lower(), word


def test_unknown_wording_is_kept_rather_than_lost() -> None:
    assert translate_error("something new in a later Python") == "something new in a later Python"


README = (REPO / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the README section `## title`, up to the next `## `."""
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start: end if end != -1 else None]


def test_readme_command_table_lists_every_command_and_option() -> None:
    table = section("命令")
    for words, parser in ALL.items():
        if words and words != ("new",):
            assert f"`gongjian {' '.join(words)}" in table, words
        for action in parser._actions:
            for option in action.option_strings:
                assert re.search(rf"[` ]{re.escape(option)}[` ]", table), (words, option)


def two_commands() -> list[str]:
    """The command lines of the README's first code block (comments left out)."""
    block = re.search(r"```bash\n(.*?)```", section("两条命令"), flags=re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_the_two_commands_then_how_to_start_a_campaign() -> None:
    titles = re.findall(r"^## (.+)$", README, flags=re.M)
    assert titles[:3] == ["两条命令", "开始自己的共建网站", "命令"]
    # Each makes and uses a local virtual environment: Debian 12's Python refuses a system-wide pip install (PEP 668).
    assert two_commands() == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/gongjian build",
        'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest',
    ]
    start = section("开始自己的共建网站")
    steps = ["gongjian init", "content/site.yaml", "gongjian new story", "gongjian serve", "gongjian build"]
    positions = [start.index(step) for step in steps]
    assert positions == sorted(positions)


def test_ci_runs_the_readme_test_command_exactly() -> None:
    ci = (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert two_commands()[1] in ci  # a line of its own, as written in the README
    assert ci[-1] == two_commands()[1]  # and last: its exit status is CI's


def test_the_readme_build_command_is_one_the_parser_takes() -> None:
    words = two_commands()[0].split(" && ")[-1].split()
    assert words[0] == ".venv/bin/gongjian"
    assert _parser().parse_args(words[1:]).command == "build"
    assert "gongjian = \"generator.cli:run\"" in (REPO / "pyproject.toml").read_text(encoding="utf-8")
