"""A cold CLI build renders its pages in this process and forked children together: the same bytes as alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator import build
from generator.build import Project, build_site
from tests.conftest import REPO
from tests.trees import tree

# Run in a fresh interpreter: threads other tests leave behind (the browser's) rightly stop a build from forking.
_SHARED = """
import json, os, sys, time
from pathlib import Path
from generator import build, side_process
from generator.build import build_site
real = side_process.spread
shared = []
here = os.getpid()
def slow_here(make, item):
    # This process takes its time, so the children surely get some items even on a busy machine.
    if os.getpid() == here:
        time.sleep(0.2)
    return make(item)
def spread(make, items, processes=None):
    made = real(lambda item: (os.getpid(), slow_here(make, item)), items, processes)
    if items and isinstance(items[0], tuple) and isinstance(items[0][0], str):  # pages (side, path), not images
        shared.append([len(items), len({pid for pid, _ in made})])
    return [value for _, value in made]
side_process.spread = spread
build.RENDER_AHEAD_FROM = 10
build_site(Path(sys.argv[1]), Path(sys.argv[2]), cache=False, drafts=True)
print(json.dumps({"shared": shared, "workers": side_process.workers()}))
"""


def test_pages_rendered_by_children_are_the_pages_rendered_here(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch(base="showcase")
    build_site(content, tmp_path / "alone", cache=False, drafts=True)  # fewer pages than RENDER_AHEAD_FROM: here
    run = subprocess.run([sys.executable, "-c", _SHARED, str(content), str(tmp_path / "shared")], cwd=REPO,
                         capture_output=True, text=True, check=True)
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["shared"] and report["shared"][0][0] > 10  # the pages went through spread …
    assert report["shared"][0][1] >= min(2, report["workers"])  # … and children rendered some of them
    shared, alone = tree(tmp_path / "shared"), tree(tmp_path / "alone")
    assert shared.keys() == alone.keys()
    assert [rel for rel, data in shared.items() if data != alone[rel] and not rel.endswith(".gongjian-manifest.json")] == []


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


_WORKED_AHEAD = """
import json, os, sys, time
from pathlib import Path
from generator import side_process
from generator.build import build_site
from generator.engine import Query
from generator.public import plan
real = side_process.spread
worked = {}
here = os.getpid()
def slow_here(make, item):
    # This process takes its time, so the children surely get some items even on a busy machine.
    if os.getpid() == here:
        time.sleep(0.2)
    return make(item)
def spread(make, items, processes=None):
    made = real(lambda item: (os.getpid(), slow_here(make, item)), items, processes)
    if items and isinstance(items[0][0], Query):  # the public side's queries worked out ahead
        worked[items[0][0].name] = [len(items), len({pid for pid, _ in made})]
    return [value for _, value in made]
side_process.spread = spread
plan.WORK_AHEAD_FROM = 2
side_process.SPREAD_CHUNK = 1  # a few stories, still shared out
build_site(Path(sys.argv[1]), Path(sys.argv[2]), cache=False, drafts=True)
print(json.dumps({"worked": worked, "workers": side_process.workers()}))
"""


def test_story_bodies_and_qr_codes_worked_out_by_children_are_the_same(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A cold build of many stories converts their Markdown and encodes their QR codes on both cores."""
    content = scratch(base="showcase")
    build_site(content, tmp_path / "alone", cache=False, drafts=True)  # fewer stories than WORK_AHEAD_FROM: here
    run = subprocess.run([sys.executable, "-c", _WORKED_AHEAD, str(content), str(tmp_path / "shared")], cwd=REPO,
                         capture_output=True, text=True, check=True)
    report = json.loads(run.stdout.strip().splitlines()[-1])
    stories = len(list((content / "stories").glob("*.md")))
    worked = report["worked"]
    assert set(worked) == {"generator.public.plan.converted", "generator.public.plan._share"}
    assert all(count == stories for count, _ in worked.values())  # every story's body and QR code, once
    assert all(pids >= min(2, report["workers"]) for _, pids in worked.values())  # children did some
    shared, alone = tree(tmp_path / "shared"), tree(tmp_path / "alone")
    assert shared.keys() == alone.keys()
    assert [rel for rel, data in shared.items() if data != alone[rel] and not rel.endswith(".gongjian-manifest.json")] == []
