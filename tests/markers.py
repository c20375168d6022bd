"""Campaigns whose every internal value is a unique marker, and a scanner that finds markers in a site.

Internal markers look like `zzleak01234zz`, draft-only ones `zzdraft…zz`, values of
records dated after `as_of` `zzfuture…zz`, editors' HTML comments `zznote…zz`, and public ones `zzpub…zz` (these must
appear, which proves the scanner sees the pages). All are ASCII so HTML and JSON
escaping cannot disguise them.
"""

from __future__ import annotations

import bz2
import gzip
import itertools
import lzma
import random
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, PngImagePlugin, UnidentifiedImageError

HIDDEN = re.compile(rb"zz(?:leak|draft|future|note)[0-9]{5}zz", re.IGNORECASE)
# What the public *model* may not hold; `note` markers sit in HTML comments of story
# bodies, which are public text until the sanitiser drops the comments at render time.
NOT_IN_PUBLIC_MODEL = re.compile(rb"zz(?:leak|draft|future)[0-9]{5}zz", re.IGNORECASE)
PUBLIC = re.compile(rb"zzpub[0-9]{5}zz", re.IGNORECASE)
# Values of `needs` come from a fixed list, so they cannot be markers; generated
# public text never contains them, so they must not appear either.
NEEDS = ("班子软弱涣散", "设施短缺陈旧", "经济贫困落后")
AS_OF = "2017-11-24"
GRID = 4


class Markers:
    """Hand out unique markers of each kind."""

    def __init__(self) -> None:
        self._count = itertools.count(1)

    def __call__(self, kind: str) -> str:
        return f"zz{kind}{next(self._count):05d}zz"


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def _nested_internal(m: Markers) -> dict[str, Any]:
    """An `internal:` value with markers at several depths, in lists and mappings."""
    return {"备注": m("leak"), "联系人": {"姓名": m("leak"), "电话": m("leak")}, "记录": [m("leak"), {"说明": m("leak")}]}


def _extra(m: Markers) -> dict[str, Any]:
    """An `extra:` value: public text, with an `internal:` tucked inside that must still stay hidden."""
    return {"说明": f"公开说明 {m('pub')}", "附加": {"internal": {"秘密": m("leak")}, "公开": m("pub")}}


def grid_image(seed: int, size: tuple[int, int] = (700, 500)) -> Image.Image:
    """An image of 4×4 random colour blocks: its pixels are a marker that survives resizing and JPEG."""
    rng = random.Random(seed)
    small = Image.new("RGB", (GRID, GRID))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(GRID * GRID)])
    return small.resize(size, Image.Resampling.NEAREST)


def fingerprint(image: Image.Image) -> list[int]:
    """The 4×4 block colours of an image, whatever its size or encoding."""
    return list(image.convert("RGB").resize((GRID, GRID), Image.Resampling.BOX).tobytes())


def similar(a: list[int], b: list[int]) -> bool:
    """True when two fingerprints are the same picture (random pictures differ by about 85 on average)."""
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a) < 12


