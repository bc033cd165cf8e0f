"""Web pages -> `Draft` with trafilatura's main-content extraction.

A page fetched from the web is mostly navigation, cookie banners, ads and comments around the article;
finding the article in it is trafilatura's whole job (it also reads title, author, date, site and tags
from the page's metadata). Its body comes back as Markdown, which `markdown_outline` turns into sections
and FAQ pairs like any Markdown article.
"""

from __future__ import annotations

from typing import Any

from .formats import Draft, FormatError, checked, markdown_outline, parse_html, tag_list

_SMALL = 250  # characters of main text; trafilatura's own minimum for an extraction


def parse_page(text: str) -> Draft:
    """The article of a web page; pages too small for trafilatura fall back to the plain HTML reader."""
    import trafilatura  # imported here: only web pages need it (0.3 s)
    from trafilatura.xml import xmltotxt

    try:
        doc: Any = trafilatura.bare_extraction(
            text, with_metadata=True, include_formatting=True, include_comments=False, include_tables=True
        )
    except Exception as exc:  # lxml on hostile markup
        raise FormatError(f"cannot read the page's HTML: {type(exc).__name__}: {exc}") from None
    body = xmltotxt(doc.body, True) if doc is not None and doc.body is not None else ""
    if len(" ".join(body.split())) < _SMALL:
        # trafilatura's heuristics are made for real pages: on a tiny one (a note, a stub, a hand-written
        # test page) it merges or drops blocks, where the plain reader keeps every paragraph as written
        return parse_html(text)
    title, sections, faq = markdown_outline(body, doc.title or "")
    draft = Draft(
        title=title,
        sections=sections,
        faq=faq,
        author=doc.author or "",
        date=doc.date or "",
        tags=tag_list(",".join([*(doc.categories or []), *(doc.tags or [])])),
        url=doc.url or "",
        teaser=doc.description or "",
    )
    if not draft.title:
        raise FormatError("no title found on the page: it has no <title>, og:title or heading")
    return checked(draft, "the page's main content")
