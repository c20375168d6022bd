"""The build over the engine: what a stage did not read cannot go stale, and a site's own templates are tracked."""

from __future__ import annotations

from pathlib import Path

from generator import pipeline
from generator.build import Project
from tests.conftest import REPO


def _bytes(files: dict[str, bytes | Path]) -> dict[str, bytes]:
    return {rel: data.read_bytes() if isinstance(data, Path) else data for rel, data in files.items()}


def test_the_internal_side_is_made_without_stories(scratch, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A story count added to the dashboard would read 0 in a cold build too: it cannot pass unnoticed, then go stale."""
    content = scratch()
    project = Project(content, drafts=True)
    checked = project.check()
    assert checked.site.stories  # the fixture has stories …
    assert pipeline.records_site(project.engine).stories == ()  # … the figures and the internal plan never see them
    ran: list[str] = []
    stages = (pipeline.records_site, pipeline.progress, pipeline.figures, pipeline.internal_plan, pipeline.office)
    for stage in stages:
        monkeypatch.setattr(stage, "fn", lambda *args, stage=stage, fn=stage.fn: ran.append(stage.name) or fn(*args))
    story = next((content / "stories").glob("*.md"))
    story.write_text(story.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")
    executed = project.engine.executed
    project.check()
    assert project.engine.executed > executed  # the public side's queries of that story ran …
    for stage in (pipeline.progress, pipeline.figures, pipeline.internal_plan):
        assert project.engine._memos[(stage, ())].verified_at == project.engine.revision
    assert ran == []  # … and no internal stage


def test_editing_a_site_template_that_shadows_a_default_renders_again(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    own = content.parent / "templates/public"
    own.mkdir(parents=True)
    default = (REPO / "templates/public/404.html").read_text(encoding="utf-8")
    (own / "404.html").write_text(default.replace("{% block main %}", "{% block main %}<p>第一版</p>"), encoding="utf-8")
    project = Project(content, drafts=True)
    first = _bytes(project.render(project.check()))["public/404.html"]
    assert "第一版".encode() in first
    (own / "404.html").write_text(default.replace("{% block main %}", "{% block main %}<p>第二版，长一些</p>"),
                                  encoding="utf-8")
    second = _bytes(project.render(project.check()))["public/404.html"]
    assert "第二版，长一些".encode() in second and project.rendered_last >= 1
