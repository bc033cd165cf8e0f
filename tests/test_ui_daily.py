"""The page for daily use, in a real browser (chromium through playwright): the Evaluate tab, removing
articles, exports, the sources panel after a NOT FOUND reply, and which backend answered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_ui_api import running_app
from .test_ui_browser import CHROMIUM, FLAGS, WAIT, ask, shoot, sync_api

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed: apt-get install -y chromium"),
]


@pytest.fixture(scope="module")
def app_url(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_app(seed_index_dir, tmp_path_factory.mktemp("daily")) as (url, _):
        yield url


@pytest.fixture
def page(app_url: str) -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()  # a context: tabs can open
        page.set_default_timeout(WAIT)
        sync_api.expect.set_options(timeout=WAIT)
        page.goto(app_url)
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()


def bottom(locator: object) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def test_evaluate_shows_names_plots_and_every_metric(page, artifacts: Path) -> None:
    expect = sync_api.expect
    page.get_by_role("tab", name="Evaluate").click()
    chosen = page.locator("#eval-set input")
    expect(chosen).to_have_value("seed.jsonl")  # a name, not the server's path
    page.get_by_label("Only the first N questions (0 = all)").fill("2")
    page.click("#eval-run")
    expect(page.locator("#eval-status")).to_contain_text("seed")
    plots = page.locator("#eval-plots img")
    expect(plots.first).to_be_visible()
    assert plots.count() >= 3
    alts = [plots.nth(i).get_attribute("alt") for i in range(plots.count())]
    assert "Latency" in alts and "Pass rate by category" in alts
    table = page.locator("#eval-summary")
    last = table.get_by_text("answer_words", exact=True)
    expect(last).to_be_visible()
    assert bottom(last) <= bottom(table)  # the last metric lies inside the table's box: nothing clipped
    expect(page.locator("#eval-comparison")).to_contain_text("No previous run")
    shoot(page, artifacts, "ui-evaluate.png")

    # A run of one question is not compared with the run of two; the page says what differs.
    page.get_by_label("Only the first N questions (0 = all)").fill("1")
    page.click("#eval-run")
    expect(page.locator("#eval-comparison")).to_contain_text("Not compared")
    expect(page.locator("#eval-comparison")).to_contain_text("2 vs 1 questions")
    assert re.search(r"seed", page.locator("#eval-status").inner_text())


def test_a_not_found_reply_clears_the_sources_and_each_answer_names_its_backend(page) -> None:
    expect = sync_api.expect
    first = ask(page, "Who did Rubio meet?", 1)
    expect(first).to_contain_text("answered by extractive")
    expect(page.locator("#sources-panel #src-1-1")).to_be_visible()
    second = ask(page, "What is the recipe for sourdough bread?", 2)
    expect(second).to_have_class(re.compile(r"\babstained\b"))
    expect(second).to_contain_text("answered by extractive")
    active = page.locator("#sources-panel .src-turn.active")
    expect(active).to_contain_text("What is the recipe for sourdough bread?")
    expect(active).to_contain_text("No passages")
    expect(page.locator("#sources-panel .src-card:visible")).to_have_count(0)  # not the last answer's sources
    first.locator("a.cite").first.click()  # the earlier answer's sources are still a click away
    expect(page.locator("#sources-panel #src-1-1")).to_be_visible()
    expect(page.locator("#source-drawer")).to_have_count(0)  # on a wide screen the panel shows it, no drawer


def test_exports_download_in_one_click(page) -> None:
    expect = sync_api.expect
    expect(page.locator("#export-md")).to_be_disabled()  # nothing to export yet
    ask(page, "Who did Rubio meet?", 1)
    expect(page.locator("#export-md")).to_be_enabled()
    with page.expect_download() as download:
        page.click("#export-md")
    assert "## 1. Who did Rubio meet?" in Path(download.value.path()).read_text(encoding="utf-8")
    ask(page, "Where did they meet?", 2)
    # the buttons get the new files in a step after the answer shows: under load, the first click may still
    # fetch the one-turn export, so the download is repeated until that step has run
    for _ in range(20):
        with page.expect_download() as download:
            page.click("#export-json")
        text = Path(download.value.path()).read_text(encoding="utf-8")
        if "Where did they meet?" in text:
            break
        page.wait_for_timeout(500)
    assert "Who did Rubio meet?" in text and "Where did they meet?" in text  # the export follows the chat


def test_the_empty_chat_is_not_a_tall_blank_box(page) -> None:
    chat = page.locator("#chat")
    examples = chat.get_by_text("What is the significance of this meeting?")
    sync_api.expect(examples).to_be_visible()
    # The suggested questions fill the box: little room is left under the lowest text in it.
    lowest = chat.evaluate(
        """box => Math.max(...[...box.querySelectorAll('*')]
            .filter(e => !e.children.length && e.textContent.trim())
            .map(e => e.getBoundingClientRect().bottom))"""
    )
    assert bottom(chat) - lowest < 120


def test_a_reload_keeps_the_conversation_and_its_follow_ups(page, app_url: str) -> None:
    expect = sync_api.expect
    ask(page, "Who did Rubio meet?", 1)
    expect(page.locator("#conversation input")).to_have_value(re.compile(r"^Who did Rubio meet\? · "))
    page.reload()
    page.wait_for_selector("#question textarea")
    answers = page.locator("#chat .answer")
    expect(answers).to_have_count(1)
    expect(answers.first).to_contain_text("Lavrov")
    expect(answers.first.locator("a.cite").first).to_be_visible()
    expect(page.locator("#sources-panel .src-turn.active .src-card").first).to_be_visible()
    follow = ask(page, "Where did they meet?", 2)  # the restored conversation goes on
    expect(follow).to_contain_text("Malaysia")

    # Another browser (its own storage) starts empty; this one keeps both answers.
    other = page.context.browser.new_context().new_page()
    other.goto(app_url)
    other.wait_for_selector("#question textarea")
    expect(other.locator("#conversation input")).to_have_value("")
    expect(other.locator("#chat .answer")).to_have_count(0)
    other.context.close()
    second_tab = page.context.new_page()
    second_tab.goto(app_url)
    expect(second_tab.locator("#chat .answer")).to_have_count(2)  # the same browser: the same conversation
    second_tab.close()


def test_conversations_new_rename_delete(page) -> None:
    expect = sync_api.expect
    picker = page.locator("#conversation input")
    # Each answer is followed by a step that keeps the conversation and shows it in the picker; the next
    # click waits for it, as a user sees the conversation listed before renaming it or leaving it (sent
    # earlier, under load the rename read an empty picker: the new conversation was not kept yet).
    ask(page, "Who did Rubio meet?", 1)
    expect(picker).to_have_value(re.compile(r"^Who did Rubio meet\? · "))
    page.click("#new-chat")
    expect(page.locator("#chat .answer")).to_have_count(0)
    ask(page, "What role does China play?", 1)
    expect(picker).to_have_value(re.compile(r"^What role does China play\? · "))
    page.fill("#rename-chat input, #rename-chat textarea", "China")
    page.press("#rename-chat input, #rename-chat textarea", "Enter")
    expect(picker).to_have_value(re.compile(r"^China · "))
    page.click("#conversation input")
    listed = page.locator("ul[role=listbox] li")
    expect(listed).to_have_count(2)
    listed.filter(has_text="Who did Rubio meet?").click()
    expect(page.locator("#chat .answer")).to_have_count(1)
    expect(page.locator("#chat .answer").first).to_contain_text("Lavrov")
    page.click("#delete-chat")
    expect(page.locator("#chat .answer")).to_have_count(0)
    page.click("#conversation input")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("China")


# Elements that stick out of the viewport sideways (Gradio's progress bar slides in from the left: waited out).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect(), style = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && (r.right > width + 1 || r.left < -1);
  }).map(e => e.id || e.className.toString().slice(0, 60));
  return {width, scroll: document.documentElement.scrollWidth, out};
}"""


