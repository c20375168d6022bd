"""Time the real preview: save → the server answers with the changed page.

    python benchmarks/warm.py --content DIR --story FILE --activities FILE [--edits 5]

Starts `python -m generator serve` on DIR, waits for its first build (pages, then search
index, Office downloads and the preview folder written), then edits
the story `--edits` times (appending a marked line; timed until the story page
served contains it) and the activity ledger `--edits` times (bumping the first
`participants:`; timed until the dashboard, /internal/, shows the new total, and
until /internal/progress.json does). Two live-reload sockets stand for two open
browser tabs, the story page and the dashboard, as a browser's reload script
announces them: the preview renders the open pages first (`--no-tabs`: none open,
every page is rendered before any is served). Also times compute_progress() on the
loaded site. Prints one JSON object. Edits are undone at the end. Figures only;
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import tests.preview_server  # noqa: E402
from generator.content.load import load_content  # noqa: E402
from generator.model.progress import compute_progress  # noqa: E402
from generator.model.validate import validate_content  # noqa: E402
from tests.preview_server import preview  # noqa: E402

tests.preview_server.TIMEOUT = 1800.0  # a first build at scale L takes minutes: a guard, not a measurement

POLL = 0.01  # polling much faster would take CPU from the build being timed


def edit_story(path: Path, round_: int) -> str:
    """Append a marked paragraph to a story; return the marker."""
    marker = f"第{round_}次预览修改{time.time_ns()}"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n{marker}：补充一段新的内容。\n")
    return marker


def edit_activity(path: Path, round_: int) -> None:
    """Change the participants of the first activity in a ledger file (one more)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"participants: (\d+)", lambda m: f"participants: {int(m.group(1)) + 1}", text, count=1)
    path.write_text(text, encoding="utf-8")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=600) as response:
        data: bytes = response.read()
        return data


def _until(url: str, test: object, limit: float = 600) -> float:
    """Poll `url` until `test(body)` holds; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if test(_get(url)):  # type: ignore[operator]
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(POLL)
    raise SystemExit(f"{url} did not change within {limit} s")


def open_tabs(url: str, pages: list[str]) -> threading.Event:
    """Keep one live-reload socket per page open (what a browser tab's reload script does); set the event to close."""
    done = threading.Event()
    ready = threading.Barrier(2)

    async def run() -> None:
        origin = url.rstrip("/")
        sockets = []
        for page in pages:
            request = HTTPRequest(url.replace("http://", "ws://") + "livereload", headers={"Origin": origin})
            socket = await websocket_connect(request)
            await socket.write_message(json.dumps({"command": "hello", "protocols": [
                "http://livereload.com/protocols/official-7"]}))
            await socket.read_message()
            await socket.write_message(json.dumps({"command": "gongjian-check", "generation": -1, "page": page}))
            sockets.append(socket)
        ready.wait()
        while not done.is_set():
            await asyncio.sleep(0.05)
        for socket in sockets:
            socket.close()

    threading.Thread(target=lambda: asyncio.run(run()), daemon=True).start()
    ready.wait()
    return done


def _participants(body: bytes) -> int:
    return int(json.loads(body)["activities"]["participants"])


def main() -> None:
    """Run the preview, time the edits, print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--story", type=Path, required=True)
    parser.add_argument("--activities", type=Path, required=True)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--no-tabs", action="store_true", help="no page open in a browser")
    args = parser.parse_args()
    originals = {args.story: args.story.read_bytes(), args.activities: args.activities.read_bytes()}
    result: dict[str, object] = {}
    try:
        started = time.monotonic()
        with preview(args.content) as server:
            state = server.wait(lambda s: s["generation"] >= 1 and s["ok"] is not None)
            result["first"] = time.monotonic() - started
            # Edits start once the first build is wholly done (search index, Office downloads, preview folder
            # written): someone who saves while those are still being made may wait for them, which is not
            # what a save costs while they edit.
            server.wait(lambda s: s["written"] >= s["generation"] and not s["building"])
            result["first_written"] = time.monotonic() - started
            story_url = f"{server.url}stories/{args.story.stem}/"
            progress_url = f"{server.url}internal/progress.json"
            dashboard_url = f"{server.url}internal/"
            pages = [f"public/stories/{args.story.stem}/index.html", "internal/index.html"]
            tabs = None if args.no_tabs else open_tabs(server.url, pages)
            result["tabs"] = [] if args.no_tabs else pages
            stories, activities, dashboards, story_builds, activity_builds = [], [], [], [], []
            for round_ in range(1, args.edits + 1):
                time.sleep(0.3)  # a separate save, not part of the last burst
                generation = server.status()["generation"]
                marker = edit_story(args.story, round_)
                stories.append(_until(story_url, lambda body, m=marker: m.encode() in body))
                story_builds.append(float(server.wait_build_after(generation)["seconds"]))
            for round_ in range(1, args.edits + 1):
                time.sleep(0.3)
                generation = server.status()["generation"]
                before = _participants(_get(progress_url))
                edit_activity(args.activities, round_)
                shown = f"{before + 1:,}".encode()
                dashboards.append(_until(dashboard_url, lambda body, t=shown: t in body))
                # from the same save: the dashboard's wait plus what progress.json took after it
                activities.append(dashboards[-1] + _until(progress_url, lambda body, b=before: _participants(body) == b + 1))
                activity_builds.append(float(server.wait_build_after(generation)["seconds"]))
            if tabs is not None:
                tabs.set()
            result.update(story=stories, activity=activities, activity_dashboard=dashboards, story_build=story_builds,
                          activity_build=activity_builds, rss_mib=server.rss_kib() / 1024,
                          generation=state["generation"])
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
    site = validate_content(load_content(args.content))
    started = time.monotonic()
    compute_progress(site)
    result["progress"] = time.monotonic() - started
    print(json.dumps(result))


if __name__ == "__main__":
    main()
