"""The citation checker, with the real MiniLM model: marker parsing, support scores, repairs, flags."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer import citecheck
from assistant.index.embeddings import get_embedder
from assistant.ingest.chunking import sentence_spans
from assistant.settings import Settings

MEETING = (
    "The meeting between Secretary Rubio and Minister Lavrov took place in Malaysia, on the sidelines of a "
    "larger international summit. This setting provided a neutral ground for what was described as a frank "
    "conversation."
)
CHINA = (
    "China's relationship with both Russia and Ukraine gives it a unique position to potentially mediate a peace "
    "agreement. However, China's own strategic interests in the region could complicate its role."
)
TRUMP = (
    "During the meeting, CNN reported that Secretary Rubio also conveyed President Trumps disappointment and "
    "frustration with the ongoing situation."
)


@pytest.fixture(scope="module")
def embed():
    return get_embedder(Settings.load(env={})).embed


@pytest.fixture(scope="module")
def sources(embed) -> list[citecheck.Source]:
    out = []
    for n, text in enumerate([MEETING, CHINA, TRUMP], start=1):
        spans = sentence_spans(text)
        out.append(citecheck.Source(n, text, spans, embed([text[a:b] for a, b in spans])))
    return out


def test_split_claims_reads_every_marker_form() -> None:
    claims = citecheck.split_claims(
        "They met in Malaysia [1]. China may mediate [2, 3]. Trump was frustrated. [Passage 3]"
    )
    assert claims == [("They met in Malaysia.", [1]), ("China may mediate.", [2, 3]), ("Trump was frustrated.", [3])]


def test_a_supported_sentence_keeps_its_marker(sources, embed) -> None:
    result = citecheck.check("Rubio and Lavrov met in Malaysia [1].", sources, embed)
    [claim] = result.claims
    assert claim.status == "supported" and claim.markers == [1]
    assert result.renumbered() == ("Rubio and Lavrov met in Malaysia. [1]", [1])
    assert MEETING.startswith(sources[0].text[slice(*sources[0].spans[claim.evidence[1]])])


def test_a_paraphrase_is_supported(sources, embed) -> None:
    result = citecheck.check("The talks took place in Malaysia [1].", sources, embed)
    assert result.claims[0].status == "supported"


def test_a_marker_pointing_at_no_passage_is_removed(sources, embed) -> None:
    result = citecheck.check("Rubio and Lavrov met in Malaysia [9].", sources, embed)
    assert result.removed == [9]
    text, order = result.renumbered()
    assert "[9]" not in text and order == [1]  # and the sentence got the passage that supports it


def test_a_sentence_supported_by_another_passage_is_corrected(sources, embed) -> None:
    result = citecheck.check(
        "Rubio and Lavrov met in Malaysia [1]. China could mediate a peace agreement [1].", sources, embed
    )
    assert [c.markers for c in result.claims] == [[1], [2]]
    assert len(result.corrected) == 1 and "China" in result.corrected[0]
    assert result.renumbered() == (
        "Rubio and Lavrov met in Malaysia. [1] China could mediate a peace agreement. [2]",
        [1, 2],
    )


def test_invented_and_off_topic_sentences_are_flagged(sources, embed) -> None:
    answer = (
        "Rubio and Lavrov met in Beijing [1]. The meeting lasted 14 hours [1]. "
        "The weather in Paris was sunny [2]. Trump was frustrated with the situation [3]."
    )
    result = citecheck.check(answer, sources, embed)
    assert result.unsupported == [
        "Rubio and Lavrov met in Beijing.",
        "The meeting lasted 14 hours.",
        "The weather in Paris was sunny.",
    ]
    assert [c.markers for c in result.claims] == [[], [], [], [3]]  # flagged sentences lose their markers
    assert citecheck.novel_terms("Rubio and Lavrov met in Beijing.", sources[0]) == ["Beijing"]
    assert citecheck.novel_terms("The meeting lasted 14 hours.", sources[0]) == ["14"]


def test_names_in_the_question_are_not_invented(sources, embed) -> None:
    # The question named Kuala Lumpur; the answer repeating it is not an invention, but the
    # passage still has to support the rest of the sentence.
    claim = "The meeting took place in Malaysia, at a summit in Kuala Lumpur [1]."
    assert citecheck.check(claim, sources, embed).claims[0].status == "unsupported"
    result = citecheck.check(claim, sources, embed, question="Did they meet at the summit in Kuala Lumpur?")
    assert result.claims[0].status == "supported"


def test_abstentions_are_not_claims(sources, embed) -> None:
    assert citecheck.abstains("The articles don't say.")
    assert citecheck.abstains("I don't know. The passages do not mention it.")
    assert not citecheck.abstains("Rubio and Lavrov met in Malaysia [1].")
    result = citecheck.check(
        "Rubio and Lavrov met in Malaysia [1]. The passages do not say what was agreed.", sources, embed
    )
    assert [c.status for c in result.claims] == ["supported", "meta"]
    assert result.unsupported == []


@pytest.mark.parametrize(
    ("claim", "n", "supported"),
    [
        ("Rubio and Lavrov met in Malaysia.", 1, True),
        ("The conversation was described as frank.", 1, True),
        ("China's strategic interests could complicate its role.", 2, True),
        ("China could help broker peace between Russia and Ukraine.", 2, True),
        ("Rubio conveyed President Trump's frustration.", 3, True),
        ("Rubio and Lavrov met in Malaysia.", 2, False),  # right fact, wrong passage
        ("China refused to take any role in the conflict.", 1, False),
        ("Lavrov conveyed Putin's frustration to Rubio.", 3, False),  # a name the passage never mentions
        ("The summit was held in 2019.", 1, False),
    ],
)
def test_calibrated_threshold_separates_examples(sources, embed, claim: str, n: int, supported: bool) -> None:
    src = sources[n - 1]
    vec = embed([claim])[0]
    score = citecheck.support_score(float((src.vectors @ vec).max()), citecheck.lexical_overlap(claim, src))
    assert (score >= citecheck.SUPPORT and not citecheck.novel_terms(claim, src)) is supported, score


def test_no_passages_means_nothing_is_supported(embed) -> None:
    empty = citecheck.Source(1, "", [], np.zeros((0, 384), dtype=np.float32))
    result = citecheck.check("Rubio and Lavrov met in Malaysia [1].", [empty], embed)
    assert result.unsupported == ["Rubio and Lavrov met in Malaysia."]


def test_uncited_sentences_get_a_marker_and_repeats_are_dropped(sources, embed) -> None:
    answer = (
        "Rubio and Lavrov met in Malaysia. Rubio and Lavrov met in Malaysia. China could mediate a peace agreement [1]."
    )
    result = citecheck.check(answer, sources, embed)
    assert result.repeated == 1 and result.added == 1 and len(result.corrected) == 1
    assert result.renumbered() == (
        "Rubio and Lavrov met in Malaysia. [1] China could mediate a peace agreement. [2]",
        [1, 2],
    )


def test_an_unfinished_last_sentence_is_dropped() -> None:
    assert (
        citecheck.drop_unfinished("They met in Malaysia [1]. China's role is also influenced by its role")
        == "They met in Malaysia [1]."
    )
    assert (
        citecheck.drop_unfinished("They met in Malaysia [1]. China may mediate [2].")
        == "They met in Malaysia [1]. China may mediate [2]."
    )
    assert citecheck.drop_unfinished("Only one unfinished sentence") == "Only one unfinished sentence"
