"""Preview both sides while staff edit: rebuild on save, reload the browser, never fall over.

Each save leads to one full build (drafts included) into a temp folder, on a
worker thread, so the server keeps answering while it builds. The pages are
published (and browsers reloaded) before the search index is made, which is
then written into the same folder: the end result equals `build --drafts`,
but a save shows up without waiting for Pagefind, and a failing indexer
costs the preview its search box, never its pages. A burst of saves
becomes one build; saves made during a build lead to one more build after it,
so the preview always ends on the last save. A build that fails turns every
page into an error page listing the problems; the next good build brings the
site back. Browsers are told to reload through generator/reload.py.
"""

from __future__ import annotations

import asyncio
import errno
import html
import json
import mimetypes
import os
import shutil
import signal
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from generator.build import build_site
from generator.errors import GongjianError, UsageError
from generator.reload import LiveReload, inject
from generator.render import default_templates_dir
from generator.search import index_search

# A build starts at the first poll that finds nothing new after a save, so saves closer
# together than this (an editor writing several files at once) become one build.
POLL_SECONDS = 0.05
STATUS_PATH = "/__gongjian__/status"

Stamp = tuple[int, int, int]
Report = Callable[[str], None]
Builder = Callable[[Path, Path], object]
Indexer = Callable[[Path], None]


@dataclass(frozen=True)
class Outcome:
    """What one preview build gave: a site, or the problems that stopped it."""

    ok: bool
    problems: tuple[str, ...]
    seconds: float
    changed: tuple[str, ...]
    generation: int = 0


@dataclass(frozen=True)
class Response:
    """One HTTP answer of the preview."""

    status: int
    body: bytes
    content_type: str
    location: str = ""


def _ignored(name: str) -> bool:
    # Editor swap and backup files: saving them is not saving content.
    return name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913"


