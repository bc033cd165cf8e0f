"""What every answerer does around answering: refuse a question with no words or an index with no
articles, and fill the citations' source and URL from the article list. One place for both, so the
extractive answerer and the LLM chain say the same thing."""

from __future__ import annotations

from ..index.index import Index
from ..models import Answer

EMPTY_QUESTION = "Please ask a question in words; this one was empty or only punctuation."
EMPTY_INDEX = "No articles are ingested yet. Add some first: `assistant ingest PATH` (or upload them in the web UI)."


def refusal(text: str, notes: list[str], index: Index, backend: str) -> Answer | None:
    """The reply to a question that cannot be answered at all (no words, nothing ingested), else None.

    `text` is the cleaned question: the raw one may be 1 MB or hold invalid characters.
    """
    if not text or not any(ch.isalnum() for ch in text):
        message = EMPTY_QUESTION
    elif not index.manifest.count_chunks():
        message = EMPTY_INDEX
    else:
        return None
    return Answer.abstention(text, text=message, backend=backend, notes=notes)


def fill_sources(answer: Answer, index: Index) -> None:
    """Each citation's `source`, `url` and (PDFs) `page`, from the article it cites."""
    if not answer.citations:
        return
    infos = {a.id: a for a in index.articles()}
    for c in answer.citations:
        info = infos.get(c.article_id)
        if info:
            c.source, c.url = info.source, info.url
            if c.kind != "meta":  # the byline chunk points at no page
                c.page = info.page_at(c.sentence_spans[0][0] if c.sentence_spans else c.start)
