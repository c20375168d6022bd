"""Measure the internal ledger pages at scale in headless Chromium from file://: size, first rows, one-unit filter.

    PYTHONPATH=$PWD python -m benchmarks.grid /tmp/site/internal   # a built site's internal folder

Prints, per grid page, the HTML size (data files apart), the time from navigation to the first rows drawn
(the grid sets <html data-grid="ready"> once its first page of rows is in the table), and the time to apply a
filter to one unit (median of 5), with the load average beside them: the machine is shared.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = ("ledger-branches.html", "ledger-units.html", "lagging.html", "activities.html")


def measure(internal: Path) -> None:
    """Print the figures for every grid page and the size of every internal HTML page."""
    biggest = max((p for p in internal.rglob("*.html")), key=lambda p: p.stat().st_size)
    print(f"largest internal page: {biggest.relative_to(internal)} {biggest.stat().st_size / 1024:.0f} KB; "
          f"data/: {sum(p.stat().st_size for p in (internal / 'data').iterdir()) / 1024:.0f} KB")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for name in PAGES:
            firsts, filters = [], []
            for _ in range(5):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto((internal / name).as_uri())
                page.wait_for_selector("html[data-grid=ready]")
                firsts.append(page.evaluate("performance.now()"))  # ms since navigation start, just after ready
                select = "select[name=unit]" if name != "ledger-units.html" else "select[name=kind]"
                value = page.evaluate(f"document.querySelector('{select}').options[1].value")
                filters.append(page.evaluate(f"""() => {{
                    const s = document.querySelector('{select}'); s.value = {value!r};
                    const t = performance.now(); s.dispatchEvent(new Event('change'));
                    return performance.now() - t; }}"""))
                page.close()
            size = (internal / name).stat().st_size / 1024
            print(f"{name}: {size:.0f} KB, first rows {statistics.median(firsts):.0f} ms, "
                  f"filter {statistics.median(filters):.1f} ms, load average {os.getloadavg()[0]:.2f}")
        browser.close()


if __name__ == "__main__":
    measure(Path(sys.argv[1]))
