"""Plan the public site from the public view only (it cannot see internal fields)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from generator.model import Story
from generator.pages import Page, Plan, check_unique_paths
from generator.public import PublicActivity, PublicBranch, PublicSite, PublicUnit, PublicVillage

LATEST_ACTIVITIES = 10


@dataclass(frozen=True)
class ActivityView:
    """An activity with its branches, units and villages resolved."""

    activity: PublicActivity
    branches: tuple[PublicBranch, ...]
    units: tuple[PublicUnit, ...]
    villages: tuple[PublicVillage, ...]
    value: float


@dataclass(frozen=True)
class BranchView:
    """A branch with its paired village."""

    branch: PublicBranch
    village: PublicVillage | None


@dataclass(frozen=True)
class StoryView:
    """A story with its unit and branches resolved."""

    story: Story
    unit: PublicUnit | None
    branches: tuple[PublicBranch, ...]


@dataclass(frozen=True)
class UnitView:
    """A unit with its branches, activities and stories."""

    unit: PublicUnit
    branches: tuple[BranchView, ...]
    paired: int
    activities: tuple[ActivityView, ...]
    stories: tuple[StoryView, ...]


@dataclass(frozen=True)
class MonthView:
    """The activities of one month, for the timeline."""

    key: str
    label: str
    activities: tuple[ActivityView, ...]


class _PublicIndex:
    """Lookups from ids to public records, built once."""

    def __init__(self, site: PublicSite) -> None:
        self.units = {u.id: u for u in site.units}
        self.branches = {b.id: b for b in site.branches}
        self.villages = {v.id: v for v in site.villages}

    def activity(self, a: PublicActivity) -> ActivityView:
        branches = tuple(self.branches[b] for b in a.branches)
        unit_ids = sorted({b.unit for b in branches})
        value = (a.funds or 0.0) + sum(d.value or 0.0 for d in a.donations)
        return ActivityView(a, branches, tuple(self.units[u] for u in unit_ids),
                            tuple(self.villages[v] for v in a.villages), value)

    def story(self, s: Story) -> StoryView:
        return StoryView(s, self.units.get(s.unit) if s.unit else None,
                         tuple(self.branches[b] for b in s.branches))


def _story_units(s: Story, branches: Mapping[str, PublicBranch]) -> set[str]:
    units = {branches[b].unit for b in s.branches}
    if s.unit:
        units.add(s.unit)
    return units


def plan_public(site: PublicSite) -> Plan:
    """Plan every page of the public site from the public view only."""
    index = _PublicIndex(site)
    base: dict[str, Any] = {"site": site.settings, "as_of": site.as_of}
    activities = tuple(index.activity(a) for a in sorted(site.activities, key=lambda a: (a.date, a.id), reverse=True))
    stories = tuple(index.story(s) for s in site.stories)
    featured = tuple(s for s in stories if s.story.featured) or stories[:3]

    by_unit_activities: dict[str, list[ActivityView]] = defaultdict(list)
    for view in activities:
        for unit in view.units:
            by_unit_activities[unit.id].append(view)
    by_unit_stories: dict[str, list[StoryView]] = defaultdict(list)
    for sv in stories:
        for unit_id in sorted(_story_units(sv.story, index.branches)):
            by_unit_stories[unit_id].append(sv)
    by_unit_branches: dict[str, list[BranchView]] = defaultdict(list)
    for b in site.branches:
        by_unit_branches[b.unit].append(BranchView(b, index.villages.get(b.village) if b.village else None))
    units = tuple(
        UnitView(u, tuple(by_unit_branches[u.id]), sum(1 for bv in by_unit_branches[u.id] if bv.village),
                 tuple(by_unit_activities[u.id]), tuple(by_unit_stories[u.id]))
        for u in site.units
    )

    months: dict[str, list[ActivityView]] = defaultdict(list)
    for view in activities:
        months[view.activity.date.strftime("%Y-%m")].append(view)
    month_views = tuple(
        MonthView(key, f"{key[:4]}年{int(key[5:])}月", tuple(months[key])) for key in sorted(months, reverse=True)
    )

    pages = [
        Page("index.html", "index.html", {**base, "progress": site.progress, "featured": featured,
                                          "latest": activities[:LATEST_ACTIVITIES], "unit_count": len(units)}),
        Page("stories/index.html", "stories.html", {**base, "stories": stories}),
        Page("units/index.html", "units.html", {**base, "units": units}),
        Page("activities/index.html", "timeline.html", {**base, "months": month_views,
                                                        "latest": activities[:LATEST_ACTIVITIES]}),
        Page("progress/index.html", "progress.html", {**base, "progress": site.progress}),
        Page("404.html", "404.html", {**base, "url_root": urlsplit(site.settings.base_url).path}),
    ]
    pages += [Page(f"stories/{sv.story.slug}/index.html", "story.html", {**base, "view": sv}) for sv in stories]
    pages += [Page(f"units/{uv.unit.id}/index.html", "unit.html", {**base, "view": uv}) for uv in units]
    pages += [Page(f"activities/{m.key}/index.html", "month.html", {**base, "month": m}) for m in month_views]
    plan = Plan(tuple(pages), {})
    check_unique_paths(plan.pages, plan.files)
    return plan
