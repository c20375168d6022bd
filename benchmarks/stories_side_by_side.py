"""The 5,000-story corpus cold, side by side in one run: gongjian, Hugo, Hugo + Pagefind, Pelican.

    python benchmarks/stories_side_by_side.py --stories 5000 --runs 3

Each build is its own process, timed from start to exit (run.measure). "Hugo + Pagefind"
is Hugo's cold build plus Pagefind indexing Hugo's output (what a Hugo site needs for the
search box gongjian builds in). Needs the bench extra (pip install -e '.[bench]').
Prints one Markdown table with medians (min–max) and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402
import run  # noqa: E402
import synth  # noqa: E402


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    """Build the corpus with each tool `--runs` times, alternating, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import pagefind_bin_extended  # type: ignore[import-not-found]

    root = run.WORK / f"side-by-side-{args.stories}"
    shutil.rmtree(root, ignore_errors=True)
    stories = synth.write_story_corpus(root / "gongjian", args.stories)
    hugo = peers.write_hugo(root / "hugo", stories)
    pelican = peers.write_pelican(root / "pelican", stories, cache=True)
    content = root / "gongjian" / "content"
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {k: [] for k in ("gongjian", "gongjian unchanged", "hugo", "pagefind", "pelican")}
    for _ in range(args.runs):
        run.forget(content, root / "gongjian" / "site")
        times["gongjian"].append(run.measure(run.gongjian(content, root / "gongjian" / "site"), run.REPO).seconds)
        times["gongjian unchanged"].append(
            run.measure(run.gongjian(content, root / "gongjian" / "site"), run.REPO).seconds)
        shutil.rmtree(root / "hugo-out", ignore_errors=True)
        times["hugo"].append(run.measure(peers.hugo_command(hugo, root / "hugo-out"), hugo).seconds)
        times["pagefind"].append(run.measure([str(pagefind_bin_extended.get_executable()), "--site", ".", "--silent"],
                                             root / "hugo-out").seconds)
        shutil.rmtree(root / "pelican-out", ignore_errors=True)
        shutil.rmtree(pelican / "cache", ignore_errors=True)
        times["pelican"].append(run.measure(peers.pelican_command(pelican, root / "pelican-out"), pelican).seconds)
    load_after = os.getloadavg()
    both = [h + p for h, p in zip(times["hugo"], times["pagefind"], strict=True)]
    g = statistics.median(times["gongjian"])
    print(f"{args.stories} stories, {args.runs} runs each; load {load_before[0]:.2f}/{load_before[1]:.2f} → "
          f"{load_after[0]:.2f}/{load_after[1]:.2f} (1/5 min)")
    print("| build | time | gongjian ÷ it |")
    print("|---|---|---|")
    print(f"| gongjian cold (with search index) | {_fmt(times['gongjian'])} | 1.00 |")
    print(f"| gongjian no-change rebuild | {_fmt(times['gongjian unchanged'])} | — |")
    for name, values in (("Hugo cold", times["hugo"]), ("Hugo + Pagefind", both), ("Pelican cold", times["pelican"])):
        print(f"| {name} | {_fmt(values)} | {g / statistics.median(values):.2f} |")
    print(f"no-change rebuild ÷ Hugo cold: {statistics.median(times['gongjian unchanged']) / statistics.median(times['hugo']):.2f}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
