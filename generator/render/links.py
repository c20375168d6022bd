"""Links and images in story bodies: find them with their lines, resolve references, check the rest.

A writer links to another part of the site in one of three ways:

- a reference that survives URL changes: `story:<slug>`, `unit:<id>`, `branch:<id>`,
  `activity:<id>` or `asset:<path>` (e.g. `[王辉村义诊](story:wanghui-health)`,
  `![村委会](asset:photos/a.jpg)`);
- a path relative to the story file, as an editor's preview shows it
  (`../assets/photos/a.jpg`, `other-story.md`);
- a URL relative to the story page (`../other-story/`), checked against the pages built.

References and file paths are rewritten into URLs relative to the story page
(every story page sits at `stories/<slug>/`) before the body is rendered, so the
Markdown renderer and its cache see plain text. External links are left alone.

An activity summary shows on pages at several depths, so only references link
inside the site from one; they are rewritten into URLs from SITE_ROOT.
"""

from __future__ import annotations

import html.parser
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.errors import Problem
from generator.model.model import Activity, Story

KINDS = {"story": "故事", "unit": "单位", "branch": "支部", "activity": "活动", "asset": "文件"}
STORY_DEPTH = "../../"  # from stories/<slug>/ back to the site root
SITE_ROOT = "\ue000"
"""Stands for the site root in the links of a rewritten activity summary: one summary shows on pages at
several depths (home, timeline, month, unit), so the template filter puts each page's way back to the
root in its place (render.py). A private-use character: no writer types it."""
HINT = "站内链接可写“story:故事文件名”“unit:单位编号”“branch:支部编号”“activity:活动编号”或“asset:文件路径”"
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True)
class Link:
    """A link or image target in a story body: as written, where it is, and the line of the story file."""

    target: str
    start: int  # span of the target in the body, or -1 when it cannot be found in the text
    end: int
    line: int
    image: bool


class _Targets(html.parser.HTMLParser):
    """Collect a[href] and img[src] of rendered HTML, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = {"a": "href", "img": "src"}.get(tag)
        value = dict(attrs).get(name) if name else None
        if value is not None and value.strip():
            self.found.append((value.strip(), tag == "img"))


def _destination(target: str) -> re.Pattern[str]:
    """Where `target` stands as a destination: `](…`, `]: …`, or an href/src attribute value."""
    return re.compile(r"(?:\]\(\s*<?|\]:[ \t]*<?|\b(?:href|src)\s*=\s*[\"']?)(" + re.escape(target) + ")", re.IGNORECASE)


def find_links(body: str, first_line: int, render: Callable[[str], str]) -> list[Link]:
    """Return every link and image target of a Markdown body; `first_line` is the body's line in its file.

    `render` (the site's Markdown renderer, keeping our reference schemes) says which targets the
    page will hold (reference links, raw HTML that survives the sanitiser and all); each is then
    found in the text, in order, for its line and for rewriting.
    """
    parser = _Targets()
    parser.feed(render(body))
    parser.close()
    links: list[Link] = []
    position = 0
    for target, image in parser.found:
        pattern = _destination(target)
        match = pattern.search(body, position) or pattern.search(body)
        if match is None:  # written with entities or escapes: report at the body's first line
            links.append(Link(target, -1, -1, first_line, image))
            continue
        position = match.end(1)
        links.append(Link(target, match.start(1), match.end(1), first_line + body.count("\n", 0, match.start(1)),
                          image))
    return links


def body_line(story: Story, content_dir: Path) -> int:
    """Return the line of the story file on which its body starts (the body is the file's tail)."""
    file = content_dir / story.source.path.split("/", 1)[1]
    try:
        text = file.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return 1
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return max(1, text.count("\n") - story.body.count("\n") + 1)


def _as_browser_reads(target: str) -> str:
    """Drop what a browser drops from a URL: tabs and line breaks anywhere, controls and spaces at the ends."""
    return re.sub(r"[\t\n\r]", "", target).strip(_C0_AND_SPACE)


def is_external(target: str) -> bool:
    """True for a link with a scheme other than ours, a `//host` link or a bare #fragment."""
    target = _as_browser_reads(target)
    scheme = _SCHEME.match(target)
    if scheme:
        return scheme.group(1).lower() not in KINDS
    return target.startswith(("//", "#"))


def reference(target: str, story_path: str) -> tuple[str, str] | None:
    """Return (kind, value) for a reference or a path to a content file; None for a page URL.

    `story_path` is the story file relative to content/, e.g. `stories/x.md`.
    """
    target = _as_browser_reads(target)
    scheme = _SCHEME.match(target)
    if scheme:
        kind = scheme.group(1).lower()
        return kind, unquote(target[scheme.end():].split("#", 1)[0]).strip().removeprefix("/")
    path = unquote(urlsplit(target).path)
    if not path or path.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(story_path), path))
    if joined.startswith("assets/"):
        return "asset", joined.removeprefix("assets/")
    if joined.startswith("stories/") and joined.endswith(".md") and joined.count("/") == 1:
        return "story", joined[len("stories/"):-3]
    return None


