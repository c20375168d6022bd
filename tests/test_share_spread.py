"""Many share images (a cold build) are drawn by this process and forked children together: the same bytes.

side_process.spread is checked on its own (children that fail or die, errors, no child left running), then a
build with more stories than the threshold is compared with the same build drawn in-process. A rebuild
draws only the share image whose story changed (the images are the engine's `share_image` queries).
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from generator import pipeline, side_process
from generator.build import Project
from generator.public.assets import SPREAD_FROM
from generator.public.share import share_png
from tests.conftest import FIXTURES, REPO
from tests.test_assets import STORY

PARENT = os.getpid()


def _slow(item: int) -> bytes:
    time.sleep(0.005)  # long enough that the children take some of the items
    return f"{item}:{item * item}".encode()


def _with_pid(item: int) -> bytes:
    time.sleep(0.005)
    return str(os.getpid()).encode()


def _fails_in_children(item: int) -> bytes:
    if os.getpid() != PARENT:  # PARENT: the process that imported this module
        raise RuntimeError("only in a child")
    return _slow(item)


def _dies_in_children(item: int) -> bytes:
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return _slow(item)


def _fails_at_seven(item: int) -> bytes:
    if item == 7:
        raise ValueError("item 7")
    return _slow(item)


def _fresh(code: str, *args: str) -> Any:
    """Run `code` in a new interpreter (no other thread running, so it may fork); return what it prints, as JSON.

    The test process may have threads left by other tests (a served folder), where spread rightly forks nothing.
    """
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


SPREAD = """
import json, multiprocessing
from generator import side_process
from tests import test_share_spread as t
items = list(range(200))
print(json.dumps({
    "results": [side_process.spread(make, items, processes=3) == [t._slow(i) for i in items]
                for make in (t._slow, t._fails_in_children, t._dies_in_children)],
    "processes": len(set(side_process.spread(t._with_pid, items, processes=2))),
    "left": len(multiprocessing.active_children()),
}))
"""


def test_spread_gives_the_results_in_order_whatever_the_children_do() -> None:
    assert _fresh(SPREAD) == {"results": [True, True, True], "processes": 2, "left": 0}


def test_spread_raises_an_error_here_and_leaves_no_child() -> None:
    with pytest.raises(ValueError, match="item 7"):
        side_process.spread(_fails_at_seven, list(range(40)), processes=2)
    assert multiprocessing.active_children() == []


def test_spread_makes_everything_here_while_other_threads_run() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert set(side_process.spread(_with_pid, list(range(20)), processes=2)) == {str(os.getpid()).encode()}
    finally:
        stop.set()
        other.join()


BUILD = """
import hashlib, json, sys
from pathlib import Path
from generator import pipeline
from generator.build import Project
project = Project(Path(sys.argv[1]))
files = project.render(project.check())
drawn = project.engine.services.get(pipeline.SHARE_DRAWN)
print(json.dumps({"left": None if drawn is None else len(drawn),
                  "images": {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()
                             if rel.endswith("share.png") and isinstance(data, bytes)}}))
"""


def test_a_build_of_many_stories_draws_the_same_share_images_with_children(scratch) -> None:  # type: ignore[no-untyped-def]
    count = SPREAD_FROM + 10
    content = scratch({f"stories/s{n:03d}.md": STORY.format(title=f"第{n}个支部走进共建村", front="", body="正文。\n")
                       for n in range(count)})
    spread = _fresh(BUILD, str(content))
    # Drawn ahead by children where there are two cores or more (every one taken), else one by one.
    assert spread["left"] == (0 if side_process.workers() > 1 else None)
    project = Project(content)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # a live thread: forking is not safe, all are drawn here
    other.start()
    try:
        files = project.render(project.check())
    finally:
        stop.set()
        other.join()
    assert pipeline.SHARE_DRAWN not in project.engine.services
    alone = {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()
             if rel.endswith("share.png") and isinstance(data, bytes)}
    assert len(alone) == count + 2  # each story's, wanghui-health's and the site's
    assert spread["images"] == alone
    data = files["public/stories/s042/share.png"]
    assert isinstance(data, bytes)
    with Image.open(io.BytesIO(data)) as image:
        assert [c.text for c in zxingcpp.read_barcodes(image.convert("L"))] == ["https://example.org/gj/stories/s042/"]


TITLE = (FIXTURES / "minimal/content/stories/wanghui-health.md").read_text(encoding="utf-8").split("title: ", 1)[1]
TITLE = TITLE.split("\n", 1)[0].strip().strip('"')


def test_a_rebuild_draws_only_the_share_image_whose_story_changed(scratch, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    drawn: list[str] = []
    real = share_png

    def counted(title: str, *rest: Any) -> bytes:
        drawn.append(title)
        return real(title, *rest)

    monkeypatch.setattr(pipeline, "share_png", counted)
    stories = {f"stories/s{n}.md": STORY.format(title=f"故事{n}", front="", body="正文。\n") for n in range(3)}
    content = scratch(stories)
    project = Project(content)
    first = project.render(project.check())
    assert sorted(drawn) == sorted(["故事0", "故事1", "故事2", TITLE, "测试市直机关共建"])  # and the site's
    drawn.clear()
    again = project.render(project.check())
    assert drawn == [] and again == first  # nothing shown changed: nothing drawn again
    (content / "stories/s1.md").write_text(STORY.format(title="故事一改", front="", body="正文。\n"), encoding="utf-8")
    edited = project.render(project.check())
    assert drawn == ["故事一改"]
    assert edited["public/stories/s1/share.png"] != first["public/stories/s1/share.png"]
    assert edited["public/stories/s0/share.png"] == first["public/stories/s0/share.png"]
