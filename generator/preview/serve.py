"""Preview both sides while staff edit: rebuild on save, reload the browser, never fall over.

The preview keeps one `Project` (build.py) for its whole session and runs the same
build as `gongjian build` (`Project.build`): a save re-reads only the files that
changed, and the engine re-runs only the queries whose inputs changed. The build
hands its pages to the server as soon as they are rendered and browsers are told to
reload; then, after a quiet moment and on the same build thread, it makes the search
index and the Office downloads, and the one writer (write.py) puts everything into
the preview folder. A save during that later work stops it (the next build makes it).
A failing later step costs the preview its search box or downloads, never its pages.
A burst of saves becomes one build; saves made during a build lead to one more build
after it, so the preview always ends on the last save. A build that fails turns every
page into an error page listing the problems; the next good build brings the site
back. Saves are looked for when the system's file events say a watched folder changed
(generator/preview/watch.py), with a slow poll as the safety net, or by polling alone where
there are no events. Browsers are told to reload through generator/preview/reload.py. Nothing of a
preview outlives it: its memory is the engine's and its folder is removed when it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import json
import mimetypes
import shutil
import signal
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from generator.build import Checked, Files, Project, paused_gc
from generator.content.reader import Inventory, Stamp, scan_content, scan_templates
from generator.errors import GongjianError, Problem, Superseded, UsageError, note_lines, notes_grouped
from generator.preview.hosts import HostCheck
from generator.preview.reload import LiveReload, inject
from generator.preview.watch import FileEvents
from generator.write import write_site

# Without file events: how often the watcher stats every input (a poll of the city year takes ~3 ms,
# of 7,000 files ~80 ms: much more often would cost a good part of a core while staff only read).
# With them: how often it looks while a build job runs or a save waits for one.
POLL_SECONDS = 0.05
# After a poll found a save, the next one comes this soon: a build starts at the first poll that
# finds nothing new (with file events: when no event came for this long), so saves closer together
# than this (an editor writing a file in several steps, or several files at once) become one build,
# and a half-written file is not built on its own.
SETTLE_SECONDS = 0.015
# The writer's background work (Office downloads, search index, preview folder) starts only after the
# preview has been quiet this long: while someone saves and looks, each save's rebuild has both cores.
QUIET_SECONDS = 1.0
# With file events (watch.py), the stamps are still taken this often, in case an event was missed.
SAFETY_POLL_SECONDS = 1.0
STATUS_PATH = "/__gongjian__/status"
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

Report = Callable[[str], None]
Builder = Callable[[], Files]


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


def snapshot(content: Path, template_dirs: Iterable[Path]) -> dict[str, Stamp]:
    """Stamp every input file, as the reader lists them (absolute path → stamp)."""
    return stamps_of(scan_content(content), scan_templates(template_dirs))


def stamps_of(*inventories: Inventory) -> dict[str, Stamp]:
    """Stamp every file of the reader's inventories, editor files left out (absolute path → stamp)."""
    stamps: dict[str, Stamp] = {}
    for inventory in inventories:
        for f in inventory.files:
            if not _ignored(f.path.name):
                stamps[str(f.path)] = f.stamp
    return stamps


