"""The public planner's queries: after one edit only the pages that show what changed are rendered again."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synth import write_campaign
from generator import pipeline
from generator.build import Checked, Project
from generator.public.public_pages import ActivityView, StoryView


def _bytes(files: Mapping[str, bytes | Path]) -> dict[str, bytes]:
    return {rel: data.read_bytes() if isinstance(data, Path) else data for rel, data in files.items()}


def _walk(value: Any, seen: set[int]) -> Iterator[Any]:
    """Every object inside a page context (views, tuples, mappings, dataclass fields)."""
    if id(value) in seen or isinstance(value, (str, bytes, int, float)):
        return
    seen.add(id(value))
    yield value
    if isinstance(value, Mapping):
        children: Any = value.values()
    elif isinstance(value, (tuple, list)):
        children = value
    elif dataclasses.is_dataclass(value):
        children = (getattr(value, f.name) for f in dataclasses.fields(value))
    else:
        return
    for child in children:
        yield from _walk(child, seen)


def _public_pages_showing(checked: Checked, shows: Any) -> set[str]:
    return {page.path for page in checked.public.pages if any(shows(x) for x in _walk(page.context, set()))}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_campaign(tmp_path_factory.mktemp("granularity"), branches=60, activities=600, stories=12)


def _rendering(project: Project, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record which pages the next builds render (the engine runs `page_html` for those only)."""
    rendered: list[tuple[str, str]] = []
    run = pipeline.page_html.fn
    monkeypatch.setattr(pipeline.page_html, "fn", lambda engine, side, path: rendered.append((side, path)) or run(
        engine, side, path))
    return rendered


def test_a_story_edit_renders_that_story_and_the_pages_that_list_it(campaign: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(campaign, drafts=True)
    checked = project.check()
    project.render(checked)
    story = checked.site.stories[len(checked.site.stories) // 2]
    listing = _public_pages_showing(checked, lambda x: isinstance(x, StoryView) and x.story.slug == story.slug)
    assert f"stories/{story.slug}/index.html" in listing and len(listing) >= 3  # its page, a list page, a tag page
    rendered = _rendering(project, monkeypatch)
    path = campaign / "stories" / f"{story.slug}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充的一段。\n", encoding="utf-8")
    after = project.render(project.check())
    public = {p for side, p in rendered if side == "public"}
    assert public == listing  # exactly the pages that show the story
    assert {p for side, p in rendered if side == "internal"} == {f"wechat/{story.slug}.html", "wechat/index.html"}
    assert project.rendered_last == len(rendered)
    cold = Project(campaign, drafts=True)
    assert _bytes(after) == _bytes(cold.render(cold.check()))


def test_an_activity_edit_leaves_the_public_pages_that_do_not_show_it(campaign: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(campaign, drafts=True)
    checked = project.check()
    project.render(checked)
    ledger = sorted((campaign / "activities").glob("*.yaml"))[1]
    text = ledger.read_text(encoding="utf-8")
    first = re.search(r"id: (\S+)", text)
    assert first is not None
    activity = next(a for a in checked.site.activities if a.id == first.group(1))
    showing = _public_pages_showing(checked, lambda x: isinstance(x, ActivityView) and x.activity.id == activity.id)
    figures = {"index.html", "progress/index.html"}  # the totals change with the participants
    assert f"activities/{activity.date:%Y-%m}/index.html" in showing
    rendered = _rendering(project, monkeypatch)
    ledger.write_text(re.sub(r"participants: (\d+)", lambda m: f"participants: {int(m.group(1)) + 1}", text, count=1),
                      encoding="utf-8")
    after = project.render(project.check())
    public = {p for side, p in rendered if side == "public"}
    assert f"activities/{activity.date:%Y-%m}/index.html" in public
    assert public <= showing | figures  # no other month's page, no other unit's page, no story page
    assert len(public) < len(checked.public.pages) // 5
    assert project.rendered_last == len(rendered)
    cold = Project(campaign, drafts=True)
    assert _bytes(after) == _bytes(cold.render(cold.check()))
