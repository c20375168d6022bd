"""Markdown: one <h1> per page, readable Chinese anchors, inline summaries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render.markup import PLAIN_INLINE, MarkdownRenderer


def test_body_h1_becomes_h2_so_the_title_stays_the_only_h1() -> None:
    html = MarkdownRenderer().block("# 大标题\n\n## 小标题\n\n正文")
    assert "<h1" not in html
    assert '<h2 id="大标题">大标题</h2>' in html and '<h2 id="小标题">小标题</h2>' in html


def test_inline_summary_has_no_paragraph_wrapper() -> None:
    assert MarkdownRenderer().inline("为村民**免费**查体") == "为村民<strong>免费</strong>查体"


def test_raw_html_is_kept_only_when_the_site_allows_it() -> None:
    text = "<b onclick=\"x()\">粗</b><script>alert(1)</script>"
    assert MarkdownRenderer(allow_raw_html=False).block(text) == "<p><b>粗</b></p>"
    assert "<script>" in MarkdownRenderer(allow_raw_html=True).block(text)


_PLAIN_ALPHABET = "村民党员支部共建活动一二三0123456789AZaz，。、；：！？（）《》“”—…·,.:;%/()"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_PLAIN_ALPHABET, min_size=1, max_size=40))
def test_plain_inline_shortcut_renders_what_python_markdown_renders(text: str) -> None:
    renderer = MarkdownRenderer()
    if PLAIN_INLINE.fullmatch(text):
        assert renderer.inline(text) == renderer.inline_markdown(text)


def test_text_with_markdown_syntax_is_not_taken_for_plain() -> None:
    for text in ("**粗**", "a_b_", "[链接](x)", "1. 第一", "# 标题", "<b>x</b>", "a  b", "x&y"):
        assert not PLAIN_INLINE.fullmatch(text)
