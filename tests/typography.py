"""Find half-width punctuation and stray spaces inside Chinese prose in the visible text of built pages (GB/T 15834)."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

HAN = "\u4e00-\u9fff"
# A half-width , : ; ? ! ( right after a Han character, or ) , : ; ? ! right before one, or a half-width "(" whose
# content is Chinese: Chinese prose wants ，：；？！（）.
HALFWIDTH = re.compile(rf"[{HAN}][,:;?!(]|[,:;?!)][{HAN}]|[{HAN}] ?\((?=[^)]*[{HAN}])")
# Two Han characters with only spaces between them (the text of a page is joined with single spaces).
STRAY_SPACE = re.compile(rf"[{HAN}] +[{HAN}]")


class _Text(html.parser.HTMLParser):
    """Collect the text nodes a reader sees (and images' alt text), not scripts, styles or code."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.nodes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre"):
            self.skip += 1
        if tag == "img":
            self.nodes.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.nodes.append(data)


def text_nodes(page: str) -> list[str]:
    """Return a page's visible text nodes (titles, chart text and alt text included), whitespace collapsed."""
    parser = _Text()
    parser.feed(page)
    return [re.sub(r"\s+", " ", node) for node in parser.nodes]


def slips(nodes: list[str]) -> list[str]:
    """Return every half-width mark inside Chinese prose, and every space between two Han characters, with context.

    Marks are looked for in the text as read (nodes joined, so “截至 <b>2017</b>,4 个” is caught); spaces only
    inside one text node, since a line break between two elements is not a space a reader sees.
    """
    joined = "".join(nodes)
    found = [joined[max(0, m.start() - 10): m.end() + 10] for m in HALFWIDTH.finditer(joined)]
    found += [node.strip() for node in nodes if STRAY_SPACE.search(node)]
    return found


def scan_pages(folder: Path) -> dict[str, list[str]]:
    """Return the slips of every HTML page under `folder`, by path; pages without any are left out."""
    result = {}
    for path in sorted(folder.rglob("*.html")):
        if "pagefind" in path.parts:
            continue
        found = slips(text_nodes(path.read_text(encoding="utf-8")))
        if found:
            result[str(path.relative_to(folder))] = found
    return result
