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
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
    _ATTRIBUTES.setdefault(_tag, set()).add("id")
_ATTRIBUTES.setdefault("a", set()).update({"title", "id"})
_ATTRIBUTES.setdefault("img", set()).add("title")
_ATTRIBUTES.setdefault("sup", set()).add("id")
_ATTRIBUTES.setdefault("li", set()).add("id")
_BLOCK = re.compile(r"^<p>(.*)</p>$", re.DOTALL)
# Text with none of Markdown's or HTML's special characters and no whitespace (so no block
# syntax: lists, headings and code need a space or a line break) renders inline as itself.
# Most activity summaries are such plain Chinese sentences; tests/test_markup.py checks the
# shortcut against Python-Markdown + nh3.
PLAIN_INLINE = re.compile(r"[0-9A-Za-z\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e\u2010-\u2027\u00b7,.:;%/()]+")


class MarkdownRenderer:
    """Render Markdown with one reusable parser; sanitise unless raw HTML is allowed."""

    def __init__(self, allow_raw_html: bool = False) -> None:
        self.allow_raw_html = allow_raw_html
        self._md = markdown.Markdown(
            extensions=_EXTENSIONS,
            extension_configs={"toc": {"slugify": slugify_unicode}},  # keep Chinese heading anchors readable
            output_format="html",
        )

    def _clean(self, html: str) -> str:
        if self.allow_raw_html:
            return html
        # nh3 drops <script>, event handlers and javascript: URLs; links get rel=noopener.
        return nh3.clean(html, attributes=_ATTRIBUTES)

    def block(self, text: str) -> str:
        """Render a Markdown document (a story body)."""
        html = self._md.reset().convert(text)
        return self._clean(html)

    def inline(self, text: str) -> str:
        """Render one paragraph of Markdown without the wrapping <p>."""
        if PLAIN_INLINE.fullmatch(text):
            return text
        return self.inline_markdown(text)

    def inline_markdown(self, text: str) -> str:
        """Render one paragraph through Python-Markdown, without the plain-text shortcut."""
        html = self._md.reset().convert(text).strip()
        match = _BLOCK.match(html)
        if match and "<p>" not in match.group(1):
            html = match.group(1)
        return self._clean(html)
