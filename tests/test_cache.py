"""The build cache never changes the output: every cached rebuild equals a cold build, byte for byte."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import cache as cache_module
from generator.build import build_site
from generator.cache import CACHE_DIR, cache_folder
from generator.errors import ContentError
from generator.write import spare_dir
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from synth import write_campaign

Snapshot = dict[str, bytes]


def snapshot(folder: Path) -> Snapshot:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """A small generated campaign: every record type, stories, and the site's own templates folder."""
    content = write_campaign(tmp_path / "project", branches=40, activities=160, stories=12)
    (content / "assets").mkdir()
    (content / "assets" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    return content


def cold(content: Path, tmp_path: Path, drafts: bool = False) -> Snapshot:
    """Build without the cache into a fresh folder and return what was written."""
    out = tmp_path / "cold"
    build_site(content, out, drafts=drafts, cache=False)
    result = snapshot(out)
    (tmp_path / "cold-done").mkdir(exist_ok=True)
    os.rename(out, tmp_path / "cold-done" / str(len(list((tmp_path / "cold-done").iterdir()))))
    return result


def edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def test_cache_lives_beside_content_and_ignores_itself(campaign: Path, tmp_path: Path) -> None:
    build_site(campaign, tmp_path / "site")
    folder = cache_folder(campaign)
    assert folder == campaign.parent / CACHE_DIR and (folder / "cache.sqlite3").is_file()
    assert (folder / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert not any(p.name == CACHE_DIR for p in (tmp_path / "site").rglob("*"))


def test_unchanged_rebuild_is_skipped_and_identical(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = build_site(campaign, out)
    assert not first.unchanged
    again = build_site(campaign, out)
    assert again.unchanged and again.summary == first.summary
    assert (again.public_files, again.internal_files) == (first.public_files, first.internal_files)
    assert snapshot(out) == cold(campaign, tmp_path)


def test_every_kind_of_edit_rebuilds_exactly_as_a_cold_build(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    stories = sorted((campaign / "stories").glob("*.md"))
    activities = sorted((campaign / "activities").glob("*.yaml"))
    own_templates = campaign.parent / "templates" / "public"
    edits: list[tuple[str, Callable[[], None]]] = [
        ("story body", lambda: edit(stories[0], lambda t: t + "\n新加的一段,带**加粗**。\n")),
        ("story title", lambda: edit(stories[1], lambda t: t.replace('title: "', 'title: "改过的', 1))),
        ("new story", lambda: (campaign / "stories" / "zz-new.md").write_text(
            "---\ntitle: 新故事\ndate: 2018-03-02\ntags: [新标签]\n---\n\n正文。\n", encoding="utf-8")),
        ("story removed", lambda: stories[2].unlink()),
        ("activity edited", lambda: edit(activities[0], lambda t: t.replace("participants: ", "participants: 1", 1))),
        ("activity summary", lambda: edit(activities[1], lambda t: t.replace('summary: "', 'summary: "**新**', 1))),
        ("branch added to a unit", lambda: edit(campaign / "branches" / "u00001.yaml",
                                                lambda t: t + "- id: b999999\n  name: 新支部\n  unit: u00001\n  members: 3\n")),
        ("site settings", lambda: edit(campaign / "site.yaml", lambda t: t.replace("example.cn", "example.org"))),
        ("own template", lambda: (own_templates.mkdir(parents=True, exist_ok=True),
                                  (own_templates / "404.html").write_text(
                                      "{% extends '_base.html' %}{% block main %}没有这一页{% endblock %}\n",
                                      encoding="utf-8"))),
        ("asset added", lambda: (campaign / "assets" / "new.txt").write_text("附件", encoding="utf-8")),
        ("own template removed", lambda: (own_templates / "404.html").unlink()),
    ]
    build_site(campaign, out)
    for name, change in edits:
        change()
        result = build_site(campaign, out)
        assert not result.unchanged, name
        assert snapshot(out) == cold(campaign, tmp_path), name


def test_drafts_switch_is_part_of_the_key(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    out = tmp_path / "site"
    build_site(content, out)
    with_drafts = build_site(content, out, drafts=True)
    assert not with_drafts.unchanged
    assert snapshot(out) == cold(content, tmp_path, drafts=True)
    assert not build_site(content, out).unchanged
    assert snapshot(out) == cold(content, tmp_path)


def test_same_size_edit_with_old_mtime_is_seen(campaign: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Let every hashed file count as stable at once, so the stat shortcut is what is tested here.
    monkeypatch.setattr(cache_module, "_STABLE_NS", -10**12)
    out = tmp_path / "site"
    story = sorted((campaign / "stories").glob("*.md"))[0]
    build_site(campaign, out)
    before = story.stat()
    text = story.read_text(encoding="utf-8")
    story.write_text(text.replace("支部", "党员", 1), encoding="utf-8")  # same length in UTF-8
    os.utime(story, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert story.stat().st_size == before.st_size and story.stat().st_mtime_ns == before.st_mtime_ns
    assert not build_site(campaign, out).unchanged
    assert snapshot(out) == cold(campaign, tmp_path)


def test_hand_edited_output_is_repaired(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(campaign, out)
    build_site(campaign, out)
    page = out / "public" / "index.html"
    page.write_bytes(page.read_bytes() + b"<!-- edited -->")
    (out / "public" / "stray.html").write_text("x", encoding="utf-8")
    assert not build_site(campaign, out).unchanged
    assert snapshot(out) == cold(campaign, tmp_path)


def test_tampered_spare_tree_is_not_trusted(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(campaign, out)
    story = sorted((campaign / "stories").glob("*.md"))[0]
    edit(story, lambda t: t + "\n一\n")
    build_site(campaign, out)  # the first build is now the spare tree
    spare = spare_dir(out)
    assert spare.is_dir()
    for file in spare.rglob("*.html"):
        file.write_bytes(file.read_bytes().replace("支部".encode(), b"XX"))  # in place, same inode
    (spare / "public" / "stray.html").write_text("x", encoding="utf-8")
    (spare / "public" / "link").symlink_to("/etc")
    edit(story, lambda t: t + "\n二\n")
    build_site(campaign, out)
    assert snapshot(out) == cold(campaign, tmp_path)


def test_rebuild_never_modifies_the_previous_tree(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(campaign, out)
    edit(sorted((campaign / "stories").glob("*.md"))[0], lambda t: t + "\n一\n")
    build_site(campaign, out)
    before = snapshot(out)
    edit(sorted((campaign / "stories").glob("*.md"))[0], lambda t: t + "\n二\n")
    build_site(campaign, out)
    assert snapshot(spare_dir(out)) == before  # the tree swapped out is exactly the one that was live


def test_corrupt_database_is_replaced(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(campaign, out)
    (cache_folder(campaign) / "cache.sqlite3").write_bytes(b"this is not a database" * 100)
    edit(campaign / "site.yaml", lambda t: t + "lagging_days: 20\n")
    build_site(campaign, out)
    assert snapshot(out) == cold(campaign, tmp_path)
    assert not build_site(campaign, out).unchanged or snapshot(out) == cold(campaign, tmp_path)


def test_tampered_entries_are_ignored(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(campaign, out)
    db = sqlite3.connect(cache_folder(campaign) / "cache.sqlite3")
    assert db.execute("SELECT count(*) FROM entries WHERE kind = 'md'").fetchone()[0] > 0
    db.execute("UPDATE entries SET value = CAST('<p>篡改</p>' AS BLOB) WHERE kind = 'md'")
    db.execute("UPDATE entries SET value = substr(value, 1, 40) WHERE kind IN ('out', 'stat')")  # torn
    db.commit()
    db.close()
    own = campaign.parent / "templates" / "public"
    own.mkdir(parents=True)
    (own / "story.html").write_text((REPO / "templates" / "public" / "story.html").read_text(encoding="utf-8")
                                    + "\n", encoding="utf-8")  # every story page renders again
    build_site(campaign, out)
    assert "篡改".encode() not in b"".join(snapshot(out).values())
    assert snapshot(out) == cold(campaign, tmp_path)


def test_failed_build_keeps_output_and_state(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(campaign, out)
    before = snapshot(out)
    (campaign / "units.yaml").write_text("- id: u00001\n  name: [\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build_site(campaign, out)
    assert snapshot(out) == before
    assert not any(p.name.startswith(".site.tmp") for p in tmp_path.iterdir())


def test_no_cache_build_writes_no_cache(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    build_site(content, tmp_path / "site", cache=False)
    assert not cache_folder(content).exists()
    assert not spare_dir(tmp_path / "site").exists()
