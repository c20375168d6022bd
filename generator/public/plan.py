"""The public planner: the public view, the assets its pages use and its pages, as queries of the engine.

What it reads are the inputs of pipeline.py (`("records", kind)`, `"settings"`, `"as_of"`,
`"assets"`, `("asset file", path)`) and one of its own, `("story file", path)`: the stat
stamp of a story file, since a body's first line in its file (for messages) is not in the
record. Nothing is keyed by hand; each query records what it reads.

Work per record is done per source file (a ledger file, a story file): after an edit only
the queries of that file run again, and when their new value is the same as the old one the
engine keeps the old object. Every other file's public records and views are the objects of
the last build, so the pages that do not show what changed get the very same context and are
not rendered again (`pipeline.page_html`), and telling them apart costs one identity check.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any

from generator import pipeline, side_process
from generator.content.images import Picture, inspect_images
from generator.content.reader import Inventory
from generator.engine import Engine, Query, query
from generator.errors import ContentError, Problem
from generator.model.model import SiteImage, Story
from generator.public.assets import (
    Body,
    Published,
    Resolver,
    SiteImages,
    Summary,
    Uses,
    body_uses,
    cover_uses,
    make_site_images,
    merged_uses,
    photo_uses,
    resolve_body,
    resolve_summary,
    story_assets,
    summary_assets,
    summary_uses,
    unused_notes,
)
from generator.public.public import (
    PublicActivity,
    PublicProgress,
    PublicSettings,
    PublicSite,
    activity_shown,
    public_activity,
    public_branch,
    public_progress,
    public_settings,
    public_story,
    public_unit,
    public_village,
    story_shown,
)
from generator.public.public_pages import (
    SITE_SHARE_IMAGE,
    ActivityLists,
    ActivityOrder,
    ActivityView,
    PublicIndex,
    ShareView,
    StoryView,
    TagView,
    activity_lists,
    activity_order,
    activity_view,
    plan_public,
    share_view,
    story_tags,
    story_view,
)
from generator.public.share import NO_FONT, cjk_font
from generator.render.links import (
    HINT,
    KINDS,
    Converted,
    Link,
    at_line,
    body_line,
    convert,
    may_link,
    page_exists,
    problem,
    summary_line,
)
from generator.render.markup import PLAIN_INLINE, MarkdownRenderer


def set_story_files(engine: Engine, inventory: Inventory | None) -> None:
    """Set the stat stamp of every story file (where its body starts is read from the file)."""
    if inventory is None:
        return
    for file in inventory.of_kind("story"):
        engine.set_input(("story file", file.rel), file.stamp)


# ---------------------------------------------------------------------------------------- records by file
_PATH, _ID, _SLUG = attrgetter("source.path"), attrgetter("id"), attrgetter("slug")


def _key(kind: str, record: Any) -> str:
    return record.slug if kind == "stories" else record.id  # type: ignore[no-any-return]


@query
def _public_records(engine: Engine, kind: str, path: str, drafts: bool) -> Mapping[str, Any]:
    """The public records of one file that the public side shows, by id (stories by slug)."""
    records = pipeline.records_in(engine, kind, path)
    if kind == "units":
        return {u.id: public_unit(u) for u in records}
    if kind == "villages":
        return {v.id: public_village(v) for v in records}
    as_of = engine.input("as_of")
    if kind == "branches":
        return {b.id: public_branch(b, as_of) for b in records}
    if kind == "activities":
        return {a.id: public_activity(a) for a in records if activity_shown(a, as_of)}
    settings = engine.input("settings")
    return {s.slug: public_story(s) for s in records if story_shown(s, settings, as_of, drafts)}


@query
def _order(engine: Engine, kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The file and the id (stories: slug) of each record of a kind, in the records' order."""
    records = engine.input(("records", kind))
    return tuple(map(_PATH, records)), tuple(map(_SLUG if kind == "stories" else _ID, records))


