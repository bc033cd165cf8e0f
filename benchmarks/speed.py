"""Speed and scale benchmarks: the encoder limit, the LangChain peer and ours; growth to 100k chunks.

    python benchmarks/speed.py compare [--questions 200] [--articles 16] [--backends torch,onnx]
    python benchmarks/speed.py growth [--chunks 3000,10000,100000] [--max-embed-minutes 45]
    python benchmarks/speed.py cold [--backends torch,onnx]

`compare` runs the three pipelines side by side on the SQuAD slice in one process and prints
ingest time, query latency p50/p95, hit@5 and memory, with the ratios ours / limit and ours / peer,
then the cold start (a fresh `python -m assistant ask` on the index it built).

`growth` builds synthetic corpora of about `--chunks` chunks from the slice (sentences shuffled
across paragraphs, words replaced, new titles), each measured in its own process so memory is
that size's alone. Sizes whose embedding would take longer than `--max-embed-minutes` (estimated
from the encoder's measured rate) are built with reused vectors instead: see `synthetic.py`.

Everything prints JSON; `--out FILE` keeps it. Indexes live under `--workdir` (default
runs/speed) and are reused by later runs of the same size.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bench_common import ROOT, SQUAD, load_note
from compare import (
    COLD_QUESTION,
    Result,
    cold_start,
    cold_summary,
    dump,
    ingest_texts,
    limit_onnx,
    limit_torch,
    report,
    run_ours,
    run_peer,
)

from assistant import Settings
from assistant.eval.testsets import read_squad, sample, squad_articles, squad_cases


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=["compare", "growth", "cold", "grow-one"], help="which benchmark")
    p.add_argument("--squad", type=Path, default=SQUAD)
    p.add_argument("--workdir", type=Path, default=ROOT / "runs" / "speed")
    p.add_argument("--questions", type=int, default=200, help="random answerable SQuAD questions (seed 0)")
    p.add_argument("--articles", type=int, default=0, help="only the first N SQuAD articles (0: all 16)")
    p.add_argument("--backends", default="torch,onnx", help="embedding backends of ours to run")
    p.add_argument("--no-peer", action="store_true", help="skip the LangChain peer")
    p.add_argument("--no-limit", action="store_true", help="skip the bare-encoder limit")
    p.add_argument("--chunks", default="3000,10000,100000", help="growth sizes in chunks, comma-separated")
    p.add_argument(
        "--max-embed-minutes",
        type=float,
        default=45.0,
        help="embed for real when the estimate is under this; else reuse vectors",
    )
    p.add_argument("--backend", default="onnx", help="embedding backend for growth")
    p.add_argument("--runs", type=int, default=3, help="cold-start runs")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    p.add_argument("--phase", choices=["build", "query"], help=argparse.SUPPRESS)  # grow-one, in a child
    p.add_argument("--mode", choices=["real", "reused"], help=argparse.SUPPRESS)
    return p.parse_args(argv)


def squad(args: argparse.Namespace) -> tuple[list, list]:
    data = read_squad(args.squad)
    articles = squad_articles(data)[: args.articles or None]
    ids = {a.id for a in articles}
    cases = sample([c for c in squad_cases(data) if c.answerable and c.article_id in ids], args.questions, 0)
    return articles, cases


def compare(args: argparse.Namespace) -> None:
    articles, cases = squad(args)
    backends = [b for b in args.backends.split(",") if b]
    texts = ingest_texts(articles, Settings.load(env={}))
    batch = Settings.load(env={}).embedding_batch_size
    print(
        f"{len(articles)} articles, {len(texts)} texts to embed, {len(cases)} questions; {load_note()}", file=sys.stderr
    )
    results: dict[str, Result] = {}
    # Each backend's limit right before ours with it: the machine's load drifts less in between.
    for backend in backends:
        if not args.no_limit:
            results[f"limit_{backend}"] = (limit_torch if backend == "torch" else limit_onnx)(texts, batch)
            print(results[f"limit_{backend}"].summary(), load_note(), file=sys.stderr)
        results[f"ours_{backend}"] = run_ours(articles, cases, _fresh(args.workdir / f"ours-{backend}"), backend)
        print(results[f"ours_{backend}"].summary(), load_note(), file=sys.stderr)
    if not args.no_peer:
        results["peer"] = run_peer(articles, cases, _fresh(args.workdir / "peer"))
        print(results["peer"].summary(), load_note(), file=sys.stderr)
    cold = {b: cold_summary(cold_start(args.workdir / f"ours-{b}", COLD_QUESTION, b, args.runs)) for b in backends}
    dump(report(results, len(texts), cold), args.out)


def cold(args: argparse.Namespace) -> None:
    """Cold start only, on indexes a `compare` run left in the workdir."""
    backends = [b for b in args.backends.split(",") if b]
    out = {"load": load_note()}
    for b in backends:
        out[b] = cold_summary(cold_start(args.workdir / f"ours-{b}", COLD_QUESTION, b, args.runs))
    dump(out, args.out)


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.what == "compare":
        compare(args)
    elif args.what == "cold":
        cold(args)
    else:
        from growth import grow_one, growth

        (growth if args.what == "growth" else grow_one)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
