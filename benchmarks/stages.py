"""Time each stage of one cold build, and list where cProfile says the time goes.

    python benchmarks/stages.py --content DIR [--profile 15]

Runs read → load → validate → compute → plan → render → search index → write in
this process, with a fresh engine (so every stage is seen whole), prints the
seconds of each stage, then, with --profile N, the N functions with the most
time of their own in a second, profiled build. Figures only.
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

from generator.build import Project, build_site  # noqa: E402
from generator.content.load import load_content  # noqa: E402
from generator.content.reader import scan_content  # noqa: E402
from generator.internal.internal_pages import internal_figures, plan_internal  # noqa: E402
from generator.model.progress import compute_progress  # noqa: E402
from generator.model.validate import validate_content  # noqa: E402
from generator.write import write_site  # noqa: E402


def stages(content: Path, out: Path) -> dict[str, float]:
    """Run each stage once and return its seconds."""
    times: dict[str, float] = {}

    def timed(name: str, work):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = work()
        times[name] = time.perf_counter() - started
        return result

    inventory = timed("read (list inputs)", lambda: scan_content(content))
    raw = timed("load (parse YAML)", lambda: load_content(content, inventory=inventory))
    site = timed("validate", lambda: validate_content(raw))
    progress = timed("compute progress", lambda: compute_progress(site))
    figures = timed("internal figures", lambda: internal_figures(site, progress))
    timed("plan internal", lambda: plan_internal(site, progress, None, figures))
    project = Project(content)
    checked = timed("whole check (all of the above + public plan)", lambda: project.check(inventory))
    files = timed("render (Jinja + Markdown)", lambda: project.render(checked))
    files.update(timed("office downloads (.xlsx, .docx)", project.office_files))
    files.update(timed("search index", project.search_index))
    timed("write", lambda: write_site(files, out))
    return times


def main() -> None:
    """Print stage times and, optionally, the top of a profile."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--profile", type=int, default=0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gongjian-stages-"))
    try:
        for name, seconds in stages(args.content, work / "site").items():
            print(f"{name:<46} {seconds:8.2f} s")
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


if __name__ == "__main__":
    main()
