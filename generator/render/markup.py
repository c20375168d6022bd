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
