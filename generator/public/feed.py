"""The Atom feed of published stories, with absolute URLs and China Standard Time dates."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from generator import __version__
from generator.public.public import PublicSettings

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TIME_ZONE = "+08:00"  # the campaign is in Liaocheng; readers' clients convert from here
FEED_PATH = "feed.xml"
MAX_ENTRIES = 50


@dataclass(frozen=True)
class FeedEntry:
    """One story as the feed shows it: public fields only."""

    path: str
    title: str
    date: date
    summary: str
    author: str
    categories: tuple[str, ...]
    image: str | None  # path of the page-size cover, for readers that show one


def atom_time(day: date) -> str:
    """2017-10-25 → 2017-10-25T00:00:00+08:00."""
    return f"{day.isoformat()}T00:00:00{TIME_ZONE}"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(settings: PublicSettings, entries: Sequence[FeedEntry], fallback_updated: date) -> bytes:
    """Return the Atom document for `entries` (newest first)."""
    base = settings.base_url
    # Plain tag names with an xmlns attribute: ElementTree then writes no ns0: prefixes.
    feed = ET.Element("feed", {"xmlns": ATOM, XML_LANG: settings.language})
    _add(feed, "id", base)
    _add(feed, "title", settings.title)
    _add(feed, "subtitle", settings.campaign_name)
    _add(feed, "link", rel="alternate", type="text/html", href=base)
    _add(feed, "link", rel="self", type="application/atom+xml", href=base + FEED_PATH)
    _add(feed, "updated", atom_time(max((e.date for e in entries), default=fallback_updated)))
    author = _add(feed, "author")
    _add(author, "name", settings.organization or settings.title)
    _add(feed, "generator", "gongjian", version=__version__)
    for e in entries[:MAX_ENTRIES]:
        entry = _add(feed, "entry")
        _add(entry, "id", base + e.path)
        _add(entry, "title", e.title)
        _add(entry, "link", rel="alternate", type="text/html", href=base + e.path)
        _add(entry, "published", atom_time(e.date))
        _add(entry, "updated", atom_time(e.date))
        if e.author:
            _add(_add(entry, "author"), "name", e.author)
        for term in e.categories:
            _add(entry, "category", term=term)
        if e.image:
            kind = "image/png" if e.image.endswith(".png") else "image/jpeg"
            _add(entry, "link", rel="enclosure", type=kind, href=base + e.image)
        _add(entry, "summary", e.summary, type="text")
    ET.indent(feed)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True)) + b"\n"
