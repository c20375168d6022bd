"""Explain YAML syntax errors in plain Chinese, on the line where the writer can fix them.

This is the one place that turns a PyYAML error into a Problem; the reader calls
`explain_yaml_error` and nothing else. Typing slips of a Chinese input method
(full-width colons, commas, quotes and spaces) are diagnosed here too.
"""

from __future__ import annotations

import re

import yaml

from generator.errors import Problem

MAX_DEPTH = 64  # deepest nesting of lists and mappings accepted; real records need a handful


class AliasRefused(yaml.MarkedYAMLError):
    """Aliases are refused outright: they are how YAML bombs are built."""


class TooDeep(yaml.MarkedYAMLError):
    """Nesting beyond MAX_DEPTH is refused before it can exhaust the stack."""


_YAML_MESSAGES = (
    ("'\\t'", "这里有制表符（Tab）；YAML 只能用空格缩进和分隔，请把 Tab 换成空格"),
    ("special characters are not allowed", "这里有看不见的控制字符（常见于从网页或其他软件复制粘贴）；请删掉后重新输入这一行"),
    ("cannot start any token", "值不能以这个符号开头（如 @ 或 `）；请给整个值加上引号"),
    ("while scanning a quoted scalar", "引号没有配对：请补上结尾的引号"),
    ("expected ',' or ']'", "方括号 [ 没有正确结束：各项之间用逗号分隔，最后以 ] 结束"),
    ("expected ',' or '}'", "花括号 { 没有正确结束：各项之间用逗号分隔，最后以 } 结束"),
    ("'<stream end>'", "文件意外结束：可能少了右引号、右括号“]”或“}”"),
    ("mapping values are not allowed", "这里不能出现冒号“:”；值里含冒号时请给整个值加引号，或检查缩进"),
    ("could not find expected ':'", "缺少冒号“:”；每个字段应写成“字段: 值”"),
    ("expected <block end>", "缩进不一致：同一层的字段要左对齐，列表项以“- ”开头"),
    ("did not find expected '-'", "列表缩进不一致：同一列表的各项要以“- ”左对齐"),
    ("did not find expected key", "缩进不一致或缺少冒号：请检查这一行与上一行"),
    ("expected the node content", "这里缺少值，或有多余的符号（如 ]、}、-）；请检查这一行"),
    ("found unexpected end of stream", "文件意外结束：可能少了右引号或右括号"),
    ("found unknown escape character", "双引号里有无法识别的反斜杠转义；请改用单引号或去掉反斜杠"),
    ("while scanning an alias", "“*”在 YAML 里表示别名；如果它是文字的一部分，请给整个值加引号"),
    ("while scanning an anchor", "“&”在 YAML 里表示锚点；如果它是文字的一部分，请给整个值加引号"),
    ("expected chomping or indentation indicators", "“|”或“>”后面不能直接写文字；多行文字请从下一行缩进开始写"),
    ("could not determine a constructor", "不支持这种 YAML 标签（如 !!python）：出于安全考虑，只能写普通的文字、数字、列表和字段"),
    ("found undefined tag handle", "不支持这种 YAML 标签（如 !!python）：出于安全考虑，只能写普通的文字、数字、列表和字段"),
    ("expected a single document", "一个文件里只能有一份 YAML 文档（不要用多个 --- 分隔）"),
    ("expected '<document start>'", "一个文件里只能有一份 YAML 文档（不要用多个 --- 或 ... 分隔）"),
)


# Reported where the thing began: an unclosed quote or bracket, a key that never got its colon.
_OPENED_AT = ("while scanning a quoted scalar", "expected ',' or ']'", "expected ',' or '}'",
              "could not find expected ':'")


def _indented_more(text: str, line: int) -> bool:
    """Whether line `line` (1-based) is indented deeper than the `key: value` line above it."""
    lines = text.split("\n")
    if not 1 < line <= len(lines):
        return False
    here = lines[line - 1]
    above = next((s for s in reversed(lines[: line - 1]) if s.strip() and not s.lstrip().startswith("#")), "")
    indent = len(here) - len(here.lstrip(" "))
    above_key = above.lstrip(" -")
    above_indent = len(above) - len(above_key)
    return ":" in above_key and not above.rstrip().endswith(":") and indent > above_indent


IDEOGRAPHIC_SPACE = "\u3000"  # the full-width space a Chinese input method types
# A key, then a full-width colon where ": " belongs: "  members：23", "- id：dzczj-2".
_FULL_WIDTH_COLON = re.compile(r"^[ \u3000]*(?:-[ \u3000]+)*[^\s:：#'\"\[\]{},-][^\s:：]{0,40}[ \u3000]*：")
# A value that opens with a quote and goes on after the closing one: title: "不忘初心"主题党日; also a line
# with no key of its own, such as the only line under `checks:` ("摸清"村居情况: 达标).
_PART_QUOTED = re.compile(
    r"^(?P<head>[ ]*(?:-[ ]+)*(?P<key>[^\s:#'\"][^:]*:[ ]+)?)(?P<quoted>\"[^\"]*\"|'[^']*')(?P<rest>[^#]*?)[ ]*$")
