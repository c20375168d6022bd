"""Write deterministic synthetic campaigns and story corpora for the benchmarks.

Everything is drawn from one seeded `random.Random`, and files are written in
a fixed order, so the same arguments always give byte-identical trees.

- `write_campaign(dest, branches=…, activities=…, stories=…)` writes a full
  `content/` the way a province would keep it: one ledger file per unit under
  `branches/` and `activities/`, villages per county, one Markdown file per story.
- `write_story_corpus(dest, n)` writes the stories-only corpus used side by side
  with Hugo and Pelican: `site.yaml` + `stories/` for gongjian, and the same
  stories in each peer's own input format (see peers.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SEED = 20171124
START = date(2017, 9, 1)
AS_OF = date(2019, 8, 31)  # two years of records: 24 month pages
TAGS = ("先进支部", "主题党日", "献爱心送温暖", "结对帮包", "送健康下乡", "科技培训",
        "美丽乡村", "文化下乡", "济贫帮困", "思想教育", "产业发展", "基层治理")
KINDS = ("主题党日", "送健康下乡", "科技培训", "美丽乡村", "济贫帮困", "文化下乡", "思想教育", "生产劳动")
THEMES = ("献爱心、送温暖", "助力脱贫攻坚", "共建美丽乡村")
UNIT_KINDS = ("机关", "医院", "高校", "企业", "事业单位")
COUNTIES = ("东昌府区", "临清市", "莘县", "东阿县", "阳谷县", "茌平区", "高唐县", "冠县")
TOWNS = ("北城街道", "金郝庄镇", "燕店镇", "古城镇", "张秋镇", "姜店乡", "沙镇镇", "梁水镇", "闫寺街道", "堂邑镇")
ORDINALS = ("第一", "第二", "第三", "第四", "第五", "第六", "第七", "第八", "第九", "第十",
            "第十一", "第十二", "第十三", "第十四", "第十五", "第十六")
DONATIONS = (("棉被", "床", 150), ("电暖器", "台", 180), ("大米", "袋", 60), ("食用油", "桶", 70),
             ("图书", "册", 25), ("化肥", "袋", 120))

SUBJECTS = ("支部党员", "驻村第一书记", "村党支部书记", "结对党员", "机关干部", "村“两委”成员", "志愿服务队",
            "帮扶小组", "老党员", "青年党员")
ACTIONS = ("走进共建村", "深入农户家中", "围坐在村委会的会议室里", "来到田间地头", "把课堂搬到村广场上",
           "挨家挨户走访", "与村民面对面座谈", "在村卫生室前摆开桌子", "带着慰问品上门", "一起清理房前屋后")
PURPOSES = ("了解群众最关心的问题", "商量来年的发展思路", "讲解惠民政策", "查看过冬准备情况",
            "登记需要协调解决的实际困难", "传授果树冬季修剪技术", "为老人免费测量血压血糖",
            "把帮扶措施一项项落到实处", "听取村民对共建工作的意见", "帮助村里理清集体经济发展路子")
RESULTS = ("大家的心贴得更近了", "村民们纷纷点赞", "一批急难问题得到解决", "帮扶从一次性慰问变成了长期结对",
           "村里的面貌焕然一新", "群众的获得感明显增强", "支部的凝聚力和战斗力进一步提升",
           "共建工作有了实实在在的抓手", "党员在服务中受到了教育", "村集体收入有了稳定来源")
TIMES = ("10月23日上午", "入冬以来", "活动当天", "今年以来", "11月中旬", "对接之初", "春耕前夕", "每逢周末")
HEADINGS = ("先立规矩，再进村", "一次主题党日，三件实事", "示范带动，不走过场", "结对帮包，常来常往",
            "因村施策，精准发力", "把实事办到群众心坎上", "建强班子，激活力量", "从“输血”到“造血”")
BOLD = ("领导班子成员牵头，机关党员与贫困户结对帮包", "一名党员联系一户群众", "有名单、有责任人、有回访",
        "支部建在产业链上", "把党日活动开到田间地头")


def _sentence(rng: random.Random) -> str:
    return (f"{rng.choice(TIMES)}，{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)}，{rng.choice(PURPOSES)}，"
            f"{rng.choice(PURPOSES)}，{rng.choice(RESULTS)}。")


def _paragraph(rng: random.Random, sentences: int) -> str:
    return "".join(_sentence(rng) for _ in range(sentences))


@dataclass(frozen=True)
class SynthStory:
    """One generated story, before it is written in any generator's format."""

    slug: str
    title: str
    day: date
    tags: tuple[str, ...]
    summary: str
    body: str


