"""progress.json against a brute-force oracle written straight from the words of spec §3.

The oracle below shares no code with generator/model/progress.py: it loops over the records
the slow, obvious way and does its arithmetic with fractions. Hypothesis builds random
campaigns that hit the edges: pairings and activities on as_of, on the lagging cutoff
and a day either side, records after as_of, activities shared by branches of several
units, the same town name in two counties, half-cent money.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.model.model import Donation, Site
from generator.model.progress import compute_progress, counted_activities, progress_json
from generator.model.sums import merged, sums_of
from tests import campaigns as c

UNIT_IDS = ["u-a", "u-b", "u-c", "u-d"]
VILLAGE_IDS = ["v1", "v2", "v3", "v4", "v5"]
BRANCH_IDS = ["b1", "b2", "b3", "b4", "b5", "b6", "b7"]
THEMES = [None, "献爱心、送温暖", "科技下乡"]


def half_up(value: Fraction, places: int) -> Fraction:
    """Round halves away from zero (values here are never negative)."""
    scale = 10**places
    whole, rest = divmod(value * scale, 1)
    return Fraction(whole + (1 if rest >= Fraction(1, 2) else 0), scale)


def plain(value: Fraction) -> int | float:
    return value.numerator if value.denominator == 1 else float(value)


def yuan(value: float | None) -> Fraction:
    return Fraction(0) if value is None else Fraction(str(value))


def oracle(s: Site) -> dict[str, Any]:
    """Compute progress.json the slow, obvious way."""
    as_of = s.as_of
    unit_of = {}
    for b in s.branches:
        unit_of[b.id] = b.unit
    counted = [a for a in s.activities if a.date <= as_of]

    def is_paired(b: Any) -> bool:
        return b.village is not None and b.paired_on is not None and b.paired_on <= as_of

    paired = [b for b in s.branches if is_paired(b)]
    total = len(s.branches)
    rate = 0.0 if total == 0 else float(half_up(Fraction(len(paired), total), 4))

    def figures(acts: list[Any]) -> dict[str, Any]:
        units: list[str] = []
        branches: list[str] = []
        people = 0
        funds = Fraction(0)
        donated = Fraction(0)
        for a in acts:
            for b in a.branches:
                if b not in branches:
                    branches.append(b)
                if unit_of[b] not in units:
                    units.append(unit_of[b])
            people += a.participants
            funds += yuan(a.funds)
            for d in a.donations:
                donated += yuan(d.value)
        f, d = half_up(funds, 2), half_up(donated, 2)
        return {"count": len(acts), "units": len(units), "branches": len(branches), "participants": people,
                "funds": plain(f), "donation_value": plain(d), "total_value": plain(f + d)}

    themes = {}
    for theme in sorted({a.theme for a in counted if a.theme}):
        themes[theme] = figures([a for a in counted if a.theme == theme])

    quantities: dict[tuple[str, str], Fraction] = {}
    for a in counted:
        for d in a.donations:
            quantities[(d.item, d.unit)] = quantities.get((d.item, d.unit), Fraction(0)) + Fraction(str(d.quantity))
    donations = [{"item": i, "unit": u, "quantity": plain(q)} for (i, u), q in sorted(quantities.items())]

    seen = [i for i in s.inspections if i.date <= as_of]
    villages = {v for i in seen for v in i.villages}
    place = {v.id: v for v in s.villages}
    towns = {place[v].county + "/" + place[v].town for v in villages}
    inspections = {"count": len(seen), "groups": len({i.group for i in seen}), "villages": len(villages),
                   "towns": len(towns)}

    def last_activity(branch_ids: set[str]) -> str | None:
        days = [a.date for a in counted if set(a.branches) & branch_ids]
        return max(days).isoformat() if days else None

    window_start = as_of - timedelta(days=s.settings.lagging_days)  # the window is (start, as_of]
    lagging = []
    for b in sorted(s.branches, key=lambda b: b.id):
        if not is_paired(b):
            lagging.append({"branch": b.id, "reason": "unpaired", "last_activity": last_activity({b.id})})
            continue
        assert b.paired_on is not None
        if b.paired_on > window_start:
            continue  # newly paired: still in its grace period
        active = any(window_start < a.date <= as_of and b.id in a.branches for a in counted)
        if not active:
            lagging.append({"branch": b.id, "reason": "inactive", "last_activity": last_activity({b.id})})

    by_unit = []
    for u in sorted(s.units, key=lambda u: u.id):
        own = {b.id for b in s.branches if b.unit == u.id}
        acts = [a for a in counted if own & set(a.branches)]
        value = sum((yuan(a.funds) + sum((yuan(d.value) for d in a.donations), Fraction(0)) for a in acts),
                    Fraction(0))
        by_unit.append({"unit": u.id, "branches": len(own),
                        "paired": len([b for b in s.branches if b.id in own and is_paired(b)]),
                        "activities": len(acts), "participants": sum(a.participants for a in acts),
                        "total_value": plain(half_up(value, 2)), "last_activity": last_activity(own)})

    return {"as_of": as_of.isoformat(),
            "branches": {"total": total, "paired": len(paired), "rate": rate},
            "activities": figures(counted), "themes": themes, "donations": donations,
            "inspections": inspections, "lagging": lagging, "by_unit": by_unit}


# --- random campaigns -------------------------------------------------------------------------------------------

def money_values() -> st.SearchStrategy[float | None]:
    """Yuan as people write them: whole, to the jiao, to the fen, and the odd half-fen."""
    mils = st.one_of(st.integers(0, 5000).map(lambda n: n * 1000), st.integers(0, 5_000_000))
    return st.one_of(st.none(), mils.map(lambda n: n / 1000))


@st.composite
def campaigns(draw: st.DrawFn) -> Site:
    as_of = date(2017, 11, 24) + timedelta(days=draw(st.integers(-3, 3)))
    lagging_days = draw(st.sampled_from([1, 7, 30]) | st.integers(1, 60))
    cutoff = as_of - timedelta(days=lagging_days)

    def day() -> date:
        edge = st.sampled_from([cutoff - timedelta(days=1), cutoff, cutoff + timedelta(days=1),
                                as_of - timedelta(days=1), as_of, as_of + timedelta(days=1)])
        return draw(st.one_of(edge, edge, st.integers(-90, 10).map(lambda n: as_of + timedelta(days=n))))

    units = [c.unit(u) for u in draw(st.lists(st.sampled_from(UNIT_IDS), unique=True, min_size=0, max_size=4))]
    villages = [c.village(v, town=draw(st.sampled_from(["金郝庄镇", "北城街道办事处"])),
                          county=draw(st.sampled_from(["临清市", "东昌府区"])))
                for v in draw(st.lists(st.sampled_from(VILLAGE_IDS), unique=True, max_size=5))]
    branches = []
    if units:
        for bid in draw(st.lists(st.sampled_from(BRANCH_IDS), unique=True, max_size=7)):
            owner = draw(st.sampled_from(units)).id
            if villages and draw(st.integers(0, 3)):  # mostly paired
                branches.append(c.branch(bid, owner, draw(st.sampled_from(villages)).id, day()))
            else:
                branches.append(c.branch(bid, owner))
    activities = []
    if branches:
        for n in range(draw(st.integers(0, 9))):
            donations = [Donation(draw(st.sampled_from(["棉被", "食用油"])),
                                  draw(st.sampled_from([1, 2, 206, 0.5, 0.25, 1.1])),
                                  draw(st.sampled_from(["套", "床", "桶"])), draw(money_values()))
                         for _ in range(draw(st.integers(0, 3)))]
            listed = draw(st.lists(st.sampled_from([b.id for b in branches]), unique=True, min_size=1, max_size=3))
            activities.append(c.activity(f"a{n}", day(), listed, participants=draw(st.integers(0, 60)),
                                         funds=draw(money_values()), theme=draw(st.sampled_from(THEMES)),
                                         donations=donations))
    inspections = []
    if villages:
        for n in range(draw(st.integers(0, 5))):
            seen = draw(st.lists(st.sampled_from([v.id for v in villages]), unique=True, min_size=1, max_size=3))
            inspections.append(c.inspection(f"i{n}", day(), draw(st.sampled_from(["1", "2", "3", "4"])), seen))
    return c.site(units, branches, villages, activities, inspections, as_of=as_of, lagging_days=lagging_days)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns())
def test_every_field_of_progress_json_matches_the_oracle(s: Site) -> None:
    document = json.loads(progress_json(compute_progress(s)))
    expected = json.loads(json.dumps(oracle(s), ensure_ascii=False))
    assert list(document) == ["as_of", "branches", "activities", "themes", "donations", "inspections", "lagging",
                              "by_unit"]
    for key in expected:
        assert document[key] == expected[key], key


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns(), st.data())
def test_the_sums_of_ledger_files_merged_give_the_same_figures(s: Site, data: st.DataObject) -> None:
    """The build works the activities' sums out file by file and merges them: any split gives the oracle's figures."""
    counted = counted_activities(s)
    files = data.draw(st.lists(st.integers(0, 3), min_size=len(counted), max_size=len(counted)))
    unit_of = {b.id: b.unit for b in s.branches}
    parts = [sums_of([a for a, f in zip(counted, files, strict=True) if f == n], unit_of) for n in range(4)]
    document = json.loads(progress_json(compute_progress(s, merged(parts))))
    assert document == json.loads(json.dumps(oracle(s), ensure_ascii=False))


def test_oracle_rounds_like_the_accounts() -> None:
    # The oracle itself must be right about the edge it checks.
    assert half_up(Fraction("0.005"), 2) == Fraction(1, 100)
    assert half_up(Fraction(1, 32), 4) == Fraction(313, 10000)
    assert math.isclose(float(half_up(Fraction(822, 827), 4)), 0.994)
