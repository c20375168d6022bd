"""Pinyin slugs: readable, ASCII, valid as ids, stable, and never two names on one path."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from generator.content.slugs import assign_slugs, slugify

ID_RULE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def test_chinese_becomes_hyphenated_pinyin() -> None:
    assert slugify("送健康下乡") == "song-jian-kang-xia-xiang"
    assert slugify("义诊进村 健康到家") == "yi-zhen-jin-cun-jian-kang-dao-jia"
    assert slugify("“1+1”好支部") == "1-1-hao-zhi-bu"
    assert slugify("AI培训2017") == "ai-pei-xun-2017"
    assert slugify("绿化") == "lv-hua"  # ü is written v, as in pinyin input methods


def test_long_titles_are_cut_at_a_syllable() -> None:
    slug = slugify("市第四人民医院第一党支部把义诊送到王辉村村民家门口的故事和经验做法介绍总结")
    assert len(slug) <= 64 and not slug.endswith("-")
    assert all(part in slugify("市第四人民医院第一党支部把义诊送到王辉村村民家门口的故事和经验做法介绍总结", 400).split("-")
               for part in slug.split("-"))


def test_homophones_get_distinct_numbered_slugs_whatever_the_order() -> None:
    first = assign_slugs(["先进", "先锦", "献金"])
    again = assign_slugs(["献金", "先锦", "先进"])
    assert first == again
    assert sorted(first.values()) == ["xian-jin", "xian-jin-2", "xian-jin-3"]


def test_names_without_letters_get_a_stable_fallback() -> None:
    slugs = assign_slugs(["★", "☆"])
    assert slugs["★"] != slugs["☆"]
    assert all(s.startswith("tag-") for s in slugs.values())
    assert assign_slugs(["★"]) == {"★": slugs["★"]}


def test_a_natural_slug_and_a_numbered_one_do_not_collide() -> None:
    slugs = assign_slugs(["先进", "先锦", "先进2"])
    assert len(set(slugs.values())) == 3


@given(st.lists(st.text(min_size=1, max_size=30), max_size=20))
def test_assigned_slugs_are_unique_valid_ids(names: list[str]) -> None:
    slugs = assign_slugs(names)
    assert len(set(slugs.values())) == len(set(names))
    assert all(ID_RULE.match(s) for s in slugs.values()), slugs