def make_story(rng: random.Random, index: int, day: date) -> SynthStory:
    """Return a story of about 1,500 characters: 6–10 paragraphs, two ## headings, a list, bold, a link."""
    paragraphs = rng.randint(6, 10)
    per = max(2, round(1250 / 48 / paragraphs))  # sentences per paragraph; a sentence is ~48 characters
    blocks = [_paragraph(rng, per) for _ in range(paragraphs)]
    bold = rng.choice(BOLD)
    blocks[1] = blocks[1][:-1] + f"：**{bold}**。"
    link = f"[聊城市直机关工委](https://www.example.cn/news/{index:05d}.html)"
    blocks[-1] = blocks[-1][:-1] + f"，详见{link}。"
    items = "\n".join(f"- **{rng.choice(ACTIONS)}**：{rng.choice(PURPOSES)}；" for _ in range(3))
    first, second = rng.sample(HEADINGS, 2)
    h1, h2 = 2, 2 + paragraphs // 2
    out: list[str] = []
    for i, block in enumerate(blocks):
        if i == h1:
            out.append(f"## {first}")
        if i == h2:
            out.append(f"## {second}")
        out.append(block)
        if i == h1:
            out.append(items)
    title = f"{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)}{rng.choice(PURPOSES)}（{index}）"
    tags = tuple(rng.sample(TAGS, rng.randint(2, 3)))
    summary = _sentence(rng)
    return SynthStory(f"story-{index:05d}", title, day, tags, summary, "\n\n".join(out) + "\n")


def _q(text: str) -> str:
    """Quote a YAML scalar (double quotes; our texts have no backslashes or double quotes)."""
    return f'"{text}"'


def story_front(story: SynthStory, extra: list[str] | None = None) -> str:
    """Return a gongjian story file: YAML front matter and the Markdown body."""
    lines = ["---", f"title: {_q(story.title)}", f"date: {story.day.isoformat()}",
             f"tags: [{', '.join(story.tags)}]", f"summary: {_q(story.summary)}", *(extra or []), "---", ""]
    return "\n".join(lines) + story.body


