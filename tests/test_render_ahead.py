"""A cold CLI build renders its pages in this process and forked children together: the same bytes as alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import build, side_process
from generator.build import Project, build_site
from tests.trees import tree


def test_pages_rendered_by_children_are_the_pages_rendered_here(scratch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    content = scratch(base="showcase")
    build_site(content, tmp_path / "alone", cache=False, drafts=True)  # fewer pages than RENDER_AHEAD_FROM: here
    shared: list[tuple[int, set[int]]] = []
    real_spread = side_process.spread

    def spread(make, items, processes=None):  # type: ignore[no-untyped-def]
        made = real_spread(lambda item: (os.getpid(), make(item)), items, processes)
        if items and isinstance(items[0], tuple) and isinstance(items[0][0], str):  # pages (side, path), not images
            shared.append((len(items), {pid for pid, _ in made}))
        return [value for _, value in made]

    monkeypatch.setattr(side_process, "spread", spread)
    monkeypatch.setattr(build, "RENDER_AHEAD_FROM", 10)
    build_site(content, tmp_path / "shared", cache=False, drafts=True)
    assert shared and shared[0][0] > 10  # the pages went through spread …
    assert len(shared[0][1]) >= (2 if side_process.workers() > 1 else 1)  # … and children rendered some of them
    assert tree(tmp_path / "shared").keys() == tree(tmp_path / "alone").keys()
    differ = [rel for rel, data in tree(tmp_path / "shared").items() if data != tree(tmp_path / "alone")[rel]
              and not rel.endswith(".gongjian-manifest.json")]
    assert differ == []


def test_a_template_error_in_a_page_a_child_renders_is_the_usual_message(scratch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    content = scratch(base="showcase")
    own = content.parent / "templates/public"
    own.mkdir(parents=True)
    (own / "month.html").write_text('{% extends "_base.html" %}{% block main %}{{ nothing.here }}{% endblock %}\n',
                                    encoding="utf-8")
    monkeypatch.setattr(build, "RENDER_AHEAD_FROM", 10)
    with pytest.raises(Exception) as alone:
        Project(content, drafts=True).build()
    with pytest.raises(Exception) as shared:
        build_site(content, tmp_path / "site", cache=False, drafts=True)
    assert type(shared.value) is type(alone.value) and str(shared.value) == str(alone.value)
    assert "month.html" in str(shared.value)
    assert not (tmp_path / "site").exists()