def changed_paths(before: dict[str, Stamp], after: dict[str, Stamp]) -> set[str]:
    """Return the files added, removed or modified between two snapshots."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


class Preview:
    """The state of one preview: what is watched, the latest build, and the browsers to tell."""

    def __init__(self, content_dir: Path, out_dir: Path, report: Report, builder: Builder | None = None,
                 as_of: date | None = None, since: date | None = None, verbose: bool = False) -> None:
        self.content = content_dir.resolve()
        self.out = out_dir.resolve()
        self.report = report
        self.project = Project(self.content, drafts=True, as_of=as_of, since=since)
        self.notes: tuple[Problem, ...] = ()
        self.verbose = verbose  # --verbose: every note one a line, as `build --verbose` shows them
        self.builder = builder  # tests: a stand-in for the build (its pages only)
        self.generation = 0
        self.builds = 0
        self.written = 0  # the generation whose files (and search index) are in the preview folder
        self.outcome: Outcome | None = None
        self.files: Files = {}
        self.later: Mapping[str, bytes] = {}  # what follows the reload: Office downloads and the search index
        self.live = LiveReload(self.stale)
        self.changed_at: dict[str, int] = {}  # output path → the generation whose build changed its bytes last
        self._shown_at = 0  # the generation at which the preview turned from site to error page or back
        self._shown_job = 0  # the job whose pages are served (its first pages may be served before the rest)
        self._jobs = 0
        self._early: set[str] | None = None  # while only a build's first pages are served: those outputs
        self._complete = asyncio.Event()  # set whenever every page served is from the latest build
        self._building: Future[None] | None = None  # the build job: its pages, then what follows them
        self._pages_ready = True  # False while a job renders its pages (the poller stays off the disk then)
        self._interrupt = threading.Event()  # a save came: the job's later steps stop
        self._pending: set[str] = set()
        self._stopped = False
        self._scanned: tuple[Inventory, Inventory] | None = None  # the reader's listing at the last look
        self._stamps = self._look()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="gongjian-build")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="gongjian-write")
        self._queued: tuple[int, Files] | None = None
        self._built_at = 0.0  # when the last pages were served: later steps and the writer wait for a quiet moment
        self._lock = threading.Lock()
        self.wake: Callable[[], None] = lambda: None  # the watcher's: look now (set by _watch)

    def watched(self) -> list[Path]:
        """Return the folders whose changes rebuild: content/ and the template folders."""
        return [self.content, *self.project.template_dirs()]

    @property
    def building(self) -> bool:
        """Return whether a build is making its pages now (what follows them is background work)."""
        return self._building is not None and not self._pages_ready

    def start(self) -> None:
        """Start the first build."""
        self._begin(set())

    @property
    def busy(self) -> bool:
        """Return whether a build job runs (pages or what follows them) or a save waits for one."""
        return self._building is not None or bool(self._pending)

    @property
    def settling(self) -> bool:
        """Return whether a save waits for its confirming poll (the watcher then looks again soon)."""
        return bool(self._pending) and self._building is None

    def poll(self, look: bool = True) -> None:
        """Look for saved files; start a build once a burst of saves is over and none is running.

        `look=False`: the file events (watch.py) said nothing changed since the last look, so the
        stamps need not be taken again to confirm that a burst of saves is over.
        """
        if self.building:
            return  # stat-ing every file would take the build's time; the first poll after it sees every save
        if look:
            stamps = self._look()
            changed = changed_paths(self._stamps, stamps)
            self._stamps = stamps
        else:
            changed = set()
        if changed:
            self._pending |= changed
            self._interrupt.set()  # the running job's later steps give way
        elif self._pending and self._building is None:
            changed, self._pending = self._pending, set()
            self._begin(changed)

    def _look(self) -> dict[str, Stamp]:
        """List and stamp every input, as the reader does; the build that follows takes this listing."""
        self._scanned = (scan_content(self.content), scan_templates(self.project.template_dirs()))
        return stamps_of(*self._scanned)

    def _begin(self, changed: set[str]) -> None:
        loop = asyncio.get_running_loop()
        self._interrupt.clear()
        self._pages_ready = False
        self._jobs += 1
        first = self.live.open_pages()  # read here, on the server thread that owns the sockets
        # The build starts from the listing that found the save (no event came since): not listed again.
        scanned, self._scanned = self._scanned, None
        future = self._executor.submit(self._job, loop, self._jobs, tuple(sorted(changed)), first, scanned)
        self._building = future

        def hand_back(done: Future[None]) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._finish, done)

        future.add_done_callback(hand_back)

    def _tell_notes(self, notes: tuple[Problem, ...]) -> None:
        if notes != self.notes:  # each save rebuilds: repeat the notes only when they change
            self.notes = notes
            for line in note_lines(notes, self.verbose):
                self.report(f"  提示：{line}")
            if not self.verbose and notes_grouped(notes):
                self.report(f"  共 {len(notes):,} 条提示；同类的已合并，加 --verbose 逐条列出。")

    def _pause(self) -> None:
        """Wait for a quiet moment after the pages were served; stop when a save comes (on the build thread)."""
        while time.monotonic() - self._built_at < QUIET_SECONDS:
            if self._stopped or self._interrupt.is_set():
                raise Superseded
            self._interrupt.wait(POLL_SECONDS)
        if self._stopped or self._interrupt.is_set():
            raise Superseded

    def _later_failed(self, what: str, error: Exception) -> None:
        reason = "；".join(error.lines()) if isinstance(error, GongjianError) else f"{type(error).__name__}: {error}"
        self.report(f"  {what}没有更新（页面不受影响）：{reason}")

    def _job(self, loop: asyncio.AbstractEventLoop, job: int, changed: tuple[str, ...], first: set[str],
             scanned: tuple[Inventory, Inventory] | None = None) -> None:
        """Build: hand the pages to the server thread, then make what follows them (on the build thread).

        The one build of build.py, the same as `gongjian build`'s. The pages open in browsers are
        rendered and served first; requests for any other page wait for the rest of the pages.
        """
        started = time.perf_counter()

        def hand(outcome: Outcome, files: Mapping[str, bytes | Path], complete: bool) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._publish, outcome, files, job, complete)

        def first_done(checked: Checked, files: Mapping[str, bytes]) -> None:
            if files:
                hand(Outcome(True, (), time.perf_counter() - started, changed), files, False)

        def pages_done(checked: Checked | None, files: Files) -> None:
            if checked is not None:
                self._tell_notes(checked.notes)
            self._built_at = time.monotonic()
            self._pages_ready = True
            hand(Outcome(True, (), time.perf_counter() - started, changed), files, True)

        def failed(line: str | list[str]) -> None:
            self._pages_ready = True
            lines = tuple([line] if isinstance(line, str) else line)
            hand(Outcome(False, lines, time.perf_counter() - started, changed), {}, True)

        try:
            with paused_gc():  # the collector runs between builds
                if self.builder is not None:
                    files, later = self.builder(), {}
                    pages_done(None, files)
                else:
                    inventory, templates = scanned or (None, None)
                    built = self.project.build(pages_done=pages_done, first=first, first_done=first_done,
                                               pause=self._pause, later_failed=self._later_failed,
                                               inventory=inventory, templates=templates)
                    files, later = built.files, built.later
        except Superseded:
            return  # a newer save: its build comes next and is written instead
        except GongjianError as error:
            failed(error.lines())
            return
        except Exception as error:  # a bug of ours must not stop the preview either
            failed(f"gongjian 内部错误（{type(error).__name__}: {error}）；这不是内容的问题，请把这段话发给维护人员")
            return
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._queue_write, files, later)

    def _queue_write(self, files: Files, later: Mapping[str, bytes]) -> None:
        """Serve what followed the pages and have it all written (on the server thread)."""
        if self._stopped or self.outcome is None or not self.outcome.ok:
            return
        self.later = later
        with self._lock:
            self._queued = (self.generation, {**files, **later})
        self._writer.submit(self._write)

    def _yield_to_builds(self) -> None:
        """Wait while a build runs or a save waits for one (on the writer thread).

        Raises Superseded when a newer build has been queued meanwhile or the preview stops:
        what is being written would be thrown away.
        """
        while not self._stopped and (self._building is not None or self._pending):
            time.sleep(POLL_SECONDS)
        if self._stopped or self._queued is not None:
            raise Superseded

    def _write(self) -> None:
        """Write the queued build into the preview folder (on the writer thread)."""
        with self._lock:
            queued, self._queued = self._queued, None
        if queued is None or self._stopped:
            return  # a newer build was queued and written already
        generation, files = queued
        with contextlib.suppress(Superseded):  # a newer build is queued: it is written next
            write_site(files, self.out, pause=self._yield_to_builds)
            self.written = generation

    def _finish(self, done: Future[None]) -> None:
        """Note the end of a build job."""
        self._building = None
        self._pages_ready = True
        self._early = None
        self._complete.set()
        self.wake()

    def _publish(self, outcome: Outcome, files: Mapping[str, bytes | Path], job: int = 0,
                 complete: bool = True) -> None:
        """Serve a build's pages (its first ones, or all) and tell the browsers whose page changed (server thread)."""
        if self._stopped:
            return
        previous = self.outcome
        again = job != 0 and job == self._shown_job  # the rest of the pages of a build whose first ones are served
        if not again:
            self.generation += 1
            self.builds += 1
            self._shown_job = job
        self.outcome = replace(outcome, generation=self.generation)
        shown = self.files
        if outcome.ok:
            self.files = {**shown, **files} if not complete else dict(files)
        self._early = None if complete else set(files)
        if complete:
            self._complete.set()
        else:
            self._complete.clear()
        if not outcome.ok or previous is None or not previous.ok:
            self._shown_at = self.generation  # the error page came or went: every page is another now
            self.live.reload()
        else:
            changed = [k for k in self.files.keys() | shown.keys()
                       if (a := shown.get(k)) is not (b := self.files.get(k)) and a != b]
            for key in changed:
                self.changed_at[key] = self.generation
            css = None if again else self.css_only(outcome.changed)
            if css:
                self.live.reload(css)
            elif changed:
                self.live.reload(pages=self._affected(changed))
        if not again:
            self.report(self._describe(self.outcome))

    def _affected(self, changed: list[str]) -> set[str]:
        """Return the pages to reload: those whose HTML changed, and open ones naming another changed file.

        A page also shows what it loads (a stylesheet, script, picture or data file that kept its name);
        an open page whose HTML names such a file's name reloads too (a name in a link only is harmless).
        """
        pages = {k for k in changed if k.endswith(".html")}
        names = {k.rsplit("/", 1)[-1].encode() for k in changed if not k.endswith(".html")}
        if names:
            for page in self.live.open_pages() - pages:
                data = self.files.get(page)
                if isinstance(data, bytes) and any(name in data for name in names):
                    pages.add(page)
        return pages

    def stale(self, page: str | None, generation: int) -> bool:
        """Whether a browser's page (output path; None: unknown), served at `generation`, has changed since."""
        if page is None or self._shown_at > generation:
            return generation != self.generation
        return self.changed_at.get(page, 0) > generation

    async def ready(self, side: str, rel: str) -> None:
        """Wait, if only a build's first pages are served and this is another one, for the rest."""
        early = self._early
        if early is None:
            return
        key = "/".join([side, *[p for p in rel.split("/") if p not in ("", ".")]])
        if key not in early and f"{key}/index.html" not in early:
            await self._complete.wait()

    def css_only(self, changed: Iterable[str]) -> list[str] | None:
        """Return the served paths of the changed stylesheets, or None if anything else changed."""
        homes = [(d / "static", "static/") for d in self.project.template_dirs()] + [(self.content / "assets", "assets/")]
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
        what = f"（{'、'.join(names[:3])}{' 等' if len(names) > 3 else ''}）" if names else ""
        if outcome.ok:
            return f"{stamp} 已更新{what}，用时 {outcome.seconds:.2f} 秒。"
        lines = [f"{stamp} 生成失败{what}：浏览器里显示错误页，改好并保存后会自动恢复。"]
        return "\n".join(lines + [f"  {line}" for line in outcome.problems])

    def _display(self, path: str) -> str:
        p = Path(path)
        return p.relative_to(self.content.parent).as_posix() if p.is_relative_to(self.content.parent) else path

    def close(self) -> None:
        """Let a running build finish, then stop the worker."""
        self._stopped = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._writer.shutdown(wait=True, cancel_futures=True)

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
            "written": self.written,
        }

    def respond(self, side: str, rel: str, url_path: str) -> Response:
        """Answer a request for `rel` on one side (public or internal) of the preview."""
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if ".." in parts:
            return self._not_found(side)
        key = "/".join([side, *parts])
        files = self.files
        if key not in files and f"{key}/index.html" in files:
            if not url_path.endswith("/"):
                return Response(301, b"", "text/plain", location=url_path + "/")
            key = f"{key}/index.html"
        failed = self.outcome is None or not self.outcome.ok
        if failed and (key not in files or key.endswith(".html")):
            return self._status_page()
        # The search index and the Office downloads follow the pages by a moment: they are made after the reload.
        content = files.get(key) or self.later.get(key)
        data = _read(content) if isinstance(content, Path) else content
        if data is None:
            return self._not_found(side)
        kind = _content_type(Path(key))
        if kind.startswith("text/html"):
            data = inject(data, self.live.snippet(self.generation, key))
        return Response(200, data, kind)

    def _status_page(self) -> Response:
        snippet = self.live.snippet(self.generation)
        if self.outcome is None:
            return Response(503, inject(building_page().encode(), snippet), "text/html; charset=utf-8")
        return Response(500, inject(error_page(self.outcome.problems).encode(), snippet), "text/html; charset=utf-8")

    def _not_found(self, side: str) -> Response:
        content = self.files.get("public/404.html") if side == "public" else None
        page = content if isinstance(content, bytes) else None
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
    heading = f"内容有问题，预览暂时无法生成（{html.escape(count.rstrip('。'))}）" if count else "预览暂时无法生成"
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>预览出错 · gongjian</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_PAGE_STYLE}</style></head>'
        f'<body><main id="gongjian-error"><h1>{heading}</h1>'
        '<p class="hint">每条写明“<code>文件:行号: 字段: 问题</code>”。改好并保存后，这个页面会自动回到网站。'
        "在改好之前，<code>gongjian build</code> 也不会覆盖原来的 <code>site/</code>。</p>"
        f"<ol>{items}</ol></main></body></html>"
    )


