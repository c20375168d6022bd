"""`gongjian serve` over HTTP: the real CLI in a subprocess, waited on through its status, never by the clock."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from generator import pipeline
from generator.preview.reload import inject
from generator.preview.serve import Preview, changed_paths, error_page, snapshot
from generator.public.search import SearchIndexError
from tests.conftest import run_cli
from tests.preview_server import PreviewServer, preview, save
from tests.trees import tree

STORY = "stories/wanghui-health.md"
STORY_PAGE = "stories/wanghui-health/"
SNIPPET_MARK = "livereload.js"


# --- pieces -----------------------------------------------------------------------------------------------


def test_inject_puts_the_script_once_even_with_two_heads() -> None:
    page = (b"<html><head><title>x</title></head><body><template><html><head></head><body></body></html>"
            b"</template><p>text</p></body></html>")
    out = inject(page, b"<script>S</script>")
    assert out.count(b"<script>S</script>") == 1
    assert out.endswith(b"<p>text</p><script>S</script></body></html>")
    assert inject(b"<p>no body tag</p>", b"<s>") == b"<p>no body tag</p><s>"
    assert inject(b"<BODY>x</BODY>", b"<s>") == b"<BODY>x<s></BODY>"


def test_snapshot_sees_changes_and_skips_output_and_editor_files(tmp_path: Path) -> None:
    content = tmp_path / "content"
    out = content / "preview"  # even an output inside a watched folder is never looked at
    (content / "stories").mkdir(parents=True)
    out.mkdir()
    story = content / "stories/a.md"
    story.write_text("one", encoding="utf-8")
    (out / "index.html").write_text("x", encoding="utf-8")
    before = snapshot(content, [])
    assert set(before) == {str(story)}
    (content / "stories/.a.md.swp").write_text("swap", encoding="utf-8")
    (content / "stories/a.md~").write_text("backup", encoding="utf-8")
    (out / "index.html").write_text("rebuilt", encoding="utf-8")
    assert changed_paths(before, snapshot(content, [])) == set()
    story.write_text("one more", encoding="utf-8")
    new = content / "units.yaml"
    new.write_text("[]", encoding="utf-8")
    after = snapshot(content, [])
    assert changed_paths(before, after) == {str(story), str(new)}
    story.unlink()
    assert changed_paths(after, snapshot(content, [])) == {str(story)}


def test_css_only_changes_are_told_apart(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/extra.css": "p{}"})
    own_static = content.parent / "templates/static"
    own_static.mkdir(parents=True)
    (own_static / "custom.css").write_text("body{}", encoding="utf-8")
    preview_ = Preview(content, tmp_path / "out", lambda text: None)
    try:
        assert preview_.css_only([str(own_static / "custom.css"), str(content / "assets/extra.css")]) == [
            "static/custom.css", "assets/extra.css"]
        assert preview_.css_only([str(own_static / "custom.css"), str(content / STORY)]) is None
        assert preview_.css_only([str(content.parent / "templates/public/story.html")]) is None
        assert preview_.css_only([]) is None
    finally:
        preview_.close()


def test_error_page_lists_problems_escaped_without_any_template() -> None:
    page = error_page(["content/site.yaml:3: title: 不能为空 <b>", "共 1 个问题，请逐条修改后再试。"])
    assert "content/site.yaml:3: title: 不能为空 &lt;b&gt;" in page
    assert "共 1 个问题" in page and page.count("<li>") == 1


def _run_preview(preview_: Preview, builds: int) -> None:
    """Drive a preview's event loop until it has finished `builds` builds."""

    async def drive() -> None:
        preview_.start()
        while preview_.builds < builds or preview_.building or (
                preview_.outcome is not None and preview_.outcome.ok and preview_.written < preview_.generation):
            await asyncio.sleep(0.01)

    # A thread of its own: Playwright's sync API may already run a loop in this one.
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(drive(), 60))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []


def test_a_bug_in_the_build_becomes_an_error_page_not_a_dead_preview(tmp_path: Path) -> None:
    def broken_builder() -> dict[str, bytes]:
        raise RuntimeError("boom")

    content = tmp_path / "content"
    content.mkdir()
    preview_ = Preview(content, tmp_path / "out", lambda text: None, builder=broken_builder)
    try:
        assert preview_.respond("public", "", "/").status == 503  # before the first build: "正在生成"
        _run_preview(preview_, 1)
        answer = preview_.respond("public", "stories/x/", "/stories/x/")
        assert answer.status == 500 and "gongjian 内部错误（RuntimeError: boom）" in answer.body.decode("utf-8")
        _run_preview(preview_, 2)  # the worker is still there to build again
        assert preview_.generation == 2
    finally:
        preview_.close()