def snapshot(roots: Iterable[Path], skip: Path) -> dict[str, Stamp]:
    """Stamp every source file under `roots` (mtime, size, inode); never look inside `skip`.

    The writer stages a build in a hidden folder beside `skip`; hidden folders are skipped too.
    """
    stamps: dict[str, Stamp] = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not _ignored(d) and Path(folder, d) != skip)
            for name in files:
                if _ignored(name):
                    continue
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:  # removed between listing and looking: the next poll sees it gone
                    continue
                stamps[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return stamps


def changed_paths(before: dict[str, Stamp], after: dict[str, Stamp]) -> set[str]:
    """Return the files added, removed or modified between two snapshots."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def build_preview(content_dir: Path, out_dir: Path) -> object:
    """Build both sides with drafts into the preview folder, search index aside."""
    return build_site(content_dir, out_dir, drafts=True, search=False)


def index_preview(out_dir: Path) -> None:
    """Make the search index of the preview's public side, in place."""
    index_search(out_dir / "public")


class Preview:
    """The state of one preview: what is watched, the latest build, and the browsers to tell."""

    def __init__(self, content_dir: Path, out_dir: Path, report: Report, builder: Builder = build_preview,
                 indexer: Indexer | None = index_preview) -> None:
        self.content = content_dir.resolve()
        self.out = out_dir.resolve()
        self.report = report
        self.builder = builder
        self.indexer = indexer
        self.generation = 0
        self.builds = 0
        self.outcome: Outcome | None = None
        self.live = LiveReload(lambda: self.generation)
        self._building: Future[str | None] | None = None
        self._pending: set[str] = set()
        self._saved_since_start = threading.Event()
        self._stopped = False
        self._stamps = snapshot(self.watched(), self.out)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="gongjian-build")

    def watched(self) -> list[Path]:
        """Return the folders whose changes rebuild: content/, the site's templates, the default templates."""
        roots: list[Path] = []
        for root in (self.content, self.content.parent / "templates", default_templates_dir().resolve()):
            if root.is_dir() and root not in roots:
                roots.append(root)
        return roots

    @property
    def building(self) -> bool:
        """Return whether a build is running now."""
        return self._building is not None

    def start(self) -> None:
        """Start the first build."""
        self._begin(set())

    def poll(self) -> None:
        """Look for saved files; start a build once a burst of saves is over and none is running."""
        stamps = snapshot(self.watched(), self.out)
        changed = changed_paths(self._stamps, stamps)
        self._stamps = stamps
        if changed:
            self._pending |= changed
            self._saved_since_start.set()
        elif self._pending and not self.building:
            changed, self._pending = self._pending, set()
            self._begin(changed)

    def _begin(self, changed: set[str]) -> None:
        self._saved_since_start.clear()
        loop = asyncio.get_running_loop()
        future = self._executor.submit(self._job, loop, tuple(sorted(changed)))
        self._building = future

        def hand_back(done: Future[str | None]) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._finish, done)

        future.add_done_callback(hand_back)

    def _job(self, loop: asyncio.AbstractEventLoop, changed: tuple[str, ...]) -> str | None:
        """Build, publish the pages, then index them for search (on the worker thread)."""
        outcome = self._build(changed)
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._publish, outcome)
        # A newer save makes another build follow at once: index that one instead.
        if not outcome.ok or self.indexer is None or self._saved_since_start.is_set():
            return None
        try:
            self.indexer(self.out)
        except GongjianError as error:
            return ";".join(error.lines())
        except Exception as error:
            return f"{type(error).__name__}: {error}"
        return None

    def _build(self, changed: tuple[str, ...]) -> Outcome:
        """Build once (on the worker thread); turn every failure into an outcome, never raise."""
        started = time.perf_counter()
        try:
            self.builder(self.content, self.out)
        except GongjianError as error:
            return Outcome(False, tuple(error.lines()), time.perf_counter() - started, changed)
        except Exception as error:  # a bug of ours must not stop the preview either
            line = f"gongjian 内部错误({type(error).__name__}: {error});这不是内容的问题,请把这段话发给维护人员"
            return Outcome(False, (line,), time.perf_counter() - started, changed)
        return Outcome(True, (), time.perf_counter() - started, changed)

    def _finish(self, done: Future[str | None]) -> None:
        """Note the end of a build job; report a search index that could not be made."""
        self._building = None
        if done.cancelled() or self._stopped:  # stopping: nobody is waiting for this build
            return
        trouble = done.result()
        if trouble:
            self.report(f"  搜索索引没有更新(页面不受影响):{trouble}")

    def _publish(self, outcome: Outcome) -> None:
        """Show a finished build and tell the browsers (on the server thread)."""
        if self._stopped:
            return
        previous = self.outcome
        self.generation += 1
        self.builds += 1
        self.outcome = replace(outcome, generation=self.generation)
        css = self.css_only(outcome.changed) if outcome.ok and previous is not None and previous.ok else None
        self.live.reload(css or ())
        self.report(self._describe(self.outcome))

    def css_only(self, changed: Iterable[str]) -> list[str] | None:
        """Return the served paths of the changed stylesheets, or None if anything else changed."""
        homes = [(d / "static", "static/") for d in self.watched()[1:]] + [(self.content / "assets", "assets/")]
        served = []
        for name in changed:
            path = Path(name)
            home = next(((root, prefix) for root, prefix in homes if path.is_relative_to(root)), None)
            if path.suffix.lower() != ".css" or home is None:
                return None
            served.append(home[1] + path.relative_to(home[0]).as_posix())
        return served or None

    def _describe(self, outcome: Outcome) -> str:
        stamp = time.strftime("%H:%M:%S")
        names = [self._display(p) for p in outcome.changed]
        what = f"({'、'.join(names[:3])}{' 等' if len(names) > 3 else ''})" if names else ""
        if outcome.ok:
            return f"{stamp} 已更新{what},用时 {outcome.seconds:.2f} 秒。"
        lines = [f"{stamp} 生成失败{what}:浏览器里显示错误页,改好并保存后会自动恢复。"]
        return "\n".join(lines + [f"  {line}" for line in outcome.problems])

    def _display(self, path: str) -> str:
        p = Path(path)
        return p.relative_to(self.content.parent).as_posix() if p.is_relative_to(self.content.parent) else path

    def close(self) -> None:
        """Let a running build finish, then stop the worker."""
        self._stopped = True
        self._executor.shutdown(wait=True, cancel_futures=True)

    def status(self) -> dict[str, Any]:
        """Return the state of the preview, for tools and tests."""
        outcome = self.outcome
        return {
            "generation": self.generation,
            "builds": self.builds,
            "building": self.building,
            "ok": None if outcome is None else outcome.ok,
            "problems": [] if outcome is None else list(outcome.problems),
            "seconds": None if outcome is None else round(outcome.seconds, 4),
            "folder": str(self.out),
        }

    def respond(self, side: str, rel: str, url_path: str) -> Response:
        """Answer a request for `rel` on one side (public or internal) of the preview."""
        root = self.out / side
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        target = root.joinpath(*parts) if ".." not in parts else None
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):
                return Response(301, b"", "text/plain", location=url_path + "/")
            target = target / "index.html"
        is_file = target is not None and target.is_file()
        if (self.outcome is None or not self.outcome.ok) and (not is_file or (target and target.suffix == ".html")):
            return self._status_page()
        data = _read(target) if target is not None and is_file else None
        if target is None or data is None:
            return self._not_found(root)
        kind = _content_type(target)
        if kind.startswith("text/html"):
            data = inject(data, self.live.snippet(self.generation))
        return Response(200, data, kind)

    def _status_page(self) -> Response:
        snippet = self.live.snippet(self.generation)
        if self.outcome is None:
            return Response(503, inject(building_page().encode(), snippet), "text/html; charset=utf-8")
        return Response(500, inject(error_page(self.outcome.problems).encode(), snippet), "text/html; charset=utf-8")

    def _not_found(self, root: Path) -> Response:
        page = _read(self.out / "public" / "404.html") if root.name == "public" else None
        body = page or "<!DOCTYPE html><title>找不到页面</title><body><p>找不到这个页面。</p></body>".encode()
        return Response(404, inject(body, self.live.snippet(self.generation)), "text/html; charset=utf-8")


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):  # swapped away mid-request
        return None


