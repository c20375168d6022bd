"""Random sequences of edits: the preview's long-lived build equals a cold `build --drafts` after every one (issue 17).

The content is a copy of the showcase fixture (covers, photos, a draft). Each edit keeps it
valid, except the `broken …` ones, which make it invalid for a save or two and then put it
right: while it is broken, the preview must fail with exactly the problems a cold build names.
After every save the whole output is compared: every page, data file, asset copy, the search
index and the Office downloads, path by path and byte by byte.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from generator.build import Project, _MemoryBytecode
from generator.errors import GongjianError
from generator.preview.reload import inject
from generator.preview.serve import POLL_SECONDS, Preview, snapshot
from generator.write import MARKER
from tests.conftest import FIXTURES, REPO
from tests.markers import grid_image
from tests.trees import tree

KINDS = ("units", "branches", "villages", "activities", "inspections")
DATES = ("2017-09-15", "2017-10-02", "2017-10-23", "2017-11-05", "2017-11-20", "2017-11-24", "2017-12-10")
TAGS = ("送健康下乡", "先进支部", "科技培训", "美丽乡村", "文化下乡")
THEMES = ("献爱心、送温暖", "科技兴农", None)
TEMPLATES = ("public/404.html", "public/story.html", "public/tags.html", "internal/lagging.html")

Outputs = dict[str, bytes] | tuple[str, ...]  # every output file by path, or the problems that stopped the build


# --- reading and writing the content -------------------------------------------------------------------------

def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


@dataclass
class Content:
    """The content folder being edited, read and written as data."""

    root: Path
    rng: random.Random = field(default_factory=random.Random)
    serial: int = 0

    @property
    def templates(self) -> Path:
        return self.root.parent / "templates"

    def fresh(self, prefix: str) -> str:
        """A new id (also a file name and a slug)."""
        self.serial += 1
        return f"{prefix}-{self.serial}-{self.rng.randrange(1000)}"

    def record_files(self, kind: str) -> list[Path]:
        single = self.root / f"{kind}.yaml"
        return ([single] if single.exists() else []) + sorted((self.root / kind).glob("*.yaml"))

    @staticmethod
    def read(path: Path) -> list[dict[str, Any]]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return [] if data is None else [data] if isinstance(data, dict) else list(data)

    @staticmethod
    def write(path: Path, records: list[dict[str, Any]]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(records), encoding="utf-8")

    def records(self, kind: str) -> list[tuple[Path, dict[str, Any]]]:
        return [(path, record) for path in self.record_files(kind) for record in self.read(path)]

    def ids(self, kind: str) -> list[str]:
        return [record["id"] for _, record in self.records(kind)]

    def stories(self) -> list[Path]:
        return sorted((self.root / "stories").glob("*.md"))

    @staticmethod
    def story(path: Path) -> tuple[dict[str, Any], str]:
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        return yaml.safe_load(front), body

    @staticmethod
    def write_story(path: Path, front: dict[str, Any], body: str) -> None:
        path.write_text("---\n" + _dump(front) + "---\n" + body, encoding="utf-8")

    def images(self) -> list[str]:
        return sorted(p.relative_to(self.root / "assets").as_posix() for p in (self.root / "assets").rglob("*")
                      if p.suffix in (".jpg", ".png"))

    def referenced(self) -> set[tuple[str, str]]:
        """(kind, id) of every record something refers to, and ("asset", path) of every asset in use."""
        refs: set[tuple[str, str]] = set()
        for _, b in self.records("branches"):
            refs.add(("units", b["unit"]))
            if "village" in b:
                refs.add(("villages", b["village"]))
        for kind in ("activities", "inspections"):
            for _, r in self.records(kind):
                refs.update(("branches", x) for x in r.get("branches", []))
                refs.update(("villages", x) for x in r.get("villages", []))
                refs.update(("asset", x) for x in r.get("photos", []))
        site = yaml.safe_load((self.root / "site.yaml").read_text(encoding="utf-8"))
        refs.update(("asset", site[key]) for key in ("logo", "favicon") if key in site)
        for path in self.stories():
            front, body = self.story(path)
            refs.update(("branches", x) for x in front.get("branches", []))
            if "unit" in front:
                refs.add(("units", front["unit"]))
            if "cover" in front:
                refs.add(("asset", front["cover"]))
            refs.update(("asset", rel) for rel in self.assets() if rel in body)
        return refs

    def assets(self) -> list[str]:
        return sorted(p.relative_to(self.root / "assets").as_posix() for p in (self.root / "assets").rglob("*")
                      if p.is_file())

    def assets_of(self, *suffixes: str) -> list[str]:
        return [rel for rel in self.assets() if rel.endswith(suffixes)]

    def pick(self, items: list[Any]) -> Any:
        if not items:
            raise NothingToEdit  # e.g. every file of a kind was removed earlier in the sequence
        return items[self.rng.randrange(len(items))]

    def subset(self, items: list[Any], least: int = 0) -> list[Any]:
        chosen = [x for x in items if self.rng.random() < 0.5]
        return chosen or items[:least]


# --- the valid edits ------------------------------------------------------------------------------------------

def _field_value(c: Content, kind: str, record: dict[str, Any]) -> tuple[str, Any]:
    """A field of a record of `kind` and a new valid value for it."""
    n = c.rng.randrange(1, 500)
    choices: dict[str, list[tuple[str, Any]]] = {
        "units": [("name", f"单位{n}"), ("short_name", f"简{n}"), ("kind", c.pick(["医院", "高校", "机关"])), ("order", n)],
        "branches": [("name", f"支部{n}"), ("members", n), ("member_pairs", n % 40), ("household_pairs", n % 9),
                     ("secretary", f"书记{n}"), ("phone", f"0635-{n:07d}")],
        "villages": [("name", f"村{n}"), ("town", c.pick(["金郝庄镇", "北城街道办事处"])),
                     ("county", c.pick(["临清市", "东昌府区", "莘县"])), ("needs", c.subset(["班子软弱涣散", "设施短缺陈旧"])),
                     ("problems", [f"问题{n}"])],
        "activities": [("title", f"活动{n}"), ("participants", n), ("funds", c.pick([n, n * 10.5, 0])),
                       ("date", c.pick(list(DATES))), ("theme", c.pick(list(THEMES))),
                       ("summary", f"为村民**办实事**{n}件。"), ("kind", c.pick(["主题党日", "科技培训", "送健康下乡"])),
                       ("donations", [{"item": "棉被", "quantity": n, "unit": "套", "value": n * 2}]),
                       ("photos", c.subset(c.images())), ("branches", c.subset(c.ids("branches"), 1)),
                       ("villages", c.subset(c.ids("villages")))],
        "inspections": [("findings", f"发现{n}"), ("follow_up", c.pick(["约谈", "限期整改"])), ("group", n % 5),
                        ("checks", {"摸清村居情况": c.pick(["达标", "基本达标", "未达标"])}),
                        ("methods", c.subset(["听", "看", "查", "访"], 1)), ("date", c.pick(list(DATES)))],
    }
    if kind == "branches" and "village" in record:
        choices["branches"].append(("paired_on", c.pick(list(DATES))))
    chosen: tuple[str, Any] = c.pick(choices[kind])
    return chosen


def _new_record(c: Content, kind: str) -> dict[str, Any]:
    rid = c.fresh(kind[:3])
    n = c.rng.randrange(1, 90)
    if kind == "units":
        return {"id": rid, "name": f"新单位{n}", "kind": "机关"}
    if kind == "branches":
        branch = {"id": rid, "name": f"新支部{n}", "unit": c.pick(c.ids("units")), "members": n}
        if c.rng.random() < 0.5:
            branch |= {"village": c.pick(c.ids("villages")), "paired_on": c.pick(list(DATES))}
        return branch
    if kind == "villages":
        return {"id": rid, "name": f"新村{n}", "town": "金郝庄镇", "county": "临清市"}
    if kind == "activities":
        return {"id": rid, "date": c.pick(list(DATES)), "title": f"新活动{n}", "kind": "主题党日",
                "branches": c.subset(c.ids("branches"), 1), "participants": n, "funds": n * 100}
    return {"id": rid, "date": c.pick(list(DATES)), "group": n % 4, "villages": c.subset(c.ids("villages"), 1),
            "methods": ["听"], "checks": {"参与组织生活": "达标"}, "findings": f"新发现{n}", "follow_up": "约谈"}


def edit_record_field(c: Content) -> str:
    kind = c.pick(list(KINDS))
    path, record = c.pick(c.records(kind))
    name, value = _field_value(c, kind, record)
    records = c.read(path)
    for r in records:
        if r["id"] == record["id"]:
            if value is None:
                r.pop(name, None)
            else:
                r[name] = value
    c.write(path, records)
    return f"{kind} {record['id']}.{name} = {value!r} in {path.name}"


def toggle_pairing(c: Content) -> str:
    path, record = c.pick(c.records("branches"))
    records = c.read(path)
    r = next(r for r in records if r["id"] == record["id"])
    if "village" in r:
        del r["village"], r["paired_on"]
        what = "unpaired"
    else:
        r["village"], r["paired_on"] = c.pick(c.ids("villages")), c.pick(list(DATES))
        what = f"paired with {r['village']} on {r['paired_on']}"
    c.write(path, records)
    return f"branch {r['id']} {what}"


def add_record(c: Content) -> str:
    kind = c.pick(list(KINDS))
    files = c.record_files(kind) or [c.root / f"{kind}.yaml"]
    path = c.pick(files)
    record = _new_record(c, kind)
    c.write(path, [*c.read(path), record] if path.exists() else [record])
    return f"add {kind} {record['id']} to {path.relative_to(c.root)}"


def remove_record(c: Content) -> str:
    used = c.referenced()
    candidates = [(kind, path, r) for kind in KINDS for path, r in c.records(kind) if (kind, r["id"]) not in used]
    if not candidates:
        return add_record(c)
    kind, path, record = c.pick(candidates)
    c.write(path, [r for r in c.read(path) if r["id"] != record["id"]])
    return f"remove {kind} {record['id']} from {path.relative_to(c.root)}"


def move_record(c: Content) -> str:
    kind = c.pick(list(KINDS))
    source, record = c.pick(c.records(kind))
    others = [p for p in c.record_files(kind) if p != source]
    target = c.pick([*others, c.root / kind / f"{c.fresh('moved')}.yaml"])
    rest = [r for r in c.read(source) if r["id"] != record["id"]]
    if rest or c.rng.random() < 0.5:
        c.write(source, rest)  # possibly an empty list: a file of no records
    else:
        source.unlink()
    c.write(target, [*c.read(target), record] if target.exists() else [record])
    return f"move {kind} {record['id']} from {source.relative_to(c.root)} to {target.relative_to(c.root)}"


def add_record_file(c: Content) -> str:
    kind = c.pick(list(KINDS))
    path = c.root / kind / f"{c.fresh('file')}.yaml"
    record = _new_record(c, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_dump(record), encoding="utf-8")  # one mapping, not a list
    return f"add file {path.relative_to(c.root)} with {record['id']}"


def remove_record_file(c: Content) -> str:
    used = c.referenced()
    kind = c.pick(list(KINDS))
    path = c.pick(c.record_files(kind))
    records = c.read(path)
    kept = [r for r in records if (kind, r["id"]) in used]
    path.unlink()
    if kept:  # what others refer to must stay: it goes to another file of the kind
        home = c.pick(c.record_files(kind) or [c.root / f"{kind}.yaml"])
        c.write(home, [*c.read(home), *kept] if home.exists() else kept)
        return f"remove file {path.relative_to(c.root)}, keeping {[r['id'] for r in kept]} in {home.relative_to(c.root)}"
    return f"remove file {path.relative_to(c.root)}"


def rename_record_file(c: Content) -> str:
    kind = c.pick(list(KINDS))
    path = c.pick(c.record_files(kind))
    target = c.pick([c.root / kind / f"{c.fresh('renamed')}.yaml", c.root / f"{kind}.yaml"])
    if target.exists():
        target = c.root / kind / f"{c.fresh('renamed')}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    path.rename(target)
    return f"rename {path.relative_to(c.root)} to {target.relative_to(c.root)}"


def edit_story(c: Content) -> str:
    path = c.pick(c.stories())
    front, body = c.story(path)
    n = c.rng.randrange(1, 500)
    what = c.pick(["title", "body", "image", "html", "link", "tags", "featured", "summary", "draft", "date", "cover",
                   "branches", "unit", "author"])
    if what == "title":
        front["title"] = f"新标题{n}"
    elif what == "body":
        body += f"\n## 小标题{n}\n\n新的一段，**第{n}段**。\n"
    elif what == "image" and c.images():
        body += f"\n![配图{n}](asset:{c.pick(c.images())})\n"
    elif what == "html":
        body += f'\n<div class="raw" onclick="x()">原始 HTML {n}</div>\n'  # kept or cleaned by allow_raw_html
    elif what == "link" and c.assets_of(".pdf", ".svg"):
        body += f"\n[附件{n}](../assets/{c.pick(c.assets_of('.pdf', '.svg'))})\n"
    elif what == "tags":
        front["tags"] = c.subset(list(TAGS))
    elif what in ("featured", "draft"):
        front[what] = not front.get(what, False)
    elif what == "summary":
        front["summary"] = f"摘要{n}"
    elif what == "date":
        front["date"] = c.pick(list(DATES))
    elif what == "cover" and c.images():
        front["cover"] = c.pick([*c.images(), None])
    elif what == "branches":
        front["branches"] = c.subset(c.ids("branches"))
    elif what == "unit":
        front["unit"] = c.pick([*c.ids("units"), None])
    else:
        front["author"] = f"作者{n}"
    front = {k: v for k, v in front.items() if v is not None}
    c.write_story(path, front, body)
    return f"story {path.name}: {what}"


def add_story(c: Content) -> str:
    slug = c.fresh("story")
    front: dict[str, Any] = {"title": f"新故事{c.serial}", "date": c.pick(list(DATES)), "tags": c.subset(list(TAGS)),
                             "branches": c.subset(c.ids("branches"))}
    if c.rng.random() < 0.5 and c.images():
        front["cover"] = c.pick(c.images())
    if c.rng.random() < 0.3:
        front["draft"] = True
    c.write_story(c.root / "stories" / f"{slug}.md", front, f"新故事的正文{c.serial}。\n")
    return f"add story {slug}.md"


def remove_story(c: Content) -> str:
    if not c.stories():
        return add_story(c)
    path = c.pick(c.stories())
    path.unlink()
    return f"remove story {path.name}"


def rename_story(c: Content) -> str:
    if not c.stories():
        return add_story(c)
    path = c.pick(c.stories())
    target = path.with_name(f"{c.fresh('renamed')}.md")
    path.rename(target)
    return f"rename story {path.name} to {target.name}"


def edit_site(c: Content) -> str:
    path = c.root / "site.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    n = c.rng.randrange(1, 500)
    name, value = c.pick([
        ("title", f"测试共建{n}"), ("base_url", c.pick(["https://example.org/gj/", "https://example.com/", "https://x.cn/a/b/"])),
        ("as_of", c.pick([*DATES[2:], None])), ("organization", c.pick([f"工委{n}", None])), ("lagging_days", n % 60 + 1),
        ("campaign", {"name": f"共建行动{n}", "start": "2017-09-01"}), ("allow_raw_html", c.pick([True, False, None])),
        ("logo", c.pick([*c.images(), *c.assets_of(".svg"), None])), ("favicon", c.pick([*c.assets_of(".png", ".svg"), None])),
    ])
    if value is None:
        data.pop(name, None)
    else:
        data[name] = value
    path.write_text(_dump(data), encoding="utf-8")
    return f"site.yaml {name} = {value!r}"


def _own_template(c: Content, rel: str, marker: str) -> str:
    text = (REPO / "templates" / rel).read_text(encoding="utf-8")
    return text.replace("{% block main %}", "{% block main %}" + f'<p class="own">{marker}</p>', 1)


def add_template(c: Content) -> str:
    rel = c.pick(list(TEMPLATES))
    path = c.templates / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_own_template(c, rel, f"自定义{c.rng.randrange(100)}"), encoding="utf-8")
    return f"own template {rel} (added or edited)"


def remove_template(c: Content) -> str:
    own = sorted(p for p in c.templates.rglob("*") if p.is_file()) if c.templates.exists() else []
    if not own:
        return add_template(c)
    path = c.pick(own)
    path.unlink()
    if not any(p.is_file() for p in c.templates.rglob("*")) and c.rng.random() < 0.5:
        shutil.rmtree(c.templates)  # no own folder at all: the default templates alone
        return f"remove own template {path.relative_to(c.templates)} and the templates/ folder"
    return f"remove own template {path.relative_to(c.templates)}"


def add_static(c: Content) -> str:
    name = c.pick(["custom.css", "own.css"])
    path = c.templates / "static" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"/* own {c.rng.randrange(100)} */ body{{margin:0}}\n", encoding="utf-8")
    return f"own static {name}"


def replace_picture(c: Content) -> str:
    rel = c.pick(c.images())
    path = c.root / "assets" / rel
    _save_picture(path, c.rng.randrange(10_000), c.pick([(480, 360), (700, 500), (300, 200)]))
    return f"replace picture {rel}"


def replace_file(c: Content) -> str:
    files = c.assets_of(".pdf", ".svg")
    if not files:
        return add_asset(c)
    rel = c.pick(files)
    path = c.root / "assets" / rel
    n = c.rng.randrange(1000)
    if rel.endswith(".pdf"):
        path.write_bytes(b"%PDF-1.4\n% " + str(n).encode() + b"\n%%EOF\n")
    else:
        path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="{n % 50 + 1}" height="4"/>\n', encoding="utf-8")
    return f"replace file {rel}"


def _save_picture(path: Path, seed: int, size: tuple[int, int]) -> None:
    """Write another picture (4×4 random blocks) in the file's own format."""
    grid_image(seed, size).save(path, "PNG" if path.suffix == ".png" else "JPEG")


