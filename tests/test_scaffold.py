"""`gongjian init` starts a working site; `gongjian new story` writes a valid draft."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from generator.build import build_site, check_site
from generator.errors import UsageError
from generator.scaffold import new_story
from tests.conftest import REPO, run_cli
from tests.sitecheck import broken_links


def test_new_story_has_valid_front_matter_and_a_pinyin_slug(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    path = new_story(content, "冬日送温暖 走进王辉村", date(2017, 11, 20), ["hosp-b1"])
    assert path == content / "stories/dong-ri-song-wen-nuan-zou-jin-wang-hui-cun.md"
    front = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    assert front == {"title": "冬日送温暖 走进王辉村", "date": date(2017, 11, 20), "branches": ["hosp-b1"],
                     "author": "", "tags": [], "summary": "", "draft": True}
    checked = check_site(content, drafts=True)
    story = next(s for s in checked.site.stories if s.slug == "dong-ri-song-wen-nuan-zou-jin-wang-hui-cun")
    assert story.draft and story.branches == ("hosp-b1",)
    assert "stories/dong-ri-song-wen-nuan-zou-jin-wang-hui-cun/index.html" not in {p.path for p in check_site(content).public.pages}


def test_new_story_hints_are_never_published(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    new_story(content, "冬日走访", date(2017, 11, 20), slug="hints")
    out = tmp_path / "site"
    build_site(content, out, drafts=True, search=False)
    page = (out / "public/stories/hints/index.html").read_text(encoding="utf-8")
    assert "在这里写正文" in page and "Markdown" not in page and "draft: false" not in page


@pytest.mark.parametrize(("args", "message"), [
    ({"title": "义诊进村 健康到家", "slug": "wanghui-health"}, "已经存在"),
    ({"title": "新故事", "branches": ["no-such-branch"]}, "找不到支部“no-such-branch”"),
    ({"title": "★★★"}, "请用 --slug 指定"),
    ({"title": "新故事", "slug": "Bad_Slug"}, "不合格"),
    ({"title": "   "}, "不能为空"),
])
def test_new_story_refuses_what_would_go_wrong(scratch, args: dict[str, object], message: str) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    before = sorted(p.name for p in (content / "stories").iterdir())
    with pytest.raises(UsageError, match=message):
        new_story(content, str(args["title"]), date(2017, 11, 20), args.get("branches"), args.get("slug"))  # type: ignore[arg-type]
    assert sorted(p.name for p in (content / "stories").iterdir()) == before


def test_new_story_from_the_command_line(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    result = run_cli("new", "story", "冬日", "送温暖", "--branch", "agri-b1", "--content", str(content))
    assert result.returncode == 0, result.stderr
    written = content / "stories/dong-ri-song-wen-nuan.md"
    text = written.read_text(encoding="utf-8")
    assert "title: 冬日 送温暖\n" in text and f"date: {date.today().isoformat()}\n" in text
    assert "draft: true\n" in text and "branches: [agri-b1]\n" in text
    again = run_cli("new", "story", "冬日 送温暖", "--content", str(content))
    assert again.returncode == 2 and "已经存在" in again.stderr and "Traceback" not in again.stderr
    assert run_cli("check", "--content", str(content)).returncode == 0


def test_init_starts_a_site_that_builds_with_search_images_and_no_broken_links(tmp_path: Path) -> None:
    target = tmp_path / "我们的网站"
    result = run_cli("init", str(target))
    assert result.returncode == 0, result.stderr
    assert (target / "content/site.yaml").is_file() and (target / "templates/static/custom.css").is_file()
    # The defaults (content → site) work from inside the new folder; this checkout's generator is used.
    build = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=target, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert build.returncode == 0, build.stderr
    public = target / "site/public"
    assert (public / "search/data/meta.json").is_file()
    assert list((public / "images").glob("yizhen-*-640.jpg"))
    assert (public / "tags/song-jian-kang-xia-xiang/index.html").is_file()
    assert broken_links(public, url_root="/gongjian/") == []
    home = (public / "index.html").read_text(encoding="utf-8")
    assert "把诊室搬到村头" in home and "李书记" not in home


def test_init_refuses_a_folder_with_files_in_it(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("keep me", encoding="utf-8")
    result = run_cli("init", str(tmp_path))
    assert result.returncode == 2 and "不是空文件夹" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]


def visible_text(page: Path) -> str:
    """The text a reader sees on a page (no markup, scripts or styles)."""
    import html
    import re

    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_init_empty_gives_commented_files_that_check_and_build_as_they_are(tmp_path: Path) -> None:
    import re

    target = tmp_path / "空白网站"
    made = run_cli("init", "--empty", str(target))
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[0] == f"已在 {target} 新建空白网站（8 个文件）。接下来："
    content = target / "content"
    for kind in ("units", "branches", "villages", "activities", "inspections"):
        text = (content / f"{kind}.yaml").read_text(encoding="utf-8")
        assert yaml.safe_load(text) is None, kind  # comments only: no record yet
        assert "# 字段：" in text and "# 写法示例" in text and "# - id: " in text, kind
    assert (content / "stories").is_dir() and (content / "assets").is_dir()
    today = date.today().isoformat()
    assert f"  start: {today}\n" in (content / "site.yaml").read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    check = subprocess.run([sys.executable, "-m", "generator", "check"], cwd=target, capture_output=True, text=True,
                           env=env, timeout=300)
    assert (check.returncode, check.stderr) == (0, "")
    assert check.stdout == f"内容检查通过：还没有任何记录（单位、支部、共建村、活动、督导、故事）；数据截至 {today}。\n"
    build = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=target, capture_output=True, text=True,
                           env=env, timeout=300)
    assert (build.returncode, build.stderr) == (0, "")
    assert f"截至 {today}：还没有支部记录；写进 content/branches.yaml 后，这里会显示对接和活动的进展。" in build.stdout
    pages = sorted((target / "site").rglob("*.html"))
    assert len(pages) > 10
    # Nothing reads as a count of nothing or a rate of nothing.
    nonsense = re.compile(r"(?<![\d.,])0(?:/0|\.0%| 个| 次| 人次|\.00 万元)|（0\.0%）|NaN|None")
    seen = {page.relative_to(target / "site").as_posix(): nonsense.findall(visible_text(page)) for page in pages}
    assert {page: found for page, found in seen.items() if found} == {}
    assert "各支部的对接、活动和督导情况将在这里陆续发布" in visible_text(target / "site/public/index.html")
    assert "还没有支部记录" in visible_text(target / "site/internal/index.html")
    assert broken_links(target / "site/public", url_root="/gongjian/") == []


def test_init_empty_refuses_a_folder_with_files_in_it(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("keep me", encoding="utf-8")
    result = run_cli("init", "--empty", str(tmp_path))
    assert result.returncode == 2 and "不是空文件夹" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]
