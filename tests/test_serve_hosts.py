"""The preview answers only its own names (issue 21): DNS rebinding gets a 403, foreign pages no reload socket."""

from __future__ import annotations

import base64
import http.client
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.preview_server import PreviewServer, preview

pytestmark = pytest.mark.e2e

SECRET = "0635-0000001"  # a secretary's phone in the minimal fixture's ledger


def request(server: PreviewServer, path: str, host: str | None, method: str = "GET",
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """Send one request with the given Host header (None: none at all), as curl -H 'Host: …' would."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True)
        if host is not None:
            connection.putheader("Host", host)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode("utf-8")
    finally:
        connection.close()


def handshake(server: PreviewServer, host: str, origin: str | None) -> int:
    """Open the reload websocket by hand; return the HTTP status of the handshake (101 = accepted)."""
    parts = urlsplit(server.url)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /livereload HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


@pytest.fixture
def server(scratch):  # type: ignore[no-untyped-def]
    with preview(scratch()) as running:
        yield running


FOREIGN = ["evil.example", "evil.example:8811", "EVIL.example", "localhost.evil.example", "127.0.0.1.evil.example",
           "localhost.", "", "[::2]", "127.0.0.1:8811:80"]
# Host values tornado itself refuses as malformed (400) before any routing: no data either.
MALFORMED = ["localhost:80@evil.example", "localhost\\@evil.example", "localhost, evil.example", "local host", "[::1"]


def test_a_rebound_name_gets_a_plain_403_for_every_path_and_no_data(server: PreviewServer) -> None:
    port = urlsplit(server.url).port
    for host in FOREIGN:
        for path in ("/internal/ledger-branches.csv", "/internal/", "/", "/livereload.js", "/__gongjian__/status",
                     "/no-such-page"):
            status, headers, body = request(server, path, host)
            assert status == 403, (host, path, status)
            assert headers["content-type"] == "text/html; charset=utf-8"
            assert "不能这样打开预览" in body and "localhost" in body, (host, path)
            assert SECRET not in body and "<script" not in body and "市第四人民医院" not in body
    for host in MALFORMED:
        status, _, body = request(server, "/internal/ledger-branches.csv", host)
        assert status in (400, 403) and SECRET not in body, host
    status, _, body = request(server, "/internal/ledger-branches.csv", f"evil.example:{port}", method="HEAD")
    assert status == 403 and body == ""


def test_two_host_headers_are_refused(server: PreviewServer) -> None:
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30) as sock:
        sock.sendall(b"GET /internal/ledger-branches.csv HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n")
        answer = sock.makefile("rb").read(4000).decode("utf-8", "replace")
    assert answer.startswith(("HTTP/1.1 403", "HTTP/1.1 400")) and SECRET not in answer  # 400: tornado's own refusal


def test_the_preview_own_names_work_with_and_without_the_port(server: PreviewServer) -> None:
    port = urlsplit(server.url).port
    for host in ("localhost", f"localhost:{port}", "127.0.0.1", f"127.0.0.1:{port}", "[::1]", f"[::1]:{port}",
                 "LOCALHOST", f"localhost:{(port or 0) + 1}"):  # a forwarded port keeps the name
        status, _, body = request(server, "/internal/ledger-branches.csv", host)
        assert status == 200 and SECRET in body, host
    status, _, body = request(server, "/internal/ledger-branches.csv", None)  # HTTP/1.1 without Host: not a browser
    assert status in (200, 400) and ("不能这样打开预览" not in body)


def test_the_reload_socket_refuses_a_foreign_origin_and_a_foreign_host(server: PreviewServer) -> None:
    port = urlsplit(server.url).port
    own = f"localhost:{port}"
    assert handshake(server, own, f"http://{own}") == 101
    assert handshake(server, f"127.0.0.1:{port}", f"http://127.0.0.1:{port}") == 101
    assert handshake(server, own, None) == 101  # no Origin: not a browser page (curl, scripts); decided to allow
    for origin in ("http://evil.example", f"http://evil.example:{port}", "http://localhost:9", "null",
                   f"http://127.0.0.1:{port}", f"file://{own}", f"http://{own}.evil.example"):
        assert handshake(server, own, origin) == 403, origin
    assert handshake(server, f"evil.example:{port}", f"http://evil.example:{port}") == 403  # the rebinding case


def test_a_host_given_with_host_is_accepted_and_others_still_refused(scratch) -> None:  # type: ignore[no-untyped-def]
    with preview(scratch(), "--host", "127.0.0.2") as server:
        assert server.url.startswith("http://127.0.0.2:")
        port = urlsplit(server.url).port
        assert request(server, "/internal/ledger-branches.csv", f"127.0.0.2:{port}")[0] == 200
        assert request(server, "/internal/ledger-branches.csv", f"localhost:{port}")[0] == 200
        assert request(server, "/internal/ledger-branches.csv", f"evil.example:{port}")[0] == 403
        assert request(server, "/internal/ledger-branches.csv", f"10.0.0.7:{port}")[0] == 403


def test_on_every_interface_addresses_are_accepted_but_names_are_not(scratch) -> None:  # type: ignore[no-untyped-def]
    with preview(scratch(), "--host", "0.0.0.0") as server:
        port = urlsplit(server.url).port
        server.url = f"http://127.0.0.1:{port}/"
        assert request(server, "/internal/ledger-branches.csv", f"192.168.1.20:{port}")[0] == 200  # a colleague
        assert request(server, "/internal/ledger-branches.csv", f"evil.example:{port}")[0] == 403


def test_svg_is_served_with_a_policy_that_forbids_script(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_assets import SVG_WITH_METADATA, story
    content = scratch({"assets/logo.svg": SVG_WITH_METADATA, "stories/x.md": story("x", cover="logo.svg")})
    with preview(content) as server:
        status, headers, body = request(server, "/assets/logo.svg", "localhost")
    assert status == 200 and headers["content-type"].startswith("image/svg+xml") and "<svg" in body
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.browser
def test_a_rebound_name_in_chromium_reads_nothing_even_from_its_own_origin(  # type: ignore[no-untyped-def]
        server: PreviewServer, browser) -> None:
    """Chromium resolves evil.example to 127.0.0.1, as after a DNS rebinding: the page and its fetches get 403."""
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    port = urlsplit(server.url).port
    # A second Chromium with its own resolver rules, launched through the session's Playwright: a second
    # sync_playwright() inside the running one is refused.
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                           args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"])
    try:
        page = chromium.new_page()
        answer = page.goto(f"http://evil.example:{port}/")
        assert answer is not None and answer.status == 403 and "不能这样打开预览" in page.content()
        read = page.evaluate("""async () => {
            const r = await fetch('/internal/ledger-branches.csv');
            const socket = await new Promise(done => {
                const ws = new WebSocket('ws://' + location.host + '/livereload');
                ws.onopen = () => done('open'); ws.onerror = () => done('refused');
            });
            return [r.status, await r.text(), socket];
        }""")
        assert read[0] == 403 and SECRET not in read[1] and read[2] == "refused"
        page.goto(f"http://localhost:{port}/internal/")  # the preview's own name works
        own = page.evaluate("fetch('/internal/ledger-branches.csv').then(r => r.text())")
        assert SECRET in own
    finally:
        chromium.close()
