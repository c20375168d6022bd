"""Turn a published story's HTML into a 公众号 post: one <section> with inline styles only.

The 公众号 editor keeps `style` attributes and drops <style>, classes and external CSS,
so every element gets its look written on it. The layout follows the Markdown-to-公众号
tools (mdnice, doocs/md): one <section> around the post, 16 px text with 1.75 line
height and a little letter spacing, headings marked by a left rule, images as blocks at
most 100% wide with a caption below, no position or float (the editor drops them).
The body is the story's already rendered, sanitised HTML; nothing is converted again.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

FONT = ('-apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei UI", '
        '"Microsoft YaHei", Arial, sans-serif')
ACCENT = "#b3261e"  # the public site's red
SECTION = (f"font-family: {FONT}; font-size: 16px; line-height: 1.75; letter-spacing: 0.5px; color: #333333; "
           "text-align: justify; overflow-wrap: break-word; margin: 0; padding: 0")
STYLES = {
    "h1": "font-size: 22px; font-weight: bold; line-height: 1.4; color: #1a1a1a; margin: 0 0 12px; letter-spacing: 1px",
    "h2": f"font-size: 18px; font-weight: bold; line-height: 1.5; color: #1a1a1a; margin: 32px 0 16px; "
          f"padding-left: 10px; border-left: 4px solid {ACCENT}",
    "h3": "font-size: 17px; font-weight: bold; line-height: 1.5; color: #1a1a1a; margin: 24px 0 12px",
    "h4": "font-size: 16px; font-weight: bold; line-height: 1.5; color: #1a1a1a; margin: 20px 0 10px",
    "h5": "font-size: 16px; font-weight: bold; line-height: 1.5; color: #333333; margin: 16px 0 8px",
    "h6": "font-size: 15px; font-weight: bold; line-height: 1.5; color: #555555; margin: 16px 0 8px",
    "p": "margin: 0 0 16px; line-height: 1.75",
    "ul": "margin: 0 0 16px; padding-left: 2em; list-style-type: disc",
    "ol": "margin: 0 0 16px; padding-left: 2em; list-style-type: decimal",
    "li": "margin: 4px 0; line-height: 1.75",
    "blockquote": "margin: 0 0 16px; padding: 10px 14px; border-left: 3px solid #dddddd; background-color: #f7f7f7; "
                  "color: #666666",
    "strong": "font-weight: bold; color: #1a1a1a",
    "b": "font-weight: bold; color: #1a1a1a",
    "em": "font-style: italic",
    "i": "font-style: italic",
    "a": "color: #576b95; text-decoration: none; border-bottom: 1px solid #576b95",
    "img": "display: block; max-width: 100%; height: auto; margin: 0 auto; border-radius: 4px",
    "figure": "margin: 20px 0; padding: 0; text-align: center",
    "figcaption": "margin-top: 8px; font-size: 14px; line-height: 1.5; color: #888888; text-align: center",
    "table": "border-collapse: collapse; width: 100%; margin: 0 0 16px; font-size: 14px; line-height: 1.5",
    "th": "border: 1px solid #dddddd; padding: 6px 8px; background-color: #f5f5f5; font-weight: bold; text-align: left",
    "td": "border: 1px solid #dddddd; padding: 6px 8px; text-align: left",
    "hr": "border: 0; border-top: 1px solid #e5e5e5; margin: 24px 0; height: 0",
    "code": "font-family: Menlo, Consolas, monospace; font-size: 90%; background-color: #f5f5f5; padding: 2px 4px; "
            "border-radius: 3px",
    "pre": "margin: 0 0 16px; padding: 12px; background-color: #f5f5f5; border-radius: 4px; overflow-x: auto; "
           "font-size: 14px; line-height: 1.5; white-space: pre-wrap",
    "del": "text-decoration: line-through; color: #888888",
    "mark": "background-color: #fff3a3",
    "sup": "font-size: 75%; line-height: 0; vertical-align: super",
    "sub": "font-size: 75%; line-height: 0; vertical-align: sub",
    "dl": "margin: 0 0 16px",
    "dt": "font-weight: bold; margin-top: 8px",
    "dd": "margin: 0 0 8px 2em",
}
META = "margin: 0 0 20px; font-size: 14px; line-height: 1.6; color: #888888; letter-spacing: 0"
LEAD = (f"margin: 0 0 20px; padding: 10px 14px; border-left: 3px solid {ACCENT}; background-color: #f7f7f7; "
        "font-size: 15px; color: #555555")
BRANCHES = "margin: 24px 0 8px; font-size: 14px; line-height: 1.6; color: #666666"
FOOTER = "margin: 0 0 4px; font-size: 13px; line-height: 1.6; color: #999999; text-align: center; letter-spacing: 0"
KEPT = {"img": {"src", "alt"}, "a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"},
        "ol": {"start"}}
SUMMARY = "margin: 0 0 8px; font-weight: bold"
RENAMED = {"details": "section", "summary": "p"}  # the editor has no disclosure widgets: show the text


@dataclass(frozen=True)
class WechatImage:
    """One image of a post: how the story HTML names it, its copy beside the post, its public URL."""

    source: str  # src in the public story page (relative to it)
    local: str  # path of the copy, relative to the post's page
    public_url: str  # the published copy on the public site (the editor fetches it when the site is online)
    alt: str


@dataclass(frozen=True)
class WechatPost:
    """What a 公众号 post shows besides the body, all of it from the public story page."""

    title: str
    meta: tuple[str, ...]  # date, author, unit
    summary: str | None
    cover: WechatImage | None
    branches: tuple[str, ...]
    footer: tuple[str, ...]  # campaign, organization
    url: str  # the story's page on the public site
    images: tuple[WechatImage, ...]  # the cover first, then the body's images in order


def _element(tag: str, style: str, text: str | None = None) -> etree._Element:
    element = etree.Element(tag, style=style)
    element.text = text
    return element


def _figure(image: WechatImage, caption: str) -> etree._Element:
    figure = _element("figure", STYLES["figure"])
    figure.append(etree.Element("img", src=image.local, alt=image.alt, style=STYLES["img"],
                                **{"data-public-src": image.public_url}))
    if caption:
        figure.append(_element("figcaption", STYLES["figcaption"], caption))
    return figure


def _image_paragraph(p: etree._Element) -> etree._Element | None:
    """The <img> of a paragraph that holds one image and nothing else (it becomes a figure)."""
    children = list(p)
    if len(children) != 1 or children[0].tag != "img" or (p.text or "").strip() or (children[0].tail or "").strip():
        return None
    return children[0]


def inline_body(body_html: str, post: WechatPost) -> list[etree._Element]:
    """Return the body's elements with their look in style attributes, images pointing at the post's copies."""
    images = {image.source: image for image in post.images}
    root = lxml_html.fragment_fromstring(body_html, create_parent="section")
    for p in list(root.iter("p")):
        img = _image_paragraph(p)
        if img is not None:
            image = images.get(img.get("src", ""))
            if image is not None:
                caption = (img.get("title") or img.get("alt") or "").strip()
                figure = _figure(image, caption)
                figure.tail = p.tail
                p.getparent().replace(p, figure)
    for element in root.iter():
        if not isinstance(element.tag, str) or element is root:
            continue
        original = element.tag
        if original in RENAMED:
            element.tag = RENAMED[original]
        if element.tag == "img" and "data-public-src" in element.attrib:
            continue  # made above
        kept = KEPT.get(element.tag, set())
        for name in list(element.attrib):
            if name not in kept:
                del element.attrib[name]
        if element.tag == "img":
            image = images.get(element.get("src", ""))
            if image is not None:
                element.set("src", image.local)
                element.set("data-public-src", image.public_url)
        if element.tag == "a" and element.get("href"):
            href = element.get("href", "")
            if not urlsplit(href).scheme and not href.startswith("#"):
                element.set("href", urljoin(post.url, href))  # a page of the public site, not of the folder
        style = SUMMARY if original == "summary" else STYLES.get(element.tag)
        if style:
            element.set("style", style)
    return list(root)


def wechat_article(post: WechatPost, body_html: str) -> str:
    """Return the post as one <section> with inline styles only: title, meta, cover, body, branches, footer."""
    section = _element("section", SECTION)
    section.append(_element("h1", STYLES["h1"], post.title))
    if post.meta:
        section.append(_element("p", META, " · ".join(post.meta)))
    if post.summary:
        section.append(_element("p", LEAD, post.summary))
    if post.cover is not None:
        section.append(_figure(post.cover, ""))
    head = len(section)
    body = inline_body(body_html, post)
    section.extend(body)
    if not body:
        section.insert(head, _element("p", STYLES["p"]))
    if post.branches:
        section.append(_element("p", BRANCHES, "相关支部：" + "、".join(post.branches)))
    section.append(_element("hr", STYLES["hr"]))
    for line in post.footer:
        section.append(_element("p", FOOTER, line))
    section.append(_element("p", FOOTER, f"原文：{post.url}"))
    return str(etree.tostring(section, encoding="unicode", method="html"))
