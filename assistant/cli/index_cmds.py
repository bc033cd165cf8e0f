"""`assistant ingest`, `assistant articles` and `assistant remove`: managing the index."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from ..models import IngestReport
from .common import index_flags, make_assistant


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="add or update articles in the index")
    p.add_argument("paths", nargs="*", help="files, folders or web addresses (default: the corpus folder)")
    index_flags(p)
    p.add_argument("--prune", action="store_true", help="remove articles whose files are gone")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--feed", action="append", default=[], help="follow this RSS/Atom feed and ingest its entries")
    p.add_argument("--feeds", action="store_true", help="poll every followed feed for new entries")

    p = sub.add_parser("feeds", help="list the followed RSS/Atom feeds")
    index_flags(p)

    p = sub.add_parser("articles", help="list the ingested articles")
    index_flags(p)

    p = sub.add_parser("remove", help="remove articles by id")
    p.add_argument("ids", nargs="+")
    index_flags(p)


def cmd_ingest(args: argparse.Namespace) -> int:
    assistant = make_assistant(args)
    progress = not (args.quiet or args.json)  # the bar goes to stderr; --json keeps both streams clean
    feeds_only = (args.feed or args.feeds) and not args.paths
    # Ctrl-C: `main` says "interrupted" and, for an ingest under way, how to resume (IngestInterrupted)
    report = None if feeds_only else assistant.ingest(args.paths or None, prune=args.prune, progress=progress)
    if args.feed or args.feeds:
        polled = assistant.ingest_feeds(args.feed, refresh=args.feeds, progress=progress)
        report = polled if report is None else _merged(report, polled)
    assert report is not None
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(format_report(report))
    return 0 if report.ok else 1


def _merged(first: IngestReport, second: IngestReport) -> IngestReport:
    for name in ("added", "updated", "unchanged", "removed", "failed", "duplicates"):
        getattr(first, name).extend(getattr(second, name))
    first.chunks += second.chunks
    first.faq_chunks += second.faq_chunks
    first.seconds = round(first.seconds + second.seconds, 3)
    return first


def cmd_feeds(args: argparse.Namespace) -> int:
    infos = make_assistant(args).feeds()
    if args.json:
        print(json.dumps([i.to_dict() for i in infos], ensure_ascii=False))
        return 0
    if not infos:
        print("no feeds followed yet; run: assistant ingest --feed URL")
    for i in infos:
        print(f"{i.url}\n  {i.title or '(no title)'}; {i.entries} entries; last polled {i.polled or 'never'}")
    return 0


def format_report(report: IngestReport) -> str:
    lines = []
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("removed", report.removed),
    ):
        if ids:
            lines.append(f"{label} ({len(ids)}): {', '.join(ids[:20])}{' ...' if len(ids) > 20 else ''}")
    for d in report.duplicates:
        lines.append(f"duplicate {d.source}: same article as {d.duplicate_of}, not indexed twice")
    for f in report.failed:
        lines.append(f"FAILED {f.path}: {f.error}")
    lines.append(f"{report.chunks} chunks written ({report.faq_chunks} FAQ) in {report.seconds:.1f}s")
    return "\n".join(lines)


def cmd_articles(args: argparse.Namespace) -> int:
    infos = make_assistant(args).articles()
    if args.json:
        print(json.dumps([asdict(i) for i in infos], ensure_ascii=False))
        return 0
    if not infos:
        print("no articles ingested yet; run: assistant ingest")
    for i in infos:
        tags = ", ".join(i.tags)
        print(
            f"{i.id}\n  {i.title}\n  by {i.author or '?'} on {i.date or '?'}; tags: {tags or '-'}; "
            f"{i.chunks} chunks ({i.faq_chunks} FAQ); {i.source}"
        )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    removed = make_assistant(args).remove(args.ids)
    missing = [i for i in args.ids if i not in removed]
    if args.json:
        print(json.dumps({"removed": removed, "missing": missing}))
    else:
        print(f"removed: {', '.join(removed) or 'none'}" + (f"; not found: {', '.join(missing)}" if missing else ""))
    return 0 if not missing else 1
