"""Plan the public site from the public view only (it cannot see internal fields)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

import markdown
from markupsafe import Markup

from generator.content.images import Picture
from generator.content.slugs import assign_slugs
from generator.model.model import Story
from generator.public.feed import FEED_PATH, FeedEntry, atom_feed
from generator.public.public import PublicActivity, PublicBranch, PublicSite, PublicUnit, PublicVillage
from generator.public.share import page_url, qr_code
from generator.public.sitemap import robots, sitemap
from generator.render.pages import Page, Plan, check_unique_paths

LATEST_ACTIVITIES = 10
PAGE_SIZE = 20  # stories per list page: a phone screen scrolls through 20 cards comfortably
UNIT_PAGE_STORIES = 4  # a unit page shows its newest stories and links to the full list
EXCERPT_LENGTH = 120
NOT_IN_SITEMAP = {"404.html"}
SITE_SHARE_IMAGE = "share.png"  # the share image of pages other than stories: the site's name and a QR code to the home page
STORY_SHARE_IMAGE = "share.png"  # beside each story's index.html

T = TypeVar("T")


@dataclass(frozen=True)
class Photo:
    """A picture with the text that describes it to people who cannot see it."""

    picture: Picture
    alt: str


@dataclass(frozen=True)
class ActivityView:
    """An activity with its branches, units, villages and photos resolved."""

    activity: PublicActivity
    branches: tuple[PublicBranch, ...]
    units: tuple[PublicUnit, ...]
    villages: tuple[PublicVillage, ...]
    value: float  # funds plus the 折合 value of donated goods
    donation_value: float  # the 折合 value of donated goods only: cash is 投入资金, never 折合
    photos: tuple[Photo, ...]


@dataclass(frozen=True)
class BranchView:
    """A branch with its paired village."""

    branch: PublicBranch
    village: PublicVillage | None


@dataclass(frozen=True)
class TagView:
    """A tag, its URL slug and how many stories carry it."""

    name: str
    slug: str
    count: int


@dataclass(frozen=True)
class StoryView:
    """A story with its unit, branches, tags and cover resolved, and a plain-text summary."""

    story: Story
    unit: PublicUnit | None
    branches: tuple[PublicBranch, ...]
    tags: tuple[TagView, ...]
    cover: Photo | None
    summary: str
    path: str  # URL path of the story page, e.g. stories/x/


@dataclass(frozen=True)
class ShareView:
    """How a story page is shared: its absolute URL, a QR code to it and its share image."""

    url: str
    qr: Markup  # inline SVG
    image: str  # output path of the share image (PNG)
    qr_modules: tuple[bytes, ...]  # the same code as rows of modules, for the share image


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


@dataclass(frozen=True)
class Pager:
    """Where one page of a long list sits: its number and links to its neighbours."""

    number: int
    count: int
    previous: str | None
    next: str | None
    pages: tuple[tuple[int, str], ...]  # (number, URL path) of every page


def excerpt(body: str, length: int = EXCERPT_LENGTH, html: str | None = None) -> str:
    """Return the opening text of a Markdown body, for stories without a summary.

    `html`: the body as the story page shows it (converted once by the planner), read instead of
    converting the text again.
    """
    if html is None:
        html = markdown.markdown(body, extensions=["extra"])
    paragraphs = [Markup(p).striptags() for p in html.split("</p>") if "<p>" in p]
    text = " ".join(p for p in paragraphs if p)
    return text if len(text) <= length else text[:length].rstrip() + "……"


def paginate(items: Sequence[T], folder: str, size: int = PAGE_SIZE) -> list[tuple[str, tuple[T, ...], Pager]]:
    """Split a list into pages: `folder`/ then `folder`/page/2/ …; always at least one page."""
    count = max(1, -(-len(items) // size))
    urls = [folder] + [f"{folder}page/{n}/" for n in range(2, count + 1)]
    numbered = tuple(enumerate(urls, start=1))
    return [
        (url, tuple(items[(n - 1) * size: n * size]),
         Pager(n, count, urls[n - 2] if n > 1 else None, urls[n] if n < count else None, numbered))
        for n, url in numbered
    ]


@dataclass(frozen=True)
class PublicIndex:
    """Lookups from ids to public records and the tags of the published stories."""

    units: Mapping[str, PublicUnit]
    rank: Mapping[str, int]  # site.units is in the official order
    branches: Mapping[str, PublicBranch]
    villages: Mapping[str, PublicVillage]
    pictures: Mapping[str, Picture]
    tags: Mapping[str, TagView]


def story_tags(stories: Iterable[Story]) -> dict[str, TagView]:
    """Return the tags of the stories, each with its URL slug and how many stories carry it."""
    counts: dict[str, int] = defaultdict(int)
    for s in stories:
        for t in dict.fromkeys(s.tags):
            counts[t] += 1
    slugs = assign_slugs(counts, prefix="tag")
    return {name: TagView(name, slugs[name], counts[name]) for name in counts}


def public_index(site: PublicSite, pictures: Mapping[str, Picture]) -> PublicIndex:
    """Return the lookups a view of an activity or a story is made with."""
    return PublicIndex({u.id: u for u in site.units}, {u.id: n for n, u in enumerate(site.units)},
                       {b.id: b for b in site.branches}, {v.id: v for v in site.villages}, dict(pictures),
                       story_tags(site.stories))


def activity_view(a: PublicActivity, index: PublicIndex) -> ActivityView:
    """Return an activity with its branches, units, villages and photos resolved."""
    branches = tuple(index.branches[b] for b in a.branches)
    unit_ids = sorted({b.unit for b in branches}, key=index.rank.__getitem__)
    donated = sum(d.value or 0.0 for d in a.donations)
    pictures = [index.pictures[p] for p in a.photos if p in index.pictures]
    photos = tuple(
        Photo(p, a.title if len(pictures) == 1 else f"{a.title}（照片 {i}/{len(pictures)}）")
        for i, p in enumerate(pictures, start=1)
    )
    return ActivityView(a, branches, tuple(index.units[u] for u in unit_ids),
                        tuple(index.villages[v] for v in a.villages), (a.funds or 0.0) + donated, donated, photos)


def story_view(s: Story, index: PublicIndex, html: str | None = None) -> StoryView:
    """Return a story with its unit, branches, tags and cover resolved; `html`: its body converted, for the excerpt."""
    cover = None
    if s.cover and s.cover in index.pictures:
        alt = s.extra.get("cover_alt")
        cover = Photo(index.pictures[s.cover], alt if isinstance(alt, str) and alt.strip() else s.title)
    return StoryView(s, index.units.get(s.unit) if s.unit else None,
                     tuple(index.branches[b] for b in s.branches),
                     tuple(index.tags[t] for t in dict.fromkeys(s.tags)), cover,
                     s.summary or excerpt(s.body, html=html), f"stories/{s.slug}/")


def _story_units(s: Story, branches: Mapping[str, PublicBranch]) -> set[str]:
    units = {branches[b].unit for b in s.branches}
    if s.unit:
        units.add(s.unit)
    return units


def activity_kinds(activities: Sequence[ActivityView]) -> tuple[str, ...]:
    """Return the kinds of activity the records use, the most frequent first (ties by name)."""
    counts = Counter(view.activity.kind for view in activities)
    return tuple(sorted(counts, key=lambda k: (-counts[k], k)))


def _list_pages(stories: Sequence[StoryView], folder: str, template: str, base: Mapping[str, Any]) -> list[Page]:
    """Pages of a paginated story list under `folder` (e.g. tags/x/)."""
    return [Page(f"{url}index.html", template, {**base, "stories": chunk, "pager": pager})
            for url, chunk, pager in paginate(stories, folder)]


def _feed(site: PublicSite, stories: Sequence[StoryView]) -> bytes:
    entries = [
        FeedEntry(sv.path, sv.story.title, sv.story.date, sv.summary, sv.story.author,
                  tuple(t.name for t in sv.tags), sv.cover.picture.large.path if sv.cover else None)
        for sv in stories if not sv.story.draft
    ]
    return atom_feed(site.settings, entries, site.as_of)


def _sitemap(site: PublicSite, pages: Sequence[Page]) -> bytes:
    """List every HTML page except the 404 page and drafts, with story dates as last change."""
    listed = []
    for page in pages:
        view = page.context.get("view")
        if page.path in NOT_IN_SITEMAP or (isinstance(view, StoryView) and view.story.draft):
            continue
        listed.append((page.path, view.story.date if isinstance(view, StoryView) else None))
    return sitemap(site.settings.base_url, listed)


def share_view(base_url: str, path: str) -> ShareView:
    """Return how the story page at URL path `path` is shared: its absolute URL, a QR code, its share image's path."""
    url = page_url(base_url, path)
    svg, modules = qr_code(url, f"二维码：{url}")
    return ShareView(url, Markup(svg), f"{path}{STORY_SHARE_IMAGE}", modules)


