"""The `gongjian` command: the only place that prints and exits."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from generator import __version__
from generator.argparse_zh import ChineseArgumentParser
from generator.build import build_site, check_site
from generator.errors import (
    NOTES_APART,
    GongjianError,
    Problem,
    StrictNotes,
    UsageError,
    note_lines,
    notes_grouped,
)
from generator.model.validate import DATE_RULE, half_width
from generator.scaffold import init_site, new_story, written_as_of


def _day(text: str) -> date:
    """Read a --as-of / --since date, strictly YYYY-MM-DD."""
    fixed = half_width(text.strip())
    if DATE_RULE.match(fixed):
        try:
            day = date.fromisoformat(fixed)
        except ValueError:
            raise argparse.ArgumentTypeError(f"没有 {fixed} 这一天，请检查月份和日期") from None
        if fixed != text.strip():
            raise argparse.ArgumentTypeError(f"“{text}”里有全角字符；请切换到半角（英文）输入，写成 {fixed}")
        return day
    raise argparse.ArgumentTypeError(f"“{text}”不是日期；请写成 YYYY-MM-DD，例如 2017-12-15")


def _content_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", default="content", type=Path, metavar="文件夹",
                        help="内容文件夹（默认 content）")


def _date_options(parser: argparse.ArgumentParser, since: bool) -> None:
    parser.add_argument("--as-of", type=_day, metavar="日期",
                        help="统计截至这一天（YYYY-MM-DD），代替 site.yaml 里的 as_of；"
                             "晚于它的记录不计入，并逐条提示")
    if since:
        parser.add_argument("--since", type=_day, metavar="日期",
                            help="看板和一页报告同时列出这一天以后的新增（对接、活动、督导），如写上周的日期得到本周新增")


def _strict_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true",
                        help="把提示（如晚于截至日期的记录、未写正文的故事）当作错误：有提示就不通过")


def _verbose_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--verbose", action="store_true",
                        help=f"逐条列出全部提示；不加时，同一文件里同类的提示超过 {NOTES_APART} 条就合并为一行（条数和前几个行号）")


def _parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="gongjian",
        description="“1+1”好支部共建：把 content/ 里的记录和故事生成公开宣传网站和内部进展看板。",
        epilog="例如：gongjian build（生成网站）、gongjian serve（预览）、gongjian build -h（build 的全部参数）",
    )
    parser.add_argument("--version", action="version", version=f"gongjian {__version__}", help="显示版本号并退出")
    commands = parser.add_subparsers(dest="command", metavar="命令", required=True, title="命令",
                                     help="下面之一；各命令的参数用 gongjian 命令 -h 查看")

    build = commands.add_parser("build", help="检查内容并生成网站到 site/（public/ 公开，internal/ 内部）",
                                description="检查内容并生成两个网站：site/public（公开）和 site/internal（内部）。")
    _content_option(build)
    build.add_argument("--out", default="site", type=Path, metavar="文件夹", help="输出文件夹（默认 site）")
    build.add_argument("--drafts", action="store_true", help="同时生成草稿（draft: true）故事")
    build.add_argument("--no-cache", action="store_true",
                       help="不用以前生成的任何结果，从头生成（内容没变也重新生成；结果完全相同，只是更慢）")
    _date_options(build, since=True)
    _strict_option(build)
    _verbose_option(build)

    check = commands.add_parser("check", help="只检查内容，不生成网站", description="只检查内容，不生成网站。")
    _content_option(check)
    _date_options(check, since=False)
    _strict_option(check)
    _verbose_option(check)

    serve = commands.add_parser("serve", help="预览网站：保存文件后浏览器自动刷新（含草稿）",
                                description="本地预览两个网站（含草稿）：保存内容或模板后浏览器自动刷新。按 Ctrl+C 停止。")
    _content_option(serve)
    serve.add_argument("--host", default="127.0.0.1", metavar="地址",
                       help="监听地址（默认 127.0.0.1，只有本机能打开）")
    serve.add_argument("--port", default=8000, type=int, metavar="端口",
                       help="端口（默认 8000；0 表示自动选一个空闲端口）")
    serve.add_argument("--open", action="store_true", help="启动后用默认浏览器打开预览")
    _date_options(serve, since=True)
    _verbose_option(serve)

    new = commands.add_parser("new", help="新建内容，例如：gongjian new story 义诊进村",
                              description="新建内容。目前可以新建故事：gongjian new story 标题")
    kinds = new.add_subparsers(dest="kind", metavar="类型", required=True, title="类型", help="目前只有 story（故事）")
    story = kinds.add_parser("story", help="新建一篇故事（草稿），文件名由标题的拼音生成",
                             description="在 content/stories/ 里新建一篇故事草稿，文件名由标题的拼音生成。")
    story.add_argument("title", nargs="+", metavar="标题", help="故事标题（可以带空格）")
    story.add_argument("--branch", action="append", default=[], metavar="支部编号",
                       help="相关支部的编号，可写多次")
    story.add_argument("--slug", metavar="文件名", help="自定义文件名（默认用标题的拼音）")
    _content_option(story)

    _add_spreadsheet_commands(commands)

    init = commands.add_parser("init", help="新建一个网站文件夹：带一个能直接生成的小例子，或加 --empty 从空白开始",
                               description="新建一个网站文件夹，里面带一个能直接生成的小例子；加 --empty 则没有任何记录，"
                                           "每个文件开头写明各字段的意思和写法示例。")
    init.add_argument("dir", type=Path, metavar="文件夹", help="新网站的文件夹（不存在或为空）")
    init.add_argument("--empty", action="store_true",
                      help="不带例子：各记录文件只有字段说明和注释掉的示例，行动开始日期先填今天")
    return parser


def _add_spreadsheet_commands(commands: Any) -> None:
    """Add `template`, `import` and `export` (spreadsheets in and out)."""
    template = commands.add_parser("template", help="生成发给各单位的填报表格（.xlsx）")
    template.add_argument("file", type=Path, metavar="表格.xlsx", help="要生成的表格文件")
    template.add_argument("--unit", metavar="单位编号", help="只给这个单位，并预先填好它已有的支部")
    _content_option(template)
    imp = commands.add_parser("import", help="导入填好的表格（.xlsx）或 Word 故事（.docx）到 content/（有问题则一个也不导入）")
    imp.add_argument("files", nargs="+", type=Path, metavar="文件", help="一个或多个填好的表格（.xlsx），或 Word 故事（.docx）")
    imp.add_argument("--date", type=_day, metavar="日期", help="Word 故事的日期（YYYY-MM-DD）；不写时暂填今天并在 check 时提示")
    imp.add_argument("--branch", action="append", default=[], metavar="支部编号", help="Word 故事相关支部的编号，可写多次")
    imp.add_argument("--unit", metavar="单位编号", help="Word 故事的单位编号")
    imp.add_argument("--replace", action="store_true",
                     help="表格里的记录与另一个单位的记录编号相同时，用表格里的替换原记录（会列出替换了哪些）")
    _content_option(imp)
    export = commands.add_parser("export", help="把全部记录导出为一个表格（内部资料），格式与填报表相同")
    export.add_argument("file", type=Path, metavar="表格.xlsx", help="要生成的表格文件")
    _content_option(export)


def _save(file: Path, data: bytes) -> None:
    if file.suffix.lower() != ".xlsx":
        raise UsageError(f"{file}: 文件名应以 .xlsx 结尾")
    try:
        file.write_bytes(data)
    except OSError as error:
        raise UsageError(f"{file}: 无法写入（{error.strerror or error}）；如果表格正在 Excel 或 WPS 里打开，请先关闭") from error


def _template(args: argparse.Namespace) -> int:
    from generator.office.xlsx_export import template_workbook  # openpyxl is loaded only for spreadsheets

    data, who = template_workbook(args.content, args.unit)
    _save(args.file, data)
    print(f"已生成填报表 {args.file}（{who}）。发给单位填写，收回后运行 gongjian import {args.file}。")
    return 0


def _import_documents(args: argparse.Namespace) -> int:
    from generator.office.docx_import import import_documents  # mammoth is loaded only for Word files

    stories = import_documents(args.files, args.content, args.date, args.branch, args.unit)
    for story in stories:
        print(f"已导入 {story.source} → {story.path}（{len(story.images)} 张图片）。")
    print("导入的故事是草稿：运行 gongjian check 查看待填写的项，用 gongjian serve 预览，改好后把 draft: true 改为 false。")
    return 0


def _import(args: argparse.Namespace) -> int:
    words = [f for f in args.files if f.suffix.lower() in (".docx", ".doc", ".wps")]
    if words and len(words) < len(args.files):
        raise UsageError("表格（.xlsx）和 Word 文档（.docx）请分两次导入")
    if words:
        return _import_documents(args)
    if args.date or args.branch or args.unit:
        raise UsageError("--date、--branch、--unit 只用于导入 Word 故事（.docx）")
    from generator.office.xlsx_import import import_workbooks

    plan = import_workbooks(args.files, args.content, replace=args.replace)
    for note in plan.notes:
        print(f"  {note}")
    names = {"units": "单位", "branches": "支部", "villages": "共建村", "activities": "活动", "inspections": "督导"}
    for kind, t in plan.tallies.items():
        if t.added or t.updated or t.unchanged:
            print(f"  {names[kind]}：新增 {t.added}、更新 {t.updated}、未变 {t.unchanged}")
    total = [sum(getattr(t, f) for t in plan.tallies.values()) for f in ("added", "updated", "unchanged")]
    print(f"导入完成：新增 {total[0]}、更新 {total[1]}、未变 {total[2]}，改动了 {len(plan.files)} 个文件。")
    if plan.files:
        print("接下来运行 gongjian check 检查，再运行 gongjian build 生成网站。")
    return 0


def _export(args: argparse.Namespace) -> int:
    from generator.office.xlsx_export import export_workbook

    data, site = export_workbook(args.content)
    _save(args.file, data)
    print(f"已导出 {args.file}：{len(site.units)} 个单位、{len(site.branches)} 个支部、{len(site.villages)} 个共建村、"
          f"{len(site.activities)} 次活动、{len(site.inspections)} 次督导。")
    print("注意：这个表格是内部资料（含支部书记、联系电话、受益人和督导记录），不要公开发布或外传。")
    return 0


def _notes(notes: tuple[Problem, ...], verbose: bool) -> None:
    """Show what the build leaves out on purpose: as 提示 (many of a kind grouped), to stderr like the errors, then a count."""
    for line in note_lines(notes, verbose):
        print(f"提示：{line}", file=sys.stderr)
    if notes:
        more = "；同类的已合并，加 --verbose 逐条列出" if not verbose and notes_grouped(notes) else ""
        print(f"共 {len(notes):,} 条提示（不是错误，不影响生成；加 --strict 可按错误处理{more}）。", file=sys.stderr)


def _new(args: argparse.Namespace) -> int:
    today = date.today()
    path = new_story(args.content, " ".join(args.title), today, args.branch, args.slug)
    print(f"已新建故事草稿 {path}。")
    as_of = written_as_of(args.content)
    if as_of is not None and as_of < today:
        # Else the story, dated today, waits unpublished behind site.yaml's older as_of.
        print(f"注意：site.yaml 的 as_of 是 {as_of.isoformat()}，早于这篇故事的日期 {today.isoformat()}；"
              f"定稿后要把 as_of 改到 {today.isoformat()} 或以后（或删去 as_of），它才会发布；也可以把故事的 date 改早。")
    print("写好正文后把 draft: true 改为 false，再运行 gongjian build；写作时可用 gongjian serve 预览（草稿带“草稿”标记）。")
    return 0


def _init(args: argparse.Namespace) -> int:
    files = init_site(args.dir, empty=args.empty)
    print(f"已在 {args.dir} 新建{'空白' if args.empty else ''}网站（{len(files)} 个文件）。接下来：")
    print(f"  cd {args.dir}")
    if args.empty:
        print("  先改 content/site.yaml（网站名称、网址、落款单位、行动开始日期），再按各文件开头的说明写记录")
    print("  gongjian serve           预览网站，保存文件后浏览器自动刷新")
    print("  gongjian new story 标题   新建一篇故事")
    print("  gongjian build           生成网站到 site/public（公开）和 site/internal（内部）")
    return 0


def _build(args: argparse.Namespace) -> int:
    result = build_site(args.content, args.out, drafts=args.drafts, cache=not args.no_cache,
                        as_of=args.as_of, since=args.since, strict=args.strict)
    _notes(result.notes, args.verbose)
    p = result.summary
    done = "内容没有变化，网站已是最新" if result.unchanged else "已生成"
    print(f"{done} {result.out}/public（{result.public_files} 个文件）和 {result.out}/internal"
          f"（{result.internal_files} 个文件），用时 {result.seconds:.2f} 秒。")
    if p.branches:
        print(f"截至 {p.as_of}：{p.paired}/{p.branches} 个支部完成对接，"
              f"{p.activities} 次活动，约谈名单 {p.lagging} 个支部。")
    else:
        print(f"截至 {p.as_of}：还没有支部记录；写进 content/branches.yaml 后，这里会显示对接和活动的进展。")
    print(f"注意：{result.out}/internal 是内部资料，不要公开发布；对外只发布 {result.out}/public。")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from generator.preview.serve import serve_preview  # the web server is loaded only when previewing

    serve_preview(args.content, args.host, args.port, args.open, lambda text: print(text, flush=True),
                  as_of=args.as_of, since=args.since, verbose=args.verbose)
    return 0


def _check(args: argparse.Namespace) -> int:
    checked = check_site(args.content, as_of=args.as_of, strict=args.strict)
    _notes(checked.notes, args.verbose)
    site = checked.site
    if not (site.units or site.branches or site.villages or site.activities or site.inspections or site.stories):
        print(f"内容检查通过：还没有任何记录（单位、支部、共建村、活动、督导、故事）；数据截至 {site.as_of.isoformat()}。")
        return 0
    print(f"内容检查通过：{len(site.units)} 个单位、{len(site.branches)} 个支部、{len(site.villages)} 个共建村、"
          f"{len(site.activities)} 次活动、{len(site.inspections)} 次督导、{len(site.stories)} 篇故事；"
          f"数据截至 {site.as_of.isoformat()}。")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    handlers = {"build": _build, "check": _check, "serve": _serve, "new": _new, "init": _init,
                "template": _template, "import": _import, "export": _export}
    try:
        return handlers[args.command](args)
    except GongjianError as error:
        lines = error.lines(args.verbose) if isinstance(error, StrictNotes) else error.lines()
        for line in lines:
            print(line, file=sys.stderr)
        if args.command == "build":
            print("没有生成新网站，原来的输出保持不变。", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`gongjian check | head`): stop quietly, like other CLI tools.
        sys.stderr.close()
        return 1


def run() -> NoReturn:
    """Run the command line as a program, and leave without tearing the heap down object by object.

    After a build of 18,000 branches the interpreter's own shutdown (a last garbage collection and
    freeing millions of objects one by one) took about 2 s more; the work is done and every file is
    closed by then, so the process ends at once (the operating system frees its memory).
    """
    try:
        code = main()
    except SystemExit as leaving:  # argparse's --help and usage errors
        code = leaving.code if isinstance(leaving.code, int) else (0 if leaving.code is None else 2)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
