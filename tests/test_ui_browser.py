"""End to end in a real browser: Debian's chromium driven by playwright against a launched app.

Ask about the seed article, wait for the streamed answer, click its citation and read the
passage in the sources panel; upload a small article and a PDF and ask about them (the PDF's
citation names its page). Screenshots go to the folder named by $TEST_ARTIFACTS_DIR when it is set (for
people to look at), else into the session's temporary folder: a test run leaves nothing in the clone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.ingest.articles import SUPPORTED_SUFFIXES

from .docmakers import make_pdf
from .test_ui_api import running_app
from .webserver import BRIDGE, serve

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT = 60_000  # ms; two shared cores can be slow, and nothing here asserts on time

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed: apt-get install -y chromium"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

SMALL_ARTICLE = """---
title: Lantern Night Returns to Vellmar Harbour
author: Ines Okafor
date: 2024-09-02
tags: [Festivals, Vellmar]
---

# Lantern Night Returns to Vellmar Harbour

## The Evening

After a four-year pause, Vellmar's lantern night came back on Saturday. Volunteers floated 3,400 paper
lanterns across the harbour, each one carrying a wish written by a schoolchild.

## Frequently Asked Questions

### How many lanterns were floated at Vellmar's lantern night?

Volunteers floated 3,400 paper lanterns across the harbour.
"""


@pytest.fixture(scope="module")
def app_url(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # private addresses allowed: the page added by address comes from a server on this machine
    with running_app(seed_index_dir, tmp_path_factory.mktemp("browser"), allow_private_urls=True) as (url, _):
        yield url


@contextmanager
def browsing(url: str) -> Iterator[object]:
    """A chromium page on the app at `url`, once its question box is there."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.set_default_timeout(WAIT)
        sync_api.expect.set_options(timeout=WAIT)
        page.goto(url)
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()


@pytest.fixture
def page(app_url: str) -> Iterator[object]:
    with browsing(app_url) as page:
        yield page


def ask(page, question: str, turn: int) -> object:
    """Type a question, send it, and wait until answer number `turn` has arrived complete."""
    page.fill("#question textarea", question)
    page.click("#ask")
    answers = page.locator("#chat .answer:not(.streaming)")
    sync_api.expect(answers).to_have_count(turn, timeout=WAIT)
    return answers.nth(turn - 1)


def shoot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / name), full_page=True)


def test_chat_cites_sources_and_answers_from_an_uploaded_article(page, tmp_path: Path, artifacts: Path) -> None:
    expect = sync_api.expect
    # Suggested questions come from the article's FAQ.
    expect(page.locator("#chat").get_by_text("What is the significance of this meeting?")).to_be_visible()

    answer = ask(page, "What is the significance of this meeting?", 1)
    expect(answer).to_have_class(re.compile(r"\banswered\b"))
    cite = answer.locator("a.cite").first
    expect(cite).to_be_visible()
    cite.click()
    card = page.locator("#sources-panel #src-1-1")
    expect(card).to_be_visible()
    expect(card).to_have_class(re.compile(r"\bfocused\b"))
    expect(card.locator(".src-title")).to_have_text("US-Russia Dialogue: Ukraine Peace Talks on the Horizon?")
    expect(card.locator("mark").first).to_be_visible()  # the sentence the answer used, highlighted
    used = card.locator("mark").first.inner_text()
    assert used.strip() and used.strip()[:40] in answer.inner_text()
    shoot(page, artifacts, "ui-chat.png")

    page.get_by_role("tab", name="Articles").click()
    article = tmp_path / "lantern-night.md"
    article.write_text(SMALL_ARTICLE, encoding="utf-8")
    accept = page.locator("#upload input[type=file]").get_attribute("accept") or ""
    assert {a.strip() for a in accept.split(",")} == SUPPORTED_SUFFIXES  # the file picker offers only these
    report = make_pdf(tmp_path / "tidal-report.pdf")
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4")
    page.set_input_files("#upload input[type=file]", [str(article), str(report), str(bad)])
    added = page.locator('#upload-results .upload-row[data-status="added"]')
    expect(added).to_have_count(2)
    expect(added.first).to_contain_text("lantern-night.md")
    expect(added.nth(1)).to_contain_text("tidal-report.pdf")
    expect(page.locator('#upload-results .upload-row[data-status="failed"]')).to_contain_text("not a readable PDF")
    expect(page.locator("#articles-table")).to_contain_text("Lantern Night Returns to Vellmar Harbour")
    expect(page.locator("#articles-table")).to_contain_text("Tidal Power Report")
    shoot(page, artifacts, "ui-articles.png")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "How many lanterns were floated at Vellmar's lantern night?", 2)
    expect(answer).to_contain_text("3,400")
    answer.locator("a.cite").first.click()
    expect(page.locator("#sources-panel #src-2-1 .src-title")).to_have_text("Lantern Night Returns to Vellmar Harbour")
    shoot(page, artifacts, "ui-upload-answer.png")
    # the card names the stored file and links to it: the article itself opens in a new tab
    link = page.locator("#sources-panel #src-2-1 .src-file a")
    expect(link).to_have_text("lantern-night.md")
    with page.context.expect_page() as opened:
        link.click()
    opened.value.wait_for_load_state()
    assert "Volunteers floated 3,400 paper\nlanterns across the harbour" in opened.value.locator("body").inner_text()
    opened.value.close()
    answer = ask(page, "How many wading birds did biologists count on the mudflats?", 3)
    expect(answer).to_contain_text("212")
    answer.locator("a.cite").first.click()
    card = page.locator("#sources-panel #src-3-1")
    expect(card.locator(".src-title")).to_have_text("Tidal Power Report")
    expect(card.locator(".src-page")).to_have_text("page 2")  # the PDF page the sentence is on
    shoot(page, artifacts, "ui-pdf-page.png")
    page.click("#clear")  # an empty chat suggests questions again, the new article's among them
    expect(page.locator("#chat .answer")).to_have_count(0)
    lanterns = page.locator("#chat").get_by_text("How many lanterns were floated at Vellmar's lantern night?")
    expect(lanterns).to_be_visible()