def _in_order(engine: Engine, kind: str, per_file: Any, *args: Hashable) -> list[Any]:
    """Gather the values of `per_file(engine, path, *args)` (by id) over the records of a kind, in their order."""
    parts = {path: per_file(engine, path, *args) for path in pipeline.records_by_file(engine, kind)}
    paths, keys = _order(engine, kind)
    return [made for path, key in zip(paths, keys, strict=True) if (made := parts[path].get(key)) is not None]


def _public_of(kind: str) -> Any:
    return lambda engine, path, drafts: _public_records(engine, kind, path, drafts)


@query
def _public_settings(engine: Engine) -> PublicSettings:
    """site.yaml as a public page may show it, before the logo and favicon are made."""
    return public_settings(engine.input("settings"))


@query
def _public_progress(engine: Engine) -> PublicProgress:
    """The aggregate figures."""
    return public_progress(pipeline.progress(engine))


@query
def public_records(engine: Engine, kind: str, drafts: bool) -> tuple[Any, ...]:
    """The public records of a kind that the public side shows, in the records' order."""
    return tuple(_in_order(engine, kind, _public_of(kind), drafts))


@query
def public_view(engine: Engine, drafts: bool) -> PublicSite:
    """The public view (public.public_view), each record's public object made once per version of its file."""
    return PublicSite(
        settings=_public_settings(engine),
        as_of=engine.input("as_of"),
        units=public_records(engine, "units", drafts),
        branches=public_records(engine, "branches", drafts),
        villages=public_records(engine, "villages", drafts),
        activities=public_records(engine, "activities", drafts),
        stories=public_records(engine, "stories", drafts),
        assets=engine.input("assets"),
        progress=_public_progress(engine),
    )


# ---------------------------------------------------------------------------------------- Markdown, once
@query
def _raw_html(engine: Engine) -> bool:
    return bool(engine.input("settings").allow_raw_html)


WORKED_AHEAD = "public side worked ahead"  # a service: (query name, arguments) → value, made by forked children
WORK_AHEAD_FROM = 200  # new results from which forked children help (a cold build)


def _work_ahead(engine: Engine, wanted: Sequence[tuple[Query[..., Any], tuple[Any, ...]]]) -> None:
    """Work out the results of `wanted` (query, arguments) not remembered, in this process and forked children.

    Only when there are many (a cold build of many stories) and forking is safe (not in the preview).
    Each query takes its result from `WORKED_AHEAD` after reading what it depends on, so its reads are
    recorded here as if it had run here.
    """
    new = [(q, args) for q, args in wanted if not engine.remembers(q, *args)]
    if len(new) < WORK_AHEAD_FROM or side_process.workers() < 2 or not side_process.can_fork():
        return
    made = side_process.spread(functools.partial(_run_fn, engine), new)
    ahead: dict[tuple[str, tuple[Any, ...]], Any] = engine.services.setdefault(WORKED_AHEAD, {})
    ahead.update({(q.name, args): value for (q, args), value in zip(new, made, strict=True)})


def _run_fn(engine: Engine, item: tuple[Query[..., Any], tuple[Any, ...]]) -> Any:
    q, args = item
    return q.fn(engine, *args)


def _taken_ahead(engine: Engine, q: Query[..., Any], *args: Any) -> Any:
    """Return (and forget) the result worked out ahead for `q(*args)`, or None."""
    return engine.services.get(WORKED_AHEAD, {}).pop((q.name, args), None)


@query
def converted(engine: Engine, mode: str, text: str) -> Converted:
    """A story body ("block") or summary ("inline") converted once per text: its HTML and its links."""
    allow = _raw_html(engine)
    ahead: Converted | None = _taken_ahead(engine, converted, mode, text)
    if ahead is not None:
        return ahead
    # One parser per engine (Python-Markdown's is reset per text, not shared between threads).
    name = f"public markdown {allow}"
    renderer: MarkdownRenderer = engine.services.get(name) or engine.services.setdefault(
        name, MarkdownRenderer(allow, frozenset(KINDS)))
    return convert(text, renderer.block if mode == "block" else renderer.inline, not allow)  # sanitised HTML is exact


