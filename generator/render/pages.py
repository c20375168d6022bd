"""Pages and plans: which template renders to which output path, with which context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    """One output file rendered from a template with its context."""

    path: str
    template: str
    context: Mapping[str, Any]


@dataclass(frozen=True)
class Plan:
    """What one side of the site consists of."""

    pages: tuple[Page, ...]
    files: Mapping[str, bytes]


def check_unique_paths(pages: tuple[Page, ...], files: Mapping[str, bytes]) -> None:
    """Refuse two outputs on one path (a slug and an id colliding, say)."""
    seen: set[str] = set(files)
    for page in pages:
        if page.path in seen:
            raise ValueError(f"two outputs on one path: {page.path}")
        seen.add(page.path)