def building_page() -> str:
    """Return the page shown before the first build is done."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>正在生成预览 · gongjian</title>'
        f"<style>{_PAGE_STYLE}</style></head><body><main><h1>正在生成预览…</h1>"
        '<p class="hint">生成完成后，这个页面会自动刷新。</p></main></body></html>'
    )


class _PageHandler(tornado.web.RequestHandler):
    """Serve one side of the preview from the latest build."""

    def initialize(self, preview: Preview, side: str) -> None:
        self.preview = preview
        self.side = side

    async def get(self, rel: str) -> None:
        await self.preview.ready(self.side, rel)
        answer = self.preview.respond(self.side, rel, self.request.path)
        self.set_status(answer.status)
        self.set_header("Cache-Control", "no-store")
        if answer.location:
            self.redirect(answer.location, permanent=True)
            return
        self.set_header("Content-Type", answer.content_type)
        self.set_header("X-Content-Type-Options", "nosniff")
        if answer.content_type.startswith("image/svg+xml"):
            # An SVG opened on its own is a document of the preview's origin: it may draw, never run script.
            self.set_header("Content-Security-Policy", SVG_POLICY)
        self.finish(answer.body)

    async def head(self, rel: str) -> None:
        await self.get(rel)


class _StatusHandler(tornado.web.RequestHandler):
    """Report the preview's state as JSON."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(self.preview.status(), ensure_ascii=False))


