"""Orchestrate a build: read → load → validate → compute → plan → render → write.

A `Project` is one site built again and again. Its engine remembers each stage's
results (parsed files, converted Markdown, rendered pages), so that a rebuild redoes
only what an edit touched; the preview keeps one for its whole session, the CLI makes
a fresh one per run. Remembering never changes what is built: a rebuild gives the same
bytes as a cold build of the same inputs (tests/test_incremental.py).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import importlib.metadata
import sys
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from generator import pipeline, pipeline_content, side_process
from generator.content.images import Picture
from generator.content.reader import Inventory, fingerprint, scan_content, scan_templates, static_files
from generator.engine import Engine
from generator.errors import Problem, StrictNotes, Superseded, UsageError
from generator.internal.internal_pages import InternalFigures
from generator.internal.wechat_pages import wechat_plan, with_wechat
from generator.model.model import Site
from generator.model.progress import Progress, ProgressChange
from generator.public.assets import Published, asset_files, with_favicon, with_share_images
from generator.public.plan import FilterMarkdown, public_plan, set_story_files
from generator.render.pages import Plan
from generator.render.render import make_environment, template_dirs
from generator.write import guard_output, output_intact, read_record, remove_leftovers, write_site

_LIBRARIES = ("jinja2", "markupsafe", "markdown", "nh3", "pyyaml", "pillow", "pygal", "pypinyin", "lxml", "openpyxl",
              "python-docx", "segno")


@functools.cache
def code_salt() -> str:
    """Hash the generator's own files and the versions of the libraries that shape its output."""
    h = hashlib.sha256(f"{sys.version}|".encode())
    for name in _LIBRARIES:
        try:
            h.update(f"{name}={importlib.metadata.version(name)}|".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{name}=?|".encode())
    package = Path(__file__).resolve().parent
    for file in sorted(package.rglob("*.py")):
        h.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class Checked:
    """A validated site, its figures and both plans, before anything is rendered."""

    site: Site
    progress: Progress
    public: Plan
    internal: Plan
    assets: Published  # the public side's assets (and notes about unused ones); the internal side uses none
    figures: InternalFigures  # what the internal side's Office downloads are made of
    notes: tuple[Problem, ...] = ()
    """What the build leaves out on purpose (records after as_of, unused assets…): shown as 提示, errors with --strict."""
    change: ProgressChange | None = None


@dataclass(frozen=True)
class BuildSummary:
    """The figures the command line reports after a build (kept, so an unchanged rebuild can report them)."""

    as_of: str
    paired: int
    branches: int
    activities: int
    lagging: int


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote; `site` and `progress` are None when nothing had changed and nothing was redone."""

    out: Path
    public_files: int
    internal_files: int
    seconds: float
    site: Site | None
    progress: Progress | None
    summary: BuildSummary
    unchanged: bool = False
    notes: tuple[Problem, ...] = ()


@dataclass
class Project:
    """One site and the engine that lets it be rebuilt cheaply."""

    content_dir: Path
    drafts: bool = False
    as_of: date | None = None  # --as-of: overrides site.yaml
    since: date | None = None  # --since: the dashboard and report also show the change since this day
    strict: bool = False  # --strict: notes are errors
    engine: Engine = field(default_factory=Engine)
    round: int = 0  # the engine's revision at the start of the last check: what render keeps
    bytecode: jinja2.BytecodeCache = field(default_factory=lambda: _MemoryBytecode())
    rendered_last: int = 0  # pages rendered by the last build (the rest were reused), for tests and benchmarks

    def template_dirs(self) -> list[Path]:
        """Return the template folders: the site's own first, then the defaults."""
        return template_dirs(self.content_dir)

    def check(self, inventory: Inventory | None = None) -> Checked:
        """Load, validate, compute and plan, without rendering or writing."""
        if inventory is None and self.content_dir.is_dir():
            inventory = scan_content(self.content_dir)
        engine = self.engine
        self.round = engine.begin()
        pipeline_content.set_content(engine, self.content_dir, inventory, self.as_of)
        site = pipeline_content.site(engine)
        if self.since is not None and self.since >= site.as_of:
            raise UsageError(f"--since {self.since.isoformat()} 不早于截至日期 {site.as_of.isoformat()}；请写更早的日期")
        pipeline.set_site(engine, site)
        pipeline.set_asset_files(engine, inventory)
        engine.set_input("since", self.since)
        progress = pipeline.progress(engine)
        change = pipeline.change(engine)
        figures = pipeline.figures(engine)
        set_story_files(engine, inventory)
        published = public_plan(engine, self.drafts, self.content_dir)
        public = with_share_images(published.plan, self.content_dir, engine)
        # The 公众号 pages are made from the public story pages; both they and the dashboard's pages get the favicon.
        internal = with_wechat(pipeline.internal_plan(engine), wechat_plan(engine, self.drafts, self.content_dir))
        internal = with_favicon(internal, published.site_images.favicon_url if published.site_images else None)
        notes = tuple(sorted(pipeline_content.notes(engine) + published.notes, key=lambda p: (p.path, p.line)))
        if self.strict and notes:
            raise StrictNotes(list(notes))
        return Checked(site, progress, public, internal, published, figures, notes, change)

    def _render_ahead(self, keys: list[tuple[str, str]]) -> None:
        """Render the pages not remembered (and their search text) in this process and forked children together.

        Only when there are many (a cold build) and forking is safe; the page queries then take
        these results (`pipeline.PAGES_RENDERED`), and record their reads as if they had rendered.
        """
        engine = self.engine
        new = [k for k in keys if not engine.remembers(pipeline.page_html, *k)]
        if len(new) < RENDER_AHEAD_FROM or side_process.workers() < 2 or not side_process.can_fork():
            return
        made = side_process.spread(functools.partial(pipeline.render_ahead, engine), new)
        engine.services[pipeline.PAGES_RENDERED] = dict(zip(new, made, strict=True))

    def office_files(self) -> dict[str, bytes]:
        """Return the internal side's Office downloads (output paths) of the last check."""
        return pipeline.office(self.engine)

    def search_index(self) -> dict[str, bytes]:
        """Return the public search index (output paths) of the last render."""
        return pipeline.search_index(self.engine)

    def build(self, *, search: bool = True, both_cores: bool = False, inventory: Inventory | None = None,
              templates: Inventory | None = None, pages_done: Callable[[Checked, Files], None] | None = None,
              first: Collection[str] = (), first_done: Callable[[Checked, Mapping[str, bytes]], None] | None = None,
              pause: Callable[[], None] | None = None,
              later_failed: Callable[[str, Exception], None] | None = None) -> Built:
        """Make every output of the site: the one build both `gongjian build` and the preview run.

        check → render every page and file → `pages_done` (the preview serves them and reloads
        the browsers here) → the outputs made after the pages: the search index and the Office
        downloads. `both_cores` (the CLI) makes the Office downloads in a forked child while the
        pages are rendered, and shares a cold build's many pages out with forked children. The
        pages `first` are rendered before the others and handed to `first_done` (the preview: the
        pages open in browsers). `pause` is called between the later steps (and inside them): the
        preview waits there for a quiet moment and stops when a new save comes (`Superseded`).
        With `later_failed`, a later step that fails is reported and left out
        (the preview keeps its pages); without it, the build fails.
        """
        checked = self.check(inventory)
        aside = side_process.start(self.office_files) if both_cores else None
        self.engine.services["pause"] = pause or _go_on
        try:
            early = None if first_done is None else functools.partial(first_done, checked)
            files = self.render(checked, templates, first, early, both_cores=both_cores)
            if pages_done is not None:
                pages_done(checked, files)
            steps: list[tuple[str, Callable[[], dict[str, bytes]]]] = []
            if search:
                steps.append((SEARCH_INDEX, self.search_index))
            steps.append((OFFICE_FILES, aside.result if aside is not None else self.office_files))
            later: dict[str, bytes] = {}
            for what, make in steps:
                if pause is not None:
                    pause()
                try:
                    later.update(make())
                except Superseded:
                    raise
                except Exception as error:
                    if later_failed is None:
                        raise
                    later_failed(what, error)
            self.engine.collect(self.round)  # forget what this build did not ask for
        finally:
            self.engine.services.pop("pause", None)
            self.engine.services.pop(pipeline.PAGES_RENDERED, None)
            if aside is not None:
                aside.close()
        return Built(checked, files, later)

    def render(self, checked: Checked, templates: Inventory | None = None, first: Collection[str] = (),
               first_done: Callable[[Mapping[str, bytes]], None] | None = None,
               both_cores: bool = False) -> dict[str, bytes | Path]:
        """Render both sides into one mapping of output path → content; pages whose inputs are unchanged are reused.

        The pages `first` (output paths: the preview's pages open in browsers) are rendered before
        all others and handed to `first_done`, so the page someone looks at is back first. With
        `both_cores`, many pages not rendered before are shared out with forked children first.
        """
        settings = checked.site.settings
        # Story bodies and linking summaries are printed from the planner's HTML; the filters convert the
        # rest through the engine (`plan.filter_html`), recorded as reads of the page that prints them.
        markdown = FilterMarkdown(self.engine)
        dirs = self.template_dirs()
        templates = templates or scan_templates(dirs)
        engine = self.engine
        # What every page depends on besides its context: the template files and the filters' settings. By
        # full path: a site's own story.html and the default one share their name inside their folders.
        version = (tuple((str(f.path), f.stamp) for f in templates.files), tuple(str(d) for d in dirs),
                   settings.base_url, settings.allow_raw_html)
        engine.set_input("templates", version)
        environments: dict[str, jinja2.Environment] = {}

        def environment(side: str) -> jinja2.Environment:
            if side not in environments:
                # The public planner's HTML of story bodies and summaries (each converted once); the 公众号
                # pages on the internal side print the same bodies.
                env = make_environment([d / side for d in dirs], markdown, side == "public", settings.base_url,
                                       checked.assets.html, checked.assets.inline_html)
                env.bytecode_cache = self.bytecode
                environments[side] = env
            return environments[side]

        engine.services["environments"] = environment
        before = engine.executed
        files: dict[str, bytes | Path] = {}
        sides = (("public", checked.public), ("internal", checked.internal))
        if first_done is not None:
            # The open pages' own inputs first: comparing every page's context with the last build's
            # (a few thousand pages) comes after they are handed over.
            wanted = set(first)
            early = [(side, page) for side, plan in sides for page in plan.pages if f"{side}/{page.path}" in wanted]
            first_done(pipeline.rendered(engine, pipeline.set_some_pages(engine, early)))
        keys = {side: pipeline.set_pages(engine, side, plan) for side, plan in sides}
        if both_cores:
            self._render_ahead([k for side in keys for k in keys[side]])
        for side, plan in sides:
            files.update(pipeline.rendered(engine, keys[side]))
            for rel, data in plan.files.items():
                files[f"{side}/{rel}"] = data
        self.rendered_last = engine.executed - before
        for rel, source in static_files(dirs, "static").items():
            files[f"public/static/{rel}"] = source
        def renditions(picture: Picture) -> Mapping[str, bytes]:
            return pipeline.renditions(engine, picture, self.content_dir)

        for rel, asset in asset_files(checked.assets, self.content_dir, renditions).items():
            files[f"public/{rel}"] = asset
        return dict(sorted(files.items()))


Files = dict[str, bytes | Path]
RENDER_AHEAD_FROM = 200  # pages to render at once from which forked children help (a cold build)
SEARCH_INDEX = "搜索索引"
OFFICE_FILES = "内部看板的 Excel/Word 下载"


def _go_on() -> None:
    """Do not pause (a build that nobody interrupts)."""


@dataclass(frozen=True)
class Built:
    """Every output of one build: the pages and files, and what is made after them."""

    checked: Checked
    files: Files  # pages, data files, static files and assets (output path → bytes or source file)
    later: dict[str, bytes]  # the search index and the Office downloads

    def outputs(self) -> Files:
        """Return all of it, by output path."""
        return dict(sorted({**self.files, **self.later}.items()))


class _MemoryBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory: a rebuild does not compile them again.

    Jinja checks each entry against the hash of the template's current source, so an
    edited template is compiled afresh. Nothing is written to disk.
    """

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill `bucket` from memory, if this template was compiled before."""
        data = self.entries.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a freshly compiled template."""
        self.entries[bucket.key] = bucket.bytecode_to_string()


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cycle collector for one build, and let it run again after.

    A build makes millions of objects that live until it ends, and the collector walks
    them all again and again while they are made: a third of a cold build's time and of
    a rebuild's at 18,000 branches. Reference counting still frees almost everything at
    once; the few cycles wait for the collector's next run after the build.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@paused_gc()
def check_site(content_dir: Path, drafts: bool = False, *, as_of: date | None = None,
               since: date | None = None, strict: bool = False) -> Checked:
    """Load, validate, compute and plan a site once, without rendering or writing."""
    return Project(content_dir, drafts, as_of=as_of, since=since, strict=strict).check()


def summarize(progress: Progress) -> BuildSummary:
    """Return the figures the command line reports."""
    p = progress
    return BuildSummary(p.as_of.isoformat(), p.branches.paired, p.branches.total, p.activities.count, len(p.lagging))


@paused_gc()
def build_site(content_dir: Path, out_dir: Path, drafts: bool = False, search: bool = True,
               cache: bool = True, *, as_of: date | None = None, since: date | None = None,
               strict: bool = False) -> BuildResult:
    """Build both sides into `out_dir`; on any error the previous output stays as it was.

    With `cache` (the default), an output already built from the same inputs is left as
    it is; without it (`--no-cache`) nothing of an earlier run is used. Either way the
    output is the same bytes.
    """
    started = time.perf_counter()
    guard_output(out_dir, content_dir)
    project = Project(content_dir, drafts, as_of=as_of, since=since, strict=strict)
    inventory = scan_content(content_dir)
    templates = scan_templates(project.template_dirs())
    options = f"drafts={drafts}|search={search}|as_of={as_of}|since={since}"
    inputs = fingerprint([inventory, templates], f"{code_salt()}|{options}")
    if cache:
        record = read_record(out_dir.resolve())
        summary = record.get("summary")
        if record.get("inputs") == inputs and isinstance(summary, dict) and output_intact(out_dir, record):
            remove_leftovers(out_dir)  # what killed builds left beside it, as a rebuild would
            notes = tuple(Problem(**n) for n in record.get("notes", []))
            if strict and notes:
                raise StrictNotes(list(notes))
            return BuildResult(out_dir, int(record.get("public", 0)), int(record.get("internal", 0)),
                               time.perf_counter() - started, None, None, BuildSummary(**summary), unchanged=True,
                               notes=notes)
    built = project.build(search=search, both_cores=True, inventory=inventory, templates=templates)
    checked, files = built.checked, built.outputs()
    summary_ = summarize(checked.progress)
    public = sum(1 for rel in files if rel.startswith("public/"))
    record_: dict[str, Any] = {"inputs": inputs, "summary": asdict(summary_), "public": public,
                               "internal": len(files) - public, "notes": [asdict(n) for n in checked.notes]}
    write_site(files, out_dir, record=record_)
    return BuildResult(out_dir, public, len(files) - public, time.perf_counter() - started,
                       checked.site, checked.progress, summary_, notes=checked.notes)
