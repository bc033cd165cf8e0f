"""Grounded answers on the seed article: real MiniLM, real Chroma, the default extractive answerer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answer.extractive import PARTIAL_LEAD
from assistant.answer.retrieval import Filters
from assistant.errors import IndexMissing
from assistant.models import Answer

from .conftest import DATA, ROOT

FAQ = [
    ("What were the main topics discussed in the Rubio-Lavrov meeting?", "potential new ideas for peace talks"),
    ("What is the significance of this meeting?", "rare instance of high-level dialogue"),
    ("What are the main obstacles to achieving a lasting peace agreement in Ukraine?", "deep-seated mistrust"),
    ("What role do other international actors, such as China, play in the conflict?", "unique position"),
    ("What are the long-term implications of the Ukraine war on US-Russia relations?", "deep divide"),
]
PARAPHRASES = [
    ("What did Rubio and Lavrov talk about?", "peace talks"),
    ("Why does the meeting matter?", "rare"),
    ("What stands in the way of a peace deal in Ukraine?", "mistrust"),
    ("Could China help mediate peace?", "mediate"),
]
FACTS = [
    ("Where did Rubio and Lavrov meet?", "Malaysia"),
    ("Which outlet reported that Rubio conveyed Trump's frustration?", "CNN"),
    ("How was the tone of the meeting described?", "professional"),
    ("What missiles were involved in the espionage case?", "Neptune"),
    ("In which region are tensions rising between the two countries besides Ukraine?", "Arctic"),
    ("Who wrote the article?", "Emily Carter"),
    ("Why is a peace agreement so hard to reach?", "mistrust"),  # needs the sentence after "...are numerous."
]
UNANSWERABLE = [
    "What is the capital of France?",
    "How many goals did Messi score in 2022?",
    "What is the recipe for banana bread?",
    "What did Volodymyr Zelensky say about the Rubio-Lavrov meeting?",  # on topic, but never mentioned
    "How many Chinese nationals were arrested in the espionage case?",  # the arrest is told, no number is
]


def _check_cited(answer: Answer) -> None:
    assert not answer.abstained
    assert answer.citations
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
        assert c.article_id == "us-russia-dialogue-ukraine-peace-talks"
        assert c.source.endswith("us-russia-dialogue-ukraine-peace-talks.txt")
        for sentence, (start, end) in zip(c.sentences, c.sentence_spans, strict=True):
            assert sentence in c.text
            assert c.kind == "meta" or c.start <= start < end <= c.end


@pytest.mark.parametrize(("question", "expected"), FAQ)
def test_faq_questions_return_their_faq_answer(seed: Assistant, question: str, expected: str) -> None:
    answer = seed.ask(question)
    _check_cited(answer)
    assert expected in answer.text
    assert answer.citations[0].kind == "faq"


@pytest.mark.parametrize(("question", "expected"), PARAPHRASES + FACTS)
def test_paraphrases_and_facts_are_answered_with_citations(seed: Assistant, question: str, expected: str) -> None:
    answer = seed.ask(question)
    _check_cited(answer)
    assert expected.lower() in answer.text.lower()


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_questions_the_article_cannot_answer_abstain(seed: Assistant, question: str) -> None:
    """Declined outright, or (a near-miss) said to be missing or only approached, with what the article does
    say, cited."""
    answer = seed.ask(question)
    assert answer.text.startswith(("The articles don't say", PARTIAL_LEAD))
    if answer.abstained:
        assert answer.citations == []
    else:
        assert answer.partial and answer.lead and answer.citations
        assert not answer.text[len(answer.lead) :].strip().startswith("The articles")


def test_citation_offsets_point_into_the_article(seed: Assistant) -> None:
    from assistant.ingest.articles import parse_file

    from .conftest import SEED

    (article,) = parse_file(SEED)
    answer = seed.ask("Where did Rubio and Lavrov meet?")
    for c in answer.citations:
        assert article.text[c.start : c.end] == c.text
        for sentence, (a, b) in zip(c.sentences, c.sentence_spans, strict=True):
            assert article.text[a:b].endswith(sentence) or sentence in article.text[a:b]


def test_follow_up_is_rewritten_and_answered(seed: Assistant) -> None:
    chat = seed.chat()
    first = chat.ask("Who did Rubio meet?")
    assert "Lavrov" in first.text
    follow = chat.ask("Where did they meet?")
    assert follow.query != "Where did they meet?" and "Rubio" in follow.query
    assert "Malaysia" in follow.text
    standalone = chat.ask("What role does China play?")
    assert standalone.query == "What role does China play?"
    chat.clear()
    assert chat.ask("Where did they meet?").query == "Where did they meet?"


def test_answer_is_deterministic(seed: Assistant) -> None:
    a, b = seed.ask("What are the obstacles to peace?"), seed.ask("What are the obstacles to peace?")
    assert a.text == b.text and [c.to_dict() for c in a.citations] == [c.to_dict() for c in b.citations]


def test_stream_yields_pieces_then_the_answer(seed: Assistant) -> None:
    parts = list(seed.stream("Where did Rubio and Lavrov meet?"))
    assert isinstance(parts[-1], Answer)
    assert "".join(p for p in parts[:-1] if isinstance(p, str)) == parts[-1].text
    assert len(parts) > 2


@pytest.mark.parametrize(
    ("question", "fragment"),
    [("", "empty"), ("   \n\t ", "empty"), ("?!?...", "punctuation")],
)
def test_empty_questions_get_a_clear_reply(seed: Assistant, question: str, fragment: str) -> None:
    answer = seed.ask(question)
    assert answer.abstained and fragment in answer.text


def test_long_question_is_cut_with_a_note(seed: Assistant) -> None:
    answer = seed.ask("Where did Rubio and Lavrov meet? " + "blah " * 5000)
    assert any("only the first" in n for n in answer.notes)
    assert len(answer.query) <= seed.settings.max_question_chars


def test_control_characters_are_removed_with_a_note(seed: Assistant) -> None:
    answer = seed.ask("Where did\x00 Rubio\x1b and Lavrov meet?")
    assert "Malaysia" in answer.text
    assert any("control characters" in n for n in answer.notes)


def test_empty_index_says_what_to_do(settings, tmp_path) -> None:
    with pytest.raises(IndexMissing, match=r"no index at .*: run `assistant ingest` first"):
        Assistant.from_settings(settings).ask("Where did they meet?")  # asking creates no index
    assert not Path(settings.index_dir).exists()
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    a = Assistant.from_settings(settings)
    a.ingest([empty], progress=False)  # an index with no article in it
    answer = a.ask("Where did they meet?")
    assert answer.abstained and "assistant ingest" in answer.text


def test_filters_limit_articles(seed_copy: Assistant) -> None:
    seed_copy.ingest([DATA], progress=False)
    ids = {a.id for a in seed_copy.articles()}
    assert len(ids) > 2
    q = "Where did Rubio and Lavrov meet?"
    assert seed_copy.ask(q).citations[0].article_id == "us-russia-dialogue-ukraine-peace-talks"
    others = sorted(ids - {"us-russia-dialogue-ukraine-peace-talks"})
    limited = seed_copy.retriever.search(q, 5, Filters(article_ids=others))
    assert limited.passages and all(p.chunk.article_id in others for p in limited.passages)
    by_tag = seed_copy.retriever.search("peace talks", 5, Filters(tags=["diplomacy"]))
    assert {p.chunk.article_id for p in by_tag.passages} == {"us-russia-dialogue-ukraine-peace-talks"}
    by_author = seed_copy.retriever.search("peace talks", 5, Filters(authors=["Emily Carter"]))
    assert {p.chunk.article_id for p in by_author.passages} == {"us-russia-dialogue-ukraine-peace-talks"}
    dates = {a.id: a.date for a in seed_copy.articles()}
    assert (dates["alpine-seed-vault"], dates["coral-reef-drones"]) == ("2024-05-14", "2024-03-12")
    one_day = seed_copy.retriever.search("seed vault", 5, Filters(date_from="2024-05-14", date_to="2024-05-14"))
    assert {p.chunk.article_id for p in one_day.passages} == {"alpine-seed-vault"}
    topics = "library tool shelf, night buses, coral reef drones, seed vault, desert rail link"
    february_to_march = seed_copy.retriever.search(topics, 10, Filters(date_from="2024-02-01", date_to="2024-03-12"))
    assert {p.chunk.article_id for p in february_to_march.passages} == {
        "town-briefs-lindholm-library-opens-a-tool-lending-shelf",
        "town-briefs-night-buses-return-to-brackwater",
        "coral-reef-drones",
    }
    since_may = seed_copy.retriever.search(topics, 10, Filters(date_from="2024-05-01"))
    assert {p.chunk.article_id for p in since_may.passages} == {"alpine-seed-vault", "desert-rail-link"}
    assert seed_copy.retriever.search(q, 5, Filters(article_ids=["no-such-article"])).passages == []


def test_no_near_duplicate_passages(seed: Assistant) -> None:
    small = Assistant.from_settings(seed.settings.with_overrides(top_k=10))
    passages = small.retriever.search("Rubio Lavrov meeting Malaysia", 10).passages
    for i, p in enumerate(passages):
        for q in passages[i + 1 :]:
            if p.chunk.kind == q.chunk.kind == "text":
                overlap = min(p.chunk.end, q.chunk.end) - max(p.chunk.start, q.chunk.start)
                assert overlap <= 0.5 * min(len(p.chunk.text), len(q.chunk.text))


def test_recalled_passages_hold_a_sentence_as_close_as_the_top_ones(seed: Assistant) -> None:
    """Passages below the top k come in when one of their sentences is as close to the question as the best of
    the top k's (the top k stay first and unchanged); without recall, or with a question's own k, exactly k."""
    from assistant.answer.retrieval import RECALL_MARGIN

    question = "What is Europe doing?"
    plain = seed.retriever.search(question, 3)
    found = seed.retriever.search(question, 3, recall=2)
    assert len(plain.passages) == 3 and len(found.passages) == 5
    assert [p.chunk.id for p in found.passages[:3]] == [p.chunk.id for p in plain.passages]
    query = found.query_vector
    best = max(float((found.sentences[p.chunk.id][1] @ query).max()) for p in found.passages[:3])
    for p in found.passages[3:]:
        assert p.chunk.id not in {q.chunk.id for q in plain.passages}
        assert float((found.sentences[p.chunk.id][1] @ query).max()) >= best - RECALL_MARGIN
        assert p.score == min(q.score for q in plain.passages)  # read last: they add sentences, not rank
    cited = {c.text for c in seed.ask(question, k=1).citations}
    assert len(cited) == 1  # a question's own k is exact


def test_the_lead_comes_in_when_one_of_its_sentences_is_close(seed: Assistant) -> None:
    """With recall on, the article's lead (its first chunk) is read too when its closest sentence is within
    `LEAD_MARGIN` of the best of the top passages', ranked as low as the last of them; never with recall off."""
    from assistant.answer.retrieval import LEAD_MARGIN

    question = "How did the talks end?"
    plain = seed.retriever.search(question, 3)
    found = seed.retriever.search(question, 3, recall=2)
    lead = f"{plain.passages[0].chunk.article_id}::0"
    assert lead not in {p.chunk.id for p in plain.passages}
    assert found.passages[-1].chunk.id == lead and lead in found.sentences
    assert found.passages[-1].score == min(p.score for p in plain.passages)
    closest = {p.chunk.id: float((found.sentences[p.chunk.id][1] @ found.query_vector).max()) for p in found.passages}
    assert closest[lead] >= max(closest[p.chunk.id] for p in plain.passages) - LEAD_MARGIN
    # a lead further than the margin from the question stays out
    far = seed.retriever.search("What about the Arctic?", 3, recall=2)
    assert lead not in {p.chunk.id for p in far.passages}
    best = max(float((far.sentences[p.chunk.id][1] @ far.query_vector).max()) for p in far.passages)
    assert float((seed.index.chunk_rows([lead])[lead][2] @ far.query_vector).max()) < best - LEAD_MARGIN
    # nor for a question the top passages barely touch: the margin would admit anything
    off = seed.retriever.search("zzzz qqqq", 3, recall=2)
    best = max(float((off.sentences[p.chunk.id][1] @ off.query_vector).max()) for p in off.passages)
    assert best < LEAD_MARGIN and lead not in {p.chunk.id for p in off.passages}


def test_langchain_retriever(seed: Assistant) -> None:
    docs = seed.as_retriever(k=3).invoke("Where did Rubio and Lavrov meet?")
    assert 0 < len(docs) <= 3
    assert "Malaysia" in " ".join(d.page_content for d in docs)
    assert docs[0].metadata["article_id"] == "us-russia-dialogue-ukraine-peace-talks"


def _cli(*args: str, index: Path) -> subprocess.CompletedProcess:
    # cwd: the test's own folder (the autouse fixture's tmp_path), where no assistant.toml can change the result
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args, "--index", str(index)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path.cwd(),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_cli_ask_json(seed_index_dir: Path) -> None:
    out = _cli("ask", "Where did Rubio and Lavrov meet?", "--json", index=seed_index_dir)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"answer", "abstained", "query", "citations"} <= set(data)
    assert "Malaysia" in data["answer"] and data["abstained"] is False
    assert {"n", "article_id", "title", "section", "text", "source"} <= set(data["citations"][0])


def test_cli_ask_text_lists_sources(seed_index_dir: Path) -> None:
    out = _cli("ask", "What role does China play?", index=seed_index_dir)
    assert out.returncode == 0, out.stderr
    assert "Sources:" in out.stdout and "[1]" in out.stdout
