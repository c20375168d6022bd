"""The validated campaign: immutable plain data, full (internal fields included)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Source:
    """Where a record was written, for messages."""

    path: str
    line: int


@dataclass(frozen=True)
class Campaign:
    """The campaign's name and start."""

    name: str
    start: date


@dataclass(frozen=True)
class SiteImage:
    """An image named in site.yaml (`logo`, `favicon`): its path under assets/ and where it is written."""

    asset: str
    source: Source


@dataclass(frozen=True)
class Settings:
    """site.yaml."""

    title: str
    base_url: str
    organization: str
    language: str
    campaign: Campaign
    as_of: date | None
    lagging_days: int
    allow_raw_html: bool
    extra: Mapping[str, Any]
    logo: SiteImage | None = None  # shown in the public header
    favicon: SiteImage | None = None  # the icon of every page's browser tab


@dataclass(frozen=True)
class Unit:
    """市直单位: an agency that owns branches."""

    id: str
    name: str
    short_name: str
    kind: str
    extra: Mapping[str, Any]
    internal: Mapping[str, Any]
    source: Source
    order: int | None = None  # 排序: the official order; units without one come after, by id


def unit_order(unit: Unit) -> tuple[bool, int, str]:
    """Return the sort key of the official order: units with an `order` first, by it, then by id."""
    return (unit.order is None, unit.order or 0, unit.id)


@dataclass(frozen=True)
class Branch:
    """机关党支部: an agency party branch, paired (or not yet) with a village."""

    id: str
    name: str
    unit: str
    members: int
    village: str | None
    paired_on: date | None
    secretary: str | None
    phone: str | None
    member_pairs: int | None
    household_pairs: int | None
    extra: Mapping[str, Any]
    internal: Mapping[str, Any]
    source: Source


@dataclass(frozen=True)
class Village:
    """共建村: a paired village."""

    id: str
    name: str
    town: str
    county: str
    needs: tuple[str, ...]
    problems: tuple[str, ...]
    extra: Mapping[str, Any]
    internal: Mapping[str, Any]
    source: Source


@dataclass(frozen=True)
class Donation:
    """Goods given in an activity; `value` is what they are worth in yuan."""

    item: str
    quantity: float
    unit: str
    value: float | None


@dataclass(frozen=True)
class Beneficiary:
    """A person helped (internal, never public)."""

    name: str
    note: str


@dataclass(frozen=True)
class Activity:
    """活动: what one or more branches did on a day."""

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
    beneficiaries: tuple[Beneficiary, ...]
    summary: str | None
    photos: tuple[str, ...]
    extra: Mapping[str, Any]
    internal: Mapping[str, Any]
    source: Source
    summary_line: int = 0  # the line of `summary:`, for messages about its links (0: the record's line)


@dataclass(frozen=True)
class Inspection:
    """督导: a supervision visit (internal, only its counts are public)."""

    id: str
    date: date
    group: str
    villages: tuple[str, ...]
    branches: tuple[str, ...]
    methods: tuple[str, ...]
    checks: tuple[tuple[str, str], ...]
    findings: str
    follow_up: str
    extra: Mapping[str, Any]
    internal: Mapping[str, Any]
    source: Source


@dataclass(frozen=True)
class Story:
    """先进支部 story: front matter plus Markdown body."""

    slug: str
    title: str
    date: date
    branches: tuple[str, ...]
    unit: str | None
    author: str
    tags: tuple[str, ...]
    summary: str
    cover: str | None
    draft: bool
    featured: bool
    body: str
    extra: Mapping[str, Any]
    source: Source


@dataclass(frozen=True)
class Site:
    """The whole validated campaign; records sorted by id (units in their official order), stories newest first."""

    settings: Settings
    as_of: date
    units: tuple[Unit, ...]
    branches: tuple[Branch, ...]
    villages: tuple[Village, ...]
    activities: tuple[Activity, ...]
    inspections: tuple[Inspection, ...]
    stories: tuple[Story, ...]
    assets: frozenset[str]
