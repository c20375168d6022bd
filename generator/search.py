"""Full-text search for the public site: run Pagefind (the build that segments Chinese) over it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from generator.errors import GongjianError

BUNDLE = "pagefind"
INSTALL_HINT = "请安装:python -m pip install 'pagefind[extended]'"


class SearchIndexError(GongjianError):
    """The search index could not be built; the previous site stays in place."""


def pagefind_binary() -> Path:
    """Return the Pagefind executable shipped inside the `pagefind-bin-extended` wheel."""
    try:
        import pagefind_bin_extended
    except ImportError:
        raise SearchIndexError(f"生成搜索索引需要 Pagefind 扩展版(支持中文分词),但没有安装;{INSTALL_HINT}") from None
    try:
        return Path(pagefind_bin_extended.get_executable())
    except FileNotFoundError:
        raise SearchIndexError(f"Pagefind 扩展版安装不完整,找不到它的程序;{INSTALL_HINT}") from None


def index_search(public_dir: Path) -> None:
    """Write the search index into `public_dir`/pagefind; only the public folder is ever indexed."""
    binary = pagefind_binary()
    # Run inside the public folder so no pagefind.yml of the user's project changes what is indexed,
    # and with no PAGEFIND_* settings from the environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    try:
        result = subprocess.run(
            [str(binary), "--site", ".", "--output-subdir", BUNDLE, "--silent"],
            cwd=public_dir, env=env, capture_output=True, text=True, timeout=600, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SearchIndexError(f"生成搜索索引失败:无法运行 Pagefind({error})") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise SearchIndexError("生成搜索索引失败(Pagefind):" + (detail[-1] if detail else f"退出码 {result.returncode}"))
