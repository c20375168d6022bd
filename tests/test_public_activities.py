"""How the public pages describe an activity: who took part by name, money in the right words, the kinds used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.build import build_site

CASH_ONLY = """- id: a9
  date: 2017-11-20
  title: 慰问困难党员
  kind: 济贫帮困
  branches: [agri-b1]
  villages: [wanghui, dongcun]
  participants: 3
  funds: 800
"""


@pytest.fixture
def public(scratch, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    build_site(scratch({"activities/cash.yaml": CASH_ONLY}), tmp_path / "site", search=False)
    return tmp_path / "site" / "public"


def _item(page: str, title: str) -> str:
    """Return the timeline entry of the activity titled `title`."""
    start = page.index(f">{title}</h")
    return page[start:page.index("</li>\n", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def test_the_timeline_names_branches_and_villages_with_links(public: Path) -> None:
    page = (public / "activities/index.html").read_text(encoding="utf-8")
    joint = _item(page, "科技培训")
    assert '<a href="../units/agri/#agri-b1">市农科院机关党支部</a>' in joint
    assert '<a href="../units/hosp/#hosp-b2">市第四人民医院第二党支部</a>' in joint
    cash = _text(_item(page, "慰问困难党员"))
    assert "王辉村、东村" in cash or "东村、王辉村" in cash
    assert not re.search(r"\d+个支部|\d+个共建村", _text(page))  # names, not counts
    unit_page = (public / "units/hosp/index.html").read_text(encoding="utf-8")
    assert 'id="hosp-b2"' in unit_page  # the branch link lands on its row


def test_cash_is_invested_funds_and_only_goods_are_valued(public: Path) -> None:
    page = (public / "activities/index.html").read_text(encoding="utf-8")
    cash = _text(_item(page, "慰问困难党员"))
    assert "投入资金800元" in cash and "折合" not in cash
    both = _text(_item(page, "送健康下乡义诊"))
    assert "投入资金1,000元" in both and "捐赠物资折合2,000.50元" in both
    assert "3,000.5" not in both  # cash and goods are not added up as one 折合 figure


def test_the_timeline_intro_lists_the_kinds_actually_used(public: Path) -> None:
    page = (public / "activities/index.html").read_text(encoding="utf-8")
    lead = _text(re.search(r'<p class="lead">(.*?)</p>', page, re.S).group(1))  # type: ignore[union-attr]
    kinds = re.fullmatch(r"机关党支部在共建村开展的(.*)活动。", lead).group(1).split("、")  # type: ignore[union-attr]
    # a3 (主题党日) is after as_of: not counted, not named; nothing from the example city's list either
    assert sorted(kinds) == sorted(["送健康下乡", "科技培训", "济贫帮困"])
    assert "主题党日" not in page.split("<main", 1)[1].split("</main>")[0]


def test_a_long_list_of_branches_folds_but_keeps_every_name(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    branches = "".join(f"- id: agri-x{n}\n  name: 市农科院第{n}支部\n  unit: agri\n  members: 5\n" for n in range(1, 8))
    activity = ("- id: big\n  date: 2017-11-21\n  title: 联合宣讲\n  kind: 思想教育\n"
                f"  branches: [{', '.join(f'agri-x{n}' for n in range(1, 8))}]\n  participants: 30\n")
    build_site(scratch({"branches/more.yaml": branches, "activities/big.yaml": activity}), tmp_path / "site", search=False)
    page = (tmp_path / "site/public/activities/index.html").read_text(encoding="utf-8")
    item = _item(page, "联合宣讲")
    folded = re.search(r'<details class="who"><summary>(.*?)</summary>(.*?)</details>', item, re.S)
    assert folded is not None and _text(folded.group(1)) == "7个支部参加（展开名单）"
    assert all(f'href="../units/agri/#agri-x{n}">市农科院第{n}支部</a>' in folded.group(2) for n in range(1, 8))
    assert "<details" not in _item(page, "科技培训")  # two branches: shown as they are
