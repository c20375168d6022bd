"""The build as queries of the engine: each derived value asks for what it reads, nothing is keyed by hand.

Inputs (set by `Project.check` each build, unchanged records being the same objects):

- `("records", kind)`: the validated records of a kind, a tuple (units, branches, villages,
  activities, inspections, stories);
- `"settings"`, `"as_of"`, `"assets"`, `"since"`: site.yaml, the cut-off date, the asset
  files, the --since date;
- `("asset file", path)`: the stat stamp of a file under assets/ (path inside assets/);
- `("page", side, path)`, `("pages", side)` and `"templates"`: a planned page, the paths of a
  side's pages, and the version of the templates and filter settings the HTML is rendered with
  (`Project.render`); the Jinja environment of that version is a service
  (`engine.services["environments"]`), not an input, and so is `engine.services["pause"]`, which
  the preview's slow queries (Office downloads, search index) call between steps so that a new
  save can stop them (it raises `Superseded`, which the engine does not remember).

Share images drawn ahead by forked children are a service too (`SHARE_DRAWN`): each is
`share_png` of exactly the arguments of the `share_image` query that takes it.

The internal side is computed from `records_site`: the campaign's records without its
stories. A stage that needs stories must ask for them, so a cold build shows at once
what it reads; an incremental one cannot serve a page made from something it did not
record reading.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2

from generator.content.images import Picture, render_images
from generator.content.reader import Inventory
from generator.engine import Engine, query
from generator.internal.dashboard import (
    ActivityRow,
    DonationTotals,
    Lookups,
    WeekTally,
    build_dashboard,
    donation_items_of,
    donation_totals,
    lookups_of,
    newest_first,
    rows_of,
    week_tally,
    weeks_of,
)
from generator.internal.grid_data import (
    BUCKETS,
    activity_entries,
    branch_entries,
    bucket,
    bucket_script,
    data_path,
    split_buckets,
    units_script,
)
from generator.internal.internal_pages import InternalFigures, office_files, plan_internal
from generator.internal.ledger import (
    BRANCH_HEADER,
    LAGGING_HEADER,
    BranchRow,
    LaggingGroup,
    branch_csv_lines,
    csv_file,
    lagging_csv_lines,
    unit_branch_rows,
    unit_lagging_group,
    unit_rows,
)
from generator.model.model import Activity, Branch, Site
from generator.model.progress import (
    Progress,
    ProgressChange,
    compute_progress,
    cutoff_of,
    progress_change,
)
from generator.model.sums import ActivitySums, Tally, merged, sums_of
from generator.model.supervision import Supervision, summarize_supervision
from generator.public.search import PageEntry, index_of, indexed, page_entry, page_search_text
from generator.public.search_text import PageText
from generator.public.share import share_png
from generator.render.pages import Page, Plan
from generator.render.render import render_pages

RECORD_KINDS = ("units", "branches", "villages", "activities", "inspections")


def set_site(engine: Engine, site: Site) -> None:
    """Set the inputs a validated site is made of."""
    for kind in (*RECORD_KINDS, "stories"):
        engine.set_input(("records", kind), getattr(site, kind))
    engine.set_input("settings", site.settings)
    engine.set_input("as_of", site.as_of)
    engine.set_input("assets", site.assets)


@query
def records_site(engine: Engine) -> Site:
    """The campaign's records and settings, without stories or asset files (what the figures are made of)."""
    records = {kind: engine.input(("records", kind)) for kind in RECORD_KINDS}
    return Site(settings=engine.input("settings"), as_of=engine.input("as_of"), stories=(), assets=frozenset(),
                **records)


@query
def progress(engine: Engine) -> Progress:
    """The figures of spec §3."""
    return compute_progress(records_site(engine), activity_sums(engine))


@query
def change(engine: Engine) -> ProgressChange | None:
    """What changed since the --since date, if one is given."""
    since = engine.input("since", None)
    return None if since is None else progress_change(records_site(engine), progress(engine), since)


