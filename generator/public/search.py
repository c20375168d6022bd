"""Full-text search for the public site: a character-bigram index that gongjian writes itself.

Chinese has no spaces, and word segmenters disagree (the indexer's and the browser's), so a
word-based engine misses pages. This index keys every page by each character and each pair of
adjacent characters of its text; the browser (templates/static/search.js) intersects the pairs of
the query and then checks the stored text for the exact query, so a result always contains it and
no page that contains it is missed. Layout under `search/data/` of the public folder:

- `meta.json`: pages (URL, title, kind, unit numbers, years, text chunk), units (id, name), shard count;
- `grams/<n>.json`: {gram: [page numbers]} for the grams whose hash falls in shard n;
- `text/<n>.json`: [[page number, text], …], a few pages per file.
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import GongjianError
from generator.public.search_text import PageText, extract, fold

DATA = "search/data"
FORMAT = 1
SHARD_BYTES = 16_000  # aim per grams file: a query of a few characters fetches a few small files
CHUNK_BYTES = 32_000  # aim per text file


class SearchIndexError(GongjianError):
    """The search index could not be built; the previous site stays in place."""


@dataclass(frozen=True)
class IndexStats:
    """What index_search wrote: pages indexed, files and bytes."""

    pages: int
    files: int
    bytes: int


def gram_hash(gram: str) -> int:
    """Hash a gram over its code points (the same arithmetic as search.js)."""
    h = 0
    for char in gram:
        h = (h * 31 + ord(char)) & 0xFFFFFFFF
    return h


def grams(text: str) -> set[str]:
    """Return every character and every pair of adjacent characters of the folded text, spaces excluded."""
    found: set[str] = set()
    # A gram never spans a space, so each distinct word is enough (listing pages repeat many words).
    for word in set(fold(text).split(" ")):
        found.update(word)
        found.update(map(operator.add, word, word[1:]))
    return found


@dataclass(frozen=True)
class PageEntry:
    """What the index takes from one page alone: its text, its grams and the text's size in UTF-8 bytes."""

    page: PageText
    grams: frozenset[str]
    weight: int


def page_entry(page: PageText) -> PageEntry:
    """Return one page's part of the index (the costly part: the index only merges these)."""
    return PageEntry(page, frozenset(grams(page.text)), len(page.text.encode("utf-8")))


def read_pages(public_dir: Path) -> list[PageText]:  # for tests and benchmarks: what a built folder indexes
    """Extract every indexed page of a built public folder, in URL order."""
    pages = []
    for path in sorted(public_dir.rglob("*.html")):
        rel = path.relative_to(public_dir).as_posix()
        if rel.startswith(DATA + "/"):
            continue
        page = extract(path.read_text(encoding="utf-8"), rel)
        if page is not None:
            pages.append(page)
    return pages


def _dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _shard_count(postings: dict[str, list[int]]) -> int:
    estimate = sum(len(g.encode("utf-8")) + 6 + 4 * len(ids) for g, ids in postings.items())
    count = 1
    while count * SHARD_BYTES < estimate and count < 4096:
        count *= 2
    return count


def index_files(entries: Sequence[PageEntry], pause: Callable[[], None] = lambda: None) -> dict[str, bytes]:
    """Lay out the index of these pages (their entries, in URL order) as files relative to the data folder.

    `pause` is called every 50 pages (the preview stops here when a new save comes).
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for number, entry in enumerate(entries):
        if number % 50 == 0:
            pause()
        for gram in entry.grams:
            postings[gram].append(number)
    shards = _shard_count(postings)
    by_shard: list[dict[str, list[int]]] = [{} for _ in range(shards)]
    for gram in sorted(postings):
        by_shard[gram_hash(gram) % shards][gram] = postings[gram]
    files = {f"grams/{n}.json": _dump(shard) for n, shard in enumerate(by_shard)}

    chunk_of: list[int] = []
    chunks: list[list[list[object]]] = [[]]
    size = 0
    for number, entry in enumerate(entries):
        page, weight = entry.page, entry.weight
        if chunks[-1] and size + weight > CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append([number, page.text])
        size += weight
        chunk_of.append(len(chunks) - 1)
    files.update({f"text/{n}.json": _dump(chunk) for n, chunk in enumerate(chunks)})

    pages = [entry.page for entry in entries]
    names = {u: u for page in pages for u in page.units}
    names.update({page.url.split("/")[1]: page.title for page in pages if page.kind == "单位" and page.url.count("/") == 2})
    unit_ids = sorted(names)
    unit_number = {u: n for n, u in enumerate(unit_ids)}
    meta = {
        "format": FORMAT,
        "shards": shards,
        "units": [[u, names[u]] for u in unit_ids],
        "pages": [
            {"u": p.url, "t": p.title, "k": p.kind, "n": [unit_number[u] for u in p.units], "y": list(p.years), "c": chunk_of[i]}
            for i, p in enumerate(pages)
        ],
    }
    files["meta.json"] = _dump(meta)
    return files


def indexed(rel: str) -> bool:
    """Return whether a public output path is a page the index takes (its own data files are not)."""
    return rel.endswith(".html") and not rel.startswith(DATA + "/")


def page_search_text(rel: str, data: bytes) -> PageText | None:
    """Return what the index keeps of one page's HTML (None when the page is left out)."""
    try:
        return extract(data.decode("utf-8"), rel)
    except UnicodeDecodeError as error:
        raise SearchIndexError(f"生成搜索索引失败：{rel}：{error}") from None


def index_of(entries: Sequence[PageEntry], pause: Callable[[], None] = lambda: None) -> dict[str, bytes]:
    """Return the index files (paths under the public folder) of these pages' entries, given in URL order.

    The index is made from the pages in memory and handed to the writer like any page.
    """
    return {f"{DATA}/{rel}": data for rel, data in index_files(entries, pause).items()}


def search_files(public: Mapping[str, bytes]) -> dict[str, bytes]:
    """Return the index files (paths under the public folder) for the public pages given as rel → HTML bytes."""
    found = [page for rel in sorted(public) if indexed(rel) and (page := page_search_text(rel, public[rel])) is not None]
    return index_of([page_entry(page) for page in found])


def index_stats(files: Mapping[str, bytes]) -> IndexStats:
    """Return how many pages, files and bytes an index has."""
    meta = json.loads(files[f"{DATA}/meta.json"])
    return IndexStats(pages=len(meta["pages"]), files=len(files), bytes=sum(map(len, files.values())))
