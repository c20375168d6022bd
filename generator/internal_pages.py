"""Plan the internal side (site/internal/) from the full model and the progress figures.

Every page links to its neighbours by relative file names (…/x.html), so the
folder works when opened from disk or a shared drive. progress-report.html links
to nothing: it is sent on its own.
"""

from __future__ import annotations

from typing import Any

from generator.dashboard import build_dashboard
from generator.ledger import branch_csv, branch_rows, lagging_csv, lagging_groups, unit_csv, unit_rows
from generator.model import Site
from generator.pages import Page, Plan, check_unique_paths
from generator.progress import Progress, ProgressChange, lagging_cutoff, progress_json
from generator.supervision import summarize_supervision

REPORT = "progress-report.html"


def plan_internal(site: Site, progress: Progress, change: ProgressChange | None = None) -> Plan:
    """Plan the dashboard, ledgers, lagging list, inspections, activities, report, JSON and CSV."""
    branches = branch_rows(site, progress)
    units = unit_rows(site, progress)
    lagging = lagging_groups(site, branches)
    supervision = summarize_supervision(site)
    dash = build_dashboard(site, progress, units, supervision)
    base: dict[str, Any] = {"site": site.settings, "as_of": site.as_of, "progress": progress,
                            "cutoff": lagging_cutoff(site)}
    overview = {**base, "change": change, "dash": dash, "units": units, "lagging": lagging, "supervision": supervision}
    pages = (
        Page("index.html", "dashboard.html", overview),
        Page("ledger-branches.html", "ledger_branches.html", {**base, "rows": branches}),
        Page("ledger-units.html", "ledger_units.html", {**base, "rows": units}),
        Page("lagging.html", "lagging.html", {**base, "groups": lagging}),
        Page("activities.html", "activities.html", {**base, "dash": dash}),
        Page("inspections.html", "inspections.html", {**base, "supervision": supervision}),
        Page(REPORT, "report.html", overview),
    )
    files = {
        "progress.json": progress_json(progress).encode("utf-8"),
        "ledger-branches.csv": branch_csv(branches),
        "ledger-units.csv": unit_csv(units),
        "lagging.csv": lagging_csv(lagging),
    }
    check_unique_paths(pages, files)
    return Plan(pages, files)