def named_reference(target: str) -> tuple[str, str] | None:
    """Return (kind, value) for a `story:`, `unit:`, `branch:`, `activity:` or `asset:` reference; else None."""
    scheme = _SCHEME.match(_as_browser_reads(target))
    if scheme is None or scheme.group(1).lower() not in KINDS:
        return None
    return reference(target, "")


def may_link(text: str) -> bool:
    """False for text that cannot hold a link or an image (Markdown's need a "]", HTML's and autolinks a "<")."""
    return "]" in text or "<" in text


def page_target(target: str, page: str) -> str | None:
    """Resolve a page URL from the story page `page` (e.g. stories/x/) to a site path; None if outside."""
    path = unquote(urlsplit(_as_browser_reads(target)).path)
    joined = posixpath.normpath(posixpath.join(page, path))
    if joined.startswith("..") or joined.startswith("/"):
        return None
    joined = "" if joined == "." else joined
    return joined


def page_exists(path: str, outputs: Iterable[str] | set[str]) -> bool:
    """True when a site path is an output file or a folder with an index.html."""
    names = outputs if isinstance(outputs, set) else set(outputs)
    folder = path.rstrip("/")
    return (path in names or f"{folder}/index.html" in names or (folder == "" and "index.html" in names)
            or path.startswith(("static/", "pagefind/")))


def rewrite(body: str, links: Iterable[Link], urls: Mapping[str, str]) -> str:
    """Replace each located link target that has a URL in `urls` by that URL."""
    spans = sorted({(link.start, link.end, urls[link.target]) for link in links
                    if link.start >= 0 and link.target in urls})
    parts: list[str] = []
    last = 0
    for start, end, url in spans:
        if start < last:  # one span found twice (two links sharing a reference definition)
            continue
        parts += [body[last:start], url]
        last = end
    return "".join(parts) + body[last:]


def problem(story: Story, link: Link, message: str) -> Problem:
    """A broken link as `path:line: 链接 …: message`."""
    what = "图片" if link.image else "链接"
    return Problem(story.source.path, link.line, f"{what} {link.target}", message)


def summary_problem(activity: Activity, link: Link, message: str) -> Problem:
    """A broken link in an activity's summary as `path:line: summary: 链接 …: message`."""
    what = "图片" if link.image else "链接"
    return Problem(activity.source.path, link.line, f"summary: {what} {link.target}", message)


def summary_line(activity: Activity) -> int:
    """Return the line a summary's text starts on: that of `summary:`, or the next for a `|` block."""
    if not activity.summary_line:
        return activity.source.line
    return activity.summary_line + (1 if activity.summary and "\n" in activity.summary else 0)