@query
def records_by_file(engine: Engine, kind: str) -> Mapping[str, tuple[Any, ...]]:
    """The records of a kind by the file they are written in (in reading order)."""
    groups: dict[str, list[Any]] = {}
    for record in engine.input(("records", kind)):
        groups.setdefault(record.source.path, []).append(record)
    return {path: tuple(records) for path, records in groups.items()}


@query
def records_in(engine: Engine, kind: str, path: str) -> tuple[Any, ...]:
    """The records of a kind written in one file: the same object while none of them changed."""
    return records_by_file(engine, kind).get(path, ())


@query
def counted_in(engine: Engine, path: str) -> tuple[Activity, ...]:
    """The activities of one file counted as of the cut-off date: unchanged (the same objects) when another file is edited."""
    as_of = engine.input("as_of")
    return tuple(a for a in records_in(engine, "activities", path) if a.date <= as_of)


@query
def counted_files(engine: Engine) -> tuple[str, ...]:
    """The files with counted activities, sorted: the order the files' parts are merged in."""
    return tuple(sorted(path for path in records_by_file(engine, "activities") if counted_in(engine, path)))


@query
def lookups(engine: Engine) -> Lookups:
    """Units, branches and villages by id (what an activity row resolves), untouched by an activity edit."""
    return lookups_of(*(engine.input(("records", kind)) for kind in ("units", "branches", "villages")))


@query
def unit_of(engine: Engine) -> dict[str, str]:
    """Each branch's unit, by branch id."""
    return {b.id: b.unit for b in engine.input(("records", "branches"))}


@query
def sums_in(engine: Engine, path: str) -> ActivitySums:
    """The sums of one file's counted activities (model/sums.py): worked out again only when that file changes."""
    return sums_of(counted_in(engine, path), unit_of(engine))


@query
def activity_sums(engine: Engine) -> ActivitySums:
    """The sums of every counted activity: the files' sums merged."""
    return merged(sums_in(engine, path) for path in counted_files(engine))


@query
def rows_in(engine: Engine, path: str) -> tuple[ActivityRow, ...]:
    """The activity rows of one file: made again only when that file's activities or the units, branches,
    villages change (an activity edit works out one file's rows, not the campaign's). Newest first: the
    campaign's rows are sorted from these runs, which a sort merges cheaply."""
    return newest_first(rows_of(counted_in(engine, path), lookups(engine)))


@query
def activity_rows(engine: Engine) -> tuple[ActivityRow, ...]:
    """Every counted activity's row, newest first."""
    return newest_first(row for path in counted_files(engine) for row in rows_in(engine, path))


@query
def branches_by_unit(engine: Engine) -> dict[str, tuple[Branch, ...]]:
    """Each unit's branches, in their order."""
    found: dict[str, list[Branch]] = {}
    for b in engine.input(("records", "branches")):
        found.setdefault(b.unit, []).append(b)
    return {unit: tuple(branches) for unit, branches in found.items()}


@query
def unit_branches(engine: Engine, unit: str) -> tuple[Branch, ...]:
    """One unit's branches: unchanged (the same objects) when another unit's are edited."""
    return branches_by_unit(engine).get(unit, ())


@query
def unit_tallies(engine: Engine, unit: str) -> tuple[Tally | None, ...]:
    """The activity tallies of one unit's branches: unchanged when an edit touches other units only."""
    by_branch = activity_sums(engine).by_branch
    return tuple(by_branch.get(b.id) for b in unit_branches(engine, unit))


@query
def unit_ledger(engine: Engine, unit: str) -> tuple[BranchRow, ...]:
    """The branch ledger lines of one unit, made again only when its branches, their tallies or the date change."""
    found = lookups(engine)
    as_of = engine.input("as_of")
    cutoff = cutoff_of(as_of, engine.input("settings").lagging_days)
    return unit_branch_rows(found.units[unit], unit_branches(engine, unit), found.villages, as_of, cutoff,
                            unit_tallies(engine, unit))


