"""Public planning: pagination, tag pages, per-unit story lists, sharing meta, heading outline."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from generator.build import build_site, check_site
from generator.public.public_pages import PAGE_SIZE, UNIT_PAGE_STORIES, paginate

STORY = """---
title: 第{n}个先进支部故事
date: 2017-10-{day:02d}
unit: hosp
tags: [{tags}]
summary: 第{n}篇的摘要。
---
正文{n}。
"""


def many_stories(count: int) -> dict[str, str | bytes | None]:
    """A generated fixture: `count` stories, every third one also tagged 先锦 (a homophone of 先进)."""
    return {
        f"stories/story-{n:03d}.md": STORY.format(n=n, day=n % 28 + 1, tags="先进" + (", 先锦" if n % 3 == 0 else ""))
        for n in range(1, count + 1)
    }


def test_paginate_splits_into_numbered_pages() -> None:
    pages = paginate(list(range(45)), "stories/", size=20)
    assert [url for url, _, _ in pages] == ["stories/", "stories/page/2/", "stories/page/3/"]
    assert [len(items) for _, items, _ in pages] == [20, 20, 5]
    second = pages[1][2]
    assert (second.number, second.count, second.previous, second.next) == (2, 3, "stories/", "stories/page/3/")
    assert paginate([], "tags/x/")[0][2].count == 1  # an empty list still has its page


def test_long_story_lists_are_paginated_with_working_links(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(many_stories(45)), out, search=False)
    public = out / "public"
    total = 46  # 45 generated + the fixture's published story
    pages = [public / "stories/index.html", public / "stories/page/2/index.html", public / "stories/page/3/index.html"]
    assert all(p.is_file() for p in pages)
    assert not (public / "stories/page/4").exists()
    cards = [len(re.findall(r'<li class="card">', p.read_text(encoding="utf-8"))) for p in pages]
    assert cards == [PAGE_SIZE, PAGE_SIZE, total - 2 * PAGE_SIZE]
    second = pages[1].read_text(encoding="utf-8")
    assert '<a rel="prev" href="../../">' in second and '<a rel="next" href="../3/">' in second
    assert '<a aria-current="page" href="./">2</a>' in second
    assert "<title>先进支部（第 2 页）" in second
    # the unit's own list is paginated the same way
    assert (public / "units/hosp/stories/page/3/index.html").is_file()


def test_homophone_tags_get_separate_pages(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(many_stories(6)), out, search=False)
    xianjin = (out / "public/tags/xian-jin/index.html").read_text(encoding="utf-8")
    xianjin2 = (out / "public/tags/xian-jin-2/index.html").read_text(encoding="utf-8")
    assert "<h1>标签：先进</h1>" in xianjin and xianjin.count('<li class="card">') == 6
    assert "<h1>标签：先锦</h1>" in xianjin2 and xianjin2.count('<li class="card">') == 2
    tags = (out / "public/tags/index.html").read_text(encoding="utf-8")
    assert 'href="xian-jin/">先进</a>' in tags and 'href="xian-jin-2/">先锦</a>' in tags


def test_tag_urls_are_stable_across_builds_and_story_order(scratch) -> None:  # type: ignore[no-untyped-def]
    first = {p.path for p in check_site(scratch(many_stories(6))).public.pages if p.path.startswith("tags/")}
    files = many_stories(6)
    files["stories/story-001.md"] = str(files["stories/story-001.md"]).replace("[先进]", "[先锦, 先进]")
    second = {p.path for p in check_site(scratch(files)).public.pages if p.path.startswith("tags/")}
    assert first == second == {"tags/index.html", "tags/xian-jin/index.html", "tags/xian-jin-2/index.html",
                               "tags/song-jian-kang-xia-xiang/index.html", "tags/xian-jin-zhi-bu/index.html"}


def test_story_page_has_sharing_meta_and_canonical_link(showcase: Path) -> None:
    page = (showcase / "public/stories/wanghui-health/index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.org/gj/stories/wanghui-health/">' in page
    assert '<meta property="og:url" content="https://example.org/gj/stories/wanghui-health/">' in page
    assert '<meta property="og:title" content="义诊进村 健康到家">' in page
    assert '<meta property="og:description" content="第一党支部把义诊送到王辉村。">' in page
    assert '<meta name="description" content="第一党支部把义诊送到王辉村。">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert '<meta property="article:published_time" content="2017-10-25T00:00:00+08:00">' in page


def test_every_page_has_a_canonical_link_except_404(showcase: Path) -> None:
    public = showcase / "public"
    for file in public.rglob("*.html"):
        rel = file.relative_to(public).as_posix()
        if rel.startswith("pagefind/"):
            continue
        html = file.read_text(encoding="utf-8")
        expected = "https://example.org/gj/" + rel.removesuffix("index.html")
        if rel == "404.html":
            assert 'rel="canonical"' not in html
        else:
            assert f'<link rel="canonical" href="{expected}">' in html, rel


def test_headings_descend_one_level_at_a_time(showcase: Path) -> None:
    public = showcase / "public"
    for file in sorted(public.rglob("*.html")):
        if "pagefind" in file.relative_to(public).parts:
            continue
        levels = [int(n) for n in re.findall(r"<h([1-6])\b", file.read_text(encoding="utf-8"))]
        assert levels and levels[0] == 1 and levels.count(1) == 1, file
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (file, levels)


def test_unit_page_shows_its_newest_stories_and_links_to_the_rest(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(many_stories(6)), out, search=False)
    unit = (out / "public/units/hosp/index.html").read_text(encoding="utf-8")
    assert unit.count('<li class="card">') == UNIT_PAGE_STORIES
    assert 'href="stories/">市第四人民医院的全部 7 篇故事' in unit
    listing = (out / "public/units/hosp/stories/index.html").read_text(encoding="utf-8")
    assert listing.count('<li class="card">') == 7 and "<h1>市第四人民医院的先进支部故事</h1>" in listing


def test_a_unit_with_few_stories_shows_them_all_on_its_page(showcase: Path) -> None:
    unit = (showcase / "public/units/hosp/index.html").read_text(encoding="utf-8")
    assert "义诊进村 健康到家" in unit and "科技培训进田间" not in unit
    assert "全部 1 篇故事" not in unit and not (showcase / "public/units/hosp/stories").exists()
