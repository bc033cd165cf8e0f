"""What every answerer does around answering: refuse a question with no words, with no word anyone
knows ("zzqv"), or an index with no articles, and fill the citations' source and URL from the
article list. One place for all, so the extractive answerer and the LLM chain say the same thing."""

from __future__ import annotations

import re

from ..index.embeddings import model_vocabulary
from ..index.index import Index
from ..models import Answer
from ..text import STOPWORDS, words

EMPTY_QUESTION = "Please ask a question in words; this one was empty or only punctuation."
NOT_UNDERSTOOD = (
    "Sorry, I did not understand “{question}”: none of its words is one I know, from the articles or from "
    "everyday English. Could you ask again in other words?"
)
UNCLEAR = "unclear"  # the `kind` of that reply; a chat leaves such turns out of its context
EMPTY_INDEX = "No articles are ingested yet. Add some first: `assistant ingest PATH` (or upload them in the web UI)."


def refusal(text: str, notes: list[str], index: Index, backend: str) -> Answer | None:
    """The reply to a question that cannot be answered at all (no words, nothing ingested), else None.

    `text` is the cleaned question: the raw one may be 1 MB or hold invalid characters.
    """
    if not text or not any(ch.isalnum() for ch in text):
        message = EMPTY_QUESTION
    elif not index.manifest.count_chunks():
        message = EMPTY_INDEX
    elif not_understood(text, index):
        # Not rewritten with the conversation's subject: "zzqv" after "Who did Rubio meet?" used to
        # become "zzqv (Rubio ...)" and repeat the previous answer as if it had been understood.
        shown = text if len(text) <= 60 else text[:57] + "..."
        return Answer.abstention(
            text, text=NOT_UNDERSTOOD.format(question=shown), backend=backend, notes=notes, kind=UNCLEAR
        )
    else:
        return None
    return Answer.abstention(text, text=message, backend=backend, notes=notes)


LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")


def not_understood(text: str, index: Index) -> bool:
    """True when no word of `text` is known: not in the articles (the keyword index), not in the
    embedding model's vocabulary (~25k English words and names), not a stopword.

    Deliberately narrow: only questions made of Latin letters alone are judged (a number, a date or
    another script is left to the answerer), and one known word, even "the", is enough to try.
    """
    tokens = words(text)
    if not tokens or not all(LATIN_WORD.fullmatch(t) for t in tokens):
        return False
    vocabulary = model_vocabulary(index.settings.embedding_model)
    for token in tokens:
        for part in re.split(r"['’-]", token.lower()):
            if part in STOPWORDS or part in vocabulary or index.keyword.knows(part):
                return False
    return True


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
