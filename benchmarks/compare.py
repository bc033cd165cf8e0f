"""Side by side on the SQuAD slice, in one process: the encoder limit, the LangChain peer, and ours.

Same articles and questions for all three. Ingest is timed from parsed articles to a searchable
index; the limit is one bare `encode` over exactly the texts our ingest embeds (chunk texts with
their title, and every sentence), so ours / limit is our overhead around the encoder.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench_common import ROOT, latencies, load_note, peak_mb, percentile, rss_mb
from peer import Peer

from assistant import Assistant, Settings
from assistant.eval.metrics import contains_answer, spans_overlap
from assistant.eval.testsets import TestCase
from assistant.index.embeddings import resolve_model_path
from assistant.ingest.chunking import chunk_article, context_text, sentence_spans
from assistant.models import Article


@dataclass
class Result:
    """What one pipeline measured; seconds for ingest, milliseconds for queries."""

    name: str
    ingest_s: float = 0.0
    chunks: int = 0
    query_ms: list[float] = field(default_factory=list)
    hit5: float = 0.0
    hit5_answer: float = 0.0  # the gold paragraph's chunk that also holds a gold answer
    rss_delta_mb: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ingest_s": round(self.ingest_s, 2),
            "chunks": self.chunks,
            "p50_ms": round(percentile(self.query_ms, 50), 1),
            "p95_ms": round(percentile(self.query_ms, 95), 1),
            "hit@5": round(self.hit5, 3),
            "hit@5_answer": round(self.hit5_answer, 3),
            "rss_delta_mb": round(self.rss_delta_mb),
            **{k: round(v, 3) for k, v in self.extra.items()},
        }


def ingest_texts(articles: list[Article], settings: Settings) -> list[str]:
    """Exactly the texts `Index._write_group` embeds: chunk context texts, then every sentence."""
    chunks = [c for a in articles for c in chunk_article(a, settings.chunk_size, settings.chunk_overlap)]
    sentences = [c.text[s:e] for c in chunks for s, e in sentence_spans(c.text)]
    return [context_text(c) for c in chunks] + sentences


# --- the limit ----------------------------------------------------------------------------------
def limit_torch(texts: list[str], batch_size: int) -> Result:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model_path("all-MiniLM-L6-v2"), device="cpu")
    model.encode(texts[:8])  # first call allocates; not part of the steady rate
    r = Result("limit (SentenceTransformer.encode, torch)")
    with cpu_and_wall(r):
        model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    r.extra["texts_per_s"] = len(texts) / r.ingest_s
    return r


def limit_onnx(texts: list[str], batch_size: int) -> Result:
    from assistant.index import onnx_backend

    encoder = onnx_backend.load(resolve_model_path("all-MiniLM-L6-v2"))
    encoder.encode(texts[:8])
    r = Result("limit (int8 ONNX encoder alone)")
    with cpu_and_wall(r):
        encoder.encode(texts, batch_size=batch_size)
    r.extra["texts_per_s"] = len(texts) / r.ingest_s
    return r


@contextmanager
def cpu_and_wall(r: Result) -> Iterator[None]:
    """Wall time into `r.ingest_s`, this process's CPU time (all threads) into `r.extra["ingest_cpu_s"]`.

    Other programs on a shared machine stretch wall time, not the CPU time this process needs;
    so the CPU ratio ours / limit is the steadier one.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        r.ingest_s = time.perf_counter() - wall
        r.extra["ingest_cpu_s"] = time.process_time() - cpu


# --- the peer and ours --------------------------------------------------------------------------
def run_peer(articles: list[Article], cases: list[TestCase], folder: Path) -> Result:
    before = rss_mb()
    peer = Peer(folder)
    r = Result("peer (LangChain tutorial, k=4)")
    with cpu_and_wall(r):
        r.chunks = peer.ingest(articles)
    r.query_ms = latencies(peer.search, [c.question for c in cases])
    texts = {a.id: a.text for a in articles}
    hits = [_peer_hits(peer, c, texts[c.article_id]) for c in cases]
    r.hit5 = sum(h for h, _, _ in hits) / len(cases)
    r.hit5_answer = sum(a for _, a, _ in hits) / len(cases)
    r.extra["hit@4"] = sum(h4 for _, _, h4 in hits) / len(cases)  # what the tutorial's k=4 shows a user
    r.rss_delta_mb = rss_mb() - before
    return r


def _peer_hits(peer: Peer, case: TestCase, article_text: str) -> tuple[bool, bool, bool]:
    """(gold in top 5, a gold chunk holding a gold answer in top 5, gold in top 4)."""
    found = peer.search(case.question, k=5)
    gold = [i for i, h in enumerate(found) if _peer_gold(h, case, article_text)]
    answer = any(contains_answer(found[i].text, case.answers) for i in gold)
    return bool(gold), answer, any(i < 4 for i in gold)


