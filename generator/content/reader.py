"""The one reader: decide, with one set of rules, which files under content/ and templates/ are inputs.

Everything that needs to know what the inputs are asks this module: the loader
(which files are records, stories and assets), the writer's static files, the
build's no-change check and the preview's watcher. The rules:

- hidden entries (`.x`) are editor and system leftovers, never content;
- a link is followed only when it stays inside its root; a link out of it or to
  nothing is refused with a message;
- only regular files are inputs: a FIFO, socket or device is refused with a
  message (reading a FIFO would hang the build);
- an import interrupted in content/ is finished or undone before anything is listed
  (journal.settle), so every reader sees content/ as before or after it, never between;
- at the top of content/: `site.yaml`, `<kind>.yaml` and `<kind>/` for each record
  kind, `stories/` (Markdown files directly inside) and `assets/` (any file); a YAML
  file or a folder of YAML files with another name is reported, since it would be
  silently ignored otherwise.

Listing stats files but never opens them, so the preview can scan on every poll.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.content.journal import settle
from generator.errors import Problem

RECORD_TYPES = ("units", "branches", "villages", "activities", "inspections")
YAML_SUFFIXES = (".yaml", ".yml")
STORY_LIKE = (".md", ".markdown", ".mdown", ".txt")
_KNOWN_TOP = (*RECORD_TYPES, "site", "stories", "assets")

Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode: changes whenever the file is written


@dataclass(frozen=True)
class InputFile:
    """One input file: what it is, where it is, and its stat stamp."""

    kind: str  # "site", a record type, "story", "asset" or "template"
    rel: str  # path inside its root, with "/"
    path: Path  # as found (under the root given, links not resolved)
    stamp: Stamp


@dataclass(frozen=True)
class Inventory:
    """Every input file of one root, plus the entries refused and why."""

    root: Path
    files: tuple[InputFile, ...]
    problems: tuple[Problem, ...]

    def of_kind(self, kind: str) -> list[InputFile]:
        """Return the files of one kind, in reading order."""
        return [f for f in self.files if f.kind == kind]

    def stamps(self) -> dict[str, Stamp]:
        """Return rel → stamp of every file (what the preview compares between polls)."""
        return {f.rel: f.stamp for f in self.files}


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class _Scan:
    """Walk one root with the rules above, collecting files and refusals."""

    def __init__(self, root: Path, label: str) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.label = label  # how paths under the root are shown: "content"
        self.problems: list[Problem] = []

    def show(self, rel: str) -> str:
        return f"{self.label}/{rel}" if rel else self.label

    def refuse(self, rel: str, message: str) -> None:
        self.problems.append(Problem(self.show(rel), 0, "", message))

    def _look(self, path: Path, rel: str) -> os.stat_result | None:
        """Return the stat of what `path` names if it may be read; report it when not."""
        try:
            st = os.lstat(path)
        except OSError:
            return None
        if stat.S_ISLNK(st.st_mode):
            try:
                target = path.resolve(strict=True)
                st = os.stat(path)
            except (OSError, RuntimeError):  # dangling link, or a loop of links
                self.refuse(rel, f"这是一个链接，但它指向的文件不存在；请把文件本身放进 {self.label}/")
                return None
            if not target.is_relative_to(self.real_root):
                self.refuse(rel, f"这是指向 {self.label}/ 以外的链接，出于安全考虑不会读取或发布；请把文件本身放进 {self.label}/")
                return None
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
            self.refuse(rel, "这不是普通文件（可能是管道或设备文件），不会读取；请删掉它，或换成普通文件")
            return None
        return st

    def walk(self, folder: Path, rel: str, accept: Iterable[str] | None) -> Iterator[tuple[str, Path, os.stat_result]]:
        """Yield (rel, path, stat) of the regular files under `folder`, sorted, hidden entries skipped."""
        suffixes = tuple(accept) if accept is not None else None
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return
        for name in names:
            if name.startswith("."):
                continue
            path = folder / name
            sub = f"{rel}/{name}" if rel else name
            if suffixes is not None and not name.endswith(suffixes):
                # Not an input here; still look at folders, which may hold inputs.
                try:
                    if not stat.S_ISDIR(os.stat(path).st_mode):
                        continue
                except OSError:
                    continue
            st = self._look(path, sub)
            if st is None:
                continue
            if stat.S_ISDIR(st.st_mode):
                if not path.is_symlink():  # a linked folder inside the root could lead back up: not followed
                    yield from self.walk(path, sub, suffixes)
            else:
                yield sub, path, st


def _unknown_top(scan: _Scan, name: str, path: Path) -> None:
    """Report a YAML file or a folder of YAML files at the top of content/ that would be ignored."""
    is_dir = path.is_dir()
    suffix = os.path.splitext(name)[1]
    is_yaml = suffix in YAML_SUFFIXES and not is_dir
    stem = name[: -len(suffix)] if is_yaml else name
    if not is_yaml and not (is_dir and any(p.suffix in YAML_SUFFIXES for p in path.glob("*"))):
        return  # a README or a picture beside the records is not a mistake
    if is_yaml and stem in (*RECORD_TYPES, "site"):
        hint = f"请改名为 {stem}.yaml"
    else:
        close = difflib.get_close_matches(stem, _KNOWN_TOP, n=1)
        names = "site.yaml、" + "、".join(f"{k}.yaml 或 {k}/" for k in RECORD_TYPES)
        wanted = (f"{close[0]}.yaml" if is_yaml and close[0] not in ("stories", "assets") else f"{close[0]}/") if close else ""
        hint = f"是不是想写“{wanted}”？" if close else f"能读取的是：{names}"
    scan.refuse(name, f"不认识这个{'文件' if is_yaml else '文件夹'}，它不会被读取；{hint}")


def scan_content(content_dir: Path) -> Inventory:
    """List the input files of content/ with their stamps; report what is refused."""
    scan = _Scan(content_dir, content_dir.name)
    scan.problems += settle(content_dir)
    files: list[InputFile] = []

    def add(kind: str, rel: str, path: Path, st: os.stat_result) -> None:
        files.append(InputFile(kind, rel, path, _stamp(st)))

    try:
        top = sorted(os.listdir(content_dir))
    except OSError:
        top = []
    for name in top:
        if name.startswith("."):
            continue
        path = content_dir / name
        stem, suffix = os.path.splitext(name)
        if name == "site.yaml" or (suffix == ".yaml" and stem in RECORD_TYPES):
            st = scan._look(path, name)
            if st is not None and stat.S_ISREG(st.st_mode):
                add("site" if stem == "site" else stem, name, path, st)
        elif name in RECORD_TYPES and path.is_dir():
            if scan._look(path, name) is not None:
                for rel, file, st in scan.walk(path, name, YAML_SUFFIXES):
                    add(name, rel, file, st)
        elif name == "stories" and path.is_dir():
            if scan._look(path, name) is not None:
                for rel, file, st in scan.walk(path, name, None):
                    if rel.count("/") == 1 and rel.endswith(".md"):
                        add("story", rel, file, st)
                    elif rel.lower().endswith(STORY_LIKE):
                        scan.refuse(rel, "故事要直接放在 stories/ 下，文件名以 .md 结尾；这个文件不会被读取")
        elif name == "assets" and (path.is_dir() or path.is_symlink()):
            if scan._look(path, name) is not None:
                for rel, file, st in scan.walk(path, name, None):
                    add("asset", rel, file, st)
        elif suffix in YAML_SUFFIXES or path.is_dir():
            _unknown_top(scan, name, path)
    # Kinds are read in a fixed order, files within a kind in name order.
    order = {kind: n for n, kind in enumerate(("site", *RECORD_TYPES, "story", "asset"))}
    files.sort(key=lambda f: (order[f.kind], f.rel))
    return Inventory(content_dir, tuple(files), tuple(scan.problems))


def scan_templates(dirs: Iterable[Path]) -> Inventory:
    """List the files of the template folders (templates and static files), in the order given."""
    files: list[InputFile] = []
    problems: list[Problem] = []
    for d in dirs:
        scan = _Scan(d, str(d))
        for rel, path, st in scan.walk(d, "", None):
            files.append(InputFile("template", rel, path, _stamp(st)))
        problems += scan.problems
    return Inventory(Path("."), tuple(files), tuple(problems))


def static_files(dirs: list[Path], folder: str) -> dict[str, Path]:
    """Return rel → file under `folder` of each template dir; a site's own file wins over the default."""
    found: dict[str, Path] = {}
    for d in reversed(dirs):
        root = d / folder
        if root.is_dir():
            for rel, path, _ in _Scan(root, str(root)).walk(root, "", None):
                found[rel] = path
    return dict(sorted(found.items()))


def fingerprint(inventories: Iterable[Inventory], salt: str) -> str:
    """Hash what the inputs contain (names and bytes), so an unchanged rebuild can be recognised."""
    h = hashlib.sha256(salt.encode())
    for inventory in inventories:
        h.update(f"root\0{inventory.root}\0".encode())
        for f in inventory.files:
            h.update(f"{f.kind}\0{f.path}\0".encode())
            try:
                h.update(hashlib.sha256(f.path.read_bytes()).digest())
            except OSError:
                h.update(b"unreadable")
        for p in inventory.problems:
            h.update(str(p).encode())
    return h.hexdigest()
