"""The LLM answer chain: condense → retrieve → pack → generate (streaming) → check citations.

The preparation steps are LangChain runnables composed with LCEL over one state dict; generation
streams from the chat model; the finished reply goes through `citecheck`, and an answer with no
supported sentence is replaced by the extractive answer or an abstention (`unsupported_fallback`).

Failures of the model (unreachable, timeout, bad key, rate limit, empty or garbage reply) raise
`LLMError` with a message saying what to do; transient ones are retried first with backoff.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from ..answer import citecheck
from ..answer.answerer import ExtractiveAnswerer
from ..answer.extractive import citation, extractive_answer
from ..answer.followup import condense, needs_context
from ..answer.guards import fill_sources, refusal
from ..answer.intents import route
from ..answer.retrieval import Filters, Retrieved, Retriever
from ..errors import LLMError
from ..index.index import Index
from ..ingest.chunking import count_tokens, truncate_tokens
from ..models import ABSTAIN_TEXT, Answer, Citation, Passage
from ..settings import Settings
from ..text import clean_question, content_words
from . import backends as llms
from .prompts import chat_prompt, format_messages, render

SUMMARY_SENTENCES = "Three to six"  # how long a summary the prompt asks for
FALLBACK_NOTE = "fallback"  # every note about a replaced LLM answer starts with this word
# Tag-like text that could close the passage fence or open a chat turn (ChatML "<|im_start|>").
FENCE_BREAKERS = re.compile(r"<(?=\s*/?\s*passages?\b|\|)", re.IGNORECASE)


@dataclass
class Packed:
    """The passages that fit the token budget, numbered 1..n in prompt order, and their prompt text."""

    passages: list[Passage]
    texts: list[str]  # each passage's text as sent (the first may be cut to fit)
    prompt: str
    tokens: int


@dataclass
class Generation:
    """What streaming produced: the reply, token counts and when the tokens came."""

    text: str = ""
    tokens: int | None = None
    finish: str = ""  # why generation stopped, when the backend says ("length": hit llm_max_tokens)
    started: float = 0.0
    first: float = 0.0
    ended: float = 0.0


def fence(text: str) -> str:
    """Article text made safe to put between passage tags: it cannot close them or start a turn."""
    return FENCE_BREAKERS.sub("‹", text)


def _attr(value: str) -> str:
    return fence(" ".join(value.split())).replace('"', "'").replace(">", "›")


def pack(passages: Sequence[Passage], budget: int, prompts_dir: Any, first: int = 1) -> Packed:
    """Number and fence passages, best first, while they fit `budget` tokens (cl100k); numbers start at
    `first` (a part of an article keeps its passages' numbers in the whole article).

    A passage that does not fit is skipped and later, shorter ones may still fit; when even the
    best passage alone is too long it is cut, so the model never gets an empty context.
    """
    used: list[Passage] = []
    texts: list[str] = []
    blocks: list[str] = []
    total = 0
    for p in passages:
        block = _block(first + len(used), p, p.chunk.text, prompts_dir)
        cost = _cost(block)
        if total + cost > budget and not used:
            room = max(budget - (cost - count_tokens(p.chunk.text)) - 2, 16)
            text = truncate_tokens(p.chunk.text, room)
            block = _block(first, p, text, prompts_dir)
            cost = _cost(block)
        elif total + cost > budget:
            continue
        else:
            text = p.chunk.text
        used.append(p)
        texts.append(text)
        blocks.append(block)
        total += cost
    return Packed(used, texts, "\n\n".join(blocks), total)


def _cost(block: str) -> int:
    """Tokens a passage block takes in the prompt, with the blank line that separates it from the next."""
    return count_tokens(block + "\n\n")


def _block(n: int, p: Passage, text: str, prompts_dir: Any) -> str:
    section = "" if p.chunk.section == p.chunk.title else p.chunk.section
    return render("passage", prompts_dir, n=n, title=_attr(p.chunk.title), section=_attr(section), text=fence(text))


class LLMChain:
    """Answers with a chat model from one index: the `Answerer` of the LLM backends."""

    def __init__(self, settings: Settings, index: Index, model: BaseChatModel | None = None) -> None:
        self.settings = settings
        self.index = index
        self.retriever = Retriever(index, settings)
        self.model = model or llms.build_chat_model(self.settings)
        self.answer_prompt = chat_prompt("answer_system", "answer_user", self.settings.prompts_dir)
        self.condense_prompt = chat_prompt("condense_system", "condense_user", self.settings.prompts_dir)
        self.extractive = ExtractiveAnswerer(settings, index)  # focus for summaries, and the fallback summary

    # --- preparation: LCEL over a state dict ---------------------------------------------------
    def prepare(self) -> Runnable:
        """{question, history, filters, k, timings} → + query, found, packed."""
        return (
            RunnablePassthrough.assign(query=RunnableLambda(self._timed("condense_ms", self._condense)))
            | RunnablePassthrough.assign(found=RunnableLambda(self._timed("retrieve_ms", self._retrieve)))
            | RunnablePassthrough.assign(packed=RunnableLambda(self._pack))
        )

    def condenser(self) -> Runnable:
        """The follow-up rewriting chain: prompt → model → text."""
        return self.condense_prompt | self.model | StrOutputParser()

    def _timed(self, name: str, fn: Any) -> Any:
        def step(state: dict) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(state)
            finally:
                state["timings"][name] = _ms(time.perf_counter() - t0)

        return step

    def _condense(self, state: dict) -> str:
        """The standalone question; the LLM is only called for a follow-up that leans on history. The last
        answer is part of the conversation it sees: in "Who passed on the message?" then "To whom?", the
        person "whom" means is in the answer."""
        question, history = state["question"], state["history"]
        if not history or not needs_context(question):
            return question
        previous: Answer | None = state.get("previous")
        said = previous.text if previous is not None and not previous.abstained else ""
        lines = "\n".join(f"- {h}" for h in history)
        if said:
            lines += f"\n(The last answer was: {' '.join(said.split())[:400]})"
        reply = self._call(lambda: self.condenser().invoke({"history": lines, "question": question}))
        standalone = _clean_condensed(reply, question, [*history, said])
        return standalone or condense(question, list(history), said)  # the rule-based rewrite when the model rambles

    def _retrieve(self, state: dict) -> Retrieved:
        return self.retriever.search(state["query"], state.get("k"), state.get("filters"))

    def _pack(self, state: dict) -> Packed:
        return pack(state["found"].passages, self.settings.context_tokens, self.settings.prompts_dir)

    def messages(self, query: str, packed: Packed) -> list[BaseMessage]:
        """The rendered answer prompt: the fixed system message, then the fenced passages and question."""
        return format_messages(self.answer_prompt, passages=packed.prompt, question=query)

    # --- generation ----------------------------------------------------------------------------
    def generate(self, messages: list[BaseMessage], gen: Generation) -> Iterator[str]:
        """Stream the reply into `gen`, retrying transient failures that happen before the first token."""
        attempts = llms.retry_attempts(self.settings)
        for attempt in range(attempts):
            gen.started, gen.text = time.perf_counter(), ""
            try:
                for chunk in self.model.stream(messages):
                    usage = getattr(chunk, "usage_metadata", None)
                    if usage and usage.get("output_tokens"):
                        gen.tokens = int(usage["output_tokens"])
                    meta = chunk.response_metadata
                    gen.finish = meta.get("finish_reason") or meta.get("done_reason") or gen.finish
                    if chunk.text:
                        gen.first = gen.first if gen.text else time.perf_counter()
                        gen.text += chunk.text
                        yield chunk.text
                gen.ended = time.perf_counter()
                return
            except Exception as exc:
                if gen.text or attempt == attempts - 1 or not llms.is_transient(exc):
                    raise llms.explain(exc, self.settings) from None
                time.sleep(min(0.5 * 2**attempt, 8.0) + random.uniform(0, 0.25))  # exponential backoff

    def _call(self, fn: Any) -> Any:
        """Run a non-streaming model call, turning its failures into `LLMError`."""
        try:
            return fn()
        except LLMError:
            raise
        except Exception as exc:
            raise llms.explain(exc, self.settings) from None

    # --- the whole question --------------------------------------------------------------------
    def stream(
        self,
        question: str,
        *,
        history: Sequence[str] = (),
        filters: Filters | None = None,
        k: int | None = None,
        previous: Answer | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the model's reply as it streams, then the checked `Answer`. `previous`, the chat's last
        answer, helps rewrite a follow-up; a summary request reads the whole article in focus (`summary`).

        The streamed pieces are the raw reply; the final `Answer.text` is the checked version
        (markers repaired and renumbered), which a UI should show once it arrives.
        """
        started = time.perf_counter()
        text, notes = clean_question(question, self.settings.max_question_chars)
        refused = refusal(text, notes, self.index, self.settings.backend)
        if refused:
            yield refused
            return
        turns = self.settings.history_turns
        intent = route(text)
        if intent.kind == "summary":
            yield from self.summary(text, intent.topic, filters, previous, notes, started)
            return
        state = self.prepare().invoke(
            {
                "question": text,
                "history": list(history)[-turns:] if turns else [],
                "previous": previous,
                "filters": filters,
                "k": k,
                "timings": {},
            }
        )
        gen = Generation()
        if state["packed"].passages:
            yield from self.generate(self.messages(state["query"], state["packed"]), gen)
        answer = self.finish(text, state["query"], state["found"], state["packed"], gen)
        answer.notes = notes + answer.notes
        answer.timings = {**state["timings"], **answer.timings, "total_ms": _ms(time.perf_counter() - started)}
        fill_sources(answer, self.index)
        yield answer

    # --- summaries ---------------------------------------------------------------------------------
    def summary(
        self,
        question: str,
        topic: str,
        filters: Filters | None,
        previous: Answer | None,
        notes: list[str],
        started: float,
    ) -> Iterator[str | Answer]:
        """A summary of the article in focus written by the model from the whole article: in one call when it
        fits `context_tokens`, otherwise map-reduce (each part summarised, then the parts combined). The
        citation check runs on what it writes. With no article in focus, the extractive answerer's reply (a
        topic summary, or a question back: which article?)."""
        articles = self.extractive.articles(filters)
        article = self.extractive.focus(topic, articles, filters, previous) if articles else None
        if article is None:
            answer = self.extractive.ask(question, filters=filters, previous=previous)
            answer.backend = self.settings.backend
            yield answer
            return
        rows = [r for r in self.index.manifest.article_rows(article.id) if r[0].kind != "meta"]
        passages = [Passage(chunk, 1.0) for chunk, _, _ in rows]
        found = Retrieved(
            passages,
            self.index.embedder.embed_one(question),
            {chunk.id: (spans, vectors) for chunk, spans, vectors in rows},
        )
        whole = Packed(passages, [p.chunk.text for p in passages], "", 0)
        parts = self._parts(passages)
        gen, timings = Generation(), {"summary_parts": float(len(parts))}
        t0 = time.perf_counter()
        if len(parts) == 1:
            messages = self._summary_messages(article.title, parts[0])
        else:  # map: each part on its own (not streamed); reduce: the parts' summaries combined, streamed
            partial = []
            for part in parts:
                reply = Generation()
                for _ in self.generate(self._summary_messages(article.title, part), reply):
                    pass
                partial.append(reply.text.strip())
            combined = "\n\n".join(fence(text) for text in partial if text)
            messages = format_messages(
                self.combine_prompt, passages=combined, title=_attr(article.title), sentences=SUMMARY_SENTENCES
            )
        yield from self.generate(messages, gen)
        timings["summary_ms"] = _ms(time.perf_counter() - t0)
        answer = self.finish(question, topic or article.title, found, whole, gen, fallback=False)
        if answer.abstained or not answer.citations:  # nothing the model wrote was supported
            answer = self.extractive.summary(question, question, route(question), filters, previous)
            answer.notes.append(
                f"{FALLBACK_NOTE}: no sentence of the model's summary was supported by the article; this is "
                "the extractive summary instead"
            )
        answer.kind, answer.backend = "summary", self.settings.backend
        answer.notes = notes + answer.notes
        answer.timings = {**timings, **answer.timings, "total_ms": _ms(time.perf_counter() - started)}
        fill_sources(answer, self.index)
        yield answer

    def _parts(self, passages: list[Passage]) -> list[list[tuple[int, Passage]]]:
        """The article's passages, numbered 1..n in article order, cut into runs that each fit the budget
        (counted as `pack` counts, so packing a part keeps all of it)."""
        parts: list[list[tuple[int, Passage]]] = [[]]
        used = 0
        for n, p in enumerate(passages, start=1):
            cost = _cost(_block(n, p, p.chunk.text, self.settings.prompts_dir))
            if parts[-1] and used + cost > self.settings.context_tokens:
                parts.append([])
                used = 0
            parts[-1].append((n, p))
            used += cost
        return parts

    def _summary_messages(self, title: str, part: list[tuple[int, Passage]]) -> list[BaseMessage]:
        """The summary prompt for one part; a single passage longer than the budget is cut by `pack`."""
        packed = pack([p for _, p in part], self.settings.context_tokens, self.settings.prompts_dir, first=part[0][0])
        return format_messages(
            self.summary_prompt, passages=packed.prompt, title=_attr(title), sentences=SUMMARY_SENTENCES
        )

    @property
    def summary_prompt(self) -> Any:
        return chat_prompt("summary_system", "summary_user", self.settings.prompts_dir)

    @property
    def combine_prompt(self) -> Any:
        return chat_prompt("summary_system", "combine_user", self.settings.prompts_dir)

    def answer_found(self, question: str, query: str, found: Retrieved) -> Answer:
        """Generate and check an answer from passages already retrieved (no condensing, no streaming out)."""
        packed = pack(found.passages, self.settings.context_tokens, self.settings.prompts_dir)
        gen = Generation()
        if packed.passages:
            for _ in self.generate(self.messages(query, packed), gen):
                pass
        return self.finish(question, query, found, packed, gen)

    # --- checking ------------------------------------------------------------------------------
    def finish(
        self, question: str, query: str, found: Retrieved, packed: Packed, gen: Generation, fallback: bool = True
    ) -> Answer:
        """The checked `Answer` for the reply in `gen` (or an abstention when nothing was retrieved). Without
        `fallback`, a reply with no supported sentence gives an abstention for the caller to replace."""
        timings = _gen_timings(gen)
        backend = self.settings.backend
        if not packed.passages:
            return Answer.abstention(
                question,
                query,
                backend=backend,
                notes=["no passage matched the question, so the model was not asked"],
                timings=timings,
            )
        _require_text(gen.text, self.settings)
        reply = citecheck.drop_unfinished(gen.text) if gen.finish == "length" else gen.text
        sources = self.sources(found, packed)
        result = citecheck.check(reply, sources, self.index.embedder.embed, query)
        if result.supported:
            answer = self._checked(question, query, packed, sources, result)
            if reply != gen.text:
                answer.notes.append("the reply reached llm_max_tokens; its unfinished last sentence was dropped")
        elif citecheck.abstains(reply):  # the model said the passages do not hold the answer
            answer = Answer.abstention(
                question, query, result.claims[0].text if result.claims else ABSTAIN_TEXT, backend=backend
            )
        elif fallback:
            answer = self._fallback(question, query, found, gen.text)
        else:
            answer = Answer.abstention(question, query, backend=backend)
        answer.timings = timings
        return answer

    def sources(self, found: Retrieved, packed: Packed) -> list[citecheck.Source]:
        """The packed passages as the citation checker sees them, with their sentence vectors."""
        out = []
        for n, (p, text) in enumerate(zip(packed.passages, packed.texts, strict=True), start=1):
            spans, vectors = found.sentences.get(p.chunk.id, ([], np.zeros((0, 0))))
            if not spans:  # not precomputed: embed now
                from ..ingest.chunking import sentence_spans

                spans = sentence_spans(text)
                vectors = self.index.embedder.embed([text[a:b] for a, b in spans])
            keep = [i for i, (a, b) in enumerate(spans) if b <= len(text) and not text[a:b].startswith("Q: ")]
            out.append(citecheck.Source(n, text, [spans[i] for i in keep], np.asarray(vectors)[keep]))
        return out

    def _checked(
        self, question: str, query: str, packed: Packed, sources: list[citecheck.Source], result: citecheck.CheckResult
    ) -> Answer:
        text, order = result.renumbered()
        citations = [citation(i, packed.passages[n - 1]) for i, n in enumerate(order, start=1)]
        _add_evidence(citations, order, sources, packed, result)
        notes = []
        if result.removed:
            marks = ", ".join(f"[{n}]" for n in dict.fromkeys(result.removed))
            notes.append(f"removed citation marker(s) {marks} that pointed at no passage")
        notes += [f"corrected a citation: {c}" for c in result.corrected]
        if result.added:
            notes.append(f"added the supporting passage's marker to {result.added} sentence(s) the model left uncited")
        if result.repeated:
            notes.append(f"dropped {result.repeated} sentence(s) the model repeated")
        if result.unsupported:
            notes.append(f"{len(result.unsupported)} sentence(s) are not supported by the passages and are flagged")
        checked = [c for c in result.claims if c.status != "meta"]
        confidence = len(result.supported) / len(checked) if checked else 0.0  # share of claims supported
        return Answer(
            text=text,
            citations=citations,
            question=question,
            query=query,
            backend=self.settings.backend,
            confidence=round(confidence, 4),
            unsupported=result.unsupported,
            notes=notes,
        )

    def _fallback(self, question: str, query: str, found: Retrieved, reply: str) -> Answer:
        """No sentence of the reply was supported: the extractive answer, or an abstention."""
        said = " ".join(reply.split())[:200]
        if self.settings.unsupported_fallback == "abstain":
            note = (
                f"{FALLBACK_NOTE}: no sentence of the model's answer was supported by the passages, so the "
                f"assistant abstained (the model said: {said!r})"
            )
            return Answer.abstention(question, query, backend=self.settings.backend, notes=[note])
        answer = extractive_answer(question, query, found, self.settings)
        answer.backend = self.settings.backend
        answer.notes = [
            f"{FALLBACK_NOTE}: no sentence of the model's answer was supported by the passages; this is "
            f"the extractive answer instead (the model said: {said!r})"
        ]
        return answer


def _add_evidence(
    citations: list[Citation],
    order: list[int],
    sources: list[citecheck.Source],
    packed: Packed,
    result: citecheck.CheckResult,
) -> None:
    """Each citation's `sentences`: the passage sentences that back the answer sentences citing it."""
    for claim in result.claims:
        for n in claim.markers:
            src, j = sources[n - 1], claim.evidence.get(n, -1)
            if not 0 <= j < len(src.spans):
                continue
            a, b = src.spans[j]
            chunk, c = packed.passages[n - 1].chunk, citations[order.index(n)]
            sentence = src.text[a:b]
            sentence = sentence[3:] if chunk.is_faq and sentence.startswith("A: ") else sentence
            if sentence not in c.sentences:
                c.sentences.append(sentence)
                c.sentence_spans.append((chunk.start + a, chunk.start + b))


def _clean_condensed(reply: str, question: str, history: Sequence[str]) -> str:
    """The model's rewrite, if it looks like one question about the conversation's subject."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = re.sub(r"^(rewritten|standalone)?\s*question\s*:\s*", "", line, flags=re.IGNORECASE).strip(" \"'`")
    words = {w.lower() for w in content_words(line)}
    context = {w.lower() for w in content_words(" ".join([question, *history]))}
    if not words or not words & context or len(line) > 300:
        return ""
    return line


def _require_text(reply: str, settings: Any) -> None:
    """Raise `LLMError` for an empty reply or one that is not text (a broken model or template)."""
    visible = "".join(reply.split())
    if not visible:
        raise llms.empty_reply(settings)
    letters = sum(ch.isalpha() for ch in visible)
    if letters < 0.4 * len(visible) or "\ufffd" in visible:
        raise LLMError(
            f"the {settings.backend} model's reply is not readable text ({visible[:60]!r}). Check the "
            "model file or llm_model, and its chat template."
        )


def _gen_timings(gen: Generation) -> dict[str, float]:
    if not gen.started:
        return {}
    ended = gen.ended or time.perf_counter()
    tokens = gen.tokens if gen.tokens is not None else count_tokens(gen.text)  # cl100k estimate without usage
    out = {"llm_ms": _ms(ended - gen.started), "tokens": float(tokens)}
    if gen.first:
        out["first_token_ms"] = _ms(gen.first - gen.started)
        if tokens > 1 and ended > gen.first:
            out["tokens_per_second"] = round((tokens - 1) / (ended - gen.first), 2)  # decoding speed
    return out


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
