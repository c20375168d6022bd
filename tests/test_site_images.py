"""The logo and favicon named in site.yaml: checked at `check`, published only as clean copies, shown on every page."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from tests.conftest import run_cli
from tests.sitecheck import broken_links
from tests.test_assets import SVG_WITH_METADATA, build, gps_exif, jpeg
from tests.test_site_quality import html_files, newer_than_checker, nu_checker
from tests.trees import digests

TITLE = "测试市直机关共建"  # the minimal fixture's site.yaml


def png_with_text(size: tuple[int, int] = (200, 200)) -> bytes:
    """A transparent PNG carrying a text chunk with a person's name, as drawing programs write."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "张三 13800000000")
    buffer = io.BytesIO()
    Image.new("RGBA", size, (200, 0, 0, 128)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def ico() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (128, 128), (0, 0, 200, 255)).save(buffer, "ICO", sizes=[(32, 32), (128, 128)])
    return buffer.getvalue()


def with_settings(content: Path, text: str) -> None:
    site = content / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.e2e
def test_logo_and_favicon_are_published_as_clean_copies_and_shown_on_every_page(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    logo = jpeg((150, 20, 20), (1200, 400), gps_exif())
    icon = png_with_text()
    content = scratch({"assets/brand/emblem.jpg": logo, "assets/brand/icon.png": icon})
    with_settings(content, "logo: brand/emblem.jpg\nfavicon: assets/brand/icon.png\n")
    out = tmp_path / "site"
    files = build(content, out)
    copies = [f for f in files if "emblem" in f or "icon" in f]
    assert len(copies) == 2 and all(f.startswith("images/") for f in copies), copies  # one copy each, no original
    for rel in copies:
        data = (out / "public" / rel).read_bytes()
        assert data not in (logo, icon) and b"PhoneMaker" not in data and "张三".encode() not in data
        with Image.open(out / "public" / rel) as image:
            assert not image.getexif() and not image.info.get("Author")
    [logo_copy] = [f for f in copies if "emblem" in f]
    [icon_copy] = [f for f in copies if "icon" in f]
    with Image.open(out / "public" / logo_copy) as image:
        assert image.size == (240, 80)  # twice the header's 40 px, never the full photo
    with Image.open(out / "public" / icon_copy) as image:
        assert image.size == (64, 64) and image.mode == "RGBA"

    pages = html_files(out / "public")
    assert len(pages) > 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        head = html.split("</head>", 1)[0]
        assert re.search(r'<link rel="icon" href="[^"]*images/brand-icon-[0-9a-f]+-64x64\.png">', head), page
        assert re.search(rf'<a class="brand" [^>]*><img class="logo" src="[^"]*{re.escape(logo_copy)}" '
                         rf'width="120" height="40" alt="{TITLE}"', html), page
    assert broken_links(out / "public", url_root="/gj/") == []
    checked = run_cli("check", "--content", str(content))
    assert checked.returncode == 0 and "content/assets/brand/" not in checked.stderr  # used: no "unused file" note

    internal = sorted((out / "internal").glob("*.html"))
    assert len(internal) == 7  # the dashboard pages and the one-file report
    expected = "data:image/png;base64," + base64.b64encode((out / "public" / icon_copy).read_bytes()).decode()
    for page in internal:
        assert f'<link rel="icon" href="{expected}">' in page.read_text(encoding="utf-8"), page
    assert not [p for p in (out / "internal").rglob("*") if p.suffix in (".jpg", ".png", ".ico", ".svg")]


@pytest.mark.e2e
@pytest.mark.parametrize(("name", "data", "copy"), [
    ("icon.ico", ico(), r"images/icon-[0-9a-f]+-64x64\.png"),  # re-encoded, like any raster image
    ("icon.svg", SVG_WITH_METADATA.encode(), r"assets/icon\.svg"),  # cleaned, like a story's SVG
])
def test_ico_and_svg_favicons_go_through_the_image_pipeline(scratch, tmp_path: Path, name: str, data: bytes,
                                                            copy: str) -> None:  # type: ignore[no-untyped-def]
    content = scratch({f"assets/{name}": data})
    with_settings(content, f"favicon: {name}\n")
    out = tmp_path / "site"
    [published] = [f for f in build(content, out) if "icon" in f]
    assert re.fullmatch(copy, published), published
    written = (out / "public" / published).read_bytes()
    assert written != data and "张三".encode() not in written
    assert f'<link rel="icon" href="{published}">' in (out / "public/index.html").read_text(encoding="utf-8")
    media = "image/png" if published.endswith(".png") else "image/svg+xml"
    report = (out / "internal/progress-report.html").read_text(encoding="utf-8")
    assert f'<link rel="icon" href="data:{media};base64,{base64.b64encode(written).decode()}">' in report


def test_without_logo_or_favicon_pages_have_neither(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build(scratch(), out)
    for page in [*html_files(out / "public"), *(out / "internal").glob("*.html")]:
        html = page.read_text(encoding="utf-8")
        assert 'rel="icon"' not in html and 'class="logo"' not in html, page
    assert f'<a class="brand" href="./">{TITLE}</a>' in (out / "public/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("setting", "files", "message"), [
    ("logo: brand/none.png", {}, "logo: 找不到文件 content/assets/brand/none.png；请把图片放进 content/assets/，或改正路径"),
    ("logo: ../site.yaml", {}, "logo: “../site.yaml”在 content/assets/ 以外；请把图片放进 content/assets/，"
                               "写它在 assets/ 里的路径（如 logo/emblem.png）"),
    ("logo: /etc/emblem.png", {}, "logo: “/etc/emblem.png”在 content/assets/ 以外；请把图片放进 content/assets/，"
                                  "写它在 assets/ 里的路径（如 logo/emblem.png）"),
    ("logo: https://example.org/emblem.png", {}, "logo: “https://example.org/emblem.png”是网址；网站徽标只能用 "
                                                 "content/assets/ 里的图片，请把图片下载后放进 content/assets/，"
                                                 "写它在 assets/ 里的路径（如 logo/emblem.png）"),
    ("logo: files/plan.pdf", {"assets/files/plan.pdf": b"%PDF-1.4"},
     "logo: content/assets/files/plan.pdf 不是图片；网站徽标请用 PNG、JPEG 或 SVG 图片"),
    ("favicon: notes.txt", {"assets/notes.txt": "备忘"}, "favicon: content/assets/notes.txt 不是图片；网站图标请用 PNG、ICO 或 SVG 图片"),
    ("logo: broken.jpg", {"assets/broken.jpg": b"not a picture"},
     "logo: 图片 assets/broken.jpg 无法读取（文件已损坏或不是图片）；"
     "请换成能打开的 JPEG、PNG、WebP 或 HEIC 图片（其他格式请先另存为 JPEG）"),
    ("favicon: [a.png]", {}, "favicon: 应为 content/assets/ 下的图片路径（如 favicon: logo/favicon.png），这里是列表"),
])
def test_a_bad_logo_or_favicon_fails_with_its_line_and_leaves_the_site_as_it_was(  # type: ignore[no-untyped-def]
        scratch, tmp_path: Path, setting: str, files: dict[str, str | bytes], message: str) -> None:
    content = scratch(files)
    out = tmp_path / "site"
    build(content, out)
    before = digests(out)
    line = len((content / "site.yaml").read_text(encoding="utf-8").splitlines()) + 1
    with_settings(content, setting + "\n")
    for command in (["check"], ["build", "--out", str(out), "--no-cache"]):
        result = run_cli(*command, "--content", str(content))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.splitlines()[0] == f"content/site.yaml:{line}: {message}", result.stderr
    assert digests(out) == before


@pytest.mark.slow
@pytest.mark.e2e
def test_pages_with_logo_and_favicon_pass_the_nu_checker(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/emblem.png": png_with_text((90, 120)), "assets/icon.svg": SVG_WITH_METADATA})
    with_settings(content, "logo: emblem.png\nfavicon: icon.svg\n")
    out = tmp_path / "site"
    build(content, out)
    pages = [out / "public/index.html", out / "public/units/hosp/index.html", out / "public/404.html",
             out / "internal/index.html", out / "internal/progress-report.html"]
    assert all('rel="icon"' in p.read_text(encoding="utf-8") for p in pages)
    bad = tmp_path / "bad.html"  # rides along, to show the checker does report errors
    bad.write_text('<!DOCTYPE html><html lang=zh-CN><title>x</title><a class="brand" href="./"><img src=a.png></a>',
                   encoding="utf-8")
    result = nu_checker(*map(str, pages), str(bad))
    errors = [line for line in result.stdout.splitlines()
              if line.strip() and not newer_than_checker(line) and "“print-color-adjust”" not in line]
    assert errors and all(line.startswith(f'"file:{bad}"') for line in errors), result.stdout + result.stderr
