"""`assistant eval TESTSET ...` and `assistant eval compare RUN_A RUN_B`: score the assistant.

Argument parsing and printing only; the harness is `eval.run.evaluate` and the run folders are
`eval/report.py`. Exit codes: 0 done, 1 a `--fail-under` bound missed, 2 an error (bad test set, ...).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ..errors import IngestInterrupted
from ..eval.records import METRICS, EvaluationError, EvaluationInterrupted, Report, parse_bounds
from ..eval.run import evaluate, make_judge
from ..eval.testsets import TestCase, corpus_from_testset, load_testset
from .common import make_assistant

USAGE = "assistant eval TESTSET [options]  |  assistant eval compare RUN_A RUN_B [--json]"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="score the assistant on a test set, or compare two runs",
        usage=USAGE,
        description="Runs a test set (JSON Lines, CSV or SQuAD JSON) and writes a run folder; "
        "'eval compare A B' compares two run folders.",
    )
    p.add_argument("testset", help="test set file, or the word 'compare'")
    p.add_argument("runs", nargs="*", help="with 'compare': the two run folders A and B")
    p.add_argument("--index", dest="index_dir", help="index folder (default: vectorstore/)")
    p.add_argument(
        "--corpus-from-testset",
        action="store_true",
        help="ingest the SQuAD file's articles first (into --index, else a temporary folder)",
    )
    p.add_argument("--backend", help="extractive (default), openai, ollama or llamacpp")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--out", help="run folder (default: runs/<timestamp>-<test set name>/)")
    p.add_argument("--name", help="run name (default: the test set's file name)")
    p.add_argument(
        "--fail-under",
        action="extend",
        nargs="+",
        default=[],
        metavar="METRIC=VALUE",
        help=f"exit 1 when a metric is under VALUE; metrics: {', '.join(METRICS)}",
    )
    p.add_argument("--no-judge", action="store_true", help="skip the LLM judge on LLM backends")
    p.add_argument(
        "--focus",
        action="store_true",
        help="ask each question with its article_id as the article filter, as on that article's page",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def cmd_eval(args: argparse.Namespace) -> int:
    if args.testset == "compare":
        return _compare(args)
    if args.runs:
        raise EvaluationError(f"unexpected arguments {' '.join(args.runs)}; usage: {USAGE}")
    bounds = parse_bounds(args.fail_under)  # a typo in a bound fails before a long run, not after
    cases = load_testset(args.testset)
    from ..eval.report import write_run  # here: matplotlib would add 0.6 s to every other command

    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        try:
            report = _run(args, cases, tmp)
        except EvaluationInterrupted as stop:
            out = write_run(stop.report, args.out)
            print(
                f"interrupted {stop.report.meta['interrupted']}: the report of those is in {out / 'report.html'}",
                file=sys.stderr,
            )
            return 130
    out = write_run(report, args.out)
    failed = report.check(bounds)
    _print_run(args, report, out, failed)
    return 1 if failed else 0


def _run(args: argparse.Namespace, cases: list[TestCase], tmp: str) -> Report:
    progress = not (args.quiet or args.json)
    extra = {}
    if args.corpus_from_testset and not args.index_dir:
        extra["index_dir"] = Path(tmp) / "index"  # a fresh index that lives as long as the run
    assistant = make_assistant(args, **extra)
    if args.corpus_from_testset:
        try:
            ingest = assistant.ingest_articles(corpus_from_testset(args.testset), progress=progress)
        except IngestInterrupted:
            if "index_dir" in extra:  # a temporary index: nothing is kept to resume from
                raise KeyboardInterrupt from None
            raise
        if not ingest.ok:
            raise EvaluationError(
                "ingesting the test set's articles failed: " + "; ".join(f"{f.path}: {f.error}" for f in ingest.failed)
            )
    judge = None
    if assistant.settings.backend != "extractive" and not args.no_judge:
        judge = make_judge(assistant.settings)
    name = args.name or Path(args.testset).stem
    report = evaluate(assistant, cases, progress=progress, limit=args.limit, judge=judge, name=name, focus=args.focus)
    report.meta["testset"] = str(args.testset)
    return report


def _print_run(args: argparse.Namespace, report: Report, out: Path, failed: list[str]) -> None:
    from ..eval.report import fmt  # here, not at the top: matplotlib would add 0.6 s to every command (ask, chat)

    if args.json:
        print(json.dumps({"out": str(out), "metrics": report.summary, "failed_bounds": failed}, ensure_ascii=False))
    else:
        s = report.summary
        print(
            f"{s['questions']} questions ({s['answerable']} answerable, {s['unanswerable']} unanswerable, "
            f"{s['errors']} errors, {len(report.failures())} failed)"
        )
        for name in METRICS:
            if s.get(name) is not None:
                print(f"  {name:<20} {fmt(s[name])}")
        if s.get("by_kind"):
            print("  pass rate by kind:  " + "  ".join(f"{k} {fmt(v)}" for k, v in s["by_kind"].items()))
        print(f"report: {out / 'report.html'}")
    for line in failed:
        print(f"FAILED bound: {line}", file=sys.stderr)


def _compare(args: argparse.Namespace) -> int:
    if len(args.runs) != 2:
        raise EvaluationError(f"compare needs two run folders; usage: {USAGE}")
    from ..eval.report import compare_runs

    comparison = compare_runs(*args.runs)
    print(json.dumps(comparison.to_dict(), ensure_ascii=False) if args.json else comparison.to_text())
    return 0
