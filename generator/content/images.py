"""Images used by published pages: read and check them, then make resized, metadata-free copies.

`inspect_images` runs with `check` (so a broken photo is reported like any other
content problem, with its file and field); `render_images` makes the copies at
build time. Copies are re-encoded from pixels only: EXIF (where and with what a
photo was taken), XMP, comments and text chunks are not carried over, and the
original file is never published. Which images are used is decided in assets.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import posixpath
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from generator.content.slugs import slugify
from generator.errors import ContentError, Problem, UnsafeSvg

SMALL_WIDTH = 640  # cards and lists (two columns on a desktop, full width on a phone)
LARGE_WIDTH = 1280  # the story page and Open Graph previews
JPEG_QUALITY = 82
HEIF = {".heic", ".heif"}  # what phones save (iPhones by default); decoded by pillow-heif
RASTER = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".ico", *HEIF}  # Pillow decodes an .ico's largest image
# Also treated as images, so they are refused with a hint rather than copied with their metadata.
IMAGE_LIKE = RASTER | {".svg", ".tif", ".tiff", ".bmp", ".avif", ".jfif"}
HINT = "请换成能打开的 JPEG、PNG、WebP 或 HEIC 图片（其他格式请先另存为 JPEG）"
# Compared in lower case and in any namespace: an <html:script> inside an SVG runs as well.
_ACTIVE = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "frame", "frameset",
           "applet", "portal", "fencedframe"}
_ANIMATIONS = {"animate", "set", "animatetransform", "animatemotion", "animatecolor"}
# Elements whose href loads what it names (another document, for <use>): only #id within the file.
_REFERENCES = {"use", "feimage", "textpath", "mpath", "tref", "pattern", "lineargradient", "radialgradient",
               "filter", "cursor", "font-face-uri", "color-profile"}
_SCRIPT_URLS = ("javascript:", "vbscript:", "livescript:", "data:text/html", "data:application/xhtml",
                "data:image/svg", "data:text/xml", "data:application/xml")
_LINK_SCHEMES = {"http", "https", "mailto", "tel"}
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_XHTML = "{http://www.w3.org/1999/xhtml}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_EDITORS = tuple(f"{{{ns}" for ns in (
    "http://www.inkscape.org/namespaces/inkscape", "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://ns.adobe.com/", "http://www.bohemiancoding.com/sketch/ns", "http://purl.org/dc/elements/1.1/",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://creativecommons.org/ns#"))
ET.register_namespace("", "http://www.w3.org/2000/svg")  # keep <svg>, not <ns0:svg>, in cleaned copies
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


@dataclass(frozen=True)
class Rendition:
    """One file of a picture on the public site: its path and pixel size."""

    path: str
    width: int
    height: int


@dataclass(frozen=True)
class Picture:
    """An image used by a story or an activity, with its list-size and page-size copies."""

    asset: str
    width: int
    height: int
    small: Rendition
    large: Rendition
    resized: bool  # False for SVG, which is used as it is
    used_at: Problem  # where it is first referenced, for messages at build time


def _fit(width: int, height: int, target: int) -> tuple[int, int]:
    """Scale down to `target` wide, never up."""
    if width <= target:
        return width, height
    return target, max(1, round(height * target / width))


def _svg_size(data: bytes) -> tuple[int, int]:
    """Read an SVG's size from width/height or its viewBox."""
    root = ET.fromstring(data)
    width, height = root.get("width", ""), root.get("height", "")
    number = re.compile(r"^\s*([0-9.]+)\s*(px)?\s*$")
    mw, mh = number.match(width), number.match(height)
    if mw and mh:
        return round(float(mw.group(1))), round(float(mh.group(1)))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        return round(float(box[2])), round(float(box[3]))
    raise ValueError("SVG 没有写 width/height 或 viewBox")


def _plain(value: str) -> str:
    """Return an attribute value as a browser reads a URL's scheme: no whitespace or control characters, lower case.

    Entities (`&#x6A;`, `&#106;`) are already decoded by the XML parser; browsers drop leading
    spaces and control characters and every tab and line break inside a URL.
    """
    return _INVISIBLE.sub("", value).lower()


