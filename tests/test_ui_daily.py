"""The page for daily use, in a real browser (chromium through playwright): the Evaluate tab, removing
articles, exports, the sources panel after a NOT FOUND reply, and which backend answered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_ui_api import running_app
from .test_ui_browser import CHROMIUM, FLAGS, WAIT, shoot, sync_api

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
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(WAIT)
        sync_api.expect.set_options(timeout=WAIT)
        page.goto(app_url)
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()


def bottom(locator: object) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def test_evaluate_shows_names_plots_and_every_metric(page) -> None:
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
    shoot(page, "ui-evaluate.png")

    # A run of one question is not compared with the run of two; the page says what differs.
    page.get_by_label("Only the first N questions (0 = all)").fill("1")
    page.click("#eval-run")
    expect(page.locator("#eval-comparison")).to_contain_text("Not compared")
    expect(page.locator("#eval-comparison")).to_contain_text("2 vs 1 questions")
    assert re.search(r"seed", page.locator("#eval-status").inner_text())