@dataclass(frozen=True)
class ActivityLists:
    """The shown activities as the pages list them: newest first, by unit, by month, and the kinds used."""

    newest: tuple[ActivityView, ...]
    by_unit: Mapping[str, tuple[ActivityView, ...]]
    months: tuple[MonthView, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class ActivityOrder:
    """The shown activities' ids newest first, and by month (newest month first): what only their dates decide."""

    newest: tuple[str, ...]
    months: tuple[tuple[str, tuple[str, ...]], ...]  # ("2019-08", ids)


def activity_order(dates: Iterable[tuple[str, date]]) -> ActivityOrder:
    """Return the order of the activities (id, date) on the pages: by date then id, newest first."""
    newest = sorted(dates, key=lambda pair: (pair[1], pair[0]), reverse=True)
    months: dict[str, list[str]] = {}
    month_of: dict[date, str] = {}  # strftime for each of 10,000 activities is a tenth of a preview's budget
    for key, day in newest:
        month = month_of.get(day)
        if month is None:
            month = month_of[day] = day.strftime("%Y-%m")
        months.setdefault(month, []).append(key)
    return ActivityOrder(tuple(key for key, _ in newest), tuple((m, tuple(ids)) for m, ids in months.items()))


def activity_lists(views: Mapping[str, ActivityView], order: ActivityOrder) -> ActivityLists:
    """Return the lists of activities the pages show, from the views of the shown activities (by id) in `order`."""
    newest = tuple(map(views.__getitem__, order.newest))
    by_unit: dict[str, list[ActivityView]] = defaultdict(list)
    for view in newest:
        for unit in view.units:
            by_unit[unit.id].append(view)
    month_views = tuple(MonthView(key, f"{key[:4]}年{int(key[5:])}月", tuple(map(views.__getitem__, ids)))
                        for key, ids in order.months)
    return ActivityLists(newest, {u: tuple(v) for u, v in by_unit.items()}, month_views, activity_kinds(newest))


def plan_public(site: PublicSite, pictures: Mapping[str, Picture] | None = None, html: Mapping[str, str] | None = None,
                *, index: PublicIndex | None = None, lists: ActivityLists | None = None,
                story_views: Mapping[str, StoryView] | None = None, shares: Mapping[str, ShareView] | None = None) -> Plan:
    """Plan every page of the public site from the public view only.

    `html`: the story bodies converted (by their text), for excerpts. The build passes the
    index, the activity lists and the views of stories and shares (by slug) it asked the
    engine for, so an unchanged record's view is the object of the last build (cheap to
    tell apart from a changed one); what is not passed is made here.
    """
    pictures = pictures or {}
    index = index or public_index(site, pictures)
    lists = lists or activity_lists({a.id: activity_view(a, index) for a in site.activities},
                                    activity_order((a.id, a.date) for a in site.activities))
    made_stories = story_views or {}
    made_shares = shares or {}
    html = html or {}

    def story(s: Story) -> StoryView:
        found = made_stories.get(s.slug)
        return found if found is not None else story_view(s, index, html.get(s.body))

    def share(sv: StoryView) -> ShareView:
        found = made_shares.get(sv.story.slug)
        return found if found is not None else share_view(site.settings.base_url, sv.path)

    base: dict[str, Any] = {"site": site.settings, "as_of": site.as_of, "feed_path": FEED_PATH,
                            "share_image": SITE_SHARE_IMAGE}
    activities = lists.newest
    stories = tuple(story(s) for s in site.stories)
    featured = tuple(s for s in stories if s.story.featured) or stories[:3]
    tags = tuple(sorted(index.tags.values(), key=lambda t: (-t.count, t.slug)))

    by_unit_stories: dict[str, list[StoryView]] = defaultdict(list)
    for sv in stories:
        for unit_id in sorted(_story_units(sv.story, index.branches)):
            by_unit_stories[unit_id].append(sv)
    by_unit_branches: dict[str, list[BranchView]] = defaultdict(list)
    for b in site.branches:
        by_unit_branches[b.unit].append(BranchView(b, index.villages.get(b.village) if b.village else None))
    units = tuple(
        UnitView(u, tuple(by_unit_branches[u.id]), sum(1 for bv in by_unit_branches[u.id] if bv.village),
                 lists.by_unit.get(u.id, ()), tuple(by_unit_stories[u.id]))
        for u in site.units
    )
    month_views = lists.months

    pages = [
        Page("index.html", "index.html", {**base, "progress": site.progress, "featured": featured,
                                          "latest": activities[:LATEST_ACTIVITIES], "unit_count": len(units)}),
        Page("units/index.html", "units.html", {**base, "units": units}),
        Page("activities/index.html", "timeline.html", {**base, "months": month_views, "kinds": lists.kinds,
                                                        "latest": activities[:LATEST_ACTIVITIES]}),
        Page("progress/index.html", "progress.html", {**base, "progress": site.progress}),
        Page("tags/index.html", "tags.html", {**base, "tags": tags}),
        Page("search/index.html", "search.html", base),
        Page("404.html", "404.html", {**base, "url_root": urlsplit(site.settings.base_url).path}),
    ]
    pages += _list_pages(stories, "stories/", "stories.html", base)
    pages += [Page(f"{sv.path}index.html", "story.html", {**base, "view": sv, "share": share(sv)})
              for sv in stories]
    for tag in tags:
        tagged = [sv for sv in stories if tag in sv.tags]
        pages += _list_pages(tagged, f"tags/{tag.slug}/", "tag.html", {**base, "tag": tag})
    pages += [Page(f"units/{uv.unit.id}/index.html", "unit.html",
                   {**base, "view": uv, "shown_stories": uv.stories[:UNIT_PAGE_STORIES]}) for uv in units]
    for uv in units:
        if len(uv.stories) > UNIT_PAGE_STORIES:  # else the unit page already shows them all
            pages += _list_pages(uv.stories, f"units/{uv.unit.id}/stories/", "unit_stories.html", {**base, "unit": uv.unit})
    pages += [Page(f"activities/{m.key}/index.html", "month.html", {**base, "month": m}) for m in month_views]
    files = {
        FEED_PATH: _feed(site, stories),
        "sitemap.xml": _sitemap(site, pages),
        "robots.txt": robots(site.settings.base_url),
    }
    plan = Plan(tuple(pages), files)
    check_unique_paths(plan.pages, plan.files)
    return plan
