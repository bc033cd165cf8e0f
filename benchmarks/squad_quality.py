"""Answer quality on the SQuAD slice, through the evaluation harness; and abstention calibration.

    python benchmarks/squad_quality.py [--sample 1000] [--seed 0] [--index runs/squad-index]
    python benchmarks/squad_quality.py --calibrate [--sample 1000] [--seed 0]

The default run ingests the slice's 16 articles into `--index` (kept, so a rerun skips the
ingest), asks `--sample` random answerable questions and prints retrieval hit@1/@5, answer
containment, abstention rate, answer length and latency next to the reference numbers of
`evals/README.md`.

`--calibrate` indexes half of the articles (in `<index>-half<seed>`), asks questions from both
halves with abstention switched off (questions about the other half are unanswerable there),
and prints, per threshold on the answer's `confidence`, how many unanswerable questions would be
declined and how many answerable ones refused: the table to pick `abstain_threshold` from.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant import Assistant, Settings  # noqa: E402 - after the path and environment set-up
from assistant.eval.records import Record  # noqa: E402
from assistant.eval.report import write_run  # noqa: E402
from assistant.eval.run import evaluate  # noqa: E402
from assistant.eval.testsets import TestCase, read_squad, sample, squad_articles, squad_cases  # noqa: E402

SQUAD = ROOT / "evals" / "data" / "squad-v1.1-dev-slice.json"
REFERENCE = (
    "reference (README, plain pipeline): gold paragraph @1 / @5 = dense 0.62/0.87, BM25 0.73/0.92, "
    "fusion 0.71/0.94; best sentence of the top 3 contains a gold answer 0.69"
)
NEVER_ABSTAIN = -1e9  # calibration reads every answer's confidence, so nothing may abstain first


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = read_squad(args.squad)
    if args.calibrate:
        calibrate(args, data)
    else:
        quality(args, data)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--squad", type=Path, default=SQUAD, help="SQuAD JSON file (default: the shared slice)")
    p.add_argument(
        "--index",
        type=Path,
        default=ROOT / "runs" / "squad-index",
        help="index folder, kept between runs so the ingest happens once",
    )
    p.add_argument("--sample", type=int, default=1000, help="random questions to ask (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the sample (and of the calibration split)")
    p.add_argument("--out", type=Path, help="run folder for the full report (default: runs/<timestamp>-squad...)")
    p.add_argument("--calibrate", action="store_true", help="print the abstention trade-off per threshold")
    p.add_argument("--thresholds", default="0.2:1.2:0.05", help="calibration grid start:stop:step")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p.parse_args(argv)


def assistant_on(index: Path, articles: list, quiet: bool, **overrides: object) -> Assistant:
    """An assistant whose index holds `articles` (unchanged ones are skipped by the ingest)."""
    assistant = Assistant.from_settings(Settings.load(index_dir=index, **overrides))
    report = assistant.ingest_articles(articles, progress=not quiet)
    print(
        f"index {index}: {len(report.added) + len(report.updated)} articles embedded, "
        f"{len(report.unchanged)} unchanged",
        file=sys.stderr,
    )
    return assistant


def quality(args: argparse.Namespace, data: dict) -> None:
    assistant = assistant_on(args.index, squad_articles(data), args.quiet)
    cases = sample([c for c in squad_cases(data) if c.answerable], args.sample, args.seed)
    report = evaluate(assistant, cases, progress=not args.quiet, name=f"squad-{len(cases)}-s{args.seed}")
    report.meta["testset"] = str(args.squad)
    out = write_run(report, args.out)
    s = report.summary
    print(
        f"SQuAD slice: {len(cases)} random answerable questions (seed {args.seed}), {report.meta['articles']} "
        f"articles, top_k {assistant.settings.top_k}, abstain_threshold {assistant.settings.abstain_threshold}"
    )
    print(f"  retrieval  hit@1 {s['hit@1']:.3f}  hit@5 {s['hit@5']:.3f}  mrr {s['mrr']:.3f}")
    print(
        f"  answers    containment {s['containment']:.3f}  f1 {s['f1']:.3f}  abstention rate "
        f"{s['abstention_rate']:.3f}  words {s['answer_words']:.1f}  citation precision "
        f"{s['citation_precision']:.3f}  faithfulness {s['faithfulness']:.3f}"
    )
    print(f"  latency    p50 {s['latency_p50_ms']:.0f} ms  p95 {s['latency_p95_ms']:.0f} ms")
    print(f"  {REFERENCE}")
    print(f"  report: {out / 'report.html'}")


# --- calibration -----------------------------------------------------------------------------------
def calibrate(args: argparse.Namespace, data: dict) -> None:
    articles = squad_articles(data)
    random.Random(args.seed).shuffle(articles)
    indexed = {a.id for a in articles[: len(articles) // 2]}
    index = args.index.with_name(f"{args.index.name}-half{args.seed}")
    assistant = assistant_on(
        index, [a for a in articles if a.id in indexed], args.quiet, abstain_threshold=NEVER_ABSTAIN
    )
    cases = calibration_cases(squad_cases(data), indexed, args.sample, args.seed)
    report = evaluate(assistant, cases, progress=not args.quiet, name=f"calibrate-s{args.seed}")
    current = Settings.load().abstain_threshold
    print(
        f"calibration: {len(indexed)} of {len(articles)} articles indexed; {report.summary['answerable']} "
        f"answerable and {report.summary['unanswerable']} unanswerable questions (seed {args.seed})"
    )
    print(tradeoff_table(report.records, grid(args.thresholds), current))


def calibration_cases(cases: list[TestCase], indexed: set[str], n: int, seed: int) -> list[TestCase]:
    """Half the sample from the indexed articles, half from the others, marked unanswerable."""
    inside = [c for c in cases if c.answerable and c.article_id in indexed]
    outside = [replace(c, answerable=False) for c in cases if c.answerable and c.article_id not in indexed]
    return sample(inside, n // 2, seed) + sample(outside, n - n // 2, seed)


def grid(spec: str) -> list[float]:
    start, stop, step = (float(x) for x in spec.split(":"))
    count = round((stop - start) / step)
    return [round(start + i * step, 4) for i in range(count + 1)]


def tradeoff_table(records: list[Record], thresholds: list[float], current: float) -> str:
    """Per threshold: unanswerable declined, answerable refused, answered-and-right, balanced accuracy."""
    ans = [r for r in records if r.answerable and not r.error]
    unans = [r for r in records if not r.answerable and not r.error]
    lines = [
        f"{'threshold':>9} {'abst.acc':>9} {'+partial':>9} {'over-ref':>9} {'ans.right':>9} {'precision':>9} "
        f"{'balanced':>9}"
    ]
    best = max(thresholds, key=lambda t: _balanced(ans, unans, t))
    for t in thresholds:
        acc = _share(unans, lambda r, t=t: r.confidence < t)
        hedged = _share(unans, lambda r, t=t: r.confidence < t or r.partial)
        over = _share(ans, lambda r, t=t: r.confidence < t)
        right = _share(ans, lambda r, t=t: r.confidence >= t and bool(r.scores.get("containment")))
        kept = [r for r in ans + unans if r.confidence >= t]
        precision = _share(kept, lambda r: r.answerable and bool(r.scores.get("containment")))
        mark = " <- current" if abs(t - current) < 1e-9 else ""
        mark += " <- best balanced" if t == best else ""
        lines.append(
            f"{t:>9.2f} {acc:>9.3f} {hedged:>9.3f} {over:>9.3f} {right:>9.3f} {precision:>9.3f} {_balanced(ans, unans, t):>9.3f}{mark}"
        )
    lines.append(
        "abst.acc = unanswerable declined; +partial = declined or answered as partial (hedged); over-ref = answerable declined; ans.right = answerable, "
        "answered and containing a gold answer; precision = right among all answered; balanced = "
        "(abst.acc + 1 - over-ref) / 2"
    )
    return "\n".join(lines)


def _balanced(ans: list[Record], unans: list[Record], t: float) -> float:
    return (_share(unans, lambda r: r.confidence < t) + 1 - _share(ans, lambda r: r.confidence < t)) / 2


def _share(records: list[Record], test: Callable[[Record], object]) -> float:
    return sum(bool(test(r)) for r in records) / len(records) if records else 0.0


if __name__ == "__main__":
    sys.exit(main())
