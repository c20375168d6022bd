"""Plan the 公众号 pages of the internal side from the public story pages only.

Each published story gets `wechat/<slug>.html` (the post with inline styles and a
"复制到公众号" button) and its images beside it as `wechat/<slug>/01.jpg, 02.jpg …`
(the cover first, then the body's images in order): the public site's copies, already
re-encoded without metadata, ready to upload. `wechat/index.html` lists the posts.
Everything a post shows comes from the public story page's context, so nothing
internal can reach it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from generator import pipeline
from generator.content.images import Picture, render_images
from generator.engine import Engine, query
from generator.public.plan import public_plan
from generator.public.public_pages import ShareView, StoryView
from generator.render.links import STORY_DEPTH
from generator.render.pages import Deferred, Page, Plan, joined
from generator.render.render import date_zh
from generator.render.wechat import WechatImage, WechatPost

FOLDER = "wechat/"
_ASSET_URL = re.compile(re.escape(STORY_DEPTH) + r"[^\s\"'<>()]+")


Renditions = Callable[[Picture], Mapping[str, bytes]]


def _copy(picture: Picture, renditions: Renditions) -> Callable[[], bytes]:
    """Return a maker of the picture's large public copy (the public side's copy: encoded once per picture)."""
    return lambda: renditions(picture)[picture.large.path]


def _images(sv: StoryView, base_url: str, by_url: Mapping[str, Picture]) -> list[tuple[WechatImage, Picture]]:
    """The cover, then each image the body shows (in order, each once), named 01, 02 … beside the post."""
    found: list[tuple[Picture, str]] = []
    if sv.cover is not None:
        found.append((sv.cover.picture, sv.cover.alt))
    for match in _ASSET_URL.finditer(sv.story.body):
        picture = by_url.get(match.group(0))
        if picture is not None and all(picture is not p for p, _ in found):
            found.append((picture, ""))
    out = []
    for number, (picture, alt) in enumerate(found, start=1):
        extension = picture.large.path.rsplit(".", 1)[1]
        source = quote(STORY_DEPTH + picture.large.path, safe="/#")
        local = f"{sv.story.slug}/{number:02d}.{extension}"
        out.append((WechatImage(source, local, base_url + quote(picture.large.path, safe="/#"), alt), picture))
    return out


def wechat_post(sv: StoryView, share: ShareView, settings_footer: tuple[str, ...], images: tuple[WechatImage, ...],
                cover: WechatImage | None) -> WechatPost:
    """Return what the post shows besides its body, from the public story view."""
    s = sv.story
    meta = tuple(x for x in (date_zh(s.date), s.author, sv.unit.name if sv.unit else None) if x)
    return WechatPost(s.title, meta, s.summary, cover, tuple(b.name for b in sv.branches), settings_footer,
                      share.url, images)


def plan_wechat(public: Plan, pictures: Mapping[str, Picture], content_dir: Path,
                renditions: Renditions | None = None) -> Plan:
    """Plan the 公众号 pages and image copies (paths under internal/) from the public story pages.

    `renditions` makes one picture's copies (the build asks the engine, which has them from the public side).
    """
    make = renditions or (lambda picture: render_images([picture], content_dir))
    pages: list[Page] = []
    makers: dict[str, Callable[[], bytes]] = {}
    listed: list[tuple[StoryView, str, int]] = []
    by_url = {quote(STORY_DEPTH + p.large.path, safe="/#"): p for p in pictures.values()}
    base: dict[str, object] = {"site": public.pages[0].context["site"], "as_of": public.pages[0].context["as_of"]}
    for page in public.pages:
        if page.template != "story.html":
            continue
        sv, share, settings = page.context["view"], page.context["share"], page.context["site"]
        found = _images(sv, settings.base_url, by_url)
        images = tuple(image for image, _ in found)
        cover = images[0] if sv.cover is not None and images else None
        footer = (" · ".join(x for x in (settings.campaign_name, settings.organization) if x),)
        post = wechat_post(sv, share, footer, images, cover)
        path = f"{FOLDER}{sv.story.slug}.html"
        pages.append(Page(path, "wechat.html", {**base, "post": post, "body": sv.story.body}))
        for image, picture in found:
            makers[f"{FOLDER}{image.local}"] = _copy(picture, make)
        listed.append((sv, path, len(images)))
    pages.append(Page(f"{FOLDER}index.html", "wechat_index.html", {**base, "posts": tuple(listed)}))
    return Plan(tuple(pages), Deferred(makers))


@query
def wechat_plan(engine: Engine, drafts: bool, content_dir: Path) -> Plan:
    """The 公众号 pages and image copies, planned again only when the public plan changed."""
    published = public_plan(engine, drafts, content_dir)
    return plan_wechat(published.plan, published.pictures, content_dir,
                       lambda picture: pipeline.renditions(engine, picture, content_dir))


def with_wechat(internal: Plan, wechat: Plan) -> Plan:
    """Add the 公众号 pages and their images to the internal plan."""
    return replace(internal, pages=internal.pages + wechat.pages, files=joined(internal.files, wechat.files))
