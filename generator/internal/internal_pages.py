"""Plan the internal side (site/internal/) from the full model and the progress figures.

Every page links to its neighbours by relative file names (…/x.html), so the
folder works when opened from disk or a shared drive. progress-report.html links
to nothing: it is sent on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from generator.internal.dashboard import Dashboard, build_dashboard
from generator.internal.ledger import (
    BranchRow,
    LaggingGroup,
    UnitRow,
    branch_csv,
    branch_rows,
    lagging_csv,
    lagging_groups,
    unit_csv,
    unit_rows,
)
from generator.model.model import Site
from generator.model.progress import Progress, ProgressChange, lagging_cutoff, progress_json
from generator.model.supervision import Supervision, summarize_supervision
from generator.office.docx_report import report_docx
from generator.office.xlsx_ledger import ledger_workbook
from generator.render.pages import Page, Plan, check_unique_paths

REPORT = "progress-report.html"


def css_string(text: str) -> Markup:
    """Return text as a CSS string literal that cannot end the string or the <style> element it is written in."""
    return Markup('"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"')


@dataclass(frozen=True)
class InternalFigures:
    """The rows and summaries the internal pages and downloads are made of."""

    branches: tuple[BranchRow, ...]
    units: tuple[UnitRow, ...]
    lagging: tuple[LaggingGroup, ...]
    supervision: Supervision
    dash: Dashboard


def internal_figures(site: Site, progress: Progress) -> InternalFigures:
    """Compute the ledger rows, the 约谈 groups, the supervision summary and the dashboard."""
    branches = branch_rows(site, progress)
    units = unit_rows(site, progress)
    supervision = summarize_supervision(site)
    return InternalFigures(branches, units, lagging_groups(site, branches), supervision,
                           build_dashboard(site, progress, units, supervision))


def plan_internal(site: Site, progress: Progress, change: ProgressChange | None = None,
                  figures: InternalFigures | None = None) -> Plan:
    """Plan the dashboard, ledgers, lagging list, inspections, activities, report, JSON and CSV."""
    f = figures or internal_figures(site, progress)
    base: dict[str, Any] = {"site": site.settings, "as_of": site.as_of, "progress": progress,
                            "cutoff": lagging_cutoff(site)}
    overview = {**base, "change": change, "dash": f.dash, "units": f.units, "lagging": f.lagging,
                "supervision": f.supervision}
    # The printed report repeats the issuing organisation on every page (CSS @page margin boxes take strings only).
    issuer = css_string(site.settings.organization or site.settings.title)
    pages = (
        Page("index.html", "dashboard.html", overview),
        Page("ledger-branches.html", "ledger_branches.html", {**base, "rows": f.branches}),
        Page("ledger-units.html", "ledger_units.html", {**base, "rows": f.units}),
        Page("lagging.html", "lagging.html", {**base, "groups": f.lagging}),
        Page("activities.html", "activities.html", {**base, "dash": f.dash}),
        Page("inspections.html", "inspections.html", {**base, "supervision": f.supervision}),
        Page(REPORT, "report.html", {**overview, "issuer_css": issuer}),
    )
    files = {
        "progress.json": progress_json(progress).encode("utf-8"),
        "ledger-branches.csv": branch_csv(f.branches),
        "ledger-units.csv": unit_csv(f.units),
        "lagging.csv": lagging_csv(f.lagging),
    }
    check_unique_paths(pages, {**files, **dict.fromkeys(OFFICE_FILES, b"")})
    return Plan(pages, files)


OFFICE_FILES = ("ledger.xlsx", "progress-report.docx")


def office_files(site: Site, progress: Progress, figures: InternalFigures,
                 pause: Callable[[], None] = lambda: None, change: ProgressChange | None = None) -> dict[str, bytes]:
    """Return the downloads made with Office libraries (slow at scale; the preview makes them after the reload).

    `pause` is called now and then: the preview's writer waits there while a rebuild runs.
    """
    f = figures
    ledger = ledger_workbook(site, progress, f.branches, f.units, f.lagging, f.dash, pause)
    pause()
    return {
        "ledger.xlsx": ledger,
        "progress-report.docx": report_docx(site, progress, f.units, f.lagging, f.supervision, f.dash, change),
    }
