"""Pages and plans: which template renders to which output path, with which context."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
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


class Deferred(Mapping[str, bytes]):
    """Files of a plan whose bytes are made only when asked for (by the writer), each once.

    Share images and the 公众号 image copies are encoded images: planning them must not
    make `check` encode them. The paths are known when planning, so collisions are still caught.
    """

    def __init__(self, makers: Mapping[str, Callable[[], bytes]]) -> None:
        self._makers = dict(makers)
        self._made: dict[str, bytes] = {}

    def __getitem__(self, path: str) -> bytes:
        if path not in self._made:
            self._made[path] = self._makers[path]()
        return self._made[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def joined(*parts: Mapping[str, bytes]) -> Deferred:
    """Return the files of several plans as one, without making the deferred ones."""
    makers: dict[str, Callable[[], bytes]] = {}
    for part in parts:
        if isinstance(part, Deferred):
            makers.update(part._makers)
        else:
            makers.update({path: _constant(data) for path, data in part.items()})
    return Deferred(makers)
