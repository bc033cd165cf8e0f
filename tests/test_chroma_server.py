"""The index against a real Chroma server (`chroma run`): same behaviour as the embedded store.

The keyword index and the manifest stay in the local index folder; these tests check that they
stay consistent with the server across restarts, resets and deletes.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.answer.retrieval import Filters
from assistant.errors import StoreError

from .conftest import ROOT, SEED, listening_ports, unused_port

pytestmark = pytest.mark.slow
CHROMA = Path(sys.executable).with_name("chroma")
ARTICLE = "us-russia-dialogue-ukraine-peace-talks"
QUESTION = "Where did Rubio and Lavrov meet?"


class Server:
    """A `chroma run` process on 127.0.0.1 that can be stopped and started again on the same data and port.

    With `port=0` the first start lets the server bind a port the kernel picks, and reads which one
    from the kernel's socket table (chroma logs port 0): no window in which another program could take
    it. A restart must use the same port, since the clients under test keep its URL; a fixture that
    restarts gives a port from `unused_port()`, outside the range the kernel hands out by itself.
    """

    def __init__(self, data: Path, log: Path, port: int = 0) -> None:
        self.data, self.port, self.log = data, port, log
        self.proc: subprocess.Popen | None = None
        self.started = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        deadline = time.monotonic() + 120  # a bound against hanging, not a measured result
        while time.monotonic() < deadline:
            if self._run_once(deadline):
                self.started = True
                return
            # The port was taken. Before the first start no client has the URL yet: take another port.
            # On a restart the clients need this port back: wait for whoever holds it, and try again.
            if not self.started and self.port:
                self.port = unused_port()
            time.sleep(0.5)
        pytest.fail(f"chroma run could not serve on port {self.port}: {self.log.read_text()[-2000:]}")

    def _run_once(self, deadline: float) -> bool:
        """Start the process; True once it listens and answers, False if it found the port taken."""
        logged = self.log.stat().st_size if self.log.exists() else 0
        cmd = [str(CHROMA), "run", "--path", str(self.data), "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                output = self.log.read_bytes()[logged:].decode(errors="replace")
                if "is not available" in output:  # chroma's word for a port in use; it exits 0
                    return False
                pytest.fail(f"chroma run exited with {self.proc.returncode}: {output[-2000:]}")
            ports = listening_ports(self.proc.pid)  # this process's socket: nobody else answers the heartbeat
            if (self.port in ports) if self.port else ports:
                self.port = self.port or min(ports)
                try:
                    urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2).read()
                    return True
                except OSError:
                    pass
            time.sleep(0.3)
        self.stop()
        pytest.fail(f"chroma run did not answer: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """Stop the process and wait until it has exited, so its port is free for a restart."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A server the tests stop and start again: on a port from `unused_port()` (see `Server`)."""
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    s = Server(tmp_path / "chroma-server", tmp_path / "chroma-server.log", port=unused_port())
    s.start()
    yield s
    s.stop()


def _assistant(tmp_path: Path, url: str, folder: str = "index") -> Assistant:
    return Assistant.from_settings(Settings.load(env={}, index_dir=tmp_path / folder, chroma_url=url))


def _consistent(a: Assistant) -> int:
    ids = set(a.index.manifest.chunk_ids())
    assert a.index.store.all_ids() == ids
    assert set(a.index.keyword.ids) == ids
    return len(ids)