def _script_url(value: str) -> str | None:
    """Return the script scheme found anywhere in `value` (a list of values or a CSS url() too), if any."""
    plain = _plain(value)
    return next((scheme for scheme in _SCRIPT_URLS if scheme in plain), None)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _check_link(element: str, attribute: str, value: str) -> None:
    """Refuse a link that would run script, embed a file, or make <use> and its kin load another document."""
    plain = _plain(value)
    if plain.startswith("#") or not plain:
        return
    if element.lower() in _REFERENCES:
        raise UnsafeSvg(f"SVG 的 <{element}> 引用了别的文件（{attribute}=\"{value.strip()[:60]}\"），只能引用本文件里的 #编号")
    scheme = _SCHEME.match(plain)
    if scheme and scheme.group(1) == "data":
        raise UnsafeSvg("SVG 里嵌入了图片", "照片请直接用 JPEG 或 PNG 文件")
    if scheme and scheme.group(1) not in _LINK_SCHEMES:
        raise UnsafeSvg(f"SVG 的 <{element}> 有 {scheme.group(1)}: 链接（{attribute}），只能链接到 http、https 或 mailto 地址")


def _check_animation(element: str, attributes: dict[str, str]) -> None:
    """Refuse an <animate>/<set> that would turn a link (or a handler) into something else while it plays."""
    target = _local((attributes.get("attributeName") or "").strip()).split(":")[-1].lower()
    if target.startswith("on"):
        raise UnsafeSvg(f"SVG 里有脚本（<{element}> 会设置事件属性 {target}）")
    if target == "href" or target == "base":
        for key in ("to", "from", "by", "values"):
            for item in (attributes.get(key) or "").split(";"):
                if _plain(item) and not _plain(item).startswith("#"):
                    raise UnsafeSvg(f"SVG 的 <{element}> 会把链接改成“{item.strip()[:60]}”，动画只能换成本文件里的 #编号")


def _refuse_entities(name: str, *rest: object) -> None:
    raise UnsafeSvg(f"SVG 里定义了实体（<!ENTITY {name}>），可以藏起链接或让文件膨胀", "请在绘图软件里重新导出，不要带 DOCTYPE")


def _parse_svg(data: bytes) -> ET.Element:
    # A DTD entity could spell a javascript: link out of pieces, or blow up to gigabytes: refuse any first.
    # ElementTree's C parser hides its expat, hence a pass of expat of its own, which stops at the first one.
    expat = xml.parsers.expat.ParserCreate()
    expat.EntityDeclHandler = _refuse_entities
    with contextlib.suppress(xml.parsers.expat.ExpatError):  # ElementTree reports it, as for any broken file
        expat.Parse(data, True)
    return ET.fromstring(data)


def clean_svg(data: bytes) -> bytes:
    """Return an SVG without comments, <metadata> or editors' attributes; refuse what could run script.

    Drawing programs write the author's name and file paths (`sodipodi:docname`,
    `inkscape:export-filename`, RDF under <metadata>); an embedded photo carries its EXIF.
    Refused (UnsafeSvg): <script>, <foreignObject> and other active elements in any namespace, HTML elements,
    on… handlers, javascript:/vbscript:/data:text/html in any attribute however spelt, links other
    than http(s)/mailto/#id, <use> and its kin pointing outside the file, animations that set a link,
    xml:base and entity declarations. A static host sends no Content-Security-Policy, so the published
    copy must be harmless on its own.
    """
    root = _parse_svg(data)  # comments and processing instructions are dropped here
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        local = _local(tag)
        if local.lower() in _ACTIVE:
            raise UnsafeSvg(f"SVG 里有脚本或嵌入的网页（<{local}>）")
        if tag.startswith(_XHTML):
            raise UnsafeSvg(f"SVG 里有网页元素（<{local}>）")
        for child in list(element):
            child_tag = child.tag if isinstance(child.tag, str) else ""
            if _local(child_tag) == "metadata" or child_tag.startswith(_EDITORS):
                element.remove(child)
        for name, value in list(element.attrib.items()):
            attribute = _local(name).lower()
            if name.startswith(_EDITORS):
                del element.attrib[name]
            elif attribute.startswith("on"):
                raise UnsafeSvg(f"SVG 里有脚本（事件属性 {_local(name)}）")
            elif (scheme := _script_url(value)) is not None:
                raise UnsafeSvg(f"SVG 里有脚本链接（<{local}> 的 {_local(name)} 是 {scheme}）")
            elif name == _XML_BASE:
                raise UnsafeSvg("SVG 里有 xml:base，它会改变链接指向哪里")
            elif attribute == "href":
                _check_link(local, _local(name), value)
        if local.lower() in _ANIMATIONS:
            _check_animation(local, dict(element.attrib))
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _output_format(image: Image.Image) -> str:
    """Keep transparency as PNG; everything else becomes JPEG."""
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    return "png" if has_alpha else "jpg"