def add_asset(c: Content) -> str:
    kind = c.pick(["png", "jpg", "pdf", "svg"])
    rel = f"extra/{c.fresh('asset')}.{kind}"
    path = c.root / "assets" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind in ("png", "jpg"):
        _save_picture(path, c.rng.randrange(10_000), (200, 150))
    elif kind == "pdf":
        path.write_bytes(b"%PDF-1.4\n% unused\n%%EOF\n")
    else:
        path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>\n', encoding="utf-8")
    return f"add asset {rel}"


def remove_asset(c: Content) -> str:
    used = {rel for kind, rel in c.referenced() if kind == "asset"}
    unused = [rel for rel in c.assets() if rel not in used]
    if not unused:
        return add_asset(c)
    rel = c.pick(unused)
    (c.root / "assets" / rel).unlink()
    return f"remove asset {rel}"


# --- the edits that break the content for a while ---------------------------------------------------------------

def _break_site_yaml(c: Content) -> tuple[list[Path], str]:
    path = c.root / "site.yaml"
    path.write_text(c.pick(["title: [坏了\n", path.read_text(encoding="utf-8").replace("title: ", "title：", 1)]),
                    encoding="utf-8")
    return [path], "site.yaml unreadable"


def _break_reference(c: Content) -> tuple[list[Path], str]:
    path, record = c.pick(c.records("activities"))
    records = c.read(path)
    for r in records:
        if r["id"] == record["id"]:
            r["branches"] = ["no-such-branch"]
    c.write(path, records)
    return [path], f"activity {record['id']} names a missing branch"


