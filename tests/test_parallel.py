"""Markdown rendered ahead on two processes, or recognised as plain text, is what one process renders."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import cache as cache_module
from generator.build import build_site
from generator.cache import _PLAIN_INLINE, CachedMarkdown
from generator.markup import MarkdownRenderer
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from synth import write_campaign

SAMPLES = [
    "# 标题\n\n## 标题\n\n## 标题\n\n正文[^1]。\n\n[^1]: 脚注。\n",   # repeated heading ids, footnotes
    "| 村 | 户 |\n|---|---|\n| 王辉村 | 12 |\n",
    "<script>alert(1)</script><b onclick='x()'>粗</b> [链接](javascript:alert(1))\n",
    "1. 一\n2. 二\n\n- 甲\n- 乙\n\n```\ncode\n```\n",
    "*[HTML]: Hyper Text\n\nHTML 与 **加粗** 与 `代码`。\n",
    "为村民**免费查体**。",
    "10月23日，党员走进王辉村，送去棉被12床。",
]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("allow_raw_html", [False, True])
def test_parallel_prerender_equals_one_process(monkeypatch: pytest.MonkeyPatch, allow_raw_html: bool) -> None:
    monkeypatch.setattr(cache_module, "_PARALLEL_CHARS", 0)
    texts = [(mode, text + f"\n\n第{i}段。") for i in range(40) for mode in ("block", "inline") for text in SAMPLES]
    ahead = CachedMarkdown(allow_raw_html, None, workers=2)
    ahead.prerender(texts)
    assert ahead.parallel
    single = MarkdownRenderer(allow_raw_html)
    for mode, text in reversed(texts):  # another order, too: results do not depend on what came before
        expected = single.block(text) if mode == "block" else single.inline(text)
        assert (ahead.block(text) if mode == "block" else ahead.inline(text)) == expected


def test_small_batches_stay_in_process() -> None:
    ahead = CachedMarkdown(False, None, workers=2)
    ahead.prerender([("block", text) for text in SAMPLES])
    assert not ahead.parallel


def test_parallel_build_equals_single_process_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = write_campaign(tmp_path / "project", branches=30, activities=120, stories=16)
    build_site(content, tmp_path / "single", cache=False)
    monkeypatch.setattr(cache_module, "_PARALLEL_CHARS", 0)
    build_site(content, tmp_path / "parallel")
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "single")


PLAIN = st.text(alphabet=st.sampled_from([*"0123456789azAZ,.:;%/()中文村党支部、。“”‘’《》（）！？：；—…·～＃＊", "\u3000"]),
                min_size=1, max_size=40)


@settings(max_examples=400, deadline=None)
@given(PLAIN)
def test_plain_inline_text_renders_as_itself(text: str) -> None:
    for allow_raw_html in (False, True):
        fast = CachedMarkdown(allow_raw_html, None)
        assert fast.inline(text) == MarkdownRenderer(allow_raw_html).inline(text)


def test_plain_pattern_refuses_markdown_and_html() -> None:
    for text in ["**粗**", "a_b", "[x](y)", "<b>", "&amp;", "1. 一", "# 题", "a  b", "　缩进", "x\ny", "`c`", "a|b", "\\*",
                 "a!b", "a\u00a0b"]:
        assert not _PLAIN_INLINE.fullmatch(text), text