class _ForbiddenHandler(tornado.web.RequestHandler):
    """Answer a request made under a name the preview does not know (DNS rebinding) with a plain 403."""

    def prepare(self) -> None:
        self.set_status(403)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(forbidden_page().encode())


class _GuardedApplication(tornado.web.Application):
    """An application that answers only requests whose Host is the preview's own (every path, the socket too)."""

    def __init__(self, routes: list[Any], hosts: HostCheck) -> None:
        super().__init__(routes, log_function=lambda handler: None)
        self.hosts = hosts

    def find_handler(self, request: Any, **kwargs: Any) -> Any:
        """Route a request; one under a foreign name gets the 403 page whatever its path or method."""
        if not self.hosts.allows(request.headers.get_list("Host")):
            return self.get_handler_delegate(request, _ForbiddenHandler)
        return super().find_handler(request, **kwargs)


def forbidden_page() -> str:
    """Return the page shown to a request under a foreign host name (no script, no data)."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>不能这样打开预览 · gongjian</title>'
        f"<style>{_PAGE_STYLE}</style></head><body><main><h1>不能这样打开预览（403）</h1>"
        "<p>预览只接受用本机地址打开，例如 <code>http://localhost:端口/</code> 或 <code>http://127.0.0.1:端口/</code>"
        "（或启动时 <code>--host</code> 写的地址）。用别的网址打开，可能是别的网站在冒用本机读取内部资料，已拒绝。</p>"
        "</main></body></html>"
    )


def application(preview: Preview, host: str = "127.0.0.1") -> tornado.web.Application:
    """Return the web application: the reload socket, status, internal at /internal/, public at /."""
    hosts = HostCheck(host)
    routes: list[Any] = [
        *preview.live.routes(hosts),
        (STATUS_PATH, _StatusHandler, {"preview": preview}),
        (r"/internal", tornado.web.RedirectHandler, {"url": "/internal/"}),
        (r"/internal/(.*)", _PageHandler, {"preview": preview, "side": "internal"}),
        (r"/(.*)", _PageHandler, {"preview": preview, "side": "public"}),
    ]
    return _GuardedApplication(routes, hosts)


def bind(host: str, port: int) -> list[Any]:
    """Open the listening sockets; a port in use is a plain message, not a traceback."""
    try:
        return tornado.netutil.bind_sockets(port, host)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"端口 {port} 已被占用（也许另一个预览还开着）；请先关掉它，或换一个端口：gongjian serve --port {port + 1}"
            ) from None
        raise UsageError(f"无法在 {host}:{port} 上启动预览（{error.strerror or error}）；请检查 --host 和 --port") from None


def serve_preview(content_dir: Path, host: str, port: int, open_browser: bool, report: Report,
                  as_of: date | None = None, since: date | None = None, verbose: bool = False) -> None:
    """Serve a live preview of both sides until Ctrl-C or SIGTERM."""
    if not content_dir.is_dir():
        raise UsageError(f"找不到内容文件夹 {content_dir}；请用 --content 指明，或在网站文件夹里运行")
    sockets = bind(host, port)
    work = Path(tempfile.mkdtemp(prefix="gongjian-preview-"))
    try:
        preview = Preview(content_dir, work / "site", report, as_of=as_of, since=since, verbose=verbose)
        asyncio.run(_serve(preview, sockets, host, open_browser))
    finally:
        for sock in sockets:
            sock.close()
        shutil.rmtree(work, ignore_errors=True)


async def _serve(preview: Preview, sockets: list[Any], host: str, open_browser: bool) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = tornado.httpserver.HTTPServer(application(preview, host))
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    shown = "localhost" if host in ("0.0.0.0", "::", "") else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{port}/"
    preview.report(
        f"预览已启动（含草稿故事），正在生成…\n  公开网站  {url}\n  内部看板  {url}internal/（内部资料）\n"
        f"保存 {preview.content.name}/ 或模板里的文件后，浏览器会自动刷新。按 Ctrl+C 停止。"
    )
    if host in ("0.0.0.0", "::", ""):
        preview.report("注意：同一网络里的其他电脑也能打开这个预览，包括内部看板。")
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
        preview.report("正在停止：等当前这次生成结束…")
    await loop.run_in_executor(None, preview.close)
    preview.report("预览已停止。")


def _soon(loop: asyncio.AbstractEventLoop, call: Callable[[], None]) -> None:
    """Have the loop call `call` (from another thread); nothing once the loop is closed."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(call)


