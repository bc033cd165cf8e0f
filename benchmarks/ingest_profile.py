"""Where ingest time goes on the SQuAD slice, default settings: the encoder alone over exactly the
texts our ingest embeds (the limit), then our ingest with the time spent inside `Embedder.embed`
counted. A quicker, single-backend view of `speed.py compare`'s ours / limit ratio.

    python benchmarks/ingest_profile.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_common import load_note  # noqa: E402 - after the path set-up
from compare import Result, cpu_and_wall, ingest_texts, limit_onnx  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402
from assistant.eval.testsets import read_squad, squad_articles  # noqa: E402
from assistant.index.embeddings import get_embedder  # noqa: E402

SQUAD = ROOT / "evals" / "data" / "squad-v1.1-dev-slice.json"


def main() -> None:
    articles = squad_articles(read_squad(SQUAD))
    settings = Settings.load(env={}, index_dir=Path(tempfile.mkdtemp()) / "index")
    texts = ingest_texts(articles, settings)
    print(
        f"{len(articles)} articles, {len(texts)} texts, embedding_backend {settings.embedding_backend}; {load_note()}"
    )
    if settings.embedding_backend != "onnx":
        sys.exit("this profile compares against the onnx limit; run with the default embedding_backend")

    limit = limit_onnx(texts, settings.embedding_batch_size)
    print(f"limit: wall {limit.ingest_s:.2f} s, CPU {limit.extra['ingest_cpu_s']:.2f} s")

    embedder = get_embedder(settings)
    embedder.embed(texts[:8])  # loaded and warm, as the limit's encoder is
    inside = {"wall": 0.0, "cpu": 0.0}
    embed = embedder.embed

    def counted(batch: list[str]) -> np.ndarray:
        call = Result("one embed call")
        with cpu_and_wall(call):
            vectors = embed(batch)
        inside["wall"] += call.ingest_s
        inside["cpu"] += call.extra["ingest_cpu_s"]
        return vectors

    embedder.embed = counted  # type: ignore[method-assign]
    ours = Result("ours")
    try:
        with cpu_and_wall(ours):
            Assistant.from_settings(settings).ingest_articles(articles, progress=False)
    finally:
        embedder.embed = embed  # type: ignore[method-assign]
    ours_cpu, limit_cpu = ours.extra["ingest_cpu_s"], limit.extra["ingest_cpu_s"]
    print(
        f"ours:  wall {ours.ingest_s:.2f} s, CPU {ours_cpu:.2f} s; inside embed wall {inside['wall']:.2f} s, "
        f"CPU {inside['cpu']:.2f} s"
    )
    print(f"ours / limit: wall {ours.ingest_s / limit.ingest_s:.3f}, CPU {ours_cpu / limit_cpu:.3f}; {load_note()}")


if __name__ == "__main__":
    main()
