"""Replicas on one machine: answers per second through 1, 2 and 3 `assistant serve` processes sharing one
index and one Chroma server, and the delay until an article ingested by another process is answerable
on every replica.

    python benchmarks/replicas.py [--replicas 1,2,3] [--clients 6] [--seconds 20] [--reader-user nobody]

Uses the deployment of examples/replicas.py (the readers open the index read-only). For each replica
count, `--clients` gradio_client sessions ask the load questions round-robin over the replicas for
`--seconds`; answers/s is answered requests over wall time. Then one article is ingested from another
process and every replica is asked about it at once until it cites it (`delays_s`, from the ingest's end).
On a shared 2-core machine the replicas compete for the same cores: the load average is printed too.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_common import ROOT, load_note, percentile
from load import QUESTIONS

spec = importlib.util.spec_from_file_location("replicas_example", ROOT / "examples" / "replicas.py")
assert spec and spec.loader
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)

CHECK_ARTICLE = ROOT / "tests" / "data" / "harbour-solar-ferries.txt"
CHECK_QUESTION = "How many passengers do Port Aldwen's harbour crossings carry a day?"


def throughput(urls: list[str], clients: int, seconds: float) -> dict:
    """`clients` sessions asking round-robin over `urls` for `seconds`: answers/s and latencies."""
    from gradio_client import Client

    sessions = [Client(urls[i % len(urls)], verbose=False) for i in range(clients)]
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work(client: object, offset: int) -> None:
        for q in itertools.islice(itertools.cycle(QUESTIONS), offset, None):
            if time.monotonic() >= stop:
                return
            started = time.perf_counter()
            try:
                client.predict(question=q, api_name="/ask")  # type: ignore[attr-defined]
            except Exception as exc:  # counted, reported: every request should be answered
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    begun = time.monotonic()
    threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - begun
    return {
        "replicas": len(urls),
        "clients": clients,
        "answers": len(latencies),
        "failures": len(failures),
        "answers_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000),
        "p95_ms": round(percentile(latencies, 95) * 1000),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--replicas", default="1,2,3", help="replica counts to measure")
    p.add_argument("--clients", type=int, default=6)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--reader-user", help="run the readers as this user (needs root)")
    p.add_argument("--out", type=Path, help="also write the numbers as JSON here")
    args = p.parse_args(argv)
    counts = [int(n) for n in args.replicas.split(",")]
    work = Path(tempfile.mkdtemp(prefix="assistant-replicas-bench-", dir="/tmp"))
    work.chmod(0o755)
    example.prepare(work, args.reader_user)
    d = example.Deployment(work, max(counts), args.reader_user)
    rows = []
    try:
        d.start_chroma()
        d.ingest(ROOT / "corpus")
        if args.reader_user:
            example.prepare(work, args.reader_user)
        d.start_readers()
        for url in d.urls:  # model loaded, caches warm, before anything is timed
            throughput([url], 1, 2)
        for n in counts:
            rows.append(throughput(d.urls[:n], args.clients, args.seconds))
            print(json.dumps(rows[-1]), file=sys.stderr)
        delays = example.check(d, CHECK_ARTICLE, CHECK_QUESTION, timeout=60)
    finally:
        d.stop()
    print(f"{load_note()}; {args.clients} client sessions, {args.seconds:.0f} s per replica count")
    print("| replicas | answers/s | p50 ms | p95 ms | failures |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['replicas']} | {r['answers_per_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['failures']} |")
    print(f"new article answerable on every replica after (s, from the ingest's end): {delays['delays_s']}")
    print(f"(the ingest itself, a process of its own: {delays['ingest_s']} s)")
    if args.out:
        args.out.write_text(json.dumps({"load": load_note(), "rows": rows, "check": delays}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