def _content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/json", "application/xml", "image/svg+xml", "application/atom+xml"):
        kind += "; charset=utf-8"
    return kind


_PAGE_STYLE = (
    "body{font:16px/1.7 system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;background:#fff8f6;color:#222}"
    "main{max-width:60rem;margin:2rem auto;padding:0 1rem}h1{color:#b3261e;font-size:1.5rem}"
    "ol{padding-left:1.5rem}li{margin:.4rem 0;padding:.4rem .6rem;background:#fff;border-left:4px solid #b3261e}"
    "code{font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}.hint{color:#555}"
)


def error_page(problems: Iterable[str]) -> str:
    """Return the page shown instead of every page while the content has problems (needs no template)."""
    lines = list(problems)
    count = next((line for line in lines if line.startswith("共 ")), None)
    items = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in lines if line != count)
    heading = f"内容有问题,预览暂时无法生成({html.escape(count.rstrip('。'))})" if count else "预览暂时无法生成"
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>预览出错 · gongjian</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_PAGE_STYLE}</style></head>'
        f'<body><main id="gongjian-error"><h1>{heading}</h1>'
        '<p class="hint">每条写明“文件:行号: 字段: 问题”。改好并保存后,这个页面会自动回到网站。'
        "在改好之前,gongjian build 也不会覆盖原来的 site/。</p>"
        f"<ol>{items}</ol></main></body></html>"
    )


