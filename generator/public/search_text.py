"""What search sees of a built public page: its indexed text, title and facets (kind, units, years).

A page is indexed when it has a `data-pagefind-body` region (the templates mark story, unit, month and
progress pages); inside it, elements marked `data-pagefind-ignore` are left out. The attribute names
predate gongjian's own index and are kept so the templates need no change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml.html import HtmlElement

BODY = "data-pagefind-body"
IGNORE = "data-pagefind-ignore"
KINDS = {"stories": "故事", "units": "单位", "activities": "活动", "progress": "进展"}
# Elements that end a run of text: the text on either side is not one word (table cells, list items…).
BLOCKS = frozenset((
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
))
VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"])
SKIPPED = frozenset(("script", "style", "template", "noscript"))
SPACES = re.compile(r"\s+")
UNIT_PATH = re.compile(r"^/units/([^/]+)/$")
MONTH_PATH = re.compile(r"^activities/(\d{4})-\d{2}/$")
# One character in, one character out, so positions in folded text are positions in the shown text.
FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
FOLD = {c: v + 32 if 0x41 <= v <= 0x5A else v for c, v in FOLD.items()} | {c: c + 32 for c in range(0x41, 0x5B)}


@dataclass(frozen=True)
class PageText:
    """One indexed page: site-relative URL, title, whitespace-collapsed text and its facets."""

    url: str
    title: str
    text: str
    kind: str
    units: tuple[str, ...]
    years: tuple[int, ...]


def fold(text: str) -> str:
    """Fold full-width Latin and digits to half-width and A–Z to a–z, keeping every position."""
    return text.translate(FOLD)


class _Walk:
    """Collect the text of the body regions minus ignored elements, their first h1, links and dates."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.title: str | None = None
        self.hrefs: list[str] = []
        self.dates: list[str] = []

    def element(self, el: HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""  # comments and processing instructions have no text
        if tag and IGNORE not in el.attrib and tag not in SKIPPED:
            block = tag in BLOCKS
            if block:
                self.parts.append(" ")
            if tag == "a" and el.get("href"):
                self.hrefs.append(el.get("href", ""))
            elif tag == "time" and el.get("datetime"):
                self.dates.append(el.get("datetime", ""))
            elif tag == "h1" and self.title is None:
                self.title = _collapse(el.text_content())
            self.parts.append(el.text or "")
            for child in el:
                self.element(child)
                self.parts.append(child.tail or "")
            if block:
                self.parts.append(" ")

def _collapse(text: str) -> str:
    return SPACES.sub(" ", text).strip()


def page_url(rel_path: str) -> str:
    """Return the site-relative URL of a built file: `stories/x/index.html` → `stories/x/`."""
    return rel_path[: -len("index.html")] if rel_path == "index.html" or rel_path.endswith("/index.html") else rel_path


def extract(html: str, rel_path: str) -> PageText | None:
    """Return what search indexes of one built page, or None if the page has no indexed region."""
    if BODY not in html:
        return None
    root = lxml.html.document_fromstring(html)
    bodies = root.xpath(f"//*[@{BODY}][not(ancestor::*[@{BODY}])]")
    if not bodies:
        return None
    walk = _Walk()
    for body in bodies:
        walk.element(body)
    url = page_url(rel_path)
    text = _collapse("".join(walk.parts))
    title = walk.title or text[:30]
    units: list[str] = []
    own = UNIT_PATH.match("/" + url)
    # A page links to the same few places many times (its unit, the month pages): each href resolved once.
    for href in dict.fromkeys((["/" + url] if own else []) + walk.hrefs):
        found = UNIT_PATH.match(urlsplit(urljoin("http://site/" + url, href)).path)
        if found and found.group(1) not in units:
            units.append(found.group(1))
    years = {int(d[:4]) for d in walk.dates if d[:4].isdigit()}
    month = MONTH_PATH.match(url)
    if month:
        years.add(int(month.group(1)))
    kind = KINDS.get(url.split("/", 1)[0], "其他")
    return PageText(url, title, text, kind, tuple(units), tuple(sorted(years)))
