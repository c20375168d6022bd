"""A page's QR code: encoded once, written as segno writes it, and it reads back as the page's URL."""

from __future__ import annotations

import segno
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from generator.public import share

_URL_TEXT = st.text(alphabet=st.sampled_from("abcxyz019-_./%&<>\"'?=#共建"), min_size=1, max_size=150)


def _segno_svg(url: str, title: str) -> str:
    code = segno.make(url, error="m", micro=False, mask=share.QR_MASK)
    width, height = code.symbol_size(scale=4, border=share.QR_BORDER)
    svg = str(code.svg_inline(scale=4, border=share.QR_BORDER, svgclass=None, lineclass=None, title=title))
    return svg.replace("<svg ", f'<svg role="img" viewBox="0 0 {width} {height}" ', 1)


@settings(max_examples=150, deadline=None)
@given(_URL_TEXT)
def test_the_svg_is_what_segno_writes(path: str) -> None:
    url = f"https://gongjian.example.cn/{path}"
    title = f"二维码：{url}"
    svg, _ = share.qr_code(url, title)
    assert svg == _segno_svg(url, title)


def test_the_modules_read_back_as_the_url() -> None:
    url = "https://gongjian.example.cn/stories/dsyy-health-checks/"
    _, modules = share.qr_code(url, "x")
    size = len(modules)
    small = Image.frombytes("L", (size, size), b"".join(bytes(255 - 255 * m for m in row) for row in modules))
    card = Image.new("L", (size * 8 + 64, size * 8 + 64), 255)
    card.paste(small.resize((size * 8, size * 8), Image.Resampling.NEAREST), (32, 32))
    (found,) = zxingcpp.read_barcodes(card)
    assert found.text == url