def _break_story(c: Content) -> tuple[list[Path], str]:
    path = c.pick(c.stories()) if c.stories() else c.root / "stories" / "broken.md"
    path.write_text("---\ntitle: 坏了\ndate: 2017-13-01\ncover: photos/missing.jpg\n---\n正文\n", encoding="utf-8")
    return [path], f"story {path.name} with an impossible date and a missing cover"


def _break_duplicate(c: Content) -> tuple[list[Path], str]:
    kind = c.pick(list(KINDS))
    _, record = c.pick(c.records(kind))
    path = c.root / kind / "duplicate.yaml"
    c.write(path, [record])
    return [path], f"{kind} {record['id']} twice"


def _break_template(c: Content) -> tuple[list[Path], str]:
    rel = c.pick(list(TEMPLATES))
    path = c.templates / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{% extends "_base.html" %}{% block main %}<p>{{ oops </p>\n', encoding="utf-8")
    return [path], f"own template {rel} does not compile"


BREAKS: dict[str, Callable[[Content], tuple[list[Path], str]]] = {
    "site.yaml": _break_site_yaml, "reference": _break_reference, "story": _break_story,
    "duplicate id": _break_duplicate, "template": _break_template,
}


def broken_for_a_while(c: Content, compare: Callable[[str], None]) -> str:
    """Break the content, save another file while it is broken, then put it right (three saves, each compared)."""
    name = c.pick(list(BREAKS))
    touched = [c.root / "site.yaml", *c.stories(), *(p for kind in KINDS for p in c.record_files(kind))]
    before = {p: p.read_bytes() for p in touched}
    paths, what = BREAKS[name](c)
    kept = {p: before.get(p) for p in paths}
    compare(f"broken: {what}")
    others = [p for p in c.stories() if p not in paths]
    if others:
        story = c.pick(others)
        story.write_text(story.read_text(encoding="utf-8") + "\n还在修改。\n", encoding="utf-8")
        compare(f"while broken, story {story.name} saved")
    for path, data in kept.items():  # put right: as it was, or gone if it was new
        if data is None:
            path.unlink()
        else:
            path.write_bytes(data)
    return f"fixed: {what}"


EDITS: dict[str, Callable[[Content], str]] = {
    "record field": edit_record_field, "pairing": toggle_pairing, "add record": add_record,
    "remove record": remove_record, "move record": move_record, "add record file": add_record_file,
    "remove record file": remove_record_file, "rename record file": rename_record_file,
    "story": edit_story, "add story": add_story, "remove story": remove_story, "rename story": rename_story,
    "site.yaml": edit_site, "template": add_template, "remove template": remove_template, "static": add_static,
    "replace picture": replace_picture, "replace file": replace_file, "add asset": add_asset, "remove asset": remove_asset,
}
NAMES = [*EDITS, "broken for a while"]
# Shrinking would build thousands of times more (minutes); a failure names every edit and the sequence to replay.
NO_SHRINKING = (Phase.explicit, Phase.reuse, Phase.generate)
sequences = st.lists(st.tuples(st.sampled_from(NAMES), st.integers(0, 2**32 - 1)), min_size=3, max_size=8)


class NothingToEdit(Exception):
    """The edit has nothing left to work on (what it edits was removed earlier in the sequence)."""


def apply(c: Content, name: str, seed: int, compare: Callable[[str], None]) -> str:
    """Apply one edit of the catalogue (deterministic given the content, the name and the seed)."""
    c.rng.seed(seed)
    try:
        if name == "broken for a while":
            return broken_for_a_while(c, compare)
        return EDITS[name](c)
    except NothingToEdit:
        return f"{name}: nothing left to edit (the content, as it is, is still compared)"


# --- building and comparing ------------------------------------------------------------------------------------

def _bytes(files: Mapping[str, bytes | Path]) -> dict[str, bytes]:
    return {rel: data.read_bytes() if isinstance(data, Path) else data for rel, data in files.items()}


def build(project: Project) -> Outputs:
    """The one build the preview runs: pages, then the search index and the Office downloads."""
    made = build_split(project)
    return made if isinstance(made, tuple) else {**made.pages, **made.later}


@dataclass(frozen=True)
class Built:
    """The pages and files of a build, and apart what the preview makes after them (search index, Office downloads)."""

    pages: dict[str, bytes]
    later: dict[str, bytes]


def build_split(project: Project, later: bool = True) -> Built | tuple[str, ...]:
    """Build as `build` does, keeping apart what the preview makes after the reload (made only with `later`)."""
    try:
        made = project.build(search=later)
    except GongjianError as error:
        return tuple(error.lines())
    return Built(_bytes(made.files), dict(made.later) if later else {})


# Compiled templates shared by the cold builds (never with the preview's project): Jinja checks each against
# the hash of its template's source, so a cold build still compiles every template that changed.
COLD_BYTECODE = _MemoryBytecode()


def cold_project(content: Path) -> Project:
    """A fresh project, as a cold `build --drafts` makes."""
    return Project(content, drafts=True, bytecode=COLD_BYTECODE)


def cold(content: Path) -> Outputs:
    """A cold `build --drafts` of the content as it is now: a fresh project."""
    return build(cold_project(content))


def difference(warm: Outputs, expected: Outputs) -> str:
    """Name what differs: the problems, or the first paths only on one side or with other bytes."""
    if isinstance(warm, tuple) or isinstance(expected, tuple):
        return f"preview: {warm if isinstance(warm, tuple) else 'built'}; cold: {expected if isinstance(expected, tuple) else 'built'}"
    only_warm = sorted(warm.keys() - expected.keys())
    only_cold = sorted(expected.keys() - warm.keys())
    differ = sorted(rel for rel in warm.keys() & expected.keys() if warm[rel] != expected[rel])
    lines = [f"only in the preview: {only_warm[:5]}", f"only in the cold build: {only_cold[:5]}",
             f"different bytes ({len(differ)}): {differ[:8]}"]
    if differ:
        a, b = warm[differ[0]], expected[differ[0]]
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        lines.append(f"{differ[0]} first differs at byte {at}: preview {a[max(0, at - 80):at + 80]!r}"
                     f" / cold {b[max(0, at - 80):at + 80]!r}")
    return "\n  ".join(lines)


@contextmanager
def fixture_copy() -> Iterator[Content]:
    with tempfile.TemporaryDirectory(prefix="gongjian-edits-") as folder:
        shutil.copytree(FIXTURES / "showcase", Path(folder) / "project")
        content = Content(Path(folder) / "project" / "content")
        # Smaller pictures than the fixture's: resizing and encoding them would be most of each cold build.
        for seed, rel in enumerate(content.images()):
            _save_picture(content.root / "assets" / rel, seed, (480, 360))
        yield content


def _story(sequence: list[tuple[str, int]], done: list[str]) -> str:
    """The edits so far, as they were applied, and the sequence to replay them with (`@example(sequence=…)`)."""
    return f" (replay: sequence={sequence!r})" + "".join(f"\n  {i}. {step}" for i, step in enumerate(done, 1))


# --- the long-lived project, compared after every save --------------------------------------------------------

@pytest.mark.slow
# Found by this test: a unit's short name or order changed, and the activity pages kept the old ones.
@example([("record field", 55), ("record field", 2)])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINKING)
@given(sequences)
def test_random_edit_sequences_give_what_a_cold_build_gives(sequence: list[tuple[str, int]]) -> None:
    with fixture_copy() as content:
        project = Project(content.root, drafts=True)  # one for the session, as the preview's
        done: list[str] = []

        def compare(step: str) -> None:
            done.append(step)
            warm, expected = build(project), cold(content.root)
            assert warm == expected, f"after the edits:{_story(sequence, done)}\n  {difference(warm, expected)}"

        compare("start")
        for name, seed in sequence:
            compare(apply(content, name, seed, compare))


@pytest.mark.parametrize(("index", "field", "value"), [(1, "short_name", "农科"), (1, "name", "市农业科学院"), (0, "order", 9)])
def test_a_unit_edit_shows_on_the_activity_pages_of_a_long_lived_project(index: int, field: str, value: object) -> None:
    # The activity views were remembered by activity, branches and villages only: not by the units they show.
    with fixture_copy() as content:
        project = Project(content.root, drafts=True)
        before = build(project)
        path = content.root / "units.yaml"
        records = content.read(path)
        records[index][field] = value  # agri has no short name; hosp with an order is listed after agri
        content.write(path, records)
        after, expected = build(project), cold(content.root)
        assert isinstance(after, dict) and isinstance(before, dict)
        assert after["public/activities/index.html"] != before["public/activities/index.html"]
        assert after == expected, difference(after, expected)


# --- the real preview ------------------------------------------------------------------------------------------

class Driven:
    """A real `Preview` whose event loop (polling for saves, as `gongjian serve` does) runs on a thread of its own."""

    def __init__(self, content: Path, out: Path) -> None:
        self.said: list[str] = []
        self.preview = Preview(content, out, self.said.append)
        self.content = content
        self.loop = asyncio.new_event_loop()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        async def watch() -> None:
            self.preview.start()
            while not self.preview._stopped:
                await asyncio.sleep(POLL_SECONDS)
                self.preview.poll()

        try:
            self.loop.run_until_complete(watch())
        except BaseException as error:  # reported by the test, never lost on the thread
            self.errors.append(error)

    def wait(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 60  # a guard against a hung preview, never an assertion about speed
        while not ready():
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"the preview never {what}: {self.preview.status()}\n{self.said}"
            time.sleep(0.01)

    def settled(self) -> None:
        """Wait until the preview has seen every save so far and finished building what it saw."""
        p = self.preview
        now = snapshot(self.content, p.project.template_dirs())
        # The watcher's own record of what it has seen and not built yet: the one way to know a burst is over.
        self.wait(lambda: not p.building and not p._pending and p._stamps == now, "built the last save")

    def close(self) -> None:
        self.preview.close()  # sets _stopped: the watcher ends at its next poll
        self.thread.join(timeout=60)
        self.loop.close()


def served(preview: Preview, rel: str) -> tuple[int, bytes]:
    side, _, inside = rel.partition("/")
    url = "/" + (inside if side == "public" else rel)  # the public side is served at /, the internal at /internal/
    answer = preview.respond(side, inside, url)
    return answer.status, answer.body


def _served_difference(preview: Preview, content: Path, later: bool) -> str | None:
    """What the preview serves that a cold build would not, or None: pages with the reload script taken out.

    With `later`, also what the preview makes after the reload (the search index, the Office downloads).
    """
    made = build_split(cold_project(content), later)
    outcome = preview.outcome
    assert outcome is not None
    if isinstance(made, tuple):
        if outcome.ok or list(outcome.problems) != list(made):
            return f"preview: {'built' if outcome.ok else outcome.problems}; cold: {made}"
        status, body = served(preview, "public/index.html")
        return None if status == 500 and "预览暂时无法生成" in body.decode("utf-8") else f"error page {status}"
    if not outcome.ok:
        return f"preview failed: {outcome.problems}; the cold build did not"
    wanted = {**made.pages, **made.later} if later else made.pages
    have = set(preview.files) | (set(preview.later) if later else set())
    if have != wanted.keys():
        return f"only served: {sorted(have - wanted.keys())[:5]}; only in the cold build: {sorted(wanted.keys() - have)[:5]}"
    for rel, data in wanted.items():
        status, body = served(preview, rel)
        snippet = preview.live.snippet(preview.generation, rel)  # names the page it is in
        if status != 200 or body != (inject(data, snippet) if rel.endswith(".html") else data):
            return f"{rel} served as {status}, {len(body)} bytes, not the cold build's {len(data)}"
    return None


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINKING)
@given(sequences)
def test_the_preview_serves_a_cold_build_after_random_edit_sequences(sequence: list[tuple[str, int]]) -> None:
    with fixture_copy() as content:
        driven = Driven(content.root, content.root.parent / "preview-out")
        try:
            done: list[str] = []

            def compare(step: str) -> None:
                done.append(step)
                driven.settled()
                problem = _served_difference(driven.preview, content.root, later=False)
                assert problem is None, f"after the edits:{_story(sequence, done)}\n  {problem}"

            driven.wait(lambda: driven.preview.builds >= 1 and not driven.preview.building, "built the first time")
            compare("start")
            for name, seed in sequence:
                compare(apply(content, name, seed, compare))
            # The Office downloads and the search index follow the pages, once the preview has been quiet a moment.
            p = driven.preview
            driven.wait(lambda: p.written == p.generation, "wrote its folder")
            expected = cold(content.root)
            problem = _served_difference(p, content.root, later=True)
            assert problem is None, f"after the edits:{_story(sequence, done)}\n  {problem}"
            on_disk = {rel: data for rel, data in tree(p.out).items() if rel != MARKER}  # the writer's own mark
            assert isinstance(expected, dict)
            assert on_disk == expected, f"after the edits:{_story(sequence, done)}\n  the preview folder: {difference(on_disk, expected)}"
        finally:
            driven.close()