@cache
def _heif_opener() -> None:
    """Teach Pillow to open HEIC/HEIF, once and only when such a file is used (the import takes ~20 ms)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()


def _decoder(asset: str) -> None:
    if posixpath.splitext(asset)[1].lower() in HEIF:
        _heif_opener()


def _open(data: bytes) -> Image.Image:
    """Decode an image fully (truncated files fail here), upright as the camera meant it.

    JPEG is decoded at the smallest power-of-two scale that still covers the page size,
    which makes large camera photos several times faster to check and resize. Other
    formats (HEIC has no reduced decode) are shrunk by a whole factor right after
    decoding, so a 48 MP photo is held at full size only once, not through the
    turn and the resizes. A HEIC is already upright: libheif applies its rotation
    (irot/imir) and pillow-heif resets the EXIF orientation to 1.
    """
    image: Image.Image = Image.open(io.BytesIO(data))
    if image.width > LARGE_WIDTH and image.height > LARGE_WIDTH:
        image.draft("RGB", (LARGE_WIDTH, LARGE_WIDTH))
    image.load()
    factor = min(image.width, image.height) // LARGE_WIDTH
    if factor >= 2:
        reduced = image.reduce(factor)
        reduced.info = dict(image.info)
        reduced.getexif().update(image.getexif())  # the orientation, for exif_transpose below
        image.close()
        image = reduced
    return ImageOps.exif_transpose(image)


def _upright_size(data: bytes) -> tuple[int, int]:
    """Full-resolution size from the header, turned as the EXIF orientation says."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        turned = image.getexif().get(0x0112) in (5, 6, 7, 8)
    return (height, width) if turned else (width, height)


def _picture(asset: str, data: bytes, used_at: Problem) -> Picture:
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem = slugify(posixpath.splitext(asset)[0].replace("/", "-")) or "image"
    extension = posixpath.splitext(asset)[1].lower()
    if extension == ".svg":
        clean_svg(data)  # refuse now what cannot be published
        width, height = _svg_size(data)
        same = Rendition(f"assets/{asset}", width, height)
        return Picture(asset, width, height, same, same, False, used_at)
    if extension not in RASTER:
        raise ValueError(f"不支持 {extension or '没有扩展名'} 格式")
    _decoder(asset)
    width, height = _upright_size(data)
    ext = _output_format(_open(data))
    renditions = []
    for target in (SMALL_WIDTH, LARGE_WIDTH):
        w, h = _fit(width, height, target)
        renditions.append(Rendition(f"images/{stem}-{digest}-{w}.{ext}", w, h))
    return Picture(asset, width, height, renditions[0], renditions[1], True, used_at)


def _problem(where: Problem, asset: str, error: Exception) -> Problem:
    if isinstance(error, UnsafeSvg):
        return Problem(where.path, where.line, where.field, f"图片 assets/{asset} 不能发布：{error.reason}；{error.hint}")
    reason = str(error) if isinstance(error, ValueError) and not isinstance(error, ET.ParseError) else "文件已损坏或不是图片"
    return Problem(where.path, where.line, where.field, f"图片 assets/{asset} 无法读取（{reason}）；{HINT}")


