"""Decide which files of content/assets/ each side publishes, and resolve the references of the public pages.

The public site gets a file only when a published page uses it: the cover of a
published story, a photo of an activity dated on or before `as_of`, an image or
file a published story body or a shown activity's summary links to, or the logo
and favicon named in site.yaml. Images are published as re-encoded copies only
(images.py); other files (PDF, DOCX…) are copied as they are. The internal side
gets no asset but the 公众号 copies (internal/wechat_pages.py: the same public
copies, to upload), and the favicon is written into each of its pages as a data:
URL. Files nothing refers to are listed as notes by `check` and never published.
Each page's share image (share.py) is planned here too, made when it is written.
These are plain functions; the public planner (public/plan.py) asks for them through the engine.
"""

from __future__ import annotations

import base64
import functools
import posixpath
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from generator import pipeline, side_process
from generator.content.images import Picture, fitted, inspect_images, is_image, render_images
from generator.engine import Engine
from generator.errors import ContentError, Problem
from generator.model.model import Activity, SiteImage, Story
from generator.public.public import PublicActivity, Shown
from generator.public.public_pages import SITE_SHARE_IMAGE, ShareView, StoryView
from generator.public.share import cjk_font, page_url, qr_matrix, share_png
from generator.render.links import (
    HINT,
    KINDS,
    SITE_ROOT,
    STORY_DEPTH,
    Converted,
    Link,
    is_external,
    named_reference,
    page_target,
    problem,
    reference,
    rewrite,
    rewrite_html,
    summary_problem,
)
from generator.render.pages import Deferred, Page, Plan, check_unique_paths, joined
from generator.render.render import date_zh

LOGO_HEIGHT = 40  # CSS pixels in the public header (the copy is up to twice that, for sharp screens)
LOGO_WIDTH = 320  # a wide banner-like logo is held to this on a phone-sized header
ICON_SIZE = 64  # browser tabs show 16–32 CSS pixels; 64 is sharp at twice that
_MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "svg": "image/svg+xml"}


@dataclass(frozen=True)
class SiteImages:
    """The logo and favicon of site.yaml: how pages show them and the files that carry them."""

    logo: Shown | None
    favicon: str | None  # path of the public copy
    files: Mapping[str, bytes]  # public copies, re-encoded (an SVG cleaned)
    favicon_url: str | None  # the same copy as a data: URL, for internal pages (opened from disk, sent alone)


@dataclass(frozen=True)
class Published:
    """The public plan and the assets it uses; notes about files nothing uses."""

    plan: Plan
    pictures: Mapping[str, Picture]  # images, published as re-encoded copies (SVG cleaned of metadata)
    files: tuple[str, ...]  # other files, copied as they are to assets/
    notes: tuple[Problem, ...]
    site_images: SiteImages | None = None  # the logo and favicon, when site.yaml names one
    # The HTML of each published story body and shown summary with links, converted once, references
    # resolved: by the text the page holds (its references rewritten too), for the markdown filters.
    html: Mapping[str, str] = field(default_factory=dict)
    inline_html: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Summary:
    """A shown activity's summary links, found once."""

    activity: Activity
    links: tuple[Link, ...]
    converted: Converted


@dataclass(frozen=True)
class Body:
    """A published story's links, found once."""

    story: Story
    links: tuple[Link, ...]
    converted: Converted


def _asset_reference(value: str, assets: frozenset[str]) -> str | None:
    """Return the asset path a body link names, or None when it leaves assets/ or names nothing."""
    path = posixpath.normpath(value) if value else ""
    return path if path in assets else None


def _story_path(story: Story) -> str:
    return f"stories/{story.slug}.md"