@query
def branch_ledger(engine: Engine) -> tuple[BranchRow, ...]:
    """Every branch's ledger line, by unit in the official order, then branch id."""
    return tuple(row for u in engine.input(("records", "units")) for row in unit_ledger(engine, u.id))


@query
def unit_lagging(engine: Engine, unit: str) -> LaggingGroup | None:
    """The 约谈 group of one unit (None when none of its branches lag): unchanged when its ledger lines are."""
    return unit_lagging_group(lookups(engine).units[unit], unit_ledger(engine, unit), engine.input("as_of"))


@query
def lagging_ledger(engine: Engine) -> tuple[LaggingGroup, ...]:
    """The 约谈 groups of the units with lagging branches, in the official order."""
    groups = (unit_lagging(engine, u.id) for u in engine.input(("records", "units")))
    return tuple(g for g in groups if g is not None)


@query
def unit_branch_csv(engine: Engine, unit: str) -> str:
    """One unit's lines of the branch ledger CSV."""
    return branch_csv_lines(unit_ledger(engine, unit))


@query
def unit_lagging_csv(engine: Engine, unit: str) -> str:
    """One unit's lines of the lagging list CSV."""
    group = unit_lagging(engine, unit)
    return lagging_csv_lines(() if group is None else (group,))


@query
def ledger_csv(engine: Engine) -> dict[str, bytes]:
    """The branch ledger and the lagging list as CSV, joined from the units' lines (an edit writes one unit's again)."""
    units = [u.id for u in engine.input(("records", "units"))]
    return {"ledger-branches.csv": csv_file(BRANCH_HEADER, [unit_branch_csv(engine, u) for u in units]),
            "lagging.csv": csv_file(LAGGING_HEADER, [unit_lagging_csv(engine, u) for u in units])}


@query
def supervision(engine: Engine) -> Supervision:
    """The supervision summary: made of inspections, villages, branches and units, so an activity edit keeps it."""
    records = {kind: engine.input(("records", kind)) for kind in ("units", "branches", "villages", "inspections")}
    return summarize_supervision(Site(settings=engine.input("settings"), as_of=engine.input("as_of"), activities=(),
                                      stories=(), assets=frozenset(), **records))


@query
def dashboard_parts_in(engine: Engine, path: str) -> tuple[WeekTally, DonationTotals]:
    """The weekly counts and donation totals of one file's counted activities (they add up file by file)."""
    rows = rows_in(engine, path)
    return week_tally(rows), donation_totals(rows)


@query
def figures(engine: Engine) -> InternalFigures:
    """The ledger rows, 约谈 groups, supervision summary and dashboard, from the parts made file by file and unit by unit."""
    site, figures_ = records_site(engine), progress(engine)
    units, sup, rows = unit_rows(site, figures_), supervision(engine), activity_rows(engine)
    parts = [dashboard_parts_in(engine, path) for path in counted_files(engine)]
    dash = build_dashboard(site, figures_, units, sup, rows, donation_items_of(d for _, d in parts),
                           weeks_of(site, (w for w, _ in parts)))
    return InternalFigures(branch_ledger(engine), units, lagging_ledger(engine), sup, dash, rows)


@query
def grid_entries_in(engine: Engine, path: str) -> dict[str, tuple[int, list[Any]]]:
    """The grid rows of one file's activities (grid_data.activity_entries), by activity id."""
    rows = rows_in(engine, path)
    return dict(zip((r.activity.id for r in rows), activity_entries(rows), strict=True))


@query
def activity_data(engine: Engine) -> tuple[tuple[int, list[Any]], ...]:
    """Every activity's grid row, newest first: an activity edit turns one file's rows into data again."""
    entries: dict[str, tuple[int, list[Any]]] = {}
    for path in counted_files(engine):
        entries.update(grid_entries_in(engine, path))
    return tuple(entries[r.activity.id] for r in activity_rows(engine))


