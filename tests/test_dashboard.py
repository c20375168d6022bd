"""The internal side: its views, charts, pages, links, and what the public side must not get."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from generator.build import build_site
from generator.internal.charts import Bar, bar_chart, column_chart
from generator.internal.dashboard import activity_rows, donation_items, theme_sections, weekly
from generator.internal.internal_pages import plan_internal
from generator.model.model import Donation
from generator.model.progress import compute_progress
from generator.model.supervision import summarize_supervision
from generator.render.markup import MarkdownRenderer
from generator.render.render import make_environment, render_pages
from tests import campaigns as c
from tests.conftest import REPO
from tests.test_progress_oracle import campaigns

AS_OF = c.AS_OF
SVG = "{http://www.w3.org/2000/svg}"


def test_weeks_run_monday_to_sunday_from_campaign_start_to_as_of() -> None:
    s = c.site(units=[c.unit("u")], branches=[c.branch("b", "u")], activities=[
        c.activity("sun", date(2017, 10, 22), ["b"], 5), c.activity("mon", date(2017, 10, 23), ["b"], 7),
        c.activity("mon2", date(2017, 10, 23), ["b"], 1), c.activity("late", AS_OF + timedelta(days=3), ["b"], 9)])
    weeks = weekly(s, activity_rows(s))
    assert weeks[0].start == date(2017, 8, 28)  # the Monday of campaign start 2017-09-01
    assert weeks[-1].start == date(2017, 11, 20)  # the Monday of as_of
    assert all(w.start.weekday() == 0 for w in weeks)
    by_start = {w.start: (w.activities, w.participants) for w in weeks}
    assert by_start[date(2017, 10, 16)] == (1, 5) and by_start[date(2017, 10, 23)] == (2, 8)
    assert sum(w.activities for w in weeks) == 3  # the one after as_of is not counted
    assert weekly(c.site(), ()) == ()


def test_donation_items_sum_quantity_and_value_and_flag_missing_values() -> None:
    s = c.site(units=[c.unit("u")], branches=[c.branch("b", "u")], activities=[
        c.activity("a", AS_OF, ["b"], donations=[Donation("棉被", 206, "套", 41200), Donation("棉被", 124, "床", None)]),
        c.activity("z", AS_OF, ["b"], donations=[Donation("棉被", 4, "套", 800.5)])])
    items = donation_items(activity_rows(s))
    assert [(i.item, i.unit, i.quantity, i.value, i.valued) for i in items] == [
        ("棉被", "套", 210, 42000.5, True), ("棉被", "床", 124, 0, False)]


def test_theme_sections_follow_progress_and_put_unthemed_last() -> None:
    s = c.site(units=[c.unit("u")], branches=[c.branch("b", "u")], activities=[
        c.activity("a", AS_OF, ["b"], theme="送温暖"), c.activity("b", AS_OF, ["b"]),
        c.activity("c", AS_OF, ["b"], theme="科技下乡")])
    sections = theme_sections(activity_rows(s), compute_progress(s))
    assert [(x.anchor, x.theme, [r.activity.id for r in x.rows]) for x in sections] == [
        ("theme-1", "科技下乡", ["c"]), ("theme-2", "送温暖", ["a"]), ("theme-none", None, ["b"])]


def test_supervision_per_group_and_per_town() -> None:
    s = c.site(
        units=[c.unit("u")],
        villages=[c.village("v1", "金郝庄镇", "临清市"), c.village("v2", "金郝庄镇", "东阿县"), c.village("v3")],
        branches=[c.branch("b1", "u", "v1", AS_OF), c.branch("b2", "u", "v3", AS_OF)],
        inspections=[
            c.inspection("i1", AS_OF - timedelta(days=3), "2", ["v1", "v2"], checks=[("摸清村居情况", "达标")]),
            c.inspection("i2", AS_OF, "10", ["v1"], checks=[("摸清村居情况", "未达标")], follow_up="约谈"),
            c.inspection("i3", AS_OF, "2", ["v1"]),
            c.inspection("late", AS_OF + timedelta(days=1), "3", ["v3"]),
        ])
    sup = summarize_supervision(s)
    assert [(g.group, len(g.visits), g.villages, g.towns) for g in sup.groups] == [("2", 2, 2, 2), ("10", 1, 1, 1)]
    assert [(t.county, t.town, [v.id for v in t.visited], [v.id for v in t.paired], t.visits) for t in sup.towns] == [
        ("东阿县", "金郝庄镇", ["v2"], [], 1), ("临清市", "金郝庄镇", ["v1"], ["v1", "v3"], 3)]
    assert [(x.item, x.counts) for x in sup.checks] == [("摸清村居情况", (1, 0, 1))]
    assert sup.checks[0].results == (("达标", 1), ("未达标", 1))
    cov = sup.coverage
    assert (cov.villages_visited, cov.villages_paired, cov.paired_visited) == (2, 2, 1)
    assert (cov.towns_visited, cov.towns_paired, cov.paired_towns_visited) == (2, 1, 1)
    assert [v.inspection.id for v in sup.follow_ups] == ["i2"]


def test_bar_chart_is_accessible_svg_with_percent_widths() -> None:
    chart = bar_chart("x", "各单位 <对接>", [Bar("甲&乙", 3, "3 个"), Bar("丙", 6, "6 个")])
    root = ET.fromstring(str(chart.svg))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "x-t x-d"
    assert root.find(f"{SVG}title").text == "各单位 <对接>"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "甲&乙：3 个；丙：6 个。"  # type: ignore[union-attr]
    widths = [r.get("width") for r in root.iter(f"{SVG}rect")]
    assert widths == ["100%", "50%", "100%", "100%"]


def test_column_chart_has_no_script_no_comment_and_is_deterministic() -> None:
    def draw() -> str:
        return str(column_chart("weekly", "每周活动次数", ["9/18", "9/25"], [3, 7], "活动次数", "说明").svg)

    svg = draw()
    assert svg == draw()
    assert "<script" not in svg and "<!--" not in svg and "http://pygal" not in svg
    root = ET.fromstring(svg)
    assert root.get("id") == "chart-weekly" and root.get("role") == "img"
    assert root[0].tag == f"{SVG}title" and root[0].text == "每周活动次数"
    assert root[1].tag == f"{SVG}desc" and root[1].text == "说明"
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "9/18" in labels and "7" in labels


# --- the whole internal plan ------------------------------------------------------------------------------------

ENV = make_environment([REPO / "templates" / "internal"], MarkdownRenderer(False), False, "https://example.org/")


def render(site):  # type: ignore[no-untyped-def]
    plan = plan_internal(site, compute_progress(site))
    return {**plan.files, **{page.path: data for page, data in render_pages(plan.pages, ENV, "internal")}}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.refs.append(value)
            if name == "id" and value:
                self.ids.add(value)


def test_internal_outputs_and_every_link_resolves(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out)
    internal = out / "internal"
    names = sorted(p.name for p in internal.iterdir())
    assert names == ["activities.html", "data", "index.html", "inspections.html", "lagging.csv", "lagging.html",
                     "ledger-branches.csv", "ledger-branches.html", "ledger-units.csv", "ledger-units.html",
                     "ledger.xlsx", "progress-report.docx", "progress-report.html", "progress.json", "units", "wechat"]
    units = sorted(p.name for p in (internal / "units").iterdir())
    assert units == ["agri.html", "hosp.html", "index.html"]
    pages = {p.relative_to(internal).as_posix(): p.read_text(encoding="utf-8") for p in internal.rglob("*.html")
             if not p.relative_to(internal).as_posix().startswith("wechat/")}  # 公众号 posts link to the public site
    parsed = {}
    for name, html in pages.items():
        parsed[name] = Links()
        parsed[name].feed(html)
    for name, links in parsed.items():
        for ref in links.refs:
            assert not re.match(r"^[a-z]+:|^//", ref), f"{name} refers outside the folder: {ref}"
            target, _, anchor = ref.partition("#")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), target)) if target else name
            assert (internal / target).is_file(), f"{name} links to missing {ref}"
            if "=" in anchor:  # the state of a ledger grid (#theme=…), not an element: the page must have a grid
                assert "grid" in parsed[target].ids, f"{name} links to grid state on a page without one: {ref}"
            elif anchor and target.endswith(".html"):
                assert anchor in parsed[target].ids, f"{name} links to missing anchor {ref}"
    assert parsed["progress-report.html"].refs == []  # sent on its own: it links to nothing


def test_dashboard_shows_what_the_records_say(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out)
    internal = out / "internal"
    index = (internal / "index.html").read_text(encoding="utf-8")
    assert "2/3" in index and "支部完成对接（66.7%）" in index
    # the rows of the ledgers are data files the pages' grid reads; each unit's page shows its rows as plain HTML
    data = "".join(p.read_text(encoding="utf-8") for p in sorted((internal / "data").glob("*.js")))
    agri = (internal / "units/agri.html").read_text(encoding="utf-8")
    hosp = (internal / "units/hosp.html").read_text(encoding="utf-8")
    assert "市农科院机关党支部" in agri and "尚未对接" in agri and '"unpaired"' in data
    # hosp-b1: paired 2017-09-20, last active 10-23, on or before the cutoff 10-25: to be called, phone at hand
    lagging_part = hosp[hosp.index('id="lagging"'):hosp.index('id="activities"')]
    assert "市第四人民医院第一党支部" in lagging_part and "近期无活动" in lagging_part
    assert "0635-0000001" in lagging_part and "32 天" in lagging_part
    assert "市第四人民医院第二党支部" not in lagging_part  # paired 11-10: still in its grace period
    assert "张书记" in hosp and "0635-0000001" in data and "王辉村" in data
    inspections = (internal / "inspections.html").read_text(encoding="utf-8")
    assert "帮扶措施不够具体" in inspections and "约谈" in inspections and "基本达标" in inspections
    activities = data + hosp
    assert "送健康下乡义诊" in activities and "年底走访" not in activities  # 2017-12-05 is after as_of


def test_example_content_gives_the_article_figures_on_every_internal_summary(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(REPO / "content", out)
    report = (out / "internal/progress-report.html").read_text(encoding="utf-8")
    index = (out / "internal/index.html").read_text(encoding="utf-8")
    for html in (report, index):
        assert "822/827" in html and "99.4%" in html
        theme = re.search(r"<table class=\"themes\">.*?</table>", html, re.S).group(0)  # type: ignore[union-attr]
        for figure in ("献爱心、送温暖", ">57<", ">232<", ">2,230<"):
            assert figure in theme, figure
    assert "4 个督导组督导" in report and "深入 20 个乡镇 29 个村" in report
    assert "4 个督导组到 20 个乡镇 29 个村" in index


def test_public_progress_page_has_aggregates_only(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(scratch(), out)
    public = "\n".join(p.read_text(encoding="utf-8") for p in (out / "public").rglob("*.html"))
    page = (out / "public/progress/index.html").read_text(encoding="utf-8")
    for internal_only in ("约谈", "台账", "张书记", "0635-0000001", "帮扶措施不够具体", "近期无活动"):
        assert internal_only not in public, internal_only
    assert "市第四人民医院第二党支部" not in page and "市农科院机关党支部" not in page  # no per-branch figures


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns())
def test_every_internal_page_renders_for_any_campaign(s) -> None:  # type: ignore[no-untyped-def]
    files = render(s)
    assert files == render(s)  # byte-identical
    for name, data in files.items():
        assert data, name
    for page in ("index.html", "progress-report.html"):
        if not s.branches:  # an empty campaign says so instead of charting 0/0
            assert "还没有支部" in files[page].decode() and "<svg" not in files[page].decode()
            continue
        ET.fromstring(re.search(r"<svg.*?</svg>", files[page].decode(), re.S).group(0))  # type: ignore[union-attr]