@query
def filter_html(engine: Engine, mode: str, text: str) -> str:
    """Markdown the templates' filters convert themselves ("block" or "inline"), once per text.

    The planner's bodies and linking summaries come with their HTML (`converted`); the rest (most
    activity summaries) are converted here when a page prints them, so the page's query records
    the read and an unchanged summary is not converted again. Its renderer keeps no reference
    schemes: a `story:` link in such text is dropped, as the filter always did.
    """
    allow = _raw_html(engine)
    name = f"filter markdown {allow}"
    renderer: MarkdownRenderer = engine.services.get(name) or engine.services.setdefault(name, MarkdownRenderer(allow))
    return renderer.block(text) if mode == "block" else renderer.inline(text)


@dataclass(frozen=True)
class FilterMarkdown:
    """The Markdown of the templates' filters, asked of the engine (`filter_html`): what `make_environment` takes."""

    engine: Engine

    def block(self, text: str) -> str:
        """Convert a Markdown document."""
        return filter_html(self.engine, "block", text)

    def inline(self, text: str) -> str:
        """Convert one paragraph without its wrapping <p>."""
        if PLAIN_INLINE.fullmatch(text):
            return text  # as the renderer would: most summaries, asked for on every page, need no query of their own
        return filter_html(self.engine, "inline", text)


@query
def _body(engine: Engine, path: str, drafts: bool, content_dir: Path) -> Body | None:
    """A published story's links, with their lines in its file."""
    stories = _public_records(engine, "stories", path, drafts)
    if not stories:
        return None
    (story,) = stories.values()
    engine.input(("story file", path.split("/", 1)[1]), None)  # body_line reads the file
    made = converted(engine, "block", story.body)
    return Body(story, at_line(made.links, body_line(story, content_dir)), made)


@query
def _summaries(engine: Engine, path: str, drafts: bool) -> Mapping[str, Summary]:
    """The shown activities of one file whose summaries may link, with the links found."""
    shown = _public_records(engine, "activities", path, drafts)
    found: dict[str, Summary] = {}
    for a in pipeline.records_in(engine, "activities", path):
        if a.id in shown and a.summary and may_link(a.summary):
            made = converted(engine, "inline", a.summary)
            found[a.id] = Summary(a, at_line(made.links, summary_line(a)), made)
    return found


# ---------------------------------------------------------------------------------------- assets
@query
def _story_uses(engine: Engine, drafts: bool, content_dir: Path) -> tuple[Mapping[str, Problem], Uses]:
    """The covers of the published stories, and what their bodies link to."""
    stories = public_records(engine, "stories", drafts)
    bodies = [b for s in stories if (b := _body(engine, s.source.path, drafts, content_dir)) is not None]
    return cover_uses(stories), body_uses(bodies, engine.input("assets"))


@query
def _activity_uses(engine: Engine, drafts: bool) -> tuple[Mapping[str, Problem], Uses]:
    """The photos of the shown activities, and what their summaries refer to."""
    shown = _activity_dates(engine, drafts)[0]
    summaries = _in_order(engine, "activities", _summaries, drafts)
    return photo_uses(engine.input(("records", "activities")), shown), summary_uses(summaries, engine.input("assets"))


@query
def _uses(engine: Engine, drafts: bool, content_dir: Path) -> Uses:
    """The images and other files the public pages use (each with its first use); problems with links to them."""
    covers, bodies = _story_uses(engine, drafts, content_dir)
    photos, summaries = _activity_uses(engine, drafts)
    return merged_uses(covers, photos, bodies, summaries)


@query
def picture(engine: Engine, asset: str, where: Problem, content_dir: Path) -> Picture:
    """An image opened and measured, again only when its file (or its first use, for messages) changes."""
    engine.input(("asset file", asset), None)
    return inspect_images({asset: where}, content_dir)[asset]


@query
def pictures(engine: Engine, drafts: bool, content_dir: Path) -> tuple[Mapping[str, Picture], tuple[Problem, ...]]:
    """The images the public pages use, inspected; or none and the problems of the unreadable ones."""
    images = _uses(engine, drafts, content_dir)[0]
    found: dict[str, Picture] = {}
    problems: list[Problem] = []
    for asset, where in sorted(images.items()):
        try:
            found[asset] = picture(engine, asset, where, content_dir)
        except ContentError as error:
            problems += error.problems
    return ({}, tuple(problems)) if problems else (found, ())