def _save(image: Image.Image, path: Path, marker: str, exif: Image.Exif | None = None) -> None:
    """Save with the marker also in the metadata (EXIF, comment, text chunk), where a copied original carries it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".png":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", marker)
        image.save(path, "PNG", pnginfo=info)
    else:
        exif = exif or Image.Exif()
        exif[0x013B] = marker  # Artist
        image.save(path, "JPEG", exif=exif, comment=marker.encode())


def _marked_images(content: Path, m: Markers) -> dict[str, Any]:
    """Write images whose names, metadata and pixels are markers; return where each one is used.

    Hidden: a draft's cover and body image, a photo of an activity after as_of, an image named only
    under `internal:`, and an image nothing uses. Public: a cover whose EXIF holds GPS coordinates
    and a hidden marker (only the stripped copy may be published), a body image and a PDF.
    """
    uses: dict[str, Any] = {"hidden": {}, "public": {}}
    for role, kind in (("draft_cover", "draft"), ("draft_body", "draft"), ("future_photo", "future"),
                       ("internal", "leak"), ("unused", "leak")):
        marker = m(kind)
        name = f"hidden/{marker}.{'png' if role == 'draft_cover' else 'jpg'}"
        _save(grid_image(int(marker[-7:-2])), content / "assets" / name, marker)
        uses["hidden"][role] = name
    gps = Image.Exif()
    gps[0x8825] = {1: "N", 2: (36.0, 27.0, 1.5), 3: "E", 4: (115.0, 58.0, 2.5)}
    gps[0x010E] = m("leak")  # ImageDescription: metadata that must be stripped
    for role in ("cover", "body"):
        marker = m("pub")
        name = f"shown/{marker}.jpg"
        _save(grid_image(int(marker[-7:-2])), content / "assets" / name, m("leak"), gps)
        uses["public"][role] = name
    (content / "assets" / "shown" / "plan.pdf").write_bytes(b"%PDF-1.4\n% " + m("pub").encode() + b"\n%%EOF\n")
    uses["public"]["pdf"] = "shown/plan.pdf"
    return uses


def write_campaign(root: Path, units: int = 3, branches_per_unit: int = 3, activities_per_branch: int = 2,
                   assets: int = 2, asset_bytes: int = 2048, images: bool = False) -> Path:
    """Write a marker campaign under `root`/content and return the content folder.

    With `images`, it also holds marked images (see `_marked_images`); `image_uses(content)` says which.
    """
    m = Markers()
    content = root / "content"
    for folder in ("units", "branches", "villages", "activities", "inspections", "stories", "assets/photos"):
        (content / folder).mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text(_dump({
        "title": f"标记测试 {m('pub')}", "base_url": "https://example.org/leak/", "organization": "测试工委",
        "campaign": {"name": "“1+1”好支部共建行动", "start": "2017-09-01"}, "as_of": AS_OF, "lagging_days": 30,
        "extra": _extra(m), "internal": _nested_internal(m),
    }), encoding="utf-8")
    photos = []
    for index in range(assets):
        name = f"photos/p{index:04d}.svg"
        pad = "x" * max(0, asset_bytes - 120)
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><desc>{pad}</desc></svg>\n'
        (content / "assets" / name).write_text(svg, encoding="utf-8")
        photos.append(name)
    pictures = _marked_images(content, m) if images else None
    unit_records, village_records, branch_records, activity_records, inspections = [], [], [], [], []
    day = 0
    for u in range(units):
        uid = f"u{u:03d}"
        unit_records.append({"id": uid, "name": f"单位{u} {m('pub')}", "kind": "机关", "order": u + 1,
                             "extra": _extra(m), "internal": _nested_internal(m)})
        for b in range(branches_per_unit):
            bid, vid = f"{uid}-b{b:02d}", f"{uid}-v{b:02d}"
            village_records.append({
                "id": vid, "name": f"村{u}-{b} {m('pub')}", "town": f"镇{u}", "county": "东昌府区",
                "needs": list(NEEDS), "problems": [m("leak"), m("leak")],
                "extra": _extra(m), "internal": _nested_internal(m),
            })
            future_pairing = b == branches_per_unit - 1 and u == 0
            branch_records.append({
                "id": bid, "name": f"支部{u}-{b} {m('pub')}", "unit": uid, "members": 10 + b,
                "village": vid, "paired_on": "2017-12-20" if future_pairing else "2017-09-20",
                "secretary": m("leak"), "phone": m("leak") if b % 2 else f"0635-{m('leak')}",
                "member_pairs": 3, "household_pairs": 2, "extra": _extra(m), "internal": _nested_internal(m),
            })
            for a in range(activities_per_branch):
                day = (day % 50) + 1
                date = f"2017-{10 + day // 31:02d}-{day % 31 + 1:02d}"
                activity_records.append({
                    "id": f"{bid}-a{a:02d}", "date": date, "title": f"活动 {m('pub')}", "kind": "主题党日",
                    "theme": "献爱心、送温暖", "branches": [bid], "villages": [vid], "participants": 5, "funds": 100,
                    "donations": [{"item": "棉被", "quantity": 2, "unit": "套", "value": 200,
                                   "internal": {"经手人": m("leak")}}],
                    "beneficiaries": [{"name": m("leak"), "note": m("leak"), "internal": {"身份证": m("leak")}}],
                    "summary": f"**简介** {m('pub')}", "photos": photos[:1],
                    "extra": _extra(m), "internal": _nested_internal(m),
                })
            inspections.append({
                "id": f"zzleak{90000 + len(inspections):05d}zz", "date": "2017-11-06", "group": m("leak"),
                "villages": [vid], "branches": [bid], "methods": ["听", "看", "查", "访"],
                "checks": {m("leak"): "达标", m("leak"): "未达标"}, "findings": m("leak"),
                "follow_up": m("leak"), "extra": {"说明": m("leak")}, "internal": _nested_internal(m),
            })
    # Records dated after as_of are not reported yet: none of their text may appear.
    activity_records.append({
        "id": "future-activity", "date": "2017-12-31", "title": f"未来活动 {m('future')}", "kind": "主题党日",
        "branches": [branch_records[0]["id"]], "participants": 1, "summary": m("future"),
    })
    if pictures:
        activity_records[-1]["photos"] = [pictures["hidden"]["future_photo"]]
        branch_records[0]["internal"]["照片"] = pictures["hidden"]["internal"]
    for kind, records in (("units", unit_records), ("villages", village_records), ("branches", branch_records),
                          ("activities", activity_records), ("inspections", inspections)):
        (content / kind / "generated.yaml").write_text(_dump(records), encoding="utf-8")
    first = branch_records[0]
    public_body = ""
    if pictures:
        shown = pictures["public"]
        public_body = f"\n![村委会](asset:{shown['body']})\n\n[方案](../assets/{shown['pdf']})\n"
    (content / "stories" / "public-story.md").write_text(
        "---\n" + _dump({
            "title": f"公开故事 {m('pub')}", "date": "2017-10-25", "branches": [first["id"]], "unit": first["unit"],
            "author": f"宣传组 {m('pub')}", "tags": ["先进支部"], "summary": f"摘要 {m('pub')}",
            "cover": pictures["public"]["cover"] if pictures else photos[0],
            "featured": True, "extra": _extra(m), "internal": _nested_internal(m),
        }) + f"---\n## 正文\n\n公开正文 {m('pub')}。\n\n<!-- 编辑备注 {m('note')} -->\n{public_body}", encoding="utf-8")
    draft: dict[str, Any] = {"title": f"草稿 {m('draft')}", "date": "2017-11-01", "draft": True,
                             "summary": m("draft"), "tags": [m("draft")]}
    draft_body = ""
    if pictures:
        draft["cover"] = pictures["hidden"]["draft_cover"]
        draft_body = f"\n![草稿配图](../assets/{pictures['hidden']['draft_body']})\n"
    (content / "stories" / "draft-story.md").write_text(
        "---\n" + _dump(draft) + f"---\n草稿正文 {m('draft')}\n{draft_body}", encoding="utf-8")
    if pictures:
        (content.parent / "image-uses.yaml").write_text(_dump(pictures), encoding="utf-8")
    return content


def image_uses(content: Path) -> dict[str, dict[str, str]]:
    """Which marked images a campaign written with `images=True` holds, by role (hidden / public)."""
    uses: dict[str, dict[str, str]] = yaml.safe_load((content.parent / "image-uses.yaml").read_text(encoding="utf-8"))
    return uses


def scan_names(folder: Path, pattern: re.Pattern[bytes] = HIDDEN) -> set[str]:
    """Return the paths under `folder` whose name holds a marker matching `pattern`."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if pattern.search(p.relative_to(folder).as_posix().encode())}


