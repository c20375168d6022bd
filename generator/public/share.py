"""What people share a story with in a WeChat group: a QR code to its page and a share image.

Both are plain functions from text (and a cover's bytes) to bytes, made without
network: segno draws the QR code, Pillow the image. The image's text needs a font
with Chinese characters; `cjk_font` looks for one through fontconfig. Without one
the image is made without text (cover and QR code only) and `check` says so in a note.
"""

from __future__ import annotations

import functools
import io
import subprocess
from collections.abc import Sequence
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

WIDTH = 750  # the width of a WeChat article image; a phone shows it edge to edge
MARGIN = 48
COVER_HEIGHT = 422  # 16:9 at WIDTH
QR_MODULE = 6  # pixels per module: a version 4–6 code is 200–270 px, easy to scan from a phone screen
QR_BORDER = 2  # quiet zone in modules, on the white card (decoders want at least 1–2; the spec says 4 for print)
ACCENT = (179, 38, 30)  # the public site's red
INK = (34, 34, 34)
GREY = (110, 110, 110)
PAPER = (255, 255, 255)
# Fonts with Chinese glyphs known to render well, the first found wins; else the first fontconfig lists.
PREFERRED_FONTS = ("wqy-microhei", "NotoSansCJK", "NotoSansSC", "SourceHanSans", "wqy-zenhei", "DroidSansFallback")
NO_FONT = "这台电脑上没有中文字体，分享图片只有封面和二维码、没有文字；请安装中文字体（如 Debian 的 fonts-wqy-microhei）后重新生成"


# A fixed mask pattern: segno would otherwise draw and score all eight for every code (most of its time);
# any of them decodes, so the choice only costs the code's looks.
QR_MASK = 0


def page_url(base_url: str, path: str) -> str:
    """Return the absolute URL of a page from base_url and its output path (stories/x/index.html → …/stories/x/)."""
    return base_url + (path[: -len("index.html")] if path.endswith("index.html") else path)


def qr_svg(url: str, title: str) -> str:
    """Return an inline SVG QR code for `url` (same URL, same bytes)."""
    code = segno.make(url, error="m", micro=False, mask=QR_MASK)
    # No classes (the site's CSS sizes it) and a viewBox so it scales; <title> names it for screen readers.
    width, height = code.symbol_size(scale=4, border=QR_BORDER)
    svg = str(code.svg_inline(scale=4, border=QR_BORDER, svgclass=None, lineclass=None, title=title))
    return svg.replace("<svg ", f'<svg role="img" viewBox="0 0 {width} {height}" ', 1)


@functools.cache
def cjk_font() -> Path | None:
    """Return a font file with Chinese glyphs on this machine (fontconfig), or None when there is none."""
    try:
        listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=30,
                                check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted({line.split(":", 1)[0].strip() for line in listed.splitlines() if line.strip()})
    files = [f for f in files if f.lower().endswith((".ttf", ".ttc", ".otf", ".otc"))]
    for name in PREFERRED_FONTS:
        for file in files:
            if name.lower() in Path(file).name.lower():
                return Path(file)
    return Path(files[0]) if files else None


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    path = cjk_font()
    return ImageFont.truetype(str(path), size) if path else None


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    """Break Chinese text into at most `lines` lines of `width` pixels, ending the last with …… when cut."""
    out: list[str] = []
    current = ""
    for char in text:
        if font.getlength(current + char) > width:
            out.append(current)
            current = char.lstrip()
            if len(out) == lines:
                break
        else:
            current += char
    else:
        out.append(current)
        return [line for line in out if line]
    last = out[-1]
    while last and font.getlength(last + "……") > width:
        last = last[:-1]
    return [*out[:-1], last + "……"]


def _qr_image(url: str) -> Image.Image:
    code = segno.make(url, error="m", micro=False, mask=QR_MASK)
    out = io.BytesIO()
    code.save(out, kind="png", scale=QR_MODULE, border=QR_BORDER)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def _cover(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return ImageOps.fit(image.convert("RGB"), (WIDTH, COVER_HEIGHT), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError):  # an SVG cover: the band in the site's colour instead
        return None


def share_png(title: str, lines: Sequence[str], footer: str, url: str, cover: bytes | None) -> bytes:
    """Draw the share image of a page: cover (or a red band), title, `lines`, QR code to `url`, footer.

    `cover` is the published copy of the cover (already upright and without metadata). The
    PNG carries no metadata, so the same inputs and font give the same bytes.
    """
    title_font, line_font, small_font = _font(44), _font(26), _font(22)
    photo = _cover(cover)
    qr = _qr_image(url)
    text_width = WIDTH - 2 * MARGIN
    title_lines = _wrap(title, title_font, text_width, 3) if title_font else []
    info = [wrapped for line in lines for wrapped in (_wrap(line, line_font, text_width, 2) if line_font else [])]
    top = COVER_HEIGHT if photo else 24
    height = top + MARGIN + 60 * len(title_lines) + 16 + 40 * len(info) + 32 + qr.height + MARGIN + 56
    image = Image.new("RGB", (WIDTH, height), PAPER)
    draw = ImageDraw.Draw(image)
    if photo:
        image.paste(photo, (0, 0))
    else:
        draw.rectangle((0, 0, WIDTH, top), fill=ACCENT)
    y = top + MARGIN
    for line in title_lines:
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += 60
    y += 16
    for line in info:
        draw.text((MARGIN, y), line, font=line_font, fill=GREY)
        y += 40
    y += 32
    image.paste(qr, (MARGIN - QR_BORDER * QR_MODULE, y))
    if small_font:
        hint_x = MARGIN + qr.width + 8
        draw.text((hint_x, y + qr.height // 2 - 36), "长按识别二维码", font=line_font, fill=INK)
        draw.text((hint_x, y + qr.height // 2 + 4), "阅读全文", font=small_font, fill=GREY)
    y += qr.height + MARGIN
    draw.rectangle((0, y, WIDTH, height), fill=ACCENT)
    if small_font and footer:
        draw.text((MARGIN, y + 14), _wrap(footer, small_font, text_width, 1)[0], font=small_font, fill=PAPER)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)  # level 9 takes 2.5 times as long for 3% less
    return out.getvalue()
