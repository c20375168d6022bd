#!/usr/bin/env python3
"""Generate the sample records that complete gongjian's example content.

The seed article (聊城日报 2017-11-24) names nine agencies, but its totals cover
every city agency: 827 branches, 822 of them paired; 57 units, 232 branches and
2,230 members in the “献爱心、送温暖” drive worth over 400,000 yuan. This script
reads the hand-written records (content/site.yaml, content/units.yaml,
content/*/named.yaml), works out what they already contribute, and writes
clearly labelled sample records (样例单位01…, 样例村0001…) so that the figures of
spec §3 come out exactly as the article gives them.

Rerun from the project root (needs PyYAML):

    python scripts/make_example_content.py

It rewrites only content/{units,branches,villages,activities}/sample.yaml. The
random generator has a fixed seed, so a rerun gives byte-identical files.
Villages v0001–v0067 are reserved for the named agencies' branches (see
RESERVED_VILLAGES); content/branches/named.yaml refers to them.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

Record = dict[str, Any]

SEED = 20171124
THEME = "献爱心、送温暖"

# The article's figures (spec §3) that the example content must reproduce.
TOTAL_BRANCHES = 827
PAIRED_BRANCHES = 822
THEME_UNITS = 57
THEME_BRANCHES = 232
THEME_PARTICIPANTS = 2230
THEME_TOTAL_VALUE = 412_860  # 投入资金 + 捐赠折合, yuan: "40多万元"

SAMPLE_UNITS = 61
PAIRED_LATE = 2  # paired after as_of, so unpaired on the report date
IDLE_NONE, IDLE_EARLY, IDLE_AFTER = 8, 11, 3  # lagging for inactivity
LATE_PAIRING = date(2017, 12, 1)
AFTER_AS_OF = date(2017, 12, 5)
THEME_DAY = date(2017, 10, 17)  # 全国扶贫日
EARLY_START = date(2017, 10, 9)

HEADER = (
    "# 样例数据：文章未点名的{what}，由 scripts/make_example_content.py 生成，\n"
    "# 用于还原文章中的总数（827 个支部 822 个完成对接；57 个单位 232 个支部 2230 名党员\n"
    "# 参加“献爱心、送温暖”主题党日，折合 40 余万元）。请勿手工修改，改脚本后重新运行：\n"
    "#   python scripts/make_example_content.py\n"
)

# (county, town, count): villages v0001… paired with the named agencies' branches,
# laid out as the article says (lzy: 莘县 4 towns; sdgc: 临清市金郝庄镇; hhwj: 东阿县
# 2 towns; wsgq: 东昌府区 and 东阿县 4 towns; then dsyy×2, ftyy, nky×2, lyj).
RESERVED_VILLAGES: list[tuple[str, str, int]] = [
    ("莘县", "燕店镇", 8),
    ("莘县", "古云镇", 7),
    ("莘县", "樱桃园镇", 7),
    ("莘县", "王奉镇", 7),
    ("临清市", "金郝庄镇", 12),
    ("东阿县", "鱼山镇", 4),
    ("东阿县", "牛角店镇", 4),
    ("东昌府区", "于集镇", 3),
    ("东昌府区", "朱老庄镇", 3),
    ("东阿县", "大桥镇", 3),
    ("东阿县", "姚寨镇", 3),
    ("东昌府区", "堂邑镇", 1),
    ("东昌府区", "郑家镇", 1),
    ("茌平县", "博平镇", 1),
    ("冠县", "柳林镇", 1),
    ("高唐县", "琉璃寺镇", 1),
    ("阳谷县", "七级镇", 1),
]

TOWNS: dict[str, list[str]] = {
    "东昌府区": [
        "堂邑镇",
        "张炉集镇",
        "郑家镇",
        "侯营镇",
        "斗虎屯镇",
        "于集镇",
        "许营镇",
        "朱老庄镇",
        "顾官屯镇",
        "广平乡",
        "道口铺街道",
        "阎寺街道",
    ],
    "临清市": [
        "金郝庄镇",
        "康庄镇",
        "烟店镇",
        "魏湾镇",
        "老赵庄镇",
        "潘庄镇",
        "尚店镇",
        "刘垓子镇",
        "松林镇",
        "戴湾镇",
        "八岔路镇",
        "唐园镇",
    ],
    "阳谷县": ["阿城镇", "七级镇", "张秋镇", "寿张镇", "石佛镇", "李台镇", "定水镇", "安乐镇", "阎楼镇", "十五里园镇"],
    "莘县": [
        "燕店镇",
        "古云镇",
        "樱桃园镇",
        "王奉镇",
        "朝城镇",
        "观城镇",
        "古城镇",
        "张鲁回族镇",
        "十八里铺镇",
        "大张家镇",
        "河店镇",
        "妹冢镇",
        "魏庄镇",
        "董杜庄镇",
        "大王寨镇",
    ],
    "茌平县": ["博平镇", "杜郎口镇", "韩屯镇", "乐平铺镇", "冯官屯镇", "菜屯镇", "贾寨镇", "肖家庄镇"],
    "东阿县": ["鱼山镇", "牛角店镇", "大桥镇", "姚寨镇", "刘集镇", "姜楼镇", "高集镇", "陈集镇"],
    "冠县": ["柳林镇", "贾镇", "桑阿镇", "清水镇", "东古城镇", "北馆陶镇", "店子镇", "定远寨镇", "辛集镇", "梁堂镇", "范寨镇"],
    "高唐县": ["琉璃寺镇", "梁村镇", "尹集镇", "清平镇", "固河镇", "三十里铺镇", "赵寨子镇", "姜店镇", "杨屯镇"],
}

UNIT_KINDS = [("机关", 36), ("事业单位", 14), ("医院", 5), ("高校", 2), ("国有企业", 4)]

# problem → need (spec: 班子软弱涣散, 设施短缺陈旧, 经济贫困落后, 其他)
PROBLEMS: list[tuple[str, str]] = [
    ("村内主干道未硬化，雨雪天出行困难", "设施短缺陈旧"),
    ("缺少党员活动室和文化活动场所", "设施短缺陈旧"),
    ("路灯、排水等公共设施陈旧", "设施短缺陈旧"),
    ("困难户冬季取暖和过冬衣被不足", "经济贫困落后"),
    ("村集体经济收入薄弱", "经济贫困落后"),
    ("党员老龄化，后备干部缺乏", "班子软弱涣散"),
    ("组织生活不经常、不规范", "班子软弱涣散"),
    ("村规民约不健全，邻里纠纷较多", "其他"),
    ("种植技术落后，病虫害防治能力弱", "其他"),
]

# (item, unit, yuan per unit) for the sample drives
DONATION_ITEMS: list[tuple[str, str, int]] = [
    ("棉被", "床", 150),
    ("棉衣", "件", 120),
    ("食用油", "桶", 65),
    ("大米", "袋", 80),
    ("面粉", "袋", 60),
    ("羽绒服", "件", 200),
    ("电暖器", "台", 180),
    ("过冬衣物", "件", 60),
]

# kind → (title tail, summary tail)
REGULAR_KINDS: dict[str, tuple[str, str]] = {
    "主题党日": ("与共建村联合开展主题党日", "与共建村党支部联合开展主题党日活动，重温入党誓词，共同学习党的十九大报告。"),
    "思想教育": ("宣讲党的十九大精神", "支部书记为共建村党员讲党课，宣讲党的十九大精神，交流学习体会。"),
    "文化下乡": ("到共建村开展文化下乡", "为共建村送去图书报刊，组织群众性文艺演出，丰富村民冬季文化生活。"),
    "生产劳动": ("参加共建村生产劳动", "党员与村民一起整修村内道路、清理沟渠和环境卫生。"),
    "济贫帮困": ("走访共建村困难户", "走访慰问共建村困难户，帮助解决冬季取暖等实际困难。"),
    "科技培训": ("为共建村送技术", "邀请技术人员到共建村讲解大棚蔬菜冬季管理和小麦越冬管理技术。"),
}

ACTIVITY_FIELDS = [
    "id",
    "date",
    "title",
    "kind",
    "theme",
    "branches",
    "villages",
    "participants",
    "funds",
    "donations",
    "summary",
    "beneficiaries",
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
BENEFICIARY_NOTES = ["低保户", "五保户", "独居老人", "因病致贫户", "残疾人家庭", "留守老人"]


@dataclass
class Named:
    """What the hand-written records already hold."""

    as_of: date
    lagging_days: int
    unit_ids: set[str]
    village_ids: set[str]
    branches: list[Record]
    activities: list[Record]


@dataclass
class Branch:
    """A sample branch and what the generator plans for it."""

    id: str
    name: str
    unit: str
    members: int
    paired_on: date | None
    status: str = "active"  # active | unpaired | unpaired-active | late | idle-none | idle-early | idle-after
    theme: bool = False
    village: str | None = None
    extras: Record = field(default_factory=dict)


def cn_number(n: int) -> str:
    """Write 1..99 in Chinese numerals."""
    digits = "一二三四五六七八九"
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens - 1] + "十")
    return head + (digits[ones - 1] if ones else "")


def load_list(path: Path) -> list[Record]:
    """Load a YAML file holding a list of records (or nothing)."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return data if isinstance(data, list) else [data]