def scan_pixels(folder: Path, pictures: list[Path]) -> dict[str, str]:
    """Return, per image under `folder`, which of `pictures` it shows (resized or re-encoded or not)."""
    wanted = {p.name: fingerprint(Image.open(p)) for p in pictures}
    found: dict[str, str] = {}
    for file in sorted(folder.rglob("*")):
        if not file.is_file():
            continue
        try:
            with Image.open(file) as image:
                print_ = fingerprint(image)
        except (UnidentifiedImageError, OSError):
            continue
        for name, expected in wanted.items():
            if similar(print_, expected):
                found[file.relative_to(folder).as_posix()] = name
    return found


def _layers(data: bytes, name: str) -> Iterator[bytes]:
    """Yield `data` and, when it is compressed, what it decompresses to (recursively)."""
    yield data
    inner: bytes | None = None
    if data[:2] == b"\x1f\x8b":
        inner = gzip.decompress(data)
    elif data[:4] == b"\x28\xb5\x2f\xfd":
        import zstandard  # type: ignore[import-not-found]

        inner = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    elif data[:3] == b"BZh":
        inner = bz2.decompress(data)
    elif data[:6] == b"\xfd7zXZ\x00":
        inner = lzma.decompress(data)
    elif name.endswith(".br"):
        import brotli  # type: ignore[import-not-found]

        inner = brotli.decompress(data)
    elif name.endswith((".zz", ".deflate")):
        inner = zlib.decompress(data)
    if inner is not None:
        yield from _layers(inner, name.rsplit(".", 1)[0])


def scan(folder: Path, pattern: re.Pattern[bytes] = HIDDEN) -> dict[str, set[str]]:
    """Return, per file under `folder`, the markers matching `pattern` (compressed files opened)."""
    found: dict[str, set[str]] = {}
    for file in sorted(folder.rglob("*")):
        if not file.is_file():
            continue
        for layer in _layers(file.read_bytes(), file.name):
            hits = {h.decode() for h in pattern.findall(layer)}
            if hits:
                found.setdefault(file.relative_to(folder).as_posix(), set()).update(hits)
    return found


def scan_text(folder: Path, words: tuple[str, ...]) -> dict[str, set[str]]:
    """Return, per file under `folder`, which of `words` (UTF-8) it contains (compressed files opened)."""
    found: dict[str, set[str]] = {}
    for file in sorted(folder.rglob("*")):
        if not file.is_file():
            continue
        for layer in _layers(file.read_bytes(), file.name):
            hits = {w for w in words if w.encode("utf-8") in layer}
            if hits:
                found.setdefault(file.relative_to(folder).as_posix(), set()).update(hits)
    return found