def test_clear_then_start_from_an_example_and_export(page) -> None:
    expect = sync_api.expect
    ask(page, "What is the significance of this meeting?", 1)
    page.click("#clear")
    expect(page.locator("#chat .answer")).to_have_count(0)
    expect(page.locator("#sources-panel .src-empty")).to_be_visible()
    page.locator("#chat").get_by_text(
        "What are the main obstacles to achieving a lasting peace agreement in Ukraine?"
    ).click()
    expect(page.locator("#chat .answer:not(.streaming)")).to_have_count(1)
    expect(page.locator("#sources-panel .src-turn.active .src-card").first).to_be_visible()
    with page.expect_download() as download:
        page.click("#export-md")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## 1. What are the main obstacles" in text and "**Sources**" in text


def test_empty_message_is_ignored(page) -> None:
    page.fill("#question textarea", "   ")
    page.click("#ask")
    answer = ask(page, "What is the significance of this meeting?", 1)
    sync_api.expect(answer.locator("a.cite").first).to_be_visible()
    sync_api.expect(page.locator('#chat [data-testid="user"]')).to_have_count(1)  # only the real question


def test_add_a_web_page_by_address_and_ask_about_it(page, artifacts: Path) -> None:
    expect = sync_api.expect
    with serve() as site:
        url = site.add("/news/bridge.html", BRIDGE)
        page.get_by_role("tab", name="Articles").click()
        page.fill("#address textarea, #address input", url)
        page.press("#address textarea, #address input", "Enter")
        row = page.locator('#upload-results .upload-row[data-status="added"]')
        expect(row).to_contain_text(url)
        expect(row).to_contain_text("New footbridge links the old town to the beach")
    expect(page.locator("#articles-table")).to_contain_text("New footbridge links the old town to the beach")
    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "How long is the new steel footbridge?", 1)
    expect(answer).to_contain_text("84 metres")
    answer.locator("a.cite").first.click()
    expect(page.locator("#sources-panel #src-1-1 .src-url a")).to_have_attribute("href", url)
    shoot(page, artifacts, "ui-web-page.png")


def test_the_chat_trash_icon_forgets_the_conversation(page) -> None:
    expect = sync_api.expect
    ask(page, "Who did Rubio meet?", 1)
    expect(ask(page, "Where did they meet?", 2).locator("a.cite").first).to_have_attribute("href", "#src-2-1")
    page.locator('#chat button[aria-label="Clear"]').click()
    expect(page.locator("#chat .answer")).to_have_count(0)
    expect(page.locator("#sources-panel .src-empty")).to_be_visible()
    # the session forgot its turns too (not only the page): the next answer is turn 1 again, not turn 3
    again = ask(page, "Where did they meet?", 1)
    expect(again.locator("a.cite").first).to_have_attribute("href", "#src-1-1")
    expect(page.locator("#sources-panel #src-1-1")).to_be_attached()


