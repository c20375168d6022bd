"""Build small Site objects directly from the model, for tests of the computed figures and internal pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from generator.model.model import (
    Activity,
    Branch,
    Campaign,
    Donation,
    Inspection,
    Settings,
    Site,
    Source,
    Unit,
    Village,
    unit_order,
)

AS_OF = date(2017, 11, 24)
HERE = Source("test.yaml", 1)


def unit(uid: str, name: str | None = None) -> Unit:
    return Unit(uid, name or f"单位{uid}", "", "机关", {}, {}, HERE)


def village(vid: str, town: str = "金郝庄镇", county: str = "临清市", name: str | None = None) -> Village:
    return Village(vid, name or f"{vid}村", town, county, (), (), {}, {}, HERE)


def branch(bid: str, unit_id: str, village_id: str | None = None, paired_on: date | None = None,
           members: int = 10, name: str | None = None, secretary: str | None = None, phone: str | None = None,
           member_pairs: int | None = None, household_pairs: int | None = None) -> Branch:
    return Branch(bid, name or f"{bid}支部", unit_id, members, village_id, paired_on, secretary, phone,
                  member_pairs, household_pairs, {}, {}, HERE)


def activity(aid: str, day: date, branches: Sequence[str], participants: int = 0, funds: float | None = None,
             theme: str | None = None, donations: Sequence[Donation] = (), villages: Sequence[str] = (),
             kind: str = "主题党日", title: str | None = None) -> Activity:
    return Activity(aid, day, title or f"活动{aid}", kind, theme, tuple(branches), tuple(villages), participants,
                    funds, tuple(donations), (), None, (), {}, {}, HERE)


def inspection(iid: str, day: date, group: str, villages: Sequence[str], branches: Sequence[str] = (),
               checks: Sequence[tuple[str, str]] = (), findings: str = "", follow_up: str = "",
               methods: Sequence[str] = ("听", "看")) -> Inspection:
    return Inspection(iid, day, group, tuple(villages), tuple(branches), tuple(methods), tuple(checks), findings,
                      follow_up, {}, {}, HERE)


def site(units: Sequence[Unit] = (), branches: Sequence[Branch] = (), villages: Sequence[Village] = (),
         activities: Sequence[Activity] = (), inspections: Sequence[Inspection] = (), as_of: date = AS_OF,
         lagging_days: int = 30) -> Site:
    settings = Settings("测试共建", "https://example.org/", "测试工委", "zh-CN",
                        Campaign("“1+1”好支部共建行动", date(2017, 9, 1)), as_of, lagging_days, False, {})
    by_id = sorted  # the validated Site keeps records sorted by id
    return Site(settings, as_of,
                tuple(sorted(units, key=unit_order)), tuple(by_id(branches, key=lambda r: r.id)),
                tuple(by_id(villages, key=lambda r: r.id)), tuple(by_id(activities, key=lambda r: r.id)),
                tuple(by_id(inspections, key=lambda r: r.id)), (), frozenset())
