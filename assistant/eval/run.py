"""The evaluation harness: ask every test question, score the answer, summarise the run.

`evaluate(assistant, cases)` goes through the real `Assistant.ask` (follow-ups get their
`history`), then searches once more with the same query to score retrieval, because an answer
only shows the passages it cites. Scores are the LLM-free metrics of `metrics.py`; with an LLM
backend an optional judge grades answers against the reference (`Judge`, `prompts/judge.txt`).

`report.write_run()` saves the run folder; `compare_runs` in `report.py` reads two.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from ..answer.retrieval import Filters
from ..errors import AssistantError
from ..models import Answer
from . import metrics as m
from .records import EvaluationError, EvaluationInterrupted, Record, Report
from .testsets import TestCase

if TYPE_CHECKING:
    from ..api import Assistant
    from ..settings import Settings

RETRIEVAL_K = (1, 3, 5)


# --- running --------------------------------------------------------------------------------------
def evaluate(
    assistant: Assistant,
    cases: Sequence[TestCase],
    progress: bool | Callable[[int, int], None] = True,
    limit: int | None = None,
    judge: Judge | None = None,
    name: str = "run",
    focus: bool = False,
) -> Report:
    """Ask every question of `cases` (the first `limit`), score the answers and summarise.

    `progress` is True for a bar on stderr, False for none, or a callback `(done, total)`. A
    `judge` (see `make_judge`) adds LLM-graded correctness; its failures mark records only. With
    `focus`, each question is asked with its `article_id` as the article filter, as a reader on that
    article's page would ask it ("who wrote this?").
    """
    cases = list(cases)[:limit] if limit else list(cases)
    if not cases:
        raise EvaluationError("the test set holds no questions to ask")
    infos = assistant.articles()
    if not infos:
        raise EvaluationError(
            f"the index in {assistant.settings.index_dir} holds no articles; ingest the "
            "articles the test set is about (or use --corpus-from-testset with a SQuAD file)"
        )
    sources = {i.id: i.source for i in infos}
    if callable(progress):
        progress(0, len(cases))  # show the bar while the model loads
    assistant.index.embedder.embed_one("warm up")  # load the model now, so it is not billed to question 1
    records: list[Record] = []
    meta = {
        "name": name,
        "created": datetime.now().isoformat(timespec="seconds"),
        "settings": assistant.settings.model_dump(mode="json"),
        "articles": len(infos),
        "judge": judge is not None,
        "focus": focus,
    }
    try:
        for i, case in enumerate(tqdm(cases, desc="evaluating", unit="q", disable=progress is not True), 1):
            records.append(run_case(assistant, case, sources, judge, focus))
            if callable(progress):
                progress(i, len(cases))
    except KeyboardInterrupt:
        if not records:
            raise
        # the questions asked so far are scored: a long run stopped by hand still says how it was going
        meta.update(questions=len(records), interrupted=f"after {len(records)} of {len(cases)} questions")
        raise EvaluationInterrupted(Report(name, records, summarize(records), meta)) from None
    return Report(name, records, summarize(records), {**meta, "questions": len(records)})


def run_case(
    assistant: Assistant, case: TestCase, sources: dict[str, str], judge: Judge | None = None, focus: bool = False
) -> Record:
    """Ask one question and score it; an answering error is recorded, not raised."""
    record = new_record(case)
    filters = Filters(article_ids=[case.article_id]) if focus and case.article_id else None
    try:
        chat = assistant.chat()  # a follow-up is asked in a chat after its history, as a person would
        for turn in case.history:
            chat.ask(turn, filters=filters)
        started = time.perf_counter()
        answer = chat.ask(case.question, filters=filters)
    except AssistantError as exc:
        record.error, record.verdict = str(exc), "error"
        return record
    record.latency_ms = round((time.perf_counter() - started) * 1000, 2)
    _fill_answer(record, answer)
    found = assistant.retriever.search(answer.query, max(RETRIEVAL_K[-1], assistant.settings.top_k))
    record.retrieved = [_passage_dict(rank, p, case, sources) for rank, p in enumerate(found.passages, 1)]
    for c in record.citations:
        c["supports"] = citation_support(case, c, sources)
    if judge is not None and case.answerable and not answer.abstained:
        record.judge, record.judge_error = judge.grade(case, answer.text)
    record.scores = score(record, case)
    record.verdict = verdict(record, case)
    return record


def new_record(case: TestCase) -> Record:
    """The record of `case` before it is asked: what the test set says of the question."""
    return Record(
        case.id,
        case.question,
        case.answerable,
        case.answers,
        case.reference,
        case.article_id,
        case.history,
        case.tags,
        reference_contexts=case.reference_contexts,
        kind=case.kind,
        keys=case.keys,
        min_keys=case.min_keys,
    )


def _fill_answer(record: Record, answer: Answer) -> None:
    record.answer, record.abstained, record.query = answer.text, answer.abstained, answer.query
    record.partial, record.lead = answer.partial, answer.lead
    record.confidence, record.backend, record.timings = answer.confidence, answer.backend, dict(answer.timings)
    record.citations = [
        {
            "n": c.n,
            "article_id": c.article_id,
            "title": c.title,
            "section": c.section,
            "start": c.start,
            "end": c.end,
            "kind": c.kind,
            "score": c.score,
            "text": c.text,
            "sentences": list(c.sentences),
        }
        for c in answer.citations
    ]


def _passage_dict(rank: int, p: Any, case: TestCase, sources: dict[str, str]) -> dict[str, Any]:
    c = p.chunk
    data = {
        "rank": rank,
        "article_id": c.article_id,
        "title": c.title,
        "section": c.section,
        "start": c.start,
        "end": c.end,
        "kind": c.kind,
        "score": round(p.score, 4),
        "text": c.text,
    }
    data["hit"] = retrieval_hit(case, data, sources)
    return data


# --- relevance --------------------------------------------------------------------------------------
def retrieval_hit(case: TestCase, passage: dict[str, Any], sources: dict[str, str]) -> bool | None:
    """Whether a retrieved passage is a gold one; None when the case does not say.

    With a gold span (SQuAD): same article and overlapping the span. Otherwise every clue the case
    gives must agree: the right article (`article_id`/`source`) and the text holding an accepted
    answer (or most of the reference).
    """
    if case.gold_start >= 0 and case.article_id:
        return passage["article_id"] == case.article_id and m.spans_overlap(
            passage["start"], passage["end"], case.gold_start, case.gold_end
        )
    return citation_support(case, passage, sources)


def citation_support(case: TestCase, passage: dict[str, Any], sources: dict[str, str]) -> bool | None:
    """Whether a passage holds the answer: the right article and an accepted answer (or the reference)."""
    checks = [
        _right_article(case, passage["article_id"], sources),
        m.supports_answer(passage["text"], case.answers, case.reference),
    ]
    known = [c for c in checks if c is not None]
    return all(known) if known else None


def _right_article(case: TestCase, article_id: str, sources: dict[str, str]) -> bool | None:
    if case.article_id:
        return article_id == case.article_id
    if case.source:
        have, want = sources.get(article_id, "").replace("\\", "/"), case.source.replace("\\", "/")
        return bool(have) and (have == want or have.endswith("/" + want.lstrip("/")))
    return None


# --- scoring ----------------------------------------------------------------------------------------
def score(record: Record, case: TestCase) -> dict[str, float | None]:
    """The per-question metric values (None where a metric does not apply)."""
    s: dict[str, float | None] = dict.fromkeys(
        ("hit@1", "hit@3", "hit@5", "mrr", "exact_match", "f1", "containment", "citation_precision", "citation_recall")
    )
    answered = not record.abstained
    if case.answerable:
        hits = [p["hit"] for p in record.retrieved]
        if None not in hits and (hits or case.has_gold):
            s.update({f"hit@{k}": m.hit_at(hits, k) for k in RETRIEVAL_K}, mrr=m.reciprocal_rank(hits))
        text = record.answer if answered else ""
        golds = case.answers or ([case.reference] if case.reference.strip() else [])
        s.update(
            exact_match=m.exact_match(text, golds),
            f1=m.token_f1(text, golds),
            containment=_keys_held(text, case) if case.keys else m.containment(text, case.answers),
        )
        support = [c["supports"] for c in record.citations] if answered else []
        if None not in support and (support or case.has_gold):
            s["citation_precision"] = m.mean(support)
            s["citation_recall"] = float(any(support))
    passages = {c["n"]: c["text"] for c in record.citations}
    body = record.answer[len(record.lead) :] if record.answer.startswith(record.lead) else record.answer
    s["faithfulness"] = m.faithfulness(body, passages) if answered else None  # the uncited lead is framing
    s["answer_words"] = float(m.word_count(record.answer)) if answered else None
    if record.judge is not None:
        s["judge_correctness"] = float(bool(record.judge.get("correct")))
    return s


def verdict(record: Record, case: TestCase) -> str:
    """correct / incorrect / over-refused for answerable questions; abstained / answered-unanswerable
    for the others; unscored when the case gives nothing to judge by."""
    if not case.answerable:
        return "abstained" if record.abstained or record.partial else "answered-unanswerable"
    if record.abstained:
        return "over-refused"
    right = _answer_right(record, case)
    return "unscored" if right is None else ("correct" if right else "incorrect")


def _keys_held(text: str, case: TestCase) -> float:
    """1.0 when `text` holds at least `min_keys` of the case's keys (the facts a summary or list needs)."""
    return float(m.keys_held(text, case.keys) >= case.min_keys)


