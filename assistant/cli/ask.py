"""`assistant ask` and `assistant chat`: questions from the terminal."""

from __future__ import annotations

import argparse
import json
import sys

from ..answer.retrieval import Filters
from ..errors import AssistantError
from ..models import Answer
from .common import make_assistant


def add_parsers(sub: argparse._SubParsersAction) -> None:
    for name, help_text in (("ask", "answer one question"), ("chat", "a terminal chat with follow-up questions")):
        p = sub.add_parser(name, help=help_text)
        if name == "ask":
            p.add_argument("question")
        p.add_argument("--index", dest="index_dir", help="index folder (default: vectorstore/)")
        p.add_argument("--json", action="store_true", help="print one JSON object per answer")
        p.add_argument("--article", action="append", default=[], help="limit to this article id (repeatable)")
        p.add_argument("--tag", action="append", default=[], help="limit to articles with this tag (repeatable)")
        p.add_argument("--author", action="append", default=[], help="limit to this author (repeatable)")
        p.add_argument(
            "--since", default="", help="only articles dated on or after: YYYY-MM-DD, yesterday, '3 days ago', ..."
        )
        p.add_argument("--until", default="", help="only articles dated on or before (same forms as --since)")
        p.add_argument(
            "-k",
            "--top-k",
            dest="top_k",
            type=int,
            help="passages to read, exactly (default: the top_k setting, and up to recall_passages more)",
        )
        p.add_argument("--backend", help="extractive (default), openai, ollama or llamacpp")


def _filters(args: argparse.Namespace) -> Filters | None:
    f = Filters(article_ids=args.article, tags=args.tag, authors=args.author, date_from=args.since, date_to=args.until)
    return f or None


def to_json(answer: Answer) -> dict:
    """The `--json` shape: answer, abstained, query, citations and the rest of the answer's data."""
    data = answer.to_dict()
    keys = [
        "answer",
        "abstained",
        "query",
        "citations",
        "question",
        "backend",
        "confidence",
        "unsupported",
        "notes",
        "timings",
    ]
    return {k: data[k] for k in keys}


def format_answer(answer: Answer) -> str:
    lines = [answer.text]
    lines += [f"  note: {n}" for n in answer.notes]
    if answer.unsupported:
        lines.append("  not supported by the cited passages: " + " | ".join(answer.unsupported))
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
    for c in answer.citations:
        where = f"{c.title}" + (f" / {c.section}" if c.section else "")
        page = f", page {c.page}" if c.page else ""
        lines.append(f"  [{c.n}] {where} ({c.source or c.article_id}{page}, chars {c.start}-{c.end})")
        for s in c.sentences:
            lines.append(f"      \u201c{s}\u201d")
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    filters = _filters(args)  # a date it cannot read is refused before the index is opened
    answer = make_assistant(args).ask(args.question, filters=filters)
    print(json.dumps(to_json(answer), ensure_ascii=False) if args.json else format_answer(answer))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    filters = _filters(args)
    assistant = make_assistant(args)
    _ = assistant.index  # no index there (or an unusable one): say so now, not after the first question
    session = assistant.chat()
    interactive = sys.stdin.isatty()
    if interactive:
        print("Ask about the articles. Empty line or Ctrl-D quits; /clear forgets the conversation.")
    while True:
        try:
            line = input("> " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            break
        if not line.strip():
            if interactive:
                break
            continue
        if line.strip() == "/clear":
            session.clear()
            continue
        try:
            answer = session.ask(line, filters=filters)
        except AssistantError as exc:  # e.g. the LLM server went away: say so and keep the chat
            print(f"error: {exc}", file=sys.stderr, flush=True)
            continue
        except KeyboardInterrupt:  # Ctrl-C while a slow (LLM) answer is written: drop it, keep the chat
            print("\n(stopped; the question was not added to the conversation)", file=sys.stderr, flush=True)
            continue
        print(
            json.dumps(to_json(answer), ensure_ascii=False) if args.json else format_answer(answer) + "\n", flush=True
        )
    return 0
