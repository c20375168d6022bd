"""The 公众号 pages (internal side) and the sharing of public pages: QR codes, share images, share metadata.

Built through the real command line from the showcase fixture plus a story with body images;
the pages are checked in real Chromium (clipboard included), the QR codes with a real decoder.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from lxml import html as lxml_html
from PIL import Image

from tests.conftest import FIXTURES, REPO, run_cli
from tests.test_site_quality import nu_checker

BASE = "https://example.org/gj/"
SCREENSHOT = Path(os.environ["WECHAT_SCREENSHOT"]) if os.environ.get("WECHAT_SCREENSHOT") else None  # to look at it
STORY = """---
title: 义诊现场的一天
date: 2017-11-02
branches: [hosp-b1, hosp-b2]
unit: hosp
summary: 两个支部的医生在村里待了一整天。
cover: photos/peixun.png
---
## 上午：查体

医生们为村民**免费查体**，还讲了[用药常识](../wanghui-health/)。

![医生在村委会门前为村民测血压](asset:photos/王辉村义诊.jpg "王辉村村委会门前的义诊台")

| 项目 | 人数 |
| --- | --- |
| 测血压 | 80 |

> 村民说：“家门口就能看病。”

![培训](asset:photos/peixun.png)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The showcase site plus a story with a cover, a captioned image, a table and a quote, built by the CLI."""
    root = tmp_path_factory.mktemp("wechat")
    shutil.copytree(FIXTURES / "showcase", root / "project")
    content = root / "project" / "content"
    photo = content / "assets/photos/王辉村义诊.jpg"
    with Image.open(photo) as image:  # a GPS-like marker in EXIF: no copy may carry it
        exif = Image.Exif()
        exif[0x010E] = "SECRET-EXIF-MARKER"
        image.save(photo, exif=exif.tobytes())
    (content / "stories/yizhen-day.md").write_text(STORY, encoding="utf-8")
    result = run_cli("build", "--content", str(content), "--out", str(root / "site"), "--no-cache")
    assert result.returncode == 0, result.stderr
    return root / "site"


def _tree(path: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(path.read_bytes())


def test_wechat_pages_are_internal_and_have_inline_styles_only(built: Path) -> None:
    wechat = built / "internal/wechat"
    assert not (built / "public/wechat").exists()
    assert sorted(p.name for p in wechat.glob("*.html")) == ["agri-training.html", "index.html", "wanghui-health.html",
                                                             "yizhen-day.html"]
    page = wechat / "yizhen-day.html"
    tree = _tree(page)
    assert tree.xpath("//style") == [] and tree.xpath("//link[@rel='stylesheet']") == []
    assert tree.xpath("//*[@class]") == []
    post = tree.get_element_by_id("wechat-post")
    section = post.xpath("./section")
    assert len(section) == 1 and "line-height: 1.75" in section[0].get("style")
    for element in post.iter("h1", "h2", "p", "img", "figure", "figcaption", "table", "td", "th", "blockquote", "a"):
        style = element.get("style", "")
        assert style, f"{element.tag} has no inline style"
        assert "position" not in style and "float" not in style
    assert [h.text_content() for h in post.iter("h1", "h2")] == ["义诊现场的一天", "上午：查体"]
    captions = [c.text_content() for c in post.iter("figcaption")]
    assert captions == ["王辉村村委会门前的义诊台", "培训"]
    text = post.text_content()
    assert "市第四人民医院" in text and "相关支部：市第四人民医院第一党支部、市第四人民医院第二党支部" in text
    assert "“1+1”好支部共建行动" in text and f"原文：{BASE}stories/yizhen-day/" in text
    # Links to the public site become absolute (the post is read outside the site).
    assert post.xpath(".//a/@href") == [f"{BASE}stories/wanghui-health/"]
    # The cover first, then the body's images in order, each once: the cover (peixun.png) is not repeated.
    sources = [img.get("src") for img in post.iter("img")]
    assert sources == ["yizhen-day/01.png", "yizhen-day/02.jpg", "yizhen-day/01.png"]
    publics = [img.get("data-public-src") for img in post.iter("img")]
    assert all(p.startswith(f"{BASE}images/") for p in publics)
    # No internal field reaches the page (branches.yaml has the secretary's name and phone).
    raw = page.read_text(encoding="utf-8")
    assert "张书记" not in raw and "0635-0000001" not in raw


def test_wechat_images_are_the_public_copies_without_metadata(built: Path) -> None:
    folder = built / "internal/wechat/yizhen-day"
    assert sorted(p.name for p in folder.iterdir()) == ["01.png", "02.jpg"]
    post = _tree(built / "internal/wechat/yizhen-day.html").get_element_by_id("wechat-post")
    for img in post.iter("img"):
        copy = built / "internal/wechat" / img.get("src")
        public = built / "public" / img.get("data-public-src").removeprefix(BASE)
        assert copy.read_bytes() == public.read_bytes()
        assert b"SECRET-EXIF-MARKER" not in copy.read_bytes()
        with Image.open(copy) as image:
            assert "exif" not in image.info
    index = _tree(built / "internal/wechat/index.html")
    assert index.xpath("//a[@href='yizhen-day.html']/text()") == ["义诊现场的一天"]
    assert _tree(built / "internal/index.html").xpath("//nav//a[@href='wechat/index.html']/text()") == ["公众号文章"]


def _public_pages(built: Path) -> list[Path]:
    return sorted(p for p in (built / "public").rglob("*.html") if "pagefind" not in p.parts)


def test_every_public_page_has_share_metadata(built: Path) -> None:
    pages = _public_pages(built)
    assert len(pages) > 15
    for page in pages:
        rel = page.relative_to(built / "public").as_posix()
        tree = _tree(page)
        meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.iter("meta")}
        for key in ("description", "og:title", "og:description", "og:image", "og:type"):
            assert meta.get(key), f"{rel}: no {key}"
        if rel != "404.html":
            assert meta["og:url"] == BASE + rel.removesuffix("index.html")
        image = meta["og:image"]
        assert image.startswith(BASE) and (built / "public" / image.removeprefix(BASE)).is_file(), f"{rel}: {image}"
    story = {m.get("property"): m.get("content") for m in _tree(built / "public/stories/yizhen-day/index.html").iter("meta")}
    assert story["og:type"] == "article" and story["og:title"] == "义诊现场的一天"


def _decode(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as image:
        return [code.text for code in zxingcpp.read_barcodes(image.convert("L"))]


def test_share_image_shows_a_qr_code_to_the_page(built: Path) -> None:
    for slug in ("yizhen-day", "wanghui-health", "agri-training"):
        data = (built / f"public/stories/{slug}/share.png").read_bytes()
        assert _decode(data) == [f"{BASE}stories/{slug}/"]
        with Image.open(io.BytesIO(data)) as image:
            assert image.width == 750 and image.height > 700
            assert not image.info.keys() - {"dpi"}  # no text chunks, no EXIF
    assert _decode((built / "public/share.png").read_bytes()) == [BASE]


def test_share_images_are_the_same_bytes_when_built_again(built: Path, tmp_path: Path) -> None:
    content = built.parent / "project" / "content"
    result = run_cli("build", "--content", str(content), "--out", str(tmp_path / "again"), "--no-cache")
    assert result.returncode == 0, result.stderr
    for rel in ("public/share.png", "public/stories/yizhen-day/share.png", "public/stories/yizhen-day/index.html",
                "internal/wechat/yizhen-day.html", "internal/wechat/yizhen-day/02.jpg"):
        assert (tmp_path / "again" / rel).read_bytes() == (built / rel).read_bytes(), rel


@pytest.mark.slow
def test_public_pages_and_wechat_posts_pass_the_nu_checker(built: Path) -> None:
    posts = [p for p in (built / "internal/wechat").glob("*.html") if p.name != "index.html"]
    assert len(posts) == 3
    result = nu_checker(*map(str, _public_pages(built) + posts))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.browser
def test_story_page_qr_code_decodes_to_its_url(built: Path, browser, serve_folder) -> None:  # type: ignore[no-untyped-def]
    url = serve_folder(built / "public")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(url + "stories/yizhen-day/")
        qr = page.locator(".share-qr svg")
        assert qr.count() == 1
        box = qr.bounding_box()
        assert box is not None and box["width"] >= 120
        assert _decode(qr.screenshot()) == [f"{BASE}stories/yizhen-day/"]
        link = page.locator(".share a[download]")
        assert link.get_attribute("href") == "share.png"
    finally:
        page.close()


@pytest.mark.browser
def test_copy_button_puts_the_styled_post_on_the_clipboard(built: Path, browser, serve_folder,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:
    url = serve_folder(built / "internal")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    page = context.new_page()
    try:
        page.goto(url + "wechat/yizhen-day.html")
        assert page.evaluate("document.styleSheets.length") == 0
        page.wait_for_load_state("load")
        sizes = page.evaluate("[...document.querySelectorAll('#wechat-post img')].map(i => [i.complete, i.naturalWidth])")
        assert len(sizes) == 3 and all(done and width > 0 for done, width in sizes), sizes
        widths = page.evaluate("[...document.querySelectorAll('#wechat-post img')].map(i => i.getBoundingClientRect().right)")
        assert max(widths) <= 390  # max-width: 100% holds on a phone
        page.screenshot(path=str(SCREENSHOT or tmp_path / "wechat-390.png"), full_page=True)
        page.click("#copy-wechat")
        page.wait_for_function("document.getElementById('copy-status').textContent.length > 0")
        assert page.inner_text("#copy-status") == "已复制，请到公众号编辑器的正文里粘贴"
        copied = page.evaluate("""async () => {
            const items = await navigator.clipboard.read();
            const blob = await items[0].getType('text/html');
            return [items[0].types, await blob.text()];
        }""")
        types, html = copied
        assert "text/html" in types
        assert html.startswith("<section style=") and 'font-size: 16px; line-height: 1.75' in html
        assert '<h1 style="' in html and "王辉村村委会门前的义诊台" in html
        assert f'src="{BASE}images/' in html and "data-public-src" not in html and "yizhen-day/01.png" not in html
        assert "<style" not in html and "class=" not in html
    finally:
        context.close()


@pytest.mark.browser
def test_copy_falls_back_to_a_selection_without_the_clipboard_api(built: Path, browser,  # type: ignore[no-untyped-def]
                                                                  serve_folder) -> None:
    url = serve_folder(built / "internal")
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    page = context.new_page()
    try:
        page.add_init_script("window.ClipboardItem = undefined;")
        page.goto(url + "wechat/yizhen-day.html")
        page.click("#copy-wechat")
        assert page.inner_text("#copy-status") == "已复制，请到公众号编辑器的正文里粘贴"
        html = page.evaluate("""async () => {
            const items = await navigator.clipboard.read();
            return await (await items[0].getType('text/html')).text();
        }""")
        assert "义诊现场的一天" in html and "line-height: 1.75" in html
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.e2e
def test_preview_links_to_the_wechat_page_and_its_button_copies(built: Path, browser) -> None:  # type: ignore[no-untyped-def]
    from tests.preview_server import preview

    with preview(built.parent / "project" / "content") as server:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
        page = context.new_page()
        try:
            page.goto(server.url + "internal/")
            page.click("nav >> text=公众号文章")
            page.click("text=义诊现场的一天")
            assert page.url == server.url + "internal/wechat/yizhen-day.html"
            page.wait_for_load_state("load")
            assert page.evaluate("[...document.querySelectorAll('#wechat-post img')].every(i => i.naturalWidth > 0)")
            page.click("#copy-wechat")
            page.wait_for_function("document.getElementById('copy-status').textContent.length > 0")
            html = page.evaluate("""async () => {
                const items = await navigator.clipboard.read();
                return await (await items[0].getType('text/html')).text();
            }""")
            assert html.startswith("<section style=") and "上午：查体" in html
        finally:
            context.close()


def test_without_a_chinese_font_the_share_image_has_no_text_and_a_note_says_so(built: Path, tmp_path: Path) -> None:
    # A fontconfig setup with no font folder: the machine as it would be without any Chinese font installed.
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    content = built.parent / "project" / "content"
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(content), "--out",
                             str(tmp_path / "site"), "--no-cache"], capture_output=True, text=True, cwd=REPO,
                            env={**os.environ, "FONTCONFIG_FILE": str(config)}, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "提示：public/share.png: 这台电脑上没有中文字体，分享图片只有封面和二维码、没有文字" in result.stdout + result.stderr
    data = (tmp_path / "site/public/stories/yizhen-day/share.png").read_bytes()
    assert data != (built / "public/stories/yizhen-day/share.png").read_bytes()  # the text is missing
    assert _decode(data) == [f"{BASE}stories/yizhen-day/"]
