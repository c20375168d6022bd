"""The preview's watcher: a save is looked at when the system's file events say so, polling is the safety net.

Each test makes the intervals it does not test an hour long, so that what it asserts can only have
come from the mechanism under test; the waits are guards against a hang, never measurements.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.preview import serve
from generator.preview.serve import Preview
from generator.preview.watch import FileEvents

GUARD = 30.0  # seconds: a hung watcher fails the test instead of stalling the suite
HOUR = 3600.0


def test_file_events_come_for_a_save_under_a_watched_folder_only(tmp_path: Path) -> None:
    watched, other = tmp_path / "content", tmp_path / "site"
    (watched / "stories").mkdir(parents=True)
    other.mkdir()
    came = threading.Event()
    events = FileEvents([watched, tmp_path / "missing"], came.set)
    assert events.folders == [watched]  # a folder that does not exist is left to the poll
    assert events.start()
    try:
        (other / "index.html").write_text("built", encoding="utf-8")
        assert not came.wait(0.5), "a file outside the watched folders woke the watcher"
        (watched / "stories" / "a.md").write_text("新的一篇", encoding="utf-8")  # in a subfolder: recursive
        assert came.wait(GUARD)
        assert events.working and events.failure is None
    finally:
        events.close()


def test_no_folder_to_watch_means_no_events(tmp_path: Path) -> None:
    events = FileEvents([tmp_path / "missing"], lambda: None)
    assert not events.start() and not events.working and events.failure


def _drive(preview_: Preview, save: Callable[[], None], builds: int) -> None:
    """Run the real watcher on the preview: after the first build, save, then wait for `builds` builds."""

    async def drive() -> None:
        preview_.start()
        watcher = asyncio.create_task(serve._watch(preview_))
        try:
            while preview_.builds < 1 or preview_.busy:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # the watcher has started its events
            save()
            while preview_.builds < builds or preview_.busy:
                await asyncio.sleep(0.01)
        finally:
            watcher.cancel()

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(drive(), GUARD))
        except BaseException as error:  # handed to the test
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []


def _story_saver(content: Path) -> Callable[[], None]:
    story = next((content / "stories").glob("*.md"))
    return lambda: story.write_text(story.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")


def test_a_save_is_built_from_its_file_event_without_any_poll_coming(scratch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    content = scratch()
    monkeypatch.setattr(serve, "POLL_SECONDS", HOUR)
    monkeypatch.setattr(serve, "SAFETY_POLL_SECONDS", HOUR)
    looks: list[bool] = []
    poll = Preview.poll

    def counted(self: Preview, look: bool = True) -> None:
        looks.append(look)
        poll(self, look)

    monkeypatch.setattr(Preview, "poll", counted)
    preview_ = Preview(content, tmp_path / "out", lambda text: None, builder=lambda: {"public/index.html": b"x"})
    try:
        _drive(preview_, _story_saver(content), builds=2)
        assert preview_.builds == 2
        # The event's look found the save; the burst was over when no event came for SETTLE_SECONDS,
        # known without stamping every file again.
        assert True in looks and False in looks
    finally:
        preview_.close()


def test_without_file_events_the_watcher_polls_as_before(scratch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import watchfiles

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watchfiles, "watch", refused)
    monkeypatch.setattr(serve, "SAFETY_POLL_SECONDS", HOUR)  # only the plain poll can find the save
    content = scratch()
    preview_ = Preview(content, tmp_path / "out", lambda text: None, builder=lambda: {"public/index.html": b"x"})
    try:
        _drive(preview_, _story_saver(content), builds=2)
        assert preview_.builds == 2
    finally:
        preview_.close()
