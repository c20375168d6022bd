"""Write a finished build into place atomically; refuse dangerous output folders."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from generator.errors import UsageError

MARKER = ".gongjian-output"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


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


def _remove_stale(out: Path) -> None:
    """Remove leftovers of builds that were killed (their process is gone)."""
    for leftover in out.parent.glob(f".{out.name}.*-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(int(pid), 0)
            continue  # still running: not ours to remove
        shutil.rmtree(leftover, ignore_errors=True)


def write_site(files: Mapping[str, bytes | Path], out_dir: Path,
               finish: Callable[[Path], None] | None = None) -> None:
    """Write `files` (relative path → bytes or a file to copy) as the new `out_dir`, atomically.

    `finish` runs on the complete staging folder before it is swapped in (the search
    index is built there); if it raises, the previous output stays as it was.
    """
    out = out_dir.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out)
    staging = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        for rel in sorted(files):
            target = staging / rel
            if not target.resolve().is_relative_to(staging):
                raise ValueError(f"refusing to write outside the output: {rel}")
            target.parent.mkdir(parents=True, exist_ok=True)
            content = files[rel]
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
        if finish is not None:
            finish(staging)
        (staging / MARKER).write_text("由 gongjian 生成;每次生成会整体替换此文件夹。\n", encoding="utf-8")
        if not out.exists():
            staging.rename(out)
        elif not _exchange(staging, out):
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        # After an exchange, staging holds the previous build.
        shutil.rmtree(staging, ignore_errors=True)
