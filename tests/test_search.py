"""The search index: public pages only, what it reads of a page, and the search page with its filters."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.public.search import SearchIndexError, gram_hash, grams, index_stats, read_pages, search_files
from generator.public.search_text import extract, fold
from generator.write import MARKER
from tests.conftest import FIXTURES

PAGE = """<!DOCTYPE html><html><head><title>页</title><script>var 脚本 = 1;</script></head><body>
<header><a href="../../">首页</a></header>
<main data-pagefind-body><h1>把诊室<em>搬到</em>村头</h1>
<p class="meta"><time datetime="2018-03-02">2018年3月2日</time> <a href="../../units/dsyy/">医院</a></p>
<table><tr><td>大米</td><td>189 袋</td></tr></table>
<p>城关１村&amp;ＡＢ<br>第二行</p><p data-pagefind-ignore><a href="../../units/other/">← 返回</a>不计入<img alt="图"></p>
<style>.x{}</style><p>结尾</p></main><footer>页脚文字</footer></body></html>"""


def test_the_indexed_text_is_the_body_minus_ignored_parts() -> None:
    page = extract(PAGE, "stories/a/index.html")
    assert page is not None
    assert page.url == "stories/a/" and page.kind == "故事" and page.title == "把诊室搬到村头"
    assert page.text == "把诊室搬到村头 2018年3月2日 医院 大米 189 袋 城关１村&ＡＢ 第二行 结尾"
    assert page.units == ("dsyy",) and page.years == (2018,)  # the ignored link to another unit does not count
    assert extract("<main><p>没有索引区</p></main>", "tags/index.html") is None


def test_folding_keeps_every_position_and_grams_skip_spaces() -> None:
    assert fold("城关１村ＡＢc　X") == "城关1村abc x"
    assert grams("党日 ＡB") == {"党", "日", "党日", "a", "b", "ab"}
    assert gram_hash("党日") == (ord("党") * 31 + ord("日")) & 0xFFFFFFFF


@pytest.mark.parametrize("text", ["", " ", "党日  党日 党日", "共建\n村 ＡＢ　ab", " 首尾 ", "一 一一 一"])
def test_grams_are_every_character_and_pair_that_is_not_a_space(text: str) -> None:
    folded = fold(text)
    pairs = {folded[i:i + 2] for i in range(len(folded) - 1)}
    assert grams(text) == {g for g in set(folded) | pairs if " " not in g}


def test_only_public_pages_with_a_body_are_indexed(showcase: Path) -> None:
    assert not (showcase / "internal/search").exists()
    meta = json.loads((showcase / "public/search/data/meta.json").read_text(encoding="utf-8"))
    body_pages = [p for p in (showcase / "public").rglob("*.html") if "data-pagefind-body" in p.read_text(encoding="utf-8")]
    # story, unit, month and progress pages; never the lists (they would repeat every story), 404 or search
    assert len(meta["pages"]) == len(body_pages) == len(read_pages(showcase / "public")) == 7
    assert {p["k"] for p in meta["pages"]} == {"故事", "单位", "活动", "进展"}
    texts = [row[1] for f in (showcase / "public/search/data/text").iterdir() for row in json.loads(f.read_text(encoding="utf-8"))]
    assert len(texts) == 7


def test_the_index_is_written_by_the_one_writer_with_the_pages(tmp_path: Path) -> None:
    from generator.build import build_site

    shutil.copytree(FIXTURES / "showcase", tmp_path / "project")
    out = tmp_path / "site"
    build_site(tmp_path / "project" / "content", out)
    files = json.loads((out / ".gongjian-manifest.json").read_text(encoding="utf-8"))["files"]
    assert "public/search/data/meta.json" in files and files["public/search/data/meta.json"][0]  # hashed like any page
    assert (out / MARKER).is_file()


def test_an_undecodable_page_is_reported_in_plain_words() -> None:
    with pytest.raises(SearchIndexError) as caught:
        search_files({"index.html": "<main data-pagefind-body>正文</main>".encode("gbk")})
    assert caught.value.lines()[0].startswith("生成搜索索引失败：")


def test_the_index_follows_the_pages_it_is_given() -> None:
    first = search_files({"index.html": "<main data-pagefind-body>第一版</main>".encode()})
    second = search_files({"index.html": "<main data-pagefind-body>第二版</main>".encode()})
    assert index_stats(first).pages == index_stats(second).pages == 1
    assert "第二版" in second["search/data/text/0.json"].decode("utf-8")
    assert all(rel.startswith("search/data/") for rel in second)


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_search_page_marks_the_query_and_filters_with_counts(
    showcase: Path, browser, serve_folder: Callable[[Path], str], width: int  # type: ignore[no-untyped-def]
) -> None:
    public = showcase / "public"
    pages = read_pages(public)
    query = "党支部"
    truth = [p for p in pages if query in fold(p.text)]
    assert len({p.kind for p in truth}) >= 2  # the filter has something to filter
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(serve_folder(public) + "search/?q=" + query)
    page.wait_for_selector("#search-results li")
    assert f"共 {len(truth)} 个" in page.inner_text("#search-status")
    assert page.locator("#search-results li").count() == len(truth)
    marks = page.locator("#search-results .excerpt mark").all_inner_texts()
    assert marks and all(fold(m) == query for m in marks)  # the query itself is marked, nothing else
    stories = [p for p in truth if p.kind == "故事"]
    chip = page.locator("#facet-kind label", has_text="故事")
    assert chip.locator(".count").inner_text() == str(len(stories))
    chip.click()
    assert page.locator("#search-results li").count() == len(stories)
    assert "kind=" in page.url  # the filter is kept in the address, so a filtered search can be shared
    box = page.locator("#search-facets").bounding_box()
    assert box is not None and box["width"] <= width  # the filters fit the screen
    unit_options = page.locator("#facet-unit option").all_inner_texts()
    assert unit_options[0].startswith("全部单位") and len(unit_options) >= 2
    option = page.locator("#facet-unit option").nth(1)
    shown = int(re.search(r"（(\d+)）", option.inner_text()).group(1))  # type: ignore[union-attr]
    page.select_option("#facet-unit", option.get_attribute("value"))
    assert page.locator("#search-results li").count() == shown >= 1 and "unit=" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off the side
    assert not errors, errors
