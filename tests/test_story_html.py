"""Sanitised story HTML stays valid: hostile raw HTML gives pages the Nu checker and the link checker accept."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.render.markup import MarkdownRenderer, repair
from tests.conftest import run_cli
from tests.sitecheck import broken_links, link_count
from tests.test_site_quality import html_files, newer_than_checker, nu_checker
from tests.test_xss import _payload_site

# Raw HTML a writer may paste from a word processor or an old web page, beside the XSS payloads.
HOSTILE = [
    '<img src="https://example.org/a.png">', '<a name="x">锚</a>', "<a>空链接</a>", '<a href=" ">空白</a>',
    "<center>居中</center>", "<font color=red>红</font>", "<strike>s</strike><tt>t</tt><acronym>a</acronym>",
    '<table align=center border=1><tr><td colspan=0 align=left>格</td><td rowspan=abc>b</td></tr></table>',
    "<li>孤立的列表项</li>", "<dt>词</dt><dd>义</dd>", "<figcaption>说明</figcaption>", "<summary>摘要</summary>",
    "<span><div>块在行内</div></span>", "<h3><div>块在标题里</div></h3>", "<em><ul><li>列表在强调里</li></ul></em>",
    '<img src="https://example.org/b.png" width="abc" height="-1">', '<ol start="abc" type="i"><li value="x">一</li></ol>',
    '<time datetime="bad">时</time>', '<p id="a b">有空格的 id</p>', '<sup id="">空 id</sup>',
    '<a href="https://example.org/"><div>链接里的块</div></a>', "<pre><div>预排版里的块</div></pre>",
    "<details><summary>展开</summary><p>内容</p></details>", '<map name="m"><area href="x"></map>',
]


def test_kept_images_get_alt_and_links_without_href_are_unwrapped() -> None:
    html = MarkdownRenderer().block('<img src="https://example.org/a.png"> <a name="x">锚</a> '
                                    '<a href="javascript:alert(1)">js</a> <a id="top">顶</a>')
    assert html == '<p><img src="https://example.org/a.png" alt=""> 锚 js <span id="top">顶</span></p>'


def test_misplaced_elements_are_unwrapped_and_bad_numbers_dropped() -> None:
    assert repair("<span><div>块</div></span>") == "<span>块</span>"
    assert repair("<div><li>项</li></div><ul><li>好</li></ul>") == "<div>项</div><ul><li>好</li></ul>"
    assert repair('<td colspan="0" rowspan="2">x</td>') == '<td rowspan="2">x</td>'
    assert repair('<img alt="说明" src="a.png" width="12px">') == '<img alt="说明" src="a.png">'
    assert repair("<img>") == ""


def test_inline_summaries_keep_only_phrasing_elements() -> None:
    assert MarkdownRenderer().inline("一段 <div>块</div>\n\n第二段 <ul><li>项</li></ul>") == "一段 块\n第二段 项"


@pytest.mark.slow
@pytest.mark.e2e
def test_hostile_raw_html_gives_pages_the_nu_checker_and_link_checker_accept(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = _payload_site(scratch)
    (content / "stories/pasted.md").write_text(
        "---\ntitle: 粘贴来的网页\ndate: 2017-10-22\nunit: xss\n---\n" + "\n\n".join(HOSTILE) + "\n", encoding="utf-8")
    out = tmp_path / "site"
    result = run_cli("build", "--content", str(content), "--out", str(out), "--no-cache")
    assert result.returncode == 0, result.stderr
    public = out / "public"
    files = html_files(public)
    assert public / "stories/pasted/index.html" in files and public / "stories/xss/index.html" in files
    # A page known to be invalid rides along, to show the checker does report errors.
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html lang=zh-CN><title>x</title><p><img src=a.png><a>x</a>", encoding="utf-8")
    checked = nu_checker(*map(str, files), str(bad))
    errors = [line for line in checked.stdout.splitlines() if line.strip() and not newer_than_checker(line)]
    assert errors and all(line.startswith(f'"file:{bad}"') for line in errors), checked.stdout + checked.stderr
    assert link_count(public) > 100
    assert broken_links(public, url_root="/gj/") == []
