"""Internal data never reaches site/public: markers in every internal field, then every public file scanned.

The scanner (tests/markers.py) reads every file under site/public and opens
what is compressed (gzip, zstd, brotli, …), so feeds, sitemaps, JSON and a
Pagefind search index are covered as soon as they exist.
"""

from __future__ import annotations

import dataclasses
import gzip
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from generator.build import build_site, check_site
from generator.errors import TemplateProblem
from generator.public import public
from generator.public.public import public_view
from tests.conftest import REPO, run_cli
from tests.markers import (
    HIDDEN,
    NEEDS,
    NOT_IN_PUBLIC_MODEL,
    PUBLIC,
    Markers,
    image_uses,
    scan,
    scan_names,
    scan_pixels,
    scan_text,
    write_campaign,
)

INTERNAL_NAMES = {"secretary", "phone", "needs", "problems", "beneficiaries", "internal", "inspections", "findings",
                  "follow_up", "checks", "lagging", "by_unit"}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_campaign(tmp_path_factory.mktemp("leak"), units=4, branches_per_unit=3, activities_per_branch=2)


@pytest.mark.e2e
def test_generated_campaign_leaks_nothing(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run_cli("build", "--content", str(campaign), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert scan(out / "public") == {}
    assert scan_text(out / "public", NEEDS) == {}
    # The scanner does see the pages (public markers are there), and the model did hold the hidden ones.
    assert len(set().union(*scan(out / "public", PUBLIC).values())) > 50
    assert len(_hidden_in_model(campaign)) > 300


def test_public_plan_holds_no_internal_value(campaign: Path) -> None:
    """Whatever any public template, feed or index could print is in these contexts: no marker is."""
    plan = check_site(campaign).public
    dumped = "\n".join(repr(dict(page.context)) for page in plan.pages).encode()
    dumped += b"\n".join(plan.files.values())
    assert set(NOT_IN_PUBLIC_MODEL.findall(dumped)) == set()
    assert len(set(PUBLIC.findall(dumped))) > 50


@pytest.mark.e2e
def test_drafts_are_published_only_with_the_flag(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run_cli("build", "--content", str(campaign), "--out", str(out), "--drafts")
    assert result.returncode == 0, result.stderr
    hits = set().union(*scan(out / "public").values())
    assert hits and all(marker.startswith("zzdraft") for marker in hits)


@pytest.fixture(scope="module")
def image_campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_campaign(tmp_path_factory.mktemp("leak-images"), units=2, branches_per_unit=2,
                          activities_per_branch=1, images=True)


def _images(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".gif")]


@pytest.mark.e2e
@pytest.mark.parametrize("drafts", [False, True], ids=["published", "with-drafts"])
def test_hidden_images_reach_public_in_no_form(image_campaign: Path, tmp_path: Path, drafts: bool) -> None:
    """Draft, future and internal-only images: not by name, not by metadata, not by their pixels, resized or not."""
    out = tmp_path / "site"
    result = run_cli("build", "--content", str(image_campaign), "--out", str(out), *(["--drafts"] if drafts else []))
    assert result.returncode == 0, result.stderr
    public, assets = out / "public", image_campaign / "assets"
    uses = image_uses(image_campaign)
    hidden = {role: assets / name for role, name in uses["hidden"].items()}
    shown = {role: assets / name for role, name in uses["public"].items()}
    seen = scan_pixels(public, [*hidden.values(), shown["cover"], shown["body"]])
    # The scans can see: both public pictures are found, as resized copies only.
    assert {shown["cover"].name, shown["body"].name} <= set(seen.values())
    assert all(path.startswith("images/") for path in seen)
    names = scan_names(public)
    markers = set().union(set(), *scan(public).values())
    if drafts:  # drafts are published on purpose: their images are, the others still are not
        draft_pictures = {hidden["draft_cover"].name, hidden["draft_body"].name}
        assert set(seen.values()) - {shown["cover"].name, shown["body"].name} == draft_pictures
        assert names and all("zzdraft" in name for name in names)
        assert markers and all(marker.startswith("zzdraft") for marker in markers)
    else:
        assert set(seen.values()) == {shown["cover"].name, shown["body"].name}
        assert names == set()
        assert markers == set()  # no marker in any file: not the EXIF of the GPS cover, not a copied original
    # Originals are never published; no published image carries EXIF, XMP or a comment.
    originals = {p.read_bytes() for p in _images(assets)}
    published = _images(public)
    assert published and not any(p.read_bytes() in originals for p in published)
    for path in published:
        with Image.open(path) as image:
            assert not image.getexif() and not {"exif", "xmp", "comment", "Comment"} & set(image.info), path
    # Other files linked from a published story are copied as they are.
    assert (public / "assets" / uses["public"]["pdf"]).read_bytes() == shown["pdf"].read_bytes()


def _hidden_in_model(content: Path) -> set[bytes]:
    """The hidden markers the validated model holds (so a scan finding none means something)."""
    return set(HIDDEN.findall(repr(check_site(content).site).encode()))


def _mark_records(records: Any, kind: str, m: Markers) -> Any:
    """Replace or add every internal value of example records with markers."""
    items = records if isinstance(records, list) else [records]
    for record in items:
        record["internal"] = {"备注": m("leak"), "嵌套": {"电话": m("leak"), "列表": [m("leak")]}}
        record.setdefault("extra", {})["internal"] = {"秘密": m("leak")}
        if kind == "branches":
            record["secretary"], record["phone"] = m("leak"), m("leak")
        elif kind == "villages":
            record["problems"] = [m("leak"), m("leak")]
        elif kind == "activities":
            record["beneficiaries"] = [{"name": m("leak"), "note": m("leak")}]
        elif kind == "inspections":
            record["group"], record["findings"], record["follow_up"] = m("leak"), m("leak"), m("leak")
            record["checks"] = {m("leak"): "达标", **(record.get("checks") or {})}
    return records


def _mark_example(source: Path, target: Path) -> Path:
    """Copy the example content and put markers in every internal field of every record and story."""
    shutil.copytree(source, target)
    m = Markers()
    for kind in ("units", "branches", "villages", "activities", "inspections"):
        for file in sorted([*target.glob(f"{kind}.yaml"), *target.glob(f"{kind}/*.yaml")]):
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
            if data:
                file.write_text(yaml.safe_dump(_mark_records(data, kind, m), allow_unicode=True, sort_keys=False),
                                encoding="utf-8")
    for story in sorted((target / "stories").glob("*.md")):
        _, front, body = story.read_text(encoding="utf-8").split("---\n", 2)
        data = yaml.safe_load(front)
        data["internal"] = {"编辑备注": m("leak")}
        story.write_text("---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + body,
                         encoding="utf-8")
    return target


@pytest.mark.e2e
@pytest.mark.slow
def test_example_content_with_marked_internal_fields_leaks_nothing(tmp_path: Path) -> None:
    content = _mark_example(REPO / "content", tmp_path / "project" / "content")
    out = tmp_path / "site"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert scan(out / "public") == {}
    assert len(_hidden_in_model(content)) > 1000  # the markers were really read into the data


def test_public_types_have_no_internal_fields() -> None:
    """The public view cannot carry what its types have no field for."""
    for name in dir(public):
        cls = getattr(public, name)
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and name.startswith("Public"):
            fields = {f.name: f.type for f in dataclasses.fields(cls)}
            if name == "PublicProgress":  # the counts of inspections are public (spec §3); nothing else of them
                assert fields.pop("inspections") == "InspectionCounts"
            assert not INTERNAL_NAMES & set(fields), name
    from generator.model.model import Story

    assert not INTERNAL_NAMES & {f.name for f in dataclasses.fields(Story)}


@pytest.mark.parametrize(("template", "source", "asks_for"), [
    ("unit.html", "{% for bv in view.branches %}{{ bv.branch.phone }}{% endfor %}", "phone"),
    ("unit.html", "{% for bv in view.branches %}{{ bv.branch.internal }}{% endfor %}", "internal"),
    ("unit.html", "{% for bv in view.branches %}{% if bv.village %}{{ bv.village.needs }}{% endif %}{% endfor %}",
     "needs"),
    ("unit.html", "{{ view.unit.internal }}", "internal"),
    ("timeline.html", "{% for a in latest %}{{ a.activity.beneficiaries }}{% endfor %}", "beneficiaries"),
    ("index.html", "{% for i in site.inspections %}{{ i.findings }}{% endfor %}", "inspections"),
    ("progress.html", "{{ progress.lagging }}", "lagging"),
    ("story.html", "{{ view.story.internal }}", "internal"),
    ("story.html", "{% if view.story.extra.internal %}x{% endif %}", "internal"),
])
def test_public_template_asking_for_internal_data_fails_the_build(
    scratch, tmp_path: Path, template: str, source: str, asks_for: str  # type: ignore[no-untyped-def]
) -> None:
    content = scratch({"stories/wanghui-health.md": "---\ntitle: 故事\ndate: 2017-10-25\nextra:\n  internal: {a: b}\n"
                                                    "  公开: 是\n---\n正文\n"})
    own = content.parent / "templates" / "public"
    own.mkdir(parents=True)
    (own / template).write_text(source, encoding="utf-8")
    with pytest.raises(TemplateProblem) as caught:
        build_site(content, tmp_path / "site")
    message = str(caught.value)
    assert f"{template}:1" in message and asks_for in message
    assert not (tmp_path / "site").exists()


def test_records_after_as_of_are_not_in_the_public_view(campaign: Path) -> None:
    checked = check_site(campaign)
    view = public_view(checked.site, checked.progress)
    assert all(a.date <= view.as_of for a in view.activities)
    future = [b for b in checked.site.branches if b.paired_on is not None and b.paired_on > checked.site.as_of]
    assert future, "the campaign has a pairing after as_of"
    shown = {b.id: b for b in view.branches}
    assert all(shown[b.id].village is None and shown[b.id].paired_on is None for b in future)
    assert sum(1 for b in view.branches if b.village) == view.progress.branches.paired


def test_extra_keeps_public_data_and_drops_nested_internal() -> None:
    extra = {"a": 1, "internal": {"x": 2}, "b": [{"internal": 3, "c": 4}], "d": {"internal": [5], "e": 6}}
    assert public.public_extra(extra) == {"a": 1, "b": [{"c": 4}], "d": {"e": 6}}


def test_scanner_opens_compressed_files(tmp_path: Path) -> None:
    """When a search index or feed lands compressed, the scan still sees inside it."""
    (tmp_path / "pagefind" / "fragment").mkdir(parents=True)
    (tmp_path / "pagefind" / "fragment" / "x.pf_fragment").write_bytes(
        gzip.compress(b'pagefind_dcd{"content":"zzleak00001zz"}'))
    (tmp_path / "sitemap.xml.gz").write_bytes(gzip.compress(gzip.compress("设施短缺陈旧 zzDRAFT00002ZZ".encode())))
    (tmp_path / "plain.html").write_text("<p>zzpub00003zz</p>", encoding="utf-8")
    assert scan(tmp_path) == {"pagefind/fragment/x.pf_fragment": {"zzleak00001zz"},
                              "sitemap.xml.gz": {"zzDRAFT00002ZZ"}}
    assert scan_text(tmp_path, NEEDS) == {"sitemap.xml.gz": {"设施短缺陈旧"}}
    assert HIDDEN.pattern and PUBLIC.pattern
