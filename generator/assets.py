"""Decide which files of content/assets/ each side publishes, and plan the public side with them.

The public site gets a file only when a published page uses it: the cover of a
published story, a photo of an activity dated on or before `as_of`, or an image
or file a published story body links to. Images are published as re-encoded
copies only (images.py); other files (PDF, DOCX…) are copied as they are. No
internal page shows an asset, so the internal side gets none. Files nothing
refers to are listed as notes by `check` and never published.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

from generator.errors import ContentError, Problem
from generator.images import Picture, inspect_images, is_image, render_images
from generator.links import (
    HINT,
    KINDS,
    STORY_DEPTH,
    Link,
    body_line,
    find_links,
    is_external,
    page_exists,
    page_target,
    problem,
    reference,
    rewrite,
)
from generator.markup import MarkdownRenderer
from generator.memo import IdentityMemo
from generator.model import Site, Story
from generator.pages import Plan
from generator.progress import Progress
from generator.public import PublicSite, public_view
from generator.public_pages import plan_public


@dataclass(frozen=True)
class Published:
    """The public plan and the assets it uses; notes about files nothing uses."""

    plan: Plan
    pictures: Mapping[str, Picture]  # images, published as re-encoded copies (SVG cleaned of metadata)
    files: tuple[str, ...]  # other files, copied as they are to assets/
    notes: tuple[Problem, ...]


@dataclass(frozen=True)
class _Body:
    """A published story's links, found once."""

    story: Story
    links: tuple[Link, ...]


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


def _uses(site: Site, view: PublicSite, bodies: list[_Body]) -> tuple[dict[str, Problem], dict[str, Problem],
                                                                        list[Problem]]:
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
    return images, files, problems


def _resolve(body: _Body, resolver: _Resolver, problems: list[Problem]) -> tuple[Story, list[tuple[Link, str]]]:
    """Rewrite references in a story body; return it with the page links left to check after planning."""
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
        return body.story, pages
    return replace(body.story, body=rewrite(body.story.body, body.links, urls)), pages


def _referred(story: Story, render: Callable[[str], str]) -> frozenset[str]:
    """The assets a story (draft or not) refers to: its cover and its body's asset links."""
    found = {story.cover} if story.cover else set()
    for link in find_links(story.body, 1, render):
        ref = None if is_external(link.target) else reference(link.target, _story_path(story))
        if ref is not None and ref[0] == "asset":
            found.add(posixpath.normpath(ref[1]))
    return frozenset(found)


def _notes(site: Site, used: set[str], content_dir: Path, render: Callable[[str], str],
           memo: IdentityMemo) -> tuple[Problem, ...]:
    """A note for each asset no story (draft or not) and no activity (of any date) refers to."""
    referred = set(used)
    for story in site.stories:
        referred |= memo.get(("referred", story), lambda s=story: _referred(s, render))
    for activity in site.activities:
        referred.update(activity.photos)
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
            memo: IdentityMemo | None = None) -> Published:
    """Plan the public side with the assets its pages use; check every link of the published story bodies.

    With `memo` (a Project's), what depends on one story or one image only is worked out once
    while that story or image is unchanged: its links, the assets it refers to, the image's size.
    """
    memo = memo or IdentityMemo()
    view = public_view(site, progress, drafts, memo)
    render = MarkdownRenderer(site.settings.allow_raw_html, frozenset(KINDS)).block
    bodies = [memo.get(("body", s), lambda s=s: _Body(s, tuple(find_links(s.body, body_line(s, content_dir), render))))
              for s in view.stories]
    images, files, problems = _uses(site, view, bodies)
    try:
        pictures = _inspect(images, content_dir, memo)
    except ContentError as error:
        problems += error.problems
        pictures = {}
    resolver = _Resolver(site, view, pictures)
    stories: list[Story] = []
    page_links: list[tuple[Story, Link, str]] = []
    for body in bodies:
        story, pages = _resolve(body, resolver, problems)
        stories.append(memo.canonical(f"story {story.slug}", story) if story is not body.story else story)
        page_links += [(body.story, link, target) for link, target in pages]
    plan = plan_public(replace(view, stories=tuple(stories)), pictures, memo)
    outputs = {p.path for p in plan.pages} | set(plan.files) | {f"assets/{rel}" for rel in files}
    outputs |= {r.path for p in pictures.values() for r in (p.small, p.large)}
    for story, link, target in page_links:
        if not page_exists(target, outputs):
            what = "文件" if link.image else "页面"
            problems.append(problem(story, link, f"网站上没有这个{what}（从故事页 stories/{story.slug}/ 算起是 "
                                                 f"{target or '首页'}）；{HINT}"))
    if problems:
        raise ContentError(problems)
    return Published(plan, pictures, tuple(sorted(files)), _notes(site, set(images) | set(files), content_dir, render, memo))


def asset_files(published: Published, content_dir: Path, memo: IdentityMemo | None = None) -> dict[str, bytes | Path]:
    """The asset outputs of the public side (paths under public/): clean image copies, then files as they are."""
    memo = memo or IdentityMemo()
    out: dict[str, bytes | Path] = {}
    for picture in published.pictures.values():
        # A picture's renditions are named by its content's hash: the same picture, the same copies.
        out.update(memo.get(("renditions", picture), lambda p=picture: render_images([p], content_dir)))
    for rel in published.files:
        out[f"assets/{rel}"] = content_dir / "assets" / rel
    return out
