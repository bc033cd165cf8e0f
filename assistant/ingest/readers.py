"""The format table: which reader reads which file suffix or web content type.

Every source goes through it: files by suffix, pages fetched by URL by their content type (or the
suffix of the address when the server only says "application/octet-stream"). A new format is one
`Format` entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .documents import parse_docx, parse_pdf
from .formats import Draft, FormatError, parse_markdown, parse_text
from .records import parse_csv, parse_json, parse_jsonl
from .web import parse_page

Drafts = Draft | list[Draft | FormatError]


@dataclass(frozen=True)
class Format:
    """One format: its name, file suffixes, web content types and reader (of text, or of bytes if `binary`)."""

    name: str
    suffixes: tuple[str, ...]
    media_types: tuple[str, ...]
    read: Callable[..., Drafts]
    binary: bool = False


FORMATS: list[Format] = [
    Format("text", (".txt",), ("text/plain",), parse_text),
    Format("Markdown", (".md", ".markdown"), ("text/markdown", "text/x-markdown"), parse_markdown),
    # trafilatura's main-content extraction kept all of the article on 15 benchmark pages (the BeautifulSoup
    # reader lost one) with half the clutter (BENCHMARKS.md, "HTML extraction"); tiny pages go to the plain reader.
    Format("HTML", (".html", ".htm"), ("text/html", "application/xhtml+xml"), parse_page),
    Format("JSON", (".json",), ("application/json",), parse_json),
    Format("JSON Lines", (".jsonl",), ("application/jsonl", "application/x-ndjson"), parse_jsonl),
    Format("CSV", (".csv", ".tsv"), ("text/csv", "text/tab-separated-values"), parse_csv),
    Format("PDF", (".pdf",), ("application/pdf",), parse_pdf, binary=True),
    Format(
        "Word",
        (".docx",),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
        parse_docx,
        binary=True,
    ),
]

BY_SUFFIX: dict[str, Format] = {s: f for f in FORMATS for s in f.suffixes}
BY_MEDIA_TYPE: dict[str, Format] = {m: f for f in FORMATS for m in f.media_types}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(BY_SUFFIX)
