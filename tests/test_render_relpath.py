"""The quick relative-path computation behind the `url` filter is posixpath.relpath, exactly."""

from __future__ import annotations

import posixpath

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render.render import _relpath, relative_url

SEGMENT = st.sampled_from(["a", "b", "units", "u1", "index.html", "static", "style.css", ".", "..", "", "中文"])
PATH = st.lists(SEGMENT, max_size=5).map("/".join) | st.lists(SEGMENT, max_size=4).map(lambda s: "/".join(s) + "/")


@settings(max_examples=2000, deadline=None)
@given(PATH, PATH)
def test_relpath_equals_posixpath(path: str, start: str) -> None:
    assert _relpath(path, start) == posixpath.relpath(path or ".", start or ".")


def test_links_of_a_typical_page() -> None:
    assert relative_url("stories/s1/index.html", "units/u1/", True) == "../../units/u1/"
    assert relative_url("stories/s1/index.html", "stories/", True) == "../"
    assert relative_url("index.html", "", True) == "./"
    assert relative_url("units/u1/index.html", "units/u1/", False) == "index.html"
    assert relative_url("404.html", "static/style.css", True) == "static/style.css"