# Errors a slip of the input method causes on its own line, and those it causes on the next one.
_SLIP_ERRORS = ("could not find expected ':'", "mapping values are not allowed", "expected <block end>",
                "did not find expected key", "did not find expected '-'", "expected ',' or '}'",
                "expected ',' or ']'", "expected the node content")
_NEXT_LINE_ERRORS = ("mapping values are not allowed", "expected <block end>", "did not find expected")


def _ime_slip(line: str, raw: str) -> str | None:
    """Name the input-method slip on `line` that explains the YAML error `raw`, with the fix."""
    indent = re.match(r"[ \u3000]*(?:-[ \u3000]+)*", line)
    # Only before a key or a list item: a paragraph indent inside a block of text is content.
    if (indent is not None and IDEOGRAPHIC_SPACE in indent.group()
            and re.match(r"[^\s:：]+:( |$)|-[ \u3000]", line[indent.end():])):
        return "这一行开头有全角空格（中文输入法下打出的空格）；YAML 只能用半角空格缩进，请删掉它，改用半角空格"
    dash = re.match(r"([ \u3000]*)[－—][ \u3000]*", line)
    if dash is not None:
        return f"列表项开头的“{line.strip()[0]}”是全角的；请改成半角“-”加空格，写成 - {line[dash.end():].strip()}"
    colon = _FULL_WIDTH_COLON.match(line)
    if colon is not None:
        fixed = re.sub(r"[ \u3000]*：[ \u3000]*", ": ", line.strip(" \u3000"), count=1).rstrip()
        return f"“{line.strip()}”里用了全角冒号“：”；请改成半角冒号加空格，写成 {fixed}"
    quoted = _PART_QUOTED.match(line)
    # Text after the closing quote, unless it is the colon of a quoted key ("名称": 值 is fine).
    if quoted is not None and quoted["rest"].strip() and (quoted["key"] or not quoted["rest"].lstrip().startswith(":")):
        inner = quoted["quoted"][1:-1]
        head = (quoted["head"].strip().lstrip("- ").rstrip(":") + ": " if quoted["key"]
                else quoted["head"].strip() + " " if quoted["head"].strip() else "")
        return (f"引号只括住了值的一部分（{quoted['quoted']}后面还有文字）；"
                f"文中的引号请用中文引号，写成 {head}“{inner}”{quoted['rest'].strip()}")
    if ("{" in line or "[" in line) and "，" in line and ("'}'" in raw or "']'" in raw):
        fixed = re.sub(r"[ \u3000]*，[ \u3000]*", ", ", line.strip(" \u3000"))
        return f"括号里用了全角逗号“，”分隔各项；请改成半角逗号加空格，写成 {fixed}"
    return None


def _find_slip(text: str, line: int, raw: str) -> tuple[int, str] | None:
    """Look for an input-method slip on the error's line, then on the line of content above it."""
    if not any(key in raw for key in _SLIP_ERRORS):
        return None
    lines = text.split("\n")
    content = [n for n in range(1, min(line, len(lines) + 1))
               if lines[n - 1].strip(" \u3000") and not lines[n - 1].lstrip(" \u3000").startswith("#")]
    above = content[-1] if content and any(key in raw for key in _NEXT_LINE_ERRORS) else 0
    for n in (line, above):
        if 1 <= n <= len(lines):
            found = _ime_slip(lines[n - 1], raw)
            if found is not None:
                return n, found
    return None


def explain_yaml_error(path: str, error: yaml.YAMLError, text: str, line_offset: int) -> Problem:
    """Translate a PyYAML error into a plain-Chinese problem at its line."""
    line = 1
    if isinstance(error, AliasRefused):
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        message = "不支持 YAML 别名（*名字）与锚点：请把内容直接写出来"
    elif isinstance(error, TooDeep):
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        message = f"列表和字段嵌套超过 {MAX_DEPTH} 层；请检查括号是否配对，或把内容写得浅一些"
    else:
        raw = f"{getattr(error, 'context', '') or ''} {getattr(error, 'problem', '') or ''} {getattr(error, 'reason', '')}"
        if isinstance(error, yaml.MarkedYAMLError):
            opened = any(key in raw for key in _OPENED_AT)
            mark = (error.context_mark if opened else None) or error.problem_mark or error.context_mark
            line = mark.line + 1 if mark is not None else 1
        elif isinstance(error, yaml.reader.ReaderError):
            line = text.count("\n", 0, error.position) + 1
        message = next((zh for key, zh in _YAML_MESSAGES if key in raw), None) or (
            f"YAML 格式错误，请检查这一行的缩进、冒号和引号（{raw.strip()}）"
        )
        if "mapping values are not allowed" in raw and _indented_more(text, line):
            message = "缩进不一致：这一行比上一个字段多缩进了；同一层的字段要左对齐"
        slip = _find_slip(text, line, raw)
        if slip is not None:
            line, message = slip
    return Problem(path, line + line_offset, "", message)
