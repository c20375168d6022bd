"""Orchestrate a build: load → validate → compute → plan → render → write."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.images import Picture, inspect_images, render_images
from generator.internal_pages import plan_internal
from generator.load import load_content
from generator.markup import MarkdownRenderer
from generator.model import Site
from generator.pages import Plan
from generator.progress import Progress, compute_progress
from generator.public import public_view
from generator.public_pages import plan_public
from generator.render import make_environment, render_plan, template_dirs
from generator.search import index_search
from generator.validate import validate_content
from generator.write import guard_output, write_site


@dataclass(frozen=True)
class Checked:
    """A validated site, its figures and both plans, before anything is rendered."""

    site: Site
    progress: Progress
    public: Plan
    internal: Plan
    pictures: Mapping[str, Picture]


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    out: Path
    public_files: int
    internal_files: int
    seconds: float
    site: Site
    progress: Progress


def check_site(content_dir: Path, drafts: bool = False) -> Checked:
    """Load, validate, compute and plan, without rendering or writing."""
    site = validate_content(load_content(content_dir))
    progress = compute_progress(site)
    pictures = inspect_images(site, content_dir)
    return Checked(site, progress, plan_public(public_view(site, progress, drafts), pictures),
                   plan_internal(site, progress), pictures)


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


def render_site(content_dir: Path, checked: Checked) -> dict[str, bytes | Path]:
    """Render both sides into one mapping of output path → content."""
    settings = checked.site.settings
    markdown = MarkdownRenderer(settings.allow_raw_html)
    dirs = template_dirs(content_dir)
    public_env = make_environment([d / "public" for d in dirs], markdown, True, settings.base_url)
    internal_env = make_environment([d / "internal" for d in dirs], markdown, False, settings.base_url)
    files: dict[str, bytes | Path] = {}
    for rel, data in render_plan(checked.public, public_env, "public").items():
        files[f"public/{rel}"] = data
    for rel, data in render_plan(checked.internal, internal_env, "internal").items():
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


def build_site(content_dir: Path, out_dir: Path, drafts: bool = False, search: bool = True) -> BuildResult:
    """Build both sides into `out_dir`; on any error the previous output stays as it was."""
    started = time.perf_counter()
    guard_output(out_dir, content_dir)
    checked = check_site(content_dir, drafts)
    files = render_site(content_dir, checked)
    write_site(files, out_dir, finish=_index_public if search else None)
    public = sum(1 for rel in files if rel.startswith("public/"))
    return BuildResult(out_dir, public, len(files) - public, time.perf_counter() - started,
                       checked.site, checked.progress)
