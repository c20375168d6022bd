"""The incremental engine: random edit sequences give what a cold evaluation gives, and no more work than needed."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.engine import Engine, query, same
from generator.errors import ContentError, Problem

KEYS = ("a", "b", "c", "d")
RUNS: Counter[str] = Counter()


@query
def cell(engine: Engine, key: str) -> int:
    RUNS[f"cell {key}"] += 1
    return int(engine.input(("cell", key), 0))


@query
def parity(engine: Engine, key: str) -> int:
    RUNS[f"parity {key}"] += 1
    return cell(engine, key) % 2  # changes less often than the cell: dependents are cut off


@query
def chooser(engine: Engine) -> int:
    """Reads a different set of cells depending on an input: dependencies are what was read this time."""
    RUNS["chooser"] += 1
    if parity(engine, "a") == 0:
        return cell(engine, "b") * 10
    return cell(engine, "c") + parity(engine, "d")


@query
def checked(engine: Engine, key: str) -> int:
    RUNS[f"checked {key}"] += 1
    value = cell(engine, key)
    if value > 90:
        raise ContentError([Problem(f"{key}.yaml", value, "value", "太大")])
    return value


@query
def total(engine: Engine) -> int:
    RUNS["total"] += 1
    found = 0
    for key in KEYS:
        try:
            found += checked(engine, key)
        except ContentError:
            found -= 1
    return found + chooser(engine)


def cold(values: dict[str, int]) -> tuple[int, int]:
    """The same functions written without the engine."""
    def cell_(k: str) -> int:
        return values.get(k, 0)
    choose = cell_("b") * 10 if cell_("a") % 2 == 0 else cell_("c") + cell_("d") % 2
    return sum(-1 if cell_(k) > 90 else cell_(k) for k in KEYS) + choose, choose


edits = st.lists(st.tuples(st.sampled_from(KEYS), st.one_of(st.integers(0, 100), st.none())), max_size=30)


@settings(max_examples=300, deadline=None)
@given(edits)
def test_random_edits_equal_a_cold_evaluation(sequence: list[tuple[str, int | None]]) -> None:
    engine = Engine()
    values: dict[str, int] = {}
    for key, value in sequence:
        if value is None:
            engine.remove_input(("cell", key))
            values.pop(key, None)
        else:
            engine.set_input(("cell", key), value)
            values[key] = value
        assert (total(engine), chooser(engine)) == cold(values)
    fresh = Engine()
    for key, value in values.items():
        fresh.set_input(("cell", key), value)
    assert total(fresh) == total(engine)


def test_nothing_runs_again_without_a_change() -> None:
    engine = Engine()
    engine.set_input(("cell", "a"), 1)
    total(engine)
    RUNS.clear()
    assert engine.set_input(("cell", "a"), 1) is False  # the same value is no change
    total(engine)
    assert not RUNS


def test_only_what_read_a_changed_input_runs_again() -> None:
    engine = Engine()
    total(engine)
    RUNS.clear()
    engine.set_input(("cell", "d"), 5)
    total(engine)
    # a is 0 (even), so chooser read a and b, not d: it is not run again
    assert dict(RUNS) == {"cell d": 1, "checked d": 1, "total": 1}


def test_early_cutoff_keeps_dependents() -> None:
    engine = Engine()
    engine.set_input(("cell", "a"), 2)
    total(engine)
    RUNS.clear()
    engine.set_input(("cell", "a"), 4)  # parity of a unchanged: chooser is not run again
    total(engine)
    assert RUNS["parity a"] == 1 and RUNS["chooser"] == 0 and RUNS["total"] == 1


def test_backdated_value_is_the_same_object() -> None:
    @query
    def listing(engine: Engine) -> tuple[str, ...]:
        return tuple(sorted(str(engine.input(("cell", k), 0)) for k in KEYS))

    engine = Engine()
    engine.set_input(("cell", "a"), 1)
    first = listing(engine)
    engine.set_input(("cell", "a"), 0)
    engine.set_input(("cell", "b"), 1)  # sorted, the listing is equal: the old object is kept
    assert listing(engine) is first


def test_errors_are_remembered_and_cut_off() -> None:
    engine = Engine()
    engine.set_input(("cell", "a"), 95)
    with pytest.raises(ContentError) as first:
        checked(engine, "a")
    RUNS.clear()
    with pytest.raises(ContentError) as again:
        checked(engine, "a")
    assert again.value is first.value and not RUNS
    engine.set_input(("cell", "a"), 3)
    assert checked(engine, "a") == 3


def test_strict_sameness() -> None:
    assert not same(1, 1.0) and not same(True, 1) and not same((1,), [1])
    assert same({"a": (1, Decimal("2.0"))}, {"a": (1, Decimal("2.0"))})
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})  # order shows in output
    assert not same(lambda: 1, lambda: 1)


def test_a_cycle_is_an_error_not_a_hang() -> None:
    @query
    def ouroboros(engine: Engine) -> int:
        return ouroboros(engine)

    with pytest.raises(RuntimeError):
        ouroboros(Engine())


def test_collect_forgets_what_nothing_asked_for() -> None:
    engine = Engine()
    for key in KEYS:
        engine.set_input(("cell", key), 1)
        cell(engine, key)
    engine.set_input(("cell", "a"), 2)
    cell(engine, "a")
    assert engine.collect() == 3 and engine.remembered() == 1


# Inputs in groups (engine.input_group: a path is cut at its first folder): "left/a" and "left/b" share one.
PLACES = {"a": "left/a", "b": "left/b", "c": "right/c", "d": "d"}


@query
def placed(engine: Engine, key: str) -> int:
    return int(engine.input(("placed", PLACES[key]), 0))


@query
def picked(engine: Engine) -> int:
    """Reads other groups depending on a value: a result's groups must follow what it read last."""
    if placed(engine, "a") % 2 == 0:
        return placed(engine, "b") * 10
    return placed(engine, "c") + placed(engine, "d") % 2


