"""RSS and Atom feeds -> articles (feedparser), and the book of followed feeds.

Each entry becomes one article: its full content when the feed carries it, otherwise the page it links
to, fetched and extracted like any address. The book (`feeds.json` in the index folder) remembers
each entry's id (guid) and a fingerprint of what the feed said about it, so polling again reads only
new or changed entries; at most `cap` of them per feed and run, the rest wait for the next run.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..models import Article, Failure, FeedInfo
from .articles import load_url, slugify, to_articles, url_id
from .fetch import FetchError, FetchOptions, fetch
from .formats import FormatError, parse_html

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
    }
)
# A summary this long (in characters of text) is taken as the whole article rather than a teaser.
_FULL_SUMMARY = 1000


@dataclass
class FeedPoll:
    """What one poll of one feed found: new or changed entries as articles, and what was skipped."""

    url: str
    title: str = ""
    read: bool = False  # the feed itself was fetched and parsed
    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seen: dict[str, dict[str, str]] = field(default_factory=dict)  # entry key -> {"fingerprint", "id"}
    unchanged: list[str] = field(default_factory=list)  # article ids of entries read on an earlier run
    deferred: int = 0  # new entries over the cap, left for the next run


def poll_feed(url: str, known: dict[str, dict[str, str]], options: FetchOptions, cap: int) -> FeedPoll:
    """Read the feed at `url`; `known` is what earlier runs saw (entry key -> fingerprint and article id)."""
    import feedparser  # imported here: only feeds need it

    poll = FeedPoll(url)
    try:
        # feedparser is only ever given bytes: given an address it would fetch it without our checks
        fetched = fetch(url, options, accept=FEED_TYPES)
    except FetchError as exc:
        poll.failures.append(Failure(url, exc.reason))
        return poll
    # content-location: relative links in the feed resolve against the feed's own address
    parsed = feedparser.parse(fetched.data, response_headers={"content-location": fetched.url})
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        reason = f"not a readable RSS or Atom feed: {problem}" if parsed.bozo else "the feed has no entries"
        poll.failures.append(Failure(url, reason))
        return poll
    poll.read, poll.title = True, str(parsed.feed.get("title", "")).strip()
    todo: list[tuple[Any, str, str]] = []
    for entry in parsed.entries:
        key, fingerprint = _key(entry), _fingerprint(entry)
        old = known.get(key)
        if old and old.get("fingerprint") == fingerprint:
            poll.unchanged.append(old["id"])
        elif len(todo) >= cap:
            poll.deferred += 1
        else:
            todo.append((entry, key, fingerprint))
    # Linked pages are fetched a few at a time (the network is the wait); results stay in feed order.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda item: _entry_articles(item[0], item[1], url, options), todo)
        for (_, key, fingerprint), (articles, failures) in zip(todo, results, strict=True):
            poll.articles += articles
            poll.failures += failures
            if articles:
                poll.seen[key] = {"fingerprint": fingerprint, "id": articles[0].id}
    return poll


def _key(entry: Any) -> str:
    """The entry's id (RSS guid, Atom id), else its link, else a hash of its title."""
    value = entry.get("id") or entry.get("link")
    return str(value) if value else hashlib.sha1(str(entry.get("title", "")).encode()).hexdigest()


def _fingerprint(entry: Any) -> str:
    parts = [entry.get("updated", ""), entry.get("title", ""), entry.get("summary", "")]
    parts += [c.get("value", "") for c in entry.get("content", [])]
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()


def _entry_articles(entry: Any, key: str, feed_url: str, options: FetchOptions) -> tuple[list[Article], list[Failure]]:
    link = str(entry.get("link", "")).strip()
    source = link or f"{feed_url}#{key}"
    body = _full_content(entry)
    if body:
        title = html.escape(str(entry.get("title", "")))
        page = f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>"
        try:
            draft = parse_html(page)
        except FormatError as exc:
            return [], [Failure(source, exc.reason)]
        articles, failures = to_articles([draft], source, url_id(link) if link else _entry_id(feed_url, key))
    elif link:
        articles, failures = load_url(link, options)
    else:
        return [], [Failure(source, "the entry has neither content nor a link to fetch")]
    for article in articles:
        _fill(article, entry, link)
    return articles, failures


def _full_content(entry: Any) -> str:
    """The entry's HTML when the feed carries the whole article (content:encoded, Atom content, long summary)."""
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value", "").strip()]
    if contents:
        return max(contents, key=len)
    summary = str(entry.get("summary", ""))
    return summary if len(" ".join(summary.split())) >= _FULL_SUMMARY else ""


def _entry_id(feed_url: str, key: str) -> str:
    return f"{url_id(feed_url)[:50]}-{slugify(key)[-20:].strip('-')}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"


def _fill(article: Article, entry: Any, link: str) -> None:
    """Metadata the feed knows and the page did not say."""
    article.url = article.url or link
    article.author = article.author or " ".join(str(entry.get("author", "")).split())
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not article.date and stamp:
        article.date = time.strftime("%Y-%m-%d", stamp)
    terms = [str(t.get("term", "")).strip() for t in entry.get("tags", [])]
    article.tags = list(dict.fromkeys([*article.tags, *(t for t in terms if t)]))


class FeedBook:
    """The followed feeds and the entries each has given, in a JSON file (written whole, atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except (OSError, ValueError):  # unreadable: start afresh; entries are read again, the index stays right
            self._data = {}
        self._data.setdefault("feeds", {})

    def urls(self) -> list[str]:
        return list(self._data["feeds"])

    def entries(self, url: str) -> dict[str, dict[str, str]]:
        return dict(self._data["feeds"].get(url, {}).get("entries", {}))

    def record(self, poll: FeedPoll) -> None:
        """Follow the feed (when it was read) and remember the entries this poll ingested."""
        if not poll.read:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        feed = self._data["feeds"].setdefault(poll.url, {"followed": now, "entries": {}})
        feed["title"], feed["polled"] = poll.title, now
        feed["entries"].update(poll.seen)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(self._data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temp, self.path)

    def infos(self) -> list[FeedInfo]:
        return [
            FeedInfo(url=url, title=f.get("title", ""), entries=len(f.get("entries", {})), polled=f.get("polled", ""))
            for url, f in sorted(self._data["feeds"].items())
        ]
