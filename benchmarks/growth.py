"""Growth: ingest time, query latency and memory of ours at about `--chunks` chunks.

Each size is built in one child process and queried in another, so the memory numbers are that
size's alone and the query process is a cold one, as a server would be after a restart.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from bench_common import ROOT, folder_mb, latencies, load_note, peak_mb, percentile, rss_mb
from compare import COLD_QUESTION, cold_start, cold_summary, ingest_texts
from synthetic import ReusingEmbedder, grow

from assistant import Assistant, Settings
from assistant.eval.testsets import read_squad, sample, squad_articles, squad_cases
from assistant.index.embeddings import get_embedder
from assistant.ingest.chunking import chunk_article


def growth(args: argparse.Namespace) -> None:
    """Every size of `--chunks`, each in fresh processes; prints one JSON summary."""
    settings = Settings.load(env={}, embedding_backend=args.backend)
    rate, per_chunk = _calibrate(args, settings)
    rows = []
    for size in [int(s) for s in args.chunks.split(",") if s]:
        estimate_min = size * per_chunk / rate / 60
        mode = "real" if estimate_min <= args.max_embed_minutes else "reused"
        print(
            f"{size} chunks: embedding estimated at {estimate_min:.0f} min at {rate:.0f} texts/s -> {mode} "
            f"vectors; {load_note()}",
            file=sys.stderr,
        )
        build = _child(args, size, "build", mode)
        query = _child(args, size, "query", mode)
        rows.append({"target_chunks": size, "estimated_real_embed_min": round(estimate_min, 1), **build, **query})
    out = {
        "load": load_note(),
        "backend": args.backend,
        "encoder_texts_per_s": round(rate, 1),
        "texts_per_chunk": round(per_chunk, 2),
        "sizes": rows,
    }
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


def _calibrate(args: argparse.Namespace, settings: Settings) -> tuple[float, float]:
    """The encoder's texts/s on a sample of the slice's ingest texts, and texts per chunk."""
    base = squad_articles(read_squad(args.squad))
    texts = ingest_texts(base, settings)
    chunks = sum(len(chunk_article(a, settings.chunk_size, settings.chunk_overlap)) for a in base)
    probe = [texts[i] for i in np.random.default_rng(0).choice(len(texts), 300, replace=False)]
    embedder = get_embedder(settings)
    embedder.embed(probe[:8])
    started = time.perf_counter()
    embedder.embed(probe)
    return len(probe) / (time.perf_counter() - started), len(texts) / chunks


def _child(args: argparse.Namespace, size: int, phase: str, mode: str) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).with_name("speed.py")),
        "grow-one",
        "--chunks",
        str(size),
        "--phase",
        phase,
        "--mode",
        mode,
        "--backend",
        args.backend,
        "--workdir",
        str(args.workdir),
        "--questions",
        str(args.questions),
        "--squad",
        str(args.squad),
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ})
    if done.returncode != 0:
        raise RuntimeError(f"{phase} of {size} chunks failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- in the child process -----------------------------------------------------------------------
def grow_one(args: argparse.Namespace) -> None:
    size = int(args.chunks)
    folder = args.workdir / f"growth-{size}-{args.backend}"
    result = _build(args, size, folder) if args.phase == "build" else _query(args, folder)
    print(json.dumps(result))


def _build(args: argparse.Namespace, size: int, folder: Path) -> dict:
    saved = folder / "build.json"
    if saved.exists():  # built by an earlier run: its numbers stand (delete the folder to rebuild)
        return {**json.loads(saved.read_text()), "build_reused_from_earlier_run": True}
    settings = Settings.load(env={}, index_dir=folder, embedding_backend=args.backend)
    base = squad_articles(read_squad(args.squad))
    sizes = [len(chunk_article(a, settings.chunk_size, settings.chunk_overlap)) for a in base]
    articles, origin = grow(base, max(1, math.ceil(size / sum(sizes))))
    articles = _first_chunks(articles, sizes, size)
    assistant = Assistant.from_settings(settings)
    real = assistant.index.embedder
    real.embed(["warm up"])
    if args.mode == "reused":
        assistant.index._embedder = ReusingEmbedder(real, _known(args, base, settings), origin)
    embed_s = _time_embedding(assistant)
    started = time.perf_counter()
    report = assistant.ingest_articles(articles, progress=False)
    seconds = time.perf_counter() - started
    result = {
        "mode": args.mode,
        "articles": len(articles),
        "chunks": report.chunks,
        "ingest_s": round(seconds, 1),
        "embed_s": round(embed_s[0], 1),
        "other_s": round(seconds - embed_s[0], 1),
        "chunks_per_s": round(report.chunks / seconds, 1),
        "index_mb": round(folder_mb(folder)),
        "build_peak_rss_mb": round(peak_mb()),
        "build_load": load_note(),
    }
    if args.mode == "reused":
        emb = assistant.index.embedder
        result.update(reused_vectors=emb.reused, embedded_for_real=emb.embedded)  # type: ignore[attr-defined]
    saved.write_text(json.dumps(result), encoding="utf-8")
    return result


def _first_chunks(articles: list, base_sizes: list[int], size: int) -> list:
    """The first articles whose chunks add up to about `size` (a copy has its original's length)."""
    total, out = 0, []
    for i, article in enumerate(articles):
        if total >= size:
            break
        out.append(article)
        total += base_sizes[i % len(base_sizes)]
    return out


def _known(args: argparse.Namespace, base: list, settings: Settings) -> dict[str, np.ndarray]:
    """Real vectors of every text of the slice's ingest, computed once and kept in the workdir."""
    texts = ingest_texts(base, settings)
    cache = args.workdir / f"slice-vectors-{args.backend}.npy"
    if cache.exists() and np.load(cache).shape[0] == len(texts):
        vectors = np.load(cache)
    else:
        vectors = get_embedder(settings).embed(texts)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    return dict(zip(texts, vectors, strict=True))


def _time_embedding(assistant: Assistant) -> list[float]:
    """Wrap the index's embedder so the time spent inside `embed` is summed into the returned cell."""
    spent = [0.0]
    embedder = assistant.index.embedder
    inner = embedder.embed

    def timed_embed(texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        try:
            return inner(texts)
        finally:
            spent[0] += time.perf_counter() - started

    embedder.embed = timed_embed  # type: ignore[method-assign]
    return spent


def _query(args: argparse.Namespace, folder: Path) -> dict:
    started = time.perf_counter()
    settings = Settings.load(env={}, index_dir=folder, embedding_backend=args.backend)
    assistant = Assistant.from_settings(settings)
    assistant.index.embedder.embed_one("warm up")
    open_s = time.perf_counter() - started
    rss_open = rss_mb()
    data = read_squad(args.squad)
    cases = sample([c for c in squad_cases(data) if c.answerable], args.questions, 0)
    timings: list[dict[str, float]] = []
    ms = latencies(lambda q: timings.append(assistant.ask(q).timings), [c.question for c in cases])
    cold = cold_summary(cold_start(folder, COLD_QUESTION, args.backend, runs=3))
    return {
        "open_s": round(open_s, 2),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "retrieve_p50_ms": round(percentile([t["retrieve_ms"] for t in timings[1:]], 50), 1),
        "answer_p50_ms": round(percentile([t["answer_ms"] for t in timings[1:]], 50), 1),
        "rss_open_mb": round(rss_open),
        "rss_after_queries_mb": round(rss_mb()),
        "query_peak_rss_mb": round(peak_mb()),
        "cold_start": cold,
        "query_load": load_note(),
    }
