"""Turn story and summary Markdown into safe HTML."""

from __future__ import annotations

import re
from typing import Any

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor


class _DemoteTitles(Treeprocessor):
    """Turn a `#` heading of the body into <h2>: the page's one <h1> is the story title."""

    def run(self, root: Any) -> None:
        for element in root.iter("h1"):
            element.tag = "h2"


class _OneTitleExtension(Extension):
    """Register _DemoteTitles before toc assigns heading ids."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_DemoteTitles(md), "demote_titles", 30)


_EXTENSIONS: list[Any] = ["extra", "sane_lists", "toc", _OneTitleExtension()]
# nh3's defaults minus what the HTML standard calls obsolete (acronym, center, strike, tt, align=…) and
# minus image maps, columns and sectioning, whose rules a pasted fragment rarely meets.
_PHRASING = {"a", "abbr", "b", "bdi", "br", "cite", "code", "del", "dfn", "em", "i", "img", "ins", "kbd", "mark",
             "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "sup", "u", "var", "wbr"}
_BLOCK = {"blockquote", "dd", "details", "div", "dl", "dt", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
          "h6", "hr", "li", "ol", "p", "pre", "summary", "table", "tbody", "td", "th", "thead", "tr", "ul"}
_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "id"}, "abbr": {"title"}, "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start", "reversed"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"},
    "sup": {"id"}, "li": {"id"}, "details": {"open"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
# Elements that are valid only inside certain parents; a misplaced one is unwrapped (its content kept).
_PARENTS = {"li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "figcaption": {"figure"}, "summary": {"details"}}
# Elements whose content may only be phrasing: a block element inside one is unwrapped.
_PHRASING_ONLY = (_PHRASING - {"del", "ins"}) | {"p", "pre", "dt", "summary", "h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"br", "hr", "img", "wbr"}
_NUMERIC = {"width", "height", "colspan", "rowspan", "start"}
TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")  # a tag of well-formed HTML (links.py too)
_ATTR = re.compile(r'([^\s=/>]+)(?:="([^"]*)")?')
_COUNT = re.compile(r"[1-9][0-9]{0,2}")  # what width, colspan… may be (and no table 1000 columns wide)
_ID = re.compile(r"[^\s]+")
_WRAPPED = re.compile(r"^<p>(.*)</p>$", re.DOTALL)
# Text with none of Markdown's or HTML's special characters and no whitespace (so no block
# syntax: lists, headings and code need a space or a line break) renders inline as itself.
# Most activity summaries are such plain Chinese sentences; tests/test_markup.py checks the
# shortcut against Python-Markdown + the sanitiser.
PLAIN_INLINE = re.compile(r"[0-9A-Za-z\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e\u2010-\u2027\u00b7,.:;%/()]+")


# Python-Markdown's inline patterns backtrack over every opener of a paragraph: 40 kB of `[a](` took 25 s,
# 20 kB of `<a ` 9 s, a 1 MB line of `*a_` minutes, and 3,000 nested `*` overflow the stack. Text written by
# people stays far inside these bounds; within them the worst of those inputs renders in a fraction of a second.
MAX_LINE = 20_000  # characters on one line
MAX_MARKS = 500  # of `*`, `_`, `[`, `<` in one paragraph (a list item, table row or heading is its own)
MAX_BODY_MARKS = 20_000  # of them in a whole story
MAX_DEPTH = 20  # levels of quotes (>) or of list indentation
_MARKS = re.compile(r"[*_\[<]")
_FENCE = re.compile(r"\s*(```|~~~)")
_OWN_BLOCK = re.compile(r"\s*(?:[-*+]\s|[0-9]+[.)]\s|\||#)")  # list item, table row, heading
_QUOTES = re.compile(r"(?:\s*>)+")
_LIST_INDENT = re.compile(r"( *)(?:[-*+]|[0-9]+[.)])\s")


def _mark_count(text: str) -> int:
    return len(_MARKS.findall(text))


def too_heavy(text: str) -> list[tuple[int, str]]:
    """Return (line offset, what to do) for each part of `text` that Python-Markdown would take minutes over."""
    found: list[tuple[int, str]] = []
    total, start, marks, fenced, deep = 0, 0, 0, False, False

    def close() -> None:
        if marks > MAX_MARKS:
            found.append((start, f"这一段有 {marks} 个 Markdown 记号（* _ [ < 等），超过 {MAX_MARKS} 个，生成会非常慢；"
                                 "请把这一段分成几段（段与段之间空一行），或删掉多余的符号"))

    for at, line in enumerate(text.split("\n")):
        if len(line) > MAX_LINE:
            found.append((at, f"这一行有 {len(line)} 个字符，超过 {MAX_LINE} 个，生成会非常慢；请把它分成几段（段与段之间空一行）"))
            continue
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue  # code is shown as it is, never parsed for emphasis or links
        quotes = _QUOTES.match(line)
        depth = quotes.group().count(">") if quotes else 0
        indent = _LIST_INDENT.match(line[quotes.end():] if quotes else line)
        levels = len(indent.group(1).expandtabs(4)) // 2 if indent else 0
        if (depth > MAX_DEPTH or levels > MAX_DEPTH) and not deep:
            deep = True  # once per text: the lines below it are as deep
            what = f"引用（>）嵌套了 {depth} 层" if depth > MAX_DEPTH else "列表缩进太深"
            found.append((at, f"{what}，超过 {MAX_DEPTH} 层，生成会非常慢；请减少嵌套"))
        count = _mark_count(line)
        total += count
        if not line.strip() or _OWN_BLOCK.match(line[quotes.end():] if quotes else line):
            close()
            start, marks = (at if line.strip() else at + 1), 0
        marks += count
    close()
    if total > MAX_BODY_MARKS and not found:
        found.append((0, f"正文里共有 {total} 个 Markdown 记号（* _ [ < 等），超过 {MAX_BODY_MARKS} 个，生成会非常慢；"
                         "请把它分成几篇故事，或删掉多余的符号"))
    return found


def _start_tag(name: str, attrs: list[tuple[str, str | None]]) -> str:
    text = "".join(f' {k}="{v}"' if v is not None else f" {k}" for k, v in attrs)
    return f"<{name}{text}>"


def repair(html: str) -> str:
    """Make sanitised HTML valid: unwrap links without href and misplaced elements, give images alt="".

    Works on nh3's output, which is well-formed (quoted attributes, balanced tags), so
    a scan of its tags with a stack of open elements is exact.
    """
    out: list[str] = []
    stack: list[tuple[str, str | None]] = []  # (element, what its end tag becomes: itself, "span" or None)
    last = 0
    for match in TAG.finditer(html):
        out.append(html[last:match.start()])
        last = match.end()
        closing, name, rest = match.group(1), match.group(2), match.group(3)
        if closing:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index][0] == name:
                    _, end = stack.pop(index)
                    if end:
                        out.append(f"</{end}>")
                    break
            continue
        attrs: list[tuple[str, str | None]] = [
            (k, v) for k, v in _ATTR.findall(rest)
            if (k not in _NUMERIC or _COUNT.fullmatch(v)) and (k != "id" or _ID.fullmatch(v))]
        keys = {k for k, _ in attrs}
        kept = [tag for tag, end in stack if end]
        parent = kept[-1] if kept else None
        misplaced = ((name in _PARENTS and parent not in _PARENTS[name])
                     or (name in _BLOCK and any(tag in _PHRASING_ONLY for tag in kept)))
        if name == "img":
            if "src" in keys and not misplaced:
                out.append(_start_tag("img", attrs if "alt" in keys else [*attrs, ("alt", "")]))
            continue
        if name in _VOID:
            if not misplaced:
                out.append(_start_tag(name, attrs))
            continue
        if name == "a" and not any(k == "href" and v and v.strip() for k, v in attrs):
            ids = [(k, v) for k, v in attrs if k == "id"]  # keep an anchor target as a <span id>
            out.append(_start_tag("span", ids) if ids else "")
            stack.append(("a", "span" if ids else None))
            continue
        if misplaced:
            stack.append((name, None))
            continue
        out.append(_start_tag(name, attrs))
        stack.append((name, name))
    out.append(html[last:])
    return "".join(out)


class MarkdownRenderer:
    """Render Markdown with one reusable parser; sanitise unless raw HTML is allowed."""

    def __init__(self, allow_raw_html: bool = False, schemes: frozenset[str] = frozenset()) -> None:
        self.allow_raw_html = allow_raw_html
        self._schemes = set(nh3.ALLOWED_URL_SCHEMES) | schemes  # links.py keeps its story:/unit: references
        self._md = markdown.Markdown(
            extensions=_EXTENSIONS,
            extension_configs={"toc": {"slugify": slugify_unicode}},  # keep Chinese heading anchors readable
            output_format="html",
        )

    def _clean(self, html: str, tags: set[str]) -> str:
        if self.allow_raw_html:
            return html
        # nh3 drops <script>, event handlers and javascript: URLs; links get rel=noopener.
        return repair(nh3.clean(html, tags=tags, attributes=_ATTRIBUTES, url_schemes=self._schemes))

    def block(self, text: str) -> str:
        """Render a Markdown document (a story body)."""
        html = self._md.reset().convert(text)
        return self._clean(html, _PHRASING | _BLOCK)

    def inline(self, text: str) -> str:
        """Render one paragraph of Markdown without the wrapping <p>."""
        if PLAIN_INLINE.fullmatch(text):
            return text
        return self.inline_markdown(text)

    def inline_markdown(self, text: str) -> str:
        """Render one paragraph through Python-Markdown, without the plain-text shortcut."""
        html = self._md.reset().convert(text).strip()
        match = _WRAPPED.match(html)
        if match and "<p>" not in match.group(1):
            html = match.group(1)
        # Shown inside a <p> of the page: block elements are dropped, their text kept.
        return self._clean(html, _PHRASING)
