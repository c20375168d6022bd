"""Inputs, tracked queries and early cutoff, in the way of salsa (rust-analyzer) and Build Systems à la Carte.

An `Engine` holds inputs (a key → a value, each stamped with the revision in which it
last changed) and the remembered results of queries. A query is a plain function of
the engine and hashable arguments, decorated with `@query`; while it runs, every input
and every other query it asks for is recorded as one of its dependencies. There are
no hand-written keys: what a query read is what it depends on.

Asking for a query at revision R:

1. remembered and already checked at R: the remembered value;
2. remembered, and none of its dependencies changed after it was last checked
   (each query dependency is brought up to date first, recursively): checked at R,
   the remembered value;
3. otherwise it runs again. When the new value is the *same* as the old one (strict:
   same types all the way down, so 1 is not 1.0), the old object is kept and its
   "changed at" revision stays where it was (backdating), so nothing that depends
   on it has to run again: early cutoff.

A query that raises `GongjianError` (a content problem) remembers the error like a
value, with the same cutoff: asking again re-raises it without running again.

Step 2 walks every dependency, recursively: after a story edit, the thousands of
record-checking queries under the validated site would be walked again each time. So
inputs fall into groups by their key (`input_group`: the stories, one ledger folder,
the public pages…), each remembered result knows which groups its inputs (direct or
through other queries) belong to, and the engine knows when each group last changed:
a result none of whose groups changed since it was checked is still valid, without
walking (salsa's "durability", with the groups read off the keys instead of declared).
A result's groups are worked out again whenever its dependencies are walked or it
runs, so they follow what it reads now. `collect` keeps whatever a kept result
depends on, checked or not.

pyinc (PyPI, salsa-style) was measured first and not taken: it snapshots every value
at each query boundary (refusing Decimal and date without adapters, handing back
dataclasses as dicts), and 2,000 trivial queries took far longer than this whole
module needs for 20,000 (see the commit that added it).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, ParamSpec, TypeVar

from generator.errors import GongjianError

P = ParamSpec("P")
T = TypeVar("T")

_VALUE_TYPES = frozenset((str, int, float, bool, bytes, type(None), frozenset, complex))  # a set: tested per object
_MISSING: Any = object()  # the value of an input that was removed (or never set)


class _Same:
    """Strict structural sameness, each pair of objects compared once (ids are safe: both sides stay alive)."""

    def __init__(self) -> None:
        self.known: dict[tuple[int, int], bool] = {}

    def __call__(self, a: Any, b: Any) -> bool:
        if a is b:
            return True
        kind = type(a)
        if kind is not type(b):
            return False
        if kind in _VALUE_TYPES:
            return bool(a == b)
        pair = (id(a), id(b))
        found = self.known.get(pair)
        if found is None:
            found = self.known[pair] = self._compare(a, b, kind)
        return found

    def _compare(self, a: Any, b: Any, kind: type) -> bool:
        # Loops rather than all() over generators for the commonest kinds: a preview's rebuild at 100,000
        # activities compares a few million of them (page contexts, backdated query values).
        if kind is tuple or kind is list:
            if len(a) != len(b):
                return False
            for x, y in zip(a, b, strict=False):  # noqa: SIM110 (the loop is the point)
                if x is not y and not self(x, y):
                    return False
            return True
        if kind is dict:  # a plain dict has no attributes of its own; its keys' order counts (see below)
            if len(a) != len(b):
                return False
            for (k, v), (k2, v2) in zip(a.items(), b.items(), strict=False):
                if (k is not k2 and k != k2) or (v is not v2 and not self(v, v2)):
                    return False
            return True
        # A subclass's own attributes count too: a YAML map or list that knows its lines (content/yamldoc.py)
        # is not the same as one with the same items on other lines.
        if isinstance(a, (list, tuple)):
            return (len(a) == len(b) and all(x is y or self(x, y) for x, y in zip(a, b, strict=True))
                    and self(getattr(a, "__dict__", None), getattr(b, "__dict__", None)))
        if isinstance(a, Mapping):
            return (len(a) == len(b) and list(a) == list(b) and all(self(v, b[k]) for k, v in a.items())
                    and self(getattr(a, "__dict__", None), getattr(b, "__dict__", None)))
        if isinstance(a, (set, frozenset)):
            return bool(a == b)
        if dataclasses.is_dataclass(a):
            if hasattr(a, "__dict__"):
                return self(vars(a), vars(b))
            return all(self(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
        if kind.__module__ in ("datetime", "decimal", "markupsafe", "pathlib", "fractions"):
            return bool(a == b)
        if isinstance(a, GongjianError):
            return str(a) == str(b) and self(getattr(a, "problems", None), getattr(b, "problems", None))
        return False  # a function, an object without value equality: never the same, so never a stale result


def same(a: Any, b: Any) -> bool:
    """Return whether `a` and `b` are the same value of the same types, all the way down (1 is not 1.0)."""
    return _Same()(a, b)


@dataclasses.dataclass
class _Input:
    value: Any
    changed_at: int


@dataclasses.dataclass
class _Memo:
    value: Any
    error: GongjianError | None
    deps: tuple[Hashable, ...]
    verified_at: int
    changed_at: int
    groups: int = 0  # a bit per input group that something it read (directly or not) belongs to


def input_group(key: Hashable) -> Hashable:
    """Return the group of an input key: a tuple's first two parts, a path cut at its first folder.

    ("content file", "activities/u001.yaml") → ("content file", "activities"); ("page", "public",
    "stories/a/index.html") → ("page", "public"); "settings" → "settings". A group is the unit of
    the shortcut above: an edit to one story leaves every group but the stories' unchanged.
    """
    if not isinstance(key, tuple) or not key:
        return key
    if len(key) == 1:
        return key
    second = key[1]
    if isinstance(second, str):
        second = second.split("/", 1)[0]
    return (key[0], second)


class Query(Generic[P, T]):
    """A tracked function of an engine: `q(engine, *args)` asks the engine for its value."""

    def __init__(self, fn: Callable[..., T]) -> None:
        self.fn = fn
        self.name = f"{fn.__module__}.{fn.__qualname__}"
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __call__(self, engine: Engine, *args: Hashable) -> T:
        result: T = engine.get(self, *args)
        return result

    def __repr__(self) -> str:
        return f"<query {self.name}>"


def query(fn: Callable[..., T]) -> Query[..., T]:
    """Make `fn(engine, *args)` a tracked query; its arguments must be hashable."""
    return Query(fn)


class Engine:
    """Inputs and remembered query results; one thread asks at a time (a lock makes sure)."""

    def __init__(self) -> None:
        self.revision = 0
        self._inputs: dict[Hashable, _Input] = {}
        self._memos: dict[Hashable, _Memo] = {}
        self._frames: list[list[Hashable]] = []
        self._active: set[Hashable] = set()
        self._lock = threading.RLock()
        self._bits: dict[Hashable, int] = {}  # an input key → the bit of its group
        self._group_bits: dict[Hashable, int] = {}  # a group → its bit
        self._group_changed: dict[int, int] = {}  # a group's bit → the revision in which one of its inputs changed last
        self.executed = 0  # queries run (not reused) since the engine was made: for tests and benchmarks
        # Helpers a query may use without recording a read, because each is a pure function of inputs the
        # query does read (e.g. the Jinja environment made for the template version the page reads).
        self.services: dict[str, Any] = {}

    # ------------------------------------------------------------------ inputs
    def set_input(self, key: Hashable, value: Any) -> bool:
        """Set an input; a value the same as the current one is no change. Return whether it changed."""
        return self.set_inputs([(key, value)]) == 1

    def set_inputs(self, items: Iterable[tuple[Hashable, Any]]) -> int:
        """Set many inputs at once; return how many changed.

        One comparison for all of them: values that share parts (pages of one plan share the settings,
        the unit rows…) compare each shared pair once.
        """
        changed = 0
        with self._lock:
            compare = _Same()
            for key, value in items:
                slot = self._inputs.get(("input", key))
                if slot is not None and compare(slot.value, value):
                    continue
                self.revision += 1
                self._inputs[("input", key)] = _Input(value, self.revision)
                self._group_changed[self._bit(("input", key))] = self.revision
                changed += 1
        return changed

    def _bit(self, dep: Hashable) -> int:
        """Return the bit of an input dependency's group (each group gets the next free bit)."""
        bit = self._bits.get(dep)
        if bit is None:
            group = input_group(dep[1])  # type: ignore[index]
            bit = self._group_bits.get(group)
            if bit is None:
                bit = self._group_bits[group] = 1 << len(self._group_bits)
            self._bits[dep] = bit
        return bit

    def _quiet(self, groups: int, since: int) -> bool:
        """Return whether no input of these groups changed after revision `since`."""
        changed = self._group_changed
        while groups:
            bit = groups & -groups
            if changed.get(bit, 0) > since:
                return False
            groups ^= bit
        return True

    def remove_input(self, key: Hashable) -> None:
        """Remove an input (a file deleted): queries that read it run again."""
        self.set_input(key, _MISSING)

    def input(self, key: Hashable, default: Any = _MISSING) -> Any:
        """Return an input's value, recording the read; `default` for one never set (or removed)."""
        dep = ("input", key)
        if self._frames:
            self._frames[-1].append(dep)
        slot = self._inputs.get(dep)
        value = _MISSING if slot is None else slot.value
        if value is _MISSING:
            if default is _MISSING:
                raise KeyError(key)
            return default
        return value

    def input_keys(self) -> list[Hashable]:
        """Return the keys of the inputs that are set (not recorded as a read)."""
        return [key[1] for key, slot in self._inputs.items() if slot.value is not _MISSING]  # type: ignore[index]

    # ------------------------------------------------------------------ queries
    def get(self, q: Query[..., T], *args: Hashable) -> T:
        """Return the value of `q(*args)` at the current revision, running it only if what it read changed."""
        key = (q, args)
        with self._lock:
            if self._frames:
                self._frames[-1].append(key)
            memo = self._refresh(key)
            if memo.error is not None:
                raise memo.error
            value: T = memo.value
            return value

    def remembers(self, q: Query[..., Any], *args: Hashable) -> bool:
        """Return whether a result of `q(*args)` is remembered (not whether it is still valid): not a read."""
        return (q, args) in self._memos

    def _refresh(self, key: Hashable) -> _Memo:
        memo = self._memos.get(key)
        if memo is not None:
            if memo.verified_at == self.revision:
                return memo
            if key not in self._active:
                since = memo.verified_at
                if self._quiet(memo.groups, since):
                    memo.verified_at = self.revision
                    return memo
                groups = self._walk(memo.deps, since)
                if groups is not None:
                    memo.groups, memo.verified_at = groups, self.revision
                    return memo
        return self._execute(key, memo)

    def _walk(self, deps: tuple[Hashable, ...], since: int) -> int | None:
        """Bring each dependency up to date; None if one changed after `since`, else their groups."""
        groups = 0
        inputs = self._inputs
        for dep in deps:
            if dep[0] == "input":  # type: ignore[index]
                slot = inputs.get(dep)
                if slot is not None and slot.changed_at > since:
                    return None
                groups |= self._bit(dep)
            else:
                memo = self._refresh(dep)
                if memo.changed_at > since:
                    return None
                groups |= memo.groups
        return groups

    def _groups(self, deps: tuple[Hashable, ...]) -> int:
        """Return the groups of dependencies just read (each query dependency is up to date)."""
        groups = 0
        for dep in deps:
            groups |= self._bit(dep) if dep[0] == "input" else self._memos[dep].groups  # type: ignore[index]
        return groups

    def _execute(self, key: Hashable, old: _Memo | None) -> _Memo:
        if key in self._active:
            raise RuntimeError(f"查询循环依赖：{key!r}")
        q: Query[..., Any] = key[0]  # type: ignore[index]
        args: tuple[Hashable, ...] = key[1]  # type: ignore[index]
        self._active.add(key)
        self._frames.append([])
        error: GongjianError | None = None
        value: Any = None
        try:
            value = q.fn(self, *args)
        except GongjianError as raised:
            error = raised
        finally:
            deps = self._frames.pop()
            self._active.discard(key)
        self.executed += 1
        deps_ = tuple(dict.fromkeys(deps))
        groups = self._groups(deps_)
        if old is not None and same((old.error, old.value), (error, value)):
            old.deps, old.verified_at, old.groups = deps_, self.revision, groups  # backdated: dependents stay valid
            return old
        memo = _Memo(value, error, deps_, self.revision, self.revision, groups)
        self._memos[key] = memo
        return memo

    # ------------------------------------------------------------------ housekeeping
    def begin(self) -> int:
        """Start a round of asking (a build): a new revision, from which `collect` counts; return it."""
        with self._lock:
            self.revision += 1
            return self.revision

    def collect(self, since: int | None = None) -> int:
        """Forget results not checked since revision `since` (default: the current one); return how many."""
        with self._lock:
            since = self.revision if since is None else since
            memos = self._memos
            # A result found valid by its groups did not check its dependencies: they stay with it.
            kept = {key for key, memo in memos.items() if memo.verified_at >= since}
            todo = list(kept)
            while todo:
                for dep in memos[todo.pop()].deps:
                    if dep not in kept and dep in memos:
                        kept.add(dep)
                        todo.append(dep)
            stale = [key for key in memos if key not in kept]
            for key in stale:
                del memos[key]
            gone = [key for key, slot in self._inputs.items() if slot.value is _MISSING]
            for key in gone:  # a removed input nothing remembers reading any more
                if not any(key in m.deps for m in self._memos.values()):
                    del self._inputs[key]
            return len(stale)

    def remembered(self) -> int:
        """Return how many query results are remembered."""
        return len(self._memos)
