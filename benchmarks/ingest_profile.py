"""Where ingest time goes on the SQuAD slice, default settings: the encoder alone over exactly the
texts our ingest embeds (the limit), then our ingest with the time spent inside `Embedder.embed`
counted. A quicker, single-backend view of `speed.py compare`'s ours / limit ratio.

    python benchmarks/ingest_profile.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_common import load_note  # noqa: E402 - after the path set-up
from compare import ingest_texts  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402
from assistant.embeddings import get_embedder  # noqa: E402
from assistant.testsets import read_squad, squad_articles  # noqa: E402

SQUAD = ROOT.parent / "shared" / "eval" / "squad-v1.1-dev-public.json"


def main() -> None:
    articles = squad_articles(read_squad(SQUAD))
    settings = Settings.load(env={}, index_dir=Path(tempfile.mkdtemp()) / "index")
    texts = ingest_texts(articles, settings)
    embedder = get_embedder(settings)
    embedder.embed(texts[:8])  # first call allocates; not part of the steady rate
    print(f"{len(articles)} articles, {len(texts)} texts, embedding_backend {settings.embedding_backend}; "
          f"{load_note()}")

    wall, cpu = time.perf_counter(), time.process_time()
    embedder.model.encode(texts, batch_size=settings.embedding_batch_size)
    limit_wall, limit_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"limit: wall {limit_wall:.2f} s, CPU {limit_cpu:.2f} s")

    inside = {"wall": 0.0, "cpu": 0.0}
    embed = embedder.embed

    def counted(batch: list[str]) -> np.ndarray:
        w, c = time.perf_counter(), time.process_time()
        try:
            return embed(batch)
        finally:
            inside["wall"] += time.perf_counter() - w
            inside["cpu"] += time.process_time() - c

    embedder.embed = counted  # type: ignore[method-assign]
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        Assistant.from_settings(settings).ingest_articles(articles, progress=False)
        ours_wall, ours_cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        embedder.embed = embed  # type: ignore[method-assign]
    print(f"ours:  wall {ours_wall:.2f} s, CPU {ours_cpu:.2f} s; inside embed wall {inside['wall']:.2f} s, "
          f"CPU {inside['cpu']:.2f} s")
    print(f"ours / limit: wall {ours_wall / limit_wall:.3f}, CPU {ours_cpu / limit_cpu:.3f}; {load_note()}")


if __name__ == "__main__":
    main()
