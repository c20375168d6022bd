"""Reuse earlier build work keyed by content hashes, so a rebuild costs what changed.

The cache lives in `.gongjian-cache/` beside `content/` (never inside the
output, which is swapped in whole). It holds one SQLite file with
- Markdown results, keyed by the hash of the text, its mode and the code salt;
- per output folder, the state of the last build written there: the hash of
  every input (content, templates, generator code, options), the key of every
  page (a hash of its template, path and pickled context), and the hash, size,
  mtime and inode of every file of the live and spare trees (see write.py).
Every stored value carries its own SHA-256 and is dropped when it does not
match; an unreadable database is replaced. Nothing stored is ever unpickled or
executed. The code salt hashes the generator's own source and the versions of
the libraries that shape the output, so a changed generator never meets old
entries. Anything doubtful is recomputed: the cache can make a build slower,
never different (tests/test_cache*.py compare with cold builds byte for byte).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import pickle
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from generator.markup import MarkdownRenderer
from generator.pages import Page, Plan
from generator.write import _intact, scan_tree, write_site_reusing

CACHE_DIR = ".gongjian-cache"
FORMAT = "1"  # bump when the layout of stored entries changes
_LIBRARIES = ("jinja2", "markupsafe", "markdown", "nh3", "pyyaml")


def cache_folder(content_dir: Path) -> Path:
    """Return the cache folder of a site: `.gongjian-cache/` beside its `content/`."""
    return content_dir.resolve().parent / CACHE_DIR


def digest(data: bytes) -> str:
    """Return the SHA-256 of `data` as hex."""
    return hashlib.sha256(data).hexdigest()


@functools.cache
def code_salt() -> str:
    """Hash the generator's source and the versions of the libraries that shape its output."""
    h = hashlib.sha256(f"{FORMAT}|{sys.version}|".encode())
    for name in _LIBRARIES:
        try:
            h.update(f"{name}={importlib.metadata.version(name)}|".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{name}=?|".encode())
    package = Path(__file__).resolve().parent
    for file in sorted(package.rglob("*.py")):
        h.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


_STABLE_NS = 2_000_000_000  # a file unchanged this long before it was hashed can be known again by its stat


def tree_digests(root: Path, known: Mapping[str, list[int | str]], fresh: dict[str, list[int | str]]) -> dict[str, str]:
    """Hash every file under `root` (following links, as loading does); folders map to ''.

    A file whose size, mtime, ctime and inode are those recorded when it was last
    hashed, and which had then been stable for two seconds, keeps its recorded hash
    without being read (as git's index does); ctime changes with every write and
    cannot be set back, so an edited file is always read again. The records of this
    run go to `fresh`.
    """
    found: dict[str, str] = {}
    if not root.is_dir():
        return found
    seen: set[str] = set()
    now = time.time_ns()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a link back up the tree: walk it once
            dirnames.clear()
            continue
        seen.add(real)
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        found[prefix] = ""
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
                signature: list[int | str] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
                record = known.get(path)
                if record is not None and record[:4] == signature and int(record[5]) - st.st_ctime_ns > _STABLE_NS:
                    value = str(record[4])
                else:
                    with open(path, "rb") as handle:
                        value = digest(handle.read())
                    record = [*signature, value, now]
                fresh[path] = record
            except OSError:
                value = "unreadable"
            found[prefix + name] = value
    return found


@dataclass(frozen=True)
class Inputs:
    """Everything a build reads, hashed: its key, the hash of each file by absolute path, their stat records."""

    key: str
    files: Mapping[str, str]
    records: Mapping[str, list[int | str]]


def hash_inputs(content_dir: Path, template_dirs: list[Path], options: str,
                known: Mapping[str, list[int | str]]) -> Inputs:
    """Hash the content, the template folders, the generator code and the build options."""
    h = hashlib.sha256(f"{code_salt()}|{options}|".encode())
    files: dict[str, str] = {}
    records: dict[str, list[int | str]] = {}
    for root in [content_dir, *template_dirs]:
        resolved = root.resolve()
        h.update(f"root {resolved}\0".encode())
        for rel, value in tree_digests(resolved, known, records).items():
            h.update(f"{rel}\0{value}\0".encode())
            if value:
                files[str(resolved / rel)] = value
    return Inputs(h.hexdigest(), files, records)


class Store:
    """One SQLite file of checked entries; any failure turns the cache off, never the build."""

    def __init__(self, folder: Path) -> None:
        self.db: sqlite3.Connection | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# gongjian 的生成缓存,可随时删除\n*\n", encoding="utf-8")
            self.db = self._open(folder / "cache.sqlite3")
        except (OSError, sqlite3.Error):
            self.db = None

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        for attempt in range(2):
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
            try:
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value BLOB, check_ TEXT,"
                           " PRIMARY KEY (kind, key))")
                db.execute("SELECT count(*) FROM entries WHERE kind = 'probe'").fetchone()
                return db
            except sqlite3.DatabaseError:
                db.close()
                if attempt:
                    raise
                path.unlink(missing_ok=True)  # not a database (torn or overwritten): start afresh
        raise sqlite3.DatabaseError("unreachable")

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, bytes]:
        """Return the stored values of `keys` that are present and intact."""
        found: dict[str, bytes] = {}
        if self.db is None:
            return found
        wanted = list(keys)
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows = self.db.execute(
                    f"SELECT key, value, check_ FROM entries WHERE kind = ? AND key IN ({','.join('?' * len(chunk))})",
                    [kind, *chunk]).fetchall()
                for key, value, check in rows:
                    if isinstance(value, bytes) and digest(value) == check:
                        found[key] = value
        except sqlite3.Error:
            self.db = None
            return {}
        return found

    def put_many(self, kind: str, items: Mapping[str, bytes]) -> None:
        """Store entries (each with its own check), in one transaction."""
        if self.db is None or not items:
            return
        try:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                                [(kind, key, value, digest(value)) for key, value in items.items()])
            self.db.execute("COMMIT")
        except sqlite3.Error:
            self.db = None

    def close(self) -> None:
        """Close the database."""
        if self.db is not None:
            self.db.close()
            self.db = None


