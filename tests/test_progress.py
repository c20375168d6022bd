"""Each counting rule of spec §3, pinned by a small hand-made campaign."""

from __future__ import annotations

import json
from datetime import date, timedelta

from generator.model.model import Donation
from generator.model.progress import compute_progress, progress_document, progress_json
from tests import campaigns as c

AS_OF = c.AS_OF
CUTOFF = AS_OF - timedelta(days=30)
DAY = timedelta(days=1)


def doc(**kwargs):  # type: ignore[no-untyped-def]
    return progress_document(compute_progress(c.site(**kwargs)))


def test_only_records_on_or_before_as_of_count() -> None:
    d = doc(units=[c.unit("u")], villages=[c.village("v")],
            branches=[c.branch("b", "u", "v", AS_OF - DAY)],
            activities=[c.activity("on", AS_OF, ["b"], 5), c.activity("after", AS_OF + DAY, ["b"], 7)],
            inspections=[c.inspection("i1", AS_OF, "1", ["v"]), c.inspection("i2", AS_OF + DAY, "2", ["v"])])
    assert d["activities"]["count"] == 1 and d["activities"]["participants"] == 5
    assert d["inspections"] == {"count": 1, "groups": 1, "villages": 1, "towns": 1}
    assert d["by_unit"][0]["last_activity"] == AS_OF.isoformat()


def test_a_branch_paired_after_as_of_is_unpaired() -> None:
    d = doc(units=[c.unit("u")], villages=[c.village("v")],
            branches=[c.branch("on", "u", "v", AS_OF), c.branch("later", "u", "v", AS_OF + DAY)])
    assert d["branches"] == {"total": 2, "paired": 1, "rate": 0.5}
    assert d["lagging"] == [{"branch": "later", "reason": "unpaired", "last_activity": None}]
    assert d["by_unit"][0]["paired"] == 1


def test_rate_is_a_fraction_to_four_places_rounding_halves_up() -> None:
    branches = [c.branch(f"b{n:02}", "u", "v", AS_OF) for n in range(31)] + [c.branch("zz", "u")]
    d = doc(units=[c.unit("u")], villages=[c.village("v")], branches=branches)
    assert d["branches"]["rate"] == 0.9688  # 31/32 = 0.96875
    assert doc()["branches"] == {"total": 0, "paired": 0, "rate": 0.0}


def test_towns_are_county_and_town() -> None:
    d = doc(villages=[c.village("v1", "金郝庄镇", "临清市"), c.village("v2", "金郝庄镇", "东阿县"),
                      c.village("v3", "金郝庄镇", "临清市")],
            inspections=[c.inspection("i", AS_OF, "1", ["v1", "v2", "v3"])])
    assert d["inspections"]["villages"] == 3 and d["inspections"]["towns"] == 2


def test_inspection_groups_are_distinct() -> None:
    d = doc(villages=[c.village("v")],
            inspections=[c.inspection("i1", AS_OF, "1", ["v"]), c.inspection("i2", AS_OF, "1", ["v"]),
                         c.inspection("i3", AS_OF, "2", ["v"])])
    assert d["inspections"] == {"count": 3, "groups": 2, "villages": 1, "towns": 1}


def test_an_activity_counts_in_full_for_each_unit_it_touches() -> None:
    d = doc(units=[c.unit("u1"), c.unit("u2"), c.unit("u3")],
            branches=[c.branch("a", "u1"), c.branch("b", "u1"), c.branch("x", "u2")],
            activities=[c.activity("joint", AS_OF, ["a", "b", "x"], 10, funds=100,
                                   donations=[Donation("棉被", 2, "床", 50)])])
    rows = {r["unit"]: r for r in d["by_unit"]}
    for uid in ("u1", "u2"):
        assert rows[uid]["activities"] == 1 and rows[uid]["participants"] == 10 and rows[uid]["total_value"] == 150
    assert rows["u3"] == {"unit": "u3", "branches": 0, "paired": 0, "activities": 0, "participants": 0,
                          "total_value": 0, "last_activity": None}
    assert d["activities"] == {"count": 1, "units": 2, "branches": 3, "participants": 10, "funds": 100,
                               "donation_value": 50, "total_value": 150}


def test_lagging_grace_period_for_newly_paired_branches() -> None:
    d = doc(units=[c.unit("u")], villages=[c.village("v")],
            branches=[c.branch("at-cutoff", "u", "v", CUTOFF), c.branch("after-cutoff", "u", "v", CUTOFF + DAY),
                      c.branch("unpaired", "u")])
    assert d["lagging"] == [
        {"branch": "at-cutoff", "reason": "inactive", "last_activity": None},
        {"branch": "unpaired", "reason": "unpaired", "last_activity": None},
    ]


def test_lagging_window_excludes_the_cutoff_day_and_includes_as_of() -> None:
    d = doc(units=[c.unit("u")], villages=[c.village("v")],
            branches=[c.branch("b1", "u", "v", CUTOFF - DAY), c.branch("b2", "u", "v", CUTOFF - DAY),
                      c.branch("b3", "u", "v", CUTOFF - DAY), c.branch("b4", "u", "v", CUTOFF - DAY)],
            activities=[c.activity("a1", CUTOFF, ["b1"]), c.activity("a2", CUTOFF + DAY, ["b2"]),
                        c.activity("a3", AS_OF, ["b3"]), c.activity("a4", AS_OF + DAY, ["b4"])])
    assert d["lagging"] == [
        {"branch": "b1", "reason": "inactive", "last_activity": CUTOFF.isoformat()},
        {"branch": "b4", "reason": "inactive", "last_activity": None},
    ]


