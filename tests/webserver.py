"""A real local web server for the tests: article pages with the usual clutter, feeds, and bad answers."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLUTTER_TOP = """
<script>window.dataLayer = [{"event": "pageview", "tracking": "TRACKER-TOKEN"}];</script>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to personalise content and ads. COOKIE-NOTICE
By clicking Accept all you agree to our use of cookies.</p><button>Accept all</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World NAV-LINK</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li></ul></nav></header>
<aside class="ad"><p>ADVERT-TEXT Save 50% on your subscription today, offer ends soon!</p></aside>
"""
CLUTTER_BOTTOM = """
<section id="comments" class="comments"><h3>3 comments</h3>
<div class="comment"><p>COMMENT-TEXT This is the worst reporting I have ever read, frankly.</p></div>
<div class="comment"><p>Totally agree with the previous commenter about everything.</p></div></section>
<aside><h3>Most read</h3><ul><li><a href="/a">Celebrity chef opens MOST-READ restaurant</a></li></ul></aside>
<footer><p>Copyright 2024 The Coastal Courier FOOTER-TEXT. All rights reserved.</p></footer>
"""


def article_page(title: str, author: str, date: str, paragraphs: list[str], heading: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs[:2])
    if heading:
        body += f"<h2>{heading}</h2>"
    body += "".join(f"<p>{p}</p>" for p in paragraphs[2:])
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} | The Coastal Courier</title><meta name="author" content="{author}">
<meta property="og:site_name" content="The Coastal Courier">
<meta property="article:published_time" content="{date}"></head><body>{CLUTTER_TOP}
<main><article><h1>{title}</h1><p class="byline">By {author}</p>{body}</article></main>{CLUTTER_BOTTOM}</body></html>"""


STORM = article_page(
    "Storm closes the harbour for two days",
    "Jane Roe",
    "2024-05-02",
    [
        "A spring storm closed Port Ellis harbour for two days after waves of up to six metres broke over the "
        "outer wall, the harbour master said on Tuesday.",
        "Fishing boats stayed moored in the inner basin while the coastguard kept watch on the breakwater, "
        "which lost several of its concrete blocks during the night.",
        "Repairs to the outer wall will cost about 1.2 million euros and should be finished before the summer "
        "ferry timetable begins in June.",
        "The harbour reopened on Thursday morning once divers had checked the entrance channel for debris.",
    ],
    heading="Repairs",
)
BRIDGE = article_page(
    "New footbridge links the old town to the beach",
    "Ali Hassan",
    "2024-06-11",
    [
        "A new footbridge over the railway line opened on Saturday, linking the old town of Port Ellis to the "
        "north beach for the first time in forty years.",
        "The steel bridge is 84 metres long and was lifted into place in a single night while the line was "
        "closed, the rail operator said.",
        "Cyclists may use the bridge if they walk their bikes across, a rule that some residents have "
        "already asked the council to change.",
    ],
)


def entry_page(n: int) -> str:
    return article_page(
        f"Harbour diary number {n}",
        "Diary Desk",
        "2024-07-01",
        [
            f"Day {n} of the harbour diary: the pilot boat guided {n + 3} cargo ships through the channel and the "
            f"crane crews unloaded {n * 10} containers of timber, grain and machine parts.",
            f"The weather on day {n} stayed calm, with a light westerly wind and visibility over ten kilometres "
            "for most of the afternoon, the harbour office noted in its log.",
        ],
    )


def rss(items: list[dict[str, str]]) -> str:
    out = []
    for item in items:
        content = f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>" if item.get("content") else ""
        out.append(
            f"<item><title>{item['title']}</title><link>{item['link']}</link><guid>{item['guid']}</guid>"
            f"<description>{item.get('summary', '')}</description><pubDate>{formatdate(1717200000)}</pubDate>"
            f"<category>harbour</category>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/'
        'content/"><channel><title>Coastal Courier</title><link>http://example.org/</link><description>News'
        f"</description>{''.join(out)}</channel></rss>"
    )


def atom(entries: list[dict[str, str]]) -> str:
    out = "".join(
        f'<entry><title>{e["title"]}</title><id>{e["guid"]}</id><link href="{e["link"]}"/>'
        f"<updated>2024-08-0{i + 1}T10:00:00Z</updated><author><name>Atom Writer</name></author>"
        f'<content type="html">{e["content"]}</content></entry>'
        for i, e in enumerate(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour Log'
        f"</title><id>urn:harbour-log</id><updated>2024-08-03T10:00:00Z</updated>{out}</feed>"
    )


class Site:
    """Routes (path -> (status, content type, body, extra headers)) served by a real ThreadingHTTPServer."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        self.hits: dict[str, int] = {}
        self.base = ""

    def add(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        **headers: str,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = (status, content_type, data, headers)
        return self.base + path


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits[self.path] = site.hits.get(self.path, 0) + 1
            if self.path == "/slow.html":  # answers after 3 s: longer than a short timeout
                time.sleep(3)
            if self.path == "/huge.html":  # 20 MB, no Content-Length: only the reader's cap stops it
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    for _ in range(20 * 16):
                        self.wfile.write(b"<p>" + b"filler text " * 5460 + b"</p>\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            status, kind, data, headers = site.routes.get(self.path, (404, "text/html", b"<h1>Not found</h1>", {}))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key.replace("_", "-"), value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client stopped (a size cap)
                self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve(site: Site | None = None) -> Iterator[Site]:
    """Serve `site` on 127.0.0.1 on a free port while the block runs."""
    site = site or Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
