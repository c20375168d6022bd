"""Compare search options side by side: recall, precision, index size and time, page weight.

    python benchmarks/search_compare.py            # example site + generated campaign
    python benchmarks/search_compare.py --big      # also index size/time on a larger generated campaign

Options: Pagefind 1.5 extended as shipped before (query as typed; pip install -e '.[bench]'), Pagefind
with the query quoted as a phrase (the workaround upstream suggests), gongjian's bigram index without
the exact check (candidates only), and gongjian's bigram index with the exact check (what ships).
Truth and vocabulary are those of tests/test_search_recall.py. One run each: the machine is shared,
so times are indicative. Prints a Markdown table; nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


from synth import write_campaign  # noqa: E402

from generator.build import build_site  # noqa: E402
from generator.content.load import load_content  # noqa: E402
from generator.model.validate import validate_content  # noqa: E402
from generator.public.search import grams, read_pages, search_files  # noqa: E402
from generator.public.search_text import fold  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.test_search_recall import truth, vocabulary  # noqa: E402

WORK = REPO / "benchmarks/.work/search"
WEIGHT_QUERIES = ("送温暖", "主题党日", "聊城职业技术学院", "义诊", "量子计算", "2017年", "棉被", "科技培训")


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def run_pagefind(public: Path) -> float:
    import pagefind_bin_extended

    started = time.perf_counter()
    subprocess.run([pagefind_bin_extended.get_executable(), "--site", ".", "--output-subdir", "pagefind", "--silent"],
                   cwd=public, check=True, env={k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")})
    return time.perf_counter() - started


def serve(folder: Path) -> tuple[str, object]:
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


PAGEFIND_SEARCH = """async ([words, quoted]) => {
  const pagefind = await import('/pagefind/pagefind.js');
  await pagefind.options({baseUrl: '/'});
  const out = {};
  for (const w of words) {
    const q = quoted ? w.split(/\\s+/).map(t => '"' + t + '"').join(' ') : w;
    const r = await pagefind.search(q);
    out[w] = (await Promise.all(r.results.map(x => x.data()))).map(d => d.url.replace(/^\\//, ''));
  }
  return out;
}"""


def browser_results(browser, base: str, words: list[str], engine: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    if engine == "gongjian":
        page.goto(base + "search/")
        page.wait_for_function("window.gongjianSearch !== undefined")
        found = page.evaluate("async ws => { const r = {}; for (const w of ws) r[w] = await window.gongjianSearch.search(w); return r; }",
                              words)
    else:
        page.goto(base + "404.html")
        found = page.evaluate(PAGEFIND_SEARCH, [words, engine == "pagefind-quoted"])
    page.close()
    return {w: [u.removesuffix("index.html") for u in urls] for w, urls in found.items()}


def page_weight(browser, base: str, folder: Path, engine: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Bytes to open the search page empty, and mean bytes one query then fetches on top (fresh visit)."""
    def visit(url: str, wait: str | None = None, script: str | None = None, arg: str = "") -> int:
        page = browser.new_page()
        sizes: list[int] = []
        page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]))
        page.goto(url)
        if wait:
            page.wait_for_selector(wait)
        if script:
            page.evaluate(script, arg)
        page.wait_for_load_state("networkidle")
        page.close()
        return sum(sizes)

    if engine == "gongjian":
        empty = visit(base + "search/")
        per = [visit(base + "search/?q=" + q, "#search-status:has-text('页面')") - empty for q in WEIGHT_QUERIES]
    else:
        # Pagefind's UI JS/CSS, plus what its API fetches for the query and the first five excerpts (as the UI shows).
        ui = sum((folder / "pagefind" / n).stat().st_size for n in ("pagefind-ui.js", "pagefind-ui.css"))
        start = "async q => { const p = await import('/pagefind/pagefind.js'); await p.options({baseUrl: '/'}); "
        empty = visit(base + "404.html", script=start + "await p.init(); }") + ui
        full = start + "const r = await p.search(q); await Promise.all(r.results.slice(0, 5).map(x => x.data())); }"
        per = [visit(base + "404.html", script=full, arg=q) + ui - empty for q in WEIGHT_QUERIES]
    return empty, round(sum(per) / len(per))


def score(pages, words: list[str], found: dict[str, list[str]]) -> tuple[float, float, list[str]]:  # type: ignore[no-untyped-def]
    hits = returned = relevant = 0
    misses = []
    for w in words:
        want, got = truth(pages, w), set(found[w])
        hits, returned, relevant = hits + len(want & got), returned + len(got), relevant + len(want)
        if want != got:
            misses.append(f"{w}: {len(want)}→{len(got)}")
    return hits / max(relevant, 1), hits / max(returned, 1), misses