SITE_YAML = """title: 聊城市直机关“1+1”好支部共建(合成数据)
base_url: https://gongjian.example.cn/
organization: 中共聊城市委市直机关工委
campaign:
  name: “1+1”好支部共建行动
  start: {start}
as_of: {as_of}
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def story_dates(n: int) -> list[date]:
    """Spread `n` story dates evenly over the campaign, oldest first."""
    span = (AS_OF - START).days
    return [START + timedelta(days=(i * span) // max(n, 1)) for i in range(n)]


def write_story_corpus(dest: Path, n: int, seed: int = SEED) -> list[SynthStory]:
    """Write a stories-only gongjian site (site.yaml + stories/) under dest/content; return the stories."""
    rng = random.Random(seed)
    content = dest / "content"
    _write(content / "site.yaml", SITE_YAML.format(start=START.isoformat(), as_of=AS_OF.isoformat()))
    stories = [make_story(rng, i, day) for i, day in enumerate(story_dates(n), start=1)]
    for story in stories:
        _write(content / "stories" / f"{story.slug}.md", story_front(story))
    return stories


def write_campaign(dest: Path, branches: int, activities: int, stories: int, seed: int = SEED,
                   activity_files: int = 0) -> Path:
    """Write a full synthetic campaign under dest/content; return the content folder.

    Activities go into one ledger file per unit, or, with `activity_files`, into that many
    big ledger files (the way a committee merges the units' returns into a few ledgers).
    """
    rng = random.Random(seed)
    content = dest / "content"
    _write(content / "site.yaml", SITE_YAML.format(start=START.isoformat(), as_of=AS_OF.isoformat()))
    unit_count = max(1, branches // 10)
    unit_ids = [f"u{i:05d}" for i in range(1, unit_count + 1)]
    _write(content / "units.yaml", "".join(
        f"- id: {u}\n  name: 合成单位{u[1:]}\n  short_name: 单位{u[1:]}\n  kind: {rng.choice(UNIT_KINDS)}\n"
        for u in unit_ids))

    village_ids = [f"v{i:06d}" for i in range(1, branches + 1)]
    by_county: dict[str, list[str]] = {}
    for v in village_ids:
        county = rng.choice(COUNTIES)
        by_county.setdefault(county, []).append(
            f"- id: {v}\n  name: 合成村{v[1:]}\n  town: {rng.choice(TOWNS)}\n  county: {county}\n"
            + (f"  needs: [{rng.choice(('班子软弱涣散', '设施短缺陈旧', '经济贫困落后'))}]\n" if rng.random() < 0.3 else ""))
    for index, county in enumerate(COUNTIES):
        if county in by_county:
            _write(content / "villages" / f"county-{index}.yaml", "".join(by_county[county]))

    # Branches: ten per unit on average, each unit's ledger in its own file.
    unit_branches: dict[str, list[str]] = {u: [] for u in unit_ids}
    for i in range(branches):
        unit_branches[unit_ids[i % unit_count]].append(f"b{i + 1:06d}")
    paired_last = START + timedelta(days=60)
    for u in unit_ids:
        lines = []
        for n, b in enumerate(unit_branches[u]):
            village = village_ids[int(b[1:]) - 1]
            lines.append(f"- id: {b}\n  name: 合成单位{u[1:]}{ORDINALS[n % len(ORDINALS)]}党支部\n  unit: {u}\n"
                         f"  members: {rng.randint(5, 60)}\n")
            if rng.random() < 0.99:
                lines.append(f"  village: {village}\n  paired_on: {_day(rng, START, paired_last).isoformat()}\n")
            lines.append(f"  secretary: 合成{n}某某\n  phone: 0635-{rng.randint(1000000, 9999999)}\n")
        _write(content / "branches" / f"{u}.yaml", "".join(lines))

    # Activities: each by one to three branches of one unit, in that unit's ledger file.
    unit_activities: dict[str, list[str]] = {u: [] for u in unit_ids}
    for i in range(activities):
        u = unit_ids[rng.randrange(unit_count)]
        own = unit_branches[u] or [f"b{1:06d}"]
        chosen = sorted(rng.sample(own, min(len(own), rng.randint(1, 3))))
        villages = [village_ids[int(b[1:]) - 1] for b in chosen]
        kind = rng.choice(KINDS)
        text = (f"- id: a{i + 1:07d}\n  date: {_day(rng, START, AS_OF).isoformat()}\n"
                f"  title: {_q(f'合成单位{u[1:]}开展{kind}活动')}\n  kind: {kind}\n"
                f"  branches: [{', '.join(chosen)}]\n  villages: [{', '.join(villages)}]\n"
                f"  participants: {rng.randint(3, 80)}\n")
        if rng.random() < 0.3:
            text += f"  theme: {rng.choice(THEMES)}\n"
        if rng.random() < 0.5:
            text += f"  funds: {rng.randint(1, 50) * 100}\n"
        if rng.random() < 0.3:
            item, measure, price = rng.choice(DONATIONS)
            qty = rng.randint(2, 40)
            text += f"  donations:\n  - {{item: {item}, quantity: {qty}, unit: {measure}, value: {qty * price}}}\n"
        if rng.random() < 0.2:
            text += "  beneficiaries:\n  - {name: 合成某某, note: 独居老人}\n"
        summary = _sentence(rng)
        if rng.random() < 0.1:  # some ledgers use Markdown in summaries: those go through Python-Markdown
            head, _, rest = summary.partition("，")
            summary = f"**{head}**，{rest}"
        text += f"  summary: {_q(summary)}\n"
        unit_activities[u].append(text)
    if activity_files:
        merged = [text for u in unit_ids for text in unit_activities[u]]
        size = -(-len(merged) // activity_files)
        for n in range(activity_files):
            _write(content / "activities" / f"ledger-{n + 1}.yaml", "".join(merged[n * size:(n + 1) * size]))
    else:
        for u in unit_ids:
            if unit_activities[u]:
                _write(content / "activities" / f"{u}.yaml", "".join(unit_activities[u]))

    inspections = max(1, branches // 50)
    _write(content / "inspections.yaml", "".join(
        f"- id: i{i + 1:05d}\n  date: {_day(rng, START, AS_OF).isoformat()}\n  group: {rng.randint(1, 8)}\n"
        f"  villages: [{', '.join(rng.sample(village_ids, min(3, len(village_ids))))}]\n  methods: [听, 看, 查]\n"
        f"  checks: {{摸清村居情况: 达标, 制定帮扶措施: {rng.choice(('达标', '基本达标', '未达标'))}}}\n"
        f"  findings: 台账基本齐全。\n"
        for i in range(inspections)))

    for i, day in enumerate(story_dates(stories), start=1):
        story = make_story(rng, i, day)
        u = unit_ids[rng.randrange(unit_count)]
        extra = [f"unit: {u}"]
        if unit_branches[u]:
            extra.append(f"branches: [{unit_branches[u][0]}]")
        if i % 97 == 0:
            extra.append("featured: true")
        _write(content / "stories" / f"{story.slug}.md", story_front(story, extra))
    return content
