"""Readable ASCII URL slugs for Chinese names: pinyin syllables joined by hyphens."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

MAX_LENGTH = 64
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = MAX_LENGTH) -> str:
    """送健康下乡 → song-jian-kang-xia-xiang; empty when nothing readable is left."""
    # Imported when first needed: pypinyin's dictionaries take a quarter of a second to load, which a build
    # that names nothing new (a rebuild with no change) need not pay.
    from pypinyin import lazy_pinyin

    # lazy_pinyin keeps non-Chinese runs as they are ("AI", "2017"); ü comes out as v.
    words = (_NOT_SLUG.sub("-", part.lower()).strip("-") for part in lazy_pinyin(text))
    slug = "-".join(w for w in words if w)
    slug = re.sub(r"-{2,}", "-", slug)
    if len(slug) > max_length:
        slug = slug[:max_length]
        slug = slug[: slug.rfind("-")] if "-" in slug else slug  # cut at a syllable boundary
    return slug.strip("-")


def fallback_slug(text: str, prefix: str) -> str:
    """Return a stable slug for text with no readable letters (e.g. only symbols)."""
    return f"{prefix}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:8]}"


def assign_slugs(names: Iterable[str], prefix: str = "tag", taken: Iterable[str] = ()) -> dict[str, str]:
    """Give every distinct name its own slug; later homophones (in code-point order) get -2, -3…

    Sorting first keeps the result independent of the order names were met in,
    so the same set of names always gets the same URLs.
    """
    used = set(taken)
    result: dict[str, str] = {}
    for name in sorted(set(names)):
        base = slugify(name, MAX_LENGTH - 4) or fallback_slug(name, prefix)
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        result[name] = slug
    return result