def test_a_phone_has_no_sideways_overflow_and_a_citation_tap_comes_back(page, app_url: str, artifacts: Path) -> None:
    expect = sync_api.expect
    phone = page.context.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab = phone.new_page()
    tab.goto(app_url)
    tab.wait_for_selector("#question textarea")
    answer = ask(tab, "Who did Rubio meet?", 1)
    expect(tab.locator(".eta-bar")).to_have_count(0)
    found = tab.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"] and found["out"] == [], found
    shoot(tab, artifacts, "ui-phone-chat.png")

    cite = answer.locator("a.cite").first
    cite.scroll_into_view_if_needed()
    before = tab.evaluate("window.scrollY")
    cite.tap()
    drawer = tab.locator("#source-drawer")
    expect(drawer).to_be_visible()  # the passage opens over the page, where the reader is ...
    expect(drawer.locator(".src-passage")).to_be_in_viewport()
    passage = tab.locator("#sources-panel #src-1-1 .src-passage").inner_text()
    assert passage.strip() and drawer.locator(".src-passage").inner_text() == passage
    expect(drawer.locator(".src-passage mark").first).to_be_visible()  # the sentence the answer used
    assert abs(tab.evaluate("window.scrollY") - before) < 50  # ... without sending them down to the panel
    expect(tab.locator("#sources-panel #src-1-1")).not_to_be_in_viewport()
    tab.screenshot(path=str(artifacts / "ui-phone-source.png"))  # the viewport, as the reader sees it
    tab.locator("#source-drawer .drawer-back").tap()
    expect(drawer).to_be_hidden()  # "Back to the answer" closes it, and the answer is where it was
    expect(cite).to_be_in_viewport()
    expect(answer).to_contain_text("Lavrov")
    assert abs(tab.evaluate("window.scrollY") - before) < 50
    cite.tap()
    expect(drawer).to_be_visible()
    tab.keyboard.press("Escape")  # Esc closes it too
    expect(drawer).to_be_hidden()

    tab.get_by_role("tab", name="Articles").click()
    cards = tab.locator("#articles-cards .article-card")
    expect(cards.first).to_be_visible()
    expect(cards.first).to_contain_text("US-Russia Dialogue")
    expect(tab.locator("#articles-table")).to_be_hidden()  # cards instead of the wide table
    found = tab.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"] and found["out"] == [], found
    shoot(tab, artifacts, "ui-phone-articles.png")
    tab.get_by_role("tab", name="Evaluate").click()
    expect(tab.locator("#eval-run")).to_be_visible()
    found = tab.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"] and found["out"] == [], found
    phone.close()


def test_removing_an_article_asks_first(page) -> None:
    expect = sync_api.expect
    page.get_by_role("tab", name="Articles").click()
    table = page.locator("#articles-table")
    expect(table).to_contain_text("US-Russia Dialogue")
    page.click("#remove-pick input")
    page.locator("ul[role=listbox] li").filter(has_text="US-Russia Dialogue").first.click()
    page.click("#remove")
    confirm = page.locator("#remove-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Remove “US-Russia Dialogue: Ukraine Peace Talks on the Horizon?” from the index?")
    page.click("#remove-cancel")
    expect(confirm).to_be_hidden()
    expect(page.locator("#remove-result")).to_contain_text("Nothing was removed")
    expect(table).to_contain_text("US-Russia Dialogue")  # still there
    page.click("#remove")
    page.click("#remove-yes")
    expect(page.locator("#remove-result")).to_contain_text("Removed “US-Russia Dialogue")
    expect(table).not_to_contain_text("US-Russia Dialogue")
