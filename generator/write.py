"""Write a finished build into place atomically; refuse dangerous output folders."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from generator.errors import GongjianError, UsageError

MARKER = ".gongjian-output"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_MARKER_TEXT = "由 gongjian 生成;每次生成会整体替换此文件夹。\n"
_MARKER_DIGEST = hashlib.sha256(_MARKER_TEXT.encode("utf-8")).hexdigest()


def guard_output(out_dir: Path, content_dir: Path) -> None:
    """Refuse an output folder whose replacement would destroy something else."""
    out = out_dir.resolve()
    content = content_dir.resolve()
    forbidden = {Path("/"), Path.home().resolve(), content, content.parent, Path.cwd().resolve()}
    if out in forbidden or content.is_relative_to(out):
        raise UsageError(f"不能把网站输出到 {out_dir}:它是内容、项目或主目录本身,生成时会被整个替换。请用 --out site")
    if out.is_relative_to(content):
        raise UsageError(f"不能把网站输出到内容文件夹里面({out_dir});请用 --out site")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out_dir} 是一个文件,不是文件夹;请换一个输出位置")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(
            f"{out_dir} 里已有不是 gongjian 生成的文件,为免误删,不会覆盖它;请换一个输出文件夹,或先清空它"
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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _remove_stale(out: Path) -> None:
    """Remove leftovers of builds that were killed (their process is gone); only our own names."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-([0-9]+)")
    for leftover in sorted(out.parent.iterdir()):
        match = pattern.fullmatch(leftover.name)
        if match is None or not leftover.is_dir() or leftover.is_symlink():
            continue
        pid = int(match.group(2))
        if pid == os.getpid() or _alive(pid):
            continue
        if match.group(1) == "old" and not out.exists():
            # Killed between the two renames of the fallback swap: put the previous build back.
            leftover.rename(out)
            continue
        shutil.rmtree(leftover, ignore_errors=True)


def _target(staging: Path, rel: str) -> Path:
    """Return where `rel` goes inside `staging`; refuse a path that would leave it."""
    parts = rel.split("/")
    target = staging.joinpath(*parts)
    if (not rel or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts)
            or not target.resolve().is_relative_to(staging)):
        raise GongjianError(f"内部错误:生成的文件路径“{rel}”会写到输出文件夹以外,已停止;原来的输出保持不变")
    return target