@query
def summed(engine: Engine, keys: tuple[str, ...]) -> int:
    return sum(placed(engine, key) for key in keys) + picked(engine)


def _picked_cold(values: dict[str, int]) -> int:
    a, b, c, d = (values.get(k, 0) for k in "abcd")
    return b * 10 if a % 2 == 0 else c + d % 2


steps = st.lists(st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(KEYS), st.one_of(st.integers(0, 9), st.none())),
    st.tuples(st.just("ask"), st.lists(st.sampled_from(KEYS), max_size=3).map(tuple), st.none()),
    st.tuples(st.just("collect"), st.none(), st.none()),
), max_size=40)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_grouped_inputs_asked_now_and_then_equal_a_cold_evaluation(sequence: list[tuple[str, object, object]]) -> None:
    """A result found valid by its groups alone, and what `collect` keeps under it, give what a cold run gives."""
    engine = Engine()
    values: dict[str, int] = {}
    for step, what, value in sequence:
        if step == "edit":
            assert isinstance(what, str)
            if value is None:
                engine.remove_input(("placed", PLACES[what]))
                values.pop(what, None)
            else:
                engine.set_input(("placed", PLACES[what]), value)
                values[what] = int(value)  # type: ignore[call-overload]
        elif step == "ask":
            assert isinstance(what, tuple)
            engine.begin()
            expected = sum(values.get(k, 0) for k in what) + _picked_cold(values)
            assert summed(engine, what) == expected
        else:
            engine.collect()
        assert picked(engine) == _picked_cold(values)


def test_a_result_whose_groups_did_not_change_is_valid_without_walking(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine()
    engine.set_input(("placed", "left/a"), 1)
    engine.set_input(("placed", "right/c"), 2)
    assert summed(engine, ("c",)) == 2 + 2  # a odd: picked reads c and d
    walked: list[object] = []
    walk = Engine._walk

    def counted(self: Engine, deps: tuple[object, ...], since: int) -> int | None:
        walked.append(deps)
        return walk(self, deps, since)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "_walk", counted)
    engine.set_input(("other", "stories/x.md"), "新的一篇")  # a group nothing above read
    assert summed(engine, ("c",)) == 4 and walked == []
    engine.begin()
    assert summed(engine, ("c",)) == 4
    engine.collect()  # what summed depends on stays, though only summed itself was checked
    executed = engine.executed
    engine.set_input(("placed", "left/b"), 5)  # the group of a, which picked read: walked, still valid
    assert summed(engine, ("c",)) == 4 and walked and engine.executed == executed