# ---------------------------------------------------------------- Markdown

# Text with none of Markdown's or HTML's special characters, no whitespace (so no
# block syntax: lists, headings and code need a space or a line break) and nothing
# nh3 rewrites renders inline as itself. tests/test_cache_markdown.py checks this
# against Python-Markdown + nh3 on generated text.
_PLAIN_INLINE = re.compile(r"[0-9A-Za-z\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e\u2010-\u2027\u00b7,.:;%/()]+")
_PARALLEL_CHARS = 400_000  # below this much uncached text, starting worker processes costs more than it saves
_WORKERS = 2
_worker_renderer: MarkdownRenderer | None = None


def _start_worker(allow_raw_html: bool) -> None:
    global _worker_renderer
    _worker_renderer = MarkdownRenderer(allow_raw_html)


def _render_chunk(chunk: list[tuple[str, str]]) -> list[str]:
    renderer = _worker_renderer or MarkdownRenderer()
    return [renderer.block(text) if mode == "block" else renderer.inline(text) for mode, text in chunk]


def _pool_context() -> Any:
    """Fork where that is safe (one thread); otherwise forkserver or spawn."""
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class CachedMarkdown(MarkdownRenderer):
    """A MarkdownRenderer that remembers results, in memory and in the store, and can render ahead in parallel."""

    def __init__(self, allow_raw_html: bool, store: Store | None, workers: int = _WORKERS) -> None:
        super().__init__(allow_raw_html)
        self.store = store
        self.workers = workers
        self.salt = f"{code_salt()}|{allow_raw_html}|"
        self.memo: dict[tuple[str, str], str] = {}
        self.fresh: dict[str, bytes] = {}
        self.rendered = 0  # how many texts went through Python-Markdown in this process
        self.parallel = False

    def _key(self, mode: str, text: str) -> str:
        return digest(f"{self.salt}{mode}|{text}".encode())

    def _lookup(self, mode: str, text: str, render: Callable[[str], str]) -> str:
        html = self.memo.get((mode, text))
        if html is not None:
            return html
        if mode == "inline" and _PLAIN_INLINE.fullmatch(text):
            self.memo[(mode, text)] = text
            return text
        key = self._key(mode, text)
        stored = self.store.get_many("md", [key]).get(key) if self.store else None
        if stored is not None:
            html = stored.decode("utf-8")
        else:
            html = render(text)
            self.rendered += 1
            self.fresh[key] = html.encode("utf-8")
        self.memo[(mode, text)] = html
        return html

    def block(self, text: str) -> str:
        """Render a Markdown document, reusing an earlier result of the same text."""
        return self._lookup("block", text, super().block)

    def inline(self, text: str) -> str:
        """Render one paragraph inline, reusing an earlier result of the same text."""
        return self._lookup("inline", text, super().inline)

    def prerender(self, texts: Iterable[tuple[str, str]]) -> None:
        """Fetch stored results for (mode, text) pairs, and render the rest ahead on two processes if worth it."""
        todo: dict[tuple[str, str], str] = {}
        for mode, text in texts:
            pair = (mode, text)
            if pair in self.memo or pair in todo or (mode == "inline" and _PLAIN_INLINE.fullmatch(text)):
                continue
            todo[pair] = self._key(mode, text)
        if not todo:
            return
        stored = self.store.get_many("md", todo.values()) if self.store else {}
        missing: list[tuple[str, str]] = []
        for pair, key in todo.items():
            if key in stored:
                self.memo[pair] = stored[key].decode("utf-8")
            else:
                missing.append(pair)
        if self.workers < 2 or sum(len(text) for _, text in missing) < _PARALLEL_CHARS:
            return  # rendered on demand, in this process
        size = max(1, len(missing) // (self.workers * 8))
        chunks = [missing[i:i + size] for i in range(0, len(missing), size)]
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(self.workers, mp_context=_pool_context(), initializer=_start_worker,
                                 initargs=(self.allow_raw_html,)) as pool:
            for chunk, results in zip(chunks, pool.map(_render_chunk, chunks), strict=True):
                for (mode, text), html in zip(chunk, results, strict=True):
                    self.memo[(mode, text)] = html
                    self.fresh[self._key(mode, text)] = html.encode("utf-8")
        self.rendered += len(missing)
        self.parallel = True

    def save(self) -> None:
        """Store the results rendered in this build."""
        if self.store is not None:
            self.store.put_many("md", self.fresh)
        self.fresh = {}


# ---------------------------------------------------------------- compiled templates


class MemoryBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in this process: a preview rebuild does not compile them again.

    Jinja checks each entry against the hash of the template's current source, so an
    edited template is compiled afresh. Nothing is written to disk.
    """

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill `bucket` from memory, if this template was compiled before."""
        data = self.entries.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a freshly compiled template."""
        self.entries[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = MemoryBytecode()


# ---------------------------------------------------------------- pages and output state


def page_key(salt: str, page: Page) -> str | None:
    """Hash what a page is rendered from; None when its context cannot be serialised (always render it)."""
    try:
        context = pickle.dumps((page.path, page.template, page.context), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a lambda, a generator, a mapping proxy…: no key, no reuse
        return None
    return hashlib.sha256(salt.encode() + b"\0" + context).hexdigest()


def templates_salt(dirs: list[Path], inputs: Inputs) -> str:
    """Hash the template folders (already hashed in `inputs`) for page keys."""
    h = hashlib.sha256(code_salt().encode())
    for d in dirs:
        prefix = str(d.resolve())
        for path in sorted(p for p in inputs.files if p.startswith(prefix + os.sep)):
            h.update(f"{path}\0{inputs.files[path]}\0".encode())
    return h.hexdigest()


@dataclass
class OutputState:
    """What the last build wrote into one output folder, as recorded after it finished."""

    inputs: str = ""
    pages: dict[str, str] = field(default_factory=dict)
    live: dict[str, list[Any]] = field(default_factory=dict)   # rel → [sha256, size, mtime_ns, inode]
    spare: dict[str, list[Any]] = field(default_factory=dict)  # the same, for the spare tree
    summary: dict[str, Any] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """Serialise as JSON."""
        return json.dumps(self.__dict__, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> OutputState | None:
        """Read back what to_bytes wrote; None if it is not that."""
        try:
            raw = json.loads(data)
            state = cls(**{k: raw[k] for k in ("inputs", "pages", "live", "spare", "summary")})
        except (ValueError, KeyError, TypeError):
            return None
        return state


def load_state(store: Store, out_dir: Path) -> OutputState | None:
    """Return the recorded state of an output folder, if any."""
    key = str(out_dir.resolve())
    data = store.get_many("out", [key]).get(key)
    return OutputState.from_bytes(data) if data is not None else None


def save_state(store: Store, out_dir: Path, state: OutputState) -> None:
    """Record the state of an output folder."""
    store.put_many("out", {str(out_dir.resolve()): state.to_bytes()})


class BuildCache:
    """The cache as one build uses it: inputs hashed, the last state of the output, and what is reused."""

    def __init__(self, content_dir: Path, out_dir: Path, options: str, dirs: list[Path]) -> None:
        self.out = out_dir.resolve()
        self.store = Store(cache_folder(content_dir))
        self.stat_key = str(content_dir.resolve())
        known = self.store.get_many("stat", [self.stat_key]).get(self.stat_key)
        try:
            records = json.loads(known) if known is not None else {}
        except ValueError:
            records = {}
        self.inputs = hash_inputs(content_dir, dirs, options, records if isinstance(records, dict) else {})
        self.template_salt = templates_salt(dirs, self.inputs)
        self.state = load_state(self.store, self.out) if self.store.db is not None else None
        self.live_scan = scan_tree(self.out) if self.state is not None else {}
        self.pages: dict[str, str] = {}
        self.reused: dict[str, Path] = {}
        self.digests: dict[str, str] = {}
        self.markdown: CachedMarkdown | None = None

    def _live_intact(self, rel: str) -> bool:
        return self.state is not None and _intact(self.state.live.get(rel), self.live_scan.get(rel))

    def unchanged(self) -> dict[str, Any] | None:
        """Return the recorded summary when the inputs are those of the live output and it is intact."""
        state = self.state
        if state is None or state.inputs != self.inputs.key or set(self.live_scan) != set(state.live):
            return None
        if not all(self._live_intact(rel) for rel in state.live):
            return None
        return state.summary

    def renderer(self, allow_raw_html: bool, texts: Iterable[tuple[str, str]]) -> CachedMarkdown:
        """Return the Markdown renderer of this build, with stored results fetched and big batches rendered ahead."""
        self.markdown = CachedMarkdown(allow_raw_html, self.store)
        self.markdown.prerender(texts)
        return self.markdown

    def pending(self, plan: Plan, side: str, settings: object) -> Plan:
        """Return the part of `plan` that must be rendered; unchanged pages are taken from the live output."""
        salt = f"{self.template_salt}|{side}|{digest(pickle.dumps(settings))}"
        todo = []
        previous = self.state.pages if self.state is not None else {}
        for page in plan.pages:
            rel = f"{side}/{page.path}"
            key = page_key(salt, page)
            if key is not None:
                self.pages[rel] = key
                if previous.get(rel) == key and self._live_intact(rel) and self.state is not None:
                    self.reused[rel] = self.out / rel
                    self.digests[rel] = self.state.live[rel][0]
                    continue
            todo.append(page)
        return Plan(tuple(todo), plan.files)

    def write(self, files: Mapping[str, bytes | Path], summary: dict[str, Any],
              finish: Callable[[Path], None] | None = None) -> None:
        """Write through the spare tree, then record the new state of the output."""
        for rel, content in files.items():
            if rel in self.digests and isinstance(content, Path):
                continue
            if isinstance(content, Path):
                known = self.inputs.files.get(str(content.resolve()))
                self.digests[rel] = known or digest(content.read_bytes())
            else:
                self.digests[rel] = digest(content)
        state = self.state or OutputState()
        live, spare = write_site_reusing(files, self.digests, self.out, state.live if self.state else {},
                                         state.spare if self.state else {}, finish)
        if self.markdown is not None:
            self.markdown.save()
        save_state(self.store, self.out, OutputState(self.inputs.key, self.pages, live, spare, summary))
        self.store.put_many("stat", {self.stat_key: json.dumps(self.inputs.records).encode("utf-8")})

    def close(self) -> None:
        """Release the store."""
        self.store.close()
