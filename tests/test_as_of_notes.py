"""Nothing vanishes silently, and a report for any date is one command: notes, --strict, --as-of, --since."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from generator.model.validate import PLACEHOLDER_BODY
from generator.scaffold import BODY_HINT
from tests.conftest import FIXTURES, run_cli

NOTE = "提示："
LATE_STORY = "---\ntitle: 年底走访\ndate: 2017-12-01\nsummary: 走访。\n---\n走访了三户。\n"


def records(kind: str) -> list[dict[str, object]]:
    """The minimal fixture's records, read with plain PyYAML (not through gongjian)."""
    data = yaml.safe_load((FIXTURES / "minimal/content" / f"{kind}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def fixture_as_of() -> date:
    site = yaml.safe_load((FIXTURES / "minimal/content/site.yaml").read_text(encoding="utf-8"))
    value = site["as_of"]
    assert isinstance(value, date)
    return value


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` that contains `text`."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if text in line)


def notes_of(stderr: str) -> list[str]:
    return [line.removeprefix(NOTE) for line in stderr.splitlines() if line.startswith(NOTE)]


LATE_PAIRING = "- id: late-b\n  name: 新对接支部\n  unit: hosp\n  members: 9\n  village: wanghui\n  paired_on: 2017-12-02\n"
LATE_VISIT = "- id: late-i\n  date: 2017-12-03\n  group: 2\n  villages: [wanghui]\n"


def test_check_lists_every_record_after_as_of_with_its_line(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"stories/late.md": LATE_STORY, "branches/late.yaml": LATE_PAIRING,
                       "inspections/late.yaml": LATE_VISIT})
    as_of = fixture_as_of()
    late = [a for a in records("activities") if isinstance(a["date"], date) and a["date"] > as_of]
    assert late, "the fixture must have an activity after as_of for this test to mean anything"
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 0, result.stderr
    lines = [line_of(content / "activities.yaml", f"date: {a['date']}") for a in late]
    expected = [f"content/activities.yaml:{n}: date: 晚于截至日期 {as_of.isoformat()}，本次不计入" for n in lines]
    expected += ["content/assets/mark.svg: 没有故事或活动用到这个文件，不会发布",  # issue 11: unused assets are notes too
                 f"content/branches/late.yaml:6: paired_on: 晚于截至日期 {as_of.isoformat()}，本次不计入",
                 f"content/inspections/late.yaml:2: date: 晚于截至日期 {as_of.isoformat()}，本次不计入",
                 f"content/stories/late.md:3: date: 故事“年底走访”的日期 2017-12-01 晚于截至日期 {as_of.isoformat()}，"
                 "本次不发布；截至日期到 2017-12-01 或以后才发布，要现在发布请把 date 改早"]
    assert notes_of(result.stderr) == expected
    assert f"共 {len(expected)} 条提示" in result.stderr
    assert "内容检查通过" in result.stdout and NOTE not in result.stdout


@pytest.mark.e2e
def test_build_notes_survive_an_unchanged_rebuild_and_strict_fails_without_writing(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"stories/late.md": LATE_STORY})
    out = tmp_path / "site"
    first = run_cli("build", "--content", str(content), "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert not (out / "public/stories/late/index.html").exists()  # the late story waits, as the note says
    assert (out / "public/stories/wanghui-health/index.html").is_file()
    again = run_cli("build", "--content", str(content), "--out", str(out))
    assert "内容没有变化" in again.stdout
    assert notes_of(again.stderr) == notes_of(first.stderr) != []
    before = (out / "internal/progress.json").read_bytes()
    strict = run_cli("build", "--content", str(content), "--out", str(out), "--strict")
    assert strict.returncode == 1 and NOTE not in strict.stderr
    assert strict.stderr.splitlines()[:-2] == notes_of(first.stderr)
    assert "原来的输出保持不变" in strict.stderr
    assert (out / "internal/progress.json").read_bytes() == before


def test_check_strict_fails_on_notes_and_passes_without_them(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"assets/mark.svg": None})  # an unused asset is a note too
    assert run_cli("check", "--content", str(content), "--strict").returncode == 1
    # As of the latest record nothing is after it: --strict passes.
    latest = max(a["date"] for a in records("activities") if isinstance(a["date"], date))
    ok = run_cli("check", "--content", str(content), "--strict", "--as-of", latest.isoformat())
    assert ok.returncode == 0, ok.stderr
    assert NOTE not in ok.stderr and f"数据截至 {latest.isoformat()}" in ok.stdout


def test_a_published_placeholder_story_is_noted_and_a_draft_is_not(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    made = run_cli("new", "story", "冬日走访", "--slug", "winter", "--content", str(content))
    assert made.returncode == 0, made.stderr
    story = content / "stories/winter.md"
    assert PLACEHOLDER_BODY in BODY_HINT
    text = story.read_text(encoding="utf-8")
    # A draft dated today (after as_of) is work in progress: no note.
    assert "winter.md" not in run_cli("check", "--content", str(content)).stderr
    story.write_text(re.sub(r"date: .*", "date: 2017-11-20", text).replace("draft: true", "draft: false"),
                     encoding="utf-8")
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 0, result.stderr
    line = line_of(story, PLACEHOLDER_BODY)
    assert f"content/stories/winter.md:{line}: 正文: 还是新建故事时的占位文字“{PLACEHOLDER_BODY}”；请写好正文，或改回 draft: true" \
        in notes_of(result.stderr)
    story.write_text(story.read_text(encoding="utf-8").replace(PLACEHOLDER_BODY, "三名党员走访了五户。"), encoding="utf-8")
    assert "winter.md" not in run_cli("check", "--content", str(content)).stderr


@pytest.mark.e2e
def test_as_of_overrides_site_yaml_in_every_output(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    day = date(2017, 10, 31)
    paired = [b for b in records("branches") if isinstance(b.get("paired_on"), date) and b["paired_on"] <= day]
    counted = [a for a in records("activities") if isinstance(a["date"], date) and a["date"] <= day]
    out = tmp_path / "site"
    result = run_cli("build", "--content", str(content), "--out", str(out), "--as-of", day.isoformat())
    assert result.returncode == 0, result.stderr
    figures = json.loads((out / "internal/progress.json").read_text(encoding="utf-8"))
    assert figures["as_of"] == day.isoformat()
    assert figures["branches"]["paired"] == len(paired)
    assert figures["activities"]["count"] == len(counted)
    assert f"截至 {day.isoformat()}：{len(paired)}/{len(records('branches'))} 个支部完成对接" in result.stdout
    later = [a for a in records("activities") if isinstance(a["date"], date) and a["date"] > day]
    assert len(notes_of(result.stderr)) >= len(later) > 0
    # The next build without --as-of is back to site.yaml's date: the option is not sticky.
    plain = run_cli("build", "--content", str(content), "--out", str(out))
    assert json.loads((out / "internal/progress.json").read_text(encoding="utf-8"))["as_of"] == fixture_as_of().isoformat()
    assert "内容没有变化" not in plain.stdout


@pytest.mark.parametrize(("value", "message"), [
    ("2017-13-01", "--as-of：没有 2017-13-01 这一天，请检查月份和日期"),
    ("2017/12/01", "--as-of：“2017/12/01”不是日期；请写成 YYYY-MM-DD，例如 2017-12-15"),
    ("２０１７-１２-０１", "--as-of：“２０１７-１２-０１”里有全角字符；请切换到半角（英文）输入，写成 2017-12-01"),
])
def test_a_bad_as_of_is_a_usage_error(scratch, value: str, message: str) -> None:  # type: ignore[no-untyped-def]
    for command in ("build", "check", "serve"):
        result = run_cli(command, "--content", str(scratch()), "--as-of", value)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.splitlines()[-1] == f"gongjian {command}：错误：{message}"


@pytest.mark.e2e
def test_since_shows_what_is_new_on_the_dashboard_and_the_report(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    as_of, since = fixture_as_of(), date(2017, 11, 1)

    def inside(d: object) -> bool:
        return isinstance(d, date) and since < d <= as_of

    new_pairs = [b for b in records("branches") if inside(b.get("paired_on"))]
    new_acts = [a for a in records("activities") if inside(a["date"])]
    new_visits = [i for i in records("inspections") if inside(i["date"])]
    assert new_pairs and new_acts and new_visits, "the fixture must have something new in the period"
    people = sum(int(str(a["participants"])) for a in new_acts)
    out = tmp_path / "site"
    result = run_cli("build", "--content", str(content), "--out", str(out), "--since", since.isoformat())
    assert result.returncode == 0, result.stderr
    days = (as_of - since).days
    sentence = (f"与2017年11月1日相比（{days} 天），新增对接 {len(new_pairs)} 个支部、新增活动 {len(new_acts)} 次，"
                f"党员参与 {people} 人次")
    for page in ("index.html", "progress-report.html"):
        html = (out / "internal" / page).read_text(encoding="utf-8")
        assert sentence in html, page
        assert f"督导 {len(new_visits)} 次" in html
    assert "新增对接" not in (out / "public/index.html").read_text(encoding="utf-8")
    week = run_cli("build", "--content", str(content), "--out", str(out), "--since", "2017-11-17")
    assert week.returncode == 0, week.stderr
    assert "本周新增对接" in (out / "internal/index.html").read_text(encoding="utf-8")
    plain = run_cli("build", "--content", str(content), "--out", str(out))
    assert plain.returncode == 0 and "新增对接" not in (out / "internal/index.html").read_text(encoding="utf-8")


def test_since_must_come_before_as_of(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("build", "--content", str(scratch()), "--out", str(tmp_path / "site"),
                     "--since", "2017-12-01")
    assert result.returncode == 2 and not (tmp_path / "site").exists()
    assert f"--since 2017-12-01 不早于截至日期 {fixture_as_of().isoformat()}；请写更早的日期" in result.stderr


@pytest.mark.e2e
def test_serve_takes_as_of_and_since_and_shows_the_notes(scratch) -> None:  # type: ignore[no-untyped-def]
    from tests.preview_server import preview, save

    content = scratch()
    day = date(2017, 11, 10)
    with preview(content, "--as-of", day.isoformat(), "--since", "2017-11-03") as server:
        code, dashboard = server.get("internal/")
        assert code == 200 and "2017年11月10日" in dashboard and "本周新增对接" in dashboard
        later = [a for a in records("activities") if isinstance(a["date"], date) and a["date"] > day]
        server.wait_output(r"提示：content/activities\.yaml:\d+: date: 晚于截至日期 2017-11-10，本次不计入")
        shown = [line for line in server.lines if "提示：content/activities.yaml" in line]
        assert len(shown) == len(later)
        # A save that changes nothing in the notes does not repeat them.
        first = server.status()
        story = content / "stories/wanghui-health.md"
        save(story, story.read_text(encoding="utf-8") + "\n又一段。\n")
        server.wait_build_after(first["generation"])
        assert len([line for line in server.lines if "提示：content/activities.yaml" in line]) == len(later)


def test_a_story_written_today_and_a_weekly_as_of_before_it_is_noted_by_name(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    made = run_cli("new", "story", "冬日走访", "--slug", "winter", "--content", str(content))
    assert made.returncode == 0, made.stderr
    today = date.today().isoformat()
    # The fixture's site.yaml has as_of: 2017-11-24: said at once, when the story is made.
    assert made.stdout.splitlines()[1] == (
        f"注意：site.yaml 的 as_of 是 {fixture_as_of().isoformat()}，早于这篇故事的日期 {today}；"
        f"定稿后要把 as_of 改到 {today} 或以后（或删去 as_of），它才会发布；也可以把故事的 date 改早。")
    story = content / "stories/winter.md"
    story.write_text(story.read_text(encoding="utf-8").replace("draft: true", "draft: false")
                     .replace(PLACEHOLDER_BODY, "三名党员走访了五户。"), encoding="utf-8")
    result = run_cli("check", "--content", str(content), "--as-of", "2017-11-24")
    assert result.returncode == 0, result.stderr
    assert f"content/stories/winter.md:3: date: 故事“冬日走访”的日期 {today} 晚于截至日期 2017-11-24，本次不发布；" \
           f"截至日期到 {today} 或以后才发布，要现在发布请把 date 改早" in notes_of(result.stderr)


EARLY = "".join(f"- id: early-{n}\n  date: 2017-08-{n + 10}\n  title: 早到{n}\n  kind: 主题党日\n"
                f"  branches: [hosp-b1]\n  participants: 2\n" for n in range(7))


def test_records_before_the_campaign_start_are_counted_but_noted_and_grouped(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({"activities/early.yaml": EARLY})
    out = content.parent / "site"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "content/activities/early.yaml: date: 7 条记录早于行动开始日期 2017-09-01（site.yaml 的 campaign.start），" \
           "照常计入；请检查日期是否写错，或把开始日期改早（第 2、8、14 行……）" in notes_of(result.stderr)
    counted = [a for a in records("activities") if isinstance(a["date"], date) and a["date"] <= fixture_as_of()]
    assert json.loads((out / "internal/progress.json").read_text(encoding="utf-8"))["activities"]["count"] == len(counted) + 7
    one = run_cli("check", "--content", str(scratch({"activities/early.yaml": EARLY[:EARLY.index("- id: early-1")]})))
    assert "content/activities/early.yaml:2: date: 早于行动开始日期 2017-09-01（site.yaml 的 campaign.start），" \
           "照常计入；请检查日期是否写错，或把开始日期改早" in notes_of(one.stderr)


def test_a_campaign_start_long_before_every_record_is_noted_at_its_line(scratch) -> None:  # type: ignore[no-untyped-def]
    site = (FIXTURES / "minimal/content/site.yaml").read_text(encoding="utf-8")
    content = scratch({"site.yaml": site.replace("start: 2017-09-01", "start: 2016-09-01")})
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 0, result.stderr
    first = min(d for kind, key in (("branches", "paired_on"), ("activities", "date"), ("inspections", "date"))
                for r in records(kind) if isinstance(d := r.get(key), date))
    line = line_of(content / "site.yaml", "start:")
    assert f"content/site.yaml:{line}: campaign.start: 行动开始日期 2016-09-01 比最早的记录（{first.isoformat()}）" \
           f"早 {(first - date(2016, 9, 1)).days} 天；如果是照抄的例子，请改成本次行动实际开始的日期（活动趋势图从这一天画起）" \
           in notes_of(result.stderr)
    # The fixture's own start, days before its first record, is not noted.
    assert "campaign.start" not in run_cli("check", "--content", str(scratch())).stderr
