"""The progress report as a Word document in the shape of a 机关 report: title, 概况, tables, 落款."""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence
from datetime import datetime

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import Table

from generator.internal.dashboard import Dashboard
from generator.internal.ledger import LaggingGroup, UnitRow
from generator.model.model import Site
from generator.model.progress import Progress, ProgressChange
from generator.model.supervision import Supervision
from generator.office.ooxml import fixed_zip, xml_safe
from generator.render.numbers import count, number, percent, wan, yuan
from generator.render.render import date_zh

BODY_FONT = "仿宋"
HEAD_FONT = "黑体"
TITLE_FONT = "宋体"
NUMERALS = "一二三四五六七八九十"
# 公文-like page (GB/T 9704 puts the text block at 156 × 225 mm on A4): top 37, bottom 35, left 28, right 26 mm.
MARGINS_MM = (37, 35, 28, 26)
TABLE_TEXT = "表格文字"
TABLE_HEAD = "表格标题行"


def _style_font(style: BaseStyle, name: str, size: float, bold: bool = False) -> None:
    """Give a style its Latin and Chinese font (Word keeps the East Asian font apart), size and weight."""
    font = style.font  # type: ignore[attr-defined]
    font.name = name
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def change_text(change: ProgressChange) -> str:
    """Return the 本周新增 sentence of --since: the same words as the HTML report's."""
    c = change
    lead = "本周" if c.days == 7 else f"与{date_zh(c.since)}相比（{c.days} 天），"
    return (f"{lead}新增对接 {number(c.paired)} 个支部、新增活动 {number(c.activities)} 次，党员参与 "
            f"{number(c.participants)} 人次，投入资金与捐赠折合 {yuan(c.total_value)}，督导 {number(c.inspections)} 次；"
            f"约谈名单由 {number(c.lagging_before)} 个支部变为 {number(c.lagging_now)} 个。")


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
    text += f"{count(len(p.lagging))} 个支部列入约谈名单。" if p.lagging else "没有需要约谈的支部。"
    return text


class _Report:
    """Add headings, paragraphs and tables in named styles, so that a staff member restyles the whole report at once."""

    def __init__(self) -> None:
        self.doc = Document()
        self.sections = 0
        styles = self.doc.styles
        body = styles["Normal"]
        _style_font(body, BODY_FONT, 14)
        body.paragraph_format.first_line_indent = Pt(28)  # two characters
        title = styles["Title"]
        _style_font(title, TITLE_FONT, 22, bold=True)
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.first_line_indent = Pt(0)
        title.element.get_or_add_pPr().remove_all("w:pBdr")  # the template's blue rule under the title
        for name, font in (("Heading 1", HEAD_FONT), ("Heading 2", "楷体")):
            heading = styles[name]
            _style_font(heading, font, 14 if name == "Heading 2" else 16)
            heading.paragraph_format.space_before = Pt(12)
            heading.paragraph_format.first_line_indent = Pt(28)
        for name, font, base in ((TABLE_TEXT, BODY_FONT, "Normal"), (TABLE_HEAD, HEAD_FONT, TABLE_TEXT)):
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles[base]
            _style_font(style, font, 11)
            style.paragraph_format.first_line_indent = Pt(0)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        top, bottom, left, right = MARGINS_MM
        section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
        section.left_margin, section.right_margin = Mm(left), Mm(right)
        self._page_numbers(section.footer.paragraphs[0])

    @staticmethod
    def _page_numbers(para) -> None:  # type: ignore[no-untyped-def]
        """Write 第 X 页，共 Y 页 with PAGE and NUMPAGES fields, which Word fills in."""
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.first_line_indent = Pt(0)
        for text, field in (("第 ", "PAGE"), (" 页，共 ", "NUMPAGES"), (" 页", None)):
            para.add_run(text)
            if field:
                simple = OxmlElement("w:fldSimple")
                simple.set(qn("w:instr"), f" {field} ")
                run = OxmlElement("w:r")
                t = OxmlElement("w:t")
                t.text = "1"
                run.append(t)
                simple.append(run)
                para._p.append(simple)

    def line(self, text: str, style: str = "Normal", align: int | None = None) -> None:
        para = self.doc.add_paragraph(xml_safe(text), style=style)
        if align is not None:
            para.alignment = align  # type: ignore[assignment]
            para.paragraph_format.first_line_indent = Pt(0)

    def heading(self, text: str) -> None:
        self.line(f"{NUMERALS[self.sections]}、{text}", "Heading 1")
        self.sections += 1

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
        table: Table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        flag = OxmlElement("w:tblHeader")  # the header row repeats on every page
        head._tr.get_or_add_trPr().append(flag)
        for cell, text in zip(head.cells, header, strict=True):
            cell.paragraphs[0].style = TABLE_HEAD
            cell.paragraphs[0].add_run(xml_safe(text))
        model = None
        for row in rows:
            if model is None:
                cells = table.add_row().cells  # type: ignore[no-untyped-call]
                for cell, text in zip(cells, row, strict=True):
                    cell.paragraphs[0].style = TABLE_TEXT
                    cell.paragraphs[0].add_run(xml_safe(text))
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
                supervision: Supervision, dash: Dashboard, change: ProgressChange | None = None) -> bytes:
    """Return the progress report as .docx; the same input gives the same bytes."""
    p = progress
    r = _Report()
    r.line("内部资料，请勿公开", "Heading 2", align=WD_ALIGN_PARAGRAPH.LEFT)
    r.line(f"{site.settings.campaign.name}进展报告", "Title")
    r.line(f"（数据截至{date_zh(site.as_of)}）", align=WD_ALIGN_PARAGRAPH.CENTER)
    r.heading("概况")
    r.line(summary_text(site, p))
    if change is not None:
        r.line(change_text(change))
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
        (u.unit.name, f"{count(u.figures.paired)}/{count(u.figures.branches)}", number(u.figures.activities),
         number(u.figures.participants), yuan(u.figures.total_value), date_zh(u.figures.last_activity),
         count(u.lagging) if u.lagging else "")
        for u in units])
    r.line("多个单位联合开展的活动，每个单位都按全额计入。", TABLE_TEXT)
    r.heading("约谈名单")
    days = site.settings.lagging_days
    r.line(f"尚未对接的支部，以及对接已满 {days} 天、近 {days} 天没有活动的支部。")
    if lagging:
        r.table(("单位", "支部", "原因", "最近活动", "距今", "支部书记"), [
            (g.unit.name, e.row.branch.name, e.reason_zh, date_zh(e.row.last_activity),
             f"{number(e.days_since)} 天" if e.days_since is not None else "无活动", e.row.branch.secretary or "—")
            for g in lagging for e in g.rows])
    else:
        r.line("没有需要约谈的支部。")
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
        r.line("尚无督导记录。")
    r.line("")
    r.line(site.settings.organization or site.settings.title, align=WD_ALIGN_PARAGRAPH.RIGHT)
    r.line(date_zh(site.as_of), align=WD_ALIGN_PARAGRAPH.RIGHT)
    stamp = datetime(site.as_of.year, site.as_of.month, site.as_of.day)
    props = r.doc.core_properties
    props.title = f"{site.settings.campaign.name}进展报告"
    props.author = props.last_modified_by = site.settings.organization or site.settings.title
    props.comments = ""  # the template's says “generated by python-docx”
    props.subject = props.keywords = props.category = ""
    props.created = props.modified = stamp  # the as_of date: the same content gives the same file
    props.revision = 1
    out = io.BytesIO()
    r.doc.save(out)
    return fixed_zip(out.getvalue(), stamp)
