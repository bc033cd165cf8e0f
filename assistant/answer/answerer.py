"""The `Answerer` interface, and the extractive answerer behind it.

An answerer turns a question (with the conversation so far and optional filters) into a stream of
text pieces that ends with the final `Answer`. The extractive one lives here; the LLM one is
`llm.chain.LLMChain`. `api.ANSWERERS` picks one by the `backend` setting.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Protocol

from ..index.index import Index
from ..models import Answer
from ..settings import Settings
from ..text import clean_question
from .extractive import extractive_answer
from .followup import condense
from .guards import fill_sources, refusal
from .retrieval import Filters, Retriever


class Answerer(Protocol):
    """Answers questions from one index."""

    def stream(
        self, question: str, *, history: Sequence[str] = (), filters: Filters | None = None, k: int | None = None
    ) -> Iterator[str | Answer]:
        """Yield the answer text in pieces, then the final `Answer`."""
        ...


class ExtractiveAnswerer:
    """The default answerer: sentences of the articles, cited, or an abstention. No model, no network."""

    def __init__(self, settings: Settings, index: Index) -> None:
        self.settings = settings
        self.index = index

    def ask(
        self, question: str, *, history: Sequence[str] = (), filters: Filters | None = None, k: int | None = None
    ) -> Answer:
        started = time.perf_counter()
        text, notes = clean_question(question, self.settings.max_question_chars)
        refused = refusal(text, notes, self.index, "extractive")
        if refused:
            return refused
        turns = self.settings.history_turns
        query = condense(text, list(history)[-turns:] if turns else [])
        t0 = time.perf_counter()
        found = Retriever(self.index, self.settings).search(query, k, filters)
        t1 = time.perf_counter()
        answer = extractive_answer(text, query, found, self.settings)
        t2 = time.perf_counter()
        answer.notes = notes + answer.notes
        fill_sources(answer, self.index)
        answer.timings = {"retrieve_ms": ms(t1 - t0), "answer_ms": ms(t2 - t1), "total_ms": ms(t2 - started)}
        return answer

    def stream(self, question: str, **kwargs: object) -> Iterator[str | Answer]:
        """The whole answer at once, in word groups (an extractive answer takes milliseconds)."""
        answer = self.ask(question, **kwargs)  # type: ignore[arg-type]
        words = answer.text.split(" ")
        for i in range(0, len(words), 4):
            yield " ".join(words[i : i + 4]) + (" " if i + 4 < len(words) else "")
        yield answer


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
