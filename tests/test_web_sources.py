"""Web pages by address and RSS/Atom feeds, against a real local http.server: articles without the clutter
around them, incremental re-polls, and a clear reason for each address that cannot be ingested."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.ingest.articles import load_articles
from assistant.ingest.fetch import FetchOptions

from .docmakers import make_pdf
from .webserver import BRIDGE, STORM, Site, atom, entry_page, rss, serve

BOILERPLATE = ["TRACKER-TOKEN", "COOKIE-NOTICE", "NAV-LINK", "ADVERT-TEXT", "COMMENT-TEXT", "MOST-READ", "FOOTER-TEXT"]
LOCAL = FetchOptions(allow_private=True, timeout=5)


@pytest.fixture
def web(tmp_path: Path) -> Assistant:
    return Assistant.from_settings(Settings.load(index_dir=tmp_path / "index", allow_private_urls=True))


def test_a_page_by_address_is_its_article_without_navigation_ads_or_comments() -> None:
    with serve() as site:
        url = site.add("/news/storm.html", STORM)
        [article], failures = load_articles([url], fetch=LOCAL)
    assert not failures
    assert (article.id, article.source) == ("127-0-0-1-news-storm-html", url)
    assert (article.title, article.author, article.date) == (
        "Storm closes the harbour for two days",
        "Jane Roe",
        "2024-05-02",
    )
    assert article.url == url
    assert "waves of up to six metres" in article.text and "divers had checked the entrance channel" in article.text
    assert "Repairs" in [s.heading for s in article.sections]
    assert not [b for b in BOILERPLATE if b in article.text]


def test_each_bad_address_fails_alone_with_its_reason(web: Assistant) -> None:
    with serve() as site:
        good = site.add("/news/storm.html", STORM)
        site.add("/loop/a", b"", status=302, Location=site.base + "/loop/b")
        site.add("/loop/b", b"", status=302, Location=site.base + "/loop/a")
        site.add("/image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png")
        site.add("/many/0", b"", status=301, Location="/many/1")
        for n in range(1, 8):
            site.add(f"/many/{n}", b"", status=301, Location=f"/many/{n + 1}")
        site.add("/big.html", b"<p>" + b"x" * (20 * 2**20) + b"</p>")
        pdf = site.add("/report.pdf", make_pdf(Path("report.pdf")).read_bytes(), content_type="application/pdf")
        bad = {
            "/loop/a": "redirect loop",
            "/missing.html": "the server answered HTTP 404 Not Found",
            "/huge.html": "the page is larger than the 10 MB limit",  # sent without a length
            "/big.html": "the page is too large (20.0 MB; the limit is 10 MB)",  # its Content-Length says so
            "/image.png": "unsupported content type 'image/png'",
            "/many/0": "too many redirects (over 5)",
        }
        report = web.ingest([good, pdf, *(site.base + path for path in bad)], progress=False)
    assert sorted(report.added) == ["127-0-0-1-news-storm-html", "127-0-0-1-report-pdf"]
    reasons = {f.path.removeprefix(site.base): f.error for f in report.failed}
    assert sorted(reasons) == sorted(bad)
    for path, reason in bad.items():
        assert reasons[path].startswith(reason), (path, reasons[path])


def test_private_loopback_and_file_addresses_are_refused_by_default(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("Secret\n\nThe password is swordfish.", encoding="utf-8")
    with serve() as site:
        url = site.add("/news/storm.html", STORM)
        articles, failures = load_articles(
            [url, "http://localhost:9/x", "http://10.0.0.1/", f"file://{tmp_path}/secret.txt"]
        )
        assert site.hits == {}  # nothing was even asked
    assert not articles
    reasons = [f.error for f in failures]
    assert all(
        "private, loopback or reserved address" in r and "ASSISTANT_ALLOW_PRIVATE_URLS=1" in r for r in reasons[:3]
    )
    assert reasons[3].startswith("only http and https addresses are fetched, not file:")


def test_an_address_ingested_again_is_unchanged_then_updated_when_the_page_changes(web: Assistant) -> None:
    with serve() as site:
        url = site.add("/news/bridge.html", BRIDGE)
        assert web.ingest([url], progress=False).added == ["127-0-0-1-news-bridge-html"]
        assert web.ingest([url], progress=False).unchanged == ["127-0-0-1-news-bridge-html"]
        site.add("/news/bridge.html", BRIDGE.replace("84 metres", "86 metres"))
        assert web.ingest([url], progress=False).updated == ["127-0-0-1-news-bridge-html"]
        assert web.ingest([web.settings.corpus_dir], prune=True, progress=False).removed == []  # not a gone file
    answer = web.ask("How long is the new steel footbridge?")
    assert "86 metres" in answer.text and answer.citations[0].url == url


def test_rss_and_atom_feeds_are_followed_and_polled_incrementally(web: Assistant) -> None:
    with serve() as site:
        site.add("/news/storm.html", STORM)
        site.add("/news/bridge.html", BRIDGE)
        items = [
            # full content in the feed: the linked page is not fetched
            {
                "title": "Storm closes the harbour",
                "link": site.base + "/news/storm.html",
                "guid": "storm-1",
                "content": "<p>"
                + "The harbour stayed closed for two days while waves broke over the wall. " * 3
                + "</p>",
            },
            # only a teaser: the linked page is fetched and extracted
            {
                "title": "New footbridge",
                "link": site.base + "/news/bridge.html",
                "guid": "bridge-1",
                "summary": "A footbridge opened.",
            },
        ]
        feed = site.add("/feed.rss", rss(items), content_type="application/rss+xml")
        report = web.ingest_feeds([feed], progress=False)
        assert sorted(report.added) == ["127-0-0-1-news-bridge-html", "127-0-0-1-news-storm-html"] and not report.failed
        assert site.hits.get("/news/storm.html") is None and site.hits["/news/bridge.html"] == 1
        storm = {a.id: a for a in web.articles()}["127-0-0-1-news-storm-html"]
        assert storm.tags == ["harbour"] and storm.date == "2024-06-01"

        site.add("/diary/1.html", entry_page(1))
        items.append({"title": "Diary 1", "link": site.base + "/diary/1.html", "guid": "diary-1", "summary": "Day 1"})
        site.add("/feed.rss", rss(items), content_type="application/rss+xml")
        entries = [
            {
                "title": f"Log {n}",
                "guid": f"urn:log:{n}",
                "link": site.base + f"/log/{n}",
                "content": "&lt;p&gt;"
                + f"Log entry {n}: the tide gauge read {n}.5 metres at noon. " * 4
                + "&lt;/p&gt;",
            }
            for n in (1, 2)
        ]
        log = site.add("/log.atom", atom(entries), content_type="application/atom+xml")
        again = web.ingest_feeds([log], refresh=True, progress=False)
        assert sorted(again.added) == ["127-0-0-1-diary-1-html", "127-0-0-1-log-1", "127-0-0-1-log-2"]
        assert sorted(again.unchanged) == ["127-0-0-1-news-bridge-html", "127-0-0-1-news-storm-html"]
        assert site.hits["/news/bridge.html"] == 1  # an entry read before is not fetched again

        items[0]["content"] = items[0]["content"].replace("two days", "three days")  # an entry changes
        site.add("/feed.rss", rss(items), content_type="application/rss+xml")
        changed = web.ingest_feeds(refresh=True, progress=False)
        assert changed.updated == ["127-0-0-1-news-storm-html"] and not changed.added
    assert [(f.url.removeprefix(site.base), f.title, f.entries) for f in web.feeds()] == [
        ("/feed.rss", "Coastal Courier", 3),
        ("/log.atom", "Harbour Log", 2),
    ]
    log_2 = {a.id: a for a in web.articles()}["127-0-0-1-log-2"]
    assert (log_2.author, log_2.date) == ("Atom Writer", "2024-08-02")


def test_a_feed_run_ingests_at_most_the_cap_and_bad_feeds_fail_alone(tmp_path: Path) -> None:
    settings = Settings.load(index_dir=tmp_path / "index", allow_private_urls=True, feed_max_entries=2)
    web = Assistant.from_settings(settings)
    with serve() as site:
        for n in range(1, 5):
            site.add(f"/diary/{n}.html", entry_page(n))
        items = [{"title": f"D{n}", "link": site.base + f"/diary/{n}.html", "guid": f"d{n}"} for n in range(1, 5)]
        feed = site.add("/feed.xml", rss(items), content_type="text/xml")
        not_feed = site.add("/page.html", STORM)
        first = web.ingest_feeds([feed, not_feed, site.base + "/gone.rss"], progress=False)
        second = web.ingest_feeds(refresh=True, progress=False)
    assert len(first.added) == 2 and len(second.added) == 2 and len(second.unchanged) == 2
    assert {f.path.removeprefix(site.base): f.error.split(" (")[0] for f in first.failed} == {
        "/page.html": "unsupported content type 'text/html'",
        "/gone.rss": "the server answered HTTP 404 Not Found",
    }
    assert [f.url for f in web.feeds()] == [feed]  # a feed that could not be read is not followed


def _news_site(site: Site) -> tuple[str, str]:
    """The bridge page and a feed of one diary entry, on `site`: their addresses."""
    page = site.add("/news/bridge.html", BRIDGE)
    site.add("/diary/1.html", entry_page(1))
    feed = site.add(
        "/feed.rss",
        rss([{"title": "D1", "link": site.base + "/diary/1.html", "guid": "d1"}]),
        content_type="application/rss+xml",
    )
    return page, feed


def test_cli_ingests_an_address_and_a_feed_and_lists_feeds(tmp_path: Path) -> None:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp_path / "index"), "ASSISTANT_ALLOW_PRIVATE_URLS": "1"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env)

    with serve() as site:
        page, feed = _news_site(site)
        done = cli("ingest", page, "--feed", feed, "--json")
        assert done.returncode == 0, done.stderr
        assert sorted(json.loads(done.stdout)["added"]) == ["127-0-0-1-diary-1-html", "127-0-0-1-news-bridge-html"]
        refused = subprocess.run(
            [sys.executable, "-m", "assistant", "ingest", page],
            capture_output=True,
            text=True,
            env={**env, "ASSISTANT_ALLOW_PRIVATE_URLS": "0"},
        )
        assert refused.returncode == 1 and "private, loopback or reserved address" in refused.stdout
    listed = cli("feeds")
    assert feed in listed.stdout and "Coastal Courier; 1 entries" in listed.stdout


def test_the_articles_tab_adds_an_address_follows_a_feed_and_shows_pages(tmp_path: Path) -> None:
    from assistant.ingest.articles import SUPPORTED_SUFFIXES
    from assistant.ui.app import build_app
    from assistant.ui.render import render_citation

    settings = Settings.load(index_dir=tmp_path / "index", allow_private_urls=True, upload_dir=tmp_path / "uploads")
    web = Assistant.from_settings(settings)
    (tmp_path / "none").mkdir()
    web.ingest([tmp_path / "none"], progress=False)  # the page serves an existing index: make an empty one
    app = build_app(web)
    h = app.handlers  # type: ignore[attr-defined]
    blocks = {getattr(b, "elem_id", None): b for b in app.blocks.values()}
    assert blocks["upload"].file_types == sorted(SUPPORTED_SUFFIXES) and ".pdf" in SUPPORTED_SUFFIXES
    assert blocks["address"].submit_btn == "Add" and blocks["feed"].submit_btn == "Follow"
    with serve() as site:
        page, feed = _news_site(site)
        added = h.add_address(f"{page}\n{site.base}/missing")
        followed = h.follow_feed(feed)
        again = h.follow_feed(feed)
    assert [(r.name, r.status) for r in added] == [(page, "added"), (site.base + "/missing", "failed")]
    assert added[0].articles == ["New footbridge links the old town to the beach"]
    assert "HTTP 404" in added[1].detail
    assert [r.status for r in followed] == ["added"] and followed[0].detail.startswith("1 new or changed entries")
    assert [r.status for r in again] == ["unchanged"] and "1 already read" in again[0].detail
    assert h.add_address("  ")[0].status == "refused"

    pdf = make_pdf(tmp_path / "tidal.pdf")
    [result] = h.upload([str(pdf)])
    assert result.status == "added"
    answer = h.assistant.ask("How much did the tidal project cost?")
    assert answer.citations[0].page == 3
    assert '<span class="src-page">page 3</span>' in render_citation(answer.citations[0], 1)


def test_the_address_actually_connected_to_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS may answer with a public address when checked and a private one when connecting (rebinding):
    the peer address of the open connection is checked before the body is read."""
    from assistant.ingest import fetch

    monkeypatch.setattr(fetch, "check_address", lambda url, allow_private: None)  # the first lookup "was public"
    with serve() as site:
        url = site.add("/news/storm.html", STORM)
        with pytest.raises(fetch.FetchError, match=r"private, loopback or reserved address \(127\.0\.0\.1\)"):
            fetch.fetch(url, FetchOptions())
        assert fetch.fetch(url, LOCAL).data.startswith(b"<!doctype html>")


def test_a_page_in_another_encoding_is_read_by_the_charset_it_names() -> None:
    text = "Мост через реку открыли в субботу после трёх лет строительства. " * 8
    page = f"<html><head><title>Новый мост</title></head><body><article><h1>Новый мост</h1><p>{text}</p></article></body></html>"
    meta = page.replace("<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    with serve() as site:
        by_header = site.add("/a.html", page.encode("cp1251"), content_type="text/html; charset=windows-1251")
        by_meta = site.add("/b.html", meta.encode("cp1251"), content_type="text/html")
        articles, failures = load_articles([by_header, by_meta], fetch=LOCAL)
    assert not failures and [a.title for a in articles] == ["Новый мост", "Новый мост"]
    assert all("Мост через реку открыли в субботу" in a.text for a in articles)


def test_a_server_that_does_not_answer_in_time_is_a_timeout() -> None:
    with serve() as site:
        site.add("/slow.html", STORM)
        articles, [failure] = load_articles(
            [site.base + "/slow.html"], fetch=FetchOptions(allow_private=True, timeout=1)
        )
    assert not articles and failure.error.startswith("no answer within 1 s (timed out)")