def test_a_failing_search_index_costs_the_search_box_not_the_pages(scratch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def missing_index(pages: object, pause: object) -> dict[str, bytes]:
        raise SearchIndexError("生成搜索索引失败：磁盘已满")

    monkeypatch.setattr(pipeline, "index_of", missing_index)  # the one build's search step, inside the engine
    said: list[str] = []
    preview_ = Preview(scratch(), tmp_path / "out", said.append)
    try:
        _run_preview(preview_, 1)
        answer = preview_.respond("public", STORY_PAGE, "/" + STORY_PAGE)
        assert answer.status == 200 and "义诊进村 健康到家" in answer.body.decode("utf-8")
        assert any("搜索索引没有更新（页面不受影响）" in line and "磁盘已满" in line for line in said)
    finally:
        preview_.close()


def test_requests_cannot_leave_their_side(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    preview_ = Preview(scratch(), tmp_path / "out", lambda text: None)
    try:
        _run_preview(preview_, 1)
        assert preview_.respond("internal", "index.html", "/internal/index.html").status == 200
        for rel in ("../internal/index.html", "../../out/internal/progress.json", "static/../../internal/index.html"):
            answer = preview_.respond("public", rel, "/" + rel)
            assert answer.status == 404 and "内部" not in answer.body.decode("utf-8")
        assert preview_.respond("public", "stories", "/stories").location == "/stories/"
    finally:
        preview_.close()


# --- the real server --------------------------------------------------------------------------------------

@pytest.mark.e2e
def test_serves_both_sides_with_drafts_and_the_reload_script(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    with preview(content) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert "内部看板" in server.output and f"{server.url}internal/" in server.output
        code, home = server.get()
        assert code == 200 and "测试市直机关共建" in home and home.count(SNIPPET_MARK) == 1
        code, dashboard = server.get("internal/")
        assert code == 200 and "内部" in dashboard and SNIPPET_MARK in dashboard
        code, draft = server.get("stories/draft-note/")
        assert code == 200 and 'class="badge-draft">草稿<' in draft
        code, css = server.get("static/style.css")
        assert code == 200 and SNIPPET_MARK not in css
        code, missing = server.get("no/such/page/")
        assert code == 404 and SNIPPET_MARK in missing
        code, js = server.get("livereload.js")
        assert code == 200 and "LiveReload" in js
        assert not Path(server.status()["folder"]).is_relative_to(content.parent)


@pytest.mark.e2e
def test_a_save_rebuilds_and_a_burst_of_saves_rebuilds_once(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    with preview(content) as server:
        first = server.status()
        save(content / STORY, (content / STORY).read_text(encoding="utf-8") + "\n新的一段。\n")
        state = server.wait_build_after(first["generation"])
        assert state["ok"] and state["builds"] == first["builds"] + 1
        assert "新的一段。" in server.get(STORY_PAGE)[1]
        # an editor writing several files at once
        for name in ("a", "b", "c", "d"):
            save(content / f"stories/burst-{name}.md", f"---\ntitle: 连续保存{name}\ndate: 2017-11-0{len(name)}\n---\n正文\n")
        save(content / STORY, (content / STORY).read_text(encoding="utf-8") + "\n再一段。\n")
        after = server.wait_build_after(state["generation"])
        time.sleep(0.5)  # ten polls: any further build would have started by now
        assert server.status()["builds"] == after["builds"] == state["builds"] + 1
        assert "连续保存d" in server.get("stories/")[1]


@pytest.mark.e2e
def test_no_rebuild_without_a_save(scratch) -> None:  # type: ignore[no-untyped-def]
    with preview(scratch()) as server:
        time.sleep(1.0)  # twenty polls, during which the preview wrote its own output once
        assert server.status()["builds"] == 1


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ({"site.yaml": "title: [未闭合\n"}, "content/site.yaml:1"),
        ({"activities.yaml": "- id: a1\n  date: 2017-10-23\n  title: 义诊\n  kind: 送健康下乡\n"
                             "  branches: [no-such-branch]\n  participants: 1\n"}, "content/activities.yaml:5: branches"),
    ],
    ids=["broken-yaml", "dangling-reference"],
)
def test_bad_content_turns_every_page_into_the_error_page_and_recovers(scratch, edits, expected) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    originals = {name: (content / name).read_text(encoding="utf-8") for name in edits}
    with preview(content) as server:
        generation = server.status()["generation"]
        for name, text in edits.items():
            save(content / name, text)
        state = server.wait_build_after(generation)
        assert state["ok"] is False
        for path in ("", STORY_PAGE, "internal/", "no/such/page/"):
            code, page = server.get(path)
            assert code == 500 and expected in page and "gongjian-error" in page and SNIPPET_MARK in page
        assert server.get("static/style.css")[0] == 200  # the last good build still serves its files
        assert expected in server.output and "Traceback" not in server.output
        for name, text in originals.items():
            save(content / name, text)
        assert server.wait_build_after(state["generation"])["ok"] is True
        code, page = server.get(STORY_PAGE)
        assert code == 200 and "义诊进村 健康到家" in page


@pytest.mark.e2e
def test_template_error_shows_the_template_and_a_fix_brings_the_site_back(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    own = content.parent / "templates/public"
    with preview(content) as server:
        generation = server.status()["generation"]
        own.mkdir(parents=True)
        save(own / "story.html", '{% extends "_base.html" %}{% block main %}{{ view.no_such_thing }}{% endblock %}\n')
        state = server.wait_build_after(generation)
        assert state["ok"] is False
        code, page = server.get(STORY_PAGE)
        assert code == 500 and "story.html" in page
        save(own / "story.html", '{% extends "_base.html" %}{% block main %}<h1 id="own">自己的模板</h1>{% endblock %}\n')
        assert server.wait_build_after(state["generation"])["ok"] is True
        assert '<h1 id="own">自己的模板</h1>' in server.get(STORY_PAGE)[1]


@pytest.mark.e2e
def test_after_a_series_of_saves_the_preview_equals_a_full_build_with_drafts(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    own = content.parent / "templates/public"
    with preview(content) as server:
        state = server.status()
        edits = [
            (content / STORY, (content / STORY).read_text(encoding="utf-8") + "\n补充一段。\n"),
            (content / "site.yaml", "title: [坏了\n"),
            (content / "site.yaml", (content / "site.yaml").read_text(encoding="utf-8").replace("测试工委", "新的工委")),
            (own / "story.html", '{% extends "_base.html" %}{% block main %}<h1>{{ view.story.title }}</h1>{% endblock %}\n'),
            (content / "stories/new-one.md", "---\ntitle: 新故事\ndate: 2017-11-20\n---\n正文。\n"),
        ]
        for path, text in edits:
            path.parent.mkdir(parents=True, exist_ok=True)
            save(path, text)
            state = server.wait_build_after(state["generation"])
        assert state["ok"] is True
        state = server.wait(lambda s: s["written"] == s["generation"])  # the writer puts it on disk after the reload
        folder = Path(state["folder"])
        result = run_cli("build", "--content", str(content), "--out", str(tmp_path / "full"), "--drafts")
        assert result.returncode == 0, result.stderr

        preview_files, full_files = tree(folder), tree(tmp_path / "full")
        assert preview_files.keys() == full_files.keys()
        assert [k for k in preview_files if preview_files[k] != full_files[k]] == []
        assert "新的工委" in preview_files["public/index.html"].decode("utf-8")


@pytest.mark.e2e
@pytest.mark.slow
def test_pages_are_served_while_a_slow_build_runs(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    own = content.parent / "templates/public"
    with preview(content) as server:
        generation = server.status()["generation"]
        own.mkdir(parents=True)
        # A real, slow build: one page loops a few million times.
        save(own / "story.html", '{% extends "_base.html" %}{% block main %}'
             '{% for i in range(8000000) %}{% endfor %}<p id="slow">慢</p>{% endblock %}\n')
        server.wait(lambda s: s["building"])
        code, page = server.get(STORY_PAGE)
        assert code == 200 and "义诊进村 健康到家" in page  # the previous build, served during the new one
        assert server.status()["building"] is True
        server.wait_build_after(generation)
        assert '<p id="slow">慢</p>' in server.get(STORY_PAGE)[1]


@pytest.mark.e2e
def test_ctrl_c_stops_cleanly_and_removes_the_preview_folder(scratch) -> None:  # type: ignore[no-untyped-def]
    server = PreviewServer(scratch())
    try:
        folder = Path(server.wait(lambda s: s["generation"] >= 1 and s["written"] >= 1)["folder"])
        assert folder.is_dir()
    finally:
        code = server.stop()
    assert code == 0
    assert "预览已停止" in server.output and "Traceback" not in server.output
    assert not folder.parent.exists()


@pytest.mark.e2e
def test_sigterm_stops_cleanly(scratch) -> None:  # type: ignore[no-untyped-def]
    server = PreviewServer(scratch())
    try:
        server.wait(lambda s: s["generation"] >= 1)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
    finally:
        server.stop()
    assert "预览已停止" in server.output


@pytest.mark.e2e
def test_open_starts_the_browser_on_the_public_site(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    opened = tmp_path / "opened.txt"
    fake_browser = tmp_path / "browser.py"
    fake_browser.write_text(f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    server = PreviewServer(scratch(), "--open", env={"BROWSER": f"{sys.executable} {fake_browser} %s"})
    try:
        server.wait(lambda s: s["generation"] >= 1 and opened.exists() and opened.read_text() != "")
        assert opened.read_text() == server.url
    finally:
        server.stop()


@pytest.mark.e2e
def test_a_port_in_use_is_a_plain_message(scratch) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--content", str(scratch()), "--port", str(port))
    assert result.returncode == 2
    assert f"端口 {port} 已被占用" in result.stderr and f"--port {port + 1}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.e2e
def test_a_missing_content_folder_is_a_plain_message(tmp_path: Path) -> None:
    result = run_cli("serve", "--content", str(tmp_path / "nope"), "--port", "0")
    assert result.returncode == 2 and "找不到内容文件夹" in result.stderr and "Traceback" not in result.stderr


GOOD = "---\ntitle: 义诊进村 健康到家\ndate: 2017-10-25\n---\n第 {n} 次保存。\n"
BAD = "---\ntitle: [义诊进村\ndate: 2017-10-25\n---\n第 {n} 次保存。\n"


@pytest.mark.e2e
@pytest.mark.slow
def test_two_hundred_saves_good_and_bad_keep_the_server_up_and_its_memory_flat(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    with preview(content) as server:
        state = server.status()
        # Warm up: the first failed and good builds load what they need once, and the heap settles.
        for n in range(20):
            save(content / STORY, (BAD if n % 3 == 0 else GOOD).format(n=n))
            state = server.wait_build_after(state["generation"])
        samples = []
        for n in range(200):
            bad = n % 3 == 0
            save(content / STORY, (BAD if bad else GOOD).format(n=n))
            state = server.wait_build_after(state["generation"])
            assert state["ok"] is (not bad)
            samples.append(server.rss_kib())
        assert "第 199 次保存。" in server.get(STORY_PAGE)[1]
        assert server.process.poll() is None
    # One sample can catch the writer thread's work in flight or garbage not yet collected; the least of
    # thirty cannot. Measured here: 18–23 MiB (the heap settling; Python objects stay flat). A leak of
    # a quarter MiB per build would add 40 MiB more.
    growth_mib = (min(samples[-30:]) - min(samples[:30])) / 1024
    assert growth_mib < 50, f"RSS grew {growth_mib:.1f} MiB over 200 builds (least of the first and last 30 samples)"


def test_the_watcher_never_sees_the_preview_output(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    preview_ = Preview(content, content / "inside-out", lambda text: None)
    try:
        (content / "inside-out").mkdir()
        (content / "inside-out/page.html").write_text("x", encoding="utf-8")
        (content / ".inside-out.tmp-1").mkdir()  # where the writer stages the next build
        (content / ".inside-out.tmp-1/page.html").write_text("x", encoding="utf-8")
        stamps = snapshot(preview_.content, preview_.project.template_dirs())
        assert str(content / "site.yaml") in stamps
        assert not any("inside-out" in p for p in stamps)
    finally:
        preview_.close()


def test_a_save_is_confirmed_by_a_sooner_poll_before_its_build(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The poll that finds a save makes the watcher look again soon (SETTLE_SECONDS), not after a whole interval."""
    from generator.preview.serve import POLL_SECONDS, SETTLE_SECONDS

    content = scratch()
    preview_ = Preview(content, tmp_path / "out", lambda text: None)
    try:
        assert not preview_.settling and SETTLE_SECONDS < POLL_SECONDS
        story = next((content / "stories").glob("*.md"))
        story.write_text(story.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")
        preview_.poll()  # finds the save; the build waits for a poll that finds nothing new
        assert preview_.settling and preview_.status()["builds"] == 0
    finally:
        preview_.close()
