"""End to end with a real model: SmolLM2-135M behind `python -m llama_cpp.server`, and in process.

The model is far too small to be right about facts, so these tests assert the wiring and the
checking (tokens stream, citations point at retrieved passages, every sentence is either supported
by what it cites or flagged), never what the model knows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.answer import citecheck
from assistant.errors import LLMError
from assistant.ingest.chunking import sentence_spans
from assistant.llm.backends import default_model_path
from assistant.llm.chain import FALLBACK_NOTE
from assistant.models import Answer

from .conftest import make_chain

pytestmark = pytest.mark.slow

QUESTION = "Where did Rubio and Lavrov meet?"
# Small budgets: a 135M model on two shared cores, in a 2048-token window.
LLM = {
    "llm_max_tokens": 128,
    "context_tokens": 600,
    "top_k": 3,
    "llm_timeout": 600.0,
    "llm_max_retries": 1,
    "llm_api_key_env": "TEST_LLM_DUMMY_KEY",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real llama.cpp OpenAI-compatible server on 127.0.0.1; yields its /v1 base URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        default_model_path(),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--n_threads",
        str(os.cpu_count() or 1),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/v1/models", proc, log)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 300  # a readiness deadline, not an assertion about speed
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"llama_cpp.server did not answer on {url}:\n{log.read_text(errors='replace')[-3000:]}")


def with_llm(base: Assistant, **overrides: Any) -> Assistant:
    return Assistant(base.settings.with_overrides(**{**LLM, **overrides}), index=base.index)


def assert_checked(answer: Answer, assistant: Assistant) -> None:
    """Citations point at passages retrieved for the query; each sentence is supported or flagged."""
    retrieved = {p.chunk.text for p in assistant.retriever.search(answer.query).passages}
    claims = citecheck.split_claims(answer.text)
    assert {n for _, markers in claims for n in markers} == {c.n for c in answer.citations}
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert c.text in retrieved and c.source  # a real passage of an ingested article, with its file
    if answer.abstained:
        assert answer.citations == [] and answer.unsupported == []
        return
    if any(n.startswith(FALLBACK_NOTE) for n in answer.notes):
        assert answer.unsupported == []  # the extractive answer replaced the model's
        return
    embed = assistant.index.embedder.embed
    for text, markers in claims:
        if text in answer.unsupported:
            assert markers == []  # a flagged sentence carries no marker that would vouch for it
        elif citecheck.is_claim(text):
            assert markers, text
            assert any(_supports(text, answer.citations[n - 1].text, embed, answer.query) for n in markers), text
    assert all(u in answer.text for u in answer.unsupported)


def _supports(claim: str, passage: str, embed: Any, question: str) -> bool:
    spans = sentence_spans(passage)
    src = citecheck.Source(1, passage, spans, embed([passage[a:b] for a, b in spans]))
    dense = float((src.vectors @ embed([claim])[0]).max())
    score = citecheck.support_score(dense, citecheck.lexical_overlap(claim, src))
    known = citecheck.known_terms(question)
    return score >= citecheck.SUPPORT - 0.02 and not citecheck.novel_terms(claim, src, known)  # 0.02: float noise


def test_openai_backend_streams_from_a_real_llama_server(seed, llama_server: str, monkeypatch) -> None:
    monkeypatch.setenv("TEST_LLM_DUMMY_KEY", "dummy-key")
    a = with_llm(seed, backend="openai", llm_base_url=llama_server)
    out = list(a.stream(QUESTION))
    pieces, answer = out[:-1], out[-1]
    assert isinstance(answer, Answer) and answer.backend == "openai"
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)  # tokens arrived one by one
    assert "".join(pieces).strip()
    assert answer.timings["llm_ms"] > 0 and answer.timings["tokens"] >= 1
    assert_checked(answer, a)


def test_ask_consumes_the_stream_and_returns_the_answer(seed, llama_server: str, monkeypatch) -> None:
    monkeypatch.setenv("TEST_LLM_DUMMY_KEY", "dummy-key")
    a = with_llm(seed, backend="openai", llm_base_url=llama_server)
    answer = a.ask("What are the main obstacles to a lasting peace agreement in Ukraine?")
    assert answer.backend == "openai"
    assert_checked(answer, a)


def test_a_prompt_too_long_for_the_server_says_what_to_change(seed, llama_server: str, monkeypatch) -> None:
    monkeypatch.setenv("TEST_LLM_DUMMY_KEY", "dummy-key")
    a = with_llm(seed, backend="openai", llm_base_url=llama_server, top_k=20, context_tokens=4000)
    # llama.cpp's server answers a stream that does not fit with an empty stream, not an error
    with pytest.raises(LLMError, match=r"empty reply.*context window: lower context_tokens \(now 4000\)"):
        a.ask("What is the state of US-Russia relations beyond Ukraine?")


def test_an_unreachable_server_gives_a_clear_error(seed, monkeypatch) -> None:
    monkeypatch.setenv("TEST_LLM_DUMMY_KEY", "dummy-key")
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    a = with_llm(seed, backend="openai", llm_base_url=url, llm_max_retries=0, llm_timeout=10.0)
    with pytest.raises(LLMError, match=r"cannot reach the openai server at http://127\.0\.0\.1:\d+/v1.*llm_base_url"):
        a.ask(QUESTION)
    session = a.chat()
    with pytest.raises(LLMError):
        session.ask(QUESTION)
    assert session.turns == []  # the session survives the failure, ready for the next question


def test_cli_prints_the_error_without_a_traceback(seed, seed_index_dir: Path, tmp_path: Path) -> None:
    root = str(Path(__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": root,
        "ASSISTANT_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "ASSISTANT_LLM_MAX_RETRIES": "0",
        "TEST_LLM_DUMMY_KEY": "dummy-key",
        "ASSISTANT_LLM_API_KEY_ENV": "TEST_LLM_DUMMY_KEY",
    }
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", QUESTION, "--index", str(seed_index_dir), "--backend", "openai"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode != 0
    assert "cannot reach the openai server" in done.stderr and "Traceback" not in done.stderr


def test_llamacpp_backend_answers_in_process(seed) -> None:
    a = with_llm(seed, backend="llamacpp")
    out = list(a.stream(QUESTION))
    answer = out[-1]
    assert isinstance(answer, Answer) and answer.backend == "llamacpp"
    assert len(out) > 2  # streamed pieces before the answer
    assert answer.timings["tokens"] >= 1 and "tokens_per_second" in answer.timings
    assert_checked(answer, a)


def test_llamacpp_chat_condenses_a_follow_up(seed) -> None:
    from tests.test_llm_chain import Recorder

    a = with_llm(seed, backend="llamacpp")
    chain = make_chain(a)
    rec = Recorder()
    chain.model.callbacks = [rec]
    out = list(chain.stream("What did they discuss?", history=["Who did Secretary Rubio meet in Malaysia?"]))
    answer = out[-1]
    assert isinstance(answer, Answer) and answer.backend == "llamacpp"
    assert len(rec.calls) == 2  # the model rewrote the follow-up, then answered it
    assert answer.query.strip() and answer.query != "What did they discuss?"
    assert_checked(answer, a)
