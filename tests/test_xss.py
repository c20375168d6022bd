"""Injected HTML and script never run: payloads in every text field, every page opened in Chromium.

Story bodies and summaries are Markdown, sanitised with nh3 unless site.yaml says
`allow_raw_html: true`; every other field is autoescaped text. Each payload calls
alert() or sets window.__xss; a page passes when no dialog opened, nothing was
set, and its DOM holds no event-handler attribute, no javascript:/data: URL and
no script of its own that the site did not ship.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.build import build_site
from generator.render.markup import MarkdownRenderer
from generator.render.render import relative_url

BODY_PAYLOADS = [
    "<script>alert('body-script')</script>",
    "<img src=x onerror=alert('img-onerror')>",
    "<svg onload=alert('svg-onload')><script>alert('svg-script')</script></svg>",
    "[link](javascript:alert('md-link'))",
    "[ref link][evil]\n\n[evil]: javascript:alert('md-ref')",
    "<javascript:alert('autolink')>",
    "![img](javascript:alert('md-img'))",
    '![x" onerror="alert(\'md-img-alt\')](https://example.org/x.png)',  # a missing local image is an error
    '[title](https://example.org "a\\" onmouseover=\\"alert(\'md-title\')")',
    "<a href=\"jAvAsCrIpT:alert('mixed-case')\">x</a>",
    "<a href=\"java&#x09;script:alert('entity-tab')\">x</a>",
    "<a href=\"data:text/html,<script>alert('data-url')</script>\">x</a>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<iframe srcdoc=\"<script>parent.alert('srcdoc')</script>\"></iframe>",
    "<object data=\"javascript:alert('object')\"></object><embed src=\"javascript:alert('embed')\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph></table></mtext></math>",
    # External src: the sanitiser keeps this <img>, and check refuses a local image that does not exist.
    "<noscript><p title=\"</noscript><img src=//example.invalid/x onerror=alert('noscript')>\"></p></noscript>",
    "<details open ontoggle=alert('ontoggle')><summary>x</summary></details>",
    "<body onload=alert('body-onload')>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('meta')\">",
    "<form action=\"javascript:alert('form')\"><button formaction=\"javascript:alert('formaction')\">x</button></form>",
    "<div style=\"background:url(javascript:alert('style'))\">x</div><style>*{x:expression(alert('css'))}</style>",
    "<input autofocus onfocus=alert('onfocus')><video><source onerror=alert('source')></video>",
    "<base href=\"javascript:alert('base')//\">",
    "<template><script>alert('template')</script></template>",
    "<!--><script>alert('comment-break')</script>-->",
]
TEXT_PAYLOAD = "\"'><script>window.__xss='{0}'</script><img src=x onerror=\"window.__xss='{0}'\"></script><!--"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _payload_site(scratch, allow_raw_html: bool = False) -> Path:  # type: ignore[no-untyped-def]
    def t(where: str) -> str:
        return _quote(TEXT_PAYLOAD.format(where))

    body = "\n\n".join(BODY_PAYLOADS)
    raw = "allow_raw_html: true\n" if allow_raw_html else ""
    return scratch({
        "site.yaml": f"title: {t('site-title')}\nbase_url: https://example.org/gj/\norganization: {t('org')}\n"
                     f"campaign:\n  name: {t('campaign')}\n  start: 2017-09-01\nas_of: 2017-11-24\n{raw}"
                     f"extra:\n  slogan: {t('site-extra')}\n",
        "units/xss.yaml": f"- id: xss\n  name: {t('unit-name')}\n  short_name: {t('unit-short')}\n  kind: {t('unit-kind')}\n"
                          f"  extra: {{note: {t('unit-extra')}}}\n",
        "villages/xss.yaml": f"- id: xssv\n  name: {t('village')}\n  town: {t('town')}\n  county: {t('county')}\n",
        "branches/xss.yaml": f"- id: xss-b1\n  name: {t('branch')}\n  unit: xss\n  members: 3\n  village: xssv\n"
                             f"  paired_on: 2017-09-20\n  secretary: {t('secretary')}\n",
        "activities/xss.yaml": f"- id: xss-a1\n  date: 2017-10-20\n  title: {t('activity')}\n  kind: {t('kind')}\n"
                               f"  theme: {t('theme')}\n  branches: [xss-b1]\n  villages: [xssv]\n  participants: 2\n"
                               f"  donations:\n    - {{item: {t('item')}, quantity: 1, unit: {t('unit')}, value: 5}}\n"
                               f"  summary: {_quote(' '.join(BODY_PAYLOADS[:12]).replace(chr(10), ' '))}\n",
        "stories/xss.md": f"---\ntitle: {t('story-title')}\ndate: 2017-10-21\nbranches: [xss-b1]\nunit: xss\n"
                          f"author: {t('author')}\ntags: [{t('tag')}, {_quote('javascript:alert(1)//')}]\n"
                          f"summary: {t('story-summary')}\nfeatured: true\n---\n{body}\n",
    })


def _check_page(page, url: str, wait_for: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Open `url` (and wait for `wait_for` to show); return what ran or what dangerous markup is left."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if wait_for:
        page.wait_for_selector(wait_for, timeout=30_000)
    found = [f"alert {m}" for m in dialogs]
    ran = page.evaluate("window.__xss")
    if ran:
        found.append(f"window.__xss={ran}")
    found += page.evaluate("""() => {
        const bad = [];
        for (const el of document.querySelectorAll('*')) {
            for (const attr of el.attributes) {
                const name = attr.name.toLowerCase();
                const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
                if (name.startsWith('on')) bad.push(`${el.tagName} ${name}`);
                // Pagefind's own search form (built by pagefind-ui.js) is the one javascript: URL the site ships.
                const own = el.tagName === 'FORM' && name === 'action' && value === 'javascript:void(0);';
                if (['href', 'src', 'action', 'formaction', 'data', 'srcdoc', 'xlink:href', 'background', 'poster']
                        .includes(name) && !own && (value.startsWith('javascript:') || value.startsWith('data:text')
                        || value.startsWith('vbscript:') || name === 'srcdoc')) bad.push(`${el.tagName} ${name}=${value}`);
            }
            if (['IFRAME', 'OBJECT', 'EMBED', 'BASE'].includes(el.tagName)) bad.push(el.tagName);
            if (el.tagName === 'META' && (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh')
                bad.push('META refresh');
            if (el.tagName === 'SCRIPT' && /alert|__xss/.test(el.textContent)) bad.push('inline SCRIPT with payload');
        }
        return bad;
    }""")
    return found


@pytest.mark.browser
@pytest.mark.e2e
def test_no_injected_script_runs_on_any_page(scratch, tmp_path: Path, browser, serve_folder) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    build_site(_payload_site(scratch), out)
    base = serve_folder(out / "public")
    pages = sorted(p.relative_to(out / "public").as_posix() for p in (out / "public").rglob("*.html"))
    assert "stories/xss/index.html" in pages and "units/xss/index.html" in pages
    context = browser.new_context()
    problems: dict[str, list[str]] = {}
    for rel in pages:
        page = context.new_page()
        found = _check_page(page, base + rel)
        if found:
            problems[rel] = found
        page.close()
    for rel in sorted(p.relative_to(out).as_posix() for p in (out / "internal").rglob("*.html")):
        page = context.new_page()
        found = _check_page(page, (out / rel).as_uri())
        if found:
            problems[rel] = found
        page.close()
    # Search results are built from the index (stored text) and the query (reflected text).
    for query in ("onerror", "window.__xss", "<img src=x onerror=alert('query')>"):
        page = context.new_page()
        url = f"{base}search/?q={quote(query)}"
        found = _check_page(page, url, "#search-status:has-text('页面')")
        if found:
            problems[f"search?q={query}"] = found
        page.close()
    context.close()
    assert problems == {}
    story = (out / "public/stories/xss/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__xss" in story  # text payloads are shown as text, not dropped


@pytest.mark.browser
def test_raw_html_is_kept_when_the_site_opts_in(scratch, tmp_path: Path, browser, serve_folder) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"site.yaml": (Path(scratch().joinpath("site.yaml")).read_text(encoding="utf-8")
                                     + "allow_raw_html: true\n"),
                       "stories/raw.md": "---\ntitle: 原样 HTML\ndate: 2017-10-21\n---\n"
                                         "<div class=\"raw-ok\" data-x=\"1\">原样</div>\n\n"
                                         "<script>window.__raw = 'ran'</script>\n"})
    out = tmp_path / "site"
    build_site(content, out)
    page = browser.new_page()
    page.goto(serve_folder(out / "public") + "stories/raw/")
    assert page.locator("div.raw-ok").get_attribute("data-x") == "1"
    assert page.evaluate("window.__raw") == "ran"  # the site's own choice: trusted authors only
    page.close()


class _Elements(HTMLParser):
    """Collect the elements and attributes a browser would build from some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@pytest.mark.parametrize("inline", [False, True])
@pytest.mark.parametrize("payload", BODY_PAYLOADS)
def test_sanitiser_leaves_no_script_vector(payload: str, inline: bool) -> None:
    renderer = MarkdownRenderer()
    parser = _Elements()
    parser.feed(renderer.inline(payload) if inline else renderer.block(payload))
    for tag, attrs in parser.found:
        assert tag not in {"script", "iframe", "object", "embed", "base", "meta", "form", "style", "template", "svg",
                           "math", "input", "button", "video", "source", "body", "noscript"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            url = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            assert not url.startswith(("javascript:", "vbscript:", "data:")), (tag, name, value)
            assert name not in ("style", "srcdoc", "formaction"), (tag, name)


def test_links_whose_first_segment_has_a_colon_are_not_schemes() -> None:
    assert relative_url("tags/index.html", "tags/javascript:alert(1)/", True) == "./javascript:alert(1)/"
    assert relative_url("index.html", "a:b/", False) == "./a:b/index.html"
    assert relative_url("index.html", "units/x/", True) == "units/x/"