def candidates_only(public: Path, words: list[str]) -> dict[str, list[str]]:
    """The bigram index without the exact check: pages that have every gram of the query."""
    pages = read_pages(public)
    page_grams = [grams(p.text) for p in pages]
    out = {}
    for w in words:
        need = set()
        for term in fold(w).split():
            need |= {term} if len(term) == 1 else {a + b for a, b in itertools.pairwise(term)}
        out[w] = [p.url for p, g in zip(pages, page_grams, strict=True) if need <= g]
    return out


def measure_site(name: str, content: Path, browser, with_browser: bool = True) -> list[str]:  # type: ignore[no-untyped-def]
    out = WORK / name
    if out.exists():
        shutil.rmtree(out)
    build_site(content, out / "site", search=False)
    plain = out / "site/public"
    site = validate_content(load_content(content))
    rows = []
    copies = {}
    for engine in ("pagefind", "gongjian"):
        copy = out / engine
        shutil.copytree(plain, copy)
        copies[engine] = copy
    t_pf = run_pagefind(copies["pagefind"])
    started = time.perf_counter()
    public = {p.relative_to(copies["gongjian"]).as_posix(): p.read_bytes() for p in copies["gongjian"].rglob("*.html")}
    for rel, data in search_files(public).items():  # the same index a build hands to the writer
        (copies["gongjian"] / rel).parent.mkdir(parents=True, exist_ok=True)
        (copies["gongjian"] / rel).write_bytes(data)
    t_gj = time.perf_counter() - started
    size_pf = folder_size(copies["pagefind"] / "pagefind")
    size_gj = folder_size(copies["gongjian"] / "search/data")
    pages = read_pages(copies["gongjian"])
    print(f"{name}: {len(pages)} indexed pages; load {Path('/proc/loadavg').read_text().split()[:3]}", file=sys.stderr)
    if not with_browser:
        rows.append(f"| {name} | Pagefind 1.5.2 | – | – | {size_pf[1] / 1e6:.2f} MB / {size_pf[0]} | {t_pf:.1f} s | – |")
        rows.append(f"| {name} | gongjian 二字索引 | – | – | {size_gj[1] / 1e6:.2f} MB / {size_gj[0]} | {t_gj:.1f} s | – |")
        return rows
    words = vocabulary(site, pages)
    results = {}
    for engine, folder in (("pagefind", copies["pagefind"]), ("pagefind-quoted", copies["pagefind"]), ("gongjian", copies["gongjian"])):
        base, server = serve(folder)
        results[engine] = (browser_results(browser, base, words, engine), page_weight(browser, base, folder, engine.split("-")[0]))
        server.shutdown()  # type: ignore[attr-defined]
    results["candidates"] = (candidates_only(copies["gongjian"], words), results["gongjian"][1])
    labels = {"pagefind": "Pagefind 1.5.2,照原样查询", "pagefind-quoted": "Pagefind 1.5.2,查询加引号(短语)",
              "candidates": "二字索引,不做精确核对", "gongjian": "二字索引 + 精确核对(采用)"}
    for engine in ("pagefind", "pagefind-quoted", "candidates", "gongjian"):
        found, (empty, per_query) = results[engine]
        recall, precision, misses = score(pages, words, found)
        size, seconds = (size_pf, t_pf) if engine.startswith("pagefind") else (size_gj, t_gj)
        rows.append(f"| {name}({len(words)} 个词) | {labels[engine]} | {recall:.3f} | {precision:.3f} | "
                    f"{size[1] / 1e6:.2f} MB / {size[0]} 个文件 | {seconds:.1f} s | {empty / 1e3:.0f} KB + {per_query / 1e3:.0f} KB |")
        print(engine, name, "misses:", misses[:12], file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    WORK.mkdir(parents=True, exist_ok=True)
    example = WORK / "example-content"
    if example.exists():
        shutil.rmtree(example)
    shutil.copytree(REPO / "content", example)
    rows = ["| 网站 | 做法 | 查全率 | 查准率 | 索引大小 / 文件数 | 建索引时间 | 页面重量:打开搜索页 + 每次查询 |",
            "|---|---|---|---|---|---|---|"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        rows += measure_site("示例网站", example, browser)
        generated = write_campaign(WORK / "generated-content", branches=60, activities=240, stories=16)
        rows += measure_site("生成的共建", generated, browser)
        if args.big:
            big = write_campaign(WORK / "big-content", branches=2000, activities=10000, stories=500)
            rows += measure_site("M 规模", big, browser, with_browser=False)
        browser.close()
    print("\n".join(rows))
    print("loadavg", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main()
