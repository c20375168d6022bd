"""Check raw content against the content model and build the immutable Site."""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from generator.content.images import is_image
from generator.content.load import LineList, LineMap, RawContent, RawRecord, RawStory
from generator.errors import ContentError, Problem
from generator.model.model import (
    Activity,
    Beneficiary,
    Branch,
    Campaign,
    Donation,
    Inspection,
    Settings,
    Site,
    SiteImage,
    Source,
    Story,
    Unit,
    Village,
    unit_order,
)
from generator.render.markup import too_heavy

ID_RULE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DATE_RULE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
NEEDS = ("班子软弱涣散", "设施短缺陈旧", "经济贫困落后", "其他")
METHODS = ("听", "看", "查", "访")
CHECK_RESULTS = ("达标", "基本达标", "未达标")
KIND_NAMES = {
    "units": "单位",
    "branches": "支部",
    "villages": "共建村",
    "activities": "活动",
    "inspections": "督导记录",
    "stories": "故事",
}
FREE_KEYS = ("extra", "internal")
ID_HINT = "编号只能用小写英文字母、数字和连字符“-”，以字母或数字开头，最长 64 个字符（例如 lzy-b01）"

def _type_name(value: Any) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"是/否（{str(value).lower()}）"
    if isinstance(value, int):
        return f"整数 {value}"
    if isinstance(value, float):
        return f"数字 {value}"
    if isinstance(value, str):
        return f"文字“{value[:20]}”"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "一组字段"
    return type(value).__name__


