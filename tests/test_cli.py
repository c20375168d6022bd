"""The command line as a user meets it: messages, exit codes, no tracebacks."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_check_reports_three_problems_with_lines(scratch) -> None:  # type: ignore[no-untyped-def]
    content = scratch({
        "branches/x.yaml": "- id: x\n  name: 支部\n  unit: ghost\n  members: 3\n",
        "activities/x.yaml": "- id: x\n  date: 2017-10-32\n  title: 活动\n  kind: 主题党日\n  branches: [hosp-b1]\n"
                             "  participants: 1\n",
        "villages/x.yaml": "- id: y\n  name: 村\n  town: 镇\n   county: 县\n",
    })
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "content/activities/x.yaml:2: date: 没有 2017-10-32 这一天，请检查月份和日期"
    assert lines[1].startswith("content/branches/x.yaml:3: unit: 找不到编号为“ghost”的单位")
    assert lines[2].startswith("content/villages/x.yaml:4: ")
    assert lines[-1] == "共 3 个问题，请逐条修改后再试。"


def test_build_then_failed_build_keeps_site(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    out = tmp_path / "out"
    ok = run_cli("build", "--content", str(content), "--out", str(out))
    assert ok.returncode == 0, ok.stderr
    assert "2/3 个支部完成对接" in ok.stdout
    before = (out / "public/index.html").read_bytes()
    (content / "site.yaml").write_text("title: [\n", encoding="utf-8")
    bad = run_cli("build", "--content", str(content), "--out", str(out))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("content/site.yaml:")
    assert "原来的输出保持不变" in bad.stderr
    assert (out / "public/index.html").read_bytes() == before


def test_missing_content_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("check", "--content", str(tmp_path / "nope"))
    assert result.returncode == 2 and "找不到内容文件夹" in result.stderr and "Traceback" not in result.stderr


def test_template_error_is_shown_without_traceback(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = scratch()
    own = content.parent / "templates" / "public"
    own.mkdir(parents=True)
    (own / "index.html").write_text("{% if %}", encoding="utf-8")
    result = run_cli("build", "--content", str(content), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "index.html:1: 模板语法错误" in result.stderr
