"""Units in their official order (`order`, 排序) wherever they are listed, public and internal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.build import build_site
from generator.content.load import load_content
from generator.errors import ContentError
from generator.model.validate import validate_content

UNITS = """- id: hosp
  name: 市第四人民医院
  short_name: 四院
  kind: 医院
  order: 2
- id: agri
  name: 市农科院
  kind: 事业单位
  order: 1
- id: aaa
  name: 市档案馆
  kind: 机关
- id: zzz
  name: 市总工会
  kind: 群团
  order: 1
"""
BRANCHES_EXTRA = """- id: aaa-b1
  name: 市档案馆机关党支部
  unit: aaa
  members: 9
- id: zzz-b1
  name: 市总工会机关党支部
  unit: zzz
  members: 11
"""
# by order, ties and units without an order by id; those without come last
EXPECTED = ["agri", "zzz", "hosp", "aaa"]
NAMES = {"agri": "市农科院", "zzz": "市总工会", "hosp": "市第四人民医院", "aaa": "市档案馆"}


@pytest.fixture
def content(scratch) -> Path:  # type: ignore[no-untyped-def]
    return scratch({"units.yaml": UNITS, "branches/more.yaml": BRANCHES_EXTRA})


def _order_of(text: str) -> list[str]:
    """Return the unit ids in the order their names first appear in `text`."""
    places = {uid: text.find(name) for uid, name in NAMES.items() if name in text}
    return sorted(places, key=places.__getitem__)


@pytest.mark.parametrize(("value", "line"), [("-1", 5), ("第一", 5), ("1.5", 5), ("true", 5)])
def test_order_must_be_a_whole_number_not_below_zero(scratch, value: str, line: int) -> None:  # type: ignore[no-untyped-def]
    units = UNITS.replace("order: 2", f"order: {value}")
    with pytest.raises(ContentError) as caught:
        validate_content(load_content(scratch({"units.yaml": units})))
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 1 and messages[0].startswith(f"content/units.yaml:{line}: order: 应为不小于 0 的整数")


def test_the_model_keeps_units_in_their_official_order(content: Path) -> None:
    site = validate_content(load_content(content))
    assert [u.id for u in site.units] == EXPECTED
    assert [u.order for u in site.units] == [1, 1, 2, None]


def test_every_list_of_units_follows_the_order(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(content, out, search=False)
    public, internal = out / "public", out / "internal"
    units_page = (public / "units/index.html").read_text(encoding="utf-8")
    assert _order_of(units_page.split("<main", 1)[1]) == EXPECTED
    assert "按单位编号排列" not in units_page
    # the ledger grids sort their rows by the order of data/units.js; the unit pages' index and the report list in it
    for page in ("data/units.js", "units/index.html", "progress-report.html"):
        table = (internal / page).read_text(encoding="utf-8").split("<main", 1)[-1]
        if page == "progress-report.html":  # the unit table of the report
            table = (internal / page).read_text(encoding="utf-8").split('<table class="units">', 1)[1].split("</table>")[0]
        assert _order_of(table) == EXPECTED, page
    lagging = (internal / "lagging.html").read_text(encoding="utf-8")
    groups = re.findall(r'<li><a href="units/([a-z0-9-]+)\.html#lagging"', lagging)
    assert groups == [u for u in EXPECTED if u in groups] and len(groups) >= 3
    # progress.json is for programs: it keeps id order, as the contract says
    assert [u["unit"] for u in json.loads((internal / "progress.json").read_text())["by_unit"]] == sorted(EXPECTED)
