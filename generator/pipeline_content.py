"""The content side of the build as queries: files → parsed records → checked records → the validated site.

Inputs (set by `set_content` each build, from the reader's inventory):

- `("content file", rel)`: an input file (its path and stat stamp) by its path inside content/;
  its text is read when a query first needs it, and again only when the stamp changes;
- `"content files"`: (kind, rel) of every file but the assets, in reading order;
- `"content assets"`, `"scan problems"`, `"content label"`, `"as_of option"`: the asset names,
  what the reader refused, how paths are shown (`content`), and --as-of.

Every stage is a plain function of content/load.py or model/validate.py; the queries here
only say what each one reads. A record file is parsed whole; a ledger of more than
ITEMS_APART items is parsed item by item (`item`, one parse per item text and place), so
that an edit parses one item again. Each record is checked by its own query (`checked`),
which reads its raw record and the ids of the kinds it refers to: a record whose text, line
and referred ids are unchanged is not checked again, and an unchanged one keeps its
object, since the engine backdates a value the same as before.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from generator.content.load import (
    RawRecord,
    RawStory,
    check_folder,
    missing_site,
    read_text,
    records_of_text,
    site_of_text,
    story_of_text,
)
from generator.content.reader import RECORD_TYPES, InputFile, Inventory, scan_content
from generator.content.yamldoc import ParsedItem, parse_ledger, placed_item
from generator.engine import Engine, query
from generator.errors import ContentError, Problem
from generator.model.model import Settings, Site, Story
from generator.model.validate import (
    DATED,
    Record,
    Refs,
    check_record,
    check_settings,
    check_story,
    collect_records,
    dated_notes_of,
    known_ids,
    make_site,
    start_note,
    story_notes,
)

ITEMS_APART = 500
"""A ledger with more items than this is parsed item by item (and checked in chunks).

Measured at 10,000 activities: parsing an item alone costs about 2.6 times its share of a
parse of the whole file, so a small file is parsed whole again after an edit (a few
milliseconds), a big one item by item (only the edited item is parsed again).
"""


CHUNK = 100
"""How many records of a ledger read item by item are checked by one query.

Asking the engine about a query costs a few microseconds, checking a record about ten:
asking about 10,000 records one by one after every edit would cost more than checking
again the hundred around the one edited.
"""


def set_content(engine: Engine, content_dir: Path, inventory: Inventory | None, as_of: date | None) -> None:
    """Set the inputs of the content side from the reader's inventory (files gone are removed)."""
    check_folder(content_dir)
    inventory = inventory or scan_content(content_dir)
    engine.set_input("content label", content_dir.name)
    files = [f for f in inventory.files if f.kind != "asset"]
    engine.set_input("content files", tuple((f.kind, f.rel) for f in files))
    engine.set_input("content assets", frozenset(f.rel.removeprefix("assets/") for f in inventory.of_kind("asset")))
    engine.set_input("scan problems", inventory.problems)
    engine.set_input("as_of option", as_of)
    present = set()
    for file in files:
        engine.set_input(("content file", file.rel), file)
        present.add(("content file", file.rel))
    for key in engine.input_keys():
        if isinstance(key, tuple) and key[:1] == ("content file",) and key not in present:
            engine.remove_input(key)


def _shown(engine: Engine, rel: str) -> str:
    return f"{engine.input('content label')}/{rel}"


@query
def text(engine: Engine, rel: str) -> tuple[str | None, tuple[Problem, ...]]:
    """A file's text (None when it cannot be read) and the problem met reading it."""
    file: InputFile = engine.input(("content file", rel))
    problems: list[Problem] = []
    return read_text(file.path, _shown(engine, rel), problems), tuple(problems)


@query
def item_alone(engine: Engine, item_text: str) -> ParsedItem | None:
    """One ledger item parsed on its own, at the top (None: not plain YAML on its own)."""
    return placed_item(item_text, 0)


@query
def item(engine: Engine, item_text: str, offset: int) -> ParsedItem | None:
    """One ledger item placed `offset` lines down: an item moved by an added line is shifted, not parsed again."""
    alone = item_alone(engine, item_text)
    return None if alone is None else alone.at(offset)


