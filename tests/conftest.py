"""Shared fixtures: every path points into tmp_path; the real MiniLM model and a real Chroma."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import configuration

from assistant import Assistant, Settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEED = ROOT / "corpus" / "us-russia-dialogue-ukraine-peace-talks.txt"
SQUAD = ROOT / "evals" / "data" / "squad-v1.1-dev-slice.json"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# Before the test modules are imported (their @settings build on the profile, and collecting them
# already writes hypothesis's constants cache): no example database, storage in a temporary folder.
hypothesis.settings.register_profile("tests", database=None, print_blob=True)
hypothesis.settings.load_profile("tests")
HYPOTHESIS_HOME = Path(tempfile.mkdtemp(prefix="assistant-tests-hypothesis-"))
configuration.set_hypothesis_home_dir(HYPOTHESIS_HOME)


@pytest.fixture(scope="session", autouse=True)
def _session_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """State that would outlive the run goes into the session's temporary folder, not the clone or ~/.cache.

    The int8 ONNX export (exported once per session, ~15 s; CLI subprocesses inherit the variable) and
    hypothesis's storage (removed at the end). Hypothesis keeps no example database: a failure prints
    its reproduction blob.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARTICLE_ASSISTANT_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield
    shutil.rmtree(HYPOTHESIS_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def onnx_model() -> None:
    """The int8 ONNX model exported for this session (`_session_state`'s cache): a test that starts a CLI process
    before any index was built would otherwise see the one-time export notice on that process's stderr."""
    from assistant.index.embeddings import get_embedder

    get_embedder(Settings.load(env={}, embedding_backend="onnx"))


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run each test in its own folder: no test reads assistant.toml or writes vectorstore/."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(ROOT / "corpus"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(index_dir=tmp_path / "index")


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the seed article, built once per session; copy it before changing it."""
    folder = tmp_path_factory.mktemp("seed") / "index"
    Assistant.from_settings(Settings.load(env={}, index_dir=folder)).ingest([SEED], progress=False)
    return folder


@pytest.fixture
def seed(seed_index_dir: Path) -> Assistant:
    """An assistant over the seed article (read-only: shares the session index)."""
    return Assistant.from_settings(Settings.load(env={}, index_dir=seed_index_dir))


@pytest.fixture
def seed_copy(seed_index_dir: Path, tmp_path: Path) -> Assistant:
    """An assistant over a private copy of the seed index, free to change."""
    folder = tmp_path / "seed-index"
    shutil.copytree(seed_index_dir, folder)
    return Assistant.from_settings(Settings.load(env={}, index_dir=folder))


def make_chain(assistant: Assistant, model: Any = None) -> Any:
    """The LLM chain of `assistant`'s settings and index, with `model` standing in for the configured one."""
    from assistant.llm.chain import LLMChain  # langchain is imported only by the tests that use it

    return LLMChain(assistant.settings, assistant.index, model=model)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port nothing listens on, for as long as the test runs: bound by this socket, which never listens.

    Connections to it are refused (a fixed port such as 9 may be open on some machine; a port found
    free and then closed may be taken by another process before the test connects).
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def unused_port() -> int:
    """A port nothing was bound to a moment ago, between 20000 and 32000, for a server that must be told its port.

    Between this check and the server's own bind another program may take the port, so each caller
    starts its server again on another port when the server reports the port taken, and trusts only a
    server it has seen listening (`listening_ports`). Servers that can bind port 0 themselves and
    say which port they got need none of this, and do so (the llama.cpp server, `chroma run` started
    once, the tests' web servers); Gradio cannot: given port 0 it looks for its own page on port 0.

    Below the kernel's ephemeral range (32768+), which outgoing connections and `bind(0)` draw from: a
    server stopped and started again on the same port is not beaten to it by the system itself.
    """
    rng = random.Random()
    for _ in range(500):
        port = rng.randint(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` listens on, from the kernel's tables: its sockets found in /proc/net/tcp(6).

    A server's own report of its port, when it gives none (`chroma run --port 0` logs port 0), and proof
    that what answers on a port is this process and not another program that took the port first.
    """
    inodes = set()
    with contextlib.suppress(FileNotFoundError):  # the process has exited
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):  # closed meanwhile
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN; field 9: the socket's inode
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def ctrl_c_works() -> None:
    """`preexec_fn` for a child the test stops with SIGINT: Ctrl-C at its default, as in a terminal.

    A shell starts background jobs with SIGINT ignored, and Python then installs no KeyboardInterrupt
    handler; a suite started that way would otherwise see its children ignore the signal.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where browser tests put screenshots for people to look at: $TEST_ARTIFACTS_DIR, else the session's
    temporary folder (a test run leaves nothing in the clone)."""
    chosen = os.environ.get("TEST_ARTIFACTS_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
