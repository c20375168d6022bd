"""The build over the engine: what a stage did not read cannot go stale, and a site's own templates are tracked."""

from __future__ import annotations

from pathlib import Path

from generator import pipeline, pipeline_content
from generator.build import Project
from generator.internal.grid_data import bucket
from generator.public import plan
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
    assert ran == []  # … and no internal stage
    executed = project.engine.executed
    for stage in (pipeline.progress, pipeline.figures, pipeline.internal_plan):
        stage(project.engine)  # still valid: asked again, none of them runs
    assert project.engine.executed == executed and ran == []


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


def test_one_build_for_the_cli_and_the_preview(scratch) -> None:  # type: ignore[no-untyped-def]
    """`Project.build` hands the open pages first, then all pages, then search index and Office files."""
    content = scratch()
    cold = Project(content, drafts=True).build()
    project = Project(content, drafts=True)
    project.build()
    story = next((content / "stories").glob("*.md"))
    story.write_text(story.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")
    page = f"public/stories/{story.stem}/index.html"
    seen: list[tuple[str, list[str]]] = []
    built = project.build(first={page, "internal/index.html", "public/gone/index.html"},
                          first_done=lambda checked, files: seen.append(("first", sorted(files))),
                          pages_done=lambda checked, files: seen.append(("pages", [])),
                          pause=lambda: seen.append(("pause", [])))
    assert seen[0] == ("first", ["internal/index.html", page])  # a page no longer planned is not made
    after = [what for what, _ in seen[1:]]
    assert after[0] == "pages" and set(after[1:]) == {"pause"} and len(after) > 3  # before and inside the later steps
    again = Project(content, drafts=True).build()
    assert _bytes(built.outputs()) == _bytes(again.outputs()) != _bytes(cold.outputs())
    assert "新的一段".encode() in built.files[page]  # type: ignore[operator]
    assert "public/search/data/meta.json" in built.later and "internal/ledger.xlsx" in built.later


def test_the_search_index_and_office_files_are_remembered_like_pages(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    project = Project(content, drafts=True)
    first = project.build()
    executed = project.engine.executed
    second = project.build()
    assert project.engine.executed == executed  # nothing ran again: not a page, not the index, not the downloads
    assert all(second.later[k] is first.later[k] for k in first.later)
    story = next((content / "stories").glob("*.md"))
    story.write_text(story.read_text(encoding="utf-8") + "\n检索新词汇。\n", encoding="utf-8")
    third = project.build()
    assert third.later["internal/ledger.xlsx"] is first.later["internal/ledger.xlsx"]  # a story is not in the ledger
    assert any("检索新词汇" in data.decode("utf-8") for rel, data in third.later.items() if "/text/" in rel)


def _two_ledgers(content: Path) -> str:
    """Split the fixture's activities into activities/one.yaml (all of them) and two.yaml (a90); return one's text."""
    ledger = (content / "activities.yaml").read_text(encoding="utf-8")
    (content / "activities.yaml").unlink()
    (content / "activities").mkdir()
    (content / "activities/one.yaml").write_text(ledger, encoding="utf-8")
    (content / "activities/two.yaml").write_text(
        "- id: a90\n  date: 2017-11-20\n  title: 另一份台账的活动\n  kind: 主题党日\n  branches: [agri-b1]\n"
        "  participants: 3\n", encoding="utf-8")
    return ledger


def test_an_activity_edit_works_out_the_rows_of_its_own_file_only(scratch, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The dashboard's activity rows and grid data are made per ledger file: other files' rows are kept as they were."""
    content = scratch()
    ledger = _two_ledgers(content)
    project = Project(content, drafts=True)
    project.build()
    paths = {Path(path).name: path for path in pipeline.counted_files(project.engine)}  # as messages show them
    assert sorted(paths) == ["one.yaml", "two.yaml"]
    other = pipeline.rows_in(project.engine, paths["two.yaml"])
    assert [r.activity.id for r in other] == ["a90"]
    ran: list[tuple[str, ...]] = []
    for stage in (pipeline.rows_in, pipeline.grid_entries_in):
        monkeypatch.setattr(stage, "fn", lambda engine, *args, fn=stage.fn: ran.append(args) or fn(engine, *args))
    ledgers: list[str] = []  # the branch ledger is made unit by unit: only the edited activity's unit again
    monkeypatch.setattr(pipeline.unit_ledger, "fn",
                        lambda engine, unit, fn=pipeline.unit_ledger.fn: ledgers.append(unit) or fn(engine, unit))
    edited = ledger.replace("participants: 12", "participants: 13")
    assert edited != ledger
    (content / "activities/one.yaml").write_text(edited, encoding="utf-8")
    built = project.build()
    assert ran == [(paths["one.yaml"],), (paths["one.yaml"],)]
    assert ledgers == ["hosp"]  # a1 is hosp-b1's, a branch of the unit hosp
    assert pipeline.rows_in(project.engine, paths["two.yaml"]) is other
    assert built.checked.figures.dash.sections  # and the result is a cold build's
    assert _bytes(built.outputs()) == _bytes(Project(content, drafts=True).build().outputs())


def test_an_activity_edit_makes_the_parts_of_its_own_unit_file_and_bucket_only(  # type: ignore[no-untyped-def]
        scratch, monkeypatch) -> None:
    """The ledger CSV and 约谈 groups are made unit by unit, the dashboard's weekly and donation sums file by file,
    the grids' data files bucket by bucket, and the supervision summary reads no activity: an activity edit redoes
    the touched unit's, file's and bucket's parts only."""
    content = scratch()
    ledger = _two_ledgers(content)
    project = Project(content, drafts=True)
    project.build()
    paths = {Path(path).name: path for path in pipeline.counted_files(project.engine)}
    kept = pipeline.unit_lagging_csv(project.engine, "agri")
    ran: list[tuple[str, tuple[str, ...]]] = []
    stages = (pipeline.unit_branch_csv, pipeline.unit_lagging, pipeline.unit_lagging_csv, pipeline.dashboard_parts_in,
              pipeline.supervision, pipeline.branch_script, pipeline.activity_script)
    for stage in stages:
        monkeypatch.setattr(stage, "fn", lambda engine, *args, stage=stage, fn=stage.fn:
                            ran.append((stage.__name__, args)) or fn(engine, *args))
    noted: list[tuple[str, ...]] = []
    dated: list[tuple[str, ...]] = []
    for stage, calls in ((pipeline_content.file_notes, noted), (plan._file_dates, dated)):
        monkeypatch.setattr(stage, "fn", lambda engine, *args, fn=stage.fn, calls=calls: calls.append(args) or fn(engine, *args))
    edited = ledger.replace("participants: 12", "participants: 13")
    assert edited != ledger
    (content / "activities/one.yaml").write_text(edited, encoding="utf-8")
    built = project.build()
    # a1 is hosp-b1's, a lagging branch of the unit hosp; agri's ledger lines, 约谈 group and CSV lines are kept
    # and of the grids' data files, only the one holding hosp's rows is serialised again, for each table
    hosp = bucket("hosp")
    assert sorted(ran) == [("activity_script", (hosp,)), ("branch_script", (hosp,)),
                           ("dashboard_parts_in", (paths["one.yaml"],)), ("unit_branch_csv", ("hosp",)),
                           ("unit_lagging", ("hosp",)), ("unit_lagging_csv", ("hosp",))]
    assert pipeline.unit_lagging_csv(project.engine, "agri") is kept
    # the dated notes and the public side's activity dates are worked out again for the edited file only
    assert noted == [("activities", "activities/one.yaml")] and dated == [(paths["one.yaml"], True)]
    assert _bytes(built.outputs()) == _bytes(Project(content, drafts=True).build().outputs())


def test_a_summary_edit_converts_that_summary_only_and_the_pages_show_it(scratch, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The filter's Markdown is an engine query: in a long-lived project an unchanged summary is not converted again."""
    content = scratch()
    ledger = content / "activities.yaml"
    text = ledger.read_text(encoding="utf-8")
    text = text.replace("为村民**免费查体**。", "为村民**测血压**。")  # the story says 免费查体 too
    ledger.write_text(text.replace("  participants: 8\n", "  participants: 8\n  summary: 讲授**果树**修剪。\n"),
                      encoding="utf-8")
    project = Project(content, drafts=True)
    converted: list[tuple[str, str]] = []
    fn = plan.filter_html.fn
    monkeypatch.setattr(plan.filter_html, "fn", lambda engine, mode, text: converted.append((mode, text)) or fn(
        engine, mode, text))
    first = _bytes(project.build().outputs())
    assert ("inline", "为村民**测血压**。") in converted and ("inline", "讲授**果树**修剪。") in converted
    assert "<strong>测血压</strong>" in first["public/index.html"].decode("utf-8")
    converted.clear()
    ledger.write_text(ledger.read_text(encoding="utf-8").replace("**测血压**", "**量血糖**"), encoding="utf-8")
    built = _bytes(project.build().outputs())
    assert converted == [("inline", "为村民**量血糖**。")]  # the other summary's pages ran again, not its Markdown
    pages = [data.decode("utf-8") for rel, data in built.items() if rel.endswith(".html")]
    assert any("<strong>量血糖</strong>" in page for page in pages)
    assert not any("<strong>测血压</strong>" in page for page in pages)
    assert any("<strong>果树</strong>" in page for page in pages)
    assert built == _bytes(Project(content, drafts=True).build().outputs())


def test_a_story_edit_works_out_the_search_entry_of_its_own_page_only(scratch, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each page's grams are a query of its own: the index after an edit merges the others' entries as they were."""
    content = scratch()
    project = Project(content, drafts=True)
    project.build()
    indexed = [path for path in project.engine.input(("pages", "public")) if pipeline.search_entry(project.engine, path)]
    assert len(indexed) > 2
    before = {path: pipeline.search_entry(project.engine, path) for path in indexed}
    ran: list[str] = []
    monkeypatch.setattr(pipeline.search_entry, "fn",
                        lambda engine, path, fn=pipeline.search_entry.fn: ran.append(path) or fn(engine, path))
    story = next((content / "stories").glob("*.md"))
    story.write_text(story.read_text(encoding="utf-8") + "\n检索新词汇。\n", encoding="utf-8")
    built = project.build()
    page = f"stories/{story.stem}/index.html"
    assert ran == [page]  # the one page whose text changed; no other page's grams were worked out again
    assert "检索" in pipeline.search_entry(project.engine, page).grams  # type: ignore[union-attr]
    assert all(pipeline.search_entry(project.engine, path) is before[path] for path in indexed if path != page)
    cold = Project(content, drafts=True).build()
    index = {rel: data for rel, data in built.later.items() if rel.startswith("public/search/")}
    assert index and index == {rel: data for rel, data in cold.later.items() if rel.startswith("public/search/")}