def test_removing_an_article_in_the_articles_tab(seed_index_dir: Path, tmp_path: Path) -> None:
    expect = sync_api.expect
    with running_app(seed_index_dir, tmp_path / "app") as (url, _), browsing(url) as page:
        expect(ask(page, "Where did Rubio and Lavrov meet?", 1)).to_contain_text("Malaysia")
        page.get_by_role("tab", name="Articles").click()
        expect(page.locator("#articles-table")).to_contain_text("US-Russia Dialogue")
        page.locator("#remove-pick input[role=combobox]").click()
        page.get_by_role("option", name=re.compile("US-Russia Dialogue")).click()
        page.click("#remove")  # asks first
        expect(page.locator("#remove-question")).to_contain_text("US-Russia Dialogue: Ukraine Peace Talks")
        page.click("#remove-yes")
        expect(page.locator("#remove-result")).to_contain_text(
            "US-Russia Dialogue: Ukraine Peace Talks on the Horizon?"
        )
        expect(page.locator("#articles-table")).not_to_contain_text("US-Russia Dialogue")
        page.get_by_role("tab", name="Chat").click()
        gone = ask(page, "Where did Rubio and Lavrov meet?", 2)
        expect(gone).to_have_class(re.compile(r"\babstained\b"))
        expect(gone.locator("a.cite")).to_have_count(0)


def test_the_evaluate_tab_runs_a_test_set_and_compares_with_the_previous_run(page) -> None:
    expect = sync_api.expect
    page.get_by_role("tab", name="Evaluate").click()
    page.get_by_label("Only the first N questions (0 = all)").fill("2")
    page.get_by_role("button", name="Run evaluation").click()
    expect(page.get_by_text("No previous run of this test set to compare with.")).to_be_visible()
    status = page.get_by_text(re.compile(r"seed: 2 questions \(2 answerable, 0 unanswerable\), pass rate"))
    expect(status).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^containment"))).to_be_visible()
    expect(page.locator("#eval-plots img").first).to_be_visible()  # the plots are on the page
    page.get_by_text("The whole report (failed questions)").click()
    expect(page.locator('iframe[title="evaluation report"]')).to_be_attached()
    page.get_by_role("button", name="Run evaluation").click()  # the same set again: compared with the first run
    compared = page.locator("p", has_text="Compared with the previous run")
    expect(compared).to_be_visible()
    expect(compared.locator("code")).to_have_text(re.compile(r"^\d{8}-\d{6}-seed$"))  # the first run's folder
    expect(page.get_by_text("Questions whose verdict changed: 0")).to_be_visible()


@pytest.fixture(scope="module")
def llm_app(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app configured with the openai backend on a real llama.cpp server; yields (URL, server log)."""
    from .test_llm_server import LLM, llama_server_at

    root = tmp_path_factory.mktemp("llm-app")
    log = root / "llama.log"
    with (
        llama_server_at(log) as base,
        running_app(
            seed_index_dir,
            root,
            backend="openai",
            llm_base_url=base,
            llm_model="smollm2",
            **{**LLM, "llm_api_key_env": ""},
        ) as (url, _),
    ):
        yield url, log


def completions(log: Path) -> int:
    return log.read_text(errors="replace").count("POST /v1/chat/completions")


def test_the_backend_menu_switches_between_the_configured_llm_and_extractive(llm_app: tuple[str, Path]) -> None:
    expect = sync_api.expect
    url, log = llm_app
    with browsing(url) as page:
        page.locator("#settings").get_by_text("Search scope and answer settings").click()
        backend = page.locator("#backend input[role=combobox]")
        expect(backend).to_have_value(
            re.compile(r"^openai — smollm2 at http://127\.0\.0\.1:\d+/v1$")
        )  # the configured LLM
        before = completions(log)
        expect(ask(page, "Where did Rubio and Lavrov meet?", 1)).to_contain_text("Malaysia")
        assert completions(log) > before  # the model on the server wrote that answer
        backend.click()
        page.get_by_role("option", name="extractive — quotes the articles, no LLM").click()
        expect(backend).to_have_value("extractive — quotes the articles, no LLM")
        before = completions(log)
        answer = ask(page, "What role does China play?", 2)
        expect(answer.locator("a.cite").first).to_be_visible()
        assert completions(log) == before  # answered without the model
