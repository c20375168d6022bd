"""Write a finished build into place atomically; refuse dangerous output folders."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from generator.errors import GongjianError, OutputNotWritten, UsageError

MARKER = ".gongjian-output"
MANIFEST = ".gongjian-manifest.json"  # what the last build wrote: file hashes and stats, input fingerprint, figures
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_MARKER_TEXT = "由 gongjian 生成；每次生成会整体替换此文件夹。\n"


def guard_output(out_dir: Path, content_dir: Path) -> None:
    """Refuse an output folder whose replacement would destroy something else."""
    out = out_dir.resolve()
    content = content_dir.resolve()
    forbidden = {Path("/"), Path.home().resolve(), content, content.parent, Path.cwd().resolve()}
    if out in forbidden or content.is_relative_to(out):
        raise UsageError(f"不能把网站输出到 {out_dir}：它是内容、项目或主目录本身，生成时会被整个替换。请用 --out site")
    if out.is_relative_to(content):
        raise UsageError(f"不能把网站输出到内容文件夹里面（{out_dir}）；请用 --out site")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out_dir} 是一个文件，不是文件夹；请换一个输出位置")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(
            f"{out_dir} 里已有不是 gongjian 生成的文件，为免误删，不会覆盖它；请换一个输出文件夹，或先清空它"
        )


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where not supported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def _staging_name(out: Path, kind: str, pid: int) -> Path:
    return out.parent / f".{out.name}.{kind}-{pid}"


def _lock(folder: Path) -> int | None:
    """Take the build lock on `folder` (an flock on the folder itself); None if a live build holds it.

    The kernel drops the lock when its process dies, however it dies, so a held lock means a
    build still running; a process id in the name alone would not say that once the id is reused.
    """
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def remove_leftovers(out_dir: Path) -> None:
    """Remove leftovers of builds that were killed (nobody holds their lock); only our own names."""
    out = out_dir.resolve()
    if not out.parent.is_dir():
        return
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-([0-9]+)")
    for leftover in sorted(out.parent.iterdir()):
        match = pattern.fullmatch(leftover.name)
        if match is None or not leftover.is_dir() or leftover.is_symlink():
            continue
        try:
            fd = _lock(leftover)
        except OSError:
            continue
        if fd is None:
            continue  # a build that is still running
        try:
            if match.group(1) == "old" and not out.exists():
                # Killed between the two renames of the fallback swap: put the previous build back.
                leftover.rename(out)
                continue
            shutil.rmtree(leftover, ignore_errors=True)
        finally:
            os.close(fd)


def _target(staging: Path, rel: str) -> Path:
    """Return where `rel` goes inside `staging`; refuse a path that would leave it."""
    parts = rel.split("/")
    # No resolve(): staging is a folder this build made, holding no link, so a path of plain names stays inside
    # it (resolving stat()ed every folder of every file: a third of writing 5,000 stories).
    if not rel or rel.startswith("/") or "\\" in rel or "\0" in rel or any(p in ("", ".", "..") for p in parts):
        raise GongjianError(f"内部错误：生成的文件路径“{rel}”会写到输出文件夹以外，已停止；原来的输出保持不变")
    return staging.joinpath(*parts)


Manifest = dict[str, list[Any]]  # rel → [sha256, size, mtime_ns, inode] of each file as written


def read_record(out_dir: Path) -> dict[str, Any]:
    """Return what the last build recorded beside its output (manifest, input fingerprint, summary)."""
    try:
        record = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _stat_of(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _reusable(out: Path, manifest: Mapping[str, list[Any]]) -> dict[str, str]:
    """Return rel → sha256 of the live files still exactly as the last build wrote them."""
    found: dict[str, str] = {}
    for rel, entry in manifest.items():
        if not (isinstance(entry, list) and len(entry) == 4 and entry[0]):
            continue
        if _stat_of(out / rel) == tuple(entry[1:]):
            found[rel] = str(entry[0])
    return found


def _new_file(target: Path, data: bytes) -> None:
    """Create `target` with `data`; a failing write names the file (write() itself names none)."""
    try:
        with open(target, "xb") as handle:
            handle.write(data)
    except OSError as error:
        error.filename = error.filename or str(target)
        raise


def _not_written(error: OSError, out: Path, staging: Path) -> OutputNotWritten:
    """Say which file or folder could not be written, why, and what to do (the staging folder shown as the output)."""
    path = Path(error.filename) if error.filename else out
    folder = out.parent if path in (staging, out, out.parent) else None
    if path.is_relative_to(staging) and path != staging:
        path = out / path.relative_to(staging)
    where = folder or path
    if error.errno == errno.EROFS:
        message = "这个位置是只读的（如只读挂载的磁盘），不能在这里生成网站；请用 --out 换一个可以写入的文件夹"
    elif error.errno in (errno.EACCES, errno.EPERM):
        message = "没有写入这里的权限；请用 --out 换一个可以写入的文件夹，或请管理员给予写入权限"
    elif error.errno in (errno.ENOSPC, errno.EDQUOT):
        message = "磁盘空间不足，写不下生成的网站；请清理磁盘后再生成，或用 --out 换到空间更大的位置"
    elif error.errno == errno.EFBIG:
        message = "文件超过了系统允许的单个文件大小，写不下；请用 --out 换到另一个磁盘，或请管理员放宽文件大小限制"
    else:
        message = f"写入失败（{error.strerror or error}）；请检查这个位置后再生成，或用 --out 换一个文件夹"
    return OutputNotWritten(f"{where}: {message}")


def write_site(files: Mapping[str, bytes | Path], out_dir: Path, record: Mapping[str, Any] | None = None,
               pause: Callable[[], None] = lambda: None) -> Manifest:
    """Write `files` as the new `out_dir` atomically (see _write_site); a failing disk or folder is an OutputNotWritten."""
    out = out_dir.resolve()
    try:
        return _write_site(files, out, record, pause)
    except OSError as error:
        raise _not_written(error, out, _staging_name(out, "tmp", os.getpid())) from None


def _write_site(files: Mapping[str, bytes | Path], out_dir: Path, record: Mapping[str, Any] | None,
                pause: Callable[[], None]) -> Manifest:
    """Write `files` (relative path → bytes or a file to copy) as the new `out_dir`, atomically.

    A file whose bytes equal those of the live output (known from the manifest the last
    build left beside it, and still untouched on disk) is hard-linked from it instead
    of written: files are never changed in place, so both trees stay intact. `record` (input
    fingerprint, figures) is kept with the manifest in MANIFEST. `pause` is called every few
    hundred files (the preview's writer waits there while a rebuild runs; an exception it raises
    abandons this write, leaving the live output as it was). Returns the manifest.
    """
    out = out_dir.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    previous = read_record(out) if out.is_dir() else {}
    live = _reusable(out, previous.get("files", {})) if isinstance(previous.get("files"), dict) else {}
    staging = _staging_name(out, "tmp", os.getpid())
    shutil.rmtree(staging, ignore_errors=True)
    manifest: Manifest = {}
    locks: list[int] = []
    try:
        staging.mkdir()
        held = _lock(staging)
        if held is not None:
            locks.append(held)
        for number, rel in enumerate(sorted(files), start=1):
            if number % 500 == 0:
                pause()
            target = _target(staging, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            content = files[rel]
            data = content.read_bytes() if isinstance(content, Path) else content
            sha = hashlib.sha256(data).hexdigest()
            linked = False
            if live.get(rel) == sha:
                with contextlib.suppress(OSError):
                    os.link(out / rel, target)
                    linked = True
            if not linked:
                _new_file(target, data)
            st = target.stat()
            manifest[rel] = [sha, st.st_size, st.st_mtime_ns, st.st_ino]
        _new_file(staging / MARKER, _MARKER_TEXT.encode())
        _new_file(staging / MANIFEST, json.dumps({**(record or {}), "files": manifest}, ensure_ascii=False,
                                                 separators=(",", ":"), sort_keys=True).encode())
        if not out.exists():
            staging.rename(out)
        elif not _exchange(staging, out):
            old = _staging_name(out, "old", os.getpid())
            held = _lock(out)
            if held is not None:
                locks.append(held)
            out.rename(old)
            try:
                staging.rename(out)
            except OSError:
                old.rename(out)  # the previous build goes back before the error is told
                raise
            shutil.rmtree(old, ignore_errors=True)
    finally:
        # After an exchange, staging holds the previous build.
        shutil.rmtree(staging, ignore_errors=True)
        for fd in locks:
            os.close(fd)
    return manifest


def _scan(root: Path) -> dict[str, tuple[int, int, int]]:
    """Return rel → (size, mtime_ns, inode) of every entry under `root` (-1 sizes for anything not a file)."""
    found: dict[str, tuple[int, int, int]] = {}
    pending = [(str(root), "")]
    while pending:  # scandir's entries, plain strings: a no-change rebuild checks ~18,000 files this way
        folder, prefix = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, prefix + entry.name + "/"))
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    found[prefix + entry.name] = (-1, -1, -1)
                    continue
                found[prefix + entry.name] = ((st.st_size, st.st_mtime_ns, st.st_ino) if stat.S_ISREG(st.st_mode)
                                              else (-1, -1, -1))
    return found


def output_intact(out_dir: Path, record: Mapping[str, Any]) -> bool:
    """Return whether the output holds exactly the files the record lists, untouched since written."""
    files = record.get("files")
    if not isinstance(files, dict):
        return False
    actual = _scan(out_dir.resolve())
    actual.pop(MARKER, None)
    actual.pop(MANIFEST, None)
    return actual.keys() == files.keys() and all(tuple(files[rel][1:]) == st for rel, st in actual.items())
