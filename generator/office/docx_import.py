"""`gongjian import 事迹材料.docx`: a Word story becomes a draft story with its pictures under content/assets/.

mammoth turns the document into plain semantic HTML (headings, lists, tables, links) and hands
over each embedded picture; markdownify turns that HTML into Markdown. Pictures are re-encoded
from pixels (no EXIF/GPS) by images.clean_copy, the encoder the build uses. Everything is checked and
prepared first; files are written only when every document is good, and nothing is overwritten.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from generator.content.images import clean_copy
from generator.content.slugs import slugify
from generator.errors import DocumentRefused, UsageError
from generator.model.validate import IMPORT_PLACEHOLDER as PLACEHOLDER

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .wps and encrypted .docx are OLE containers
SAVE_AS = "请用 Word 或 WPS 打开它，选“文件 → 另存为”，保存类型选“Word 文档（*.docx）”，再导入另存的文件"


@dataclass(frozen=True)
class ImportedStory:
    """One story ready to write: its file, its text and its pictures (asset path → bytes)."""

    source: Path
    path: Path
    text: str
    images: dict[str, bytes]


def _refuse(file: Path, why: str) -> DocumentRefused:
    return DocumentRefused(f"{file}: {why}")


def _read(file: Path) -> bytes:
    """Return the bytes of a .docx, refusing what is not one with how to make it one."""
    suffix = file.suffix.lower()
    if suffix in (".doc", ".wps"):
        raise _refuse(file, f"这是旧的 {suffix} 格式，不能直接导入；{SAVE_AS}")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise _refuse(file, f"无法读取（{error.strerror or error}）") from error
    if not data:
        raise _refuse(file, "文件是空的（0 字节）；请重新保存或重新接收这个文件")
    if data.startswith(OLE):
        raise _refuse(file, "文件设置了打开密码（已加密），或其实是旧的 .doc 格式；请先去掉密码"
                            f"（Word：“文件 → 信息 → 保护文档”），{SAVE_AS}")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _refuse(file, f"不是 Word 文档（.docx），文件可能已损坏；{SAVE_AS}")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "word/document.xml" not in archive.namelist():
            raise _refuse(file, f"是压缩包，但里面没有 Word 正文（word/document.xml），不是 Word 文档；{SAVE_AS}")
    return data


def _title(data: bytes, html: str) -> str:
    """The document's title property, else its first heading, else empty.

    Read from docProps/core.xml itself, not through python-docx, which fails on a package whose
    relationships name a part that is missing (seen in files saved by other editors).
    """
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            core = ET.fromstring(archive.read("docProps/core.xml"))
            title = (core.findtext("{http://purl.org/dc/elements/1.1/}title") or "").strip()
        except (KeyError, ET.ParseError):
            title = ""
    if title:
        return title
    heading = re.search(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html, re.DOTALL)
    return re.sub(r"<[^>]+>", "", heading.group(1)).strip() if heading else ""


def convert(file: Path, content_dir: Path, day: date | None, branches: list[str], unit: str | None) -> ImportedStory:
    """Turn one .docx into a draft story (not written yet)."""
    import mammoth
    from markdownify import markdownify
    from PIL import Image

    data = _read(file)
    pictures: list[tuple[bytes, str]] = []

    def picture(image: Any) -> dict[str, str]:
        with image.open() as stream:
            raw = stream.read()
        try:
            pictures.append(clean_copy(raw, f"picture.{(image.content_type or '').rsplit('/', 1)[-1]}"))
        except (OSError, ValueError, Image.DecompressionBombError):  # a picture Pillow cannot read (EMF, broken)
            return {"src": "", "alt": "（无法读取的图片，已略去）"}
        return {"src": f"\0{len(pictures)}\0", "alt": image.alt_text or ""}

    try:
        html = mammoth.convert_to_html(io.BytesIO(data), convert_image=mammoth.images.img_element(picture)).value
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise _refuse(file, f"Word 文档的内容无法读取，文件可能已损坏；{SAVE_AS}") from error
    title = _title(data, html) or file.stem
    slug = slugify(title) or slugify(file.stem)
    if not slug:
        raise _refuse(file, "无法从标题生成文件名；请给文档写一个中文或英文标题再导入")
    path = content_dir / "stories" / f"{slug}.md"
    if path.exists():
        raise _refuse(file, f"{path} 已经存在，为免覆盖没有导入；请先改名或删去它")
    images: dict[str, bytes] = {}
    names = []
    for n, (clean, ext) in enumerate(pictures, 1):
        asset = f"stories/{slug}-{n}.{ext}"
        if (content_dir / "assets" / asset).exists():
            raise _refuse(file, f"{content_dir / 'assets' / asset} 已经存在，为免覆盖没有导入；请先改名或删去它")
        images[asset] = clean
        names.append(asset)
    # The first heading is the title when it repeats it: not kept twice.
    html = re.sub(r"^\s*<h1>(.*?)</h1>", lambda m: "" if re.sub(r"<[^>]+>", "", m.group(1)).strip() == title else m.group(0),
                  html, count=1)
    body = markdownify(html, heading_style="ATX", bullets="-", strong_em_symbol="*", table_infer_header=True).strip()
    body = re.sub(r"\0(\d+)\0", lambda m: f"asset:{names[int(m.group(1)) - 1]}", body)
    body = re.sub(r"\n{3,}", "\n\n", body)
    return ImportedStory(file, path, _story_text(title, day, branches, unit, names[0] if names else None, body, file), images)


def _story_text(title: str, day: date | None, branches: list[str], unit: str | None, cover: str | None,
                body: str, file: Path) -> str:
    import yaml

    front: dict[str, object] = {"title": title, "date": day or date.today()}
    if branches:
        front["branches"] = branches
    if unit:
        front["unit"] = unit
    if cover:
        front["cover"] = cover
    front |= {"summary": "", "draft": True}
    missing = [what for what, given in (("date（日期，暂填导入这天）", day), ("branches（相关支部编号）", branches),
                                       ("unit（单位编号）", unit)) if not given]
    note = f"<!--\n{PLACEHOLDER}{'、'.join(missing)}。\n请在上面两行 --- 之间填好，再删去这段提示。\n-->\n\n" if missing else ""
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, default_flow_style=None)
    return f"---\n{head}---\n<!-- 由 {file.name} 导入 -->\n{note}{body}\n"


def _check_ids(content_dir: Path, branches: list[str], unit: str | None) -> None:
    """Refuse a --branch or --unit that names no record (the rest of the content need not be valid yet)."""
    if not branches and not unit:
        return
    from generator.content.load import load_content

    raw = load_content(content_dir)

    def ids(kind: str) -> set[str]:
        return {str(r.data["id"]) for r in raw.records.get(kind, []) if isinstance(r.data, dict) and "id" in r.data}

    known = ids("branches")
    for branch in branches:
        if branch not in known:
            raise UsageError(f"找不到支部“{branch}”；--branch 请写 branches 里已有的支部编号")
    if unit and unit not in ids("units"):
        raise UsageError(f"找不到单位“{unit}”；--unit 请写 units 里已有的单位编号")


def import_documents(files: list[Path], content_dir: Path, day: date | None, branches: list[str],
                     unit: str | None) -> list[ImportedStory]:
    """Convert every document, then write the stories and pictures; on any problem write nothing."""
    if not content_dir.is_dir():
        raise UsageError(f"找不到内容文件夹 {content_dir}；请在网站文件夹里运行，或用 --content 指定")
    _check_ids(content_dir, branches, unit)
    stories = [convert(file, content_dir, day, branches, unit) for file in files]
    seen: dict[Path, Path] = {}
    for story in stories:
        if story.path in seen:
            raise _refuse(story.source, f"与 {seen[story.path]} 的标题相同，会得到同一个文件 {story.path}；请分开导入，或改一个标题")
        seen[story.path] = story.source
    for story in stories:
        for asset, data in story.images.items():
            target = content_dir / "assets" / asset
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        story.path.parent.mkdir(parents=True, exist_ok=True)
        story.path.write_text(story.text, encoding="utf-8")
    return stories
