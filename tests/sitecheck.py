"""Checks over a built folder: every internal href/src resolves to a file (and #fragment to an id)."""

from __future__ import annotations

import html.parser
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Links(html.parser.HTMLParser):
    """Collect link targets and element ids of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("name"):
            self.ids.add(str(values["name"]))
        for name in ("href", "src", "action"):
            if values.get(name) is not None:
                self.links.append(str(values[name]))
        if values.get("srcset"):
            self.links += [part.split()[0] for part in str(values["srcset"]).split(",") if part.strip()]


def _parse(file: Path) -> _Links:
    parser = _Links()
    parser.feed(file.read_text(encoding="utf-8"))
    return parser


def _target(root: Path, page: Path, link: str, url_root: str) -> tuple[Path, str] | None:
    """Resolve a link from `page` to a file under `root`; None for external links."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith(("mailto:", "tel:", "data:")):
        return None
    rel_dir = page.parent.relative_to(root).as_posix()
    if parts.path.startswith("/"):  # only the 404 page links from the site root (it is served at any path)
        if not parts.path.startswith(url_root):
            return root / "(outside the site root)" / parts.path.lstrip("/"), ""
        rel_dir, parts = "", parts._replace(path=parts.path[len(url_root):] or "./")
    path = posixpath.normpath(posixpath.join(rel_dir, unquote(parts.path))) if parts.path else page.relative_to(root).as_posix()
    target = root / path
    if parts.path and (parts.path.endswith("/") or target.is_dir()):
        target = target / "index.html"
    return target, unquote(parts.fragment)


def broken_links(root: Path, url_root: str = "/") -> list[str]:
    """Return every internal link under `root` that points at nothing, as 'page → link'.

    `url_root` is the path part of base_url, for the root-relative links of the 404 page.
    """
    pages = {p: _parse(p) for p in sorted(root.rglob("*.html")) if not p.relative_to(root).as_posix().startswith("pagefind/")}
    broken = []
    for page, parsed in pages.items():
        for link in parsed.links:
            resolved = _target(root, page, link, url_root)
            if resolved is None:
                continue
            target, fragment = resolved
            where = f"{page.relative_to(root)} → {link}"
            if not target.is_file() or not target.resolve().is_relative_to(root.resolve()):
                broken.append(where)
            elif fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if fragment not in ids:
                    broken.append(where + " (no such id)")
    return broken


def link_count(root: Path) -> int:
    """Count the internal links checked, so a test can tell the checker saw something."""
    return sum(len(_parse(p).links) for p in root.rglob("*.html") if "pagefind" not in p.parts)