def load_named(content: Path) -> Named:
    """Read site.yaml and the hand-written records."""
    site = yaml.safe_load((content / "site.yaml").read_text(encoding="utf-8"))
    units = load_list(content / "units.yaml")
    villages = load_list(content / "villages" / "named.yaml")
    return Named(
        as_of=site["as_of"],
        lagging_days=site.get("lagging_days", 30),
        unit_ids={u["id"] for u in units},
        village_ids={v["id"] for v in villages},
        branches=load_list(content / "branches" / "named.yaml"),
        activities=load_list(content / "activities" / "named.yaml"),
    )


def reserved_count() -> int:
    """Number of villages reserved for the named agencies' branches."""
    return sum(n for _, _, n in RESERVED_VILLAGES)


def days_between(rng: random.Random, lo: date, hi: date) -> date:
    """Pick a day in [lo, hi]."""
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def split_total(rng: random.Random, total: int, lows: list[int], highs: list[int]) -> list[int]:
    """Split total into len(lows) random parts, each within its bounds."""
    parts = [rng.randint(lo, hi) for lo, hi in zip(lows, highs, strict=True)]
    assert sum(lows) <= total <= sum(highs), "bounds cannot reach the total"
    while (diff := total - sum(parts)) != 0:
        i = rng.randrange(len(parts))
        step = 1 if diff > 0 else -1
        if lows[i] <= parts[i] + step <= highs[i]:
            parts[i] += step
    return parts


