"""Every message gongjian prints follows GB/T 15834: full-width ，：；（）！？ in Chinese prose.

The structural prefix `path:line: field: ` stays half-width (it is a location, read by
editors and tools), and so do the user's own values, paths, options and YAML examples
quoted in a message; only the Chinese prose around them is checked. Messages are
collected by running the real command line in-process: the whole bad-input corpus,
the usage errors, and the notes of a good build; and, for messages no fixture can
reach (the preview server, a busy port…), from the string literals of generator/.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from generator import cli
from tests.conftest import FIXTURES, REPO
from tests.test_invalid_corpus import CASES, CORPUS, apply_case

HAN = "\u4e00-\u9fff"
# A half-width , : ; ( ) ! ? touching a Han character or a Chinese quote, or a half-width "(" (after Chinese)
# whose content is Chinese.
SLIP = re.compile(rf"[{HAN}“”][,:;?!()]|[,:;?!()][{HAN}“”]|[{HAN}] ?\((?=[^)]*[{HAN}])")
# `path:line: ` or `path: `, then an optional `field: ` (ASCII names, `第N项`, a check item's own name).
PREFIX = re.compile(r"^(?:提示：)?[^\s:：]+(?::\d+)?: (?:[A-Za-z_][\w.]*(?: 第\d+项)?(?: [^\s:：“”]+)?: )?")
# What is not prose: the user's values and examples (in quotes, brackets or braces), code and markup,
# the corrected line after 写成, a command line, and a path or option with what it carries.
NOT_PROSE = [
    re.compile(r"<code>.*?</code>|<[^>]+>"),
    re.compile(r"(?<=“)[^“”]*(?=”)|\"[^\"]*\"|'[^']*'|`[^`]*`"),
    re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]|［[^［］]*］"),
    re.compile(r"写成 .*?(?=[；。]|$)"),
    re.compile(r"gongjian(?: [-\w./=]+)+(?: [^\s；。，：）]+)?"),
]


def prose(message: str) -> str:
    """Return the Chinese prose of a message: its user values, examples and code cut out."""
    for pattern in NOT_PROSE:
        message = pattern.sub("", message)
    return message


def slips(message: str) -> list[str]:
    """Return each half-width mark in the prose of `message`, with a little context."""
    text = prose(message)
    return [text[max(0, m.start() - 6): m.end() + 6] for m in SLIP.finditer(text)]


def line_slips(line: str) -> list[str]:
    """Return the slips of one printed line, after its `path:line: field: ` prefix."""
    return slips(PREFIX.sub("", line, count=1))


def test_the_rule_finds_the_slips_and_keeps_code() -> None:
    assert line_slips("site: 不能把网站输出到 site:它是内容、项目或主目录本身,生成时会被整个替换。请用 --out site")
    assert line_slips("content/x.yaml:3: members: 应为不小于 0 的整数,这里是文字“ab”;数字不要加引号")
    assert line_slips("content/x.yaml: 这里有制表符(Tab);YAML 只能用空格缩进")
    assert line_slips("content/x.yaml:3: title: 不认识这个字段。是不是想写“titel”?")
    assert line_slips("content/x.yaml:2: 金额(元)不能是负数")
    # The prefix, quoted values, YAML examples, the corrected line and commands keep their half-width marks.
    assert line_slips("content/x.yaml:4: checks 摸清情况: 结果只能是达标、基本达标、未达标之一，这里是文字“好”") == []
    assert line_slips("content/x.yaml:4: “members：23”里用了全角冒号“：”；请改成半角冒号加空格，写成 摸清情况: 达标") == []
    assert line_slips("content/x.yaml:8: donations 第1项: 每项应写成 {item: 棉被, quantity: 206}") == []
    assert line_slips("提示：content/a.yaml:22: date: 晚于截至日期 2017-11-24，本次不计入") == []
    assert line_slips("site/: 端口已被占用；请换一个端口：gongjian serve --port 8001") == []
    assert line_slips("<p>每条写明“<code>文件:行号: 字段: 问题</code>”。</p>") == []


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """Run the command line in this process; return its exit status and every line it printed."""
    try:
        status = cli.main(list(args))
    except SystemExit as stop:  # argparse's usage errors
        status = int(stop.code or 0)
    out, err = capsys.readouterr()
    return status, out.splitlines() + err.splitlines()


def test_every_corpus_message_is_full_width_in_its_prose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found: dict[str, list[str]] = {}
    printed = 0
    for name in CASES:
        root = tmp_path / name
        content = apply_case(CORPUS / name, root / "project")
        status, lines = run_main(capsys, "build", "--content", str(content), "--out", str(root / "site"), "--no-cache")
        assert status == 1, (name, lines)
        printed += len(lines)
        for line in lines:
            if line_slips(line):
                found.setdefault(name, []).append(line)
        shutil.rmtree(root)
    assert printed >= 3 * len(CASES)  # every case printed its problems, the count and the trailer
    assert found == {}


def test_the_notes_of_a_good_build_are_full_width(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "minimal", root)
    status, lines = run_main(capsys, "check", "--content", str(root / "content"))
    assert status == 0 and any(line.startswith("提示：") for line in lines), lines
    assert [line for line in lines if line_slips(line)] == []


def _usage_cases(tmp: Path) -> list[tuple[str, ...]]:
    content = str(FIXTURES / "minimal" / "content")
    (tmp / "full").mkdir()
    (tmp / "full" / "mine.txt").write_text("x", encoding="utf-8")
    (tmp / "a-file").write_text("x", encoding="utf-8")
    (tmp / "sheet.csv").write_text("x", encoding="utf-8")
    return [
        (), ("bild",), ("build", "--wat"), ("serve", "--port", "x"), ("check", "--as-of"),
        ("new", "story"), ("new",), ("init",),
        ("check", "--content", content, "--as-of", "2017-13-01"),
        ("check", "--content", content, "--as-of", "２０１７-１１-０１"),
        ("check", "--content", content, "--as-of", "上周五"),
        ("check", "--content", str(tmp / "nowhere")),
        ("build", "--content", content, "--out", content),
        ("build", "--content", content, "--out", f"{content}/site"),
        ("build", "--content", content, "--out", str(tmp / "a-file")),
        ("build", "--content", content, "--out", str(tmp / "full")),
        ("build", "--content", content, "--out", str(tmp / "site"), "--since", "2017-12-01", "--no-cache"),
        ("init", str(tmp / "full")),
        ("new", "story", "  ", "--content", content),
        ("new", "story", "义诊进村", "--content", str(tmp / "nowhere")),
        ("new", "story", "义诊进村", "--content", content, "--slug", "Bad Slug"),
        ("new", "story", "义诊进村", "--content", content, "--branch", "no-such-branch"),
        ("import", str(tmp / "sheet.csv"), "--content", content),
    ]


def test_usage_errors_are_full_width(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = {}
    for args in _usage_cases(tmp_path):
        status, lines = run_main(capsys, *args)
        assert status in (1, 2), (args, lines)
        assert lines, args
        bad = [line for line in lines if line_slips(line)]
        if bad:
            found[" ".join(args)] = bad
    assert found == {}


# ---------------------------------------------------------------- messages no fixture reaches

_REGEX_CALLS = {"compile", "sub", "subn", "match", "fullmatch", "search", "split", "finditer", "findall"}


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string a module can show: literals and f-strings (a placeholder read as x), not docstrings or regexes."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))  # docstrings, of modules, functions and fields
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _REGEX_CALLS:
            for arg in node.args[:1]:
                skip.update(id(n) for n in ast.walk(arg))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(n) for n in ast.walk(node) if n is not node)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            found.append((node.lineno, str(text)))
    return found


def test_the_literal_scan_sees_messages_and_skips_docstrings() -> None:
    tree = ast.parse('"""市直单位: a docstring."""\nimport re\nre.compile("[，、,]")\nraise E(f"{a} 已存在,请换")\n')
    assert [text for _, text in _literals(tree)] == ["x 已存在,请换"]


def test_no_message_in_the_source_has_halfwidth_marks_in_its_prose() -> None:
    found = []
    for path in sorted((REPO / "generator").rglob("*.py")):
        for line, text in _literals(ast.parse(path.read_text(encoding="utf-8"))):
            for part in text.split("\n"):
                if slips(part):
                    found.append(f"{path.relative_to(REPO)}:{line}: {part.strip()}")
    assert found == []


# ---------------------------------------------------------------- the documents a user reads

_CODE = re.compile(r"^```.*?^```[^\n]*$|^(?: {4}|\t)[^\n]*$|`[^`\n]+`|\]\([^)\s]*\)", re.S | re.M)


@pytest.mark.parametrize("name", ["README.md", "docs/content.md", "docs/internal.md", "docs/publishing.md",
                                  "generator/starter/README.md"])
def test_the_prose_of_the_documents_is_full_width(name: str) -> None:
    text = _CODE.sub("", (REPO / name).read_text(encoding="utf-8"))
    found = [f"{line[:60]} {slips(line)}" for line in text.splitlines() if slips(line)]
    assert len(text) > 100 and found == []
