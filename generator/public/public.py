"""The public view of the campaign: the same data with every internal field absent.

The public pages, feed, sitemap and search index are planned from a PublicSite
only. Its types have no field for a secretary, a phone number, a beneficiary, a
village's needs or an inspection's findings, so no template can print one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from generator.model.model import Activity, Branch, Donation, Settings, Site, Story, Unit, Village
from generator.model.progress import ActivityFigures, BranchCounts, DonationTotal, InspectionCounts, Progress


@dataclass(frozen=True)
class Shown:
    """An image a page shows: its published copy and the size it is shown at (CSS pixels)."""

    path: str
    width: int
    height: int


@dataclass(frozen=True)
class PublicSettings:
    """site.yaml, as a public page may show it."""

    title: str
    base_url: str
    organization: str
    language: str
    campaign_name: str
    campaign_start: date
    extra: Mapping[str, Any]
    logo: Shown | None = None  # set by assets.py once the image is checked and its copy named
    favicon: str | None = None  # path of the favicon's copy, likewise


@dataclass(frozen=True)
class PublicUnit:
    """A unit without its `internal:` data."""

    id: str
    name: str
    short_name: str
    kind: str
    extra: Mapping[str, Any]


@dataclass(frozen=True)
class PublicBranch:
    """A branch without secretary, phone or `internal:` data."""

    id: str
    name: str
    unit: str
    members: int
    village: str | None
    paired_on: date | None
    member_pairs: int | None
    household_pairs: int | None
    extra: Mapping[str, Any]


@dataclass(frozen=True)
class PublicVillage:
    """A village without its needs, problems or `internal:` data."""

    id: str
    name: str
    town: str
    county: str
    extra: Mapping[str, Any]


@dataclass(frozen=True)
class PublicActivity:
    """An activity without the people helped or `internal:` data."""

    id: str
    date: date
    title: str
    kind: str
    theme: str | None
    branches: tuple[str, ...]
    villages: tuple[str, ...]
    participants: int
    funds: float | None
    donations: tuple[Donation, ...]
    summary: str | None
    photos: tuple[str, ...]
    extra: Mapping[str, Any]


@dataclass(frozen=True)
class PublicProgress:
    """Aggregate figures only: no lagging list, no per-unit or per-branch ledger."""

    as_of: date
    branches: BranchCounts
    activities: ActivityFigures
    themes: tuple[tuple[str, ActivityFigures], ...]
    donations: tuple[DonationTotal, ...]
    inspections: InspectionCounts


@dataclass(frozen=True)
class PublicSite:
    """Everything the public side may know; nothing it may not."""

    settings: PublicSettings
    as_of: date
    units: tuple[PublicUnit, ...]
    branches: tuple[PublicBranch, ...]
    villages: tuple[PublicVillage, ...]
    activities: tuple[PublicActivity, ...]
    stories: tuple[Story, ...]
    assets: frozenset[str]
    progress: PublicProgress


def public_extra(value: Any) -> Any:
    """Return free-form `extra:` data without anything under an `internal:` key, at any depth."""
    if isinstance(value, Mapping):
        return {k: public_extra(v) for k, v in value.items() if k != "internal"}
    if isinstance(value, (list, tuple)):
        return [public_extra(v) for v in value]
    return value


def public_unit(u: Unit) -> PublicUnit:
    """Return a unit's public record."""
    return PublicUnit(u.id, u.name, u.short_name, u.kind, public_extra(u.extra))


def public_branch(b: Branch, as_of: date) -> PublicBranch:
    """Return a branch's public record: its pairing only once it is made by `as_of`."""
    paired = b.paired_on is not None and b.paired_on <= as_of
    return PublicBranch(b.id, b.name, b.unit, b.members, b.village if paired else None, b.paired_on if paired else None,
                        b.member_pairs, b.household_pairs, public_extra(b.extra))


def public_village(v: Village) -> PublicVillage:
    """Return a village's public record."""
    return PublicVillage(v.id, v.name, v.town, v.county, public_extra(v.extra))


def public_activity(a: Activity) -> PublicActivity:
    """Return an activity's public record."""
    return PublicActivity(a.id, a.date, a.title, a.kind, a.theme, a.branches, a.villages, a.participants,
                          a.funds, a.donations, a.summary, a.photos, public_extra(a.extra))


def public_story(story: Story) -> Story:
    """Return a story without `internal:` data in its `extra:`."""
    return replace(story, extra=public_extra(story.extra))


def activity_shown(a: Activity, as_of: date) -> bool:
    """Whether the public side shows an activity: one dated after `as_of` is not yet reported."""
    return a.date <= as_of


def story_shown(story: Story, settings: Settings, as_of: date, drafts: bool) -> bool:
    """Whether the public side shows a story: drafts only with `drafts`; one dated after a given as_of waits."""
    # A story dated after an as_of that was given waits, like the records (see validate.content_notes).
    return (drafts and story.draft) or (not story.draft and (settings.as_of is None or story.date <= as_of))


def public_settings(s: Settings) -> PublicSettings:
    """Return site.yaml as a public page may show it (logo and favicon are set once their copies are made)."""
    return PublicSettings(s.title, s.base_url, s.organization, s.language, s.campaign.name, s.campaign.start,
                          public_extra(s.extra))


def public_progress(p: Progress) -> PublicProgress:
    """Return the aggregate figures only."""
    return PublicProgress(p.as_of, p.branches, p.activities, p.themes, p.donations, p.inspections)


def public_view(site: Site, progress: Progress, drafts: bool = False) -> PublicSite:
    """Return the public view; drafts are kept only when `drafts` is true.

    Records dated after `as_of` are left out, as they are from the figures: an
    activity not yet reported is not shown, a pairing not yet made is not shown.
    (The build asks `public.plan.public_view`, the same view made record by record.)
    """
    as_of = site.as_of
    return PublicSite(
        settings=public_settings(site.settings),
        as_of=as_of,
        units=tuple(public_unit(u) for u in site.units),
        branches=tuple(public_branch(b, as_of) for b in site.branches),
        villages=tuple(public_village(v) for v in site.villages),
        activities=tuple(public_activity(a) for a in site.activities if activity_shown(a, as_of)),
        stories=tuple(public_story(st) for st in site.stories if story_shown(st, site.settings, as_of, drafts)),
        assets=site.assets,
        progress=public_progress(progress),
    )
