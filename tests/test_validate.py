"""Each validation rule of the content model, with the line and field it reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.content.load import load_content
from generator.errors import ContentError
from generator.model.validate import validate_content

BRANCH = "- id: {id}\n  name: 支部\n  unit: hosp\n  members: 3\n"


def problems_of(content: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        validate_content(load_content(content))
    return [str(p) for p in caught.value.problems]


CASES = [
    # (files to write, expected "path:line: field: message" prefix)
    ({"units/x.yaml": "- id: hosp\n  name: 重复\n  kind: 医院\n"},
     "content/units/x.yaml:1: id: 编号“hosp”重复：content/units.yaml:1 已用过"),
    ({"units/x.yaml": "- id: Bad_Id\n  name: 甲\n  kind: 医院\n"}, "content/units/x.yaml:1: id: “Bad_Id”不是合格的编号"),
    ({"units/x.yaml": "- id: x\n  kind: 医院\n"}, "content/units/x.yaml:1: name: 缺少必填字段"),
    ({"units/x.yaml": "- id: x\n  name: 甲\n  kind: 医院\n  nmae: 乙\n"},
     "content/units/x.yaml:4: nmae: 不认识这个字段。是不是想写“name”？"),
    ({"units/x.yaml": "- just a string\n"}, "content/units/x.yaml:1: 每条单位记录应写成“字段: 值”的形式"),
    ({"units/x.yaml": "- id: x\n  name: [甲]\n  kind: 医院\n"}, "content/units/x.yaml:2: name: 应为文字，这里是列表"),
    ({"branches/x.yaml": BRANCH.format(id="x") + "  unit: nosuch\n"}, "content/branches/x.yaml:5: unit: 同一处重复写了这个字段"),
    ({"branches/x.yaml": "- id: x\n  name: 支部\n  unit: hsop\n  members: 3\n"},
     "content/branches/x.yaml:3: unit: 找不到编号为“hsop”的单位；是不是“hosp”？"),
    ({"branches/x.yaml": BRANCH.format(id="x") + "  village: nowhere\n  paired_on: 2017-10-01\n"},
     "content/branches/x.yaml:5: village: 找不到编号为“nowhere”的共建村"),
    ({"branches/x.yaml": BRANCH.format(id="x") + "  village: wanghui\n"},
     "content/branches/x.yaml:5: village: 填写了 village 就要同时填写 paired_on"),
    ({"branches/x.yaml": BRANCH.format(id="x") + "  paired_on: 2017-10-01\n"},
     "content/branches/x.yaml:5: paired_on: 填写了 paired_on 就要同时填写 village"),
    ({"branches/x.yaml": "- id: x\n  name: 支部\n  unit: hosp\n  members: -3\n"},
     "content/branches/x.yaml:4: members: 应为不小于 0 的整数，这里是整数 -3"),
    ({"branches/x.yaml": "- id: x\n  name: 支部\n  unit: hosp\n  members: 3.5\n"},
     "content/branches/x.yaml:4: members: 应为不小于 0 的整数，这里是数字 3.5"),
    ({"branches/x.yaml": "- id: x\n  name: 支部\n  unit: hosp\n  members: true\n"},
     "content/branches/x.yaml:4: members: 应为不小于 0 的整数，这里是是/否（true）"),
    ({"branches/x.yaml": BRANCH.format(id="x") + "  village: wanghui\n  paired_on: 2017/10/01\n"},
     "content/branches/x.yaml:6: paired_on: 日期应写成 YYYY-MM-DD"),
    ({"branches/x.yaml": BRANCH.format(id="x") + "  village: wanghui\n  paired_on: 2017-02-30\n"},
     "content/branches/x.yaml:6: paired_on: 没有 2017-02-30 这一天"),
    ({"villages/x.yaml": "- id: x\n  name: 村\n  town: 镇\n  county: 县\n  needs: [很穷]\n"},
     "content/villages/x.yaml:5: needs 第1项: “很穷”不在可选范围内"),
    ({"activities/x.yaml": "- id: x\n  date: 2017-10-01\n  title: 活动\n  kind: 主题党日\n  branches: []\n  participants: 1\n"},
     "content/activities/x.yaml:5: branches: 至少要列出一项"),
    ({"activities/x.yaml": "- id: x\n  date: 2017-10-01\n  title: 活动\n  kind: 主题党日\n  branches: hosp-b1\n  participants: 1\n"},
     "content/activities/x.yaml:5: branches: 应为列表"),
    ({"activities/x.yaml": "- id: x\n  date: 2017-10-01\n  title: 活动\n  kind: 主题党日\n  branches: [hosp-b1, nope]\n"
                           "  participants: 1\n"},
     "content/activities/x.yaml:5: branches 第2项: 找不到编号为“nope”的支部"),
    ({"activities/x.yaml": "- id: x\n  date: 2017-10-01\n  title: 活动\n  kind: 主题党日\n  branches: [hosp-b1]\n"
                           "  participants: 1\n  funds: .nan\n"},
     "content/activities/x.yaml:7: funds: 应为实际的金额（元），不能是 NaN 或无穷大"),
    ({"activities/x.yaml": "- id: x\n  date: 2017-10-01\n  title: 活动\n  kind: 主题党日\n  branches: [hosp-b1]\n"
                           "  participants: 1\n  funds: 一千元\n"},
     "content/activities/x.yaml:7: funds: 应为不小于 0 的金额（元）"),
    ({"activities/x.yaml": "- id: x\n  date: 2017-10-01\n  title: 活动\n  kind: 主题党日\n  branches: [hosp-b1]\n"
                           "  participants: 1\n  donations:\n    - {item: 棉被, quantity: 5}\n"},
     "content/activities/x.yaml:8: donations 第1项 unit: 缺少必填字段"),
    ({"activities/x.yaml": "- id: x\n  date: 2017-10-01\n  title: 活动\n  kind: 主题党日\n  branches: [hosp-b1]\n"
                           "  participants: 1\n  photos: [../../secret.txt]\n"},
     "content/activities/x.yaml:7: photos 第1项: “../../secret.txt”不能指向 content/assets/ 以外"),
    ({"activities/x.yaml": "- id: x\n  date: 2017-10-01\n  title: 活动\n  kind: 主题党日\n  branches: [hosp-b1]\n"
                           "  participants: 1\n  photos: [nope.jpg]\n"},
     "content/activities/x.yaml:7: photos 第1项: 找不到文件 content/assets/nope.jpg"),
    ({"inspections/x.yaml": "- id: x\n  date: 2017-11-07\n  group: 2\n  villages: [wanghui]\n  methods: [听, 问]\n"},
     "content/inspections/x.yaml:5: methods 第2项: “问”不在可选范围内：听、看、查、访"),
    ({"inspections/x.yaml": "- id: x\n  date: 2017-11-07\n  group: 2\n  villages: [wanghui]\n  checks:\n    摸清村居情况: 很好\n"},
     "content/inspections/x.yaml:6: checks 摸清村居情况: 结果只能是达标、基本达标、未达标之一"),
    ({"inspections/x.yaml": "- id: x\n  date: 2017-11-07\n  group: 2\n  villages: [wanghui]\n  branches: [ghost]\n"},
     "content/inspections/x.yaml:5: branches 第1项: 找不到编号为“ghost”的支部"),
    ({"stories/x.md": "没有 front matter\n"}, "content/stories/x.md:1: 缺少开头的 front matter"),
    ({"stories/x.md": "---\ntitle: 甲\ndate: 2017-10-01\n"}, "content/stories/x.md:1: front matter 没有结束"),
    ({"stories/x.md": "---\ntitle: 甲\ndate: 2017-10-01\nunit: ghost\n---\n正文\n"},
     "content/stories/x.md:4: unit: 找不到编号为“ghost”的单位"),
    ({"stories/x.md": "---\ntitle: 甲\ndate: 2017-10-01\ncover: none.png\n---\n正文\n"},
     "content/stories/x.md:4: cover: 找不到文件 content/assets/none.png"),
    ({"stories/x.md": "---\ntitle: 甲\ndate: 2017-10-01\ndraft: 是\n---\n正文\n"},
     "content/stories/x.md:4: draft: 应为 true 或 false"),
    ({"stories/Bad Name.md": "---\ntitle: 甲\ndate: 2017-10-01\n---\n正文\n"}, "content/stories/Bad Name.md:1: 文件名“Bad Name.md”不合格"),
    ({"site.yaml": "title: 甲\nbase_url: example.org\ncampaign:\n  name: 行动\n  start: 2017-09-01\n"},
     "content/site.yaml:2: base_url: 应为完整网址"),
    ({"site.yaml": "title: 甲\nbase_url: https://example.org/\n"}, "content/site.yaml:1: campaign: 缺少必填字段"),
    ({"site.yaml": None}, "content/site.yaml: 缺少 site.yaml"),
]


@pytest.mark.parametrize(("files", "expected"), CASES, ids=[c[1].split(": ", 1)[0] + " " + c[1][-12:] for c in CASES])
def test_rule_reports_location_and_message(scratch, files: dict[str, str | None], expected: str) -> None:  # type: ignore[no-untyped-def]
    found = problems_of(scratch(files))
    assert any(p.startswith(expected) for p in found), found


def test_every_problem_is_reported_at_once(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({
        "branches/x.yaml": "- id: x\n  name: 支部\n  unit: ghost\n  members: 3\n",
        "activities/x.yaml": "- id: x\n  date: 2017-1-1\n  title: 活动\n  kind: 主题党日\n  branches: [hosp-b1]\n  participants: 1\n",
        "villages/x.yaml": "- id: y\n  name: [\n",
    })
    found = problems_of(content)
    assert len(found) == 3
    assert found[0].startswith("content/activities/x.yaml:2: date:")
    assert found[1].startswith("content/branches/x.yaml:3: unit:")
    assert found[2].startswith("content/villages/x.yaml:")


def test_valid_fixture_builds_an_immutable_model(scratch) -> None:  # type: ignore[no-untyped-def]
    site = validate_content(load_content(scratch()))
    assert [u.id for u in site.units] == ["agri", "hosp"]
    branch = next(b for b in site.branches if b.id == "hosp-b1")
    assert branch.secretary == "张书记" and branch.village == "wanghui"
    with pytest.raises(AttributeError):
        branch.members = 1  # type: ignore[misc]
    assert site.settings.base_url == "https://example.org/gj/"
    assert [s.slug for s in site.stories] == ["draft-note", "wanghui-health"]


def test_as_of_defaults_to_latest_record_date(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"site.yaml": "title: 甲\nbase_url: https://example.org/\ncampaign:\n  name: 行动\n  start: 2017-09-01\n"})
    assert validate_content(load_content(content)).as_of.isoformat() == "2017-12-05"
