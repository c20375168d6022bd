"""The example content reproduces the article's figures — computed, not typed in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import check_site
from generator.model.progress import progress_document
from tests.conftest import REPO


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    return progress_document(check_site(REPO / "content").progress)


def test_pairing_822_of_827(document) -> None:  # type: ignore[no-untyped-def]
    assert document["as_of"] == "2017-11-24"
    assert document["branches"] == {"total": 827, "paired": 822, "rate": 0.994}


def test_warm_winter_theme_57_units_232_branches_2230_members_over_400000(document) -> None:  # type: ignore[no-untyped-def]
    theme = document["themes"]["献爱心、送温暖"]
    assert (theme["units"], theme["branches"], theme["participants"]) == (57, 232, 2230)
    assert 400_000 < theme["total_value"] < 500_000


def test_supervision_4_groups_20_towns_29_villages(document) -> None:  # type: ignore[no-untyped-def]
    inspections = document["inspections"]
    assert (inspections["groups"], inspections["towns"], inspections["villages"]) == (4, 20, 29)


def test_article_donations_are_recorded(document) -> None:  # type: ignore[no-untyped-def]
    donations = {(d["item"], d["unit"]): d["quantity"] for d in document["donations"]}
    assert donations[("棉被", "套")] >= 206
    assert donations[("棉衣", "件")] >= 124 and donations[("棉被", "床")] >= 124
    assert donations[("食用油", "桶")] >= 163 and donations[("米面", "袋")] >= 163


def test_sample_generator_is_reproducible(tmp_path: Path) -> None:
    samples = sorted((REPO / "content").glob("*/sample.yaml"))
    before = {p: p.read_bytes() for p in samples}
    result = subprocess.run([sys.executable, "scripts/make_example_content.py"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert {p: p.read_bytes() for p in samples} == before
