"""Shared pieces of the speed benchmarks: timing, memory, the SQuAD data and the load note.

Numbers from a shared 2-core machine move with whatever else runs, so every report carries the
load average next to it; ratios measured in one process run (ours / limit, ours / peer) are the
stable part.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SQUAD = ROOT / "evals" / "data" / "squad-v1.1-dev-slice.json"


def load_note() -> str:
    """`uptime`'s load averages and the core count, for the record next to every number."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min) on {os.cpu_count()} cores"


def rss_mb() -> float:
    """Resident memory of this process now."""
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


@contextmanager
def timed(into: dict[str, float], key: str) -> Iterator[None]:
    """Store the wall time of the block, in seconds, under `into[key]`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        into[key] = time.perf_counter() - started


def latencies(fn: Callable[[str], object], questions: list[str]) -> list[float]:
    """Milliseconds per call of `fn(question)`, one warm-up call first (lazy loads are not queries)."""
    fn(questions[0])
    out = []
    for q in questions:
        started = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - started) * 1000)
    return out


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
