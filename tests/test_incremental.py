"""Rebuilds that reuse earlier work give exactly what a cold build gives, for every kind of edit."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from generator.build import Project, build_site
from generator.write import MANIFEST, read_record
from tests.conftest import FIXTURES, REPO
from tests.trees import tree


def _bytes(files: Mapping[str, bytes | Path]) -> dict[str, bytes]:
    return {rel: data.read_bytes() if isinstance(data, Path) else data for rel, data in files.items()}


def _cold(content: Path, drafts: bool) -> dict[str, bytes]:
    project = Project(content, drafts)
    return _bytes(project.render(project.check()))


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source.rename(target)


Edit = Callable[[Path], None]
# Each edit changes one kind of input; together they cover every kind named in the core issue.
EDITS: dict[str, Edit] = {
    "story body": lambda c: _append(c / "stories/wanghui-health.md", "\n新的一段。\n"),
    "story front matter": lambda c: _replace(c / "stories/wanghui-health.md", "title: ", "title: 新"),
    "unit": lambda c: _replace(c / "units.yaml", "name: 市第四人民医院", "name: 市第四医院"),
    "branch": lambda c: _replace(c / "branches.yaml", "members: ", "members: 1"),
    "village": lambda c: _replace(c / "villages.yaml", "name: ", "name: 新"),
    "activity count": lambda c: _replace(c / "activities.yaml", "participants: 12", "participants: 13"),
    "activity int to float": lambda c: _replace(c / "activities.yaml", "funds: 1000", "funds: 1000.0"),
    "inspection": lambda c: _replace(c / "inspections.yaml", "findings: 帮扶措施不够具体", "findings: 已整改"),
    "site.yaml": lambda c: _replace(c / "site.yaml", "title: ", "title: 新"),
    "template": lambda c: (c.parent / "templates/public").mkdir(parents=True, exist_ok=True) or (
        c.parent / "templates/public/404.html").write_text(
        (REPO / "templates/public/404.html").read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<p>自定义</p>"),
        encoding="utf-8"),
    "asset": lambda c: _replace(c / "assets/mark.svg", "<svg", "<svg data-x=\"1\""),
    "file added": lambda c: (c / "stories/added.md").write_text("---\ntitle: 新增\ndate: 2017-11-20\n---\n正文。\n",
                                                                 encoding="utf-8"),
    "file removed": lambda c: (c / "inspections.yaml").unlink(),
    "file renamed": lambda c: (c / "stories/wanghui-health.md").rename(c / "stories/wanghui-health-2.md"),
    "records moved to a folder": lambda c: _move(c / "activities.yaml", c / "activities/all.yaml"),
}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "minimal", tmp_path / "project")
    content = tmp_path / "project" / "content"
    _replace(content / "stories/wanghui-health.md", "title: ", "cover: mark.svg\ntitle: ")  # so an asset is published
    return content


@pytest.mark.parametrize("drafts", [True, False])
@pytest.mark.parametrize("name", list(EDITS))
def test_a_rebuild_after_an_edit_equals_a_cold_build(content: Path, name: str, drafts: bool) -> None:
    project = Project(content, drafts)
    before = _bytes(project.render(project.check()))
    assert before == _cold(content, drafts)
    EDITS[name](content)
    after = _bytes(project.render(project.check()))
    # The filters print 1000 and 1000.0 alike, and moving records between files changes no page: equality still counts.
    if name not in ("activity int to float", "records moved to a folder"):
        assert after != before, "the edit must show somewhere"
    assert after == _cold(content, drafts)
    # and the reuse is real: not every page was rendered again
    if name in ("story body", "inspection", "asset"):
        assert project.rendered_last < len([p for p in after if p.endswith(".html")])


def test_every_edit_in_a_row_still_equals_a_cold_build(content: Path) -> None:
    project = Project(content, True)
    project.render(project.check())
    for name, edit in EDITS.items():
        edit(content)
        assert _bytes(project.render(project.check())) == _cold(content, True), name


def test_an_unchanged_rebuild_renders_nothing_again(content: Path) -> None:
    project = Project(content, False)
    first = _bytes(project.render(project.check()))
    assert project.rendered_last > 10
    assert _bytes(project.render(project.check())) == first
    assert project.rendered_last == 0


@pytest.mark.parametrize("name", ["story body", "activity count", "template", "file removed", "asset"])
def test_the_cli_output_after_an_edit_equals_a_cold_build(content: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / "site"
    build_site(content, out, search=False)
    EDITS[name](content)
    result = build_site(content, out, search=False)
    assert not result.unchanged
    build_site(content, tmp_path / "cold", search=False, cache=False)
    assert tree(out) == tree(tmp_path / "cold")


def test_an_unchanged_cli_rebuild_is_recognised_and_a_touched_output_is_rebuilt(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(content, out, search=False)
    assert build_site(content, out, search=False).unchanged
    page = out / "public/index.html"
    good = page.read_bytes()
    page.write_bytes(b"tampered")
    result = build_site(content, out, search=False)
    assert not result.unchanged and page.read_bytes() == good
    (out / "public/stray.html").write_text("x", encoding="utf-8")
    assert not build_site(content, out, search=False).unchanged
    assert not (out / "public/stray.html").exists()


def test_unchanged_files_are_linked_from_the_live_output_not_written_again(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(content, out, search=False)
    inode = (out / "public/progress/index.html").stat().st_ino
    story_inode = (out / "public/stories/wanghui-health/index.html").stat().st_ino
    EDITS["story body"](content)
    build_site(content, out, search=False)
    assert (out / "public/progress/index.html").stat().st_ino == inode  # same bytes: the same file, linked
    assert (out / "public/stories/wanghui-health/index.html").stat().st_ino != story_inode
    files = read_record(out)["files"]
    assert MANIFEST not in files and "public/index.html" in files


def _png(colour: tuple[int, int, int, int]) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (96, 96), colour).save(buffer, "PNG")
    return buffer.getvalue()


# Edits of what site.yaml's logo and favicon and the activity summaries' links bring in (issue 11).
SITE_IMAGE_EDITS: dict[str, Edit] = {
    "favicon pixels": lambda c: (c / "assets/brand/icon.png").write_bytes(_png((0, 200, 0, 128))),
    "logo pixels": lambda c: (c / "assets/brand/emblem.png").write_bytes(_png((0, 0, 200, 255))),
    "summary link": lambda c: _replace(c / "activities.yaml", "(unit:hosp)", "(story:wanghui-health)"),
    "favicon dropped": lambda c: _replace(c / "site.yaml", "favicon: brand/icon.png\n", ""),
    "logo moved": lambda c: _move(c / "assets/brand/emblem.png", c / "assets/emblem.png") or _replace(
        c / "site.yaml", "logo: brand/emblem.png", "logo: emblem.png"),
}


def test_rebuilds_after_logo_favicon_and_summary_edits_equal_a_cold_build(content: Path) -> None:
    (content / "assets/brand").mkdir()
    (content / "assets/brand/icon.png").write_bytes(_png((200, 0, 0, 128)))
    (content / "assets/brand/emblem.png").write_bytes(_png((200, 0, 0, 255)))
    _append(content / "site.yaml", "logo: brand/emblem.png\nfavicon: brand/icon.png\n")
    _replace(content / "activities.yaml", "summary: 为村民", "summary: 见[医院](unit:hosp)，为村民")
    project = Project(content, False)
    before = _bytes(project.render(project.check()))
    assert before == _cold(content, False)
    assert b'rel="icon"' in before["public/index.html"] and b'rel="icon"' in before["internal/index.html"]
    for name, edit in SITE_IMAGE_EDITS.items():
        edit(content)
        after = _bytes(project.render(project.check()))
        assert after != before, name
        assert after == _cold(content, False), name
        before = after
