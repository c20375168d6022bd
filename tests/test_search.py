"""The Pagefind index: built inside the staging folder, public side only, Chinese, no downloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.search import SearchIndexError, index_search, pagefind_binary
from generator.write import MARKER, write_site


def test_the_binary_ships_inside_the_installed_wheel() -> None:
    import pagefind_bin_extended

    binary = pagefind_binary()
    assert binary.is_file() and binary.name == "pagefind_extended"  # the build that segments Chinese
    assert binary.parent == Path(pagefind_bin_extended.__file__).parent


def test_only_public_pages_with_a_body_are_indexed_in_chinese(showcase: Path) -> None:
    assert not (showcase / "internal/pagefind").exists()
    entry = json.loads((showcase / "public/pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["zh-cn"]
    body_pages = [p for p in (showcase / "public").rglob("*.html") if "data-pagefind-body" in p.read_text(encoding="utf-8")]
    # story, unit, month and progress pages; never the lists (they would repeat every story), 404 or search
    assert entry["languages"]["zh-cn"]["page_count"] == len(body_pages) == 7


def test_a_failing_post_render_step_leaves_the_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site({"public/index.html": b"old"}, out)

    def fail(staging: Path) -> None:
        assert (staging / "public/index.html").read_bytes() == b"new"  # it runs on the complete staging folder
        raise SearchIndexError("搜索索引失败")

    with pytest.raises(SearchIndexError):
        write_site({"public/index.html": b"new"}, out, finish=fail)
    assert (out / "public/index.html").read_bytes() == b"old"
    assert (out / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging folder left behind


def test_pagefind_failure_is_reported_in_plain_words(tmp_path: Path) -> None:
    with pytest.raises(SearchIndexError) as caught:
        index_search(tmp_path)  # no HTML at all: Pagefind refuses
    assert caught.value.lines()[0].startswith("生成搜索索引失败(Pagefind):")