@dataclass(frozen=True)
class Resolver:
    """Turn body references into URLs from a story page, saying why one cannot be (plain data: the engine compares it)."""

    as_of: date
    assets: frozenset[str]
    stories: frozenset[str]  # published
    all_stories: frozenset[str]
    units: frozenset[str]
    branches: Mapping[str, str]  # id → unit
    activities: Mapping[str, date]  # shown
    future: frozenset[str]  # activities after as_of
    pictures: Mapping[str, Picture]

    def url(self, kind: str, value: str) -> tuple[str | None, str]:
        """Return (site path, "") or (None, why not)."""
        if kind == "story":
            if value in self.stories:
                return f"stories/{value}/", ""
            if value in self.all_stories:
                return None, f"故事 {value} 是草稿，不会发布；发布后再链接，或先去掉这个链接"
            return None, f"没有文件名为 {value}.md 的故事"
        if kind == "unit":
            return (f"units/{value}/", "") if value in self.units else (None, f"没有编号为 {value} 的单位")
        if kind == "branch":
            unit = self.branches.get(value)
            return (f"units/{unit}/#{value}", "") if unit else (None, f"没有编号为 {value} 的支部")
        if kind == "activity":
            day = self.activities.get(value)
            if day is not None:
                return f"activities/{day:%Y-%m}/#activity-{value}", ""  # month.html gives each activity this id
            if value in self.future:
                return None, f"活动 {value} 晚于截至日期 {self.as_of.isoformat()}，不在公开网站上"
            return None, f"没有编号为 {value} 的活动"
        asset = _asset_reference(value, self.assets)
        if asset is None:
            return None, f"找不到文件 content/assets/{value}；请把文件放进 content/assets/ 或改正路径"
        picture = self.pictures.get(asset)
        return (picture.large.path if picture else f"assets/{asset}"), ""


Uses = tuple[dict[str, Problem], dict[str, Problem], list[Problem]]  # images, other files (first use), problems


def cover_uses(stories: Iterable[Story]) -> dict[str, Problem]:
    """The covers of the published stories, each with its first use."""
    images: dict[str, Problem] = {}
    for story in stories:
        if story.cover:
            images.setdefault(story.cover, Problem(story.source.path, story.source.line, "cover", ""))
    return images


def photo_uses(activities: Iterable[Activity], shown: Container[str]) -> dict[str, Problem]:
    """The photos of the shown activities (`activities`: the full records, for their source lines)."""
    images: dict[str, Problem] = {}
    for activity in activities:
        if activity.photos and activity.id in shown:
            for index, photo in enumerate(activity.photos, start=1):
                images.setdefault(photo, Problem(activity.source.path, activity.source.line, f"photos 第{index}项", ""))
    return images


def body_uses(bodies: Iterable[Body], assets: frozenset[str]) -> Uses:
    """The images and files the published story bodies link to; problems with those links."""
    images: dict[str, Problem] = {}
    files: dict[str, Problem] = {}
    problems: list[Problem] = []
    for body in bodies:
        for link in body.links:
            ref = None if is_external(link.target) else reference(link.target, _story_path(body.story))
            if ref is None or ref[0] != "asset":
                continue
            asset = _asset_reference(ref[1], assets)
            if asset is None:
                continue  # reported when the link is resolved
            if link.image and not is_image(asset):
                problems.append(problem(body.story, link, f"content/assets/{asset} 不是图片；文件请用链接 [说明](asset:{asset})"))
                continue
            where = Problem(body.story.source.path, link.line, f"{'图片' if link.image else '链接'} {link.target}", "")
            (images if is_image(asset) else files).setdefault(asset, where)
    return images, files, problems


def summary_uses(summaries: Iterable[Summary], assets: frozenset[str]) -> Uses:
    """The images and files the shown activities' summaries refer to; problems with those references."""
    images: dict[str, Problem] = {}
    files: dict[str, Problem] = {}
    problems: list[Problem] = []
    for summary in summaries:
        for link in summary.links:
            ref = None if is_external(link.target) else named_reference(link.target)
            asset = _asset_reference(ref[1], assets) if ref is not None and ref[0] == "asset" else None
            if asset is None:
                continue  # reported when the link is resolved
            if link.image and not is_image(asset):
                problems.append(summary_problem(summary.activity, link,
                                                f"content/assets/{asset} 不是图片；文件请用链接 [说明](asset:{asset})"))
                continue
            where = Problem(summary.activity.source.path, link.line,
                            f"summary: {'图片' if link.image else '链接'} {link.target}", "")
            (images if is_image(asset) else files).setdefault(asset, where)
    return images, files, problems


