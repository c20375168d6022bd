"""Whole builds: what is written, and that a failed build leaves the old output alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.build import build_site
from generator.errors import ContentError, UsageError
from generator.write import MARKER
from tests.trees import tree as snapshot


def test_build_writes_both_sides(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out)
    files = snapshot(out)
    for page in ["public/index.html", "public/stories/index.html", "public/stories/wanghui-health/index.html",
                 "public/units/hosp/index.html", "public/activities/index.html", "public/activities/2017-10/index.html",
                 "public/progress/index.html", "public/404.html", "public/static/style.css",
                 "internal/index.html", "internal/progress.json"]:
        assert page in files, page
    assert MARKER in files
    assert "public/stories/draft-note/index.html" not in files
    assert "public/assets/mark.svg" not in files  # no page uses it (see tests/test_assets.py)
    home = files["public/index.html"].decode()
    assert '<html lang="zh-CN">' in home and "2/3" in home


def test_drafts_flag_builds_drafts_with_badge(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out, drafts=True)
    page = (out / "public/stories/draft-note/index.html").read_text(encoding="utf-8")
    assert "草稿" in page


def test_activities_after_as_of_are_not_counted_or_shown(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out)
    progress = json.loads((out / "internal/progress.json").read_text(encoding="utf-8"))
    assert progress["activities"]["count"] == 2
    assert not (out / "public/activities/2017-12").exists()


def test_failed_build_leaves_previous_output_untouched(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    content = scratch()
    build_site(content, out)
    before = snapshot(out)
    (content / "units.yaml").write_text("- id: hosp\n  name: [\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build_site(content, out)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "site"]  # no temp folder left


def test_pages_of_deleted_content_do_not_linger(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    content = scratch()
    build_site(content, out)
    assert (out / "public/stories/wanghui-health/index.html").exists()
    (content / "stories/wanghui-health.md").unlink()
    build_site(content, out)
    assert not (out / "public/stories/wanghui-health").exists()


def test_build_is_deterministic(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    build_site(content, tmp_path / "a")
    build_site(content, tmp_path / "b")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


@pytest.mark.parametrize("where", ["content", "project", "inside", "root"])
def test_dangerous_output_folders_are_refused(scratch, tmp_path: Path, where: str) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    out = {"content": content, "project": content.parent, "inside": content / "out", "root": Path("/")}[where]
    with pytest.raises(UsageError):
        build_site(content, out)


def test_foreign_folder_is_not_overwritten(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "docs"
    out.mkdir()
    (out / "thesis.docx").write_text("precious", encoding="utf-8")
    with pytest.raises(UsageError):
        build_site(scratch(), out)
    assert (out / "thesis.docx").read_text(encoding="utf-8") == "precious"


def test_site_templates_override_defaults(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    own = content.parent / "templates" / "public"
    own.mkdir(parents=True)
    (own / "404.html").write_text("{% extends '_base.html' %}{% block main %}自定义的404{% endblock %}", encoding="utf-8")
    out = tmp_path / "site"
    build_site(content, out)
    assert "自定义的404" in (out / "public/404.html").read_text(encoding="utf-8")
    assert "先进支部" in (out / "public/stories/index.html").read_text(encoding="utf-8")  # others stay default


def test_public_template_asking_for_internal_field_fails_loudly(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from generator.errors import TemplateProblem

    content = scratch()
    own = content.parent / "templates" / "public"
    own.mkdir(parents=True)
    (own / "unit.html").write_text(
        "{% for bv in view.branches %}{{ bv.branch.secretary }}{% endfor %}", encoding="utf-8"
    )
    with pytest.raises(TemplateProblem) as caught:
        build_site(content, tmp_path / "site")
    assert "unit.html:1" in str(caught.value) and "secretary" in str(caught.value)
    assert not (tmp_path / "site").exists()