@query
def parsed(engine: Engine, kind: str, rel: str) -> tuple[bool, tuple[RawRecord, ...], tuple[Problem, ...],
                                                         tuple[tuple[str, int], ...] | None]:
    """A record file's records: whether it could be read, its raw records, the problems met, and its items.

    The items, (item text, offset) of each record, are given when the file was read item by item.
    """
    source, problems = text(engine, rel)
    if source is None:
        return False, (), problems, None
    found = list(problems)
    document = None
    items: list[tuple[str, int]] = []
    if source.count("\n- ") >= ITEMS_APART:
        def ask(item_text: str, offset: int) -> ParsedItem | None:
            items.append((item_text, offset))
            return item(engine, item_text, offset)

        document = parse_ledger(source, ask)
    ok, records = records_of_text(kind, source, _shown(engine, rel), found, document)
    return ok, tuple(records), tuple(found), tuple(items) if document is not None else None


@query
def files(engine: Engine, kind: str) -> tuple[str, ...]:
    """The files of one kind, in reading order."""
    return tuple(rel for k, rel in engine.input("content files") if k == kind)


@query
def raw_records(engine: Engine, kind: str) -> tuple[RawRecord, ...]:
    """The raw records of one kind, file after file."""
    return tuple(r for rel in files(engine, kind) for r in parsed(engine, kind, rel)[1])


@query
def id_check(engine: Engine, kind: str) -> tuple[frozenset[str], tuple[Problem, ...]]:
    """The ids of one kind, and the problems of ids used twice."""
    return known_ids(kind, raw_records(engine, kind))


@query
def ids(engine: Engine, kind: str) -> frozenset[str]:
    """The ids of one kind (the same as before when no id was added, removed or changed)."""
    return id_check(engine, kind)[0]


@query
def unreadable(engine: Engine) -> frozenset[str]:
    """The record kinds with a file that could not be read (references to them are not checked)."""
    return frozenset(kind for kind in RECORD_TYPES for rel in files(engine, kind) if not parsed(engine, kind, rel)[0])


@query
def assets(engine: Engine) -> frozenset[str]:
    """The names of the files under assets/."""
    names: frozenset[str] = engine.input("content assets")
    return names