def merged_uses(covers: Mapping[str, Problem], photos: Mapping[str, Problem], bodies: Uses, summaries: Uses) -> Uses:
    """The uses of every kind as one, the first use of each asset kept (covers, photos, body links, summaries)."""
    images: dict[str, Problem] = {}
    files: dict[str, Problem] = {}
    for found in (covers, photos, bodies[0], summaries[0]):
        for asset, where in found.items():
            images.setdefault(asset, where)
    for found in (bodies[1], summaries[1]):
        for asset, where in found.items():
            files.setdefault(asset, where)
    return images, files, bodies[2] + summaries[2]


def resolve_body(body: Body, resolver: Resolver,
             problems: list[Problem]) -> tuple[Story, str, list[tuple[Link, str]]]:
    """Rewrite references in a story body, text and HTML; return both with the page links left to check after planning."""
    urls: dict[str, str] = {}
    pages: list[tuple[Link, str]] = []
    page = f"stories/{body.story.slug}/"
    for link in body.links:
        if is_external(link.target):
            continue
        ref = reference(link.target, _story_path(body.story))
        if ref is None:
            if link.target.startswith("/"):
                problems.append(problem(body.story, link, f"以“/”开头的链接在本地打开或网站放在子目录时会失效；{HINT}"))
                continue
            target = page_target(link.target, page)
            if target is None:
                problems.append(problem(body.story, link, f"链接指到了网站以外；{HINT}"))
            else:
                pages.append((link, target))
            continue
        kind, value = ref
        if kind not in KINDS:
            continue
        path, why = resolver.url(kind, value)
        if path is None:
            problems.append(problem(body.story, link, why))
            continue
        fragment = link.target.split("#", 1)[1] if "#" in link.target and "#" not in path else ""
        # Quoted: a file name with spaces or brackets must not end the Markdown link or make the href invalid.
        urls[link.target] = quote(STORY_DEPTH + path + (f"#{fragment}" if fragment else ""), safe="/#")
    if not urls:  # the same object: what is made of it stays the same too
        return body.story, body.converted.html, pages
    return (replace(body.story, body=rewrite(body.story.body, body.links, urls)), rewrite_html(body.converted, urls),
            pages)


def resolve_summary(summary: Summary, activity: PublicActivity, resolver: Resolver,
                     problems: list[Problem]) -> tuple[PublicActivity, str]:
    """Rewrite the references of a shown activity's summary; anything but a reference or an external link is an error.

    A summary shows on the home page, the timeline, its month's page and unit pages, at different
    depths: a relative URL cannot be right on all of them, so references are the one way to link
    inside the site, and they become URLs from the site root (SITE_ROOT, replaced page by page).
    """
    urls: dict[str, str] = {}
    for link in summary.links:
        if is_external(link.target):
            continue
        ref = named_reference(link.target)
        if ref is None:
            why = ("以“/”开头的链接在本地打开或网站放在子目录时会失效" if link.target.startswith("/") else
                   "活动简介会出现在首页、活动时间线、月份页和单位页，相对网址在这些页面上指向的地方不同")
            problems.append(summary_problem(summary.activity, link, f"{why}；{HINT}"))
            continue
        path, why = resolver.url(*ref)
        if path is None:
            problems.append(summary_problem(summary.activity, link, why))
            continue
        fragment = link.target.split("#", 1)[1] if "#" in link.target and "#" not in path else ""
        urls[link.target] = SITE_ROOT + quote(path + (f"#{fragment}" if fragment else ""), safe="/#")
    if not urls or activity.summary is None:
        return activity, summary.converted.html
    return (replace(activity, summary=rewrite(activity.summary, summary.links, urls)),
            rewrite_html(summary.converted, urls))


