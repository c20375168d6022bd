"""Tell open browsers to reload: a thin adapter over livereload's browser side, so it could be swapped.

Only three things of `livereload` (2.7) are used: its websocket handler (the
livereload protocol handshake and the set of connected browsers), the
livereload.js it ships, and the protocol's `reload` message. Its Server,
Watcher and script injection are not used, because of traps seen in its
issue tracker and reproduced here:

- `LiveReloadHandler.poll_tasks` drops any reload within 3 s of the last one
  (`DEFAULT_RELOAD_TIME`): the second of two quick saves never reached the
  browser. We never call it; `reload()` writes to every socket, every time.
- an exception in a watch callback is swallowed and no reload is sent; the
  preview (generator/serve.py) catches every build failure itself;
- watching the output (or `.`) rebuilds forever; the preview watches only
  content/ and the template folders, and builds into a temp folder;
- watch callbacks run on the server's only thread; the preview builds on a
  worker thread and only tells this adapter when a build is done;
- its injector puts the script before every `</head>` (WSGI) or only looks in
  the first chunk; `inject()` puts it once, before the last `</body>`.

A page can also miss a reload that was sent while it was still loading (its
socket not yet open). Each page therefore carries the build generation it was
made from and the output it is, and once connected asks the server (over the
same socket, so after it is registered) whether that output changed since; if
so, it is reloaded. The same message tells the server which page each browser
shows: a rebuild reloads only the browsers whose page's bytes changed (and the
preview renders the pages open in browsers first).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from typing import Any

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler  # type: ignore[import-untyped]
from tornado.websocket import WebSocketClosedError

from generator.preview.hosts import HostCheck

_CHECK = "gongjian-check"


class _BrowserSocket(LiveReloadHandler):  # type: ignore[misc]
    """livereload's socket, plus the check that a freshly loaded page is still current."""

    def initialize(self, stale: Stale, hosts: HostCheck) -> None:
        self._stale = stale
        self._hosts = hosts
        self.page: str | None = None  # the output this browser shows, once its page said so

    def prepare(self) -> None:
        """Refuse the handshake unless it comes from a page of the preview (livereload's own check accepts any).

        Checked here, before tornado's own test, which lets any Origin whose name and port equal Host's
        through whatever its scheme (file://, for one).
        """
        if not self._hosts.allows_origin(self.request.headers.get("Origin"), self.request.host):
            self.set_status(403)
            self.finish("这个页面不是预览本身打开的，不能连接自动刷新。")

    def check_origin(self, origin: str) -> bool:
        """Accept a socket only from a page of the preview (see prepare)."""
        return self._hosts.allows_origin(origin, self.request.host)

    def on_message(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return
        if isinstance(data, dict) and data.get("command") == _CHECK:
            page, generation = data.get("page"), data.get("generation")
            self.page = page if isinstance(page, str) else None
            if not isinstance(generation, int) or self._stale(self.page, generation):
                _send(self, _reload_message("*"))
            return
        super().on_message(message)


def _reload_message(path: str) -> dict[str, Any]:
    # liveCSS: a path ending in .css makes livereload.js swap stylesheets in place.
    return {"command": "reload", "path": path, "liveCSS": True, "liveImg": True}


def _send(socket: Any, message: dict[str, Any]) -> bool:
    """Send one message; False when the browser has gone."""
    try:
        sent = socket.write_message(json.dumps(message))
    except WebSocketClosedError:
        return False
    # A browser that reloads closes its socket while the write is still under way: the write's future then
    # fails later, and asyncio would print "Task exception was never retrieved" with a traceback.
    sent.add_done_callback(_gone_quietly)
    return True


def _gone_quietly(sent: Any) -> None:
    """Take the failure of a write to a browser that has gone: nothing to do, the page reloads anyway."""
    if not sent.cancelled():
        sent.exception()


Stale = Callable[[str | None, int], bool]
"""Whether a page (its output path, None if unknown) served at a build generation has changed since."""


class LiveReload:
    """The browser side of the preview: routes, the page snippet and the reload signal."""

    def __init__(self, stale: Stale) -> None:
        self._stale = stale

    def routes(self, hosts: HostCheck) -> list[tuple[str, Any, dict[str, Any]]]:
        """Return the tornado routes the snippet talks to; the socket takes pages of `hosts` only."""
        return [
            (r"/livereload", _BrowserSocket, {"stale": self._stale, "hosts": hosts}),
            (r"/livereload\.js", LiveReloadJSHandler, {}),
        ]

    def snippet(self, generation: int, page: str | None = None) -> bytes:
        """Return the script that makes a page follow the preview (the output `page` of build `generation`)."""
        # Escaped for a <script>: an output path is the site's own, but "</" must never end the script early.
        check = json.dumps({"command": _CHECK, "generation": generation, "page": page}).replace("</", "<\\/")
        # The check waits a tick so it goes out after livereload.js's `info`, which registers the page.
        # The port comes from the address bar, so the preview also works behind a forwarded port.
        return (
            "<script>(function(){"
            "document.addEventListener('LiveReloadConnect',function(){setTimeout(function(){"
            f"try{{window.LiveReload.connector.sendCommand({check})}}catch(e){{}}}},0)}});"
            "var s=document.createElement('script');"
            "s.src='/livereload.js?port='+(location.port||(location.protocol==='https:'?443:80));"
            "(document.body||document.documentElement).appendChild(s)})();</script>"
        ).encode()

    def open_pages(self) -> set[str]:
        """Return the outputs the connected browsers show (as their pages told)."""
        return {page for socket in list(LiveReloadHandler.waiters) if (page := getattr(socket, "page", None))}

    def reload(self, css_paths: Iterable[str] = (), pages: Collection[str] | None = None) -> int:
        """Tell connected browsers to reload (only stylesheets, when given); return how many were told.

        With `pages`, only browsers showing one of those outputs (or one not yet known) reload.
        """
        paths = list(css_paths) or ["*"]
        sockets = [s for s in list(LiveReloadHandler.waiters)
                   if pages is None or getattr(s, "page", None) is None or s.page in pages]
        for socket in sockets:
            for path in paths:
                if not _send(socket, _reload_message(path)):
                    LiveReloadHandler.waiters.discard(socket)
                    break
        return len(sockets)

    def close(self) -> None:
        """Disconnect every browser (they keep retrying and reconnect to the next preview)."""
        for socket in list(LiveReloadHandler.waiters):
            socket.close()
        LiveReloadHandler.waiters.clear()


def inject(html: bytes, snippet: bytes) -> bytes:
    """Put `snippet` once into a page: before the last `</body>`, else at the end."""
    at = html.lower().rfind(b"</body>")
    if at < 0:
        return html + snippet
    return html[:at] + snippet + html[at:]