def _answer_right(record: Record, case: TestCase) -> bool | None:
    if case.keys:
        return bool(_keys_held(record.answer, case))
    if case.answers:
        return m.contains_answer(record.answer, case.answers)
    if record.judge is not None:
        return bool(record.judge.get("correct"))
    if case.reference.strip():
        return m.coverage(case.reference, m.strip_markers(record.answer)) >= m.REFERENCE_SUPPORT
    support = [c["supports"] for c in record.citations]
    return any(support) if support and None not in support else None


def summarize(records: Sequence[Record]) -> dict[str, Any]:
    """Run-level metrics: means of the per-question scores plus abstention, latency and counts."""
    ok = [r for r in records if r.verdict != "error"]
    answerable = [r for r in ok if r.answerable]
    unanswerable = [r for r in ok if not r.answerable]
    latencies = [r.latency_ms for r in ok]
    out: dict[str, Any] = {"pass_rate": m.mean(r.passed for r in records)}
    for name in (
        "hit@1",
        "hit@3",
        "hit@5",
        "mrr",
        "exact_match",
        "f1",
        "containment",
        "citation_precision",
        "citation_recall",
        "faithfulness",
    ):
        out[name] = m.mean(r.scores.get(name) for r in ok)
    out.update(
        abstention_accuracy=m.mean(r.abstained or r.partial for r in unanswerable),
        over_refusal=m.mean(r.abstained for r in answerable),
        abstention_rate=m.mean(r.abstained for r in ok),
        judge_correctness=m.mean(r.scores.get("judge_correctness") for r in ok),
        latency_p50_ms=m.percentile(latencies, 50),
        latency_p95_ms=m.percentile(latencies, 95),
        answer_words=m.mean(r.scores.get("answer_words") for r in ok),
        questions=len(records),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        errors=len(records) - len(ok),
        judge_errors=sum(bool(r.judge_error) for r in records),
    )
    kinds = sorted({r.kind for r in records if r.kind})
    if kinds:  # pass rate per kind of question, when the test set says the kinds
        out["by_kind"] = {k: round(m.mean(r.passed for r in records if r.kind == k) or 0.0, 4) for k in kinds}
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