@query
def _image_names(engine: Engine) -> tuple[SiteImage | None, SiteImage | None]:
    settings = engine.input("settings")
    return settings.logo, settings.favicon


@query
def site_images(engine: Engine, content_dir: Path) -> SiteImages | None:
    """The logo and favicon of site.yaml, made again only when it names others or their files change."""
    logo, favicon = _image_names(engine)
    for image in (logo, favicon):
        if image is not None:
            engine.input(("asset file", image.asset), None)
    return make_site_images(logo, favicon, content_dir) if logo or favicon else None


# ---------------------------------------------------------------------------------------- references resolved
@query
def _activity_dates(engine: Engine, drafts: bool) -> tuple[Mapping[str, date], frozenset[str]]:
    """The shown activities' dates by id, and the ids of the activities after as_of."""
    shown: dict[str, date] = {}
    future: set[str] = set()
    for path in pipeline.records_by_file(engine, "activities"):
        dates, later = _file_dates(engine, path, drafts)
        shown.update(dates)
        future |= later
    return shown, frozenset(future)


@query
def _file_dates(engine: Engine, path: str, drafts: bool) -> tuple[Mapping[str, date], frozenset[str]]:
    """One file's part of `_activity_dates`: kept as it was when another file is edited (merging is cheap)."""
    shown = _public_records(engine, "activities", path, drafts)
    return ({key: a.date for key, a in shown.items()},
            frozenset(a.id for a in pipeline.records_in(engine, "activities", path) if a.id not in shown))


@query
def _resolver(engine: Engine, drafts: bool, content_dir: Path) -> Resolver:
    shown, future = _activity_dates(engine, drafts)
    stories = public_records(engine, "stories", drafts)
    return Resolver(engine.input("as_of"), engine.input("assets"), frozenset(s.slug for s in stories),
                    frozenset(s.slug for s in engine.input(("records", "stories"))),
                    frozenset(u.id for u in public_records(engine, "units", drafts)),
                    {b.id: b.unit for b in public_records(engine, "branches", drafts)}, shown, future,
                    pictures(engine, drafts, content_dir)[0])


@query
def _resolved_story(engine: Engine, path: str, drafts: bool,
                    content_dir: Path) -> tuple[Story, str, tuple[tuple[Story, Link, str], ...], tuple[Problem, ...]]:
    """A published story with its references rewritten (text and HTML), its page links to check, its problems."""
    body = _body(engine, path, drafts, content_dir)
    assert body is not None  # asked for published stories only
    problems: list[Problem] = []
    story, markup, pages = resolve_body(body, _resolver(engine, drafts, content_dir), problems)
    return story, markup, tuple((body.story, link, target) for link, target in pages), tuple(problems)


@query
def _resolved_activities(engine: Engine, path: str, drafts: bool, content_dir: Path
                         ) -> tuple[Mapping[str, PublicActivity], Mapping[str, str], tuple[Problem, ...]]:
    """The shown activities of one file with their summaries' references rewritten, the summaries' HTML, problems."""
    shown = _public_records(engine, "activities", path, drafts)
    summaries = _summaries(engine, path, drafts)
    if not summaries:
        return shown, {}, ()
    found = _resolver(engine, drafts, content_dir)
    problems: list[Problem] = []
    activities: dict[str, PublicActivity] = {}
    html: dict[str, str] = {}
    for key, activity in shown.items():
        if key in summaries:
            activity, markup = resolve_summary(summaries[key], activity, found, problems)
            if activity.summary is not None:
                html[activity.summary] = markup
        activities[key] = activity
    return activities, html, tuple(problems)


@query
def _settings(engine: Engine, content_dir: Path) -> PublicSettings:
    """The public settings with the logo and favicon's copies."""
    settings = _public_settings(engine)
    try:
        images = site_images(engine, content_dir)
    except ContentError:
        return settings  # reported by public_plan
    return settings if images is None else replace(settings, logo=images.logo, favicon=images.favicon)