async def _watch(preview: Preview) -> None:
    """Look for saves until cancelled: when a file event comes, else every POLL_SECONDS; never fatal.

    With file events a save is looked at at once, and a burst of saves is over when no event came
    for SETTLE_SECONDS; the stamps are then taken only every SAFETY_POLL_SECONDS, in case events
    miss a change. Without them (watch.py could not watch), every POLL_SECONDS as before.
    """
    loop = asyncio.get_running_loop()
    woke = asyncio.Event()
    events = FileEvents(preview.watched(), lambda: _soon(loop, woke.set))
    events.start()
    preview.wake = woke.set  # a build job that ends lets a waiting save start its build at once
    dirty = False  # an event came that no poll has looked at yet
    looked = time.monotonic()
    try:
        while True:
            if preview.settling:
                wait = SETTLE_SECONDS
            elif events.working and not dirty and not preview.busy:
                wait = SAFETY_POLL_SECONDS
            else:
                wait = POLL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woke.wait(), wait)
            if woke.is_set():
                woke.clear()
                dirty = True
            if preview.building:
                continue  # the first look after the build's pages sees every save made meanwhile
            try:
                now = time.monotonic()
                if dirty or not events.working or now - looked >= SAFETY_POLL_SECONDS:
                    dirty, looked = False, now
                    preview.poll()
                elif preview.settling:
                    preview.poll(look=False)  # no event came for SETTLE_SECONDS: the burst of saves is over
            except Exception as error:
                preview.report(f"检查文件修改时出错（{error}），稍后重试。")
    finally:
        events.close()
