"""Orchestrate a build: load → validate → compute → plan → render → write."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from generator.cache import TEMPLATES, BuildCache
from generator.errors import ContentError, Problem, UsageError
from generator.images import Picture, inspect_images, render_images
from generator.internal_pages import plan_internal
from generator.load import load_content
from generator.markup import MarkdownRenderer
from generator.model import Site
from generator.pages import Plan
from generator.progress import Progress, ProgressChange, compute_progress, progress_change
from generator.public import public_view
from generator.public_pages import plan_public
from generator.render import make_environment, render_plan, template_dirs
from generator.search import index_search
from generator.validate import content_notes, validate_content
from generator.write import guard_output, write_site


@dataclass(frozen=True)
class Checked:
    """A validated site, its figures and both plans, before anything is rendered."""

    site: Site
    progress: Progress
    public: Plan
    internal: Plan
    pictures: Mapping[str, Picture]
    notes: tuple[Problem, ...] = ()
    """What the build leaves out on purpose (records after as_of…): shown as 提示, errors with --strict."""
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


def check_site(content_dir: Path, drafts: bool = False, *, as_of: date | None = None,
               since: date | None = None, strict: bool = False) -> Checked:
    """Load, validate, compute and plan, without rendering or writing."""
    raw = load_content(content_dir)
    site = validate_content(raw, as_of)
    notes = content_notes(raw, site)
    if strict and notes:
        raise ContentError(list(notes))
    if since is not None and since >= site.as_of:
        raise UsageError(f"--since {since.isoformat()} 不早于截至日期 {site.as_of.isoformat()}；请写更早的日期")
    progress = compute_progress(site)
    change = progress_change(site, progress, since) if since is not None else None
    pictures = inspect_images(site, content_dir)
    return Checked(site, progress, plan_public(public_view(site, progress, drafts), pictures),
                   plan_internal(site, progress, change), pictures, notes, change)


def _static_files(dirs: list[Path], folder: str, prefix: str) -> dict[str, Path]:
    """Collect files under `folder` of each template dir; the site's own win."""
    files: dict[str, Path] = {}
    for d in reversed(dirs):
        root = d / folder
        if root.is_dir():
            for file in sorted(root.rglob("*")):
                if file.is_file() and not file.name.startswith("."):
                    files[f"{prefix}{file.relative_to(root).as_posix()}"] = file
    return files


def _markdown_texts(site: Site) -> list[tuple[str, str]]:
    """The Markdown a build is known to render: story bodies and activity summaries (for rendering ahead)."""
    return ([("block", s.body) for s in site.stories]
            + [("inline", a.summary) for a in site.activities if a.summary])


def render_site(content_dir: Path, checked: Checked, cache: BuildCache | None = None) -> dict[str, bytes | Path]:
    """Render both sides into one mapping of output path → content; with a cache, only what changed."""
    settings = checked.site.settings
    if cache is None:
        markdown = MarkdownRenderer(settings.allow_raw_html)
    else:
        markdown = cache.renderer(settings.allow_raw_html, _markdown_texts(checked.site))
    dirs = template_dirs(content_dir)
    public_env = make_environment([d / "public" for d in dirs], markdown, True, settings.base_url)
    internal_env = make_environment([d / "internal" for d in dirs], markdown, False, settings.base_url)
    public, internal = checked.public, checked.internal
    if cache is not None:
        public_env.bytecode_cache = internal_env.bytecode_cache = TEMPLATES  # compiled once per process
        public = cache.pending(public, "public", settings)
        internal = cache.pending(internal, "internal", settings)
    files: dict[str, bytes | Path] = dict(cache.reused) if cache is not None else {}
    for rel, data in render_plan(public, public_env, "public").items():
        files[f"public/{rel}"] = data
    for rel, data in render_plan(internal, internal_env, "internal").items():
        files[f"internal/{rel}"] = data
    for rel, source in _static_files(dirs, "static", "public/static/").items():
        files[rel] = source
    for rel in sorted(checked.site.assets):
        files[f"public/assets/{rel}"] = content_dir / "assets" / rel
    for rel, data in render_images(checked.pictures.values(), content_dir).items():
        files[f"public/{rel}"] = data
    return files


def _index_public(staging: Path) -> None:
    """Post-render step on the staging folder: the search index covers public/ only."""
    index_search(staging / "public")


def build_site(content_dir: Path, out_dir: Path, drafts: bool = False, search: bool = True,
               cache: bool = True, *, as_of: date | None = None, since: date | None = None,
               strict: bool = False) -> BuildResult:
    """Build both sides into `out_dir`; on any error the previous output stays as it was.

    With `cache` (the default) earlier work is reused through `.gongjian-cache/` (see
    cache.py); the output is byte-identical to a build without it.
    """
    started = time.perf_counter()
    guard_output(out_dir, content_dir)
    finish = _index_public if search else None
    options = f"drafts={drafts}|search={search}|as_of={as_of}|since={since}"
    reuse = BuildCache(content_dir, out_dir, options, template_dirs(content_dir)) if cache else None
    try:
        if reuse is not None and (recorded := reuse.unchanged()) is not None:
            summary = BuildSummary(**recorded["figures"])
            notes = tuple(Problem(**n) for n in recorded.get("notes", []))
            if strict and notes:
                raise ContentError(list(notes))
            return BuildResult(out_dir, recorded["public"], recorded["internal"], time.perf_counter() - started,
                               None, None, summary, unchanged=True, notes=notes)
        checked = check_site(content_dir, drafts, as_of=as_of, since=since, strict=strict)
        files = render_site(content_dir, checked, reuse)
        public = sum(1 for rel in files if rel.startswith("public/"))
        p = checked.progress
        summary = BuildSummary(p.as_of.isoformat(), p.branches.paired, p.branches.total, p.activities.count,
                               len(p.lagging))
        if reuse is None:
            write_site(files, out_dir, finish=finish)
        else:
            reuse.write(files, {"figures": asdict(summary), "public": public, "internal": len(files) - public,
                                "notes": [asdict(n) for n in checked.notes]}, finish)
    finally:
        if reuse is not None:
            reuse.close()
    return BuildResult(out_dir, public, len(files) - public, time.perf_counter() - started,
                       checked.site, checked.progress, summary, notes=checked.notes)
