"""Read a built output folder back as data, for tests that compare builds."""

from __future__ import annotations

import hashlib
from pathlib import Path

from generator.write import MANIFEST


def tree(root: Path) -> dict[str, bytes]:
    """Return rel → bytes of every file under `root`, except the writer's manifest (it records stats)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def digests(root: Path) -> dict[str, str]:
    """Return rel → SHA-256 (or "dir") of every entry under `root`, except the writer's manifest."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*")) if p.name != MANIFEST}
