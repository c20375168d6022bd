"""The Atom feed, sitemap.xml and robots.txt of the public site."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser

from generator.build import build_site

BASE = "https://example.org/gj/"
INTERNAL_VALUES = ["张书记", "0635-0000001", "王某某", "独居老人", "设施短缺陈旧", "村内道路破损", "帮扶措施不够具体", "内部备注"]


def test_feed_parses_with_absolute_urls_and_china_time(showcase: Path) -> None:
    feed = feedparser.parse((showcase / "public/feed.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "测试市直机关共建"
    assert [e.title for e in feed.entries] == ["科技培训进田间 农科专家教种植", "义诊进村 健康到家"]
    story = feed.entries[1]
    assert story.link == BASE + "stories/wanghui-health/"
    assert story.id == BASE + "stories/wanghui-health/"
    assert story.summary == "第一党支部把义诊送到王辉村。"
    assert story.published == "2017-10-25T00:00:00+08:00"
    assert [t.term for t in story.tags] == ["送健康下乡", "先进支部"]
    enclosure = [link.href for link in story.links if link.rel == "enclosure"]
    assert enclosure and enclosure[0].startswith(BASE + "images/") and enclosure[0].endswith("-1280.jpg")
    assert (showcase / "public" / enclosure[0].removeprefix(BASE)).is_file()


def test_story_without_summary_gets_its_opening_text_in_full_sentences(showcase: Path) -> None:
    feed = feedparser.parse((showcase / "public/feed.xml").read_bytes())
    summary = feed.entries[0].summary
    assert summary.startswith("市农科院机关党支部把科技培训办到了地头。")  # Markdown stripped
    assert "**" not in summary and "<" not in summary


def test_feed_never_carries_drafts_or_internal_values(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out, drafts=True, search=False)
    text = (out / "public/feed.xml").read_text(encoding="utf-8")
    assert "草稿故事" not in text
    assert "draft-note" not in (out / "public/sitemap.xml").read_text(encoding="utf-8")
    assert (out / "public/stories/draft-note/index.html").is_file()  # built for preview, but not announced
    for value in INTERNAL_VALUES:
        assert value not in text


def test_sitemap_lists_every_public_page_and_nothing_else(showcase: Path) -> None:
    public = showcase / "public"
    root = ET.fromstring((public / "sitemap.xml").read_bytes())
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = [loc.text or "" for loc in root.findall("s:url/s:loc", ns)]
    pages = sorted(
        BASE + p.relative_to(public).as_posix().removesuffix("index.html")
        for p in public.rglob("*.html")
        if p.name != "404.html" and "pagefind" not in p.relative_to(public).parts
    )
    assert sorted(listed) == pages
    assert len(listed) == len(set(listed)) > 15
    story = root.find("s:url[s:loc='" + BASE + "stories/wanghui-health/']/s:lastmod", ns)
    assert story is not None and story.text == "2017-10-25"


def test_robots_points_at_the_sitemap(showcase: Path) -> None:
    robots = (showcase / "public/robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots
    assert f"Sitemap: {BASE}sitemap.xml" in robots


def test_pages_announce_the_feed(showcase: Path) -> None:
    home = (showcase / "public/index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="application/atom+xml"' in home and 'href="feed.xml"' in home
