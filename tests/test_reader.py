"""The one reader: which files are inputs, which are refused and why, decided in one place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.content.reader import scan_content, scan_templates, static_files
from tests.conftest import run_cli


def test_inputs_are_sorted_by_kind_and_hidden_and_editor_files_are_not_inputs(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"stories/.draft.md.swp": "x", "activities/2017.yaml": "[]", "notes.txt": "随手记"})
    inventory = scan_content(content)
    kinds = [f.kind for f in inventory.files]
    assert kinds == sorted(kinds, key=["site", "units", "branches", "villages", "activities", "inspections",
                                       "story", "asset"].index)
    rels = {f.rel for f in inventory.files}
    assert {"site.yaml", "activities.yaml", "activities/2017.yaml", "stories/wanghui-health.md"} <= rels
    assert not any(".swp" in r or r == "notes.txt" for r in rels)
    assert inventory.problems == ()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
@pytest.mark.parametrize("rel", ["stories/notes.md", "activities/more.yaml", "assets/photo.jpg", "site.yaml"])
def test_a_fifo_is_refused_with_a_message_and_never_opened(scratch, rel: str) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    target = content / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    os.mkfifo(target)
    inventory = scan_content(content)  # would hang if it opened the FIFO
    assert [str(p) for p in inventory.problems] == [
        f"content/{rel}: 这不是普通文件（可能是管道或设备文件），不会读取；请删掉它，或换成普通文件"]
    assert rel not in {f.rel for f in inventory.files}
    # The real CLI: a message, exit 1, no hang (run_cli has a timeout).
    for args in (["check"], ["build", "--out", str(content.parent / "site")]):
        result = run_cli(*args, "--content", str(content))
        assert result.returncode == 1
        assert f"content/{rel}: 这不是普通文件" in result.stderr and "Traceback" not in result.stderr


def test_links_leaving_content_and_dangling_links_are_refused(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntitle: 外面\ndate: 2017-10-01\n---\n", encoding="utf-8")
    (content / "stories/outside.md").symlink_to(outside)
    (content / "stories/gone.md").symlink_to(tmp_path / "missing.md")
    (content / "stories/inside.md").symlink_to(content / "stories/wanghui-health.md")
    inventory = scan_content(content)
    messages = {p.path: p.message for p in inventory.problems}
    assert "content/stories/outside.md" in messages and "以外的链接" in messages["content/stories/outside.md"]
    assert "content/stories/gone.md" in messages and "不存在" in messages["content/stories/gone.md"]
    assert "stories/inside.md" in {f.rel for f in inventory.files}  # a link that stays inside is followed


def test_a_linked_folder_inside_content_is_not_walked_twice(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"activities/a.yaml": "[]"})
    (content / "activities/loop").symlink_to(content / "activities")  # would recurse forever if followed
    rels = [f.rel for f in scan_content(content).files if f.kind == "activities"]
    assert rels == ["activities.yaml", "activities/a.yaml"]


def test_unknown_yaml_at_the_top_is_reported_with_a_suggestion(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"unit.yaml": "[]", "storys/x.yaml": "[]"})
    messages = {str(p) for p in scan_content(content).problems}
    assert "content/unit.yaml: 不认识这个文件，它不会被读取；是不是想写“units.yaml”？" in messages
    assert any(m.startswith("content/storys: 不认识这个文件夹") for m in messages)


def test_stamps_change_with_every_write_and_only_then(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    before = scan_content(content).stamps()
    assert scan_content(content).stamps() == before
    story = content / "stories/wanghui-health.md"
    story.write_text(story.read_text(encoding="utf-8"), encoding="utf-8")  # same bytes, new write
    after = scan_content(content).stamps()
    assert after["stories/wanghui-health.md"] != before["stories/wanghui-health.md"]
    assert {k: v for k, v in after.items() if k != "stories/wanghui-health.md"} == {
        k: v for k, v in before.items() if k != "stories/wanghui-health.md"}


def test_templates_and_static_files_come_from_the_same_reader(tmp_path: Path) -> None:
    own, default = tmp_path / "own", tmp_path / "default"
    for root, text in ((own, "own"), (default, "default")):
        (root / "static").mkdir(parents=True)
        (root / "static/style.css").write_text(text, encoding="utf-8")
        (root / "static/.hidden.css").write_text(text, encoding="utf-8")
    (default / "static/only-default.css").write_text("d", encoding="utf-8")
    files = static_files([own, default], "static")
    assert sorted(files) == ["only-default.css", "style.css"]
    assert files["style.css"].read_text(encoding="utf-8") == "own"  # the site's own file wins
    assert len(scan_templates([own, default]).files) == 3
