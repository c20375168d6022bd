"""The one memo left outside the engine: rendered Markdown by text, for the `markdown_inline` filter.

`MarkdownMemo` keeps activity summaries rendered by the Jinja filter, in memory,
optionally backed by a small on-disk store beside content/
(`.gongjian-cache/markdown.sqlite3`) that the CLI uses so a rebuild after an edit
(a new process, a new engine) does not render every summary again. The store is
bounded (least recently used entries are evicted), every value is checked against
its own hash, and it can be deleted at any time. It never decides what the inputs
are (the reader does) and never writes under the output (the writer does).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import sqlite3
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.render.markup import MarkdownRenderer

CACHE_DIR = ".gongjian-cache"
STORE_FILE = "markdown.sqlite3"
MAX_ENTRIES = 50_000  # about 5,000 stories' bodies ten times over; older entries are evicted
_LIBRARIES = ("markdown", "nh3")


def _salt(allow_raw_html: bool) -> str:
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    source = (Path(__file__).resolve().parent / "render" / "markup.py").read_bytes()
    return hashlib.sha256(f"{sys.version}|{'|'.join(versions)}|{allow_raw_html}|".encode() + source).hexdigest()


class MarkdownStore:
    """Rendered Markdown kept on disk between CLI builds; any failure turns it off, never the build."""

    def __init__(self, folder: Path, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.db: sqlite3.Connection | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# gongjian 的生成缓存，可随时删除\n*\n", encoding="utf-8")
            self.db = self._open(folder / STORE_FILE)
        except (OSError, sqlite3.Error):
            self.db = None

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        for attempt in range(2):
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
            try:
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS md (key TEXT PRIMARY KEY, html BLOB, check_ TEXT, used REAL)")
                db.execute("SELECT count(*) FROM md").fetchone()
                return db
            except sqlite3.DatabaseError:
                db.close()
                if attempt:
                    raise
                path.unlink(missing_ok=True)  # not a database (torn or overwritten): start afresh
        raise sqlite3.DatabaseError("unreachable")

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        """Return the intact stored results of `keys`."""
        found: dict[str, str] = {}
        if self.db is None:
            return found
        wanted = list(keys)
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows = self.db.execute(f"SELECT key, html, check_ FROM md WHERE key IN ({','.join('?' * len(chunk))})",
                                       chunk).fetchall()
                for key, html, check in rows:
                    if isinstance(html, bytes) and hashlib.sha256(html).hexdigest() == check:
                        found[key] = html.decode("utf-8")
        except sqlite3.Error:
            self.db = None
        return found

    def put_many(self, items: Mapping[str, str], used: Iterable[str]) -> None:
        """Store new results, mark the used ones, and evict the least recently used beyond the bound."""
        if self.db is None:
            return
        now = time.time()
        try:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO md VALUES (?, ?, ?, ?)",
                                [(k, v.encode("utf-8"), hashlib.sha256(v.encode("utf-8")).hexdigest(), now)
                                 for k, v in items.items()])
            self.db.executemany("UPDATE md SET used = ? WHERE key = ?", [(now, k) for k in used])
            self.db.execute("DELETE FROM md WHERE key IN (SELECT key FROM md ORDER BY used DESC, rowid DESC LIMIT -1 OFFSET ?)",
                            (self.max_entries,))
            self.db.execute("COMMIT")
        except sqlite3.Error:
            self.db = None

    def count(self) -> int:
        """Return how many results are stored."""
        if self.db is None:
            return 0
        return int(self.db.execute("SELECT count(*) FROM md").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        if self.db is not None:
            self.db.close()
            self.db = None


def cache_folder(content_dir: Path) -> Path:
    """Return the memo folder of a site: `.gongjian-cache/` beside its `content/`."""
    return content_dir.resolve().parent / CACHE_DIR


class MarkdownMemo(MarkdownRenderer):
    """A MarkdownRenderer that renders each distinct text once, and remembers it across builds."""

    def __init__(self, allow_raw_html: bool, store: MarkdownStore | None = None) -> None:
        super().__init__(allow_raw_html)
        self.store = store
        self.salt = _salt(allow_raw_html)
        self.memo: dict[tuple[str, str], str] = {}
        self.used: set[tuple[str, str]] = set()
        self.fresh: dict[tuple[str, str], str] = {}
        self.rendered = 0  # texts that went through Python-Markdown, for tests and benchmarks

    def _key(self, mode: str, text: str) -> str:
        return hashlib.sha256(f"{self.salt}|{mode}|{text}".encode()).hexdigest()

    def _lookup(self, mode: str, text: str) -> str:
        pair = (mode, text)
        self.used.add(pair)
        html = self.memo.get(pair)
        if html is None:
            html = super().block(text) if mode == "block" else super().inline(text)
            self.rendered += 1
            self.memo[pair] = self.fresh[pair] = html
        return html

    def block(self, text: str) -> str:
        """Render a Markdown document, once per distinct text."""
        return self._lookup("block", text)

    def inline(self, text: str) -> str:
        """Render one paragraph inline, once per distinct text."""
        return self._lookup("inline", text)

    def fetch(self, texts: Iterable[tuple[str, str]]) -> None:
        """Bring the stored results of (mode, text) pairs into memory in one query (before rendering)."""
        if self.store is None:
            return
        todo = {self._key(m, t): (m, t) for m, t in texts if (m, t) not in self.memo}
        for key, html in self.store.get_many(todo).items():
            self.memo[todo[key]] = html

    def forget_unused(self) -> None:
        """Drop what the last build did not use (the preview's memo stays the size of the content)."""
        self.memo = {pair: html for pair, html in self.memo.items() if pair in self.used}
        self.used = set()

    def save(self) -> None:
        """Store this build's new results and mark the reused ones as recently used."""
        if self.store is not None:
            self.store.put_many({self._key(*p): h for p, h in self.fresh.items()},
                                [self._key(*p) for p in self.used if p not in self.fresh])
        self.fresh = {}