def make_site_images(logo_image: SiteImage | None, favicon_image: SiteImage | None, content_dir: Path) -> SiteImages:
    """Check the logo and favicon of site.yaml and make their clean copies (through the pictures' pipeline)."""
    named = [(key, image) for key, image in (("logo", logo_image), ("favicon", favicon_image)) if image]
    pictures: dict[str, Picture] = {}
    problems: list[Problem] = []
    for key, image in named:
        try:
            where = Problem(image.source.path, image.source.line, key, "")
            pictures[key] = inspect_images({image.asset: where}, content_dir)[image.asset]
        except ContentError as error:
            problems += error.problems
    if problems:
        raise ContentError(problems)
    files: dict[str, bytes] = {}
    logo = favicon = url = None
    if "logo" in pictures:
        picture = pictures["logo"]
        copy = fitted(picture, 2 * LOGO_WIDTH, 2 * LOGO_HEIGHT)
        files.update(render_images([picture], content_dir, {picture.asset: (copy,)}))
        scale = min(1.0, LOGO_WIDTH / max(1, picture.width), LOGO_HEIGHT / max(1, picture.height))  # an SVG may say 0
        logo = Shown(copy.path, max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    if "favicon" in pictures:
        picture = pictures["favicon"]
        copy = fitted(picture, ICON_SIZE, ICON_SIZE)
        data = render_images([picture], content_dir, {picture.asset: (copy,)})[copy.path]
        files[copy.path] = data
        favicon = copy.path
        url = f"data:{_MEDIA_TYPES[copy.path.rsplit('.', 1)[1]]};base64,{base64.b64encode(data).decode('ascii')}"
    return SiteImages(logo, favicon, files, url)


def story_assets(story: Story, converted: Converted) -> frozenset[str]:
    """The assets a story (draft or not) refers to: its cover and its body's asset links."""
    found = {story.cover} if story.cover else set()
    for link in converted.links:
        ref = None if is_external(link.target) else reference(link.target, _story_path(story))
        if ref is not None and ref[0] == "asset":
            found.add(posixpath.normpath(ref[1]))
    return frozenset(found)


def summary_assets(converted: Converted) -> frozenset[str]:
    """The assets an activity's summary refers to (`asset:` references), from its conversion."""
    refs = (named_reference(link.target) for link in converted.links)
    return frozenset(posixpath.normpath(ref[1]) for ref in refs if ref is not None and ref[0] == "asset")


def unused_notes(assets: frozenset[str], referred: set[str], folder: str) -> tuple[Problem, ...]:
    """A note for each asset nothing refers to (`referred`: every story, draft or not, activity of any date, site.yaml)."""
    return tuple(Problem(f"{folder}/assets/{rel}", 0, "", "没有故事或活动用到这个文件，不会发布")
                 for rel in sorted(assets - referred))


def _story_share_text(sv: StoryView, settings: Any) -> tuple[tuple[str, ...], str]:
    """The lines under a story's title on its share image (unit · branches, date) and the footer."""
    who = "、".join(b.name for b in sv.branches)
    line = " · ".join(x for x in (sv.unit.name if sv.unit else "", who) if x)
    footer = " · ".join(x for x in (settings.campaign_name, settings.organization or settings.title) if x)
    return tuple(x for x in (line, date_zh(sv.story.date)) if x), footer


ShareShown = tuple[str, tuple[str, ...], str, tuple[bytes, ...], Picture | None, Path, str]  # share_image's arguments
SPREAD_FROM = 50  # images to draw at once from which they are shared with forked children (a cold build)


def _share_shown(sv: StoryView, share: ShareView, settings: Any, content_dir: Path, font: str) -> ShareShown:
    """What a story page's share image shows: title, unit and branches, date, footer, URL, cover."""
    lines, footer = _story_share_text(sv, settings)
    cover = sv.cover.picture if sv.cover is not None else None
    return (sv.story.title, lines, footer, share.qr_modules, cover, content_dir, font)


class _ShareImages:
    """The share images of one plan, asked of the engine; the first asked draws all that are new.

    Many new ones (a cold build) are drawn ahead by this process and forked children together, one
    share each (side_process.spread); a few (an edit in the preview) are drawn here, one by one, when asked.
    """

    def __init__(self, engine: Engine, shown: Mapping[str, ShareShown]) -> None:
        self.engine = engine
        self.shown = dict(shown)
        self.ready = False

    def image(self, path: str) -> bytes:
        """Return the share image at `path`."""
        if not self.ready:
            self.ready = True
            self._draw_new()
        return pipeline.share_image(self.engine, *self.shown[path])

    def _draw_new(self) -> None:
        new = [shown for shown in self.shown.values() if not self.engine.remembers(pipeline.share_image, *shown)]
        if len(new) < SPREAD_FROM or side_process.workers() < 2 or not side_process.can_fork():
            return  # drawn here when asked
        # The covers' copies are the pictures' published files too: made here once, through the engine.
        items = [(title, lines, footer, modules,
                  pipeline.renditions(self.engine, cover, folder)[cover.large.path] if cover is not None else None)
                 for title, lines, footer, modules, cover, folder, _ in new]
        drawn = side_process.spread(_draw, items)
        self.engine.services[pipeline.SHARE_DRAWN] = dict(zip(new, drawn, strict=True))


def _draw(item: tuple[str, tuple[str, ...], str, tuple[bytes, ...], bytes | None]) -> bytes:
    return share_png(*item)


def with_share_images(plan: Plan, content_dir: Path, engine: Engine | None = None) -> Plan:
    """Add the share images (PNG): the site's (for every page but stories) and each story page's.

    They are made when written, not when planned (`check` draws none), each by the engine's `share_image`
    from what it shows, so an unchanged image is not drawn again while the engine remembers it.
    """
    engine = engine or Engine()
    settings = plan.pages[0].context["site"]
    font = str(cjk_font())  # another font draws other pixels
    shown: dict[str, ShareShown] = {
        SITE_SHARE_IMAGE: (settings.title, (settings.campaign_name,), settings.organization or settings.title,
                           qr_matrix(page_url(settings.base_url, "")), None, content_dir, font)}
    for page in plan.pages:
        if page.template == "story.html":
            shown[page.context["share"].image] = _share_shown(page.context["view"], page.context["share"], settings,
                                                              content_dir, font)
    images = _ShareImages(engine, shown)
    made = Plan(plan.pages, joined(plan.files, Deferred({path: functools.partial(images.image, path) for path in shown})))
    check_unique_paths(made.pages, made.files)
    return made


def with_favicon(plan: Plan, favicon_url: str | None) -> Plan:
    """Give every internal page the favicon as a data: URL (the pages are opened from disk and sent one by one)."""
    if favicon_url is None:
        return plan
    return Plan(tuple(Page(p.path, p.template, {**p.context, "favicon": favicon_url}) for p in plan.pages), plan.files)


def asset_files(published: Published, content_dir: Path,
                renditions: Callable[[Picture], Mapping[str, bytes]] | None = None) -> dict[str, bytes | Path]:
    """The asset outputs of the public side (paths under public/): clean image copies, then files as they are.

    `renditions` makes one picture's copies (the build asks the engine, so an unchanged picture's are made once).
    """
    make = renditions or (lambda picture: render_images([picture], content_dir))
    out: dict[str, bytes | Path] = {}
    for picture in published.pictures.values():
        out.update(make(picture))
    for rel in published.files:
        out[f"assets/{rel}"] = content_dir / "assets" / rel
    if published.site_images is not None:
        out.update(published.site_images.files)
    return out