def _peer_gold(hit: object, case: TestCase, article_text: str = "") -> bool:
    """The peer's chunk, placed in its article by its start index (or found by its text), overlaps the gold paragraph."""
    start = hit.start  # type: ignore[attr-defined]
    if start < 0:
        start = article_text.find(hit.text)  # type: ignore[attr-defined]
    end = start + len(hit.text)  # type: ignore[attr-defined]
    return (
        hit.article_id == case.article_id
        and start >= 0
        and spans_overlap(  # type: ignore[attr-defined]
            start, end, case.gold_start, case.gold_end
        )
    )


def run_ours(articles: list[Article], cases: list[TestCase], folder: Path, backend: str) -> Result:
    before = rss_mb()
    assistant = Assistant.from_settings(Settings.load(env={}, index_dir=folder, embedding_backend=backend))
    assistant.index.embedder.embed(["warm up"])  # model loading is not ingest (the limit excludes it too)
    r = Result(f"ours ({backend})")
    with cpu_and_wall(r):
        report = assistant.ingest_articles(articles, progress=False)
    r.chunks = report.chunks
    r.query_ms = latencies(assistant.ask, [c.question for c in cases])
    hits = [_our_hits(assistant, c) for c in cases]
    r.hit5 = sum(h for h, _ in hits) / len(cases)
    r.hit5_answer = sum(a for _, a in hits) / len(cases)
    r.rss_delta_mb = rss_mb() - before
    return r


def _our_hits(assistant: Assistant, case: TestCase) -> tuple[bool, bool]:
    found = assistant.retriever.search(case.question, k=5).passages
    gold = [
        p.chunk
        for p in found
        if p.chunk.article_id == case.article_id
        and spans_overlap(p.chunk.start, p.chunk.end, case.gold_start, case.gold_end)
    ]
    return bool(gold), any(contains_answer(c.text, case.answers) for c in gold)


COLD_QUESTION = "Which NFL team represented the AFC at Super Bowl 50?"


# --- cold start ---------------------------------------------------------------------------------
def cold_start(index: Path, question: str, backend: str, runs: int = 3) -> list[float]:
    """Seconds from starting `python -m assistant ask` on an existing index to its printed answer."""
    env = {**os.environ, "ASSISTANT_EMBEDDING_BACKEND": backend, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "assistant", "ask", question, "--index", str(index), "--json"]
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        out.append(time.perf_counter() - started)
        if done.returncode != 0 or "citations" not in done.stdout:
            raise RuntimeError(f"cold start run failed: {done.stderr[-2000:]}")
    return out


def cold_summary(times: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(times), 2),
        "min_s": round(min(times), 2),
        "max_s": round(max(times), 2),
    }


def report(results: dict[str, Result], texts: int, cold: dict[str, dict[str, float]]) -> dict[str, object]:
    """Every number plus the ratios the targets are stated in. Keys: limit_torch, limit_onnx, peer, ours_<backend>."""
    return {
        "load": load_note(),
        "texts_embedded_by_ours": texts,
        "peak_rss_mb": round(peak_mb()),
        "results": {k: r.summary() for k, r in results.items()},
        "cold_start": cold,
        "ratios": ratios(results),
    }


def ratios(results: dict[str, Result]) -> dict[str, float]:
    out: dict[str, float] = {}
    peer, torch_limit = results.get("peer"), results.get("limit_torch")
    for key, r in results.items():
        if not key.startswith("ours_"):
            continue
        backend = key[5:]
        same = results.get(f"limit_{backend}")
        if same:
            out[f"ingest ours({backend}) / limit({backend})"] = round(r.ingest_s / same.ingest_s, 3)
            out[f"ingest CPU ours({backend}) / limit({backend})"] = round(
                r.extra["ingest_cpu_s"] / same.extra["ingest_cpu_s"], 3
            )
        if torch_limit and backend != "torch":
            out[f"ingest ours({backend}) / limit(torch)"] = round(r.ingest_s / torch_limit.ingest_s, 3)
        if peer:
            out[f"ingest ours({backend}) / peer"] = round(r.ingest_s / peer.ingest_s, 3)
            for q in (50, 95):
                out[f"p{q} query ours({backend}) / peer"] = round(
                    percentile(r.query_ms, q) / percentile(peer.query_ms, q), 3
                )
    return out


def dump(data: dict[str, object], out: Path | None) -> None:
    text = json.dumps(data, indent=2)
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