@query
def _shown_activities(engine: Engine, drafts: bool, content_dir: Path) -> tuple[PublicActivity, ...]:
    """The shown activities with their summaries' references rewritten."""
    return tuple(_in_order(engine, "activities", lambda e, p, *a: _resolved_activities(e, p, *a)[0], drafts,
                           content_dir))


@query
def _shown_stories(engine: Engine, drafts: bool, content_dir: Path) -> tuple[Story, ...]:
    """The published stories with their references rewritten."""
    return tuple(_resolved_story(engine, s.source.path, drafts, content_dir)[0]
                 for s in public_records(engine, "stories", drafts))


@query
def shown_view(engine: Engine, drafts: bool, content_dir: Path) -> PublicSite:
    """The public view as the pages show it: references resolved, the logo and favicon made."""
    return replace(public_view(engine, drafts), settings=_settings(engine, content_dir),
                   stories=_shown_stories(engine, drafts, content_dir),
                   activities=_shown_activities(engine, drafts, content_dir))


# ---------------------------------------------------------------------------------------- views and pages
@query
def _lookups(engine: Engine, drafts: bool, content_dir: Path) -> PublicIndex:
    """Units, branches, villages and pictures by id (an activity's view needs nothing else)."""
    units = public_records(engine, "units", drafts)
    return PublicIndex({u.id: u for u in units}, {u.id: n for n, u in enumerate(units)},
                       {b.id: b for b in public_records(engine, "branches", drafts)},
                       {v.id: v for v in public_records(engine, "villages", drafts)},
                       pictures(engine, drafts, content_dir)[0], {})


@query
def _tags(engine: Engine, drafts: bool) -> Mapping[str, TagView]:
    """The tags of the published stories, with their slugs and counts."""
    return story_tags(public_records(engine, "stories", drafts))


@query
def _index(engine: Engine, drafts: bool, content_dir: Path) -> PublicIndex:
    return replace(_lookups(engine, drafts, content_dir), tags=_tags(engine, drafts))


@query
def _activity_views(engine: Engine, path: str, drafts: bool, content_dir: Path) -> Mapping[str, ActivityView]:
    """The views of one file's shown activities."""
    index = _lookups(engine, drafts, content_dir)
    return {key: activity_view(a, index) for key, a in _resolved_activities(engine, path, drafts, content_dir)[0].items()}


@query
def _activity_side(engine: Engine, drafts: bool, content_dir: Path
                   ) -> tuple[ActivityLists, Mapping[str, str], tuple[Problem, ...]]:
    """The lists of shown activities the pages show, their summaries' HTML, and problems with summary links."""
    views: dict[str, ActivityView] = {}
    html: dict[str, str] = {}
    problems: list[Problem] = []
    for path in pipeline.records_by_file(engine, "activities"):
        _, markup, found = _resolved_activities(engine, path, drafts, content_dir)
        html.update(markup)
        problems += found
        views.update(_activity_views(engine, path, drafts, content_dir))
    return activity_lists(views, _activity_order(engine, drafts)), html, tuple(problems)


@query
def _activity_order(engine: Engine, drafts: bool) -> ActivityOrder:
    """The shown activities newest first and by month: run again only when an activity's date (or id) changes."""
    return activity_order(_activity_dates(engine, drafts)[0].items())


@query
def _story_view(engine: Engine, path: str, drafts: bool, content_dir: Path) -> StoryView:
    story, markup, _, _ = _resolved_story(engine, path, drafts, content_dir)
    return story_view(story, _index(engine, drafts, content_dir), markup)


@query
def _share(engine: Engine, base_url: str, path: str) -> ShareView:
    """How a story page is shared (its QR code drawn once per URL)."""
    ahead: ShareView | None = _taken_ahead(engine, _share, base_url, path)
    return ahead if ahead is not None else share_view(base_url, path)


@query
def public_plan(engine: Engine, drafts: bool, content_dir: Path) -> Published:
    """Plan the public side with the assets its pages use; check every link of the published story bodies.

    The share images are added by `assets.with_share_images` (they are made when written).
    """
    try:
        return _public_plan(engine, drafts, content_dir)
    finally:
        engine.services.pop(WORKED_AHEAD, None)  # what a failed build worked out ahead is not taken later


