"""Calibrate the citation checker's weights and threshold on SQuAD (prints a table, changes nothing).

Labelled (claim, passage) pairs are built from SQuAD questions, since no labelled LLM answers exist
here. Positives, against the gold paragraph:
  - gold:      the paragraph sentence that holds the answer, verbatim (models often copy);
  - excerpt:   a window of about 12 words around the answer (a shortened copy);
  - statement: the question turned into a statement ending with its gold answer.
Negatives:
  - other:     the excerpt and statement checked against another paragraph of the same article
               that does not contain the answer (same topic, wrong passage);
  - swapped:   the statement with its answer replaced by another question's answer, against the
               gold paragraph (right passage, invented fact).

Usage: HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/citecheck_calibration.py [--sample 600]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answer import citecheck
from assistant.index.embeddings import get_embedder
from assistant.ingest.chunking import sentence_spans
from assistant.settings import Settings

SQUAD = Path(__file__).resolve().parent.parent / "evals" / "data" / "squad-v1.1-dev-slice.json"
WH = re.compile(
    r"^(what|which|who|whom|whose|when|where|why|how( many| much| long| old)?|in what|in which)\s+"
    r"(is|was|are|were|did|does|do|has|had)?\s*",
    re.I,
)


def examples(sample: int, seed: int) -> list[tuple[str, str, str, bool]]:
    """(kind, claim, paragraph, label) tuples; label True when the paragraph supports the claim."""
    rng = random.Random(seed)
    rows = []
    for article in json.loads(SQUAD.read_text())["data"]:
        paras = [p["context"] for p in article["paragraphs"]]
        answers = [qa["answers"][0]["text"] for p in article["paragraphs"] for qa in p["qas"]]
        for i, p in enumerate(article["paragraphs"]):
            for qa in p["qas"]:
                rows.append((paras, i, qa, answers))
    out = []
    for paras, i, qa, answers in rng.sample(rows, sample):
        out += _pairs(paras, i, qa, answers, rng)
    return out


def _pairs(paras: list[str], i: int, qa: dict, answers: list[str], rng: random.Random) -> list:
    gold, answer = paras[i], qa["answers"][0]["text"]
    start = qa["answers"][0]["answer_start"]
    sentence = next((gold[a:b] for a, b in sentence_spans(gold) if a <= start < b), "")
    words = [*gold[:start].split()[-6:], answer, *gold[start + len(answer) :].split()[:6]]
    excerpt = " ".join(words).strip(" ,;") + "."
    statement = WH.sub("", qa["question"]).rstrip("?").strip() + " " + answer + "."
    out = [("gold", sentence, gold, True), ("excerpt", excerpt, gold, True), ("statement", statement, gold, True)]
    others = [p for j, p in enumerate(paras) if j != i and answer.lower() not in p.lower()]
    if others:
        other = rng.choice(others)
        out += [("other", excerpt, other, False), ("other", statement, other, False)]
    wrong = [a for a in answers if a.lower() not in gold.lower() and a.lower() != answer.lower()]
    if wrong:
        out.append(("swapped", statement.replace(answer, rng.choice(wrong)), gold, False))
    return [row for row in out if row[1].strip()]


def features(rows: list, embed) -> list[tuple[float, float, bool]]:
    """(dense, lexical, has_novel_terms) for each row, computed as the checker does."""
    paras = sorted({r[2] for r in rows})
    sources = {}
    for text in paras:
        spans = sentence_spans(text)
        sources[text] = citecheck.Source(1, text, spans, embed([text[a:b] for a, b in spans]))
    claims = embed([r[1] for r in rows])
    out = []
    for (_kind, claim, para, _label), vec in zip(rows, claims, strict=True):
        s = sources[para]
        out.append(
            (float((s.vectors @ vec).max()), citecheck.lexical_overlap(claim, s), bool(citecheck.novel_terms(claim, s)))
        )
    return out


def table(rows: list, feats: list) -> None:
    """Best threshold per dense weight, with and without the novel-name rule (balanced accuracy)."""
    labels = np.array([r[3] for r in rows])
    dense, lexical, novel = (np.array(x) for x in zip(*feats, strict=True))
    print(f"{len(rows)} pairs: {labels.sum()} supported, {(~labels).sum()} not")
    print("w_dense  novel-rule  best-threshold  balanced-accuracy  recall(pos)  specificity(neg)  acc@0.60")
    for w in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0):
        score = w * dense + (1 - w) * lexical
        for rule in (False, True):
            grid = [(*_rates(score >= t, novel if rule else None, labels), t) for t in np.arange(0.40, 0.86, 0.05)]
            acc, recall, spec, t = max(grid)
            at = _rates(score >= citecheck.SUPPORT, novel if rule else None, labels)[0]
            print(f"{w:7.2f}  {rule!s:>10}  {t:14.2f}  {acc:17.3f}  {recall:11.3f}  {spec:16.3f}  {at:8.3f}")
    by_kind(rows, dense, lexical, novel)


def _rates(pred: np.ndarray, novel: np.ndarray | None, labels: np.ndarray) -> tuple[float, float, float]:
    if novel is not None:
        pred = pred & ~novel
    recall, spec = float(pred[labels].mean()), float((~pred[~labels]).mean())
    return (recall + spec) / 2, recall, spec  # balanced: the kinds differ in size


def by_kind(rows: list, dense: np.ndarray, lexical: np.ndarray, novel: np.ndarray) -> None:
    """Share judged right per kind of pair, at thresholds around the shipped one (with the novel rule)."""
    score = citecheck.support_score(dense, lexical)
    thresholds = (0.50, 0.55, 0.60, 0.65)
    print(
        f"\nshare judged right per kind, w_dense={citecheck.W_DENSE}, novel rule on (shipped threshold "
        f"{citecheck.SUPPORT}):"
    )
    print("kind          n  mean-score  " + "  ".join(f"t={t:.2f}" for t in thresholds))
    for kind in ("gold", "excerpt", "statement", "other", "swapped"):
        idx = [i for i, r in enumerate(rows) if r[0] == kind]
        if idx:
            right = [np.mean([((score[i] >= t) and not novel[i]) == rows[i][3] for i in idx]) for t in thresholds]
            print(f"{kind:9s} {len(idx):5d}  {score[idx].mean():10.3f}  " + "  ".join(f"{r:6.3f}" for r in right))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=600, help="SQuAD questions to draw")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = examples(args.sample, args.seed)
    embed = get_embedder(Settings.load(env={})).embed
    table(rows, features(rows, embed))


if __name__ == "__main__":
    main()
