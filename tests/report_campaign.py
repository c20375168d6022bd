"""Write a plausible campaign of N units (names, themes, donations, four supervision groups), for the printed report."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

AS_OF = date(2017, 11, 24)
KINDS = ("机关", "医院", "高校", "企业")
TOWNS = (("东昌府区", "北城街道办事处"), ("临清市", "金郝庄镇"), ("莘县", "古云镇"), ("东阿县", "姜楼镇"),
         ("茌平县", "杜郎口镇"), ("阳谷县", "阿城镇"))
ACTIVITY_KINDS = ("主题党日", "济贫帮困", "科技培训", "送健康下乡")
CHECKS = ("摸清村居情况", "制定帮扶措施", "参与组织生活")
RESULTS = ("达标", "基本达标", "未达标")
ORDINALS = "一二三四五六七八九十"


def _dump(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_report_campaign(root: Path, units: int = 20, branches_per_unit: int = 4) -> Path:
    """Write content/ under `root` and return it; a few branches are unpaired or idle, so the lagging list is not empty."""
    content = root / "content"
    content.mkdir(parents=True)
    _dump(content / "site.yaml", {
        "title": "某市直机关“1+1”好支部共建", "base_url": "https://example.org/gj/",
        "organization": "中共某市委市直机关工委",
        "campaign": {"name": "“1+1”好支部共建行动", "start": "2017-09-01"}, "as_of": AS_OF.isoformat(),
    })
    unit_records, branch_records, village_records, activities, inspections = [], [], [], [], []
    n = 0
    for u in range(units):
        uid = f"u{u + 1:02d}"
        unit_records.append({"id": uid, "name": f"某市第{u + 1}人民医院党委" if u % 4 == 1 else f"某市第{u + 1}局机关党委",
                             "kind": KINDS[u % len(KINDS)], "order": units - u})
        for b in range(branches_per_unit):
            n += 1
            bid, vid = f"{uid}-b{b + 1}", f"v{n:03d}"
            county, town = TOWNS[n % len(TOWNS)]
            village_records.append({"id": vid, "name": f"第{n}村", "town": town, "county": county})
            unpaired = n % 23 == 0
            record: dict[str, Any] = {"id": bid, "name": f"{unit_records[-1]['name']}第{ORDINALS[b]}党支部",
                                      "unit": uid, "members": 12 + n % 20, "secretary": f"书记{n}",
                                      "phone": f"138{n:08d}"}
            if not unpaired:
                record.update(village=vid, paired_on=(date(2017, 9, 18) + timedelta(days=n % 20)).isoformat())
            branch_records.append(record)
            if unpaired or n % 11 == 0:
                continue  # no activity: on the lagging list
            for a in range(2):
                day = date(2017, 10, 1) + timedelta(days=(n * 3) % 54) if a == 0 else AS_OF - timedelta(days=n % 29)
                activity: dict[str, Any] = {
                    "id": f"{bid}-a{a}", "date": day.isoformat(), "title": f"{record['name']}到{village_records[-1]['name']}开展活动",
                    "kind": ACTIVITY_KINDS[(n + a) % len(ACTIVITY_KINDS)], "branches": [bid], "villages": [vid],
                    "participants": 8 + n % 15}
                if a == 0:
                    activity.update(theme="献爱心、送温暖", funds=500 + 100 * (n % 7),
                                    donations=[{"item": ("棉被", "米面油", "图书")[n % 3], "quantity": 5 + n % 9,
                                                "unit": ("套", "份", "册")[n % 3], "value": 300 + 50 * (n % 5)}])
                elif n % 2:
                    activity["theme"] = "学习十九大精神"
                activities.append(activity)
    for i in range(24):
        villages = [village_records[(i * 3 + k) % len(village_records)]["id"] for k in range(2)]
        inspections.append({
            "id": f"i{i + 1:02d}", "date": (date(2017, 10, 16) + timedelta(days=i % 30)).isoformat(),
            "group": i % 4 + 1, "villages": villages, "methods": ["听", "看", "查"],
            "checks": {c: RESULTS[(i + k) % 5 // 2] for k, c in enumerate(CHECKS)},
            "findings": "帮扶措施还需细化", "follow_up": "约谈" if i % 6 == 0 else "",
        })
    for name, records in (("units", unit_records), ("branches", branch_records), ("villages", village_records),
                          ("activities", activities), ("inspections", inspections)):
        _dump(content / f"{name}.yaml", records)
    (content / "stories").mkdir()
    return content