@query
def unit_grid_branches(engine: Engine, unit: str) -> tuple[tuple[int, list[Any]], ...]:
    """The grid rows of one unit's branch ledger lines (grid_data.branch_entries)."""
    return branch_entries(unit_ledger(engine, unit), engine.input("as_of"))


@query
def bucket_units(engine: Engine) -> tuple[tuple[str, ...], ...]:
    """The units whose rows each data file of the branch grid holds (grid_data.bucket), in the official order."""
    found: tuple[list[str], ...] = tuple([] for _ in range(BUCKETS))
    for u in engine.input(("records", "units")):
        found[bucket(u.id)].append(u.id)
    return tuple(tuple(units) for units in found)


@query
def branch_script(engine: Engine, n: int) -> bytes:
    """One data file of the branch grid: made again only when a unit of its bucket has other ledger lines."""
    rows = [record for u in bucket_units(engine)[n] for _, record in unit_grid_branches(engine, u)]
    return bucket_script("branches", rows)


@query
def activity_buckets(engine: Engine) -> tuple[tuple[list[Any], ...], ...]:
    """Every activity's grid row, newest first, split by data file."""
    return split_buckets(activity_data(engine))


@query
def activity_bucket(engine: Engine, n: int) -> tuple[list[Any], ...]:
    """The rows of one data file of the activity grid: the same as before while none of its rows changed."""
    return activity_buckets(engine)[n]


@query
def activity_script(engine: Engine, n: int) -> bytes:
    """One data file of the activity grid: serialised again only when its rows changed."""
    return bucket_script("activities", activity_bucket(engine, n))


@query
def grid_data(engine: Engine) -> dict[str, bytes]:
    """The grids' data files (grid_data.grid_files), file by file: an activity edit writes the files it touches."""
    files = {data_path("units"): units_script(figures(engine).units)}
    files.update({data_path("branches", n): branch_script(engine, n) for n in range(BUCKETS)})
    files.update({data_path("activities", n): activity_script(engine, n) for n in range(BUCKETS)})
    return files


@query
def internal_plan(engine: Engine) -> Plan:
    """The internal side's pages and files made from the records (the dashboard, ledgers, report…)."""
    return plan_internal(records_site(engine), progress(engine), change(engine), figures(engine), grid_data(engine),
                         ledger_csv(engine))


def _pause(engine: Engine) -> Callable[[], None]:
    pause: Callable[[], None] = engine.services.get("pause", _go_on)
    return pause


def _go_on() -> None:
    """Do not pause (the CLI's build)."""


@query
def office(engine: Engine) -> dict[str, bytes]:
    """The internal side's Office downloads (output paths under internal/)."""
    made = office_files(records_site(engine), progress(engine), figures(engine), _pause(engine), change(engine))
    return {f"internal/{rel}": data for rel, data in made.items()}


Environments = Callable[[str], jinja2.Environment]


def set_pages(engine: Engine, side: str, plan: Plan) -> list[tuple[str, str]]:
    """Set one side's planned pages as inputs; return their query arguments (side, path) in plan order."""
    engine.set_inputs([(("page", side, page.path), page) for page in plan.pages])
    engine.set_input(("pages", side), tuple(page.path for page in plan.pages))
    return [(side, page.path) for page in plan.pages]


def set_some_pages(engine: Engine, pages: list[tuple[str, Page]]) -> list[tuple[str, str]]:
    """Set some planned pages (side, page) as inputs ahead of the others; return their query arguments."""
    engine.set_inputs([(("page", side, page.path), page) for side, page in pages])
    return [(side, page.path) for side, page in pages]


PAGES_RENDERED = "pages rendered ahead"  # a service: (side, path) → (HTML, search text, grams), made by forked children


