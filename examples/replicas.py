"""Several web UI replicas on one index, on one machine: the deployment of README "Running several replicas".

    python examples/replicas.py --replicas 3                  # start everything, print the URLs, Ctrl-C stops
    python examples/replicas.py --replicas 3 --check FILE --question "..." --json
                                                              # then ingest FILE from another process, ask
                                                              # every replica about it, print the delays, stop

What it starts, each as its own process:

1. one Chroma server, `chroma run --path WORK/chroma`: the vectors, which every process reads and the
   writer writes (the embedded store cannot do this: a process reads its files once, when it opens);
2. the writer, `assistant ingest corpus/ --index WORK/index`: a job that ends (run it again, from any
   machine that mounts the index folder read-write, to add articles);
3. N readers, `assistant serve --index WORK/index --port P`: they open the index read-only and never
   write to it. With `--reader-user nobody` (as root) they run as a user for whom the index folder is
   read-only, as it is on a volume mounted read-only into the readers' containers.

Every reader answers `GET /health` (index generation, article count, whether Chroma answers) for the
load balancer; an nginx upstream for them is printed. A new article is answerable on every reader as
soon as the writer's ingest ends: the manifest is SQLite, the keyword index is reloaded when its files
change (one stat per question), and the vectors are on the server.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nothing is bound to now. Another program may take it before the server binds it: the server
    then says so and exits, and `Deployment.serve` starts it again on another port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# What each server logs once it listens, and when its port was taken: chroma's words, and `assistant serve`'s
LISTENING = ("Frontend server listening", "Running on local URL")
PORT_TAKEN = ("is not available", "another program uses that port")


class Deployment:
    """The processes of one deployment, stopped together."""

    def __init__(self, work: Path, replicas: int, reader_user: str | None) -> None:
        self.work, self.replicas, self.reader_user = work, replicas, reader_user
        self.chroma_port = 0
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen] = []
        # the latest process of each name, its log, and where in the log that process's output starts
        self.named: dict[str, tuple[subprocess.Popen, Path, int]] = {}

    @property
    def chroma_url(self) -> str:
        return f"http://127.0.0.1:{self.chroma_port}"

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    @property
    def index(self) -> Path:
        return self.work / "index"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        env.update(
            ASSISTANT_CHROMA_URL=self.chroma_url,
            ASSISTANT_CORPUS_DIR=str(ROOT / "corpus"),
            ASSISTANT_UPLOAD_DIR=str(self.work / "uploads"),
            ARTICLE_ASSISTANT_CACHE=str(self.work / "model-cache"),  # one exported model, readable by all
            HOME=str(self.work / "home"),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
            HF_HUB_OFFLINE="1",
            ANONYMIZED_TELEMETRY="False",
            GRADIO_ANALYTICS_ENABLED="False",
            PYTHONUNBUFFERED="1",
        )
        return env

    def start_chroma(self) -> None:
        chroma = Path(sys.executable).with_name("chroma")
        command = [str(chroma if chroma.exists() else "chroma"), "run", "--path", str(self.work / "chroma")]
        started = self.start("chroma", lambda port: [*command, "--host", "127.0.0.1", "--port", str(port)])
        self.chroma_port = self.serve(*started, "/api/v2/heartbeat", "the Chroma server")

    def ingest(self, *paths: Path) -> dict[str, Any]:
        """Run the writer: `assistant ingest PATHS --json`, a process of its own; its report."""
        command = [sys.executable, "-m", "assistant", "ingest", *map(str, paths), "--index", str(self.index), "--json"]
        done = subprocess.run(command, env=self.env(), cwd=self.work, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
        return dict(json.loads(done.stdout))

    def start_readers(self) -> None:
        def command(port: int) -> list[str]:
            return self._as_reader(
                [sys.executable, "-m", "assistant", "serve", "--index", str(self.index), "--port", str(port)]
            )

        started = [self.start(f"reader-{n}", command) for n in range(1, self.replicas + 1)]  # all start at once
        self.ports = [self.serve(*s, "/health", f"reader {n}") for n, s in enumerate(started, 1)]

    def start(self, name: str, command: Callable[[int], list[str]]) -> tuple[str, Callable[[int], list[str]], int]:
        """Spawn `command(port)` on a free port; (name, command, port) for `serve` to wait on."""
        port = free_port()
        self._spawn(name, command(port))
        return name, command, port

    def serve(self, name: str, command: Callable[[int], list[str]], port: int, path: str, what: str) -> int:
        """Wait until `name` answers `path` on its port; the port. If another program took the port before
        the server could bind it, the server says so and exits: then it starts again on another port."""
        for _ in range(5):
            if wait_for(f"http://127.0.0.1:{port}{path}", *self.named[name], what):
                return port
            _, _, port = self.start(name, command)
        raise SystemExit(f"{what} found its port taken five times; see {self.work / 'logs' / name}.log")

    def _as_reader(self, command: list[str]) -> list[str]:
        if not self.reader_user:
            return command
        user = pwd.getpwnam(self.reader_user)
        setpriv = shutil.which("setpriv") or "setpriv"
        return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", *command]

    def _spawn(self, name: str, command: list[str]) -> None:
        path = self.work / "logs" / f"{name}.log"
        offset = path.stat().st_size if path.exists() else 0
        log = path.open("ab")  # a server started again on another port adds to its log
        home = self.work / "home" / name  # its own home (caches, Gradio's temporary files), writable by its user
        home.mkdir(parents=True, exist_ok=True)
        home.chmod(0o777)
        env = {**self.env(), "HOME": str(home), "GRADIO_TEMP_DIR": str(home / "gradio")}
        self.procs.append(subprocess.Popen(command, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT))
        self.named[name] = (self.procs[-1], path, offset)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def prepare(work: Path, reader_user: str | None) -> None:
    """The work folder: logs, a home and the exported model readable by the readers' user."""
    for sub in ("logs", "home", "uploads", "model-cache"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    (work / "home").chmod(0o777)
    try:  # reuse this user's exported ONNX model instead of exporting it again (15 s) into the shared cache
        from assistant.index.embeddings import resolve_model_path
        from assistant.index.onnx_backend import exported_folder

        exported = exported_folder(resolve_model_path("all-MiniLM-L6-v2"))
        if exported.is_dir():
            shutil.copytree(exported, work / "model-cache" / "onnx" / exported.name, dirs_exist_ok=True)
    except Exception:  # any failure only costs the export time
        pass
    if reader_user:  # readable (not writable) by the readers' user, like a read-only volume
        for p in [work, *work.rglob("*")]:
            if p != work / "home":
                p.chmod(p.stat().st_mode | 0o444 | (0o111 if p.is_dir() else 0))


def wait_for(url: str, proc: subprocess.Popen, log: Path, start: int, what: str, seconds: float = 240) -> bool:
    """True once `proc` listens (its output in `log` from `start` says so: what answers is this process,
    not another program that took the port) and `url` answers 200; False if it exited because its port was
    taken."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        exited = proc.poll() is not None  # before reading the log: an exited process has written all of it
        output = log.read_bytes()[start:].decode(errors="replace")
        if exited:
            if any(words in output for words in PORT_TAKEN):
                return False
            raise SystemExit(f"{what} exited with {proc.returncode}; see {log}")
        if any(words in output for words in LISTENING):
            try:
                with urllib.request.urlopen(url, timeout=2) as reply:
                    if reply.status == 200:
                        return True
            except OSError:
                pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not answer {url} within {seconds:.0f} s")


def health(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/health", timeout=10) as reply:
        return dict(json.loads(reply.read()))


def check(d: Deployment, article: Path, question: str, timeout: float) -> dict[str, Any]:
    """Ingest `article` from another process, then ask every reader until it cites it: the delays."""
    from gradio_client import Client

    clients = [Client(url, verbose=False) for url in d.urls]
    before = [health(url)["generation"] for url in d.urls]
    started = time.monotonic()
    report = d.ingest(article)
    ingested = time.monotonic()
    new = set(report["added"] + report["updated"])

    def delay(client: Any) -> float | None:
        """Seconds from the end of the ingest until this replica's answer cites the new article."""
        while time.monotonic() - ingested < timeout:
            _, citations = client.predict(question=question, api_name="/ask")
            if new & {c["article_id"] for c in citations}:
                return round(time.monotonic() - ingested, 3)
            time.sleep(0.05)
        return None

    with ThreadPoolExecutor(len(clients)) as pool:  # every replica asked at once: one's delay is not another's
        delays = list(pool.map(delay, clients))
    return {
        "article": sorted(new),
        "ingest_s": round(ingested - started, 2),
        "delays_s": delays,
        "generation_before": before,
        "health": [health(url) for url in d.urls],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--replicas", type=int, default=3)
    p.add_argument("--work", type=Path, help="work folder (default: a new folder in /tmp)")
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="what the writer ingests first")
    p.add_argument("--reader-user", help="run the readers as this user (needs root), e.g. nobody")
    p.add_argument("--check", type=Path, help="an article to ingest once the readers run; then stop")
    p.add_argument("--question", default="", help="with --check: a question that article answers")
    p.add_argument("--timeout", type=float, default=60, help="with --check: seconds to wait for every replica")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="assistant-replicas-", dir="/tmp"))
    work.chmod(0o755)
    prepare(work, args.reader_user)
    d = Deployment(work, args.replicas, args.reader_user)
    with ExitStack() as stack:
        stack.callback(d.stop)
        d.start_chroma()
        first = d.ingest(args.corpus)
        if args.reader_user:
            prepare(work, args.reader_user)  # the new index files too
        d.start_readers()
        out: dict[str, Any] = {
            "work": str(work),
            "chroma": d.chroma_url,
            "replicas": d.urls,
            "corpus_articles": len(first["added"] + first["unchanged"] + first["updated"]),
        }
        if args.check:
            out.update(check(d, args.check, args.question, args.timeout))
        if args.json:
            print(json.dumps(out))
        else:
            print(f"Chroma server {d.chroma_url}; index {d.index}; logs in {work / 'logs'}")
            for url in d.urls:
                print(f"replica {url}  health: {url}/health")
            print("nginx:  upstream assistant { " + " ".join(f"server {u[7:]};" for u in d.urls) + " }")
            for key in ("delays_s", "ingest_s"):
                if key in out:
                    print(f"{key}: {out[key]}")
        if not args.check:
            print("Ctrl-C stops everything.", flush=True)
            with suppress(KeyboardInterrupt):
                signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
