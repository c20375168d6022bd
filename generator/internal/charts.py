"""Charts drawn at build time as inline SVG: they work offline, in print and in the one-file report.

Simple horizontal bars are plain SVG geometry (bar widths in percent, so the text keeps
its size on a phone). The weekly column chart, which needs axes and ticks, is drawn
by pygal; its SVG is cleaned of scripts and comments and given a fixed id so the
build stays byte-identical.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from markupsafe import Markup, escape
from pygal.style import Style

SVG = "http://www.w3.org/2000/svg"
BRAND = "#b3261e"
TRACK = "#ececec"
ROW = 38  # px per bar: a line of text, the bar, and air


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the value that sets its length, and the text printed beside it."""

    label: str
    value: float
    text: str


@dataclass(frozen=True)
class Chart:
    """An inline SVG chart with its title and a text alternative for those who cannot see it."""

    id: str
    title: str
    description: str
    svg: Markup


def describe(bars: Sequence[Bar]) -> str:
    """Return the bars as one sentence of text: 甲：3；乙：5。"""
    return "；".join(f"{b.label}：{b.text}" for b in bars) + "。" if bars else "暂无数据。"


def _percent(value: float, scale: float) -> str:
    # A bar's width in the SVG, not a figure anyone reads: the figures are written by generator/render/numbers.py.
    share = 0.0 if scale <= 0 else max(0.0, min(1.0, value / scale))
    return f"{share * 100:.2f}".rstrip("0").rstrip(".") + "%"


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], scale: float | None = None,
              description: str | None = None) -> Chart:
    """Draw labelled horizontal bars; `scale` is the value of a full-width bar (default: the largest)."""
    full = scale if scale is not None else max((b.value for b in bars), default=0.0)
    text = description or describe(bars)
    height = max(ROW * len(bars), 1)
    parts = [
        f'<svg xmlns="{SVG}" class="chart bars" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(text)}</desc>',
    ]
    for n, b in enumerate(bars):
        y = n * ROW
        parts.append(
            f'<g class="bar-row"><text x="0" y="{y + 15}" class="label">{escape(b.label)}</text>'
            f'<text x="100%" y="{y + 15}" text-anchor="end" class="value">{escape(b.text)}</text>'
            f'<rect x="0" y="{y + 21}" width="100%" height="11" rx="2" fill="{TRACK}"/>'
            f'<rect x="0" y="{y + 21}" width="{_percent(b.value, full)}" height="11" rx="2" fill="{BRAND}"/></g>'
        )
    parts.append("</svg>")
    return Chart(chart_id, title, text, Markup("".join(parts)))


def _nice_step(top: int) -> int:
    """Return a step of 1, 2 or 5 × 10ⁿ giving at most about five ticks up to `top`."""
    raw = max(top, 1) / 5
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def _clean(svg: str, chart_id: str, title: str, description: str) -> Markup:
    """Drop pygal's scripts and comments, and give the chart a title, a description and an accessible role."""
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(svg)  # the parser drops comments (pygal's carry today's date)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{{{SVG}}}script":
                parent.remove(child)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-t {chart_id}-d")
    root.set("class", "chart columns")
    desc = ET.Element(f"{{{SVG}}}desc", {"id": f"{chart_id}-d"})
    desc.text = description
    head = ET.Element(f"{{{SVG}}}title", {"id": f"{chart_id}-t"})
    head.text = title
    root.insert(0, desc)
    root.insert(0, head)
    return Markup(ET.tostring(root, encoding="unicode"))


def column_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[int], series: str,
                 description: str) -> Chart:
    """Draw counts over time as columns with a value axis (pygal)."""
    style = Style(font_family="inherit", background="transparent", plot_background="transparent",
                  colors=(BRAND,), foreground="#1f1f1f", foreground_strong="#1f1f1f", foreground_subtle="#c8c8c8",
                  label_font_size=13, major_label_font_size=13, value_font_size=12, opacity="1", opacity_hover="1",
                  guide_stroke_color="#c8c8c8", major_guide_stroke_color="#c8c8c8", guide_stroke_dasharray="3,3")
    step = _nice_step(max(values, default=0))
    top = max(step, math.ceil(max(values, default=0) / step) * step)
    chart = pygal.Bar(
        style=style, js=[], width=400, height=240, show_legend=False, disable_xml_declaration=True,
        # a value over each column only while the columns are wide enough for it (about 12 in 400 px); past
        # that the numbers run into each other, and the value axis and the description carry them
        explicit_size=False, margin=6, spacing=4, print_values=len(labels) <= 12, print_zeroes=False,
        print_values_position="top", show_minor_x_labels=False, truncate_label=-1,
        x_labels_major_every=max(1, math.ceil(len(labels) / 6)), y_labels=list(range(0, top + 1, step)),
        range=(0, top), show_y_guides=True, show_x_guides=False, tooltip_border_radius=0,
    )
    chart.uuid = chart_id  # pygal picks a random id otherwise; the build must be byte-identical
    chart.x_labels = list(labels)
    chart.add(series, list(values))
    return Chart(chart_id, title, description, _clean(chart.render(is_unicode=True), chart_id, title, description))
