"""Each story body and each linking summary is converted by Python-Markdown once per build, not three times."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import markdown
import pytest

from generator.build import build_site
from generator.render.links import convert, find_links, rewrite_html
from generator.render.markup import MarkdownRenderer
from tests.test_assets import STORY, jpeg, with_summary

STORIES = 6
LINKS = ("[医院](unit:hosp) [另一篇](story:wanghui-health) [首页](../../) ![村委会](asset:photos/cun.jpg) "
         "[外部](https://example.org/x)")


def _counting(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the texts Python-Markdown converts (the real conversion runs; only the calls are counted)."""
    calls: Counter[str] = Counter()
    real = markdown.Markdown.convert

    def convert_counted(self: markdown.Markdown, source: str) -> Any:
        calls[source] += 1
        return real(self, source)

    monkeypatch.setattr(markdown.Markdown, "convert", convert_counted)
    return calls


def test_a_build_converts_each_story_body_and_linking_summary_once(scratch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    bodies = [f"第{n}篇。\n\n## 小标题\n\n{LINKS}\n" for n in range(STORIES)]
    files: dict[str, str | bytes | None] = {f"stories/s{n}.md": STORY.format(title=f"故事{n}", front="", body=body)
                                            for n, body in enumerate(bodies)}
    files["assets/photos/cun.jpg"] = jpeg((5, 5, 5))
    summary = "见[故事](story:wanghui-health)和[支部](branch:hosp-b1)"
    content = with_summary(scratch(files), summary)
    calls = _counting(monkeypatch)
    build_site(content, tmp_path / "site", cache=False)
    for body in bodies:
        assert calls[body] == 1, body
    assert calls[summary] == 1  # shown on four pages at three depths, converted once
    # Nothing converted again after its references were rewritten.
    assert not [text for text in calls if "../../units/" in text or "./units/" in text], calls
    page = (tmp_path / "site/public/stories/s0/index.html").read_text(encoding="utf-8")
    assert 'href="../../units/hosp/"' in page and 'href="../../stories/wanghui-health/"' in page
    assert 'src="../../images/photos-cun-' in page and "unit:" not in page
    home = (tmp_path / "site/public/index.html").read_text(encoding="utf-8")
    assert 'href="./stories/wanghui-health/"' in home and 'href="./units/hosp/#hosp-b1"' in home


def test_the_page_shows_code_as_written_and_resolves_a_reference_written_with_an_entity(  # type: ignore[no-untyped-def]
        scratch, tmp_path: Path) -> None:
    body = "第一段 `[a](story:wanghui-health)` 和 [b](story:wanghui-health)。\n\n[c](story&#58;wanghui-health)\n"
    content = scratch({"stories/edge.md": STORY.format(title="边界", front="", body=body)})
    build_site(content, tmp_path / "site", cache=False)
    page = (tmp_path / "site/public/stories/edge/index.html").read_text(encoding="utf-8")
    # The text was rewritten before it was converted again: the code span showed the rewritten URL,
    # and the reference the text search could not find lost its link.
    assert "<code>[a](story:wanghui-health)</code>" in page
    assert page.count('href="../../stories/wanghui-health/"') == 2


def test_links_are_found_in_the_html_and_in_the_text_with_one_pattern() -> None:
    body = "甲\n\n[一](unit:x) [二][r] <a href='story:y'>三</a>\n\n[r]: asset:a&b.pdf\n\n![四](asset:p.jpg)\n"
    renderer = MarkdownRenderer(False, frozenset({"unit", "story", "asset"}))
    links = find_links(body, 5, renderer.block)
    assert [(link.target, link.line, link.image) for link in links] == [
        ("unit:x", 7, False), ("asset:a&b.pdf", 9, False), ("story:y", 7, False), ("asset:p.jpg", 11, True)]
    assert [body[link.start:link.end] for link in links] == ["unit:x", "asset:a&b.pdf", "story:y", "asset:p.jpg"]
    converted = convert(body, renderer.block)
    html = rewrite_html(converted, {"asset:a&b.pdf": "../../assets/a%26b.pdf", "asset:p.jpg": "../../images/p.jpg"})
    assert 'href="../../assets/a%26b.pdf"' in html and 'src="../../images/p.jpg"' in html
    assert 'href="unit:x"' in html and 'href="story:y"' in html  # not in the mapping: as converted


def test_raw_html_is_read_by_the_html_parser_comments_and_unquoted_values_included() -> None:
    body = "<!-- <a href=\"story:hidden\">x</a> -->\n\n<a href=story:y title='t'>y</a>\n"
    renderer = MarkdownRenderer(True, frozenset({"story"}))
    converted = convert(body, renderer.block, exact=False)
    assert [link.target for link in converted.links] == ["story:y"]
    html = rewrite_html(converted, {"story:y": "../../stories/y/"})
    assert "<a href=../../stories/y/ title='t'>" in html and 'href="story:hidden"' in html
