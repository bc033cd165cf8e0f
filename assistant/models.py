"""The small dataclasses that flow between pipeline stages.

Each stage takes and returns these, never LangChain documents or raw dicts, so a stage can be
read, tested and replaced on its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    """A heading and the text under it; `start` is the character offset in `Article.text`."""

    heading: str
    text: str
    start: int = 0


@dataclass(frozen=True)
class FAQ:
    """One question/answer pair of an article's FAQ section."""

    question: str
    answer: str
    start: int = 0


@dataclass
class Article:
    """A parsed article: metadata, sections and FAQ pairs.

    `text` is the canonical body every offset points into: section headings and texts joined by
    blank lines, then the FAQ pairs as `Q: ...` / `A: ...` lines.
    """

    id: str
    title: str
    source: str
    author: str = ""
    date: str = ""
    tags: list[str] = field(default_factory=list)
    url: str = ""
    teaser: str = ""
    sections: list[Section] = field(default_factory=list)
    faq: list[FAQ] = field(default_factory=list)
    text: str = ""
    pages: list[tuple[int, int]] = field(default_factory=list)  # (offset in `text`, page number): PDFs

    def metadata(self) -> dict[str, Any]:
        """Metadata without the body, as stored in the manifest."""
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "author": self.author,
            "date": self.date,
            "tags": list(self.tags),
            "url": self.url,
        }
        if self.pages:  # only when there are pages: the content hash of other articles stays what it was
            data["pages"] = [list(p) for p in self.pages]
        return data


@dataclass(frozen=True)
class Chunk:
    """A piece of an article as it is embedded and retrieved.

    `start`/`end` are character offsets into the article's `text`; `kind` is "text" or "faq".
    """

    id: str
    article_id: str
    title: str
    section: str
    text: str
    position: int
    start: int
    end: int
    kind: str = "text"
    tokens: int = 0

    @property
    def is_faq(self) -> bool:
        return self.kind == "faq"


@dataclass(frozen=True)
class ArticleInfo:
    """An ingested article as listed by `Assistant.articles()`."""

    id: str
    title: str
    source: str
    author: str
    date: str
    tags: list[str]
    url: str
    chunks: int
    faq_chunks: int
    content_hash: str
    pages: list[tuple[int, int]] = field(default_factory=list)  # (offset, page number) where pages start

    def page_at(self, offset: int) -> int | None:
        """The page holding character `offset` of the article text, or None for articles without pages."""
        page = self.pages[0][1] if self.pages else None
        for start, number in self.pages:
            if start > offset:
                break
            page = number
        return page

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FeedInfo:
    """A followed RSS/Atom feed: its address, title, entries ingested so far and when it was last polled."""

    url: str
    title: str
    entries: int
    polled: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Failure:
    """A file (or one record of it) that could not be ingested, and why."""

    path: str
    error: str


@dataclass
class Duplicate:
    """An article not indexed because the same content is already indexed under another id."""

    source: str
    title: str
    duplicate_of: str


@dataclass
class IngestReport:
    """What one ingest run did. Lists hold article ids, except `failed`."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    chunks: int = 0
    faq_chunks: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its scores; `score` is the fused score used for ranking."""

    chunk: Chunk
    score: float
    dense: float = 0.0
    keyword: float = 0.0
    faq_match: float = 0.0


@dataclass
class Citation:
    """A numbered source of an answer: `[n]` in the text points at `citations[n-1]`.

    `start`/`end` are the passage's character offsets in the article text; `sentences` are the
    sentences the answer used, with their own offsets in `sentence_spans`.
    """

    n: int
    article_id: str
    title: str
    section: str
    text: str
    start: int
    end: int
    source: str = ""
    url: str = ""
    score: float = 0.0
    kind: str = "text"
    sentences: list[str] = field(default_factory=list)
    sentence_spans: list[tuple[int, int]] = field(default_factory=list)
    page: int | None = None  # the page of the cited sentence (PDFs), else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ABSTAIN_TEXT = "The articles don't say."


@dataclass(kw_only=True)
class Answer:
    """What the assistant says: text with `[n]` markers, its citations and how it got there.

    `query` is the question as searched (a follow-up rewritten to stand alone); `abstained` is
    True when the articles did not hold the answer; `partial` when they hold something related but
    not what was asked (the text says what they do and do not say); `kind` is the kind of question
    the router saw (fact, summary, list, ...); `unsupported` lists answer sentences the citation
    check could not tie to a passage (LLM backends); `notes` explain anything changed about the
    question (cut, cleaned) or about the answer (fallback used).
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    question: str = ""
    query: str = ""
    backend: str = "extractive"
    partial: bool = False
    kind: str = "fact"
    lead: str = ""  # the uncited framing that opens `text` (a summary's title line, a partial answer's hedge)
    confidence: float = 0.0
    unsupported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def abstention(cls, question: str, query: str = "", text: str = ABSTAIN_TEXT, **fields: Any) -> Answer:
        """A reply that answers nothing: `text` says why (the articles don't say, the question was empty, ...)."""
        return cls(text=text, abstained=True, question=question, query=query or question.strip(), **fields)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["answer"] = data.pop("text")
        return data
