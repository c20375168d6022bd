"""Links and images in story bodies: find them with their lines, resolve references, check the rest.

A writer links to another part of the site in one of three ways:

- a reference that survives URL changes: `story:<slug>`, `unit:<id>`, `branch:<id>`,
  `activity:<id>` or `asset:<path>` (e.g. `[王辉村义诊](story:wanghui-health)`,
  `![村委会](asset:photos/a.jpg)`);
- a path relative to the story file, as an editor's preview shows it
  (`../assets/photos/a.jpg`, `other-story.md`);
- a URL relative to the story page (`../other-story/`), checked against the pages built.

A body is converted once (`convert`): its links come out of that HTML, and references
and file paths are rewritten there into URLs relative to the story page (every story
page sits at `stories/<slug>/`), so the page is not converted again (`rewrite_html`).
The text is rewritten the same way for what reads it as text (excerpts). External
links are left alone.

An activity summary shows on pages at several depths, so only references link
inside the site from one; they are rewritten into URLs from SITE_ROOT.
"""

from __future__ import annotations

import bisect
import html
import html.parser
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.errors import Problem
from generator.model.model import Activity, Story
from generator.render.markup import TAG

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


@dataclass(frozen=True)
class Converted:
    """A body converted once: its HTML, its links (lines from the body's first line, 1) and where each sits in the HTML."""

    html: str
    links: tuple[Link, ...]
    spans: tuple[tuple[int, int], ...]  # span of each link's attribute value in `html` (its target, unescaped)


# Where a destination starts in Markdown or HTML text: `](…`, `]: …`, or an href/src attribute value.
_DESTINATION = re.compile(r"\]\(\s*<?|\]:[ \t]*<?|\b(?:href|src)\s*=\s*[\"']?", re.IGNORECASE)
_TARGET_ATTRIBUTE = {"a": "href", "img": "src"}
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def _attribute_span(tag: str, name: str, rest: str, offset: int) -> tuple[str, int, int] | None:
    """The (unescaped, stripped) value of `name` in a start tag's attributes `rest` and its span (the last one wins)."""
    found = None
    for match in _ATTRIBUTE.finditer(rest):
        if match.group(1).lower() != name:
            continue
        for group in (2, 3, 4):
            if match.group(group) is not None:
                raw, start = match.group(group), offset + match.start(group)
                break
        else:
            raw, start = "", offset + match.end()
        value = html.unescape(raw)
        # Keep what surrounds the target inside the quotes, as a rewrite of the text did.
        lead = len(raw) - len(raw.lstrip())
        found = (value.strip(), start + lead, start + len(raw.rstrip()))
    return found


class _Positions(html.parser.HTMLParser):
    """a[href] and img[src] of any HTML (raw HTML allowed: comments, unquoted values), with their spans."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [0] + [m.end() for m in re.finditer("\n", text)]
        self.found: list[tuple[str, bool, int, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = _TARGET_ATTRIBUTE.get(tag)
        value = dict(attrs).get(name) if name else None
        raw = self.get_starttag_text()
        if name is None or raw is None or value is None or not value.strip():
            return
        line, column = self.getpos()
        start = self.lines[line - 1] + column
        head = re.match(r"<[^\s/>]+", raw)
        skip = head.end() if head else 0
        span = _attribute_span(tag, name, raw[skip:], start + skip)
        if span is not None and span[0]:
            self.found.append((span[0], tag == "img", span[1], span[2]))


def _targets(markup: str, exact: bool) -> list[tuple[str, bool, int, int]]:
    """Every a[href] and img[src] target of rendered HTML, in document order, with its span in `markup`.

    `exact`: the HTML is the sanitiser's (well-formed, quoted, no comments), so one scan of its
    tags is exact; otherwise (raw HTML allowed) Python's HTML parser reads it.
    """
    if not exact:
        parser = _Positions(markup)
        parser.feed(markup)
        parser.close()
        return parser.found
    found: list[tuple[str, bool, int, int]] = []
    for match in TAG.finditer(markup):
        name = _TARGET_ATTRIBUTE.get(match.group(2))
        if name is None or match.group(1):
            continue
        span = _attribute_span(match.group(2), name, match.group(3), match.start(3))
        if span is not None and span[0]:
            found.append((span[0], match.group(2) == "img", span[1], span[2]))
    return found


def _locate(body: str, targets: Iterable[str]) -> list[tuple[int, int]]:
    """Find each target in the text, in order, after one of the destinations' starts; (-1, -1) when not found."""
    starts: list[int] = []
    ends: list[int] = []
    for match in _DESTINATION.finditer(body):
        starts.append(match.start())
        ends.append(match.end())
    lowered = body.lower()
    spans: list[tuple[int, int]] = []
    position = 0
    for target in targets:
        wanted = target.lower()

        def at(index: int, wanted: str = wanted) -> bool:
            return lowered.startswith(wanted, ends[index])

        first = bisect.bisect_left(starts, position)
        index = next((i for i in range(first, len(starts)) if at(i)), None)
        if index is None:
            index = next((i for i in range(first) if at(i)), None)
        if index is None:  # written with entities or escapes
            spans.append((-1, -1))
            continue
        end = ends[index] + len(target)
        position = end
        spans.append((ends[index], end))
    return spans


def convert(body: str, render: Callable[[str], str], exact: bool = True) -> Converted:
    """Convert a Markdown body once and find its link and image targets, in the HTML and in the text.

    `render` (the site's Markdown renderer, keeping our reference schemes) says which targets the
    page will hold (reference links, raw HTML that survives the sanitiser and all); each is then
    found in the text, in order, for its line. `exact`: the renderer sanitises (see `_targets`).
    """
    markup = render(body)
    found = _targets(markup, exact)
    links = tuple(Link(target, start, end, 1 + (body.count("\n", 0, start) if start >= 0 else 0), image)
                  for (target, image, _, _), (start, end) in zip(found, _locate(body, (f[0] for f in found)), strict=True))
    return Converted(markup, links, tuple((start, end) for _, _, start, end in found))


def at_line(links: Iterable[Link], first_line: int) -> tuple[Link, ...]:
    """Links of `convert` with their lines in the file whose body starts at `first_line`."""
    return tuple(Link(link.target, link.start, link.end, link.line + first_line - 1, link.image) for link in links)


def find_links(body: str, first_line: int, render: Callable[[str], str]) -> list[Link]:
    """Return every link and image target of a Markdown body; `first_line` is the body's line in its file."""
    return list(at_line(convert(body, render).links, first_line))


def rewrite_html(converted: Converted, urls: Mapping[str, str]) -> str:
    """The converted HTML with each target that has a URL in `urls` replaced by it (escaped for an attribute)."""
    parts: list[str] = []
    last = 0
    for link, (start, end) in zip(converted.links, converted.spans, strict=True):
        url = urls.get(link.target)
        if url is None:
            continue
        parts += [converted.html[last:start], html.escape(url, quote=True)]
        last = end
    if not parts:
        return converted.html
    return "".join(parts) + converted.html[last:]


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
