"""SVGs that could run script are refused at `check`; the ones published cannot run any (issue 21)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.preview_server import preview
from tests.test_assets import story

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"'
HINT = "请在绘图软件里删掉这部分后重新导出，或换成 PNG 图片"
DTD_HINT = "请在绘图软件里重新导出，不要带 DOCTYPE"
SCRIPT_LINK = "SVG 里有脚本链接（<{element}> 的 {attribute} 是 {scheme}）"

# (what the SVG holds inside <svg>, the reason the message gives, its hint)
VECTORS: list[tuple[str, str, str]] = [
    ("<script>alert(1)</script>", "SVG 里有脚本或嵌入的网页（<script>）", HINT),
    ("<script><![CDATA[alert(1)]]></script>", "SVG 里有脚本或嵌入的网页（<script>）", HINT),
    ('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>', "SVG 里有脚本或嵌入的网页（<script>）", HINT),
    ('<x:SCRIPT xmlns:x="urn:x">alert(1)</x:SCRIPT>', "SVG 里有脚本或嵌入的网页（<SCRIPT>）", HINT),
    ('<foreignObject width="9" height="9"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>',
     "SVG 里有脚本或嵌入的网页（<foreignObject>）", HINT),
    ('<h:iframe xmlns:h="http://www.w3.org/1999/xhtml" src="/internal/"/>', "SVG 里有脚本或嵌入的网页（<iframe>）", HINT),
    ('<h:a xmlns:h="http://www.w3.org/1999/xhtml" href="/internal/">x</h:a>', "SVG 里有网页元素（<a>）", HINT),
    ('<handler type="application/ecmascript">alert(1)</handler>', "SVG 里有脚本或嵌入的网页（<handler>）", HINT),
    ('<rect onclick="alert(1)"/>', "SVG 里有脚本（事件属性 onclick）", HINT),
    ('<rect xmlns:ev="http://www.w3.org/2001/xml-events" ev:OnLoad="alert(1)"/>', "SVG 里有脚本（事件属性 OnLoad）", HINT),
    ('<a href="javascript:alert(1)"><rect/></a>', SCRIPT_LINK.format(element="a", attribute="href", scheme="javascript:"), HINT),
    ('<a xlink:href="javascript:alert(1)"><rect/></a>',
     SCRIPT_LINK.format(element="a", attribute="href", scheme="javascript:"), HINT),
    ('<a href="&#x6A;avascript:alert(1)"><rect/></a>',
     SCRIPT_LINK.format(element="a", attribute="href", scheme="javascript:"), HINT),
    ('<a href="&#106;&#97;vascript&#58;alert(1)"><rect/></a>',
     SCRIPT_LINK.format(element="a", attribute="href", scheme="javascript:"), HINT),
    ('<a href=" &#10;&#9; JaVa&#9;Scr&#10;ipt :alert(1)"><rect/></a>',
     SCRIPT_LINK.format(element="a", attribute="href", scheme="javascript:"), HINT),
    ('<a href="VBScript:msgbox(1)"><rect/></a>', SCRIPT_LINK.format(element="a", attribute="href", scheme="vbscript:"), HINT),
    ('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="><rect/></a>',
     SCRIPT_LINK.format(element="a", attribute="href", scheme="data:text/html"), HINT),
    ('<a xmlns:y="urn:y" y:href="javascript:alert(1)"><rect/></a>',
     SCRIPT_LINK.format(element="a", attribute="href", scheme="javascript:"), HINT),
    ('<a><set attributeName="href" to="javascript:alert(1)"/><rect/></a>',
     SCRIPT_LINK.format(element="set", attribute="to", scheme="javascript:"), HINT),
    ('<a><animate attributeName="xlink:href" values="#a;jav&#x09;ascript:alert(1)" dur="1s"/><rect/></a>',
     SCRIPT_LINK.format(element="animate", attribute="values", scheme="javascript:"), HINT),
    ('<a><animate attributeName="href" from="#a" to="https://evil.example/" dur="1s"/><rect/></a>',
     "SVG 的 <animate> 会把链接改成“https://evil.example/”，动画只能换成本文件里的 #编号", HINT),
    ('<rect><set attributeName="onclick" to="alert(1)"/></rect>', "SVG 里有脚本（<set> 会设置事件属性 onclick）", HINT),
    ('<use href="https://evil.example/x.svg#a"/>',
     'SVG 的 <use> 引用了别的文件（href="https://evil.example/x.svg#a"），只能引用本文件里的 #编号', HINT),
    ('<use xlink:href="other.svg#a"/>', 'SVG 的 <use> 引用了别的文件（href="other.svg#a"），只能引用本文件里的 #编号', HINT),
    ('<image href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/>',
     SCRIPT_LINK.format(element="image", attribute="href", scheme="data:image/svg"), HINT),
    ('<rect style="fill:url(javascript:alert(1))"/>',
     SCRIPT_LINK.format(element="rect", attribute="style", scheme="javascript:"), HINT),
    ('<a href="file:///etc/passwd"><rect/></a>',
     "SVG 的 <a> 有 file: 链接（href），只能链接到 http、https 或 mailto 地址", HINT),
    ('<g xml:base="https://evil.example/"><a href="x"><rect/></a></g>', "SVG 里有 xml:base，它会改变链接指向哪里", HINT),
]
DOCTYPE = ('<!DOCTYPE svg [<!ENTITY js "javascript:">]>'
           f'<svg {NS}><a href="&js;alert(1)"><rect/></a></svg>')


@pytest.mark.e2e
def test_every_vector_is_refused_at_check_with_its_message(scratch) -> None:  # type: ignore[no-untyped-def]
    files: dict[str, str | bytes | None] = {}
    expected = []
    for number, (inside, reason, hint) in enumerate([*VECTORS, ("", "", "")]):
        svg = DOCTYPE if not inside else f"<svg {NS}>{inside}</svg>"
        if not inside:
            reason, hint = "SVG 里定义了实体（<!ENTITY js>），可以藏起链接或让文件膨胀", DTD_HINT
        files[f"assets/v{number:02d}.svg"] = svg
        files[f"stories/v{number:02d}.md"] = story(f"v{number}", cover=f"v{number:02d}.svg")
        expected.append(f"content/stories/v{number:02d}.md:1: cover: 图片 assets/v{number:02d}.svg 不能发布：{reason}；{hint}")
    assert len(expected) >= 15
    result = run_cli("check", "--content", str(scratch(files)))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines == [*expected, f"共 {len(expected)} 个问题，请逐条修改后再试。"]
    assert "Traceback" not in result.stderr


ALLOWED = {
    "links.svg": f'<svg {NS}><a href="https://example.org/"><rect id="r" width="5" height="5"/></a>'
                 '<a href="mailto:office@example.org"><circle r="2"/></a><a href="#r"><circle id="c" r="1"/></a></svg>',
    "reuse.svg": f'<svg {NS}><defs><linearGradient id="g"><stop offset="0" stop-color="#c00"/></linearGradient>'
                 '<linearGradient id="h" xlink:href="#g"/></defs><use href="#u"/><rect id="u" fill="url(#h)" width="9"'
                 ' height="9"><animate attributeName="opacity" values="1;0.5;1" dur="2s" repeatCount="indefinite"/>'
                 '</rect><style>rect{stroke:#000}</style><text>javascript 教程</text></svg>',
}


@pytest.mark.e2e
def test_allowed_svgs_pass_and_are_published_as_cleaned(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files: dict[str, str | bytes | None] = {f"assets/{name}": svg for name, svg in ALLOWED.items()}
    files.update({f"stories/s{n}.md": story(f"s{n}", cover=name) for n, name in enumerate(ALLOWED)})
    result = run_cli("build", "--content", str(scratch(files)), "--out", str(tmp_path / "site"), "--no-cache")
    assert result.returncode == 0, result.stderr
    for name in ALLOWED:
        published = (tmp_path / "site/public/assets" / name).read_text(encoding="utf-8")
        assert "<svg" in published and "script" not in published.replace("javascript 教程", "")


class _Recorder:
    """An HTTP server on 127.0.0.1 that remembers every path asked of it: a script that ran would ask."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def probe(self, name: str) -> str:
        """Return script that asks the recorder for /hit/<name>."""
        return f"fetch('{self.url}hit/{name}',{{mode:'no-cors'}});new Image().src='{self.url}img/{name}'"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    running = _Recorder()
    yield running
    running.close()


