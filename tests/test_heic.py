"""Phone photos: HEIC used as a cover, an activity photo, a story image and the site logo is published
as an upright JPEG copy without its metadata; formats still not supported are refused with the hint."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pillow_heif
from PIL import Image

from tests.conftest import run_cli

BLUE, RED = (0, 0, 255), (255, 0, 0)


def heic(width: int = 300, height: int = 200) -> bytes:
    """A HEIC as an iPhone saves one held on its side: left half blue, right half red as stored,
    EXIF orientation 6 (turn 90° clockwise to view, which pillow-heif writes as irot), a camera name and GPS."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SecretPhone"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (36.0, 27.0, 1.5), "E", (115.0, 59.0, 2.5)
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, format="HEIF", exif=exif.tobytes(), quality=95)
    data = buffer.getvalue()
    assert b"irot" in data and b"SecretPhone" in data  # the file really carries the turn and the metadata
    return data


STORY = """---
title: 手机照片
date: 2017-10-26
cover: phone/cover.HEIC
---
正文里的照片：

![村委会门前](asset:phone/inline.heif)
"""


def _colour(pixel: tuple[int, ...]) -> tuple[int, int, int]:
    """Round a decoded pixel to pure red or blue (JPEG is lossy)."""
    r, _g, b = pixel[:3]
    return RED if r > b else BLUE


def test_heic_is_published_upright_as_jpeg_without_metadata(scratch: Callable[..., Path], tmp_path: Path) -> None:
    photo = heic()
    content = scratch({"assets/phone/cover.HEIC": photo, "assets/phone/inline.heif": photo,
                       "assets/phone/logo.heic": heic(120, 80), "stories/phone.md": STORY})
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "logo: phone/logo.heic\n", encoding="utf-8")
    activities = content / "activities.yaml"
    activities.write_text(activities.read_text(encoding="utf-8").replace(
        "  participants: 8\n", "  participants: 8\n  photos: [phone/cover.HEIC]\n"), encoding="utf-8")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(content), "--out", str(out))
    assert done.returncode == 0, done.stderr
    public = out / "public"
    copies = sorted((public / "images").glob("phone-*"))
    assert {p.suffix for p in copies} == {".jpg"}
    assert len(copies) >= 3  # cover, the inline photo (same pixels, own name) and the logo
    for copy in copies:
        data = copy.read_bytes()
        assert b"SecretPhone" not in data and b"Exif" not in data
        with Image.open(copy) as image:
            assert image.format == "JPEG"
            assert not image.getexif() and "exif" not in image.info
            if "logo" not in copy.name:
                # Upright: 200 wide, 300 tall; the stored left half (blue) is now the top half.
                assert image.height * 2 == image.width * 3
                assert _colour(image.getpixel((image.width // 2, image.height // 5))) == BLUE
                assert _colour(image.getpixel((image.width // 2, image.height * 4 // 5))) == RED
    page = (public / "stories/phone/index.html").read_text(encoding="utf-8")
    assert 'width="200" height="300"' in page
    assert ".heic" not in page.lower() and ".heif" not in page.lower()
    timeline = (public / "activities/2017-11/index.html").read_text(encoding="utf-8")
    assert "images/phone-cover-" in timeline
    assert not list(public.rglob("*.heic")) and not list(public.rglob("*.HEIC")) and not list(public.rglob("*.heif"))


def test_unsupported_formats_are_still_refused_with_the_hint(scratch: Callable[..., Path]) -> None:
    content = scratch({"assets/scan.tiff": b"II*\x00", "stories/phone.md": STORY.replace("phone/cover.HEIC", "scan.tiff")
                       .replace("![村委会门前](asset:phone/inline.heif)", "")})
    done = run_cli("check", "--content", str(content))
    assert done.returncode == 1
    assert (f"{content.name}/stories/phone.md:1: cover: 图片 assets/scan.tiff 无法读取（不支持 .tiff 格式）；"
            "请换成能打开的 JPEG、PNG、WebP 或 HEIC 图片（其他格式请先另存为 JPEG）") in done.stderr


def test_a_broken_heic_is_reported_not_crashed_on(scratch: Callable[..., Path]) -> None:
    content = scratch({"assets/phone/cover.HEIC": heic()[:300], "assets/phone/inline.heif": b"\x00\x00\x00\x18ftypheic",
                       "stories/phone.md": STORY})
    done = run_cli("check", "--content", str(content))
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    assert "cover: 图片 assets/phone/cover.HEIC 无法读取（文件已损坏或不是图片）" in done.stderr
    assert "图片 assets/phone/inline.heif 无法读取（文件已损坏或不是图片）" in done.stderr