def _public_plan(engine: Engine, drafts: bool, content_dir: Path) -> Published:
    # A cold build of many stories converts their bodies on both cores.
    _work_ahead(engine, [(converted, ("block", s.body)) for s in public_records(engine, "stories", drafts)])
    _, files, problems = _uses(engine, drafts, content_dir)
    problems = list(problems)
    found_pictures, unreadable = pictures(engine, drafts, content_dir)
    problems += unreadable
    html: dict[str, str] = {}
    page_links: list[tuple[Story, Link, str]] = []
    story_views: dict[str, StoryView] = {}
    base_url = engine.input("settings").base_url
    for public in public_records(engine, "stories", drafts):
        path = public.source.path
        story, markup, links, found = _resolved_story(engine, path, drafts, content_dir)
        problems += found
        html[story.body] = markup  # one text, one HTML: every story page sits at the same depth
        page_links += links
        story_views[story.slug] = _story_view(engine, path, drafts, content_dir)
    _work_ahead(engine, [(_share, (base_url, sv.path)) for sv in story_views.values()])  # QR codes, both cores
    shares = {slug: _share(engine, base_url, sv.path) for slug, sv in story_views.items()}
    lists, inline_html, found = _activity_side(engine, drafts, content_dir)
    problems += found
    images = None
    try:
        images = site_images(engine, content_dir)
    except ContentError as error:
        problems += error.problems
    plan = plan_public(shown_view(engine, drafts, content_dir), found_pictures, html,
                       index=_index(engine, drafts, content_dir), lists=lists, story_views=story_views, shares=shares)
    outputs = {p.path for p in plan.pages} | set(plan.files) | {f"assets/{rel}" for rel in files}
    outputs |= {r.path for p in found_pictures.values() for r in (p.small, p.large)}
    outputs |= {SITE_SHARE_IMAGE} | {share.image for share in shares.values()}  # added by with_share_images
    for story, link, target in page_links:
        if not page_exists(target, outputs):
            what = "文件" if link.image else "页面"
            problems.append(problem(story, link, f"网站上没有这个{what}（从故事页 stories/{story.slug}/ 算起是 "
                                                 f"{target or '首页'}）；{HINT}"))
    if problems:
        raise ContentError(problems)
    notes = _notes(engine, drafts, content_dir)
    if cjk_font() is None:
        notes += (Problem(f"public/{SITE_SHARE_IMAGE}", 0, "", NO_FONT),)
    return Published(plan, found_pictures, tuple(sorted(files)), notes, images, dict(html), dict(inline_html))


# ---------------------------------------------------------------------------------------- notes
@query
def _story_assets(engine: Engine, path: str) -> frozenset[str]:
    """The assets a story file (draft or not) refers to."""
    found: set[str] = set()
    for story in pipeline.records_in(engine, "stories", path):
        found |= story_assets(story, converted(engine, "block", story.body))
    return frozenset(found)


@query
def _activity_assets(engine: Engine, path: str) -> frozenset[str]:
    """The assets the activities of one file (of any date) refer to: photos and summary references."""
    found: set[str] = set()
    for activity in pipeline.records_in(engine, "activities", path):
        found.update(activity.photos)
        if activity.summary and may_link(activity.summary):
            found |= summary_assets(converted(engine, "inline", activity.summary))
    return frozenset(found)


@query
def _notes(engine: Engine, drafts: bool, content_dir: Path) -> tuple[Problem, ...]:
    """A note for each asset nothing refers to: no story (draft or not), activity (of any date) or site.yaml."""
    images, files, _ = _uses(engine, drafts, content_dir)
    referred = set(images) | set(files)
    for path in pipeline.records_by_file(engine, "stories"):
        referred |= _story_assets(engine, path)
    for path in pipeline.records_by_file(engine, "activities"):
        referred |= _activity_assets(engine, path)
    referred.update(image.asset for image in _image_names(engine) if image)
    return unused_notes(engine.input("assets"), referred, content_dir.name)

