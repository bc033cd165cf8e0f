"""The `Assistant` facade: the one object the CLI, the web UI, the evaluator and users call."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .answering import extractive_answer
from .followup import condense
from .index import Index, Progress
from .models import Answer, Article, ArticleInfo, IngestReport
from .retrieval import Filters, Retriever
from .settings import Settings
from .text import clean_question

if TYPE_CHECKING:
    from .lc_retriever import ArticleRetriever

EMPTY_INDEX = "No articles are ingested yet. Add some first: `assistant ingest PATH` (or upload them in the web UI)."


class Assistant:
    """Answers questions about the ingested articles, citing them.

    Build it with `Assistant.from_settings()`; it opens (or creates) the index folder lazily, so
    constructing one is cheap and never loads the embedding model by itself.
    """

    def __init__(self, settings: Settings, index: Index | None = None) -> None:
        self.settings = settings
        self._index = index
        self._lock = threading.Lock()
        self._answerer = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: object) -> Assistant:
        """An assistant on `settings` (default: `Settings.load()`), with optional field overrides."""
        settings = settings or Settings.load()
        if overrides:
            settings = settings.with_overrides(**overrides)
        return cls(settings)

    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = Index.open(self.settings)
            return self._index

    @property
    def retriever(self) -> Retriever:
        return Retriever(self.index, self.settings)

    # --- articles ------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path] | None = None, prune: bool = False,
               progress: bool | Progress = True) -> IngestReport:
        """Ingest files or folders (default: the corpus folder). See `IngestReport` for the outcome."""
        return self.index.ingest(list(paths) if paths else [self.settings.corpus_dir], prune=prune, progress=progress)

    def ingest_articles(self, articles: Sequence[Article], progress: bool | Progress = True) -> IngestReport:
        """Ingest `Article` objects built in Python (for example from a SQuAD file)."""
        return self.index.ingest_articles(list(articles), progress=progress)

    def articles(self) -> list[ArticleInfo]:
        """The ingested articles with their metadata and chunk counts."""
        return self.index.articles()

    def remove(self, article_ids: Sequence[str]) -> list[str]:
        """Remove articles from the index; returns the ids that were there."""
        return self.index.remove(article_ids)

    def faq_questions(self) -> dict[str, list[str]]:
        """The questions of each ingested article's FAQ section (article id -> questions, in order)."""
        out: dict[str, list[str]] = {}
        for chunk in self.index.manifest.all_chunks():
            first = chunk.text.split("\n", 1)[0].strip()
            if chunk.is_faq and first.startswith("Q:") and first[2:].strip():
                out.setdefault(chunk.article_id, []).append(first[2:].strip())
        return out

    # --- questions -----------------------------------------------------------------------------
    def ask(self, question: str, *, history: Sequence[str] = (), filters: Filters | None = None,
            k: int | None = None) -> Answer:
        """Answer `question` from the articles. `history` holds earlier standalone queries of a chat.

        With an LLM backend this consumes `stream()`; a failing model raises `LLMError`.
        """
        if self.settings.backend != "extractive":
            return _final(self.stream(question, history=history, filters=filters, k=k))
        started = time.perf_counter()
        text, notes = clean_question(question, self.settings.max_question_chars)
        if not text or not any(ch.isalnum() for ch in text):
            return _refusal(text, "Please ask a question in words; this one was empty or only punctuation.", notes)
        if not self.index.manifest.count_chunks():
            return _refusal(text, EMPTY_INDEX, notes)
        query = condense(text, list(history)[-self.settings.history_turns :] if self.settings.history_turns else [])
        t0 = time.perf_counter()
        found = self.retriever.search(query, k, filters)
        t1 = time.perf_counter()
        answer = self.answerer(text, query, found)
        t2 = time.perf_counter()
        answer.notes = notes + answer.notes
        self._fill_sources(answer)
        answer.timings = {"retrieve_ms": _ms(t1 - t0), "answer_ms": _ms(t2 - t1), "total_ms": _ms(t2 - started)}
        return answer

    def answerer(self, question: str, query: str, found: object) -> Answer:
        """The configured answerer: extractive by default, an LLM chain for other backends."""
        if self.settings.backend == "extractive":
            return extractive_answer(question, query, found, self.settings)  # type: ignore[arg-type]
        from .llm_chain import answer_found

        return answer_found(self, question, query, found)

    def stream(self, question: str, **kwargs: object) -> Iterator[str | Answer]:
        """Yield the answer text in pieces, then the final `Answer` (an LLM failure raises `LLMError`)."""
        if self.settings.backend != "extractive":
            from .llm_chain import stream_answer

            yield from stream_answer(self, question, **kwargs)
            return
        answer = self.ask(question, **kwargs)  # type: ignore[arg-type]
        yield from _pieces(answer.text)
        yield answer

    def chat(self) -> ChatSession:
        """A conversation that remembers its questions, so follow-ups can lean on them."""
        return ChatSession(self)

    def as_retriever(self, k: int | None = None, filters: Filters | None = None) -> ArticleRetriever:
        """The same hybrid search as a LangChain `BaseRetriever`."""
        from .lc_retriever import ArticleRetriever  # imported here: langchain_core is slow to import

        return ArticleRetriever(retriever=self.retriever, k=k or self.settings.top_k, filters=filters)

    def _fill_sources(self, answer: Answer) -> None:
        if not answer.citations:
            return
        infos = {a.id: a for a in self.index.articles()}
        for c in answer.citations:
            info = infos.get(c.article_id)
            if info:
                c.source, c.url = info.source, info.url


class ChatSession:
    """One conversation: questions, the queries they became, and the answers."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.turns: list[Answer] = []

    @property
    def history(self) -> list[str]:
        return [t.query for t in self.turns if t.query]

    def ask(self, question: str, **kwargs: object) -> Answer:
        answer = self.assistant.ask(question, history=self.history, **kwargs)  # type: ignore[arg-type]
        self.turns.append(answer)
        return answer

    def stream(self, question: str, **kwargs: object) -> Iterator[str | Answer]:
        for piece in self.assistant.stream(question, history=self.history, **kwargs):
            if isinstance(piece, Answer):
                self.turns.append(piece)
            yield piece

    def clear(self) -> None:
        self.turns.clear()


def _refusal(question: str, message: str, notes: list[str]) -> Answer:
    return Answer(message, [], True, question, question.strip(), notes=notes)


def _final(pieces: Iterator[str | Answer]) -> Answer:
    """The `Answer` that ends a stream."""
    answer = None
    for piece in pieces:
        if isinstance(piece, Answer):
            answer = piece
    if answer is None:  # cannot happen: every stream ends with its Answer
        raise RuntimeError("the answer stream ended without an Answer")
    return answer


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), 4):
        yield " ".join(words[i : i + 4]) + (" " if i + 4 < len(words) else "")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
