"""Answer quality on questions people ask: the natural sets of `evals/natural/` (written blind, from titles,
teasers and FAQs; see its README), scored the way they were labelled.

One index holds the shipped article, the five articles of `evals/natural/articles/` and the 16 Wikipedia
articles of the SQuAD slice, so every question has distractors. A reply is right when it contains one of
`answers` (case-insensitive), or at least `min_keys` of `keys` (summaries, lists); an unanswerable question
is right when the reply declines or says it is partial. Follow-ups are asked in one chat after their `history`.
The natural sets were written by readers of one article at a time ("how many passengers can it carry?"), so
their questions are asked with that article in focus (the article filter, as on its page); `--extra` files
are asked of all articles at once.

    python benchmarks/natural_quality.py                      # every set, per kind
    python benchmarks/natural_quality.py --sets heldout -v    # the held-aside part, with every miss
    python benchmarks/natural_quality.py --fail-under answered=0.85 declined=0.80   # exit 1 below a bound

`evals/paraphrase/` holds everyday rewordings of the shipped article's seed questions (its README says how
they were written) and `evals/conversations/` long chats about one article, scored the same way. Tune on the
`dev` files only; report the `heldout` ones. `--extra FILE` scores another file of the same shape (or the
`turns` shape: a list of user turns, the last one scored) against the same index. `--one-article` asks each
question of an index holding its article alone, as a user with one article would (BM25's word rarities are the
article's own there).
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench_common import ROOT, SQUAD, load_note

from assistant import Answer, Assistant, Filters, Settings
from assistant.eval.testsets import read_squad, squad_articles

NATURAL = ROOT / "evals" / "natural"


def build_index(index: Path, batch_size: int | None = None) -> Assistant:
    """The natural-set index (kept in `index`: a rerun only checks it is up to date). `batch_size` embeds it in
    batches of that many texts (default: the setting's): see `--batch-size`."""
    overrides = {"embedding_batch_size": batch_size} if batch_size else {}
    assistant = Assistant.from_settings(Settings(index_dir=index, **overrides))
    assistant.ingest([ROOT / "corpus", NATURAL / "articles"], progress=False)
    if not any(a.source.startswith("squad#") for a in assistant.articles()):
        assistant.ingest_articles(squad_articles(read_squad(SQUAD)), progress=False)
    return assistant


def one_article_indexes(folder: Path) -> dict[str, Assistant]:
    """An index per article of the natural-set index, each holding that article alone (kept under `folder`): how
    a user with one article asks. Questions without an article id are not asked there."""
    files = {p.stem: p for p in [*(ROOT / "corpus").glob("*.txt"), *(NATURAL / "articles").glob("*.txt")]}
    squad = {a.id: a for a in squad_articles(read_squad(SQUAD))}
    out = {}
    for article_id in [*files, *squad]:
        assistant = Assistant.from_settings(Settings(index_dir=folder / article_id))
        # every time: an unchanged article is skipped, an interrupted or stale build is finished or redone
        if article_id in files:
            assistant.ingest([files[article_id]], progress=False)
        else:
            assistant.ingest_articles([squad[article_id]], progress=False)
        out[article_id] = assistant
    return out


def score_one_article(indexes: dict[str, Assistant], rows: list[dict[str, Any]], verbose: bool) -> dict[str, Any]:
    """`score` with each question asked of the index holding only its article."""
    by_article: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        if row.get("article_id") in indexes:
            by_article[row["article_id"]].append(row)
    parts = [score(indexes[a], group, verbose) for a, group in by_article.items()]
    answered = sum(p["answered_n"] for p in parts)
    declined = sum(p["declined_n"] for p in parts)
    n_answerable = sum(p["answerable_n"] for p in parts)
    n_unanswerable = sum(p["unanswerable_n"] for p in parts)
    kinds: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for p in parts:
        for k, (a, b) in p["kinds"].items():
            kinds[k][0] += a
            kinds[k][1] += b
    return {
        "n": sum(p["n"] for p in parts),
        "answered": round(answered / n_answerable, 3) if n_answerable else float("nan"),
        "declined": round(declined / n_unanswerable, 3) if n_unanswerable else float("nan"),
        "kinds": {k: tuple(v) for k, v in sorted(kinds.items())},
    }


def load(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:  # the `turns` shape: earlier turns are the history
        if "turns" in r:
            r["history"], r["question"] = r["turns"][:-1], r["turns"][-1]
    return rows


def ask(assistant: Assistant, row: dict[str, Any], focus: bool = True) -> Answer:
    """The reply to `row` in a new chat, after its history; with `focus`, as asked on its article's page
    (the article filter set), which is how the natural sets were written: by a reader of that article."""
    filters = Filters(article_ids=[row["article_id"]]) if focus and row.get("article_id") else None
    chat = assistant.chat()
    for turn in row.get("history", []):
        chat.ask(turn, filters=filters)
    return chat.ask(row["question"], filters=filters)


def right(row: dict[str, Any], answer: Answer) -> bool:
    text = answer.text.lower()
    if not row["answerable"]:
        return answer.abstained or answer.partial
    if answer.abstained:
        return False
    if "keys" in row:
        return sum(k.lower() in text for k in row["keys"]) >= row["min_keys"]
    return any(a.lower() in text for a in row["answers"])


def summary_shape(answer: Answer) -> tuple[int, int]:
    """(cited sentences, distinct sections cited) of a summary."""
    sentences = sum(len(c.sentences) or 1 for c in answer.citations)
    return sentences, len({(c.article_id, c.section) for c in answer.citations})


def parts_cited(assistant: Assistant, answer: Answer) -> int:
    """Distinct parts of its article a summary cites: sections, or passages in an article with one section only
    (the SQuAD articles have no headings, so ">= 2 sections" cannot be asked of them)."""
    articles = {c.article_id for c in answer.citations}
    sections = {a: {chunk.section for chunk, _, _ in assistant.index.manifest.article_rows(a)} for a in articles}
    if any(len(names) > 1 for names in sections.values()):
        return len({(c.article_id, c.section) for c in answer.citations})
    return len({(c.article_id, c.start) for c in answer.citations})


def score(assistant: Assistant, rows: list[dict[str, Any]], verbose: bool, focus: bool = True) -> dict[str, Any]:
    by_kind: dict[str, list[bool]] = collections.defaultdict(list)
    answerable, declined, refused, times, shapes, summary_times = [], [], [], [], [], []
    for row in rows:
        started = time.perf_counter()
        answer = ask(assistant, row, focus)
        times.append((time.perf_counter() - started) * 1000)
        ok = right(row, answer)
        kind = row.get("kind", "fact") if row["answerable"] else "unanswerable"
        by_kind[kind].append(ok)
        (answerable if row["answerable"] else declined).append(ok)
        if row["answerable"]:
            refused.append(answer.abstained)
        if row.get("kind") == "summary" and row["answerable"]:
            shapes.append((*summary_shape(answer), parts_cited(assistant, answer)))
            summary_times.append(times[-1])
        if verbose and not ok:
            want = row.get("answers") or row.get("keys") or "(decline)"
            print(
                f"  MISS {row['id']} [{kind}] {' / '.join([*row.get('history', []), row['question']])}\n"
                f"       want {want}\n       got  {'(abstained) ' if answer.abstained else ''}"
                f"{'(partial) ' if answer.partial else ''}{answer.text[:300]!r}  query={answer.query!r}"
            )
    return {
        "n": len(rows),
        "answered_n": sum(answerable),
        "answerable_n": len(answerable),
        "declined_n": sum(declined),
        "unanswerable_n": len(declined),
        "answered": _rate(answerable),
        "declined": _rate(declined),
        "over_refusal": _rate(refused),
        "all": _rate(answerable + declined),
        "kinds": {k: (sum(v), len(v)) for k, v in sorted(by_kind.items())},
        "summaries_3_sentences_2_sections": _rate([s >= 3 and sec >= 2 for s, sec, _ in shapes]) if shapes else None,
        "summaries_3_sentences_2_parts": _rate([s >= 3 and part >= 2 for s, _, part in shapes]) if shapes else None,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
        "summary_max_ms": round(max(summary_times), 1) if summary_times else None,
    }


def _set_path(name: str) -> Path:
    """`dev` is `evals/natural/dev.jsonl`; `paraphrase/heldout` is `evals/paraphrase/heldout.jsonl`."""
    return (NATURAL.parent / f"{name}.jsonl") if "/" in name else (NATURAL / f"{name}.jsonl")


def _rate(values: list[bool]) -> float:
    return round(sum(values) / len(values), 3) if values else float("nan")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sets",
        nargs="*",
        default=["dev", "heldout", "paraphrase/dev", "paraphrase/heldout"],
        help="sets to score: dev, heldout (evals/natural/), paraphrase/dev, paraphrase/heldout (evals/paraphrase/), "
        "conversations/dev, conversations/heldout (evals/conversations/)",
    )
    p.add_argument("--extra", type=Path, action="append", default=[], help="another question file to score")
    p.add_argument(
        "--no-focus",
        action="store_true",
        help="ask the --sets questions over all articles too, as a user who picks no article does",
    )
    p.add_argument("--index", type=Path, default=ROOT / "runs" / "natural-index")
    p.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    p.add_argument("--fail-under", nargs="*", default=[], help="bounds on the last set, e.g. answered=0.85")
    p.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="embed the index in batches of this many texts (use a new --index). The int8 onnx backend scales "
        "activations per batch, so the same articles embedded in other batches score a little differently: "
        "a change that moves a set by less than that did is noise",
    )
    p.add_argument(
        "--one-article",
        action="store_true",
        help="ask each --sets question of an index holding only its article (kept in runs/natural-one-article/), "
        "as a user with one article does, and print the totals",
    )
    args = p.parse_args()
    if args.one_article:
        indexes = one_article_indexes(ROOT / "runs" / "natural-one-article")
        print(f"natural quality, each question asked of an index of its article alone; {load_note()}")
        for name in args.sets:
            one = score_one_article(indexes, load(_set_path(name)), args.verbose)
            kinds = "  ".join(f"{k} {a}/{b}" for k, (a, b) in one["kinds"].items())
            print(
                f"\n{name}: {one['n']} questions: answerable answered right {one['answered']}, unanswerable "
                f"declined {one['declined']}\n  {kinds}"
            )
        return 0
    assistant = build_index(args.index, args.batch_size)
    print(f"natural quality; {len(assistant.articles())} articles indexed; {load_note()}")
    result: dict[str, Any] = {}
    for path, focus in [(_set_path(name), not args.no_focus) for name in args.sets] + [(e, False) for e in args.extra]:
        print(
            f"\n{path.parent.name}/{path.name}"
            + (" (each question with its article in focus)" if focus else " (all articles)")
        )
        result = score(assistant, load(path), args.verbose, focus)
        kinds = "  ".join(f"{k} {a}/{b}" for k, (a, b) in result["kinds"].items())
        print(
            f"  {result['n']} questions: answerable answered right {result['answered']}, unanswerable declined "
            f"{result['declined']}, over-refusal {result['over_refusal']}, all {result['all']}\n  {kinds}\n"
            f"  summaries with >= 3 cited sentences from >= 2 sections: {result['summaries_3_sentences_2_sections']}"
            f" (from >= 2 parts, passages where the article has one section: {result['summaries_3_sentences_2_parts']})"
            f"\n  p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, slowest summary {result['summary_max_ms']} ms"
        )
    failed = []
    for bound in args.fail_under:
        name, _, value = bound.partition("=")
        if (name == "over_refusal" and result[name] > float(value)) or (
            name != "over_refusal" and result[name] < float(value)
        ):
            failed.append(f"{name} = {result[name]} misses {value}")
    for line in failed:
        print("FAIL", line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
