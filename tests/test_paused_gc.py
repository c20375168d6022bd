"""The cycle collector does not run during a build (it cost a third of the time at scale) and runs again after."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.build import Project, build_site, paused_gc
from generator.errors import ContentError
from tests.conftest import FIXTURES


def _collections_during(action: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    """Count the collections that start while the build checks or renders (the collector may run right after)."""
    runs: list[int] = []
    inside = [False]

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and inside[0]:
            runs.append(info["generation"])

    for name in ("check", "render"):
        method = getattr(Project, name)

        def watched(self: Project, *args: Any, _method: Any = method, **kwargs: Any) -> Any:
            inside[0] = True
            try:
                return _method(self, *args, **kwargs)
            finally:
                inside[0] = False

        monkeypatch.setattr(Project, name, watched)
    gc.callbacks.append(seen)
    try:
        action()
    finally:
        gc.callbacks.remove(seen)
    return len(runs)


def test_no_collection_runs_during_a_build_and_the_collector_is_back_after(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert gc.isenabled()
    build = lambda: build_site(FIXTURES / "minimal" / "content", tmp_path / "a", cache=False)  # noqa: E731
    assert _collections_during(build, monkeypatch) == 0
    assert gc.isenabled()


def test_the_control_build_without_the_pause_collects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unpaused() -> None:  # the same check and render as build_site's, without its pause
        project = Project(FIXTURES / "minimal" / "content")
        project.render(project.check())

    assert _collections_during(unpaused, monkeypatch) > 0


def test_a_failed_build_also_gives_the_collector_back(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal" / "content", content)
    (content / "site.yaml").write_text("title: [坏了\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build_site(content, tmp_path / "site")
    assert gc.isenabled()


def test_a_pause_inside_a_disabled_collector_leaves_it_disabled() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
