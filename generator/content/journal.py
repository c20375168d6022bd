"""Change several files of content/ all or nothing: staged copies, a journal, renames; the next run settles.

An import commits like this:

1. a hidden folder `content/.gongjian-import.<pid>` is made and locked (flock on its `lock` file);
2. the new text of every file is written into it, then the folder is renamed to `content/.gongjian-import`;
3. `journal.json` (target → staged name) is written beside them and renamed into place: from
   this moment the import has happened, whatever stops the process;
4. each staged file is renamed onto its target, then the folder is removed.

Whoever reads content/ next (import, check, build, preview: all through reader.scan_content)
calls `settle` first. It leaves a folder alone while its lock is held (an import is running), and
otherwise finishes it: with a journal it completes the renames (a staged file already moved is
simply gone), without one it deletes the folder, so content/ is exactly as before or exactly as
after. The killed process's lock goes with it (the kernel drops an flock when its holder dies).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from generator.errors import Problem

STAGE = ".gongjian-import"
JOURNAL = "journal.json"
LOCK = "lock"
_LEFTOVER = re.compile(r"^\..+\.ya?ml\.\d+\.tmp$")  # temp files of imports before the journal (a killed rename)
_PAUSE = "GONGJIAN_TEST_COMMIT_PAUSE"  # seconds between the steps of a commit; set only by tests/test_import_atomic.py


class CommitError(Exception):
    """A commit could not be staged; content/ is unchanged."""

    def __init__(self, path: Path, error: OSError, committed: bool = False) -> None:
        super().__init__(f"{path}: {error.strerror or error}")
        self.path = path
        self.error = error
        self.committed = committed  # the journal is written: the next run completes the import


def _pause() -> None:
    seconds = os.environ.get(_PAUSE)
    if seconds:
        time.sleep(float(seconds))


def _locked(folder: Path) -> bool:
    """Return whether a live process holds the folder's lock (True also when it cannot be checked)."""
    try:
        fd = os.open(folder / LOCK, os.O_RDWR)
    except FileNotFoundError:
        return False  # killed before its lock existed: nothing was committed
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops the lock taken just now
    return False


def _finish(content_dir: Path, folder: Path) -> None:
    """Complete the renames of a committed folder, or drop an uncommitted one."""
    journal = folder / JOURNAL
    if folder.name == STAGE and journal.is_file():
        entries: dict[str, str] = json.loads(journal.read_text(encoding="utf-8"))
        for rel, staged in entries.items():
            source = folder / staged
            if source.exists():  # gone means already in place
                target = content_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
    shutil.rmtree(folder)


def settle(content_dir: Path) -> list[Problem]:
    """Finish or undo an interrupted import in content/, and remove its temp files; return what failed."""
    problems: list[Problem] = []
    try:
        names = os.listdir(content_dir)
    except OSError:
        return problems
    for name in sorted(names, key=lambda n: n != STAGE):  # a committed import first
        folder = content_dir / name
        if not name.startswith(STAGE) or not folder.is_dir() or folder.is_symlink() or _locked(folder):
            continue
        try:
            _finish(content_dir, folder)
        except (OSError, ValueError) as error:
            problems.append(Problem(f"{content_dir.name}/{name}", 0, "",
                                    f"上次导入被中断，无法补完（{getattr(error, 'strerror', None) or error}）；"
                                    "请检查文件夹权限后再运行一次"))
    for folder in (content_dir, *(content_dir / kind for kind in ("units", "branches", "villages", "activities",
                                                                 "inspections"))):  # units.yaml or units/*.yaml
        try:
            leftovers = [n for n in os.listdir(folder) if _LEFTOVER.match(n)]
        except OSError:
            continue
        for leftover in leftovers:
            with suppress(OSError):  # hidden, so never read as content; the next run tries again
                (folder / leftover).unlink()
    return problems


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())  # the journal must never point at text still in the page cache only


@contextmanager
def _lock(folder: Path) -> Iterator[None]:
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def commit(content_dir: Path, files: Mapping[Path, str]) -> None:
    """Replace the given files under content/ all or nothing; raise CommitError if nothing could be staged."""
    if not files:
        return
    temp = content_dir / f"{STAGE}.{os.getpid()}"
    final = content_dir / STAGE
    try:
        temp.mkdir()
    except OSError as error:
        raise CommitError(temp, error) from error
    with _lock(temp):
        entries: dict[str, str] = {}
        current = temp
        try:
            for number, (file, text) in enumerate(files.items()):
                current = file
                staged = f"{number}.yaml"
                _write(temp / staged, text.encode("utf-8"))
                entries[file.relative_to(content_dir).as_posix()] = staged
                _pause()
            current = final
            _write(temp / f"{JOURNAL}.tmp", json.dumps(entries, ensure_ascii=False).encode("utf-8"))
            _fsync_dir(temp)
            os.rename(temp, final)  # fails while another import is committing: then nothing happens here
            _pause()
            os.replace(final / f"{JOURNAL}.tmp", final / JOURNAL)  # the commit point
            _fsync_dir(final)
        except OSError as error:
            shutil.rmtree(temp if temp.exists() else final, ignore_errors=True)
            raise CommitError(current, error) from error
        _pause()
        try:
            for rel, staged in entries.items():
                current = content_dir / rel
                current.parent.mkdir(parents=True, exist_ok=True)
                os.replace(final / staged, current)
                _pause()
            shutil.rmtree(final)
        except OSError as error:
            raise CommitError(current, error, committed=True) from error
