"""With a login, the conversations kept in a browser belong to the user who had them (a real browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_ui_api import running_app
from .test_ui_browser import CHROMIUM, FLAGS, WAIT, ask, sync_api

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed: apt-get install -y chromium"),
]
USERS = [("ann", "ann-secret-pw"), ("bob", "bob-secret-pw")]


@pytest.fixture(scope="module")
def app_url(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_app(seed_index_dir, tmp_path_factory.mktemp("login"), auth=USERS) as (url, _):
        yield url


def sign_in(page, url: str, user: str, password: str) -> None:
    page.goto(url)
    page.get_by_test_id("textbox").fill(user)
    page.get_by_test_id("password").fill(password)
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#question textarea")


def test_each_user_of_one_browser_sees_only_their_conversations(app_url: str) -> None:
    expect = sync_api.expect
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_context().new_page()  # one browser, so one localStorage, for both users
        page.set_default_timeout(WAIT)
        sign_in(page, app_url, *USERS[0])
        ask(page, "Who did Rubio meet?", 1)
        expect(page.locator("#conversation input")).to_have_value(re.compile(r"^Who did Rubio meet"))
        page.context.clear_cookies()  # signed out
        sent: list[str] = []  # what bob's page sends the server, the stored conversations included
        page.on("request", lambda request: sent.append(request.post_data or "") if request.method == "POST" else None)
        sign_in(page, app_url, *USERS[1])
        expect(page.locator("#chat .answer")).to_have_count(0)
        page.click("#conversation input")
        expect(page.locator("ul[role=listbox] li")).to_have_count(0)
        # The browser holds ann's conversation, sealed: bob's page has it only as a token it cannot read.
        assert any('"sealed"' in body for body in sent), sent
        assert not any("Rubio" in body or "Lavrov" in body for body in sent)
        page.context.clear_cookies()
        sign_in(page, app_url, *USERS[0])
        expect(page.locator("#chat .answer")).to_have_count(1)
        browser.close()


def test_the_api_takes_any_of_the_page_logins(app_url: str) -> None:
    import httpx

    models = f"{app_url.rstrip('/')}/v1/models"
    assert [httpx.get(models, auth=user).status_code for user in USERS] == [200, 200]
    assert httpx.get(models, auth=(USERS[0][0], USERS[1][1])).status_code == 401  # ann with bob's password
