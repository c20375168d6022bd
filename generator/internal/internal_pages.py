"""Plan the internal side (site/internal/) from the full model and the progress figures.

Every page links to its neighbours by relative file names (…/x.html), so the
folder works when opened from disk or a shared drive. progress-report.html links
to nothing: it is sent on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from generator.internal.dashboard import ActivityRow, Dashboard, activity_rows, build_dashboard
from generator.internal.grid_data import activity_entries, branch_entries, grid_config, grid_files, grid_scripts
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
from generator.model.sums import ActivitySums
from generator.model.supervision import Supervision, summarize_supervision
from generator.render.pages import Page, Plan, check_unique_paths

REPORT = "progress-report.html"
REPORT_UNITS = 80  # unit rows the printed report lists at most (the example city has 70); the unit ledger has them all
REPORT_LAGGING = 30  # 约谈 entries the report lists one by one; above it, counts by unit and the first entries
REPORT_LAGGING_UNITS = 20  # units in that summary (those with the most entries)
REPORT_FIRST = 3  # entries named per unit in the summary


@dataclass(frozen=True)
class ReportView:
    """What the one-file report shows of the long lists, so that it prints on a few pages at any scale."""

    units: tuple[UnitRow, ...]  # in the official order
    units_left: int  # units not listed
    lagging_full: bool  # every 约谈 entry is listed
    lagging: tuple[LaggingGroup, ...]  # the groups listed (all, or those with the most entries)
    lagging_left: int  # units with 约谈 entries not listed


def report_view(units: tuple[UnitRow, ...], lagging: tuple[LaggingGroup, ...]) -> ReportView:
    """Choose the unit rows and 约谈 groups the report lists: all while few, else those with the most entries."""
    if len(units) <= REPORT_UNITS:
        shown_units = units
    else:
        order = {r.unit.id: n for n, r in enumerate(units)}
        worst = sorted(units, key=lambda r: (-r.lagging, r.rate, order[r.unit.id]))[:REPORT_UNITS]
        shown_units = tuple(sorted(worst, key=lambda r: order[r.unit.id]))
    entries = sum(len(g.rows) for g in lagging)
    if entries <= REPORT_LAGGING:
        return ReportView(shown_units, len(units) - len(shown_units), True, lagging, 0)
    rank = {g.unit.id: n for n, g in enumerate(lagging)}
    most = sorted(lagging, key=lambda g: (-len(g.rows), rank[g.unit.id]))[:REPORT_LAGGING_UNITS]
    groups = tuple(sorted(most, key=lambda g: rank[g.unit.id]))
    return ReportView(shown_units, len(units) - len(shown_units), False, groups, len(lagging) - len(groups))


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
    rows: tuple[ActivityRow, ...]  # every counted activity's row, newest first (dashboard.activity_rows)


def internal_figures(site: Site, progress: Progress, rows: tuple[ActivityRow, ...] | None = None,
                     sums: ActivitySums | None = None, branches: tuple[BranchRow, ...] | None = None) -> InternalFigures:
    """Compute the ledger rows, the 约谈 groups, the supervision summary and the dashboard.

    `rows`, `sums`, `branches`: the site's activity rows (dashboard.activity_rows), sums (model/sums.py) and
    branch ledger lines (ledger.branch_rows), when already made. (The build makes the figures part by part,
    as engine queries: pipeline.figures.)
    """
    branches = branch_rows(site, progress, sums) if branches is None else branches
    rows = activity_rows(site) if rows is None else rows
    units = unit_rows(site, progress)
    supervision = summarize_supervision(site)
    return InternalFigures(branches, units, lagging_groups(site, branches), supervision,
                           build_dashboard(site, progress, units, supervision, rows), rows)


def plan_internal(site: Site, progress: Progress, change: ProgressChange | None = None,
                  figures: InternalFigures | None = None,
                  data_files: Mapping[str, bytes] | None = None,
                  ledger_csv: Mapping[str, bytes] | None = None) -> Plan:
    """Plan the dashboard, ledgers, lagging list, inspections, activities, report, JSON and CSV.

    `data_files`: the grids' data files (grid_data.grid_files), when already made; `ledger_csv`: the branch ledger
    and the lagging list as CSV (`LEDGER_CSV`), when already made.
    """
    f = figures or internal_figures(site, progress)
    base: dict[str, Any] = {"site": site.settings, "as_of": site.as_of, "progress": progress,
                            "cutoff": lagging_cutoff(site)}
    overview = {**base, "change": change, "dash": f.dash, "units": f.units, "lagging": f.lagging,
                "supervision": f.supervision}
    # The printed report repeats the issuing organisation on every page (CSS @page margin boxes take strings only).
    unit_base = {"site": site.settings, "as_of": site.as_of}
    issuer = css_string(site.settings.organization or site.settings.title)

    def grid(path: str) -> dict[str, Any]:
        return {"config": grid_config(path), "scripts": grid_scripts(path)}

    pages = (
        Page("index.html", "dashboard.html", overview),
        Page("ledger-branches.html", "ledger_branches.html", {**base, **grid("ledger-branches.html")}),
        Page("ledger-units.html", "ledger_units.html", {**base, **grid("ledger-units.html")}),
        Page("lagging.html", "lagging.html", {**base, "groups": f.lagging, **grid("lagging.html")}),
        Page("activities.html", "activities.html", {**base, "dash": f.dash, **grid("activities.html")}),
        Page("inspections.html", "inspections.html", {**base, "supervision": f.supervision}),
        Page(REPORT, "report.html", {**overview, "issuer_css": issuer, "view": report_view(f.units, f.lagging),
                                     "first": REPORT_FIRST}),
        # The unit pages show no campaign-wide figure: without `progress` in their context, an edit renders
        # again only the pages of the units it touches.
        Page("units/index.html", "units_index.html", {**unit_base, "units": f.units}),
        *unit_pages(f, unit_base),
    )
    files = {
        **(grid_files(f.units, branch_entries(f.branches, site.as_of), activity_entries(f.rows))
           if data_files is None else data_files),
        "progress.json": progress_json(progress).encode("utf-8"),
        **({"ledger-branches.csv": branch_csv(f.branches), "lagging.csv": lagging_csv(f.lagging)}
           if ledger_csv is None else ledger_csv),
        "ledger-units.csv": unit_csv(f.units),
    }
    check_unique_paths(pages, {**files, **dict.fromkeys(OFFICE_FILES, b"")})
    return Plan(pages, files)


def unit_pages(f: InternalFigures, base: dict[str, Any]) -> tuple[Page, ...]:
    """Plan one page per unit, small enough to send to its liaison: its branches, 约谈 entries and activities."""
    branches: dict[str, list[BranchRow]] = {u.unit.id: [] for u in f.units}
    for b in f.branches:
        branches[b.unit.id].append(b)
    done: dict[str, list[ActivityRow]] = {u.unit.id: [] for u in f.units}
    for a in f.rows:  # newest first
        for unit in a.units:
            done[unit.id].append(a)
    groups = {g.unit.id: g for g in f.lagging}
    return tuple(
        Page(f"units/{u.unit.id}.html", "unit.html",
             {**base, "u": u, "branches": branches[u.unit.id], "activities": done[u.unit.id],
              "group": groups.get(u.unit.id)})
        for u in f.units
    )


OFFICE_FILES = ("ledger.xlsx", "progress-report.docx")
LEDGER_CSV = ("ledger-branches.csv", "lagging.csv")  # the CSV files made unit by unit (pipeline.ledger_csv)


def office_files(site: Site, progress: Progress, figures: InternalFigures,
                 pause: Callable[[], None] = lambda: None, change: ProgressChange | None = None) -> dict[str, bytes]:
    """Return the downloads made with Office libraries (slow at scale; the preview makes them after the reload).

    `pause` is called now and then: the preview's writer waits there while a rebuild runs.
    """
    # Imported here, not at the top: the Office libraries (openpyxl, python-docx, XlsxWriter) take a third of a
    # second to import, which every `gongjian` command would pay; a CLI build makes these in a forked child.
    from generator.office.docx_report import report_docx
    from generator.office.xlsx_ledger import ledger_workbook

    f = figures
    ledger = ledger_workbook(site, progress, f.branches, f.units, f.lagging, f.dash, pause)
    pause()
    return {
        "ledger.xlsx": ledger,
        "progress-report.docx": report_docx(site, progress, f.units, f.lagging, f.supervision, f.dash, change),
    }
