"""Make the pictures of docs/spreadsheets.md from the example content (needs LibreOffice and pdftoppm).

    python scripts/spreadsheet_screenshots.py

Writes docs/spreadsheet-*.png: the fill-in workbook of one unit (支部 pre-filled, a few
activities and donations typed in, as a unit would), the ledger workbook and the Word report.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.build import check_site  # noqa: E402
from generator.office.xlsx_export import template_workbook  # noqa: E402

DOCS = ROOT / "docs"


def _png(document: Path, name: str, work: Path, page: int = 1, top: float = 1.0) -> None:
    """Print `document` to PDF with LibreOffice, then page `page` to docs/<name>.png, trimmed."""
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(document)],
                   check=True, capture_output=True)
    pdf = work / f"{document.stem}.pdf"
    stem = work / name
    subprocess.run(["pdftoppm", "-png", "-r", "120", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(stem)], check=True)
    image = Image.open(f"{stem}.png").convert("RGB")
    image = image.crop((0, 0, image.width, int(image.height * top)))  # the top of a long sheet is enough
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box:
        image = image.crop((max(box[0] - 12, 0), max(box[1] - 12, 0), min(box[2] + 12, image.width),
                            min(box[3] + 12, image.height)))
    image.save(DOCS / f"{name}.png", optimize=True)


def _one_sheet(data: bytes, keep: str, path: Path) -> Path:
    wb = load_workbook(io.BytesIO(data))
    for ws in list(wb.worksheets):
        if ws.title not in (keep, "选项"):
            wb.remove(ws)
    wb.save(path)
    return path


def main() -> None:
    """Write the pictures."""
    content = ROOT / "content"
    checked = check_site(content)
    site = checked.site
    # A unit with a few branches and several activities with donations shows every sheet at work.
    unit_of = {b.id: b.unit for b in site.branches}
    given = [a for a in site.activities if a.donations]
    unit = max(sorted({u.id for u in site.units}), key=lambda u: sum(unit_of[a.branches[0]] == u for a in given))
    data, _ = template_workbook(content, unit)
    wb = load_workbook(io.BytesIO(data))
    branches = {b.id for b in site.branches if b.unit == unit}
    activities = [a for a in site.activities if set(a.branches) & branches][:4]
    ws, gifts = wb["活动"], wb["捐赠"]
    for row, a in enumerate(activities, start=2):
        ws.cell(row=row, column=1, value=a.id)
        ws.cell(row=row, column=2, value=a.date).number_format = "yyyy-mm-dd"
        for col, value in enumerate((a.title, a.kind, a.theme, "、".join(a.branches), "、".join(a.villages),
                                     a.participants, a.funds, a.summary), start=3):
            ws.cell(row=row, column=col, value=value)
    row = 2
    for a in activities:
        for d in a.donations:
            for col, value in enumerate((a.id, d.item, d.quantity, d.unit, d.value), start=1):
                gifts.cell(row=row, column=col, value=value)
            row += 1
    filled = io.BytesIO()
    wb.save(filled)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for sheet, name in (("支部", "spreadsheet-branches"), ("活动", "spreadsheet-activities"),
                            ("填表说明", "spreadsheet-guide")):
            _png(_one_sheet(filled.getvalue(), sheet, work / f"{name}.xlsx"), name, work)
        ledger = work / "ledger.xlsx"
        ledger.write_bytes(checked.internal.files["ledger.xlsx"])
        _png(ledger, "spreadsheet-ledger", work, top=0.3)
        report = work / "report.docx"
        report.write_bytes(checked.internal.files["progress-report.docx"])
        _png(report, "spreadsheet-report", work)


if __name__ == "__main__":
    main()
