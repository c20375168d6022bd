"""Decide which files of content/assets/ each side publishes, and plan the public side with them.

The public site gets a file only when a published page uses it: the cover of a
published story, a photo of an activity dated on or before `as_of`, an image or
file a published story body or a shown activity's summary links to, or the logo
and favicon named in site.yaml. Images are published as re-encoded copies only
(images.py); other files (PDF, DOCX…) are copied as they are. The internal side
gets no asset but the 公众号 copies (internal/wechat_pages.py: the same public
copies, to upload), and the favicon is written into each of its pages as a data:
URL. Files nothing refers to are listed as notes by `check` and never published.
Each page's share image (share.py) is planned here too, made when it is written.
"""

from __future__ import annotations

import base64
import functools
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from generator import pipeline, side_process
from generator.content.images import Picture, fitted, inspect_images, is_image, render_images
from generator.engine import Engine
from generator.errors import ContentError, Problem
from generator.memo import IdentityMemo
from generator.model.model import Activity, Settings, Site, Story
from generator.model.progress import Progress
from generator.public.public import PublicActivity, PublicSite, Shown, public_view
from generator.public.public_pages import SITE_SHARE_IMAGE, ShareView, StoryView, plan_public
from generator.public.share import NO_FONT, cjk_font, page_url, share_png
from generator.render.links import (
    HINT,
    KINDS,
    SITE_ROOT,
    STORY_DEPTH,
    Converted,
    Link,
    at_line,
    body_line,
    convert,
    is_external,
    may_link,
    named_reference,
    page_exists,
    page_target,
    problem,
    reference,
    rewrite,
    rewrite_html,
    summary_line,
    summary_problem,
)
from generator.render.markup import MarkdownRenderer
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
class _Summary:
    """A shown activity's summary links, found once."""

    activity: Activity
    links: tuple[Link, ...]
    converted: Converted


@dataclass(frozen=True)
class _Body:
    """A published story's links, found once."""

    story: Story
    links: tuple[Link, ...]
    converted: Converted


def _asset_reference(value: str, site: Site) -> str | None:
    """Return the asset path a body link names, or None when it leaves assets/ or names nothing."""
    path = posixpath.normpath(value) if value else ""
    return path if path in site.assets else None


def _story_path(story: Story) -> str:
    return f"stories/{story.slug}.md"


class _Resolver:
    """Turn body references into URLs from a story page, saying why one cannot be."""

    def __init__(self, site: Site, view: PublicSite, pictures: Mapping[str, Picture]) -> None:
        self.site = site
        self.stories = {s.slug for s in view.stories}
        self.all_stories = {s.slug for s in site.stories}
        self.units = {u.id for u in view.units}
        self.branches = {b.id: b.unit for b in view.branches}
        self.activities = {a.id: a.date for a in view.activities}
        self.future = {a.id for a in site.activities} - set(self.activities)
        self.pictures = pictures

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
                return None, f"活动 {value} 晚于截至日期 {self.site.as_of.isoformat()}，不在公开网站上"
            return None, f"没有编号为 {value} 的活动"
        asset = _asset_reference(value, self.site)
        if asset is None:
            return None, f"找不到文件 content/assets/{value}；请把文件放进 content/assets/ 或改正路径"
        picture = self.pictures.get(asset)
        return (picture.large.path if picture else f"assets/{asset}"), ""


def _uses(site: Site, view: PublicSite, bodies: list[_Body],
          summaries: list[_Summary]) -> tuple[dict[str, Problem], dict[str, Problem], list[Problem]]:
    """Images and other files the public pages use, each with its first use; problems with body links."""
    images: dict[str, Problem] = {}
    files: dict[str, Problem] = {}
    problems: list[Problem] = []
    for story in view.stories:
        if story.cover:
            images.setdefault(story.cover, Problem(story.source.path, story.source.line, "cover", ""))
    shown = {a.id for a in view.activities}
    for activity in site.activities:  # the full records, for their source lines
        if activity.id in shown:
            for index, photo in enumerate(activity.photos, start=1):
                images.setdefault(photo, Problem(activity.source.path, activity.source.line, f"photos 第{index}项", ""))
    for body in bodies:
        for link in body.links:
            ref = None if is_external(link.target) else reference(link.target, _story_path(body.story))
            if ref is None or ref[0] != "asset":
                continue
            asset = _asset_reference(ref[1], site)
            if asset is None:
                continue  # reported when the link is resolved
            if link.image and not is_image(asset):
                problems.append(problem(body.story, link, f"content/assets/{asset} 不是图片；文件请用链接 [说明](asset:{asset})"))
                continue
            where = Problem(body.story.source.path, link.line, f"{'图片' if link.image else '链接'} {link.target}", "")
            (images if is_image(asset) else files).setdefault(asset, where)
    for summary in summaries:
        for link in summary.links:
            ref = None if is_external(link.target) else named_reference(link.target)
            asset = _asset_reference(ref[1], site) if ref is not None and ref[0] == "asset" else None
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