def test_ingest_ask_restart_reingest_delete(server: Server, tmp_path: Path) -> None:
    a = _assistant(tmp_path, server.url)
    report = a.ingest([SEED], progress=False)
    assert report.added == [ARTICLE] and report.chunks > 5
    assert _consistent(a) == report.chunks
    assert not (tmp_path / "index" / "chroma").exists()  # the vectors are on the server
    assert a.index.manifest.get_meta("vector_store") == f"{server.url}#articles"
    first = a.ask(QUESTION)
    assert not first.abstained and "Malaysia" in first.text

    server.stop()
    server.start()
    assert a.ask(QUESTION).text == first.text  # the same client reconnects
    fresh = _assistant(tmp_path, server.url)
    assert fresh.ask(QUESTION).text == first.text
    assert fresh.index.missing_vectors == set()

    again = fresh.ingest([SEED], progress=False)
    assert again.unchanged == [ARTICLE] and again.chunks == 0
    filtered = fresh.ask(QUESTION, filters=Filters(article_ids=[ARTICLE]))
    assert filtered.citations and {c.article_id for c in filtered.citations} == {ARTICLE}
    assert fresh.ask(QUESTION, filters=Filters(article_ids=["no-such-article"])).abstained

    assert fresh.remove([ARTICLE]) == [ARTICLE]
    assert fresh.index.store.count() == 0 and fresh.articles() == []
    assert _consistent(fresh) == 0
    assert fresh.ask(QUESTION).abstained


def test_reset_server_is_reported_and_resynced(
    server: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    a = _assistant(tmp_path, server.url)
    chunks = a.ingest([SEED], progress=False).chunks
    server.stop()
    shutil.rmtree(server.data)  # the server loses its data; the local manifest still lists the article
    server.start()
    with caplog.at_level(logging.WARNING, logger="assistant.index.index"):
        b = _assistant(tmp_path, server.url)
        assert len(b.index.missing_vectors) == chunks
    assert f"lacks the vectors of {chunks} of the {chunks} chunks" in caplog.text
    assert not b.ask(QUESTION).abstained  # keywords still find it meanwhile
    report = b.ingest([SEED], progress=False)
    assert report.unchanged == [ARTICLE]  # nothing to re-read: the vectors came back from the manifest
    assert b.index.missing_vectors == set() and _consistent(b) == chunks
    assert b.index.store.search(b.index.embedder.embed_one(QUESTION), 3)  # dense search works again


def test_unreachable_server_is_a_clear_store_error(tmp_path: Path, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"  # nothing listens there
    with pytest.raises(StoreError, match=r"cannot reach the Chroma server at .*chroma run"):
        _assistant(tmp_path, url).ingest([SEED], progress=False)


def test_server_that_stops_mid_session_is_a_store_error(server: Server, tmp_path: Path) -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from assistant.ui.launch import health_route

    a = _assistant(tmp_path, server.url)
    a.ingest([SEED], progress=False)
    route = TestClient(Starlette(routes=[health_route(a)]))
    up = route.get("/health")
    assert up.status_code == 200 and up.json()["store_reachable"] and up.json()["vectors"] == up.json()["chunks"]
    server.stop()
    with pytest.raises(StoreError, match="Is it running"):
        a.ask(QUESTION)
    down = route.get("/health")  # what a load balancer sees: take this replica out
    assert (
        down.status_code == 503 and down.json()["store_reachable"] is False and "Is it running" in down.json()["error"]
    )
    assert down.json()["articles"] == 1  # the index folder itself still reads


def test_bad_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a URL"):
        _assistant(tmp_path, "localhost:8000").ingest([SEED], progress=False)


def test_the_cli_against_a_chroma_server(server: Server, tmp_path: Path) -> None:
    """`ASSISTANT_CHROMA_URL=... assistant ingest corpus/`, then `assistant ask`, as the README shows."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(PYTHONPATH=str(ROOT), ASSISTANT_CHROMA_URL=server.url, ASSISTANT_INDEX_DIR=str(tmp_path / "idx"))

    def cli(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "assistant", *args]
        return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)

    ingested = cli("ingest", str(SEED.parent), "--json")
    assert ingested.returncode == 0, ingested.stderr
    report = json.loads(ingested.stdout)
    assert report["added"] == [ARTICLE] and report["chunks"] > 5
    assert not (tmp_path / "idx" / "chroma").exists()  # the vectors went to the server, not the folder
    count = _assistant(tmp_path, server.url, "idx").index.store.count()
    assert count == report["chunks"]
    answered = cli("ask", QUESTION, "--json")
    assert answered.returncode == 0, answered.stderr
    answer = json.loads(answered.stdout)
    assert "Malaysia" in answer["answer"] and answer["citations"][0]["article_id"] == ARTICLE
