"""End to end with a real model: SmolLM2-135M behind `python -m llama_cpp.server`, and in process.

The model is far too small to be right about facts, so these tests assert the wiring and the
checking (tokens stream, citations point at retrieved passages, every sentence is either supported
by what it cites or flagged), never what the model knows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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

from .conftest import ROOT, make_chain

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


@contextmanager
def llama_server_at(log: Path) -> Iterator[str]:
    """A real llama.cpp OpenAI-compatible server on 127.0.0.1, logging to `log`; yields its /v1 base URL.

    It binds port 0 and the port the system gave is read from its log: no window in which another
    process could take a port found free beforehand. Its log has one access line per request.
    """
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        default_model_path(),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--n_ctx",
        "2048",
        "--n_threads",
        str(os.cpu_count() or 1),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield _wait_ready(proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with llama_server_at(tmp_path_factory.mktemp("llama-server") / "server.log") as url:
        yield url


def _wait_ready(proc: subprocess.Popen, log: Path) -> str:
    """The server's /v1 base URL once it answers; the port comes from uvicorn's start line."""
    deadline = time.monotonic() + 300  # a readiness deadline, not an assertion about speed
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        started = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
        if started:
            try:
                with urllib.request.urlopen(started[1] + "/v1/models", timeout=5) as resp:
                    if resp.status == 200:
                        return started[1] + "/v1"
            except OSError:
                pass
        time.sleep(0.5)
    pytest.fail(f"llama_cpp.server did not start:\n{log.read_text(errors='replace')[-3000:]}")


def with_llm(base: Assistant, **overrides: Any) -> Assistant:
    return Assistant(base.settings.with_overrides(**{**LLM, **overrides}), index=base.index)


def assert_checked(answer: Answer, assistant: Assistant, *, kept: bool = True) -> None:
    """Citations point at passages retrieved for the query; each sentence is supported or flagged.

    `kept`: the model's own answer must be what came back (not an abstention, not the extractive
    fallback), so a test cannot pass with every model answer thrown away. With `kept=False` the
    answer must be the fallback, which names what the model said.
    """
    retrieved = {p.chunk.text for p in assistant.retriever.search(answer.query).passages}
    claims = citecheck.split_claims(answer.text)
    assert {n for _, markers in claims for n in markers} == {c.n for c in answer.citations}
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert c.text in retrieved and c.source  # a real passage of an ingested article, with its file
    fallback = [n for n in answer.notes if n.startswith(FALLBACK_NOTE)]
    if not kept:
        assert len(fallback) == 1 and "the model said: '" in fallback[0] and answer.unsupported == []
        assert fallback[0].split("the model said: '", 1)[1].strip("')")  # the model did reply
        return
    assert not answer.abstained and fallback == [], answer.notes
    assert answer.citations  # the model's answer cites at least one passage
    embed = assistant.index.embedder.embed
    supported = 0
    for text, markers in claims:
        if text in answer.unsupported:
            assert markers == []  # a flagged sentence carries no marker that would vouch for it
        elif citecheck.is_claim(text):
            assert markers, text
            assert any(_supports(text, answer.citations[n - 1].text, embed, answer.query) for n in markers), text
            supported += 1
    assert supported >= 1  # the chain keeps a model answer only when some sentence is supported
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


def test_an_unreachable_server_gives_a_clear_error(seed, monkeypatch, closed_port: int) -> None:
    monkeypatch.setenv("TEST_LLM_DUMMY_KEY", "dummy-key")
    url = f"http://127.0.0.1:{closed_port}/v1"  # nothing listens there
    a = with_llm(seed, backend="openai", llm_base_url=url, llm_max_retries=0, llm_timeout=10.0)
    with pytest.raises(LLMError, match=r"cannot reach the openai server at http://127\.0\.0\.1:\d+/v1.*llm_base_url"):
        a.ask(QUESTION)
    session = a.chat()
    with pytest.raises(LLMError):
        session.ask(QUESTION)
    assert session.turns == []  # the session survives the failure, ready for the next question


def test_cli_prints_the_error_without_a_traceback(seed, seed_index_dir: Path, tmp_path: Path, closed_port: int) -> None:
    root = str(Path(__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": root,
        "ASSISTANT_LLM_BASE_URL": f"http://127.0.0.1:{closed_port}/v1",
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


def test_terminal_chat_reports_an_error_and_answers_the_next_question(
    llama_server: str, seed_index_dir: Path, tmp_path: Path
) -> None:
    """`assistant chat` on the real server: a question answered, one the model cannot take, then one answered.

    The settings let a question run to 20,000 characters, more than the server's 2048-token window
    holds: llama.cpp's server answers that prompt with an empty stream, which the chat reports on stderr
    before it reads the next line. The last question must still be answered, and the chat end normally.
    """
    first, last = QUESTION, "Who did Secretary Rubio meet?"
    sentence = "Tell me every detail of the harbour, the weather, the ships and the long history of the town. "
    too_long = "Where did they meet? " + sentence * (15_000 // len(sentence))  # ~3,000 tokens
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        TEST_LLM_DUMMY_KEY="dummy-key",
        ASSISTANT_LLM_BASE_URL=llama_server,
        ASSISTANT_MAX_QUESTION_CHARS="20000",
        **{f"ASSISTANT_{k.upper()}": str(v) for k, v in LLM.items()},
    )
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "chat", "--index", str(seed_index_dir), "--backend", "openai", "--json"],
        input=f"{first}\n{too_long}\n{last}\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "context window" in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["question"] for a in answers] == [first, last]  # the long one has no answer line
    for a in answers:
        assert a["backend"] == "openai" and not a["abstained"] and a["citations"], a
        assert all(c["article_id"] == "us-russia-dialogue-ukraine-peace-talks" for c in a["citations"])
    assert "Lavrov" in answers[1]["answer"]  # the model's answer or its extractive fallback: both name him


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
    # the 135M model's answer to its own rewritten question is not supported by the passages (at
    # temperature 0, every time): the extractive fallback must replace it, and say what the model said
    assert_checked(answer, a, kept=False)


def _eval(llama_server: str, seed_index_dir: Path, tmp_path: Path, *flags: str) -> tuple[int, dict, list[dict]]:
    """`assistant eval` on the openai backend against the real server; (exit code, summary.json, results)."""
    testset = tmp_path / "set.jsonl"
    rows = [
        {"id": "country", "question": QUESTION, "answers": ["Malaysia"]},
        {"id": "none", "question": "Who won the 2022 FIFA World Cup?", "answerable": False},
    ]
    testset.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        TEST_LLM_DUMMY_KEY="dummy-key",
        ASSISTANT_LLM_BASE_URL=llama_server,
        **{f"ASSISTANT_{k.upper()}": str(v) for k, v in LLM.items()},
    )
    out_dir = tmp_path / "run"
    cmd = ["eval", str(testset), "--index", str(seed_index_dir), "--backend", "openai", "--out", str(out_dir)]
    done = subprocess.run(
        [sys.executable, "-m", "assistant", *cmd, "--quiet", *flags],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in (out_dir / "results.jsonl").read_text().splitlines()]
    return done.returncode, json.loads((out_dir / "summary.json").read_text()), results


def test_eval_on_an_llm_backend_grades_with_a_judge_on_that_backend(
    llama_server: str, seed_index_dir: Path, tmp_path: Path
) -> None:
    _, summary, results = _eval(llama_server, seed_index_dir, tmp_path)
    assert summary["judge"] is True and summary["settings"]["backend"] == "openai"
    country = results[0]
    assert not country["abstained"] and "Malaysia" in country["answer"]
    # the judge is the same server's model, which replied: with a verdict, or with text the parser quotes
    # (the 135M model tends to restate the instructions); a failed call or no call at all fails here
    if country["judge"] is None:
        assert re.fullmatch(r"unparseable judge reply: '.+'", country["judge_error"], re.S), country
    else:
        assert isinstance(country["judge"]["correct"], bool) and country["judge_error"] == ""
        assert summary["metrics"]["judge_correctness"] == float(country["judge"]["correct"])
    assert results[1]["judge"] is None and results[1]["judge_error"] == ""  # nothing to grade on an unanswerable


def test_eval_no_judge_skips_the_judge(llama_server: str, seed_index_dir: Path, tmp_path: Path) -> None:
    _, summary, results = _eval(llama_server, seed_index_dir, tmp_path, "--no-judge")
    assert summary["judge"] is False and summary["metrics"]["judge_correctness"] is None
    assert [(r["judge"], r["judge_error"]) for r in results] == [(None, ""), (None, "")]
    assert summary["settings"]["backend"] == "openai" and "Malaysia" in results[0]["answer"]


# --- the ollama backend ---------------------------------------------------------------------------------
# No Ollama server can be installed here (it ships as a binary, not a package), so the ollama backend's
# HTTP exchange is tested against a bridge: a small server that speaks Ollama's /api/chat (NDJSON
# stream) and has the real SmolLM2 on the llama.cpp server write every reply. What is real: ChatOllama,
# the ollama client, the request it sends, the streamed parsing and the model's words; what is not: the
# Ollama server program itself.
class OllamaBridge(ThreadingHTTPServer):
    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _OllamaChat)
        self.upstream = upstream
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _OllamaChat(BaseHTTPRequestHandler):
    server: OllamaBridge

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        if self.path != "/api/chat":
            self.send_error(404)
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        options = body.get("options") or {}
        upstream = {
            "model": body["model"],
            "messages": [{"role": m["role"], "content": m["content"]} for m in body["messages"]],
            "stream": True,
            "max_tokens": options.get("num_predict"),
            "temperature": options.get("temperature", 0.8),
        }
        request = urllib.request.Request(
            self.server.upstream + "/chat/completions",
            data=json.dumps(upstream).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer none"},
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.end_headers()
        streaming, pieces = body.get("stream", True), []
        with urllib.request.urlopen(request, timeout=600) as reply:
            for raw in reply:
                line = raw.decode().strip()
                if not line.startswith("data:") or line == "data: [DONE]":
                    continue
                piece = json.loads(line[5:])["choices"][0].get("delta", {}).get("content") or ""
                pieces.append(piece)
                if piece and streaming:
                    self._send(body["model"], piece, done=False)
        self._send(body["model"], "" if streaming else "".join(pieces), done=True, eval_count=len(pieces))

    def _send(self, model: str, content: str, done: bool, **extra: object) -> None:
        message = {"model": model, "created_at": "2026-01-01T00:00:00Z", "done": done}
        message["message"] = {"role": "assistant", "content": content}
        if done:
            message.update(done_reason="stop", **extra)
        self.wfile.write((json.dumps(message) + "\n").encode())
        self.wfile.flush()


@pytest.fixture(scope="module")
def ollama_bridge(llama_server: str) -> Iterator[OllamaBridge]:
    bridge = OllamaBridge(llama_server)
    thread = threading.Thread(target=bridge.serve_forever, daemon=True)
    thread.start()
    yield bridge
    bridge.shutdown()
    bridge.server_close()


def test_ollama_backend_streams_an_answer_through_the_ollama_protocol(seed, ollama_bridge: OllamaBridge) -> None:
    a = with_llm(seed, backend="ollama", llm_base_url=ollama_bridge.url, llm_model="smollm2")
    sent = len(ollama_bridge.requests)
    out = list(a.stream(QUESTION))
    pieces, answer = out[:-1], out[-1]
    assert isinstance(answer, Answer) and answer.backend == "ollama"
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)  # tokens arrived one by one
    assert_checked(answer, a)
    [request] = ollama_bridge.requests[sent:]
    assert request["model"] == "smollm2" and request["stream"] is True
    # 600 passage tokens x 1.4 + 128 for the reply + 512 for the instructions = 1480, rounded up to 256s
    assert (request["options"]["num_predict"], request["options"]["num_ctx"]) == (128, 1536)
    assert request["options"]["temperature"] == 0.0
    assert request["messages"][0]["role"] == "system" and "Malaysia" in request["messages"][-1]["content"]


def test_ollama_backend_unreachable_says_where(seed, closed_port: int) -> None:
    a = with_llm(seed, backend="ollama", llm_base_url=f"http://127.0.0.1:{closed_port}", llm_max_retries=0)
    with pytest.raises(LLMError, match=rf"ollama.*127\.0\.0\.1:{closed_port}"):
        a.ask(QUESTION)