def _open(browser, url: str, click: bool = False) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    try:
        page.route("https://**/*", lambda route: route.abort())  # no internet; the links must not matter
        page.goto(url)
        if click:
            for link in page.locator('a[href^="#"]').all():  # the others leave the page
                link.click(force=True, no_wait_after=True, timeout=5000)
        page.wait_for_timeout(400)
    finally:
        page.close()


def _settled(recorder: _Recorder) -> list[str]:
    time.sleep(0.3)  # a request already sent reaches the recorder by now
    return list(recorder.hits)


@pytest.mark.browser
@pytest.mark.e2e
def test_published_svgs_run_no_script_in_chromium_and_the_preview_policy_stops_one_that_would(  # type: ignore[no-untyped-def]
        scratch, tmp_path: Path, browser, recorder: _Recorder) -> None:
    active = f'<svg {NS} onload="{recorder.probe("onload")}"><script>{recorder.probe("script")}</script><rect/></svg>'
    raw = tmp_path / "raw.svg"
    raw.write_text(active, encoding="utf-8")
    _open(browser, raw.as_uri())
    assert {"/hit/onload", "/hit/script"} <= set(_settled(recorder))  # the probe works: an SVG's script does run
    recorder.hits.clear()

    files: dict[str, str | bytes | None] = {f"assets/{name}": svg for name, svg in ALLOWED.items()}
    files.update({f"stories/s{n}.md": story(f"s{n}", cover=name) for n, name in enumerate(ALLOWED)})
    content = scratch(files)
    # A theme's static/ files are copied as they are (the theme is trusted): the preview's policy is what stops it.
    (content.parent / "templates/static").mkdir(parents=True)
    (content.parent / "templates/static/active.svg").write_text(active, encoding="utf-8")
    out = tmp_path / "site"
    result = run_cli("build", "--content", str(content), "--out", str(out), "--no-cache")
    assert result.returncode == 0, result.stderr
    for name in ALLOWED:
        _open(browser, (out / "public/assets" / name).as_uri(), click=True)
    with preview(content) as server:
        for name in ALLOWED:
            _open(browser, f"{server.url}assets/{name}", click=True)
        _open(browser, f"{server.url}static/active.svg")
    assert _settled(recorder) == []
    _open(browser, (out / "public/static/active.svg").as_uri())  # the same file opened without the policy runs
    assert _settled(recorder)
