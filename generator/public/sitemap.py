"""sitemap.xml and robots.txt: every public page, for search engines."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import date

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def page_url(path: str) -> str:
    """stories/x/index.html → stories/x/ (the directory URL the site links to)."""
    return path.removesuffix("index.html")


def sitemap(base_url: str, pages: Iterable[tuple[str, date | None]]) -> bytes:
    """Return sitemap.xml for (output path, last changed) pairs, in path order."""
    root = ET.Element("urlset", xmlns=SITEMAP)
    for path, changed in sorted(pages, key=lambda p: page_url(p[0])):
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = base_url + page_url(path)
        if changed:
            ET.SubElement(url, "lastmod").text = changed.isoformat()
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"


def robots(base_url: str) -> bytes:
    """Return robots.txt that allows everything and names the sitemap."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {base_url}sitemap.xml\n".encode()
