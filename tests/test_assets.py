"""What site/public gets from content/assets/: only what published pages use, images only as clean copies."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from generator.build import build_site, check_site
from generator.errors import ContentError
from generator.render.links import find_links
from generator.render.markup import MarkdownRenderer
from tests.conftest import run_cli
from tests.sitecheck import broken_links
from tests.trees import digests

STORY = "---\ntitle: {title}\ndate: 2017-10-26\n{front}---\n{body}"
# A body whose line 7 (line 12 of the file) is the link under test; the external link and the anchor are fine.
BODY = "第一段。\n\n## 小标题\n\n[外部链接不查](https://example.org/nowhere/) 和 [锚点](#小标题)\n\n{line}\n"


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (900, 600), exif: Image.Exif | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", exif=exif or Image.Exif())
    return buffer.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (36.0, 27.0, 0.0), 3: "E", 4: (115.0, 58.0, 0.0)}
    exif[0x010F] = "PhoneMaker"
    return exif


def story(title: str, body: str = "正文。\n", **front: str) -> str:
    return STORY.format(title=title, front="".join(f"{k}: {v}\n" for k, v in front.items()), body=body)


def build(content: Path, out: Path, *extra: str) -> list[str]:
    """Build through the real command line; return every file of site/public."""
    result = run_cli("build", "--content", str(content), "--out", str(out), "--no-cache", *extra)
    assert result.returncode == 0, result.stderr
    return sorted(p.relative_to(out / "public").as_posix() for p in (out / "public").rglob("*") if p.is_file())


@pytest.mark.e2e
def test_draft_cover_is_published_only_with_drafts(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/secret-plan.jpg": jpeg((10, 20, 200)),
                       "stories/draft-note.md": story("草稿", draft="true", cover="secret-plan.jpg")})
    assert not [f for f in build(content, tmp_path / "site") if "secret-plan" in f]
    with_drafts = [f for f in build(content, tmp_path / "drafts", "--drafts") if "secret-plan" in f]
    assert with_drafts and all(f.startswith("images/") for f in with_drafts)  # resized copies, never the original


@pytest.mark.e2e
def test_photos_of_activities_after_as_of_are_not_published(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/later.jpg": jpeg((0, 200, 0)), "assets/shown.jpg": jpeg((200, 0, 0))})
    records = (content / "activities.yaml").read_text(encoding="utf-8")
    records = records.replace("  funds: 500\n", "  funds: 500\n  photos: [later.jpg]\n")  # a3 is dated after as_of
    records = records.replace("  participants: 8\n", "  participants: 8\n  photos: [shown.jpg]\n")
    (content / "activities.yaml").write_text(records, encoding="utf-8")
    files = build(content, tmp_path / "site")
    assert not [f for f in files if "later" in f]
    assert [f for f in files if f.startswith("images/shown-")]  # the same kind of photo, shown, is published


@pytest.mark.e2e
def test_gps_photo_is_published_only_as_a_stripped_copy(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    original = jpeg((120, 90, 30), (1600, 1200), gps_exif())
    content = scratch({"assets/home.jpg": original, "stories/visit.md": story("走访", cover="home.jpg")})
    out = tmp_path / "site"
    files = build(content, out)
    copies = [f for f in files if "home" in f]
    assert copies and all(f.startswith("images/") for f in copies)
    for rel in copies:
        data = (out / "public" / rel).read_bytes()
        assert data != original and b"PhoneMaker" not in data
        with Image.open(out / "public" / rel) as image:
            assert not image.getexif() and image.getexif().get_ifd(0x8825) == {}


def test_unreferenced_files_are_notes_at_check_and_never_published(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/unused.txt": "没人用", "assets/photos/old.jpg": jpeg((1, 2, 3))})
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "content/assets/" in line]
    assert notes == [f"提示：content/assets/{rel}: 没有故事或活动用到这个文件，不会发布"
                     for rel in ("mark.svg", "photos/old.jpg", "unused.txt")]
    assert check_site(content).assets.files == ()


@pytest.mark.e2e
def test_story_links_resolve_references_and_files(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = b"%PDF-1.4\n% as it is\n%%EOF\n"
    body = ("[医院](unit:hosp)、[支部](branch:hosp-b1)、[活动](activity:a1)、[另一篇](story:wanghui-health)、"
            "[同上](wanghui-health.md)、[首页](../../)\n\n"
            "![村委会](asset:photos/cun.jpg)\n\n[方案](../assets/files/plan.pdf) [标记](asset:mark.svg) "
            "[附件](<asset:files/实施方案 (2).docx>)\n")
    content = scratch({"assets/photos/cun.jpg": jpeg((5, 5, 5), exif=gps_exif()), "assets/files/plan.pdf": pdf,
                       "assets/files/实施方案 (2).docx": b"PK docx",
                       "stories/linked.md": story("链接", body)})
    out = tmp_path / "site"
    files = build(content, out)
    assert (out / "public/assets/files/plan.pdf").read_bytes() == pdf  # other files: copied as they are
    assert "assets/mark.svg" in files and not [f for f in files if f.startswith("assets/photos/")]
    assert "assets/files/实施方案 (2).docx" in files
    page = (out / "public/stories/linked/index.html").read_text(encoding="utf-8")
    for href in ("../../units/hosp/", "../../units/hosp/#hosp-b1", "../../activities/2017-10/#activity-a1",
                 "../../stories/wanghui-health/", "../../assets/files/plan.pdf", "../../assets/mark.svg",
                 "../../assets/files/%E5%AE%9E%E6%96%BD%E6%96%B9%E6%A1%88%20%282%29.docx"):
        assert f'href="{href}"' in page, href
    [src] = re.findall(r'<img alt="村委会" src="([^"]+)"', page)
    assert src.startswith("../../images/photos-cun-")
    assert broken_links(out / "public", url_root="/gj/") == []


@pytest.mark.parametrize(("line", "message"), [
    ("[见](../no-such-story/)", "链接 ../no-such-story/: 网站上没有这个页面（从故事页 stories/bad/ 算起是 stories/no-such-story）"),
    ("[单位](unit:nobody)", "链接 unit:nobody: 没有编号为 nobody 的单位"),
    ("[支部](branch:nobody)", "链接 branch:nobody: 没有编号为 nobody 的支部"),
    ("[活动](activity:a3)", "链接 activity:a3: 活动 a3 晚于截至日期 2017-11-24，不在公开网站上"),
    ("[草稿](story:draft-note)", "链接 story:draft-note: 故事 draft-note 是草稿，不会发布"),
    ("[故事](gone.md)", "链接 gone.md: 没有文件名为 gone.md 的故事"),
    ("![图](asset:photos/none.jpg)", "图片 asset:photos/none.jpg: 找不到文件 content/assets/photos/none.jpg"),
    ('<img src="../assets/none.png">', "图片 ../assets/none.png: 找不到文件 content/assets/none.png"),
    ("![图](x.png)", "图片 x.png: 网站上没有这个文件（从故事页 stories/bad/ 算起是 stories/bad/x.png）"),
    ("[根](/gj/units/)", "链接 /gj/units/: 以“/”开头的链接在本地打开或网站放在子目录时会失效"),
    ("[外](../../../x/)", "链接 ../../../x/: 链接指到了网站以外"),
    ("[引用][r]\n\n[r]: unit:nobody", "链接 unit:nobody: 没有编号为 nobody 的单位"),
])
def test_broken_story_links_fail_check_at_their_line(scratch, line: str, message: str) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"stories/bad.md": story("坏链接", BODY.format(line=line), author="宣传组")})
    with pytest.raises(ContentError) as caught:
        check_site(content)
    expected_line = 14 if line.startswith("[引用]") else 12  # front matter 5 lines; a reference link: its definition
    [problem] = caught.value.problems  # the external link and the #anchor are not reported
    assert str(problem).startswith(f"content/stories/bad.md:{expected_line}: {message}"), str(problem)


def test_a_link_to_a_missing_page_fails_the_check_command(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"stories/bad.md": story("坏链接", BODY.format(line="[见](../no-such-story/)"), author="宣传组")})
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("content/stories/bad.md:12: 链接 ../no-such-story/: 网站上没有这个页面"), result.stderr


def test_links_of_a_draft_are_checked_when_drafts_are_built(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"stories/draft-note.md": story("草稿", "[坏](unit:nobody)\n", draft="true")})
    check_site(content)  # not published, not checked
    with pytest.raises(ContentError, match="1 个问题"):
        check_site(content, drafts=True)


def test_an_image_link_to_a_file_that_is_not_an_image_is_an_error(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/plan.pdf": b"%PDF", "stories/x.md": story("x", "![方案](asset:plan.pdf)\n")})
    with pytest.raises(ContentError) as caught:
        check_site(content)
    assert "content/assets/plan.pdf 不是图片" in str(caught.value.problems[0])


def test_image_formats_not_supported_are_refused_not_copied(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/p.avif": b"\x00\x00\x00\x18ftypavif", "stories/x.md": story("x", "[原图](asset:p.avif)\n")})
    with pytest.raises(ContentError) as caught:
        check_site(content)
    assert "不支持 .avif 格式" in str(caught.value.problems[0])


def test_links_are_found_at_their_lines_in_document_order() -> None:
    body = "a [x](unit:a)\n\nb <a href='unit:b'>y</a>\n\n[x](unit:a)\n\n`[code](unit:c)`\n"
    links = find_links(body, 7, MarkdownRenderer(False, frozenset({"unit"})).block)
    assert [(link.target, link.line) for link in links] == [("unit:a", 7), ("unit:b", 9), ("unit:a", 11)]


def test_internal_side_gets_no_assets_but_the_public_copies_for_wechat(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/cover.jpg": jpeg((9, 9, 9)), "stories/x.md": story("x", cover="cover.jpg")})
    checked = check_site(content)
    assert set(checked.assets.pictures) == {"cover.jpg"}
    build_site(content, tmp_path / "site", search=False)
    internal = [p for p in (tmp_path / "site/internal").rglob("*") if p.is_file()]
    media = [p for p in internal if p.suffix in (".jpg", ".png", ".svg", ".pdf")]
    # Only the 公众号 folder has images: the published copy of the cover, to upload (never the original).
    assert [p.relative_to(tmp_path / "site/internal").as_posix() for p in media] == ["wechat/x/01.jpg"]
    public = [p.read_bytes() for p in (tmp_path / "site/public/images").iterdir() if p.suffix == ".jpg"]
    assert media[0].read_bytes() in public and media[0].read_bytes() != (content / "assets/cover.jpg").read_bytes()
    # No page points into the public folders (data-public-src, the copy's public URL for the editor, is absolute).
    assert not [p for p in internal if re.search(rb"(?<![-\w])(src|href)=\"[^\"]*(images|assets)/", p.read_bytes())]
    assert b'data-public-src="https://example.org/gj/images/' in (tmp_path / "site/internal/wechat/x.html").read_bytes()


SVG_WITH_METADATA = (
    '<?xml version="1.0"?><!-- 作者 张三 --><svg xmlns="http://www.w3.org/2000/svg"'
    ' xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"'
    ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" sodipodi:docname="C:/Users/张三/徽标.svg"'
    ' inkscape:export-filename="张三的文件.png" width="20" height="10"><metadata>张三</metadata>'
    '<title>徽标</title><rect width="20" height="10" fill="#c00"/></svg>')


@pytest.mark.e2e
def test_svg_is_published_without_comments_metadata_or_editor_paths(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/logo.svg": SVG_WITH_METADATA, "stories/x.md": story("x", cover="logo.svg")})
    out = tmp_path / "site"
    build(content, out)
    published = (out / "public/assets/logo.svg").read_text(encoding="utf-8")
    assert "张三" not in published and "<title>徽标</title>" in published and 'fill="#c00"' in published


@pytest.mark.parametrize(("svg", "reason"), [
    ('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><script>alert(1)</script></svg>', "脚本"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1" onload="alert(1)"/>', "事件属性"),
    ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="1" height="1">'
     '<image xlink:href="data:image/jpeg;base64,AAAA"/></svg>', "嵌入了图片"),
])
def test_svg_with_script_or_an_embedded_photo_is_refused_at_check(scratch, svg: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/bad.svg": svg, "stories/x.md": story("x", cover="bad.svg")})
    with pytest.raises(ContentError) as caught:
        check_site(content)
    [problem] = caught.value.problems
    assert problem.field == "cover" and reason in problem.message


def with_summary(content: Path, summary: str) -> Path:
    """Give activity a1 (shown: dated before as_of; its `summary:` on line 14) another summary."""
    records = (content / "activities.yaml").read_text(encoding="utf-8")
    assert "  summary: 为村民**免费查体**。\n" in records
    (content / "activities.yaml").write_text(records.replace("  summary: 为村民**免费查体**。\n", f"  summary: {summary}\n"),
                                             encoding="utf-8")
    return content


SUMMARY_HINT = "站内链接可写“story:故事文件名”“unit:单位编号”“branch:支部编号”“activity:活动编号”或“asset:文件路径”"


@pytest.mark.parametrize(("summary", "message"), [
    ("见[单位](unit:nobody)。", "链接 unit:nobody: 没有编号为 nobody 的单位"),
    ("见[活动](activity:a3)。", "链接 activity:a3: 活动 a3 晚于截至日期 2017-11-24，不在公开网站上"),
    ("见[草稿](story:draft-note)。", "链接 story:draft-note: 故事 draft-note 是草稿，不会发布；发布后再链接，或先去掉这个链接"),
    ("见![图](asset:photos/none.jpg)。", "图片 asset:photos/none.jpg: 找不到文件 content/assets/photos/none.jpg；"
                                        "请把文件放进 content/assets/ 或改正路径"),
    ("见[故事](../stories/wanghui-health/)。", "链接 ../stories/wanghui-health/: 活动简介会出现在首页、活动时间线、月份页和单位页，"
                                           f"相对网址在这些页面上指向的地方不同；{SUMMARY_HINT}"),
    ("见[单位](/gj/units/hosp/)。", f"链接 /gj/units/hosp/: 以“/”开头的链接在本地打开或网站放在子目录时会失效；{SUMMARY_HINT}"),
    ("见<a href=\"unit:nobody\">单位</a>。", "链接 unit:nobody: 没有编号为 nobody 的单位"),
    ("见![标记](asset:files/plan.pdf)。", "图片 asset:files/plan.pdf: content/assets/files/plan.pdf 不是图片；"
                                        "文件请用链接 [说明](asset:files/plan.pdf)"),
])
def test_broken_summary_links_fail_check_at_the_summary_line(scratch, summary: str, message: str) -> None:  # type: ignore[no-untyped-def]
    content = with_summary(scratch({"assets/files/plan.pdf": b"%PDF-1.4"}), summary)
    with pytest.raises(ContentError) as caught:
        check_site(content)
    assert [str(p) for p in caught.value.problems] == [f"content/activities.yaml:14: summary: {message}"]


def test_a_broken_summary_link_fails_the_build_and_leaves_the_site_as_it_was(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    out = tmp_path / "site"
    build(content, out)
    before = digests(out)
    with_summary(content, "|\n    第一行。\n    见[单位](unit:nobody)。")  # a block: the link is two lines below `summary:`
    result = run_cli("build", "--content", str(content), "--out", str(out), "--no-cache")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == "content/activities.yaml:16: summary: 链接 unit:nobody: 没有编号为 nobody 的单位"
    assert digests(out) == before


def test_summary_links_of_activities_not_shown_are_not_checked(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    records = (content / "activities.yaml").read_text(encoding="utf-8")  # a3 is dated after as_of
    (content / "activities.yaml").write_text(records.replace("  funds: 500\n", "  funds: 500\n  summary: 见[单位](unit:nobody)\n"),
                                             encoding="utf-8")
    assert check_site(content).site.activities[-1].summary == "见[单位](unit:nobody)"


@pytest.mark.e2e
def test_summary_references_become_links_from_every_page_that_shows_the_summary(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = b"%PDF-1.4\n%%EOF\n"
    content = with_summary(scratch({"assets/files/plan.pdf": pdf, "assets/photos/cun.jpg": jpeg((5, 5, 5), exif=gps_exif())}),
                           "见[故事](story:wanghui-health)、[支部](branch:hosp-b1)、[方案](asset:files/plan.pdf)、"
                           "[外部](https://example.org/x) ![村委会](asset:photos/cun.jpg)")
    out = tmp_path / "site"
    files = build(content, out)
    assert (out / "public/assets/files/plan.pdf").read_bytes() == pdf
    assert not [f for f in files if f.startswith("assets/photos/")]  # the summary's image: a clean copy only
    copies = [f for f in files if f.startswith("images/photos-cun-")]
    assert len(copies) == 2  # a picture's two sizes; the summary shows the larger, as a story body does
    image = max(copies, key=lambda f: int(f.rsplit("-", 1)[1].split(".")[0]))
    pages = {"index.html": "./", "activities/index.html": "../", "activities/2017-10/index.html": "../../",
             "units/hosp/index.html": "../../"}
    for page, root in pages.items():
        html = (out / "public" / page).read_text(encoding="utf-8")
        for href in ("stories/wanghui-health/", "units/hosp/#hosp-b1", "assets/files/plan.pdf"):
            assert f'href="{root}{href}"' in html, (page, href)
        assert 'href="https://example.org/x"' in html and f'src="{root}{image}"' in html, page
        assert "story:" not in html and "asset:" not in html, page
    assert broken_links(out / "public", url_root="/gj/") == []
    checked = run_cli("check", "--content", str(content))
    assert checked.returncode == 0 and "content/assets/files/" not in checked.stderr  # used: no "unused file" note
    assert "content/assets/mark.svg" in checked.stderr  # while a file nothing uses is still noted