# --- optional LLM judge -------------------------------------------------------------------------------
class Judge:
    """Grades an answer against the reference with a LangChain chat model and the `judge` prompt.

    `prompts_dir` holds `judge.txt`; None means the prompts packaged with `assistant`.

    The prompt asks for JSON `{"correct": true|false, "score": 0..1, "reason": "..."}`; a line
    `VERDICT: correct|incorrect` is accepted too. Anything else marks the record `judge_error`.
    """

    def __init__(self, model: Any, prompts_dir: str | Path | None) -> None:
        self.model = model
        self.prompts_dir = prompts_dir
        from ..llm.prompts import render  # here: langchain_core is slow to import and only the judge needs it

        render("judge", prompts_dir, question="", reference="", answer="")  # a bad prompt file fails now, once

    def grade(self, case: TestCase, answer: str) -> tuple[dict[str, Any] | None, str]:
        """(verdict, "") or (None, why the judge gave none). Never raises for a model or parse failure."""
        reference = case.reference.strip() or " / ".join(case.answers)
        if not reference:
            return None, ""
        from ..llm.prompts import render

        prompt = render(
            "judge", self.prompts_dir, question=case.question, reference=reference, answer=m.strip_markers(answer)
        )
        try:
            reply = self.model.invoke(prompt)
        except Exception as exc:  # any backend failure (HTTP, timeout, llama.cpp) marks this record only
            return None, f"judge call failed: {type(exc).__name__}: {exc}"[:300]
        text = reply if isinstance(reply, str) else str(getattr(reply, "content", reply))
        try:
            return m.parse_judge(text), ""
        except ValueError as exc:
            return None, str(exc)


def make_judge(settings: Settings) -> Judge:
    """A judge on the configured LLM backend (`assistant.llm.backends.build_chat_model`)."""
    try:
        from ..llm.backends import build_chat_model
    except ImportError as exc:
        raise EvaluationError(
            f"the LLM judge needs assistant.llm.backends.build_chat_model, which is not available ({exc})"
        ) from None
    return Judge(build_chat_model(settings), settings.prompts_dir)
