"""Time each stage of one cold build, and list where cProfile says the time goes.

    python benchmarks/stages.py --content DIR [--profile 15]

Runs load → validate → compute → plan → render → write in this process,
without the cache and on one process (so every stage is seen whole), prints
the seconds of each stage, then, with --profile N, the N functions with the
most time of their own in a second, profiled build. Figures only.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import build_site, check_site, render_site  # noqa: E402
from generator.cache import BuildCache, cache_folder  # noqa: E402
from generator.load import load_content  # noqa: E402
from generator.progress import compute_progress  # noqa: E402
from generator.render import template_dirs  # noqa: E402
from generator.validate import validate_content  # noqa: E402
from generator.write import write_site  # noqa: E402


def stages(content: Path, out: Path, cached: bool) -> dict[str, float]:
    """Run each stage once and return its seconds (plan = check_site less the stages before it).

    With `cached`, render and write go through an empty build cache, as a first `gongjian build` does
    (Markdown rendered ahead on two processes, plain summaries recognised, spare-tree writer).
    """
    times: dict[str, float] = {}
    started = time.perf_counter()
    raw = load_content(content)
    times["load"] = time.perf_counter() - started
    started = time.perf_counter()
    site = validate_content(raw)
    times["validate"] = time.perf_counter() - started
    started = time.perf_counter()
    compute_progress(site)
    times["compute progress"] = time.perf_counter() - started
    started = time.perf_counter()
    checked = check_site(content)
    times["plan"] = max(0.0, time.perf_counter() - started - sum(times.values()))
    started = time.perf_counter()
    cache = BuildCache(content, out, "drafts=False", template_dirs(content)) if cached else None
    times["hash inputs (cache)"] = time.perf_counter() - started
    started = time.perf_counter()
    files = render_site(content, checked, cache)
    times["render (Jinja + Markdown)"] = time.perf_counter() - started
    started = time.perf_counter()
    if cache is None:
        write_site(files, out)
    else:
        cache.write(files, {})
        cache.close()
    times["write"] = time.perf_counter() - started
    times["total"] = sum(times.values())
    return times


def main() -> None:
    """Print stage times and, optionally, the top of a profile."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--cached", action="store_true", help="render and write through an empty cache")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gongjian-stages-"))
    try:
        shutil.rmtree(cache_folder(args.content), ignore_errors=True)
        for name, seconds in stages(args.content, work / "site", args.cached).items():
            print(f"{name:<28} {seconds:8.2f} s")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            build_site(args.content, work / "profiled", cache=False)
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(args.profile)
            print(text.getvalue())
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.cached:
            shutil.rmtree(cache_folder(args.content), ignore_errors=True)


if __name__ == "__main__":
    main()