@query
def page_html(engine: Engine, side: str, path: str) -> bytes:
    """One page's bytes, rendered again only when its page (context) or the templates changed.

    A page rendered ahead by a forked child from these same inputs (`PAGES_RENDERED`) is taken
    instead of rendered again.
    """
    page: Page = engine.input(("page", side, path))
    engine.input("templates")  # the version of the template files and of the filters' settings
    ahead = engine.services.get(PAGES_RENDERED, {}).get((side, path))
    if ahead is not None:
        html: bytes = ahead[0]
        return html
    environments: Environments = engine.services["environments"]
    return next(data for _, data in render_pages([page], environments(side), side))


def render_ahead(engine: Engine, key: tuple[str, str]) -> tuple[bytes, PageText | None, PageEntry | None]:
    """Render one page and, for a public page the index takes, its search text and grams (in a forked child)."""
    side, path = key
    html = page_html(engine, side, path)
    if side != "public" or not indexed(path):
        return html, None, None
    return html, page_text(engine, path), search_entry(engine, path)


def rendered(engine: Engine, keys: list[tuple[str, str]]) -> dict[str, bytes]:
    """Return the bytes of the pages `keys` (side, path), by output path."""
    return {f"{side}/{path}": page_html(engine, side, path) for side, path in keys}


@query
def page_text(engine: Engine, path: str) -> PageText | None:
    """What the search index keeps of one public page (None for a page it leaves out)."""
    html = page_html(engine, "public", path)
    ahead = engine.services.get(PAGES_RENDERED, {}).get(("public", path))
    if ahead is not None and ahead[0] is html:
        text: PageText | None = ahead[1]
        return text
    return page_search_text(path, html)


@query
def search_entry(engine: Engine, path: str) -> PageEntry | None:
    """One public page's part of the search index (its grams): worked out again only when the page's text changed."""
    text = page_text(engine, path)
    ahead = engine.services.get(PAGES_RENDERED, {}).get(("public", path))
    if ahead is not None and text is not None and ahead[1] is text:
        entry: PageEntry | None = ahead[2]  # worked out by the child that rendered the page
        return entry
    return None if text is None else page_entry(text)


@query
def search_index(engine: Engine) -> dict[str, bytes]:
    """The public site's search index (output paths under public/), merged from the entries of its pages."""
    pause = _pause(engine)
    found = []
    for path in sorted(engine.input(("pages", "public"))):
        if indexed(path):
            pause()
            entry = search_entry(engine, path)
            if entry is not None:
                found.append(entry)
    return {f"public/{rel}": data for rel, data in index_of(found, pause).items()}


def set_asset_files(engine: Engine, inventory: Inventory | None) -> None:
    """Set the stat stamp of every file under assets/ (a picture's copies are made again when its file changes)."""
    if inventory is None:
        return
    for file in inventory.of_kind("asset"):
        engine.set_input(("asset file", file.rel.removeprefix("assets/")), file.stamp)


@query
def renditions(engine: Engine, picture: Picture, content_dir: Path) -> Mapping[str, bytes]:
    """A picture's published copies, made again when the picture or its file changes."""
    engine.input(("asset file", picture.asset), None)
    return render_images([picture], content_dir)


SHARE_DRAWN = "share images drawn"  # a service: images drawn ahead, many at once (assets.with_share_images)


@query
def share_image(engine: Engine, title: str, lines: tuple[str, ...], footer: str, qr_modules: tuple[bytes, ...],
                cover: Picture | None, content_dir: Path, font: str) -> bytes:
    """A page's share image (share.py) from what it shows, drawn again only when that or the cover's copy changes.

    `cover` is the published picture whose large copy is drawn in (its renditions, asked of the engine);
    `font` is the Chinese font file found on this machine (another font draws other pixels). Images drawn
    ahead by forked children (`SHARE_DRAWN`, by these same arguments) are taken instead of drawn again.
    """
    data = renditions(engine, cover, content_dir)[cover.large.path] if cover is not None else None
    drawn: dict[tuple[Any, ...], bytes] = engine.services.get(SHARE_DRAWN, {})
    made = drawn.pop((title, lines, footer, qr_modules, cover, content_dir, font), None)
    return made if made is not None else share_png(title, lines, footer, qr_modules, data)
