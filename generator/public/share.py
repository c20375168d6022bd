"""What people share a story with in a WeChat group: a QR code to its page and a share image.

Both are plain functions from text (and a cover's bytes) to bytes, made without
network: segno draws the QR code, Pillow the image. The image's text needs a font
with Chinese characters; `cjk_font` looks for one through fontconfig. Without one
the image is made without text (cover and QR code only) and `check` says so in a note.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import subprocess
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

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
PNG_LEVEL = 1  # zlib level of a share image without a photo (see _png)

# The image is drawn in palette indices (one byte a pixel, a third of RGB to fill and compress). Indices
# 0…221 are the greys from INK to white, in order: INK or GREY text drawn on white blends, index by index,
# to exactly the grey RGB drawing gives, because the grey is the index plus a constant. Then black for the
# QR code, then 33 steps from ACCENT to white, in order, for the white footer on the red band (its edges
# take one of 33 shades instead of 256: a step of at most 7 in one channel, not to be seen at 22 px).
_GREYS = 256 - INK[0]
_BLACK = _GREYS
_RED_STEPS = 256 - _GREYS - 2  # 32: steps 0…32 at indices _RED…255
_RED = _BLACK + 1
assert INK[0] == INK[1] == INK[2] and GREY[0] == GREY[1] == GREY[2] >= INK[0] and PAPER == (255, 255, 255)


def _grey(colour: tuple[int, int, int]) -> int:
    return colour[0] - INK[0]


_PALETTE = bytes(
    [v for g in range(INK[0], 256) for v in (g, g, g)] + [0, 0, 0] +
    [round(a + (255 - a) * step / _RED_STEPS) for step in range(_RED_STEPS + 1) for a in ACCENT])
assert len(_PALETTE) == 3 * 256


def page_url(base_url: str, path: str) -> str:
    """Return the absolute URL of a page from base_url and its output path (stories/x/index.html → …/stories/x/)."""
    return base_url + (path[: -len("index.html")] if path.endswith("index.html") else path)


def qr_code(url: str, title: str) -> tuple[str, tuple[bytes, ...]]:
    """Return the QR code to `url` as inline SVG and as rows of modules (for the share image), encoded once.

    Encoding is most of a QR code's cost (Reed–Solomon in pure Python): the page's SVG and its share
    image draw the same code.
    """
    modules = _modules(segno.make(url, error="m", micro=False, mask=QR_MASK))
    return qr_svg(modules, title), modules


def qr_svg(modules: Sequence[bytes], title: str) -> str:
    """Return the inline SVG of a QR code's modules: what segno's svg_inline writes (scale 4, QR_BORDER), byte for byte.

    Written here from the rows (one pattern search a row) in a tenth of segno's time; the SVG has no classes (the
    site's CSS sizes it), a viewBox so it scales, and a <title> naming it for screen readers.
    """
    size = (len(modules) + 2 * QR_BORDER) * 4
    path: list[str] = []
    x, y = 0, 0.0  # where the pen is: each run is drawn relative to the end of the one before
    for row_at, row in enumerate(modules):
        row_y = QR_BORDER + row_at + 0.5
        for run in _DARK_RUN.finditer(row):
            start = QR_BORDER + run.start()
            dy = row_y - y
            path.append(f"{'m' if path else 'M'}{start - x} {int(dy) if dy.is_integer() else dy}h{run.end() - run.start()}")
            x, y = QR_BORDER + run.end(), row_y
    return (f'<svg role="img" viewBox="0 0 {size} {size}" width="{size}" height="{size}"><title>{escape(title)}</title>'
            f'<path transform="scale(4)" stroke="#000" d="{"".join(path)}"/></svg>')


_DARK_RUN = re.compile(rb"\x01+")


def _modules(code: segno.QRCode) -> tuple[bytes, ...]:
    return tuple(bytes(row) for row in code.matrix)


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


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | None:
    """Return the Chinese font at `size` pixels, loaded once per size (the font file does not change while we run)."""
    path = cjk_font()
    return ImageFont.truetype(str(path), size) if path else None


def _longest(fits: Callable[[int], bool], low: int, high: int, guess: int) -> int:
    """Return the largest k in [low, high] with fits(k), given fits(low) and that fits only ever turns false.

    Tried first at `guess` and the next one (Chinese characters are all as wide: the guess is mostly right),
    then by halving.
    """
    if fits(high):
        return high
    guess = min(max(guess, low), high - 1)
    if guess > low:
        if not fits(guess):
            high = guess
        elif not fits(guess + 1):
            return guess
        else:
            low = guess + 1
    while high - low > 1:  # fits(low) holds, fits(high) does not
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    """Break Chinese text into at most `lines` lines of `width` pixels, ending the last with …… when cut.

    Each line is as long as fits, found by measuring whole runs and halving (a run only gets longer with
    each character): a few measurements a line instead of one per character, the same lines.
    """
    def run_from(begin: int) -> Callable[[int], bool]:
        return lambda end: font.getlength(text[begin:end]) <= width

    def cut_of(line: str) -> Callable[[int], bool]:
        return lambda end: font.getlength(line[:end] + "……") <= width

    out: list[str] = []
    start, taken = 0, 0  # a line after the first starts with the character that did not fit, measured or not
    while start < len(text):
        end = _longest(run_from(start), start + taken, len(text), start + int(width // font.size))
        out.append(text[start:end])
        if end == len(text):
            break
        if len(out) == lines:
            last = out[-1]
            keep = _longest(cut_of(last), 0, len(last), len(last) - 2)
            return [*out[:-1], last[:keep] + "……"]
        start, taken = (end + 1, 0) if text[end].isspace() else (end, 1)  # a space does not start a line
    return [line for line in out if line]


def qr_matrix(url: str) -> tuple[bytes, ...]:
    """Return the QR code to `url` as rows of modules (1 dark, 0 light), without the quiet zone."""
    return _modules(segno.make(url, error="m", micro=False, mask=QR_MASK))


_LIGHT_DARK = bytes([_grey(PAPER), _BLACK]) + bytes(254)  # module value → palette index: 0 light, 1 dark


def _qr_image(matrix: Sequence[bytes]) -> Image.Image:
    """Draw the QR code at QR_MODULE pixels a module (palette indices), one bitmap scaled up (no quiet zone)."""
    size = len(matrix)
    small = Image.frombytes("L", (size, size), b"".join(matrix).translate(_LIGHT_DARK))
    return small.resize((size * QR_MODULE, size * QR_MODULE), Image.Resampling.NEAREST)


def _cover(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return ImageOps.fit(image.convert("RGB"), (WIDTH, COVER_HEIGHT), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError):  # an SVG cover: the band in the site's colour instead
        return None


def share_png(title: str, lines: Sequence[str], footer: str, qr_modules: Sequence[bytes], cover: bytes | None) -> bytes:
    """Draw the share image of a page: cover (or a red band), title, `lines`, the QR code `qr_modules`, footer.

    `qr_modules` are the rows of the page's QR code (qr_code, qr_matrix: 1 dark, 0 light, no quiet zone).
    `cover` is the published copy of the cover (already upright and without metadata). The
    PNG carries no metadata, so the same inputs and font give the same bytes.
    """
    title_font, line_font, small_font = _font(44), _font(26), _font(22)
    photo = _cover(cover)
    qr = _qr_image(qr_modules)
    qr_size = qr.height + 2 * QR_BORDER * QR_MODULE  # with the quiet zone
    text_width = WIDTH - 2 * MARGIN
    title_lines = _wrap(title, title_font, text_width, 3) if title_font else []
    info = [wrapped for line in lines for wrapped in (_wrap(line, line_font, text_width, 2) if line_font else [])]
    top = COVER_HEIGHT if photo else 24
    height = top + MARGIN + 60 * len(title_lines) + 16 + 40 * len(info) + 32 + qr_size + MARGIN + 56
    image = Image.new("L", (WIDTH, height), _grey(PAPER))  # palette indices
    draw = ImageDraw.Draw(image)
    if not photo:
        draw.rectangle((0, 0, WIDTH, top), fill=_RED)
    y = top + MARGIN
    for line in title_lines:
        draw.text((MARGIN, y), line, font=title_font, fill=_grey(INK))
        y += 60
    y += 16
    for line in info:
        draw.text((MARGIN, y), line, font=line_font, fill=_grey(GREY))
        y += 40
    y += 32
    image.paste(qr, (MARGIN, y + QR_BORDER * QR_MODULE))
    if small_font:
        hint_x = MARGIN + qr_size + 8
        _letter(image, (hint_x, y + qr_size // 2 - 36), "长按识别二维码", 26, _grey(INK), _grey(PAPER))
        _letter(image, (hint_x, y + qr_size // 2 + 4), "阅读全文", 22, _grey(GREY), _grey(PAPER))
    y += qr_size + MARGIN
    draw.rectangle((0, y, WIDTH, height), fill=_RED)
    if small_font and footer:
        _letter(image, (MARGIN, y + 14), _wrap(footer, small_font, text_width, 1)[0], 22, 255, _RED)
    image.putpalette(_PALETTE)  # now a palette image
    if photo:
        image = image.convert("RGB")
        image.paste(photo, (0, 0))
    return _png(image)


@functools.lru_cache(maxsize=16)
def _lettering(text: str, size: int, fill: int, background: int) -> tuple[Image.Image, int, int]:
    """Return `text` drawn on its background (palette indices) and where the tile sits from the text's origin."""
    font = _font(size)
    assert font is not None
    left, top, right, bottom = (round(v) for v in font.getbbox(text))
    left, top = min(left, 0), min(top, 0)
    tile = Image.new("L", (right - left + 1, bottom - top + 1), background)
    ImageDraw.Draw(tile).text((-left, -top), text, font=font, fill=fill)
    return tile, left, top


def _letter(image: Image.Image, at: tuple[int, int], text: str, size: int, fill: int, background: int) -> None:
    """Draw a line that is on every share image (the QR hint, the footer) from a tile drawn once: the same pixels."""
    tile, left, top = _lettering(text, size, fill, background)
    image.paste(tile, (at[0] + left, at[1] + top))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(image: Image.Image) -> bytes:
    """Encode the image as a PNG without metadata.

    A palette image (no photo) is written here: rows unfiltered, deflated at level 1. Pillow would try each
    PNG filter on every row, most of its time; flat colour, text and a QR code deflate well unfiltered.
    With a photo, Pillow's filters are worth it (the photo's rows deflated unfiltered are twice the size).
    """
    if image.mode != "P":
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=6)  # level 9 takes 2.5 times as long for 3% less
        return out.getvalue()
    width, height = image.size
    raw = image.tobytes()
    view = memoryview(raw)
    rows = b"\0" + b"\0".join(view[at:at + width] for at in range(0, len(raw), width))  # each row: filter 0, none
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8-bit palette indices, no interlace
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", _PALETTE) + \
        _chunk(b"IDAT", zlib.compress(rows, PNG_LEVEL)) + _chunk(b"IEND", b"")
