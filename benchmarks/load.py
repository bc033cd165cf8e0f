"""Latency and throughput under load: K concurrent clients, through the Python API and the web UI's `/ask`.

    python benchmarks/load.py [--clients 1,4,8] [--requests 6] [--no-ui] [--index runs/load-index]

Each client asks `--requests` questions about the shipped corpus one after another (its own chat
session, as a person would); all clients start together. Per client count the script prints the
latency p50 / p95 / max of single requests and the throughput (answered requests per second of wall
time), first for `Assistant.ask` on one shared `Assistant` in threads, then for `gradio_client`
sessions against the app served on 127.0.0.1 (the UI answers at most 4 requests at once, its
`concurrency_limit`; the rest queue). Every request must be answered: a failure stops the run.
The machine's load average is printed with the numbers: on a shared 2-core box it moves them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench_common import ROOT, load_note, percentile

from assistant import Assistant, Settings

QUESTIONS = [
    "Where did Rubio and Lavrov meet?",
    "What is the significance of this meeting?",
    "What are the main obstacles to achieving a lasting peace agreement in Ukraine?",
    "Could China help mediate peace?",
    "Which outlet reported that Rubio conveyed Trump's frustration?",
    "How was the tone of the meeting described?",
    "What missiles were involved in the espionage case?",
    "What is the recipe for banana bread?",
]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    assistant = Assistant.from_settings(Settings.load(env={}, index_dir=args.index))
    report = assistant.ingest([args.corpus], progress=False)
    print(
        f"index {args.index}: {len(assistant.articles())} article(s) ({len(report.added)} newly ingested); "
        f"{load_note()}",
        file=sys.stderr,
    )
    assistant.ask(QUESTIONS[0])  # model loaded and caches warm before anything is timed
    rows = [run("api", k, args.requests, api_client(assistant)) for k in args.clients]
    if args.ui:
        rows += ui_rows(args)
    print_table(rows)
    if args.out:
        args.out.write_text(json.dumps({"load": load_note(), "rows": rows}, indent=2), encoding="utf-8")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--clients",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1, 4, 8],
        help="comma-separated client counts (default 1,4,8)",
    )
    p.add_argument("--requests", type=int, default=6, help="questions per client (default 6)")
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="articles to index (default corpus/)")
    p.add_argument("--index", type=Path, default=ROOT / "runs" / "load-index", help="index folder, kept between runs")
    p.add_argument("--no-ui", dest="ui", action="store_false", help="skip the web UI measurement")
    p.add_argument("--out", type=Path, help="also write the numbers as JSON here")
    return p.parse_args(argv)


# A client factory returns, for client number i, a function that asks one question and returns the answer text.
Client = Callable[[int], Callable[[str], str]]


def api_client(assistant: Assistant) -> Client:
    def make(_: int) -> Callable[[str], str]:
        chat = assistant.chat()
        return lambda q: chat.ask(q).text

    return make


def run(kind: str, clients: int, requests: int, make: Client) -> dict:
    """`clients` threads, released together, each asking `requests` questions in turn; the numbers."""
    askers = [make(i) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)
    latencies: list[float] = []
    errors: list[str] = []

    def work(i: int) -> None:
        barrier.wait()
        for j in range(requests):
            started = time.perf_counter()
            try:
                text = askers[i](QUESTIONS[(i + j) % len(QUESTIONS)])
                if not text.strip():
                    raise RuntimeError("empty answer")
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{kind} with {clients} clients: {len(errors)} request(s) failed, e.g. {errors[0]}")
    ms = [x * 1000 for x in latencies]
    row = {
        "kind": kind,
        "clients": clients,
        "requests": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
        "throughput_rps": round(len(ms) / wall, 2),
        "load": load_note(),
    }
    print(json.dumps(row), file=sys.stderr)
    return row


def ui_rows(args: argparse.Namespace) -> list[dict]:
    """The same through the web UI: the app served on a free port of 127.0.0.1, one gradio_client per client."""
    from gradio_client import Client as GradioClient

    from assistant.ui.app import build_app
    from assistant.ui.launch import PortUnavailable, launch

    workdir = Path(tempfile.mkdtemp(prefix="load-ui-"))
    shutil.copytree(args.index, workdir / "index")
    for _ in range(5):  # Gradio must be given a port; another program may take it first: then try another
        settings = dict(index_dir=workdir / "index", upload_dir=workdir / "uploads", corpus_dir=args.corpus)
        assistant = Assistant.from_settings(Settings.load(env={}, port=free_port(), **settings))
        app = build_app(assistant)
        try:
            _, url, _ = launch(app, assistant, prevent_thread_lock=True, quiet=True)
            break
        except PortUnavailable:
            continue
    else:
        raise SystemExit("five free ports in a row were taken before the app could bind them")
    try:

        def make(_: int) -> Callable[[str], str]:
            client = GradioClient(url, verbose=False, download_files=False, httpx_kwargs={"timeout": 300})
            return lambda q: client.submit(question=q, api_name="/ask").result(timeout=600)[0]

        run("ui", 1, 1, make)  # warm-up: the first request sets up the queue
        return [run("ui", k, args.requests, make) for k in args.clients]
    finally:
        app.close()
        shutil.rmtree(workdir, ignore_errors=True)


def free_port() -> int:
    """A port nothing is bound to now (the server may still find it taken: `ui_rows` then tries another)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def print_table(rows: list[dict]) -> None:
    print("| path | clients | requests | p50 ms | p95 ms | max ms | answers/s |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['kind']} | {r['clients']} | {r['requests']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | "
            f"{r['throughput_rps']} |"
        )
    print(f"\n{load_note()}")


if __name__ == "__main__":
    sys.exit(main())
