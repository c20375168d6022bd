"""Which unit a record belongs to, so an import never silently takes over another unit's record; generated ids."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.content.load import RawContent, RawRecord
from generator.model.validate import plain
from generator.office.records_write import canonical, record_data

OWNED = ("branches", "villages", "activities")  # units are their own owners; inspections are the committee's
WHAT = {"branches": "支部", "villages": "共建村", "activities": "活动"}
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _data(raw: RawRecord) -> dict[str, Any]:
    return raw.data if isinstance(raw.data, dict) else {}


def _units_of(branches: Any, unit_of: Mapping[str, str]) -> set[str]:
    if not isinstance(branches, list):
        return set()
    return {unit_of[b] for b in branches if isinstance(b, str) and b in unit_of}


def branch_units(records: Iterable[RawRecord]) -> dict[str, str]:
    """Return branch id → unit id of raw branch records."""
    found: dict[str, str] = {}
    for raw in records:
        data = _data(raw)
        rid, unit = _str(data.get("id")), _str(data.get("unit"))
        if rid and unit:
            found[rid] = unit
    return found


@dataclass(frozen=True)
class Clash:
    """An incoming record whose id is held by another unit's record in content/."""

    kind: str
    rid: str
    old: RawRecord
    new: RawRecord
    old_units: frozenset[str]
    new_units: frozenset[str]


def _title(raw: RawRecord) -> str:
    data = _data(raw)
    return str(data.get("title") or data.get("name") or "")


def describe_old(clash: Clash) -> str:
    """Return the existing record as “content/activities/czj.yaml:3（czj 的活动“…”）”."""
    who = "、".join(sorted(clash.old_units))
    title = _title(clash.old)
    return f"{clash.old.path}:{clash.old.line}（{who} 的{WHAT[clash.kind]}{f'“{title}”' if title else ''}）"


def clashes(content: RawContent, incoming: Mapping[str, Sequence[RawRecord]]) -> list[Clash]:
    """Return the incoming records that would replace, with changes, a record of content/ owned by other units.

    The owner of a branch is its unit; of an activity, the units of its branches; of a village,
    the units whose branches are paired with it (for an incoming village: pairings in its own
    workbook, else the units that workbook speaks for). No owner known on either side: no clash.
    """
    old_unit_of = branch_units(content.records["branches"])
    new_unit_of = {**old_unit_of, **branch_units(incoming.get("branches", ()))}
    old_village_units: dict[str, set[str]] = {}
    for raw in content.records["branches"]:
        village, unit = _str(_data(raw).get("village")), _str(_data(raw).get("unit"))
        if village and unit:
            old_village_units.setdefault(village, set()).add(unit)
    file_units: dict[str, set[str]] = {}  # workbook → units it speaks for
    file_village_units: dict[tuple[str, str], set[str]] = {}
    for raw in incoming.get("units", ()):
        if (rid := _str(_data(raw).get("id"))) is not None:
            file_units.setdefault(raw.path, set()).add(rid)
    for raw in incoming.get("branches", ()):
        unit, village = _str(_data(raw).get("unit")), _str(_data(raw).get("village"))
        if unit:
            file_units.setdefault(raw.path, set()).add(unit)
            if village:
                file_village_units.setdefault((raw.path, village), set()).add(unit)
    for raw in incoming.get("activities", ()):
        file_units.setdefault(raw.path, set()).update(_units_of(_data(raw).get("branches"), new_unit_of))

    found: list[Clash] = []
    for kind in OWNED:
        existing = {rid: raw for raw in content.records[kind] if (rid := _str(_data(raw).get("id"))) is not None}
        for raw in incoming.get(kind, ()):
            rid = _str(_data(raw).get("id"))
            old = existing.get(rid) if rid else None
            if rid is None or old is None:
                continue
            data, old_data = _data(raw), _data(old)
            old_units: set[str]
            new_units: set[str]
            if kind == "branches":
                old_units = {u for u in (_str(old_data.get("unit")),) if u}
                new_units = {u for u in (_str(data.get("unit")),) if u}
            elif kind == "activities":
                old_units = _units_of(old_data.get("branches"), old_unit_of)
                new_units = _units_of(data.get("branches"), new_unit_of)
            else:
                old_units = old_village_units.get(rid, set())
                new_units = file_village_units.get((raw.path, rid)) or file_units.get(raw.path, set())
            if not old_units or not new_units or old_units & new_units:
                continue
            if canonical(plain(old_data)) == canonical(record_data(raw.data)):
                continue  # the same record: nothing would be lost
            found.append(Clash(kind, rid, old, raw, frozenset(old_units), frozenset(new_units)))
    return found


def generate_activity_ids(content: RawContent, incoming: Mapping[str, Sequence[RawRecord]]) -> list[tuple[RawRecord, str]]:
    """Give each incoming activity without an id one: 单位编号-日期-序号 (czj-20240305-1); return those given.

    An activity of the same unit with the same date and title already in content/ keeps its id, so a
    workbook imported twice updates instead of adding the rows again.
    """
    unit_of = {**branch_units(content.records["branches"]), **branch_units(incoming.get("branches", ()))}
    taken = {rid for raw in content.records["activities"] if (rid := _str(_data(raw).get("id")))}
    taken |= {rid for raw in incoming.get("activities", ()) if (rid := _str(_data(raw).get("id")))}
    known: dict[tuple[str, str, str], str] = {}
    for raw in content.records["activities"]:
        data = _data(raw)
        rid = _str(data.get("id"))
        for unit in sorted(_units_of(data.get("branches"), unit_of)):
            if rid:
                known.setdefault((unit, str(data.get("date"))[:10], str(data.get("title"))), rid)
    given: list[tuple[RawRecord, str]] = []
    for raw in incoming.get("activities", ()):
        data = _data(raw)
        if data.get("id") is not None:
            continue
        branches = data.get("branches")
        first = next((unit_of[b] for b in branches if isinstance(b, str) and b in unit_of), None) \
            if isinstance(branches, list) else None
        day = _ISO.match(str(data.get("date")))
        if first is None or day is None:
            continue  # the branch or date cell gets its own message; the id is left to the rules
        rid = known.pop((first, day.group(0), str(data.get("title"))), "")  # popped: one row per activity
        number = 1
        while not rid:
            candidate = f"{first}-{''.join(day.groups())}-{number}"
            rid = "" if candidate in taken else candidate
            number += 1
        taken.add(rid)
        data["id"] = rid
        given.append((raw, rid))
    return given
