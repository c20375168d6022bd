"""Plan the internal dashboard from the full model and the progress figures."""

from __future__ import annotations

from typing import Any

from generator.model import Site
from generator.pages import Page, Plan, check_unique_paths
from generator.progress import Progress, progress_json


def plan_internal(site: Site, progress: Progress) -> Plan:
    """Plan the internal dashboard from the full model."""
    units = {u.id: u for u in site.units}
    branches = {b.id: b for b in site.branches}
    base: dict[str, Any] = {"site": site.settings, "as_of": site.as_of}
    pages = (
        Page("index.html", "dashboard.html", {**base, "progress": progress, "units": units, "branches": branches}),
    )
    files = {"progress.json": progress_json(progress).encode("utf-8")}
    check_unique_paths(pages, files)
    return Plan(pages, files)