def _resolve(body: _Body, resolver: _Resolver,
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
    if not urls:  # the same object: memos keyed on identity (the new core's) keep working
        return body.story, body.converted.html, pages
    return (replace(body.story, body=rewrite(body.story.body, body.links, urls)), rewrite_html(body.converted, urls),
            pages)


def _resolve_summary(summary: _Summary, activity: PublicActivity, resolver: _Resolver,
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


def _site_images(settings: Settings, content_dir: Path) -> SiteImages:
    """Check the logo and favicon of site.yaml and make their clean copies (through the pictures' pipeline)."""
    named = [(key, image) for key, image in (("logo", settings.logo), ("favicon", settings.favicon)) if image]
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


def _referred(story: Story, converted: Converted) -> frozenset[str]:
    """The assets a story (draft or not) refers to: its cover and its body's asset links."""
    found = {story.cover} if story.cover else set()
    for link in converted.links:
        ref = None if is_external(link.target) else reference(link.target, _story_path(story))
        if ref is not None and ref[0] == "asset":
            found.add(posixpath.normpath(ref[1]))
    return frozenset(found)


def _summary_assets(activity: Activity, converted: Callable[[Activity], Converted]) -> frozenset[str]:
    """The assets an activity's summary refers to (`asset:` references)."""
    if not activity.summary or not may_link(activity.summary):
        return frozenset()
    refs = (named_reference(link.target) for link in converted(activity).links)
    return frozenset(posixpath.normpath(ref[1]) for ref in refs if ref is not None and ref[0] == "asset")


def _notes(site: Site, used: set[str], content_dir: Path, body: Callable[[Story], Converted],
           memo: IdentityMemo, summary: Callable[[Activity], Converted]) -> tuple[Problem, ...]:
    """A note for each asset nothing refers to: no story (draft or not), activity (of any date) or site.yaml."""
    referred = set(used)
    for story in site.stories:
        referred |= memo.get(("referred", story), lambda s=story: _referred(s, body(s)),
                             (site.settings.allow_raw_html,))
    for activity in site.activities:
        referred.update(activity.photos)
        referred |= memo.get(("summary assets", activity), lambda a=activity: _summary_assets(a, summary),
                             (site.settings.allow_raw_html,))
    referred.update(image.asset for image in (site.settings.logo, site.settings.favicon) if image)
    folder = content_dir.name
    return tuple(Problem(f"{folder}/assets/{rel}", 0, "", "没有故事或活动用到这个文件，不会发布")
                 for rel in sorted(site.assets - referred))


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _inspect(images: Mapping[str, Problem], content_dir: Path, memo: IdentityMemo) -> dict[str, Picture]:
    """Open the images (each only once while its file and first use are unchanged); report unreadable ones."""
    pictures: dict[str, Picture] = {}
    problems: list[Problem] = []
    for asset, where in sorted(images.items()):
        version = memo.canonical(f"image {asset}", (where, _stamp(content_dir / "assets" / asset)))
        try:
            pictures[asset] = memo.get(("image", version), lambda a=asset, w=where: inspect_images({a: w}, content_dir)[a])
        except ContentError as error:
            problems += error.problems
    if problems:
        raise ContentError(problems)
    return pictures


def publish(site: Site, progress: Progress, content_dir: Path, drafts: bool = False,
            memo: IdentityMemo | None = None, engine: Engine | None = None) -> Published:
    """Plan the public side with the assets its pages use; check every link of the published story bodies.

    With `memo` (a Project's), what depends on one story or one image only is worked out once
    while that story or image is unchanged: its links, the assets it refers to, the image's size.
    With `engine` (a Project's), the share images are its queries (drawn once while what they show is unchanged).
    """
    memo = memo or IdentityMemo()
    view = public_view(site, progress, drafts, memo)
    renderer = MarkdownRenderer(site.settings.allow_raw_html, frozenset(KINDS))
    exact = not site.settings.allow_raw_html  # the sanitiser's HTML is well-formed

    # Each body and summary is converted once per version: by text within a build (the public view's
    # story is another object than the site's), by identity across builds.
    texts: dict[tuple[str, str], Converted] = {}

    def once(mode: str, text: str) -> Converted:
        made = texts.get((mode, text))
        if made is None:
            made = texts[mode, text] = convert(text, renderer.block if mode == "block" else renderer.inline, exact)
        return made

    def body(story: Story) -> Converted:
        made: Converted = memo.get(("converted", story), lambda: once("block", story.body), (exact,))
        return made

    def summary(activity: Activity) -> Converted:
        made: Converted = memo.get(("converted summary", activity), lambda: once("inline", activity.summary or ""),
                                   (exact,))
        return made

    bodies = [memo.get(("body", s), lambda s=s: _Body(s, at_line(body(s).links, body_line(s, content_dir)), body(s)),
                       (exact,)) for s in view.stories]
    shown = {a.id for a in view.activities}
    summaries = {a.id: memo.get(("summary", a), lambda a=a: _Summary(a, at_line(summary(a).links, summary_line(a)),
                                                                     summary(a)), (exact,))
                 for a in site.activities if a.id in shown and a.summary and may_link(a.summary)}
    images, files, problems = _uses(site, view, bodies, list(summaries.values()))
    try:
        pictures = _inspect(images, content_dir, memo)
    except ContentError as error:
        problems += error.problems
        pictures = {}
    resolver = _Resolver(site, view, pictures)
    stories: list[Story] = []
    page_links: list[tuple[Story, Link, str]] = []
    html: dict[str, str] = {}
    for found in bodies:
        story, markup, pages = _resolve(found, resolver, problems)
        stories.append(memo.canonical(f"story {story.slug}", story) if story is not found.story else story)
        html[story.body] = markup  # one text, one HTML: every story page sits at the same depth
        page_links += [(found.story, link, target) for link, target in pages]
    inline_html: dict[str, str] = {}
    activities: list[PublicActivity] = []
    for shown_activity in view.activities:
        if shown_activity.id not in summaries:
            activities.append(shown_activity)
            continue
        resolved, markup = _resolve_summary(summaries[shown_activity.id], shown_activity, resolver, problems)
        activities.append(memo.canonical(f"activity {resolved.id}", resolved))
        if resolved.summary is not None:
            inline_html[resolved.summary] = markup
    site_images = None
    if site.settings.logo or site.settings.favicon:
        try:
            site_images = _site_images_of(site.settings, content_dir, memo)
        except ContentError as error:
            problems += error.problems
    settings = view.settings
    if site_images is not None:
        settings = memo.canonical("public settings", replace(settings, logo=site_images.logo,
                                                              favicon=site_images.favicon))
    plan = plan_public(replace(view, settings=settings, stories=tuple(stories), activities=tuple(activities)),
                       pictures, memo, html)
    plan = with_share_images(plan, content_dir, engine)
    outputs = {p.path for p in plan.pages} | set(plan.files) | {f"assets/{rel}" for rel in files}
    outputs |= {r.path for p in pictures.values() for r in (p.small, p.large)}
    for story, link, target in page_links:
        if not page_exists(target, outputs):
            what = "文件" if link.image else "页面"
            problems.append(problem(story, link, f"网站上没有这个{what}（从故事页 stories/{story.slug}/ 算起是 "
                                                 f"{target or '首页'}）；{HINT}"))
    if problems:
        raise ContentError(problems)
    notes = _notes(site, set(images) | set(files), content_dir, body, memo, summary)
    if cjk_font() is None:
        notes += (Problem(f"public/{SITE_SHARE_IMAGE}", 0, "", NO_FONT),)
    return Published(plan, pictures, tuple(sorted(files)), notes, site_images, html, inline_html)


def _story_share_text(sv: StoryView, settings: Any) -> tuple[tuple[str, ...], str]:
    """The lines under a story's title on its share image (unit · branches, date) and the footer."""
    who = "、".join(b.name for b in sv.branches)
    line = " · ".join(x for x in (sv.unit.name if sv.unit else "", who) if x)
    footer = " · ".join(x for x in (settings.campaign_name, settings.organization or settings.title) if x)
    return tuple(x for x in (line, date_zh(sv.story.date)) if x), footer


ShareShown = tuple[str, tuple[str, ...], str, str, Picture | None, Path, str]  # share_image's arguments
SPREAD_FROM = 50  # images to draw at once from which they are shared with forked children (a cold build)


def _share_shown(sv: StoryView, share: ShareView, settings: Any, content_dir: Path, font: str) -> ShareShown:
    """What a story page's share image shows: title, unit and branches, date, footer, URL, cover."""
    lines, footer = _story_share_text(sv, settings)
    cover = sv.cover.picture if sv.cover is not None else None
    return (sv.story.title, lines, footer, share.url, cover, content_dir, font)


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
        items = [(title, lines, footer, url,
                  pipeline.renditions(self.engine, cover, folder)[cover.large.path] if cover is not None else None)
                 for title, lines, footer, url, cover, folder, _ in new]
        drawn = side_process.spread(_draw, items)
        self.engine.services[pipeline.SHARE_DRAWN] = dict(zip(new, drawn, strict=True))


def _draw(item: tuple[str, tuple[str, ...], str, str, bytes | None]) -> bytes:
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
                           page_url(settings.base_url, ""), None, content_dir, font)}
    for page in plan.pages:
        if page.template == "story.html":
            shown[page.context["share"].image] = _share_shown(page.context["view"], page.context["share"], settings,
                                                              content_dir, font)
    images = _ShareImages(engine, shown)
    made = Plan(plan.pages, joined(plan.files, Deferred({path: functools.partial(images.image, path) for path in shown})))
    check_unique_paths(made.pages, made.files)
    return made


def _site_images_of(settings: Settings, content_dir: Path, memo: IdentityMemo) -> SiteImages:
    """The logo and favicon, made again only when site.yaml names others or their files change."""
    named = (settings.logo, settings.favicon)
    stamps = tuple(_stamp(content_dir / "assets" / image.asset) if image else None for image in named)
    version = memo.canonical("site images", (named, stamps))
    made: SiteImages = memo.get(("site images", version), lambda: _site_images(settings, content_dir))
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
