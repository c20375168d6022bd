"""The progress report as a Word document in the shape of a 机关 report: title, 概况, tables, 落款."""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence
from datetime import datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from docx.text.run import Run

from generator.internal.dashboard import Dashboard
from generator.internal.ledger import LaggingGroup, UnitRow
from generator.model.model import Site
from generator.model.progress import Progress
from generator.model.supervision import Supervision
from generator.office.ooxml import fixed_zip, xml_safe
from generator.render.render import date_zh, number, percent, wan, yuan

BODY_FONT = "仿宋"
HEAD_FONT = "黑体"
TITLE_FONT = "宋体"
NUMERALS = "一二三四五六七八九十"


def _font(run: Run, name: str, size: float, bold: bool = False) -> None:
    """Set a run's Latin and Chinese font (Word keeps the East Asian font apart)."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def summary_text(site: Site, progress: Progress) -> str:
    """Return the 概况 paragraph: the same figures and words as the one-page HTML report."""
    p = progress
    text = (f"截至{date_zh(site.as_of)}，{number(p.branches.total)} 个机关党支部中已有 {number(p.branches.paired)} "
            f"个完成对接（对接率 {percent(p.branches.rate)}）。")
    if p.activities.count:
        text += (f"{number(p.activities.units)} 个单位 {number(p.activities.branches)} 个支部开展活动 "
                 f"{number(p.activities.count)} 次，党员参与 {number(p.activities.participants)} 人次，"
                 f"投入资金与捐赠折合 {wan(p.activities.total_value)}。")
    else:
        text += "尚无活动记录。"
    if p.inspections.count:
        text += (f"{number(p.inspections.groups)} 个督导组督导 {number(p.inspections.count)} 次，深入 "
                 f"{number(p.inspections.towns)} 个乡镇 {number(p.inspections.villages)} 个村。")
    text += f"{len(p.lagging)} 个支部列入约谈名单。" if p.lagging else "没有需要约谈的支部。"
    return text


class _Report:
    """Add headings, paragraphs and tables in the report's house style."""

    def __init__(self) -> None:
        self.doc = Document()
        self.sections = 0
        style = self.doc.styles["Normal"]
        style.font.name = BODY_FONT
        style.font.size = Pt(14)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    def line(self, text: str, font: str = BODY_FONT, size: float = 14, bold: bool = False,
             align: int | None = None, indent: bool = False, before: float = 0) -> None:
        para = self.doc.add_paragraph()
        para.paragraph_format.space_before = Pt(before)
        if align is not None:
            para.alignment = align  # type: ignore[assignment]
        if indent:
            para.paragraph_format.first_line_indent = Pt(size * 2)
        _font(para.add_run(xml_safe(text)), font, size, bold)

    def heading(self, text: str) -> None:
        self.line(f"{NUMERALS[self.sections]}、{text}", HEAD_FONT, 14, indent=True, before=12)
        self.sections += 1

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
        table: Table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        flag = OxmlElement("w:tblHeader")  # the header row repeats on every page
        head._tr.get_or_add_trPr().append(flag)
        for cell, text in zip(head.cells, header, strict=True):
            _font(cell.paragraphs[0].add_run(xml_safe(text)), HEAD_FONT, 11)
        model = None
        for row in rows:
            if model is None:
                cells = table.add_row().cells  # type: ignore[no-untyped-call]
                for cell, text in zip(cells, row, strict=True):
                    _font(cell.paragraphs[0].add_run(xml_safe(text)), BODY_FONT, 11)
                model = table.rows[-1]._tr
            else:
                # python-docx builds a row in thousands of small steps; a copy of the first row's XML with
                # its texts replaced is the same row, made a hundred times faster (ledgers have thousands).
                tr = copy.deepcopy(model)
                for tc, text in zip(tr.iterchildren(qn("w:tc")), row, strict=True):
                    run = next(tc.iter(qn("w:r")))
                    for old in run.findall(qn("w:t")):
                        run.remove(old)
                    value = xml_safe(text)
                    if value:
                        t = OxmlElement("w:t")
                        t.text = value
                        if value != value.strip():
                            t.set(qn("xml:space"), "preserve")
                        run.append(t)
                table._tbl.append(tr)
        return table


