"""Render planned pages with Jinja (strict, autoescaped); all filters live here."""

from __future__ import annotations

import posixpath
import traceback
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import jinja2
from markupsafe import Markup

from generator.errors import TemplateProblem
from generator.render.links import SITE_ROOT
from generator.render.numbers import number, percent, wan, yuan
from generator.render.pages import Page
from generator.render.wechat import WechatPost, wechat_article

PACKAGE_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
SOURCE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def default_templates_dir() -> Path:
    """Return the bundled templates: inside the wheel, or the repository's templates/."""
    return PACKAGE_TEMPLATES if PACKAGE_TEMPLATES.is_dir() else SOURCE_TEMPLATES


def template_dirs(content_dir: Path) -> list[Path]:
    """Return template folders, the site's own `templates/` (beside content/) first."""
    default = default_templates_dir()
    own = content_dir.resolve().parent / "templates"
    if own.is_dir() and own.resolve() != default.resolve():
        return [own, default]
    return [default]


def date_zh(value: date | None) -> str:
    """2017-10-23 → 2017年10月23日."""
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def _relpath(path: str, start: str) -> str:
    """Return posixpath.relpath(path or ".", start or "."), without asking the OS for the working folder.

    Links are made tens of times per page; posixpath.relpath calls getcwd() twice each time.
    Paths with ".." or a leading "/" still go to posixpath (tests/test_render_relpath.py compares).
    """
    parts = [c for c in path.split("/") if c not in ("", ".")]
    base = [c for c in start.split("/") if c not in ("", ".")]
    if path.startswith("/") or start.startswith("/") or ".." in parts or ".." in base:
        return posixpath.relpath(path or ".", start or ".")
    common = 0
    while common < len(parts) and common < len(base) and parts[common] == base[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + parts[common:]) or "."


def relative_url(page_path: str, target: str, directory_urls: bool) -> str:
    """Return a link from `page_path` to `target` that works on any host path and from disk."""
    if not directory_urls and (target == "" or target.endswith("/")):
        target += "index.html"
    start = posixpath.dirname(page_path)
    rel = _relpath(target, start)
    if target.endswith("/") or target == "":
        rel = "./" if rel == "." else rel + "/"
    if ":" in rel.split("/", 1)[0]:
        rel = "./" + rel  # a first segment like `javascript:x` would be read as a URL scheme
    return rel


class Markdown(Protocol):
    """What converts the text the `markdown` filters get (a `markup.MarkdownRenderer`, or the build's engine query)."""

    def block(self, text: str) -> str:
        """Convert a Markdown document."""

    def inline(self, text: str) -> str:
        """Convert one paragraph without its wrapping <p>."""


def make_environment(dirs: list[Path], markdown: Markdown, directory_urls: bool,
                     base_url: str, converted: Mapping[str, str] | None = None,
                     converted_inline: Mapping[str, str] | None = None) -> jinja2.Environment:
    """Return a strict, autoescaping Jinja environment for one side.

    `converted` and `converted_inline` hold the HTML the public planner made of story bodies and summaries (by their
    text, references resolved): the `markdown` filters print it instead of converting the text again.
    """
    blocks = converted or {}
    inlines = converted_inline or {}
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    @jinja2.pass_context
    def url(context: jinja2.runtime.Context, target: str) -> str:
        root = context.get("url_root")
        if root is not None:  # 404 pages are served at any path: link from the site root
            return str(root) + target
        return relative_url(str(context["page_path"]), target, directory_urls)

    @jinja2.pass_context
    def markdown_inline(context: jinja2.runtime.Context, text: str) -> Markup:
        known = inlines.get(text)
        if known is not None:  # its links' SITE_ROOT sits in attribute values: escape what html5ever would
            root = url(context, "")
            return Markup(known.replace(SITE_ROOT, root.replace("&", "&amp;").replace('"', "&quot;")) if SITE_ROOT in known
                          else known)
        if SITE_ROOT in text:  # links of an activity summary, which shows on pages at several depths (links.py)
            text = text.replace(SITE_ROOT, url(context, ""))
        return Markup(markdown.inline(text))

    def block(text: str) -> str:
        return blocks[text] if text in blocks else markdown.block(text)

    def wechat(post: WechatPost, body: str) -> Markup:
        return Markup(wechat_article(post, block(body)))  # the story's HTML as the public page has it

    env.globals["wechat_article"] = wechat
    env.filters.update(
        date_zh=date_zh,
        number=number,
        yuan=yuan,
        wan=wan,
        percent=percent,
        url=url,
        abs_url=lambda target: base_url + target,
        markdown=lambda text: Markup(block(text)),
        markdown_inline=markdown_inline,
    )
    return env


def _template_line(error: BaseException) -> str:
    """Find the template file and line inside a Jinja traceback."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt", ".css", ".svg")):
            return f"{frame.filename}:{frame.lineno}"
    return ""


def render_pages(pages: Iterable[Page], env: jinja2.Environment, side: str) -> Iterator[tuple[Page, bytes]]:
    """Render pages one by one; a template mistake becomes a TemplateProblem."""
    for page in pages:
        context: Mapping[str, Any] = {**page.context, "page_path": page.path}
        try:
            html = env.get_template(page.template).render(context)
        except jinja2.TemplateSyntaxError as error:
            raise TemplateProblem(
                f"{error.filename or error.name}:{error.lineno}: 模板语法错误：{error.message}"
            ) from None
        except jinja2.TemplateNotFound as error:
            raise TemplateProblem(f"找不到模板 {error.name}（生成 {side}/{page.path} 时需要）") from None
        except jinja2.UndefinedError as error:
            where = _template_line(error) or page.template
            raise TemplateProblem(
                f"{where}: 模板使用了不存在的数据（{error.message}）；生成 {side}/{page.path} 时出错。"
                "公开页面拿不到内部字段，这是有意的"
            ) from None
        except Exception as error:  # a filter or test raising on odd data
            where = _template_line(error) or page.template
            raise TemplateProblem(f"{where}: 生成 {side}/{page.path} 时模板出错：{error}") from None
        yield page, html.encode("utf-8")
