"""Covers and photos: resized copies with their size in the HTML; broken images reported like content errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from generator.build import build_site, check_site
from generator.errors import ContentError
from tests.conftest import run_cli

STORY = """---
title: 有封面的故事
date: 2017-10-26
cover: {cover}
---
正文。
"""


def jpeg(width: int, height: int, exif: Image.Exif | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 40)).save(buffer, "JPEG", exif=exif or Image.Exif())
    return buffer.getvalue()


def img_tags(html: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag)) for tag in re.findall(r"<img\b[^>]*>", html)]


def test_cover_gets_list_and_page_sizes_with_width_and_height(showcase: Path) -> None:
    public = showcase / "public"
    story = (public / "stories/wanghui-health/index.html").read_text(encoding="utf-8")
    [cover] = img_tags(story)
    assert cover["alt"] == "医生在王辉村村委会门前为村民测血压"  # from the story's extra.cover_alt
    assert (cover["width"], cover["height"]) == ("1280", "800")  # 1600×1000 scaled to 1280 wide
    src = public / "stories/wanghui-health" / cover["src"]
    with Image.open(src) as image:
        assert image.size == (1280, 800)
    assert "640w" in cover["srcset"] and "1280w" in cover["srcset"]
    assert f'<meta property="og:image" content="https://example.org/gj/{src.resolve().relative_to(public.resolve()).as_posix()}">' in story
    cards = img_tags((public / "stories/index.html").read_text(encoding="utf-8"))
    for card in cards:
        with Image.open(public / "stories" / card["src"]) as image:
            assert image.size == (int(card["width"]), int(card["height"]))
            assert image.width <= 640


def test_small_and_transparent_images_are_not_enlarged_and_stay_png(showcase: Path) -> None:
    files = sorted(p.name for p in (showcase / "public/images").iterdir())
    png = [f for f in files if f.endswith(".png")]
    assert png and all(f.endswith(("-640.png", "-800.png")) for f in png)  # 800 wide: no 1280 copy
    with Image.open(showcase / "public/images" / png[0]) as image:
        assert image.mode == "RGBA"


def test_activity_photos_have_alt_text_from_the_record(showcase: Path) -> None:
    timeline = (showcase / "public/activities/2017-11/index.html").read_text(encoding="utf-8")
    alts = [t["alt"] for t in img_tags(timeline)]
    assert alts == ["科技培训（照片 1/2）", "科技培训（照片 2/2）"]


def test_photos_are_turned_upright_and_lose_their_exif(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was held on its side
    exif[0x010F] = "秘密相机"  # Make: metadata that must not reach the public copy
    content = scratch({"assets/side.jpg": jpeg(300, 200, exif), "stories/covered.md": STORY.format(cover="side.jpg")})
    out = tmp_path / "site"
    build_site(content, out, search=False)
    [copy] = list((out / "public/images").glob("side-*-200.jpg"))
    with Image.open(copy) as image:
        assert image.size == (200, 300)
        assert not image.getexif()
    page = (out / "public/stories/covered/index.html").read_text(encoding="utf-8")
    assert 'width="200" height="300"' in page


@pytest.mark.parametrize("data", [b"not an image at all", jpeg(800, 600)[:400]], ids=["not-image", "truncated"])
def test_unreadable_cover_is_a_content_problem(scratch, data: bytes) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/broken.jpg": data, "stories/covered.md": STORY.format(cover="broken.jpg")})
    with pytest.raises(ContentError) as caught:
        check_site(content)
    [problem] = caught.value.problems
    assert problem.path.endswith("stories/covered.md") and problem.field == "cover"
    assert "assets/broken.jpg" in problem.message and "无法读取" in problem.message


def test_unreadable_photo_fails_the_build_and_keeps_the_previous_site(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    out = tmp_path / "site"
    build_site(content, out, search=False)
    before = (out / "public/index.html").read_bytes()
    (content / "assets/bad.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    activities = (content / "activities.yaml").read_text(encoding="utf-8")
    (content / "activities.yaml").write_text(activities.replace("  participants: 8\n", "  participants: 8\n  photos: [bad.png]\n"),
                                             encoding="utf-8")
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(r"activities\.yaml:\d+: photos 第1项: 图片 assets/bad\.png 无法读取", result.stderr), result.stderr
    assert (out / "public/index.html").read_bytes() == before


def test_svg_cover_is_used_as_it_is_with_its_size(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"><rect width="120" height="60"/></svg>'
    content = scratch({"assets/logo.svg": svg, "stories/covered.md": STORY.format(cover="logo.svg")})
    out = tmp_path / "site"
    build_site(content, out, search=False)
    [tag] = img_tags((out / "public/stories/covered/index.html").read_text(encoding="utf-8"))
    assert (tag["src"], tag["width"], tag["height"]) == ("../../assets/logo.svg", "120", "60")
    assert not (out / "public/images").exists()