def _number_hint(value: Any) -> str:
    """Say how to fix text that was meant as a number."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if re.fullmatch(r"[-+]?[0-9]+(\.[0-9]+)?", text):
        if re.fullmatch(r"0[0-9]+", text):
            return "；整数不要以 0 开头"
        return "；数字不要加引号"
    if re.fullmatch(r"[0-9][0-9,_]*(\.[0-9]+)?", text):
        return "；数字里不要写逗号或下划线，如 1000"
    return ""


def half_width(text: str) -> str:
    """Return `text` with full-width letters, digits and signs made half-width (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def _full_width_slip(value: Any, shape: re.Pattern[str]) -> str | None:
    """Say which full-width characters keep `value` from matching `shape`, and how it should read."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    fixed = half_width(text)
    if fixed == text or not shape.fullmatch(fixed):
        return None
    wide = dict.fromkeys(c for c in text if half_width(c) != c)
    named = ["全角数字"] if any(half_width(c).isdigit() for c in wide) else []
    named += [f"全角的“{c}”" for c in wide if not half_width(c).isdigit()]
    return f"“{text}”里有{'和'.join(named)}；请切换到半角（英文）输入，写成 {fixed}"


_JOINERS = re.compile(r"[，、,；;][ \u3000]*")


def _joined_items(value: Any) -> str | None:
    """Explain a list item that is really several, joined by a full-width comma or 、."""
    if not isinstance(value, str) or not re.search(r"[，、；]", value):
        return None
    parts = [p for p in _JOINERS.split(value.strip()) if p]
    mark = "顿号“、”" if "、" in value else ("全角分号“；”" if "；" in value else "全角逗号“，”")
    return f"“{value.strip()}”是用{mark}连起来的一项；列表各项之间请用半角逗号加空格分隔，写成 [{', '.join(parts)}]"


def _colon_slip(value: Any) -> str | None:
    """Explain text where fields were expected, written with a full-width colon (“members：23”)."""
    if not isinstance(value, str) or "：" not in value:
        return None
    text = value.strip()
    # Several such lines read as one text (YAML joins them with spaces): cut it again before each “名称：”.
    fields = [re.sub(r"[ \u3000]*：[ \u3000]*", ": ", part, count=1)
              for part in re.split(r"\s+(?=[^\s：]+[ \u3000]*：)", text)]
    if len(fields) > 1:
        return (f"应为“字段: 值”；“{text}”里用了全角冒号“：”，请改成半角冒号加空格（每个字段一行），"
                f"第一行写成 {fields[0]}")
    return f"应为“字段: 值”；“{text}”里用了全角冒号“：”，请改成半角冒号加空格，写成 {fields[0]}"


def _plain_key(key: str) -> str:
    """Return the key a writer meant, without full-width spaces, dashes and what follows a full-width colon."""
    return half_width(key).strip().lstrip("-－— ").split(":")[0].strip()


def _ime_key(key: str, allowed: tuple[str, ...]) -> str | None:
    """Explain an unknown key that is a known one typed with a Chinese input method."""
    if "：" in key:
        fixed = re.sub(r"[ \u3000]*：[ \u3000]*", ": ", key.strip(" \u3000"), count=1)
        return f"“{key.strip()}”里用了全角冒号“：”；请改成半角冒号加空格，写成 {fixed}"
    if key.startswith(("－", "—")):
        return "列表项开头的“－”是全角的；请改成半角“-”加空格"
    if key.strip(" \u3000") != key and key.strip(" \u3000") in allowed:
        return "字段名前有全角空格（中文输入法下打出的空格）；请删掉它，改用半角空格缩进"
    if half_width(key) in allowed:
        return f"字段名“{key}”里有全角字符；请切换到半角（英文）输入，写成 {half_width(key)}"
    return None


def plain(value: Any) -> Any:
    """Turn line-aware YAML containers into plain dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@dataclass
class Fields:
    """Read the fields of one mapping, recording each problem at its line."""

    path: str
    data: LineMap
    problems: list[Problem]
    prefix: str = ""

    @functools.cached_property
    def meant_keys(self) -> frozenset[str]:
        """The keys as their writer meant them (input-method slips undone), worked out once per mapping."""
        return frozenset(_plain_key(k) for k in self.data)

    def line(self, key: str) -> int:
        """Return the line of `key`, or of the mapping when the key is absent."""
        return self.data.key_lines.get(key, self.data.line)

    def fail(self, key: str, message: str) -> None:
        """Record a problem with field `key`."""
        self.problems.append(Problem(self.path, self.line(key), self.prefix + key, message))

    def fail_value(self, key: str, message: str) -> None:
        """Record a problem with the value of `key`, at the line it starts on (below the key, if written there)."""
        self.problems.append(Problem(self.path, self.data.value_line(key), self.prefix + key, message))

    def known(self, allowed: tuple[str, ...]) -> None:
        """Report keys that are not in `allowed` (a typo, usually)."""
        for key in self.data:
            if key in allowed or key in FREE_KEYS:
                continue
            slip = _ime_key(key, allowed)
            if slip is not None:  # named by the field meant, at the line of the key as written
                self.problems.append(Problem(self.path, self.line(key), self.prefix + _plain_key(key), slip))
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"是不是想写“{close[0]}”？" if close else f"可用的字段：{'、'.join(allowed)}。"
            self.fail(key, f"不认识这个字段。{hint}自定义内容请放在 extra:（公开）或 internal:（内部）下")

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if key not in self.data and key in self.meant_keys:
            return None  # written with an input-method slip, which known() explains
        if value is None and required:
            self.fail(key, "缺少必填字段，请补上" if key not in self.data else "不能为空，请填写")
        return value

    def text(self, key: str, required: bool = True) -> str | None:
        """Return a non-empty string field."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # a name like 110 is still text
        if isinstance(value, bool):
            # YAML reads yes/no/on/off/true/false as a yes-or-no value, not as the word.
            self.fail(key, f"应为文字，这里是{_type_name(value)}；如果就是这个词，请加引号，如 {key}: \"yes\"")
            return None
        if not isinstance(value, str):
            self.fail(key, f"应为文字，这里是{_type_name(value)}")
            return None
        if not value.strip():
            if required:
                self.fail(key, "不能为空，请填写")
            return None
        return value.strip()

    def ident(self, key: str = "id") -> str | None:
        """Return an id that follows the id rule."""
        value = self._get(key, True)
        if value is None:
            return None
        if not isinstance(value, str) or not ID_RULE.match(value):
            self.fail(key, f"“{value}”不是合格的编号：{ID_HINT}")
            return None
        return value

    def count(self, key: str, required: bool = True) -> int | None:
        """Return a whole number ≥ 0."""
        value = self._get(key, required)
        if value is None:
            return None
        if (slip := _full_width_slip(value, _DECIMAL_NUMBER)) is not None:
            self.fail(key, slip)
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(key, f"应为不小于 0 的整数，这里是{_type_name(value)}{_number_hint(value)}")
            return None
        return value

    def amount(self, key: str, required: bool = False, what: str = "金额（元）") -> float | None:
        """Return a number ≥ 0 (yuan, or a quantity)."""
        value = self._get(key, required)
        if value is None:
            return None
        if (slip := _full_width_slip(value, _DECIMAL_NUMBER)) is not None:
            self.fail(key, slip)
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, f"应为不小于 0 的{what}，例如 1200 或 1200.5；这里是{_type_name(value)}{_number_hint(value)}")
            return None
        if math.isnan(value) or math.isinf(value):
            self.fail(key, f"应为实际的{what}，不能是 NaN 或无穷大")
            return None
        if value < 0:
            self.fail(key, f"{what}不能是负数")
            return None
        return value

    def day(self, key: str, required: bool = True) -> date | None:
        """Return a date written as YYYY-MM-DD."""
        value = self._get(key, required)
        if value is None:
            return None
        text = str(value).strip()
        if (slip := _full_width_slip(value, DATE_RULE)) is not None:
            self.fail(key, slip)
            return None
        if not isinstance(value, str) or not DATE_RULE.match(text):
            self.fail(key, f"日期应写成 YYYY-MM-DD，例如 2017-10-23；这里是{_type_name(value)}")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.fail(key, f"没有 {text} 这一天，请检查月份和日期")
            return None

    def flag(self, key: str, default: bool) -> bool:
        """Return a true/false field."""
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, f"应为 true 或 false，这里是{_type_name(value)}")
            return default
        return value

    def items(self, key: str, required: bool = False, at_least_one: bool = False) -> list[tuple[Any, int]]:
        """Return the items of a list field with their lines (a single value is not a list)."""
        value = self._get(key, required)
        if value is None:
            return []
        if isinstance(value, str) and half_width(value.strip()).startswith("["):
            fixed = re.sub(r"[,、]\s*", ", ", half_width(value.strip()))
            self.fail(key, f"应为列表；“{value.strip()}”里的括号或逗号是全角的，请切换到半角（英文）输入，写成 {fixed}")
            return []
        if not isinstance(value, LineList):
            self.fail(key, f"应为列表（每项一行，以“- ”开头，或写成 [a, b]），这里是{_type_name(value)}")
            return []
        if at_least_one and not value:
            self.fail(key, "至少要列出一项")
        return list(zip(value, value.item_lines, strict=True))

    def texts(self, key: str, required: bool = False, choices: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Return a list of strings, each optionally one of `choices`."""
        result = []
        for index, (item, line) in enumerate(self.items(key, required), start=1):
            where = f"{self.prefix}{key} 第{index}项"
            if not isinstance(item, str) or not item.strip():
                self.problems.append(Problem(self.path, line, where, f"应为文字，这里是{_type_name(item)}"))
            elif choices and item not in choices and (joined := _joined_items(item)) is not None:
                self.problems.append(Problem(self.path, line, where, joined))
            elif choices and item not in choices:
                self.problems.append(Problem(self.path, line, where, f"“{item}”不在可选范围内：{'、'.join(choices)}"))
            else:
                result.append(item.strip())
        return tuple(result)

    def free(self, key: str) -> Mapping[str, Any]:
        """Return the free-form mapping under `extra:` or `internal:`."""
        value = self.data.get(key)
        if value is None:
            return {}
        if (slip := _colon_slip(value)) is not None:
            self.fail_value(key, slip)
            return {}
        if not isinstance(value, dict):
            self.fail_value(key, f"下面应写成“名称: 内容”的字段（缩进书写），这里是{_type_name(value)}")
            return {}
        result: dict[str, Any] = plain(value)
        return result

    def mapping(self, key: str) -> Fields | None:
        """Return a nested mapping as Fields."""
        value = self._get(key, True)
        if value is None:
            return None
        if (slip := _colon_slip(value)) is not None:
            self.fail_value(key, slip)
            return None
        if not isinstance(value, LineMap):
            self.fail_value(key, f"应为一组字段（下一行缩进书写），这里是{_type_name(value)}")
            return None
        return Fields(self.path, value, self.problems, f"{self.prefix}{key}.")


class Refs:
    """Known ids per record type, to check references and suggest near misses.

    `ids` and `unreadable` are looked up only when a reference is checked, so the build's
    query of one record reads the ids of the kinds that record refers to, and nothing else.
    """

    def __init__(self, ids: Callable[[str], AbstractSet[str]], unreadable: Container[str]) -> None:
        self.ids = ids
        self.unreadable = unreadable

    def check(self, fields: Fields, key: str, kind: str, value: Any, line: int, where: str,
              listed: bool = False) -> str | None:
        joined = _joined_items(value) if listed else None
        if joined is not None:
            fields.problems.append(Problem(fields.path, line, where, joined))
            return None
        if not isinstance(value, str) or not ID_RULE.match(value):
            fields.problems.append(Problem(fields.path, line, where, f"“{value}”不是合格的编号：{ID_HINT}"))
            return None
        if value in self.ids(kind):
            return value
        if kind in self.unreadable:
            return None  # a file of that type could not be read: its problem is already reported
        close = difflib.get_close_matches(value, sorted(self.ids(kind)), n=1)
        hint = f"是不是“{close[0]}”？" if close else f"请先在 {kind}.yaml 或 {kind}/ 里添加它。"
        fields.problems.append(
            Problem(fields.path, line, where, f"找不到编号为“{value}”的{KIND_NAMES[kind]}；{hint}")
        )
        return None

    def one(self, fields: Fields, key: str, kind: str, required: bool = True) -> str | None:
        value = fields._get(key, required)
        if value is None:
            return None
        return self.check(fields, key, kind, value, fields.line(key), fields.prefix + key)

    def many(self, fields: Fields, key: str, kind: str, required: bool = False) -> tuple[str, ...]:
        result: list[str] = []
        items = fields.items(key, required, at_least_one=required)
        for index, (item, line) in enumerate(items, start=1):
            ref = self.check(fields, key, kind, item, line, f"{fields.prefix}{key} 第{index}项", listed=True)
            if ref is not None and ref not in result:
                result.append(ref)
        return tuple(result)


def _fields_of(raw: RawRecord | RawStory, data: Any, problems: list[Problem], what: str,
               empty: str = "") -> Fields | None:
    if data is None and empty:
        problems.append(Problem(raw.path, 1, "", empty))
        return None
    if not isinstance(data, LineMap):
        line = raw.line if isinstance(raw, RawRecord) else 1
        if (slip := _colon_slip(data)) is not None:
            problems.append(Problem(raw.path, line, "", slip))
            return None
        problems.append(
            Problem(raw.path, line, "", f"{what}应写成“字段: 值”的形式，这里是{_type_name(data)}")
        )
        return None
    return Fields(raw.path, data, problems)


_SITE_IMAGES = {"logo": ("网站徽标", "logo/emblem.png", "PNG、JPEG 或 SVG"),
                "favicon": ("网站图标", "logo/favicon.png", "PNG、ICO 或 SVG")}


def _site_image(f: Fields, key: str, assets: frozenset[str]) -> SiteImage | None:
    """Read `logo` or `favicon`: an image under content/assets/, written like a story's `cover`."""
    value = f.data.get(key)
    if value is None:
        return None
    what, example, formats = _SITE_IMAGES[key]
    if not isinstance(value, str) or not value.strip():
        f.fail(key, f"应为 content/assets/ 下的图片路径（如 {key}: {example}），这里是{_type_name(value)}")
        return None
    path = value.strip().removeprefix("assets/")
    if "://" in path or path.startswith(("data:", "javascript:", "//")):
        f.fail(key, f"“{value}”是网址；{what}只能用 content/assets/ 里的图片，请把图片下载后放进 content/assets/，"
                    f"写它在 assets/ 里的路径（如 {example}）")
        return None
    if path.startswith("/") or ".." in path.split("/") or "\\" in path or re.match(r"^[A-Za-z]:", path):
        f.fail(key, f"“{value}”在 content/assets/ 以外；请把图片放进 content/assets/，写它在 assets/ 里的路径（如 {example}）")
        return None
    if path not in assets:
        f.fail(key, f"找不到文件 content/assets/{path}；请把图片放进 content/assets/，或改正路径")
        return None
    if not is_image(path):
        f.fail(key, f"content/assets/{path} 不是图片；{what}请用 {formats} 图片")
        return None
    return SiteImage(path, Source(f.path, f.line(key)))


def _settings(raw: RawRecord | None, problems: list[Problem], assets: frozenset[str] = frozenset()) -> Settings | None:
    if raw is None:
        return None
    f = _fields_of(raw, raw.data, problems, "site.yaml 的网站设置",
                   "site.yaml 是空的：请写网站设置（title、base_url、campaign）")
    if f is None:
        return None
    f.known(("title", "base_url", "organization", "language", "campaign", "as_of", "lagging_days", "allow_raw_html",
             "logo", "favicon"))
    title = f.text("title")
    base_url = f.text("base_url")
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            f.fail("base_url", "应为完整网址，以 http:// 或 https:// 开头，例如 https://gongjian.example.cn/")
            base_url = None
        elif not base_url.endswith("/"):
            base_url += "/"
    campaign = None
    c = f.mapping("campaign")
    if c is not None:
        c.known(("name", "start"))
        name, start = c.text("name"), c.day("start")
        if name is not None and start is not None:
            campaign = Campaign(name, start)
    as_of = f.day("as_of", required=False)
    lagging = f.count("lagging_days", required=False)
    if lagging == 0:
        f.fail("lagging_days", "应至少为 1 天")
    allow_raw = f.flag("allow_raw_html", False)
    logo, favicon = _site_image(f, "logo", assets), _site_image(f, "favicon", assets)
    if title is None or base_url is None or campaign is None:
        return None
    return Settings(
        title=title,
        base_url=base_url,
        organization=f.text("organization", required=False) or "",
        language=f.text("language", required=False) or "zh-CN",
        campaign=campaign,
        as_of=as_of,
        lagging_days=lagging or 30,
        allow_raw_html=allow_raw,
        extra=f.free("extra"),
        logo=logo,
        favicon=favicon,
    )


def _unit(f: Fields, refs: Refs, src: Source) -> Unit | None:
    f.known(("id", "name", "short_name", "kind", "order"))
    uid, name, kind = f.ident(), f.text("name"), f.text("kind")
    short = f.text("short_name", required=False)
    order = f.count("order", required=False)
    if uid is None or name is None or kind is None:
        return None
    return Unit(uid, name, short or name, kind, f.free("extra"), f.free("internal"), src, order)


def _village(f: Fields, refs: Refs, src: Source) -> Village | None:
    f.known(("id", "name", "town", "county", "needs", "problems"))
    vid, name, town, county = f.ident(), f.text("name"), f.text("town"), f.text("county")
    needs = f.texts("needs", choices=NEEDS)
    problems = f.texts("problems")
    if vid is None or name is None or town is None or county is None:
        return None
    return Village(vid, name, town, county, needs, problems, f.free("extra"), f.free("internal"), src)


def _branch(f: Fields, refs: Refs, src: Source) -> Branch | None:
    f.known(("id", "name", "unit", "members", "village", "paired_on", "secretary", "phone",
             "member_pairs", "household_pairs"))
    bid, name = f.ident(), f.text("name")
    unit = refs.one(f, "unit", "units")
    members = f.count("members")
    village = refs.one(f, "village", "villages", required=False)
    paired_on = f.day("paired_on", required=False)
    has_village, has_date = f.data.get("village") is not None, f.data.get("paired_on") is not None
    if has_village and not has_date:
        f.fail("village", "填写了 village 就要同时填写 paired_on（对接日期）")
    elif has_date and not has_village:
        f.fail("paired_on", "填写了 paired_on 就要同时填写 village（共建村编号）")
    secretary = f.text("secretary", required=False)
    phone = f.text("phone", required=False)
    member_pairs = f.count("member_pairs", required=False)
    household_pairs = f.count("household_pairs", required=False)
    if bid is None or name is None or unit is None or members is None:
        return None
    paired = village is not None and paired_on is not None
    return Branch(
        bid, name, unit, members,
        village if paired else None, paired_on if paired else None,
        secretary, phone, member_pairs, household_pairs,
        f.free("extra"), f.free("internal"), src,
    )


def _donations(f: Fields) -> tuple[Donation, ...]:
    result = []
    for index, (item, line) in enumerate(f.items("donations"), start=1):
        where = f"donations 第{index}项"
        if not isinstance(item, LineMap):
            f.problems.append(Problem(f.path, line, where,
                                      _colon_slip(item) or "每项应写成 {item: 棉被, quantity: 206, unit: 套, value: 41200}"))
            continue
        d = Fields(f.path, item, f.problems, f"{where} ")
        d.known(("item", "quantity", "unit", "value"))
        name, unit = d.text("item"), d.text("unit")
        quantity = d.amount("quantity", required=True, what="数量")
        value = d.amount("value")
        if name is not None and unit is not None and quantity is not None:
            result.append(Donation(name, quantity, unit, value))
    return tuple(result)


def _beneficiaries(f: Fields) -> tuple[Beneficiary, ...]:
    result = []
    for index, (item, line) in enumerate(f.items("beneficiaries"), start=1):
        where = f"beneficiaries 第{index}项"
        if not isinstance(item, LineMap):
            f.problems.append(Problem(f.path, line, where, _colon_slip(item) or "每项应写成 {name: 姓名, note: 说明}"))
            continue
        b = Fields(f.path, item, f.problems, f"{where} ")
        b.known(("name", "note"))
        name = b.text("name")
        if name is not None:
            result.append(Beneficiary(name, b.text("note", required=False) or ""))
    return tuple(result)


def _assets(f: Fields, key: str, assets: frozenset[str], values: list[tuple[Any, int, str]]) -> tuple[str, ...]:
    result = []
    for value, line, where in values:
        path = _asset_path(f, value, line, where, assets)
        if path is not None:
            result.append(path)
    return tuple(result)


def _asset_path(f: Fields, value: Any, line: int, where: str, assets: frozenset[str]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        f.problems.append(Problem(f.path, line, where, f"应为 assets/ 下的文件路径，这里是{_type_name(value)}"))
        return None
    path = value.strip().removeprefix("assets/")
    parts = path.split("/")
    if "://" in path or path.startswith(("data:", "javascript:", "//")):
        f.problems.append(Problem(f.path, line, where, f"“{value}”是网址；这里只能写 assets/ 下的文件，请把文件下载后放进 content/assets/"))
        return None
    if path.startswith("/") or ".." in parts or "\\" in path:
        f.problems.append(Problem(f.path, line, where, f"“{value}”不能指向 content/assets/ 以外，请写相对 assets/ 的路径"))
        return None
    if path not in assets:
        f.problems.append(Problem(f.path, line, where, f"找不到文件 content/assets/{path}；请把文件放进 assets/ 或改正路径"))
        return None
    return path


def _activity(f: Fields, refs: Refs, src: Source, assets: frozenset[str]) -> Activity | None:
    f.known(("id", "date", "title", "kind", "theme", "branches", "villages", "participants", "funds",
             "donations", "beneficiaries", "summary", "photos"))
    aid, day, title, kind = f.ident(), f.day("date"), f.text("title"), f.text("kind")
    theme = f.text("theme", required=False)
    branches = refs.many(f, "branches", "branches", required=True)
    villages = refs.many(f, "villages", "villages")
    participants = f.count("participants")
    funds = f.amount("funds")
    donations = _donations(f)
    beneficiaries = _beneficiaries(f)
    summary = f.text("summary", required=False)
    summary_line = f.line("summary") if summary is not None else 0
    _bounded(f, "summary", summary or "")
    photos = _assets(f, "photos", assets, [
        (item, line, f"photos 第{i}项") for i, (item, line) in enumerate(f.items("photos"), start=1)
    ])
    if aid is None or day is None or title is None or kind is None or not branches or participants is None:
        return None
    return Activity(aid, day, title, kind, theme, branches, villages, participants, funds, donations,
                    beneficiaries, summary, photos, f.free("extra"), f.free("internal"), src, summary_line)


def _inspection(f: Fields, refs: Refs, src: Source) -> Inspection | None:
    f.known(("id", "date", "group", "villages", "branches", "methods", "checks", "findings", "follow_up"))
    iid, day = f.ident(), f.day("date")
    group = f.text("group")
    villages = refs.many(f, "villages", "villages", required=True)
    branches = refs.many(f, "branches", "branches")
    methods = f.texts("methods", choices=METHODS)
    checks: list[tuple[str, str]] = []
    raw_checks = f.data.get("checks")
    if raw_checks is not None:
        if not isinstance(raw_checks, LineMap):
            f.fail_value("checks", _colon_slip(raw_checks) or "应写成“检查项: 达标/基本达标/未达标”的字段组")
        else:
            for item, result in raw_checks.items():
                if result not in CHECK_RESULTS:
                    f.problems.append(Problem(f.path, raw_checks.key_lines[item], f"checks {item}",
                                              f"结果只能是{'、'.join(CHECK_RESULTS)}之一，这里是{_type_name(result)}"))
                else:
                    checks.append((item, result))
    findings = f.text("findings", required=False) or ""
    follow_up = f.text("follow_up", required=False) or ""
    if iid is None or day is None or group is None or not villages:
        return None
    return Inspection(iid, day, group, villages, branches, methods, tuple(checks), findings, follow_up,
                      f.free("extra"), f.free("internal"), src)


def _bounded(f: Fields, key: str, text: str) -> None:
    """Refuse a Markdown field that Python-Markdown would take minutes over (see markup.too_heavy)."""
    for _, message in too_heavy(text)[:1]:
        f.fail(key, message)


def _story(raw: RawStory, refs: Refs, assets: frozenset[str], problems: list[Problem]) -> Story | None:
    if not ID_RULE.match(raw.slug):
        problems.append(Problem(raw.path, 1, "", f"文件名“{raw.slug}.md”不合格：{ID_HINT}；请重命名文件"))
    f = _fields_of(raw, raw.front, problems, "front matter（两行 --- 之间）",
                   "front matter 是空的：请在两行 --- 之间写 title、date 等字段")
    if f is None:
        return None
    f.known(("title", "date", "branches", "unit", "author", "tags", "summary", "cover", "draft", "featured"))
    title, day = f.text("title"), f.day("date")
    branches = refs.many(f, "branches", "branches")
    unit = refs.one(f, "unit", "units", required=False)
    cover = None
    if f.data.get("cover") is not None:
        cover = _asset_path(f, f.data["cover"], f.line("cover"), "cover", assets)
    story = Story(
        slug=raw.slug, title=title or "", date=day or date.min, branches=branches, unit=unit,
        author=f.text("author", required=False) or "", tags=tuple(dict.fromkeys(f.texts("tags"))),
        summary=f.text("summary", required=False) or "", cover=cover,
        draft=f.flag("draft", False), featured=f.flag("featured", False),
        body=raw.body, extra=f.free("extra"), source=Source(raw.path, 1),
    )
    for offset, message in too_heavy(raw.body):  # refused before Python-Markdown spends minutes on it
        problems.append(Problem(raw.path, raw.body_line + offset, "正文", message))
    _bounded(f, "summary", story.summary)
    return story if title is not None and day is not None and ID_RULE.match(raw.slug) else None


def known_ids(kind: str, records: Iterable[RawRecord]) -> tuple[frozenset[str], tuple[Problem, ...]]:
    """Collect the ids of the records of one kind, and a problem for each second use of an id."""
    problems = []
    first: dict[str, RawRecord] = {}
    for raw in records:
        value = raw.data.get("id") if isinstance(raw.data, dict) else None
        if not isinstance(value, str):
            continue
        if value in first:
            where = first[value]
            line = raw.data.key_lines.get("id", raw.line)
            problems.append(Problem(raw.path, line, "id",
                                    f"编号“{value}”重复：{where.path}:{where.line} 已用过；每个{KIND_NAMES[kind]}的编号必须唯一"))
        else:
            first[value] = raw
    return frozenset(first), tuple(problems)


Record = Unit | Village | Branch | Activity | Inspection
_BUILDERS: dict[str, Callable[[Fields, Refs, Source, frozenset[str]], Record | None]] = {
    "units": lambda f, refs, src, assets: _unit(f, refs, src),
    "villages": lambda f, refs, src, assets: _village(f, refs, src),
    "branches": lambda f, refs, src, assets: _branch(f, refs, src),
    "activities": _activity,
    "inspections": lambda f, refs, src, assets: _inspection(f, refs, src),
}


def check_record(kind: str, raw: RawRecord, refs: Refs, assets: frozenset[str]) -> tuple[Record | None, tuple[Problem, ...]]:
    """Check one record: the model record (None when it cannot be made) and its problems."""
    found: list[Problem] = []
    f = _fields_of(raw, raw.data, found, f"每条{KIND_NAMES[kind]}记录")
    return (_BUILDERS[kind](f, refs, Source(raw.path, raw.line), assets) if f is not None else None), tuple(found)


def collect_records(records: Iterable[Record | None]) -> tuple[Any, ...]:
    """Return the records made, the first of each id, sorted by id (a second use of an id is reported by known_ids)."""
    result: dict[str, Record] = {}
    for record in records:
        if record is not None and record.id not in result:
            result[record.id] = record
    return tuple(result[k] for k in sorted(result))


def check_story(raw: RawStory, refs: Refs, assets: frozenset[str]) -> tuple[Story | None, tuple[Problem, ...]]:
    """Check one story: the Story (None when it cannot be published) and its problems."""
    found: list[Problem] = []
    return _story(raw, refs, assets, found), tuple(found)


def check_settings(raw: RawRecord | None, assets: frozenset[str]) -> tuple[Settings | None, tuple[Problem, ...]]:
    """Check site.yaml: the Settings (None when they cannot be made) and the problems."""
    found: list[Problem] = []
    return _settings(raw, found, assets), tuple(found)


def _latest_date(branches: tuple[Branch, ...], activities: tuple[Activity, ...],
                 inspections: tuple[Inspection, ...]) -> date | None:
    dates = [b.paired_on for b in branches if b.paired_on is not None]
    dates += [a.date for a in activities] + [i.date for i in inspections]
    return max(dates, default=None)


def make_site(settings: Settings, as_of: date | None, records: Mapping[str, tuple[Any, ...]],
              stories: Iterable[Story], assets: frozenset[str]) -> Site:
    """Put the checked records together: `as_of` (from --as-of) overrides site.yaml, as if written there."""
    if as_of is not None:
        settings = replace(settings, as_of=as_of)
    branches, activities, inspections = records["branches"], records["activities"], records["inspections"]
    as_of = settings.as_of or _latest_date(branches, activities, inspections) or settings.campaign.start
    return Site(
        settings=settings,
        as_of=as_of,
        units=tuple(sorted(records["units"], key=unit_order)),
        branches=branches,
        villages=records["villages"],
        activities=activities,
        inspections=inspections,
        stories=tuple(sorted(stories, key=lambda s: (s.date, s.slug), reverse=True)),
        assets=assets,
    )


RECORD_ORDER = ("units", "villages", "branches", "activities", "inspections")


def validate_content(content: RawContent, as_of: date | None = None) -> Site:
    """Return the validated Site, or raise ContentError listing every problem.

    `as_of` (from --as-of) overrides site.yaml; the Site's settings then carry it as if written there.
    The build asks the same checks one record at a time (generator/pipeline_content.py).
    """
    problems = list(content.problems)
    settings, found = check_settings(content.site, content.assets)
    problems += found
    ids: dict[str, frozenset[str]] = {}
    for kind, raws in content.records.items():
        ids[kind], found = known_ids(kind, raws)
        problems += found
    refs = Refs(ids.__getitem__, content.unreadable)
    records: dict[str, tuple[Any, ...]] = {}
    for kind in RECORD_ORDER:
        checked = [check_record(kind, raw, refs, content.assets) for raw in content.records[kind]]
        problems += [p for _, found in checked for p in found]
        records[kind] = collect_records(record for record, _ in checked)
    stories = []
    for raw in content.stories:
        story, found = check_story(raw, refs, content.assets)
        problems += found
        if story is not None:
            stories.append(story)
    if problems or settings is None:
        raise ContentError(problems)
    return make_site(settings, as_of, records, stories, content.assets)


PLACEHOLDER_BODY = "在这里写正文。"
"""The body line `gongjian new story` writes; a published story that still has it is noted."""
IMPORT_PLACEHOLDER = "待填写（gongjian import 导入时没有给出）："
"""How `gongjian import` marks the fields a Word story came without; noted for drafts too, since an import is one."""


def _date_line(data: Any, key: str, line: int) -> int:
    return data.key_lines.get(key, line) if isinstance(data, LineMap) else line


START_LEAD_DAYS = 180
"""A campaign start this many days before the first dated record is noted: likely copied from an example."""


def start_note(site: RawRecord | None, start: date, first: date | None) -> list[Problem]:
    """Note a campaign start long before every record (the weekly chart would begin with months of nothing)."""
    if first is None or site is None or (first - start).days <= START_LEAD_DAYS:
        return []
    data = site.data
    campaign = data.get("campaign") if isinstance(data, dict) else None
    line = _date_line(campaign, "start", _date_line(data, "campaign", site.line))
    return [Problem(site.path, line, "campaign.start",
                    f"行动开始日期 {start.isoformat()} 比最早的记录（{first.isoformat()}）早 {(first - start).days} 天；"
                    f"如果是照抄的例子，请改成本次行动实际开始的日期（活动趋势图从这一天画起）")]


DATED = {"branches": "paired_on", "activities": "date", "inspections": "date"}
"""The record kinds whose dates are counted up to as_of, and the field of each date."""


def dated_notes(kind: str, raws: Iterable[RawRecord], records: Sequence[Any], site: Site) -> tuple[tuple[Problem, ...], date | None]:
    """Note the records of one dated kind after as_of or before the campaign start; also return their first date."""
    return dated_notes_of(kind, raws, records, site.as_of, site.settings.campaign.start)


def dated_notes_of(kind: str, raws: Iterable[RawRecord], records: Sequence[Any], as_of: date,
                   start: date) -> tuple[tuple[Problem, ...], date | None]:
    """`dated_notes` of some records (one file's: `raws` holds theirs) with the site's as_of and campaign start."""
    key = DATED[kind]
    days = [day for record in records if (day := getattr(record, key)) is not None]
    noted = [(record.id, day) for record in records
             if (day := getattr(record, key)) is not None and (day > as_of or day < start)]
    notes = []
    if noted:  # the raw records are looked up only for a record noted (most campaigns have none or few)
        raw: dict[str, RawRecord] = {}
        for r in raws:
            if isinstance(r.data, dict) and isinstance(r.data.get("id"), str):
                raw.setdefault(r.data["id"], r)
        late = f"晚于截至日期 {as_of.isoformat()}，本次不计入"
        early = f"早于行动开始日期 {start.isoformat()}（site.yaml 的 campaign.start），照常计入；请检查日期是否写错，或把开始日期改早"
        for rid, day in noted:
            record = raw[rid]
            notes.append(Problem(record.path, _date_line(record.data, key, record.line), key,
                                 late if day > as_of else early))
    return tuple(notes), min(days, default=None)


def story_notes(story: Story, source: RawStory, site: Site) -> tuple[Problem, ...]:
    """Note an import placeholder left in a story, a published story held back by as_of, or a placeholder body."""
    as_of = site.as_of
    notes = []
    marks = [n for n, line in enumerate(story.body.split("\n")) if line.strip().startswith(IMPORT_PLACEHOLDER)]
    if marks:
        line = story.body.split("\n")[marks[0]].strip()
        notes.append(Problem(story.source.path, source.body_line + marks[0], "front matter",
                             f"{line.removesuffix('。')}；请填好后删去这段提示"))
    if story.draft:
        return tuple(notes)
    if site.settings.as_of is not None and story.date > as_of:
        # `new story` dates a story today; a weekly --as-of before that holds it back, so say which and until when.
        notes.append(Problem(story.source.path, _date_line(source.front, "date", 1), "date",
                             f"故事“{story.title}”的日期 {story.date.isoformat()} 晚于截至日期 {as_of.isoformat()}，"
                             f"本次不发布；截至日期到 {story.date.isoformat()} 或以后才发布，要现在发布请把 date 改早"))
    lines = story.body.split("\n")
    if PLACEHOLDER_BODY in (line.strip() for line in lines):
        at = next(n for n, line in enumerate(lines) if line.strip() == PLACEHOLDER_BODY)
        notes.append(Problem(story.source.path, source.body_line + at, "正文",
                             f"还是新建故事时的占位文字“{PLACEHOLDER_BODY}”；请写好正文，或改回 draft: true"))
    return tuple(notes)


def content_notes(content: RawContent, site: Site) -> tuple[Problem, ...]:
    """List what the build leaves out on purpose, so nothing vanishes without a word.

    Records dated after as_of are not counted; records dated before the campaign start are counted,
    but noted, and so is a start long before every record; a published story dated after an as_of
    that was given (site.yaml or --as-of) is not published; a published story whose body is still
    the placeholder of `new story` is published, but noted.
    """
    notes: list[Problem] = []
    firsts = []
    for kind in DATED:
        found, first = dated_notes(kind, content.records[kind], getattr(site, kind), site)
        notes += found
        firsts += [first] if first is not None else []
    notes += start_note(content.site, site.settings.campaign.start, min(firsts, default=None))
    stories = {s.path: s for s in content.stories}
    for story in site.stories:
        notes += story_notes(story, stories[story.source.path], site)
    return tuple(sorted(notes))