def test_lagging_days_comes_from_settings() -> None:
    d = doc(units=[c.unit("u")], villages=[c.village("v")], lagging_days=7,
            branches=[c.branch("b", "u", "v", AS_OF - timedelta(days=7))],
            activities=[c.activity("a", AS_OF - timedelta(days=7), ["b"])])
    assert d["lagging"] == [{"branch": "b", "reason": "inactive", "last_activity": "2017-11-17"}]


def test_unpaired_branches_carry_their_last_activity() -> None:
    d = doc(units=[c.unit("u")], branches=[c.branch("b", "u")],
            activities=[c.activity("a", date(2017, 10, 1), ["b"]), c.activity("z", date(2017, 10, 9), ["b"])])
    assert d["lagging"] == [{"branch": "b", "reason": "unpaired", "last_activity": "2017-10-09"}]


def test_themes_and_donations() -> None:
    d = doc(units=[c.unit("u1"), c.unit("u2")], branches=[c.branch("a", "u1"), c.branch("b", "u2")],
            activities=[
                c.activity("a1", AS_OF, ["a"], 3, theme="献爱心、送温暖", donations=[Donation("棉被", 206, "套", None)]),
                c.activity("a2", AS_OF, ["b"], 4, theme="献爱心、送温暖", donations=[Donation("棉被", 124, "床", 10)]),
                c.activity("a3", AS_OF, ["a"], 5, donations=[Donation("棉被", 4, "套", None),
                                                             Donation("大米", 0.5, "吨", None)]),
            ])
    assert list(d["themes"]) == ["献爱心、送温暖"]
    assert d["themes"]["献爱心、送温暖"] == {"count": 2, "units": 2, "branches": 2, "participants": 7, "funds": 0,
                                          "donation_value": 10, "total_value": 10}
    assert d["donations"] == [{"item": "大米", "unit": "吨", "quantity": 0.5},
                              {"item": "棉被", "unit": "套", "quantity": 210},
                              {"item": "棉被", "unit": "床", "quantity": 124}]


def test_money_is_exact_to_two_places_and_total_adds_up_as_printed() -> None:
    d = doc(units=[c.unit("u")], branches=[c.branch("b", "u")],
            activities=[c.activity(f"a{n}", AS_OF, ["b"], funds=0.1) for n in range(3)]
            + [c.activity("d", AS_OF, ["b"], donations=[Donation("x", 1, "个", 0.005)])])
    # 0.1 three times is 0.3, not 0.30000000000000004; half a fen rounds up.
    assert d["activities"]["funds"] == 0.3
    assert d["activities"]["donation_value"] == 0.01
    assert d["activities"]["total_value"] == 0.31
    assert d["by_unit"][0]["total_value"] == 0.31


def test_json_has_exactly_the_names_of_the_spec() -> None:
    text = progress_json(compute_progress(c.site(units=[c.unit("u")], branches=[c.branch("b", "u")],
                                                 activities=[c.activity("a", AS_OF, ["b"], theme="送温暖")])))
    d = json.loads(text)
    assert list(d) == ["as_of", "branches", "activities", "themes", "donations", "inspections", "lagging", "by_unit"]
    assert list(d["branches"]) == ["total", "paired", "rate"]
    assert list(d["activities"]) == ["count", "units", "branches", "participants", "funds", "donation_value",
                                     "total_value"]
    assert list(d["inspections"]) == ["count", "groups", "villages", "towns"]
    assert list(d["lagging"][0]) == ["branch", "reason", "last_activity"]
    assert list(d["by_unit"][0]) == ["unit", "branches", "paired", "activities", "participants", "total_value",
                                     "last_activity"]
    assert '"送温暖"' in text and text.endswith("}\n")  # Chinese stays readable, not escaped


def test_progress_change_counts_what_is_dated_after_since_up_to_as_of() -> None:
    from generator.model.progress import progress_change

    since = AS_OF - 7 * DAY
    site = c.site(units=[c.unit("u")], villages=[c.village("v")],
                  branches=[c.branch("old", "u", "v", since), c.branch("new", "u", "v", since + DAY),
                            c.branch("later", "u", "v", AS_OF + DAY)],
                  activities=[c.activity("on-since", since, ["old"], 3, funds=100),
                              c.activity("in", since + DAY, ["old"], 5, funds=200.5),
                              c.activity("on-as-of", AS_OF, ["new"], 7),
                              c.activity("after", AS_OF + DAY, ["new"], 11, funds=1000)],
                  inspections=[c.inspection("i0", since, "1", ["v"]), c.inspection("i1", AS_OF, "1", ["v"])])
    change = progress_change(site, compute_progress(site), since)
    assert (change.since, change.as_of, change.days) == (since, AS_OF, 7)
    assert (change.paired, change.activities, change.participants) == (1, 2, 5 + 7)
    assert change.total_value == 200.5 and change.inspections == 1
    # "new" was unpaired on `since`, "later" is unpaired on both days.
    assert (change.lagging_before, change.lagging_now) == (2, 1)
