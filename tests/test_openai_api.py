"""The OpenAI-compatible API under /v1, through the official `openai` client against a running server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant import Assistant

from .test_ui_api import running_app

openai = pytest.importorskip("openai")
pytestmark = pytest.mark.slow
KEY = "sk-test-article-assistant"
LOGIN = ("ann", "correct horse")


@pytest.fixture(scope="module")
def server(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with a page login and an API key, as `assistant serve` runs it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_API_KEY", KEY)
        with running_app(seed_index_dir, tmp_path_factory.mktemp("openai"), auth=LOGIN) as (url, _):
            yield url.rstrip("/")


@pytest.fixture(scope="module")
def client(server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0)


def test_models_lists_the_answer_modes(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["extractive"]


def test_chat_answers_with_citations_and_follows_up_from_the_messages(client: openai.OpenAI, seed: Assistant) -> None:
    first = client.chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": "Who did Rubio meet?"}]
    )
    reply = first.choices[0].message.content or ""
    assert "Lavrov" in reply and "[1]" in reply
    citations = first.model_extra["citations"]
    assert citations[0]["n"] == 1 and citations[0]["title"].startswith("US-Russia Dialogue")
    assert citations[0]["sentences"] and citations[0]["sentences"][0] in citations[0]["text"]

    follow = client.chat.completions.create(
        model="extractive",
        messages=[
            {"role": "system", "content": "You answer about articles."},
            {"role": "user", "content": "Who did Rubio meet?"},
            {"role": "assistant", "content": reply},
            {"role": "user", "content": "Where did they meet?"},
        ],
    )
    # The same conversation through the Python API gives the same answer: the history was used.
    chat = seed.chat()
    chat.ask("Who did Rubio meet?")
    expected = chat.ask("Where did they meet?")
    assert follow.choices[0].message.content == expected.text
    assert "Malaysia" in expected.text
    assert follow.model_extra["query"] == expected.query != "Where did they meet?"


def test_streaming_sends_chunks_then_the_citations(client: openai.OpenAI) -> None:
    question = [{"role": "user", "content": "Where did Rubio and Lavrov meet?"}]
    whole = client.chat.completions.create(model="extractive", messages=question)
    chunks = list(client.chat.completions.create(model="extractive", messages=question, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 1  # in pieces, not at once
    assert text == whole.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["citations"] == whole.model_extra["citations"] != []
    assert all(c.object == "chat.completion.chunk" and c.model == "extractive" for c in chunks)


def test_a_wrong_key_is_refused(server: str) -> None:
    wrong = openai.OpenAI(base_url=f"{server}/v1", api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        wrong.chat.completions.create(model="extractive", messages=[{"role": "user", "content": "Who did Rubio meet?"}])
    assert caught.value.status_code == 401
    assert "ASSISTANT_API_KEY" in caught.value.message
    assert httpx.get(f"{server}/v1/models").status_code == 401  # no credentials at all
    assert httpx.get(f"{server}/v1/models", auth=(LOGIN[0], "wrong")).status_code == 401


def test_the_page_login_works_as_http_basic(server: str) -> None:
    reply = httpx.post(f"{server}/v1/ask", json={"question": "Who did Rubio meet?"}, auth=LOGIN, timeout=60)
    assert reply.status_code == 200
    body = reply.json()
    assert "Lavrov" in body["answer"] and body["citations"][0]["n"] == 1
    assert body["backend"] == "extractive" and body["abstained"] is False


def test_ask_takes_earlier_questions_as_history(server: str, seed: Assistant) -> None:
    body = {"question": "Where did they meet?", "history": ["Who did Rubio meet?"]}
    reply = httpx.post(f"{server}/v1/ask", json=body, auth=LOGIN, timeout=60).json()
    chat = seed.chat()
    chat.ask("Who did Rubio meet?")
    assert reply["answer"] == chat.ask("Where did they meet?").text


def test_an_unanswerable_question_abstains_without_citations(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": "What is the recipe for sourdough bread?"}]
    )
    assert reply.model_extra["abstained"] is True
    assert reply.model_extra["citations"] == []


def test_a_malformed_body_gets_422_saying_what_is_wrong(client: openai.OpenAI, server: str) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.chat.completions.create(model="extractive", messages=[{"role": "bot", "content": "hi"}])
    assert "messages.0.role" in caught.value.message and "'user'" in caught.value.message
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.chat.completions.create(
            model="extractive", messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
        )
    assert "the last message must be a user message" in caught.value.message
    url, json_type = f"{server}/v1/chat/completions", {"Content-Type": "application/json"}
    raw = httpx.post(url, content=b"{not json", headers=json_type, auth=LOGIN)
    assert raw.status_code == 422 and "not valid JSON" in raw.json()["error"]["message"]
    raw = httpx.post(url, content=b"question=hi", auth=LOGIN)
    assert raw.status_code == 422 and "must be a JSON object" in raw.json()["error"]["message"]


def test_an_unknown_model_is_named(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-5", messages=[{"role": "user", "content": "Who did Rubio meet?"}])
    assert "gpt-5" in caught.value.message and "extractive" in caught.value.message


def test_docs_describe_the_api(server: str) -> None:
    docs = httpx.get(f"{server}/docs", follow_redirects=True)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    schema = httpx.get(f"{server}/v1/openapi.json").json()
    assert {"/chat/completions", "/models", "/ask"} <= set(schema["paths"])


def test_docs_load_swagger_ui_from_this_server(server: str) -> None:
    page = httpx.get(f"{server}/docs", follow_redirects=True).text
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page)
    assert assets and all(a.startswith("/v1/") for a in assets), assets  # nothing from a CDN
    scripts = [a for a in assets if a.endswith(".js")]
    styles = [a for a in assets if a.endswith(".css")]
    assert len(scripts) == 1 and len(styles) == 1, assets
    for asset in assets:
        reply = httpx.get(server + asset)  # no credentials: the docs are open like the page's own API docs
        assert reply.status_code == 200 and len(reply.content) > 1000, asset
    assert "SwaggerUIBundle" in httpx.get(server + scripts[0]).text


def test_docs_render_the_operations_in_a_browser_without_internet(server: str) -> None:
    from .test_ui_browser import CHROMIUM, FLAGS, WAIT, sync_api

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed: apt-get install -y chromium")
    outside: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page()
        page.set_default_timeout(WAIT)

        def offline(route: object) -> None:  # as on a machine with no internet: only this server answers
            url = route.request.url
            if url.startswith(server):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        page.route("**/*", offline)
        page.goto(f"{server}/docs")
        operations = page.locator(".opblock-summary-path")
        sync_api.expect(operations.filter(has_text="/chat/completions")).to_be_visible()
        sync_api.expect(operations.filter(has_text="/models")).to_be_visible()
        sync_api.expect(page.get_by_text("Article assistant API")).to_be_visible()
        browser.close()
    assert outside == []
