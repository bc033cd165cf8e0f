"""Command line: argument parsing and printing only; every behaviour lives behind `Assistant`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from .api import Assistant
from .errors import AssistantError
from .models import IngestReport
from .settings import Settings, SettingsError

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Answers questions about articles, citing them.")
    parser.add_argument("--config", help="TOML settings file (default: ./assistant.toml when present)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update articles in the index")
    p.add_argument("paths", nargs="*", help="files or folders (default: the corpus folder)")
    _index_flags(p)
    p.add_argument("--prune", action="store_true", help="remove articles whose files are gone")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("articles", help="list the ingested articles")
    _index_flags(p)

    p = sub.add_parser("remove", help="remove articles by id")
    p.add_argument("ids", nargs="+")
    _index_flags(p)

    for extend in EXTENSIONS:
        extend(sub)
    return parser


def _index_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", dest="index_dir", help="index folder (default: vectorstore/)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


EXTENSIONS: list[Callable[[Any], None]] = []


def make_assistant(args: argparse.Namespace, **extra: Any) -> Assistant:
    """The assistant the flags describe: settings file, environment, then flags."""
    keys = ("index_dir", "backend", "chroma_url", "top_k", "llm_model", "llm_base_url")
    flags = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    return Assistant.from_settings(Settings.load(config=args.config, **flags, **extra))


@command("ingest")
def cmd_ingest(args: argparse.Namespace) -> int:
    assistant = make_assistant(args)
    progress = not (args.quiet or args.json)  # the bar goes to stderr; --json keeps both streams clean
    try:
        report = assistant.ingest(args.paths or None, prune=args.prune, progress=progress)
    except KeyboardInterrupt:
        print("interrupted: finished articles are saved; run the same command again to resume", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(format_report(report))
    return 0 if report.ok else 1


def format_report(report: IngestReport) -> str:
    lines = []
    for label, ids in (("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged),
                       ("removed", report.removed)):
        if ids:
            lines.append(f"{label} ({len(ids)}): {', '.join(ids[:20])}{' ...' if len(ids) > 20 else ''}")
    for f in report.failed:
        lines.append(f"FAILED {f.path}: {f.error}")
    lines.append(f"{report.chunks} chunks written ({report.faq_chunks} FAQ) in {report.seconds:.1f}s")
    return "\n".join(lines)


@command("articles")
def cmd_articles(args: argparse.Namespace) -> int:
    infos = make_assistant(args).articles()
    if args.json:
        print(json.dumps([asdict(i) for i in infos], ensure_ascii=False))
        return 0
    if not infos:
        print("no articles ingested yet; run: assistant ingest")
    for i in infos:
        tags = ", ".join(i.tags)
        print(f"{i.id}\n  {i.title}\n  by {i.author or '?'} on {i.date or '?'}; tags: {tags or '-'}; "
              f"{i.chunks} chunks ({i.faq_chunks} FAQ); {i.source}")
    return 0


@command("remove")
def cmd_remove(args: argparse.Namespace) -> int:
    removed = make_assistant(args).remove(args.ids)
    missing = [i for i in args.ids if i not in removed]
    if args.json:
        print(json.dumps({"removed": removed, "missing": missing}))
    else:
        print(f"removed: {', '.join(removed) or 'none'}" + (f"; not found: {', '.join(missing)}" if missing else ""))
    return 0 if not missing else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `assistant` console script."""
    _load_extensions()
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (AssistantError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _load_extensions() -> None:
    """Subcommands that live in their own modules register themselves on import."""
    import importlib

    for name in ("assistant.cli_ask", "assistant.cli_eval", "assistant.cli_serve"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
