"""Summaries with an LLM backend: the model reads the whole article in focus (map-reduce when it does not fit
the token budget), the citation check runs on what it writes, and an unsupported summary falls back to the
extractive one. LangChain's fake chat model stands in for the LLM only (the real index, MiniLM and checks);
test_llm_server.py runs a real llama.cpp model."""

from __future__ import annotations

from typing import Any

from assistant import Answer, Assistant
from assistant.llm.chain import FALLBACK_NOTE, LLMChain

from .conftest import make_chain
from .test_llm_chain import Recorder, fake, llm_assistant

GOOD = (
    "Secretary of State Marco Rubio met Russian Foreign Minister Sergey Lavrov in Malaysia [1]. "
    "China could play a role as a mediator [2]."
)


def run(chain: LLMChain, question: str, **kwargs: Any) -> tuple[list[str], Answer]:
    out = list(chain.stream(question, **kwargs))
    assert isinstance(out[-1], Answer)
    return [p for p in out[:-1] if isinstance(p, str)], out[-1]


def _passages_in(call: list[Any]) -> list[str]:
    text = call[-1].content
    return [line for line in text.splitlines() if line.startswith("<passage id=")]


def test_a_summary_that_fits_reads_the_whole_article_in_one_call(seed: Assistant) -> None:
    a = llm_assistant(seed, context_tokens=20000)
    rec = Recorder()
    streamed, answer = run(make_chain(a, model=fake(GOOD, recorder=rec)), "Summarize the article")
    assert len(rec.calls) == 1
    chunks = [c for c, _, _ in seed.index.manifest.article_rows(seed.articles()[0].id) if c.kind != "meta"]
    assert len(_passages_in(rec.calls[0])) == len(chunks)  # every passage of the article, not the top k
    assert "".join(streamed) == GOOD  # the reply streams
    assert answer.kind == "summary" and not answer.abstained and answer.backend == "openai"
    assert answer.citations and all(c.article_id == seed.articles()[0].id for c in answer.citations)


def test_a_long_article_is_summarised_part_by_part_then_combined(seed: Assistant) -> None:
    a = llm_assistant(seed, context_tokens=300)
    rec = Recorder()
    chain = make_chain(a, model=fake(GOOD, recorder=rec))
    parts = chain._parts([p for p in _article_passages(seed)])
    assert len(parts) >= 3  # the budget forces several parts
    _, answer = run(chain, "Summarize the article")
    assert len(rec.calls) == len(parts) + 1  # one per part, then the combining call
    seen = [_passages_in(call) for call in rec.calls[:-1]]
    assert sum(len(s) for s in seen) == sum(len(p) for p in parts)  # each passage in exactly one part
    assert "Combine them into one summary" in rec.calls[-1][-1].content
    assert answer.timings["summary_parts"] == len(parts)
    assert not answer.abstained and answer.citations


def test_an_unsupported_summary_falls_back_to_the_extractive_one(seed: Assistant) -> None:
    a = llm_assistant(seed, context_tokens=20000)
    made_up = "The article is about a football match in Brazil [1]. Penguins won the cup [2]."
    _, answer = run(make_chain(a, model=fake(made_up)), "Summarize the article")
    assert answer.kind == "summary" and not answer.abstained
    assert "Brazil" not in answer.text and "Penguins" not in answer.text
    assert any(n.startswith(FALLBACK_NOTE) for n in answer.notes)
    assert answer.lead.startswith('In short, "US-Russia Dialogue')  # the extractive summary


def test_the_condense_prompt_sees_the_last_answer(seed: Assistant) -> None:
    a = llm_assistant(seed)
    previous = seed.ask("Who did Rubio meet?")
    assert "Lavrov" in previous.text
    rec = Recorder()
    model = fake("Where did Rubio and Lavrov meet?", "The articles don't say.", recorder=rec)
    run(make_chain(a, model=model), "Where did they meet?", history=["Who did Rubio meet?"], previous=previous)
    assert "The last answer was:" in rec.calls[0][-1].content and "Lavrov" in rec.calls[0][-1].content


def _article_passages(seed: Assistant) -> list[Any]:
    from assistant.models import Passage

    rows = seed.index.manifest.article_rows(seed.articles()[0].id)
    return [Passage(c, 1.0) for c, _, _ in rows if c.kind != "meta"]


def test_a_real_model_summarises_a_long_article_part_by_part(seed: Assistant) -> None:
    """SmolLM2 in process (llama.cpp): every part of the article goes to the model, then the combining call;
    what comes back is checked like any answer (or replaced by the extractive summary, said in a note)."""
    from .test_llm_server import with_llm

    a = with_llm(seed, backend="llamacpp", llm_max_tokens=96, context_tokens=1200)
    chain = make_chain(a)
    rec = Recorder()
    chain.model.callbacks = [rec]
    out = list(chain.stream("Summarize the article"))
    answer = out[-1]
    assert isinstance(answer, Answer) and answer.kind == "summary" and answer.backend == "llamacpp"
    parts = int(answer.timings["summary_parts"])
    assert parts >= 2 and len(rec.calls) == parts + 1
    assert answer.citations and {c.article_id for c in answer.citations} == {seed.articles()[0].id}
    if any(n.startswith(FALLBACK_NOTE) for n in answer.notes):
        assert answer.lead.startswith('In short, "')  # the extractive summary stood in
    else:
        assert all(c.sentences for c in answer.citations)  # each cited passage backs a sentence of the reply