def make_units(rng: random.Random) -> list[Record]:
    """Create the sample units 样例单位01…."""
    kinds = [k for k, _ in UNIT_KINDS]
    weights = [w for _, w in UNIT_KINDS]
    return [{"id": f"u{i:02d}", "name": f"样例单位{i:02d}", "kind": rng.choices(kinds, weights)[0]} for i in range(1, SAMPLE_UNITS + 1)]


def draw_pairing(rng: random.Random) -> date:
    """Pick a pairing date: most before the end of September, the rest in October."""
    if rng.random() < 0.8:
        return days_between(rng, date(2017, 9, 8), date(2017, 9, 30))
    return days_between(rng, date(2017, 10, 1), date(2017, 10, 31))


def branch_extras(rng: random.Random, members: int, serial: int) -> Record:
    """Optional fields on some branches: pairs, and the internal secretary/phone."""
    extras: Record = {}
    if rng.random() < 0.25:
        extras["secretary"] = f"{rng.choice(SURNAMES)}某某"
        extras["phone"] = f"0635-8{100 + serial:06d}"
    if rng.random() < 0.35:
        extras["member_pairs"] = rng.randint(1, max(1, members // 2))
        extras["household_pairs"] = rng.randint(2, 10)
    return extras


def make_branches(rng: random.Random, units: list[Record], count: int) -> list[Branch]:
    """Create count sample branches spread over the sample units."""
    n = len(units)
    sizes = split_total(rng, count, [3] * n, [30] * n)
    branches: list[Branch] = []
    for unit, size in zip(units, sizes, strict=True):
        for j in range(1, size + 1):
            members = rng.randint(6, 35)
            branches.append(
                Branch(
                    id=f"{unit['id']}-b{j:02d}",
                    name=f"{unit['name']}第{cn_number(j)}党支部",
                    unit=unit["id"],
                    members=members,
                    paired_on=draw_pairing(rng),
                    extras=branch_extras(rng, members, len(branches) + 1),
                )
            )
    return branches


def mark_theme(rng: random.Random, branches: list[Branch], units: list[Record], n_units: int, n_branches: int) -> list[str]:
    """Choose the theme units and, within them, the theme branches; return the unit ids."""
    theme_units = sorted(rng.sample([u["id"] for u in units], n_units))
    by_unit = {u: [b for b in branches if b.unit == u] for u in theme_units}
    counts = split_total(rng, n_branches, [1] * n_units, [min(8, len(by_unit[u]) - 1) for u in theme_units])
    for u, k in zip(theme_units, counts, strict=True):
        for b in rng.sample(by_unit[u], k):
            b.theme = True
    return theme_units


def mark_status(rng: random.Random, branches: list[Branch], unpaired: int) -> None:
    """Choose the unpaired, late-paired and idle (lagging) branches among non-theme ones."""
    pool = [b for b in branches if not b.theme]
    chosen = rng.sample(pool, unpaired + PAIRED_LATE)
    for i, b in enumerate(chosen):
        if i < unpaired:
            b.status, b.paired_on = ("unpaired-active" if i == 0 else "unpaired"), None
        else:
            b.status, b.paired_on = "late", LATE_PAIRING
    early = [b for b in pool if b.status == "active" and b.paired_on and b.paired_on <= date(2017, 10, 15)]
    statuses = ["idle-none"] * IDLE_NONE + ["idle-early"] * IDLE_EARLY + ["idle-after"] * IDLE_AFTER
    for b, status in zip(rng.sample(early, len(statuses)), statuses, strict=True):
        b.status = status


def village_record(rng: random.Random, number: int, county: str, town: str) -> Record:
    """Create the sample village 样例村NNNN, with internal needs/problems on some."""
    record: Record = {"id": f"v{number:04d}", "name": f"样例村{number:04d}", "town": town, "county": county}
    roll = rng.random()
    if roll < 0.35:
        picked = rng.sample(PROBLEMS, rng.randint(1, 2))
        record["needs"] = sorted({need for _, need in picked}, key=[n for _, n in PROBLEMS].index)
        record["problems"] = [p for p, _ in picked]
    elif roll < 0.5:
        record["needs"] = [rng.choice(["班子软弱涣散", "设施短缺陈旧", "经济贫困落后"])]
    return record


def make_villages(rng: random.Random, branches: list[Branch]) -> list[Record]:
    """Create the reserved villages, then one village per paired sample branch."""
    villages: list[Record] = []
    for county, town, n in RESERVED_VILLAGES:
        for _ in range(n):
            villages.append(village_record(rng, len(villages) + 1, county, town))
    places = [(c, t) for c, towns in TOWNS.items() for t in towns]
    for b in branches:
        if b.paired_on is None:
            continue
        county, town = rng.choice(places)
        villages.append(village_record(rng, len(villages) + 1, county, town))
        b.village = villages[-1]["id"]
    return villages


def branch_label(unit_name: str, group: list[Branch]) -> str:
    """Name a group of branches of one unit for titles and summaries."""
    tails = [b.name.removeprefix(unit_name) for b in group]
    if len(tails) <= 3:
        return unit_name + "、".join(tails)
    return f"{unit_name}{tails[0]}等{len(tails)}个党支部"


def activity(day: date, title: str, kind: str, group: list[Branch], participants: int, summary: str, theme: str | None = None) -> Record:
    """Build an activity record (id assigned later) for branches of one unit."""
    record: Record = {"id": "", "date": day, "title": title, "kind": kind}
    if theme:
        record["theme"] = theme
    record["branches"] = [b.id for b in group]
    villages = [b.village for b in group if b.village and b.paired_on and b.paired_on <= day]
    if villages:
        record["villages"] = villages
    record["participants"] = participants
    record["summary"] = summary
    return record


def turnout(rng: random.Random, group: list[Branch]) -> int:
    """Members taking part: half to all of each branch."""
    return sum(rng.randint((b.members + 1) // 2, b.members) for b in group)


def latest_pairing(group: list[Branch]) -> date:
    """Latest pairing date in the group (ignoring unpaired branches)."""
    return max((b.paired_on for b in group if b.paired_on), default=date(2017, 9, 1))


def chunks(rng: random.Random, items: list[Branch]) -> list[list[Branch]]:
    """Cut a list into consecutive groups of 1–4."""
    groups: list[list[Branch]] = []
    while items:
        k = rng.randint(1, 4)
        groups.append(items[:k])
        items = items[k:]
    return groups


def regular_activities(rng: random.Random, unit: Record, branches: list[Branch], window_start: date, as_of: date) -> list[Record]:
    """Give every active branch at least one activity in the lagging window."""
    eligible = [b for b in branches if b.status in ("active", "unpaired-active")]
    rng.shuffle(eligible)
    out: list[Record] = []
    for group in chunks(rng, eligible):
        group.sort(key=lambda b: b.id)
        kind = "思想教育" if any(b.status == "unpaired-active" for b in group) else rng.choice(list(REGULAR_KINDS))
        tail, summary = REGULAR_KINDS[kind]
        lo = max(window_start + timedelta(days=1), latest_pairing(group) + timedelta(days=1))
        record = activity(days_between(rng, lo, as_of), branch_label(unit["name"], group) + tail, kind, group, turnout(rng, group), summary)
        if kind == "文化下乡" and rng.random() < 0.6:
            record["funds"] = rng.randint(5, 30) * 100
        out.append(record)
    return out


def early_activity(rng: random.Random, unit: Record, branches: list[Branch], window_start: date) -> Record | None:
    """An October party day (before the lagging window): all idle-early branches, some others."""
    idle = [b for b in branches if b.status == "idle-early"]
    others = [b for b in branches if b.status == "active" and b.paired_on and b.paired_on <= date(2017, 10, 14)]
    group = idle + rng.sample(others, min(len(others), rng.randint(0 if idle else 1, 3)))
    if not group:
        return None
    group.sort(key=lambda b: b.id)
    lo = max(EARLY_START, latest_pairing(group) + timedelta(days=1))
    return activity(
        days_between(rng, lo, window_start - timedelta(days=1)),
        branch_label(unit["name"], group) + "与共建村党支部对接座谈",
        "主题党日",
        group,
        turnout(rng, group),
        "与共建村党支部对接座谈，了解村情民意，商定帮扶计划。",
    )


def after_as_of_activity(rng: random.Random, unit: Record, branches: list[Branch]) -> Record | None:
    """A December activity for late-paired and idle-after branches (outside the counts)."""
    group = [b for b in branches if b.status in ("late", "idle-after")]
    if not group:
        return None
    return activity(
        AFTER_AS_OF + timedelta(days=rng.randint(0, 3)),
        branch_label(unit["name"], group) + "到共建村开展首次组织生活",
        "主题党日",
        group,
        turnout(rng, group),
        "到共建村与村党员一起过组织生活，了解村情民意。",
    )


def theme_donations(rng: random.Random, n_branches: int) -> list[Record]:
    """Pick one or two donated items for a theme activity."""
    picked = rng.sample(DONATION_ITEMS, rng.randint(1, 2))
    out = []
    for item, unit, price in picked:
        quantity = n_branches * rng.randint(3, 9)
        out.append({"item": item, "quantity": quantity, "unit": unit, "value": quantity * price})
    return out


def theme_activity(rng: random.Random, unit: Record, group: list[Branch], participants: int) -> Record:
    """The unit's “献爱心、送温暖” party day."""
    lo = max(THEME_DAY, latest_pairing(group) + timedelta(days=1))
    kind = "主题党日" if rng.random() < 0.7 else "济贫帮困"
    label = branch_label(unit["name"], group)
    record = activity(
        days_between(rng, lo, date(2017, 11, 22)), f"{label}“献爱心、送温暖”主题党日", kind, group, participants, "", theme=THEME
    )
    record["donations"] = theme_donations(rng, len(group))
    items = "、".join(f"{d['item']}{d['quantity']}{d['unit']}" for d in record["donations"])
    record["summary"] = f"{label}党员到共建村开展“献爱心、送温暖”主题党日活动，走访慰问困难群众，送去{items}和慰问金。"
    return record


def share_participants(rng: random.Random, branches: list[Branch], total: int) -> dict[str, int]:
    """Spread total participants over the theme branches, none above its members."""
    members = sum(b.members for b in branches)
    ratio = total / members
    share = {b.id: max(1, min(b.members, round(b.members * ratio * rng.uniform(0.8, 1.2)))) for b in branches}
    cap = {b.id: b.members for b in branches}
    ids = sorted(share)
    i = 0
    while (diff := total - sum(share.values())) != 0:
        bid = ids[i % len(ids)]
        step = 1 if diff > 0 else -1
        if 1 <= share[bid] + step <= cap[bid]:
            share[bid] += step
        i += 1
    return share


def set_theme_funds(theme: list[Record], value: int) -> None:
    """Add 慰问金 so that funds + donation values reach value exactly."""
    donated = sum(d["value"] for a in theme for d in a["donations"])
    funds = value - donated
    assert funds >= 100 * len(theme), f"donations ({donated}) leave too little for funds"
    n = sum(len(a["branches"]) for a in theme)
    given = 0
    for a in theme[:-1]:
        a["funds"] = round(funds * len(a["branches"]) / n, -2)
        given += a["funds"]
    theme[-1]["funds"] = funds - given
    for a in theme:
        a["funds"] = int(a["funds"])


def add_beneficiaries(rng: random.Random, records: list[Record]) -> None:
    """Attach fictional beneficiaries (internal) to every eighth theme activity."""
    for a in records[::8]:
        a["beneficiaries"] = [
            {"name": f"{rng.choice(SURNAMES)}某某", "note": rng.choice(BENEFICIARY_NOTES)} for _ in range(rng.randint(1, 3))
        ]


def make_activities(
    rng: random.Random, units: list[Record], branches: list[Branch], theme_units: list[str], named: Named, targets: tuple[int, int]
) -> list[Record]:
    """Create the theme drives, the regular activities and a few out-of-range ones."""
    window_start = named.as_of - timedelta(days=named.lagging_days)
    participants, value = targets
    share = share_participants(rng, [b for b in branches if b.theme], participants)
    by_unit = {u["id"]: [b for b in branches if b.unit == u["id"]] for u in units}
    late_theme_unit = rng.choice([u for u in units if u["id"] not in theme_units and len(by_unit[u["id"]]) >= 4])
    theme: list[Record] = []
    out: list[Record] = []
    for unit in units:
        own = by_unit[unit["id"]]
        records: list[Record | None] = [*regular_activities(rng, unit, own, window_start, named.as_of)]
        if unit["id"] in theme_units:
            group = [b for b in own if b.theme]
            theme.append(theme_activity(rng, unit, group, sum(share[b.id] for b in group)))
            records.append(theme[-1])
        if rng.random() < 0.35 or any(b.status == "idle-early" for b in own):
            records.append(early_activity(rng, unit, own, window_start))
        records.append(after_as_of_activity(rng, unit, own))
        if unit is late_theme_unit:
            records.append(december_drive(rng, unit, own))
        out += number_activities(unit["id"], [r for r in records if r])
    set_theme_funds(theme, value)
    add_beneficiaries(rng, theme)
    return out


def december_drive(rng: random.Random, unit: Record, own: list[Branch]) -> Record:
    """A theme drive dated after as_of: it must not change the theme figures."""
    group = sorted(rng.sample([b for b in own if b.status == "active"], 2), key=lambda b: b.id)
    record = theme_activity(rng, unit, group, turnout(rng, group))
    record["date"] = date(2017, 12, 8)
    record["funds"] = 2000
    return record


def number_activities(unit_id: str, records: list[Record]) -> list[Record]:
    """Sort a unit's activities by date and give them ids a-uNN-01…."""
    records.sort(key=lambda r: (r["date"], r["title"]))
    for i, r in enumerate(records, 1):
        r["id"] = f"a-{unit_id}-{i:02d}"
    return records


def activity_record(r: Record) -> Record:
    """The YAML record of an activity, fields in spec order."""
    return {k: r[k] for k in ACTIVITY_FIELDS if k in r}


def branch_record(b: Branch) -> Record:
    """The YAML record of a sample branch."""
    record: Record = {"id": b.id, "name": b.name, "unit": b.unit, "members": b.members}
    if b.village and b.paired_on:
        record["village"] = b.village
        record["paired_on"] = b.paired_on
    return record | b.extras


class _Dumper(yaml.SafeDumper):
    """Block-style records, flow-style lists of scalars, no anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(x, (dict, list)) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def write_yaml(path: Path, what: str, records: list[Record]) -> None:
    """Write records with the sample-data header; same input, same bytes."""
    body = yaml.dump(records, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(what=what) + body, encoding="utf-8", newline="\n")


def theme_tally(activities: list[Record], owner: dict[str, str], as_of: date) -> tuple[int, int, int, float]:
    """Units, branches, participants and total value of the theme as of as_of (spec §3)."""
    counted = [a for a in activities if a.get("theme") == THEME and a["date"] <= as_of]
    branch_ids = {b for a in counted for b in a["branches"]}
    value = sum(a.get("funds", 0) + sum(d.get("value", 0) for d in a.get("donations", [])) for a in counted)
    return len({owner[b] for b in branch_ids}), len(branch_ids), sum(a["participants"] for a in counted), value


def check_named(named: Named) -> None:
    """Fail early if the named records point outside what they and this script provide."""
    reserved = {f"v{i:04d}" for i in range(1, reserved_count() + 1)}
    for b in named.branches:
        if b["unit"] not in named.unit_ids:
            sys.exit(f"branches/named.yaml: {b['id']}: unknown unit {b['unit']}")
        if "village" in b and b["village"] not in named.village_ids | reserved:
            sys.exit(f"branches/named.yaml: {b['id']}: village {b['village']} is neither named nor reserved")


def main() -> None:
    """Generate and write the four sample files, then print the resulting figures."""
    content = Path(__file__).resolve().parent.parent / "content"
    named = load_named(content)
    check_named(named)
    owner = {b["id"]: b["unit"] for b in named.branches}
    n_units, n_branches, n_people, value = theme_tally(named.activities, owner, named.as_of)
    named_unpaired = sum(1 for b in named.branches if "village" not in b or b["paired_on"] > named.as_of)

    rng = random.Random(SEED)
    units = make_units(rng)
    branches = make_branches(rng, units, TOTAL_BRANCHES - len(named.branches))
    theme_units = mark_theme(rng, branches, units, THEME_UNITS - n_units, THEME_BRANCHES - n_branches)
    mark_status(rng, branches, TOTAL_BRANCHES - PAIRED_BRANCHES - named_unpaired - PAIRED_LATE)
    villages = make_villages(rng, branches)
    activities = make_activities(rng, units, branches, theme_units, named, (THEME_PARTICIPANTS - n_people, int(THEME_TOTAL_VALUE - value)))

    write_yaml(content / "units" / "sample.yaml", "市直单位", units)
    write_yaml(content / "branches" / "sample.yaml", "单位所属党支部", [branch_record(b) for b in branches])
    write_yaml(content / "villages" / "sample.yaml", "共建村（含文章点名单位所属支部对接的村）", villages)
    write_yaml(content / "activities" / "sample.yaml", "单位开展的活动", [activity_record(a) for a in activities])

    owner |= {b.id: b.unit for b in branches}
    tally = theme_tally(named.activities + activities, owner, named.as_of)
    paired = sum(1 for b in named.branches if "village" in b and b["paired_on"] <= named.as_of) + sum(
        1 for b in branches if b.village and b.paired_on and b.paired_on <= named.as_of
    )
    print(
        f"branches {len(named.branches) + len(branches)}, paired {paired}; "
        f"{THEME}: units {tally[0]}, branches {tally[1]}, participants {tally[2]}, total_value {tally[3]:.2f}"
    )
    expected = (THEME_UNITS, THEME_BRANCHES, THEME_PARTICIPANTS, THEME_TOTAL_VALUE)
    if tally != expected or paired != PAIRED_BRANCHES:
        sys.exit("the generated figures do not match the article")


if __name__ == "__main__":
    main()