class _Unreadable:
    """The unreadable kinds, read from the engine only when a reference is not found."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __contains__(self, kind: object) -> bool:
        return kind in unreadable(self.engine)


def _refs(engine: Engine) -> Refs:
    return Refs(lambda kind: ids(engine, kind), _Unreadable(engine))


Checked = tuple[tuple[Record | None, tuple[Problem, ...]], ...]
"""Records checked one by one: each the model record (None when it cannot be made) and its problems."""


@query
def checked_chunk(engine: Engine, kind: str, rel: str, chunk: tuple[tuple[str, int], ...]) -> Checked:
    """Some consecutive records of a ledger read item by item, checked; keyed by their texts and places.

    An edit that keeps the lines checks again only the chunk of the record edited.
    """
    refs, names, path = _refs(engine), assets(engine), _shown(engine, rel)
    checked = []
    for item_text, offset in chunk:
        placed = item(engine, item_text, offset)
        assert placed is not None  # the ledger was read item by item, so each of its items was read
        checked.append(check_record(kind, RawRecord(kind, path, placed.line, placed.data), refs, names))
    return tuple(checked)


@query
def checked_file(engine: Engine, kind: str, rel: str) -> Checked:
    """The records of one file, checked one by one (a ledger read item by item: chunk by chunk)."""
    _, raws, _, items = parsed(engine, kind, rel)
    if items is None:  # a small file, parsed whole: checking its records again costs a few milliseconds
        refs, names = _refs(engine), assets(engine)
        return tuple(check_record(kind, raw, refs, names) for raw in raws)
    return tuple(result for start in range(0, len(items), CHUNK)
                 for result in checked_chunk(engine, kind, rel, items[start:start + CHUNK]))


@query
def checked_kind(engine: Engine, kind: str) -> tuple[tuple[Any, ...], tuple[Problem, ...]]:
    """The records of one kind (the first of each id, sorted by id) and their problems."""
    results = [result for rel in files(engine, kind) for result in checked_file(engine, kind, rel)]
    return collect_records(record for record, _ in results), tuple(p for _, found in results for p in found)


@query
def records(engine: Engine, kind: str) -> tuple[Any, ...]:
    """The checked records of one kind."""
    return checked_kind(engine, kind)[0]


@query
def raw_site(engine: Engine) -> tuple[RawRecord | None, tuple[Problem, ...]]:
    """site.yaml as read, and the problems met reading it (its absence included)."""
    problems: list[Problem] = []
    site = None
    for rel in files(engine, "site"):
        source, found = text(engine, rel)
        problems += found
        if source is not None:
            site = site_of_text(source, _shown(engine, rel), problems)
    if site is None:
        problems += missing_site(engine.input("content label"), [*engine.input("scan problems"), *problems])
    return site, tuple(problems)


@query
def settings(engine: Engine) -> tuple[Settings | None, tuple[Problem, ...]]:
    """The checked site settings and their problems."""
    return check_settings(raw_site(engine)[0], assets(engine))


@query
def raw_story(engine: Engine, rel: str) -> tuple[RawStory | None, tuple[Problem, ...]]:
    """A story file split into front matter and body, and the problems met."""
    source, problems = text(engine, rel)
    if source is None:
        return None, problems
    found = list(problems)
    story = story_of_text(source, _shown(engine, rel), Path(rel).stem, found)
    return story, tuple(found)


@query
def checked_story(engine: Engine, rel: str) -> tuple[Story | None, tuple[Problem, ...]]:
    """One story checked, with its problems."""
    raw = raw_story(engine, rel)[0]
    if raw is None:
        return None, ()  # its reading problem is raw_story's
    return check_story(raw, _refs(engine), assets(engine))


@query
def problems(engine: Engine) -> tuple[Problem, ...]:
    """Every problem of the content, as validate_content would list them."""
    found: list[Problem] = list(engine.input("scan problems"))
    found += raw_site(engine)[1]
    for kind in RECORD_TYPES:
        found += [p for rel in files(engine, kind) for p in parsed(engine, kind, rel)[2]]
    for rel in files(engine, "story"):
        found += raw_story(engine, rel)[1]
    found += settings(engine)[1]
    for kind in RECORD_TYPES:
        found += id_check(engine, kind)[1]
        found += checked_kind(engine, kind)[1]
    for rel in files(engine, "story"):
        found += checked_story(engine, rel)[1]
    return tuple(found)


@query
def site(engine: Engine) -> Site:
    """The validated site; raises ContentError listing every problem."""
    found = problems(engine)
    checked_settings = settings(engine)[0]
    if found or checked_settings is None:
        raise ContentError(list(found))
    stories = [story for rel in files(engine, "story") if (story := checked_story(engine, rel)[0]) is not None]
    return make_site(checked_settings, engine.input("as_of option"), {kind: records(engine, kind) for kind in RECORD_TYPES},
                     stories, assets(engine))


@query
def _note_dates(engine: Engine) -> tuple[date, date]:
    """The valid site's as_of and campaign start: what the dated notes compare with (unchanged by most edits)."""
    valid = site(engine)
    return valid.as_of, valid.settings.campaign.start


@query
def file_notes(engine: Engine, kind: str, rel: str) -> tuple[tuple[Problem, ...], date | None]:
    """The dated notes of one file's records and their first date: an edit notes its own file again, not the kind.

    The site is valid here (`_note_dates` asks for it), so no id is used twice: the file's checked records are
    its records of the site.
    """
    as_of, start = _note_dates(engine)
    made = tuple(record for record, _ in checked_file(engine, kind, rel) if record is not None)
    return dated_notes_of(kind, parsed(engine, kind, rel)[1], made, as_of, start)


@query
def kind_notes(engine: Engine, kind: str) -> tuple[tuple[Problem, ...], date | None]:
    """The notes of one dated kind (after as_of, before the campaign start; `notes` sorts them) and its first date."""
    found: list[Problem] = []
    firsts: list[date] = []
    for rel in files(engine, kind):
        file_found, first = file_notes(engine, kind, rel)
        found += file_found
        firsts += [first] if first is not None else []
    return tuple(found), min(firsts, default=None)


@query
def notes(engine: Engine) -> tuple[Problem, ...]:
    """What the build leaves out on purpose (see validate.content_notes), sorted."""
    valid = site(engine)
    found: list[Problem] = []
    firsts = []
    for kind in DATED:
        kind_found, first = kind_notes(engine, kind)
        found += kind_found
        firsts += [first] if first is not None else []
    found += start_note(raw_site(engine)[0], valid.settings.campaign.start, min(firsts, default=None))
    sources = {raw.path: raw for rel in files(engine, "story") if (raw := raw_story(engine, rel)[0]) is not None}
    for story in valid.stories:
        found += story_notes(story, sources[story.source.path], valid)
    return tuple(sorted(found))