def report_docx(site: Site, progress: Progress, units: Sequence[UnitRow], lagging: Sequence[LaggingGroup],
                supervision: Supervision, dash: Dashboard) -> bytes:
    """Return the progress report as .docx; the same input gives the same bytes."""
    p = progress
    r = _Report()
    r.line("内部资料，请勿公开", HEAD_FONT, 12)
    r.line(f"{site.settings.campaign.name}进展报告", TITLE_FONT, 22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    r.line(f"（数据截至{date_zh(site.as_of)}）", BODY_FONT, 14, align=WD_ALIGN_PARAGRAPH.CENTER)
    r.heading("概况")
    r.line(summary_text(site, p), indent=True)
    r.table(("支部完成对接", "活动次数", "党员参与人次", "资金与捐赠折合", "待约谈支部"), [(
        f"{number(p.branches.paired)}/{number(p.branches.total)}", number(p.activities.count),
        number(p.activities.participants), wan(p.activities.total_value), number(len(p.lagging)))])
    if p.themes:
        r.heading("主题活动")
        r.table(("主题", "次数", "单位", "支部", "党员参与人次", "资金与捐赠折合"), [
            (theme, number(f.count), number(f.units), number(f.branches), number(f.participants), yuan(f.total_value))
            for theme, f in p.themes])
    if dash.donation_items:
        r.heading("捐赠物资")
        r.table(("物品", "数量", "折合金额"), [
            (d.item, f"{number(d.quantity)} {d.unit}", yuan(d.value) if d.value else "未折价")
            for d in dash.donation_items])
    r.heading("各单位进展")
    r.table(("单位", "对接", "活动", "人次", "资金与捐赠折合", "最近活动", "约谈"), [
        (u.unit.name, f"{u.figures.paired}/{u.figures.branches}", number(u.figures.activities),
         number(u.figures.participants), yuan(u.figures.total_value), date_zh(u.figures.last_activity),
         str(u.lagging or ""))
        for u in units])
    r.line("多个单位联合开展的活动，每个单位都按全额计入。", size=12)
    r.heading("约谈名单")
    days = site.settings.lagging_days
    r.line(f"尚未对接的支部，以及对接已满 {days} 天、近 {days} 天没有活动的支部。", size=12, indent=True)
    if lagging:
        r.table(("单位", "支部", "原因", "最近活动", "距今", "支部书记"), [
            (g.unit.name, e.row.branch.name, e.reason_zh, date_zh(e.row.last_activity),
             f"{number(e.days_since)} 天" if e.days_since is not None else "无活动", e.row.branch.secretary or "—")
            for g in lagging for e in g.rows])
    else:
        r.line("没有需要约谈的支部。", indent=True)
    r.heading("督导")
    if supervision.visits:
        r.table(("督导组", "督导次数", "村", "乡镇", "最近"), [
            (f"第{g.group}督导组" if g.group.isdigit() else g.group, str(len(g.visits)), str(g.villages),
             str(g.towns), date_zh(g.last))
            for g in supervision.groups])
        if supervision.checks:
            r.line("")
            r.table(("检查项目", "达标", "基本达标", "未达标"), [
                (c.item, *(str(n) for n in c.counts)) for c in supervision.checks])
    else:
        r.line("尚无督导记录。", indent=True)
    r.line("")
    r.line(site.settings.organization or site.settings.title, align=WD_ALIGN_PARAGRAPH.RIGHT)
    r.line(date_zh(site.as_of), align=WD_ALIGN_PARAGRAPH.RIGHT)
    stamp = datetime(site.as_of.year, site.as_of.month, site.as_of.day)
    props = r.doc.core_properties
    props.title = f"{site.settings.campaign.name}进展报告"
    props.author = props.last_modified_by = "gongjian"
    props.created = props.modified = stamp
    props.revision = 1
    out = io.BytesIO()
    r.doc.save(out)
    return fixed_zip(out.getvalue(), stamp)
