"""Start things: a new site from the bundled starter (`init`), a new draft story (`new story`)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import yaml

from generator.content.load import load_content
from generator.content.slugs import slugify
from generator.errors import UsageError
from generator.model.validate import ID_HINT, ID_RULE

STARTER = Path(__file__).resolve().parent / "starter"
STARTER_EMPTY = Path(__file__).resolve().parent / "starter_empty"
# The hints sit in an HTML comment, which is never published even if left in.
BODY_HINT = """<!--
提示：正文用 Markdown 写。“## 小标题”分段，“**加粗**”强调，“- ”开头写列表。
summary 写一两句话的摘要，会显示在故事列表、订阅和分享链接里。
写好后把 draft: true 改为 draft: false（或删去这一行），再运行 gongjian build 发布。
-->

在这里写正文。
"""


def init_site(target: Path, empty: bool = False, today: date | None = None) -> list[Path]:
    """Copy a starter site into an empty or new folder: the small example, or (empty) commented files and no records."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} 已存在且不是空文件夹；为免覆盖已有文件，请换一个新文件夹名")
    shutil.copytree(STARTER_EMPTY if empty else STARTER, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".*"))
    if empty:
        # The campaign starts today until the user writes its real start; a fixed date would date every page wrongly.
        site = target / "content/site.yaml"
        day = (today or date.today()).isoformat()
        site.write_text(site.read_text(encoding="utf-8").replace("{today}", day), encoding="utf-8")
        for folder in ("stories", "assets"):  # a wheel keeps no empty folders
            (target / "content" / folder).mkdir(exist_ok=True)
    return sorted(p for p in target.rglob("*") if p.is_file())


def _branch_ids(content_dir: Path) -> set[str]:
    """Ids of the branches as written (the rest of the content need not be valid yet)."""
    raw = load_content(content_dir)
    return {str(r.data["id"]) for r in raw.records.get("branches", []) if isinstance(r.data, dict) and "id" in r.data}


def story_front_matter(title: str, today: date, branches: list[str]) -> str:
    """Return valid front matter for a new draft story."""
    front: dict[str, object] = {"title": title, "date": today}
    if branches:
        front["branches"] = branches
    front |= {"author": "", "tags": [], "summary": "", "draft": True}
    return yaml.safe_dump(front, allow_unicode=True, sort_keys=False, default_flow_style=None)


def new_story(content_dir: Path, title: str, today: date, branches: list[str] | None = None,
              slug: str | None = None) -> Path:
    """Write stories/<slug>.md as a draft; the slug comes from the title's pinyin unless given."""
    title = title.strip()
    if not title:
        raise UsageError("故事标题不能为空，例如：gongjian new story 义诊进村")
    if not content_dir.is_dir():
        raise UsageError(f"找不到内容文件夹 {content_dir}；请在网站文件夹里运行，或用 --content 指定")
    slug = slug or slugify(title)
    if not slug:
        raise UsageError(f"无法从标题“{title}”生成文件名；请用 --slug 指定，例如 --slug winter-visit")
    if not ID_RULE.match(slug):
        raise UsageError(f"文件名“{slug}”不合格：{ID_HINT}")
    known = _branch_ids(content_dir) if branches else set()
    for branch in branches or []:
        if branch not in known:
            raise UsageError(f"找不到支部“{branch}”；请写 branches 里已有的支部编号")
    path = content_dir / "stories" / f"{slug}.md"
    if path.exists():
        raise UsageError(f"{path} 已经存在；请换个标题，或用 --slug 指定另一个文件名")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{story_front_matter(title, today, branches or [])}---\n{BODY_HINT}", encoding="utf-8")
    return path


def written_as_of(content_dir: Path) -> date | None:
    """Return the as_of written in site.yaml, if it is a plain date (anything else is check's to report)."""
    try:
        data = yaml.safe_load((content_dir / "site.yaml").read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    value = data.get("as_of") if isinstance(data, dict) else None
    return value if isinstance(value, date) else None