def building_page() -> str:
    """Return the page shown before the first build is done."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>正在生成预览 · gongjian</title>'
        f"<style>{_PAGE_STYLE}</style></head><body><main><h1>正在生成预览…</h1>"
        '<p class="hint">生成完成后,这个页面会自动刷新。</p></main></body></html>'
    )


class _PageHandler(tornado.web.RequestHandler):
    """Serve one side of the preview from the latest build."""

    def initialize(self, preview: Preview, side: str) -> None:
        self.preview = preview
        self.side = side

    def get(self, rel: str) -> None:
        answer = self.preview.respond(self.side, rel, self.request.path)
        self.set_status(answer.status)
        self.set_header("Cache-Control", "no-store")
        if answer.location:
            self.redirect(answer.location, permanent=True)
            return
        self.set_header("Content-Type", answer.content_type)
        self.finish(answer.body)

    def head(self, rel: str) -> None:
        self.get(rel)


class _StatusHandler(tornado.web.RequestHandler):
    """Report the preview's state as JSON."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(self.preview.status(), ensure_ascii=False))


def application(preview: Preview) -> tornado.web.Application:
    """Return the web application: the reload socket, status, internal at /internal/, public at /."""
    routes: list[Any] = [
        *preview.live.routes(),
        (STATUS_PATH, _StatusHandler, {"preview": preview}),
        (r"/internal", tornado.web.RedirectHandler, {"url": "/internal/"}),
        (r"/internal/(.*)", _PageHandler, {"preview": preview, "side": "internal"}),
        (r"/(.*)", _PageHandler, {"preview": preview, "side": "public"}),
    ]
    return tornado.web.Application(routes, log_function=lambda handler: None)


def bind(host: str, port: int) -> list[Any]:
    """Open the listening sockets; a port in use is a plain message, not a traceback."""
    try:
        return tornado.netutil.bind_sockets(port, host)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"端口 {port} 已被占用(也许另一个预览还开着);请先关掉它,或换一个端口:gongjian serve --port {port + 1}"
            ) from None
        raise UsageError(f"无法在 {host}:{port} 上启动预览({error.strerror or error});请检查 --host 和 --port") from None


def serve_preview(content_dir: Path, host: str, port: int, open_browser: bool, report: Report,
                  builder: Builder = build_preview) -> None:
    """Serve a live preview of both sides until Ctrl-C or SIGTERM."""
    if not content_dir.is_dir():
        raise UsageError(f"找不到内容文件夹 {content_dir};请用 --content 指明,或在网站文件夹里运行")
    sockets = bind(host, port)
    work = Path(tempfile.mkdtemp(prefix="gongjian-preview-"))
    try:
        asyncio.run(_serve(Preview(content_dir, work / "site", report, builder), sockets, host, open_browser))
    finally:
        for sock in sockets:
            sock.close()
        shutil.rmtree(work, ignore_errors=True)


async def _serve(preview: Preview, sockets: list[Any], host: str, open_browser: bool) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = tornado.httpserver.HTTPServer(application(preview))
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    shown = "localhost" if host in ("0.0.0.0", "::", "") else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{port}/"
    preview.report(
        f"预览已启动(含草稿故事),正在生成…\n  公开网站  {url}\n  内部看板  {url}internal/(内部资料)\n"
        f"保存 {preview.content.name}/ 或模板里的文件后,浏览器会自动刷新。按 Ctrl+C 停止。"
    )
    if host in ("0.0.0.0", "::", ""):
        preview.report("注意:同一网络里的其他电脑也能打开这个预览,包括内部看板。")
    preview.start()
    if open_browser:
        loop.run_in_executor(None, webbrowser.open, url)
    watcher = asyncio.create_task(_watch(preview))
    await stop.wait()
    watcher.cancel()
    server.stop()
    preview.live.close()
    await server.close_all_connections()
    if preview.building:
        preview.report("正在停止:等当前这次生成结束…")
    await loop.run_in_executor(None, preview.close)
    preview.report("预览已停止。")


async def _watch(preview: Preview) -> None:
    """Poll for saves until cancelled; a failing poll is reported, never fatal."""
    while True:
        await asyncio.sleep(POLL_SECONDS)
        try:
            preview.poll()
        except Exception as error:
            preview.report(f"检查文件修改时出错({error}),稍后重试。")
