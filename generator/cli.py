"""The `gongjian` command: the only place that prints and exits."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from generator import __version__
from generator.build import build_site, check_site
from generator.errors import GongjianError
from generator.scaffold import init_site, new_story


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gongjian",
        description="“1+1”好支部共建:把 content/ 里的记录和故事生成公开宣传网站和内部进展看板。",
    )
    parser.add_argument("--version", action="version", version=f"gongjian {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="命令", required=True)

    build = commands.add_parser("build", help="生成网站到 site/(public/ 公开,internal/ 内部)")
    build.add_argument("--content", default="content", type=Path, help="内容文件夹(默认 content)")
    build.add_argument("--out", default="site", type=Path, help="输出文件夹(默认 site)")
    build.add_argument("--drafts", action="store_true", help="同时生成草稿(draft: true)故事")
    build.add_argument("--no-cache", action="store_true",
                       help="不用 .gongjian-cache/ 里的缓存,从头生成(结果与用缓存时完全相同,只是更慢)")

    serve = commands.add_parser("serve", help="预览网站:保存文件后浏览器自动刷新(含草稿)")
    serve.add_argument("--content", default="content", type=Path, help="内容文件夹(默认 content)")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址(默认 127.0.0.1,只有本机能打开)")
    serve.add_argument("--port", default=8000, type=int, help="端口(默认 8000;0 表示自动选一个空闲端口)")
    serve.add_argument("--open", action="store_true", help="启动后用默认浏览器打开预览")

    check = commands.add_parser("check", help="只检查内容,不生成网站")
    check.add_argument("--content", default="content", type=Path, help="内容文件夹(默认 content)")

    new = commands.add_parser("new", help="新建内容,例如:gongjian new story 义诊进村")
    kinds = new.add_subparsers(dest="kind", metavar="类型", required=True)
    story = kinds.add_parser("story", help="新建一篇故事(草稿),文件名由标题的拼音生成")
    story.add_argument("title", nargs="+", help="故事标题(可以带空格)")
    story.add_argument("--branch", action="append", default=[], metavar="支部编号",
                       help="相关支部的编号,可写多次")
    story.add_argument("--slug", help="自定义文件名(默认用标题的拼音)")
    story.add_argument("--content", default="content", type=Path, help="内容文件夹(默认 content)")

    init = commands.add_parser("init", help="新建一个网站文件夹,里面带一个能直接生成的小例子")
    init.add_argument("dir", type=Path, help="新网站的文件夹(不存在或为空)")
    return parser


def _new(args: argparse.Namespace) -> int:
    path = new_story(args.content, " ".join(args.title), date.today(), args.branch, args.slug)
    print(f"已新建故事草稿 {path}。")
    print("写好正文后把 draft: true 改为 false,再运行 gongjian build;写作时可用 gongjian serve 预览(草稿带“草稿”标记)。")
    return 0


def _init(args: argparse.Namespace) -> int:
    files = init_site(args.dir)
    print(f"已在 {args.dir} 新建网站({len(files)} 个文件)。接下来:")
    print(f"  cd {args.dir}")
    print("  gongjian build        生成网站到 site/public(公开)和 site/internal(内部)")
    print("  gongjian new story 标题   新建一篇故事")
    return 0


def _build(args: argparse.Namespace) -> int:
    result = build_site(args.content, args.out, drafts=args.drafts, cache=not args.no_cache)
    p = result.summary
    done = "内容没有变化,网站已是最新" if result.unchanged else "已生成"
    print(f"{done} {result.out}/public({result.public_files} 个文件)和 {result.out}/internal"
          f"({result.internal_files} 个文件),用时 {result.seconds:.2f} 秒。")
    print(f"截至 {p.as_of}:{p.paired}/{p.branches} 个支部完成对接,"
          f"{p.activities} 次活动,约谈名单 {p.lagging} 个支部。")
    print(f"注意:{result.out}/internal 是内部资料,不要公开发布;对外只发布 {result.out}/public。")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from generator.serve import serve_preview  # the web server is loaded only when previewing

    serve_preview(args.content, args.host, args.port, args.open, lambda text: print(text, flush=True))
    return 0


def _check(args: argparse.Namespace) -> int:
    checked = check_site(args.content)
    site = checked.site
    print(f"内容检查通过:{len(site.units)} 个单位、{len(site.branches)} 个支部、{len(site.villages)} 个共建村、"
          f"{len(site.activities)} 次活动、{len(site.inspections)} 次督导、{len(site.stories)} 篇故事。")
    for note in checked.assets.notes:
        print(note)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    handlers = {"build": _build, "check": _check, "serve": _serve, "new": _new, "init": _init}
    try:
        return handlers[args.command](args)
    except GongjianError as error:
        for line in error.lines():
            print(line, file=sys.stderr)
        if args.command == "build":
            print("没有生成新网站,原来的输出保持不变。", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`gongjian check | head`): stop quietly, like other CLI tools.
        sys.stderr.close()
        return 1
