"""The UI's `/ask` API through `gradio_client`, against a server launched on 127.0.0.1."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant import Assistant, Settings
from assistant.ui.app import build_app
from assistant.ui.launch import PortUnavailable, auth_from_env, launch

from .conftest import unused_port

pytestmark = pytest.mark.slow
SEED_ID = "us-russia-dialogue-ukraine-peace-talks"
SEED_QUESTION = "What is the significance of this meeting?"


@contextmanager
def running_app(
    seed_index_dir: Path, root: Path, auth: tuple[str, str] | None = None, **settings: object
) -> Iterator[tuple[str, gr.Blocks]]:
    """The app over a private copy of the seed index, served on a free port until the block ends.

    Gradio must be given its port (given 0 it looks for its own page on port 0), so another program may
    take the port found free before the server binds it: `launch` then raises `PortUnavailable`, and the
    app is started again on another port. A port Gradio did bind is this server's.
    """
    shutil.copytree(seed_index_dir, root / "index")
    (root / "corpus").mkdir()
    for _ in range(5):
        assistant = Assistant.from_settings(
            Settings.load(
                env={},
                index_dir=root / "index",
                upload_dir=root / "uploads",
                corpus_dir=root / "corpus",
                port=unused_port(),
                **settings,
            )
        )
        app = build_app(assistant)
        try:
            _, url, _ = launch(app, assistant, auth=auth, prevent_thread_lock=True, quiet=True)
            break
        except PortUnavailable:
            continue
    else:
        pytest.fail("five free ports in a row were taken before the app could bind them")
    try:
        yield url, app
    finally:
        app.close()


@pytest.fixture(scope="module")
def served(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, gr.Blocks]]:
    with running_app(seed_index_dir, tmp_path_factory.mktemp("api"), max_upload_mb=1) as found:
        yield found


@pytest.fixture(scope="module")
def server(served: tuple[str, gr.Blocks]) -> str:
    return served[0]


@pytest.fixture
def client(server: str) -> Client:
    """A client of its own per test: a new session, so no test sees another's conversation."""
    return Client(server, verbose=False, download_files=False)


def test_ask_returns_the_answer_text_and_its_citations(client: Client) -> None:
    text, citations = client.predict(question=SEED_QUESTION, api_name="/ask")
    assert "[1]" in text
    assert citations and citations[0]["n"] == 1
    first = citations[0]
    assert first["article_id"] == SEED_ID and first["title"].startswith("US-Russia Dialogue")
    assert first["sentences"] and first["sentences"][0] in first["text"]
    assert first["sentences"][0] in text


def test_ask_takes_filters_and_a_passage_count(client: Client) -> None:
    text, citations = client.predict(question=SEED_QUESTION, article_ids=["no-such-article"], api_name="/ask")
    assert citations == [] and text  # nothing to cite from: a reply, not an error
    _, citations = client.predict(question=SEED_QUESTION, tags=["Diplomacy"], top_k=1, api_name="/ask")
    assert len(citations) == 1 and citations[0]["article_id"] == SEED_ID


def test_bad_arguments_get_the_reason_and_the_server_keeps_serving(client: Client) -> None:
    with pytest.raises(AppError, match="top_k must be between 1 and 50"):
        client.predict(question=SEED_QUESTION, top_k=500, api_name="/ask")
    with pytest.raises(AppError, match="top_k must be between 1 and 50, got 0"):  # as `assistant ask -k 0`
        client.predict(question=SEED_QUESTION, top_k=0, api_name="/ask")
    with pytest.raises(AppError, match="article_ids must be a list of strings"):
        client.predict(question=SEED_QUESTION, article_ids={"id": 1}, api_name="/ask")
    text, citations = client.predict(question=SEED_QUESTION, api_name="/ask")
    assert citations and "[1]" in text


def conversation(app: gr.Blocks, client: Client) -> list[str]:
    """The questions the server holds in `client`'s own session (the state `/ask` reads and writes)."""
    [fn] = [f for f in app.fns.values() if f.api_name == "ask"]
    session = app.state_holder[client.session_hash][fn.inputs[-1]._id]
    return [t.question for t in session.turns] if session else []


def test_each_client_keeps_its_own_conversation(served: tuple[str, gr.Blocks]) -> None:
    url, app = served
    alice, bob = Client(url, verbose=False), Client(url, verbose=False)
    alice.predict(question=SEED_QUESTION, api_name="/ask")
    bob.predict(question="What role do other international actors play?", api_name="/ask")
    alice.predict(question="And what are the main obstacles?", api_name="/ask")
    assert conversation(app, alice) == [SEED_QUESTION, "And what are the main obstacles?"]
    assert conversation(app, bob) == ["What role do other international actors play?"]
    alice.predict(api_name="/clear")
    assert conversation(app, alice) == []
    assert conversation(app, bob) == ["What role do other international actors play?"]


def test_the_server_refuses_uploads_over_the_limit(server: str) -> None:
    small = httpx.post(f"{server}gradio_api/upload", files={"files": ("a.md", b"# A\n\nsmall", "text/markdown")})
    assert small.status_code == 200
    big = httpx.post(f"{server}gradio_api/upload", files={"files": ("big.md", b"x" * (2**20 + 10), "text/markdown")})
    assert big.status_code == 413


def test_login_from_the_environment(seed_index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_UI_USERNAME", "ann")
    monkeypatch.setenv("ASSISTANT_UI_PASSWORD", "s3cret")
    with running_app(seed_index_dir, tmp_path, auth=auth_from_env()) as (url, _):
        assert httpx.get(f"{url}config").status_code == 401
        with pytest.raises(Exception, match=r"(?i)login|auth|401|credentials"):
            Client(url, verbose=False, auth=("ann", "wrong"))
        text, citations = Client(url, verbose=False, auth=("ann", "s3cret")).predict(
            question=SEED_QUESTION, api_name="/ask"
        )
        assert citations and "[1]" in text