def is_image(asset: str) -> bool:
    """True for a file that is published only as a re-encoded copy (or refused), never as it is."""
    return posixpath.splitext(asset)[1].lower() in IMAGE_LIKE


def inspect_images(uses: Mapping[str, Problem], content_dir: Path) -> dict[str, Picture]:
    """Open every image in `uses` (asset → where it is first used); report each unreadable one."""
    pictures: dict[str, Picture] = {}
    problems: list[Problem] = []
    for asset, where in sorted(uses.items()):
        try:
            pictures[asset] = _picture(asset, (content_dir / "assets" / asset).read_bytes(), where)
        except (OSError, UnidentifiedImageError, ValueError, ET.ParseError, Image.DecompressionBombError) as error:
            problems.append(_problem(where, asset, error))
    if problems:
        raise ContentError(problems)
    return pictures


def _encode(image: Image.Image, size: tuple[int, int], ext: str, icc: bytes | None) -> bytes:
    copy = image.resize(size, Image.Resampling.LANCZOS) if size != image.size else image.copy()
    copy.info.clear()  # Pillow writes a JPEG comment, XMP or a PNG profile from `info` unless told otherwise
    buffer = io.BytesIO()
    if ext == "png":
        copy.save(buffer, "PNG", optimize=True, icc_profile=icc)
    else:
        copy.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True,
                                 icc_profile=icc)
    return buffer.getvalue()


def clean_copy(data: bytes, name: str) -> tuple[bytes, str]:
    """Re-encode a picture at full size from pixels only (upright, no metadata); return it and "jpg" or "png"."""
    _decoder(name)
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        icc = opened.info.get("icc_profile")
        image = ImageOps.exif_transpose(opened)
    ext = _output_format(image)
    return _encode(image, image.size, ext, icc), ext


def _copies(picture: Picture, renditions: Iterable[Rendition], content_dir: Path) -> dict[str, bytes]:
    """Encode the given renditions of one picture (an SVG: its cleaned copy)."""
    if not picture.resized:
        return {picture.large.path: clean_svg((content_dir / "assets" / picture.asset).read_bytes())}
    files: dict[str, bytes] = {}
    _decoder(picture.asset)
    image = _open((content_dir / "assets" / picture.asset).read_bytes())
    icc = image.info.get("icc_profile")
    for rendition in renditions:
        if rendition.path not in files:
            ext = rendition.path.rsplit(".", 1)[1]
            files[rendition.path] = _encode(image, (rendition.width, rendition.height), ext, icc)
    return files


def render_images(pictures: Iterable[Picture], content_dir: Path,
                  sizes: Mapping[str, tuple[Rendition, ...]] | None = None) -> Mapping[str, bytes]:
    """Make the resized copies and the cleaned SVGs; a file that breaks now is reported like at check time.

    `sizes` names other renditions (from `fitted`) to make instead of a picture's two, by asset.
    """
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for picture in pictures:
        wanted = (sizes or {}).get(picture.asset, (picture.small, picture.large))
        try:
            files.update(_copies(picture, wanted, content_dir))
        except (OSError, UnidentifiedImageError, ValueError, ET.ParseError, Image.DecompressionBombError) as error:
            problems.append(_problem(picture.used_at, picture.asset, error))
    if problems:
        raise ContentError(problems)
    return files


def fitted(picture: Picture, width: int, height: int) -> Rendition:
    """Return a copy of `picture` scaled down (never up) to fit `width` × `height`, named like its others.

    An SVG is its one cleaned copy, with its own size.
    """
    if not picture.resized:
        return picture.large
    scale = min(1.0, width / picture.width, height / picture.height)
    w, h = max(1, round(picture.width * scale)), max(1, round(picture.height * scale))
    stem, ext = picture.small.path.rsplit("-", 1)[0], picture.small.path.rsplit(".", 1)[1]  # images/<name>-<hash>
    return Rendition(f"{stem}-{w}x{h}.{ext}", w, h)
