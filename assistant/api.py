"""The `Assistant` facade: the one object the CLI, the web UI, the evaluator and users call."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .answer.answerer import Answerer, ExtractiveAnswerer
from .answer.guards import UNCLEAR
from .answer.retrieval import Filters, Retriever
from .errors import StoreError
from .index.index import Index, Progress
from .ingest.feeds import FeedBook, poll_feed
from .ingest.fetch import FetchOptions
from .models import Answer, Article, ArticleInfo, FeedInfo, IngestReport
from .settings import Settings

if TYPE_CHECKING:
    from .llm.retriever import ArticleRetriever


def _llm_chain(settings: Settings, index: Index) -> Answerer:
    from .llm.chain import LLMChain  # langchain and the model's client are imported only for LLM backends

    return LLMChain(settings, index)


# backend setting -> answerer factory; the LLM backends share one chain, which builds their chat model
ANSWERERS: dict[str, Callable[[Settings, Index], Answerer]] = {
    "extractive": ExtractiveAnswerer,
    "openai": _llm_chain,
    "ollama": _llm_chain,
    "llamacpp": _llm_chain,
}


class Assistant:
    """Answers questions about the ingested articles, citing them.

    Build it with `Assistant.from_settings()`; it opens the index folder lazily, so constructing one
    is cheap and never loads the embedding model by itself. Asking and listing open an existing index
    read-only (a missing one is `IndexMissing`: "no index at PATH"); only `ingest` creates one.
    """

    def __init__(self, settings: Settings, index: Index | None = None) -> None:
        self.settings = settings
        self._index = index
        self._lock = threading.Lock()
        self._answerer: Answerer | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: object) -> Assistant:
        """An assistant on `settings` (default: `Settings.load()`), with optional field overrides."""
        settings = settings or Settings.load()
        if overrides:
            settings = settings.with_overrides(**overrides)
        return cls(settings)

    @property
    def index(self) -> Index:
        """The index, opened read-only on first use (writing reopens it for writing when it may)."""
        with self._lock:
            return self._open_index()

    def _open_index(self, create: bool = False) -> Index:  # callers hold self._lock
        if self._index is None:
            self._index = Index.open(self.settings, readonly=not create)
        return self._index

    def _writable_index(self) -> Index:
        """The index for an ingest: created when missing, repaired after a crash."""
        with self._lock:
            return self._open_index(create=True)

    @property
    def retriever(self) -> Retriever:
        return Retriever(self.index, self.settings)

    # --- articles ------------------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[str | Path] | None = None, prune: bool = False, progress: bool | Progress = True
    ) -> IngestReport:
        """Ingest files, folders or web addresses (default: the corpus folder). See `IngestReport` for the outcome.

        An address ("https://...") is fetched and its main content extracted; private and loopback hosts
        are refused unless the `allow_private_urls` setting is on.
        """
        paths = list(paths) if paths else [self.settings.corpus_dir]
        return self._writable_index().ingest(paths, prune=prune, progress=progress)

    def ingest_feeds(
        self, urls: Sequence[str] = (), refresh: bool = False, progress: bool | Progress = True
    ) -> IngestReport:
        """Follow the RSS/Atom feeds at `urls` (and, with `refresh`, poll every followed feed): new or changed
        entries are ingested, at most `feed_max_entries` per feed; entries read before count as unchanged."""
        index = self._writable_index()  # opens (creates) the index folder before the feed book is written into it
        book = FeedBook(Path(self.settings.index_dir) / "feeds.json")
        wanted = list(dict.fromkeys([*urls, *(book.urls() if refresh else [])]))
        options = FetchOptions.from_settings(self.settings)
        polls = [poll_feed(url, book.entries(url), options, self.settings.feed_max_entries) for url in wanted]
        articles: list[Article] = []
        for article in (a for p in polls for a in p.articles):  # two entries linking one page: read once
            if all(article.id != a.id for a in articles):
                articles.append(article)
        report = index.ingest_articles(articles, [f for p in polls for f in p.failures], progress=progress)
        report.unchanged += [aid for p in polls for aid in p.unchanged if aid not in report.unchanged]
        for poll in polls:
            book.record(poll)
        book.save()
        return report

    def feeds(self) -> list[FeedInfo]:
        """The followed feeds (`assistant feeds`)."""
        return FeedBook(Path(self.settings.index_dir) / "feeds.json").infos()

    def ingest_articles(self, articles: Sequence[Article], progress: bool | Progress = True) -> IngestReport:
        """Ingest `Article` objects built in Python (for example from a SQuAD file)."""
        return self._writable_index().ingest_articles(list(articles), progress=progress)

    def articles(self) -> list[ArticleInfo]:
        """The ingested articles with their metadata and chunk counts."""
        return self.index.articles()

    def remove(self, article_ids: Sequence[str]) -> list[str]:
        """Remove articles from the index; returns the ids that were there."""
        return self.index.remove(article_ids)

    def health(self) -> dict[str, Any]:
        """What a load balancer asks a replica: `ok`, the index `generation` (grows with every change),
        the article and chunk counts, and whether the vector store answers (`store_reachable`)."""
        index = self.index
        index.keyword.refresh()  # the same view of another process's ingest as the next search
        data: dict[str, Any] = {
            "ok": True,
            "generation": index.generation,
            "articles": len(index.articles()),
            "chunks": index.manifest.count_chunks(),
            "keyword_chunks": len(index.keyword),
            "readonly": index.readonly,
            "store": "server" if self.settings.chroma_url else "embedded",
            "store_reachable": True,
            "vectors": None,
        }
        try:
            data["vectors"] = index.store.count()
        except StoreError as exc:
            data.update(ok=False, store_reachable=False, error=str(exc))
        return data

    def faq_questions(self) -> dict[str, list[str]]:
        """The questions of each ingested article's FAQ section (article id -> questions, in order)."""
        out: dict[str, list[str]] = {}
        for chunk in self.index.manifest.all_chunks():
            first = chunk.text.split("\n", 1)[0].strip()
            if chunk.is_faq and first.startswith("Q:") and first[2:].strip():
                out.setdefault(chunk.article_id, []).append(first[2:].strip())
        return out

    # --- questions -----------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        history: Sequence[str] = (),
        filters: Filters | None = None,
        k: int | None = None,
        previous: Answer | None = None,
    ) -> Answer:
        """Answer `question` from the articles. `history` holds earlier standalone queries of a chat and
        `previous` its last answer (a follow-up such as "To whom?" may point into it).

        With an LLM backend this consumes `stream()`; a failing model raises `LLMError`.
        """
        return _final(self.stream(question, history=history, filters=filters, k=k, previous=previous))

    def stream(
        self,
        question: str,
        *,
        history: Sequence[str] = (),
        filters: Filters | None = None,
        k: int | None = None,
        previous: Answer | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer text in pieces, then the final `Answer` (an LLM failure raises `LLMError`)."""
        yield from self.answerer.stream(question, history=history, filters=filters, k=k, previous=previous)

    @property
    def answerer(self) -> Answerer:
        """The answerer of the `backend` setting (extractive by default), built on first use."""
        with self._lock:
            if self._answerer is None:
                self._answerer = ANSWERERS[self.settings.backend](self.settings, self._open_index())
            return self._answerer

    def chat(self) -> ChatSession:
        """A conversation that remembers its questions, so follow-ups can lean on them."""
        return ChatSession(self)

    def as_retriever(self, k: int | None = None, filters: Filters | None = None) -> ArticleRetriever:
        """The same hybrid search as a LangChain `BaseRetriever`."""
        from .llm.retriever import ArticleRetriever  # imported here: langchain_core is slow to import

        return ArticleRetriever(retriever=self.retriever, k=k or self.settings.top_k, filters=filters)


class ChatSession:
    """One conversation: questions, the queries they became, and the answers."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.turns: list[Answer] = []

    @property
    def previous(self) -> Answer | None:
        """The last answer of the conversation, if any (a reply to a question that was not understood
        is skipped: a follow-up after "zzqv" leans on the turn before it)."""
        return next((t for t in reversed(self.turns) if t.kind != UNCLEAR), None)

    @property
    def history(self) -> list[str]:
        return [t.query for t in self.turns if t.query and t.kind != UNCLEAR]

    def ask(self, question: str, **kwargs: Any) -> Answer:
        answer = self.assistant.ask(question, history=self.history, previous=self.previous, **kwargs)
        self.turns.append(answer)
        return answer

    def stream(self, question: str, **kwargs: Any) -> Iterator[str | Answer]:
        for piece in self.assistant.stream(question, history=self.history, previous=self.previous, **kwargs):
            if isinstance(piece, Answer):
                self.turns.append(piece)
            yield piece

    def clear(self) -> None:
        self.turns.clear()


def _final(pieces: Iterator[str | Answer]) -> Answer:
    """The `Answer` that ends a stream."""
    answer = None
    for piece in pieces:
        if isinstance(piece, Answer):
            answer = piece
    if answer is None:  # cannot happen: every stream ends with its Answer
        raise RuntimeError("the answer stream ended without an Answer")
    return answer