def write_site(files: Mapping[str, bytes | Path], out_dir: Path,
               finish: Callable[[Path], None] | None = None) -> None:
    """Write `files` (relative path → bytes or a file to copy) as the new `out_dir`, atomically.

    `finish` runs on the complete staging folder before it is swapped in (the search
    index is built there); if it raises, the previous output stays as it was.
    """
    out = out_dir.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out)
    staging = _staging_name(out, "tmp", os.getpid())
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        (staging / MARKER).write_text("由 gongjian 生成;每次生成会整体替换此文件夹。\n", encoding="utf-8")
        for rel in sorted(files):
            target = _target(staging, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            content = files[rel]
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
        if finish is not None:
            finish(staging)
        if not out.exists():
            staging.rename(out)
        elif not _exchange(staging, out):
            old = _staging_name(out, "old", os.getpid())
            out.rename(old)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        # After an exchange, staging holds the previous build.
        shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------- incremental writing (see cache.py)

SPARE = "spare"
Manifest = dict[str, list[Any]]  # rel → [sha256 or "", size, mtime_ns, inode], as recorded after a build


def spare_dir(out_dir: Path) -> Path:
    """Return the hidden folder beside `out_dir` that keeps the build before last for reuse."""
    out = out_dir.resolve()
    return out.parent / f".{out.name}.{SPARE}"


def scan_tree(root: Path, odd: list[str] | None = None) -> dict[str, tuple[int, int, int]]:
    """Return rel → (size, mtime_ns, inode) of the regular files under `root`; other entries go to `odd`."""
    found: dict[str, tuple[int, int, int]] = {}
    stack = [("", str(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append((rel + "/", entry.path))
            elif entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                found[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
            elif odd is not None:
                odd.append(rel)
    return found


def _intact(record: list[Any] | None, actual: tuple[int, int, int] | None) -> bool:
    return record is not None and actual is not None and tuple(record[1:4]) == actual


def _prune(root: Path, actual: Mapping[str, Any], odd: list[str], keep: set[str]) -> None:
    """Remove the scanned files not kept and the odd entries (links, pipes), then the folders left empty."""
    emptied: set[str] = set()
    for rel in [*odd, *(rel for rel in actual if rel not in keep)]:
        os.unlink(root / rel)
        emptied.add(rel.rpartition("/")[0])
    for folder in sorted(emptied, key=len, reverse=True):
        while folder:
            try:
                (root / folder).rmdir()  # only succeeds when empty
            except OSError:
                break
            folder = folder.rpartition("/")[0]


def write_site_reusing(files: Mapping[str, bytes | Path], digests: Mapping[str, str], out_dir: Path,
                       live: Manifest, spare: Manifest,
                       finish: Callable[[Path], None] | None = None) -> tuple[Manifest, Manifest]:
    """Write like write_site, but start from the spare tree and touch only the files that differ.

    The spare tree is the build before last, kept hidden beside the output after the
    swap instead of being deleted. Its files are checked against `spare` (hash, size,
    mtime, inode); each one that is unchanged and still wanted is kept, every other
    entry is removed, and the rest is written afresh — a Path inside the live output
    is hard-linked (files are never modified in place, so the live tree is never
    touched), any other Path is copied. The result is swapped in atomically as before.
    Returns the manifests of the new live tree and of the new spare tree.
    """
    out = out_dir.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out)
    staging = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    kept_spare = spare_dir(out)
    wanted = dict(files)
    wanted[MARKER] = _MARKER_TEXT.encode("utf-8")
    wanted_digests = {**digests, MARKER: _MARKER_DIGEST}
    try:
        if kept_spare.is_dir() and not kept_spare.is_symlink() and spare:
            kept_spare.rename(staging)
            base = spare
        else:
            shutil.rmtree(kept_spare, ignore_errors=True)
            staging.mkdir()
            base = {}
        odd: list[str] = []
        actual = scan_tree(staging, odd)
        keep = {rel for rel, stat in actual.items()
                if rel in wanted and _intact(base.get(rel), stat) and base[rel][0] == wanted_digests.get(rel)}
        _prune(staging, actual, odd, keep)
        manifest: Manifest = {rel: [wanted_digests[rel], *actual[rel]] for rel in keep}
        for rel in sorted(wanted):
            if rel in keep:
                continue
            parts = rel.split("/")
            if not rel or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"refusing to write outside the output: {rel}")
            target = staging.joinpath(*parts)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            content = wanted[rel]
            if isinstance(content, Path):
                linked = False
                if content.is_relative_to(out):
                    with contextlib.suppress(OSError):
                        os.link(content, target)
                        linked = True
                if not linked:
                    shutil.copyfile(content, target)
            else:
                with open(target, "xb") as handle:
                    handle.write(content)
            st = target.stat()
            manifest[rel] = [wanted_digests.get(rel, ""), st.st_size, st.st_mtime_ns, st.st_ino]
        if finish is not None:
            finish(staging)
            for rel, stat in scan_tree(staging).items():  # what finish made: recorded, never reused
                if rel not in manifest or tuple(manifest[rel][1:4]) != stat:
                    manifest[rel] = ["", *stat]
        if not out.exists():
            staging.rename(out)
            return manifest, {}
        if _exchange(staging, out):
            staging.rename(kept_spare)  # the previous build, kept for the next one
            return manifest, live
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
        return manifest, {}
    finally:
        shutil.rmtree(staging, ignore_errors=True)
