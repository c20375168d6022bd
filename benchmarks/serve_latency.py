"""Measure how long a saved story takes to reach the preview: save → rebuilt page served (and shown).

Runs the real `python -m generator serve` on a scratch copy of the example
content (never the original), appends a new line to a story again and again,
and times:

  full build   build_site() alone, in this process (what every save costs)
  served       file written → the preview answers the story URL with the new line
  shown        file written → the new line is visible in headless Chromium (--browser)

    python benchmarks/serve_latency.py [--content content] [--rounds 10] [--browser]

Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import build_site  # noqa: E402
from tests.preview_server import PreviewServer, preview  # noqa: E402

# Polling the server much faster would steal its CPU from the build being timed.
POLL = 0.02


def _summary(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (f"{name:<12} median {statistics.median(ordered) * 1000:7.0f} ms   p90 {p90 * 1000:7.0f} ms   "
            f"min {ordered[0] * 1000:7.0f} ms   max {ordered[-1] * 1000:7.0f} ms   (n={len(ordered)})")


def _story(content: Path) -> Path:
    for story in sorted((content / "stories").glob("*.md")):
        if "draft: true" not in story.read_text(encoding="utf-8"):
            return story
    raise SystemExit(f"{content}/stories 里没有可以修改的故事")


def _served(url: str, marker: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url, timeout=30) as response:
            if marker in response.read().decode("utf-8"):
                return True
        time.sleep(POLL)
    return False


def _shown(server: PreviewServer, url: str, story: Path, original: str, rounds: int) -> list[float]:
    """Time save → new text visible in headless Chromium, which reloads by itself."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    shown = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = chromium.new_page()
        page.goto(url)
        for n in range(rounds):
            page.wait_for_function("window.LiveReload && window.LiveReload.connector.protocol >= 7")
            marker = f"浏览器第{n}次保存{time.time_ns()}"
            generation = server.status()["generation"]
            story.write_text(original + f"\n{marker}\n", encoding="utf-8")
            saved = time.monotonic()
            page.wait_for_function(f"document.body.innerText.includes({marker!r})", timeout=120_000, polling=5)
            shown.append(time.monotonic() - saved)
            server.wait_build_after(generation)
        chromium.close()
    return shown


def measure(content: Path, rounds: int, browser: bool) -> None:
    """Print the figures for `rounds` saves of one story."""
    work = Path(tempfile.mkdtemp(prefix="gongjian-bench-"))
    try:
        copy = work / "content"
        shutil.copytree(content, copy)
        files = sum(1 for p in copy.rglob("*") if p.is_file())
        builds = []
        for _ in range(max(3, rounds // 2)):
            started = time.perf_counter()
            build_site(copy, work / "site", drafts=True)
            builds.append(time.perf_counter() - started)
        story = _story(copy)
        original = story.read_text(encoding="utf-8")
        served: list[float] = []
        shown: list[float] = []
        server_builds: list[float] = []
        with preview(copy) as server:
            url = f"{server.url}stories/{story.stem}/"
            rss_before = server.rss_kib()
            for n in range(rounds):
                marker = f"基准测试第{n}次保存{time.time_ns()}"
                generation = server.status()["generation"]
                story.write_text(original + f"\n{marker}\n", encoding="utf-8")
                saved = time.monotonic()
                if not _served(url, marker, saved + 120):
                    raise SystemExit(f"第 {n} 次保存两分钟内没有出现在预览里:\n{server.output}")
                served.append(time.monotonic() - saved)
                server_builds.append(float(server.wait_build_after(generation)["seconds"]))
            rss_after = server.rss_kib()
            if browser:
                shown = _shown(server, url, story, original, rounds)
        print(f"content: {content} ({files} files), story: stories/{story.name}, {rounds} saves")
        print(_summary("full build", builds))
        print(_summary("preview build", server_builds))
        print(_summary("served", served))
        if shown:
            print(_summary("shown", shown))
        print(f"server RSS   {rss_before / 1024:.1f} MiB before the saves, {rss_after / 1024:.1f} MiB after")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    """Parse arguments and measure."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = REPO / "content"
    if not default.is_dir():
        default = REPO / "tests/fixtures/minimal/content"
    parser.add_argument("--content", type=Path, default=default, help=f"content to copy and edit (default {default})")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--browser", action="store_true", help="also time save → shown in headless Chromium")
    args = parser.parse_args()
    measure(args.content.resolve(), args.rounds, args.browser)


if __name__ == "__main__":
    main()
