"""Answer modes: a configured LLM server that answers appears beside extractive (in the page's selector
and in /v1/models); one that does not is left out and named. With a real llama.cpp server (SmolLM2)
and a real browser: choosing it changes only this conversation, and its answer visibly streams."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant import Assistant, Settings
from assistant.ui.modes import AnswerModes

from .test_llm_server import LLM, llama_server  # noqa: F401 (a fixture)
from .test_ui_api import running_app
from .test_ui_browser import CHROMIUM, FLAGS, WAIT, shoot, sync_api

pytestmark = pytest.mark.slow
QUESTION = "Where did Rubio and Lavrov meet?"
SLOW = 600_000  # ms: a 135M model on two shared cores; a deadline, not a speed check


def ask(page, question: str) -> object:
    """Send `question` and wait for its answer to be complete (the first of the conversation)."""
    page.fill("#question textarea", question)
    page.click("#ask")
    answers = page.locator("#chat .answer:not(.streaming)")
    sync_api.expect(answers).to_have_count(1, timeout=SLOW)
    return answers.first


def modes_for(seed_index_dir: Path, **settings: object) -> AnswerModes:
    return AnswerModes(Assistant.from_settings(Settings.load(env={}, index_dir=seed_index_dir, **settings)))


def test_an_unreachable_llm_server_is_left_out_and_named(seed_index_dir: Path, closed_port: int) -> None:
    dead = f"http://127.0.0.1:{closed_port}/v1"  # nothing listens there
    modes = modes_for(seed_index_dir, llm_base_url=dead, llm_model="local")
    assert modes.configured() == ["extractive", "openai"]
    assert modes.names() == ["extractive"]
    assert dead in modes.unavailable()["openai"]
    with pytest.raises(ValueError, match="'openai' is not offered here"):
        modes.get("openai")


def test_extractive_alone_when_no_llm_is_configured(seed_index_dir: Path) -> None:
    modes = modes_for(seed_index_dir, llm_api_key_env="TEST_NO_SUCH_KEY")
    assert modes.names() == ["extractive"] and modes.unavailable() == {}


@pytest.fixture(scope="module")
def llm_app(llama_server: str, seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: F811
    """The page with extractive as the default and the llama.cpp server configured beside it."""
    settings = {**LLM, "llm_base_url": llama_server, "llm_model": "smollm2"}
    with running_app(seed_index_dir, tmp_path_factory.mktemp("modes"), **settings) as (url, _):
        yield url


def test_a_reachable_llm_server_is_offered_beside_extractive(llm_app: str, llama_server: str) -> None:  # noqa: F811
    models = httpx.get(f"{llm_app.rstrip('/')}/v1/models").json()
    assert [m["id"] for m in models["data"]] == ["extractive", "openai"]
    assert llama_server in models["data"][1]["description"]


# Every text the last answer shows, recorded as the page changes it (a MutationObserver misses no step).
RECORD = """() => {
  window.__texts = [];
  new MutationObserver(() => {
    const all = document.querySelectorAll('#chat .answer');
    const last = all[all.length - 1];
    if (last) window.__texts.push((last.classList.contains('streaming') ? 'S:' : 'F:') + last.innerText.trim());
  }).observe(document.querySelector('#chat'), {childList: true, subtree: true, characterData: true});
}"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed: apt-get install -y chromium")
def test_the_llm_mode_streams_in_its_conversation_only(llm_app: str, llama_server: str, artifacts: Path) -> None:  # noqa: F811
    expect = sync_api.expect
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        pages = []
        for _ in range(2):  # two people, each in their own browser context
            page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            page.set_default_timeout(WAIT)
            page.goto(llm_app)
            page.wait_for_selector("#question textarea")
            pages.append(page)
        fluent, plain = pages

        fluent.locator("#settings").get_by_text("Search scope and answer settings").click()
        fluent.click("#backend input")
        options = fluent.locator("ul[role=listbox] li")
        expect(options).to_have_count(2)
        assert "extractive" in options.nth(0).inner_text() and llama_server in options.nth(1).inner_text()
        options.nth(1).click()
        fluent.evaluate(RECORD)
        answer = ask(fluent, QUESTION)
        expect(answer).to_contain_text("answered by openai · smollm2")
        shoot(fluent, artifacts, "ui-llm-mode.png")
        texts = fluent.evaluate("window.__texts")
        streamed = {t for t in texts if t.startswith("S:") and len(t) > 2}
        assert len(streamed) >= 2, texts  # the reply grew in the page, piece by piece, before it was final

        # The other conversation still answers in the default mode.
        other = ask(plain, QUESTION)
        expect(other).to_contain_text("answered by extractive")
        assert re.search(r"Malaysia", other.inner_text())
        browser.close()


def test_the_api_streams_the_llm_mode_with_its_citations(llm_app: str) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{llm_app.rstrip('/')}/v1", api_key="unused", max_retries=0, timeout=600)
    chunks = list(
        client.chat.completions.create(model="openai", messages=[{"role": "user", "content": QUESTION}], stream=True)
    )
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) > 1 and all(c.model == "openai" for c in chunks)  # token by token, from the model
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.model_extra["backend"] == "openai"
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", "".join(pieces).rpartition("(Checked against the articles:)")[2])}
    assert cited <= {c["n"] for c in last.model_extra["citations"]}  # every marker of the final text has its source
