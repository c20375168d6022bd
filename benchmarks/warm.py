"""Time rebuilds in one long-lived process, as the preview server runs them: save → changed pages written.

    python benchmarks/warm.py --content DIR --out DIR [--story FILE] [--activities FILE] [--edits 3] [--no-search]

Builds once (cache on), then edits a story and an activity ledger `--edits` times
each, timing build_site() after every save; also times compute_progress() on the
loaded site. Prints one JSON object. Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import build_site  # noqa: E402
from generator.load import load_content  # noqa: E402
from generator.progress import compute_progress  # noqa: E402
from generator.validate import validate_content  # noqa: E402


def edit_story(path: Path, round_: int) -> None:
    """Append a paragraph to a story."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n第{round_}次预览修改：补充一段新的内容。\n")


def edit_activity(path: Path, round_: int) -> None:
    """Change the participants of the first activity in a ledger file."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"participants: (\d+)", lambda m: f"participants: {int(m.group(1)) + 1}", text, count=1)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    """Run the warm rebuilds and print their timings as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--story", type=Path)
    parser.add_argument("--activities", type=Path)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--no-search", action="store_true", help="build without the Pagefind index, as a preview could")
    args = parser.parse_args()
    result: dict[str, object] = {}
    started = time.perf_counter()
    build_site(args.content, args.out, search=not args.no_search)
    result["first"] = time.perf_counter() - started
    started = time.perf_counter()
    build_site(args.content, args.out, search=not args.no_search)
    result["unchanged"] = time.perf_counter() - started
    for name, target, change in (("story", args.story, edit_story), ("activity", args.activities, edit_activity)):
        if target is None:
            continue
        times = []
        for round_ in range(1, args.edits + 1):
            change(target, round_)
            started = time.perf_counter()
            build_site(args.content, args.out, search=not args.no_search)
            times.append(time.perf_counter() - started)
        result[name] = times
    site = validate_content(load_content(args.content))
    started = time.perf_counter()
    compute_progress(site)
    result["progress"] = time.perf_counter() - started
    print(json.dumps(result))


if __name__ == "__main__":
    main()
