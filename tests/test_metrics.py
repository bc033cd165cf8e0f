"""Metric functions against hand-computed cases, edge cases included (empty answers, no gold, markers only)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.eval import metrics as m


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The  Malaysia, Summit!", "malaysia summit"),
        ("an apple a day", "apple day"),
        ("Theatre of the absurd", "theatre of absurd"),  # "the" only as a word
        ("", ""),
    ],
)
def test_normalize_follows_squad(text: str, expected: str) -> None:
    assert m.normalize(text) == expected


def test_strip_markers_removes_single_and_grouped_markers() -> None:
    assert m.strip_markers("They met in Malaysia [1]. It was frank [2, 3].") == "They met in Malaysia. It was frank."
    assert m.strip_markers("[1]") == ""
    assert m.strip_markers("Year [1999] stays? [4]") == "Year stays?"  # bracketed digits are markers too


def test_word_count_ignores_markers() -> None:
    assert m.word_count("They met in Malaysia. [1] [2]") == 4
    assert m.word_count("") == 0


def test_exact_match() -> None:
    assert m.exact_match("The Malaysia. [1]", ["Malaysia"]) == 1.0
    assert m.exact_match("In Malaysia [1]", ["Malaysia", "Kuala Lumpur"]) == 0.0
    assert m.exact_match("", ["Malaysia"]) == 0.0
    assert m.exact_match("Malaysia", []) is None  # no gold: not measurable


def test_token_f1_hand_computed() -> None:
    # prediction tokens: cat sat on mat (4); gold: cat on mat (3); 3 in common -> P 3/4, R 1, F1 6/7
    assert m.token_f1("The cat sat on the mat [1]", ["cat on the mat"]) == pytest.approx(6 / 7)
    # best of several gold answers
    assert m.token_f1("Malaysia", ["Kuala Lumpur", "Malaysia"]) == 1.0
    assert m.token_f1("", ["Malaysia"]) == 0.0
    assert m.token_f1("[1]", ["Malaysia"]) == 0.0  # only markers: an empty answer
    assert m.token_f1("anything", []) is None


def test_containment_matches_whole_words_after_normalisation() -> None:
    assert m.containment("They met in Kuala Lumpur, Malaysia. [1]", ["malaysia"]) == 1.0
    assert m.containment("Business as usual.", ["US"]) == 0.0  # "us" inside "business" is not the word
    assert m.containment("U.S. officials met.", ["US"]) == 1.0
    assert m.containment("a new era of Cold War-style competition", ["Cold War"]) == 1.0
    assert m.containment("", ["Malaysia"]) == 0.0
    assert m.containment("Malaysia", []) is None


def test_coverage_and_answer_support() -> None:
    passage = "Deep-seated mistrust between the parties and disagreements over territorial boundaries remain."
    assert m.supports_answer(passage, ["territorial boundaries"]) is True
    assert m.supports_answer(passage, ["Malaysia"]) is False
    # reference only: most of its content words must be in the passage
    assert m.supports_answer(passage, [], reference="Mistrust and territorial disagreements.") is True
    assert m.supports_answer(passage, [], reference="Oil prices and sanctions on banks.") is False
    assert m.supports_answer(passage, [], reference="") is None
    assert m.coverage("", passage) == 1.0


def test_cited_sentences_share_a_marker_group() -> None:
    text = "A one. B two. [1] C three. [2, 3] D four."
    assert m.cited_sentences(text) == [("A one.", [1]), ("B two.", [1]), ("C three.", [2, 3]), ("D four.", [])]
    assert m.cited_sentences("[1]") == []
    assert m.cited_sentences("") == []


def test_faithfulness_hand_computed() -> None:
    passages = {1: "A one. B two. Something else.", 2: "Unrelated text about the weather."}
    # A and B supported by [1]; C cites [2] which does not hold it; D cites nothing -> 2 of 4
    assert m.faithfulness("A one. B two. [1] C three. [2] D four.", passages) == 0.5
    assert m.faithfulness("A one. [7]", passages) == 0.0  # a marker with no citation behind it
    assert m.faithfulness("[1]", passages) is None  # no sentences to check
    assert m.faithfulness("", passages) is None
    # a paraphrase keeping most content words counts as supported
    passages = {1: "The meeting took place in Malaysia on the sidelines of a summit."}
    assert m.faithfulness("The meeting took place in Malaysia at a summit. [1]", passages) == 1.0


def test_retrieval_ranks() -> None:
    hits = [False, True, False]
    assert (m.hit_at(hits, 1), m.hit_at(hits, 3), m.hit_at(hits, 5)) == (0.0, 1.0, 1.0)
    assert m.reciprocal_rank(hits) == 0.5
    assert m.reciprocal_rank([False] * 5) == 0.0
    assert m.hit_at([], 5) == 0.0 and m.reciprocal_rank([]) == 0.0
    assert m.spans_overlap(0, 10, 9, 20) and not m.spans_overlap(0, 10, 10, 20)


def test_mean_skips_none_and_percentile_matches_numpy() -> None:
    assert m.mean([1.0, None, 0.0, True]) == pytest.approx(2 / 3)
    assert m.mean([None, None]) is None
    values = [120.0, 80.0, 400.0, 95.0, 101.0]
    for q in (50, 95):
        assert m.percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    assert m.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert m.percentile([], 50) is None


@pytest.mark.parametrize(
    ("reply", "correct", "score"),
    [
        ('{"correct": true, "score": 0.9, "reason": "same facts"}', True, 0.9),
        ('Sure!\n```json\n{"correct": "no", "score": 0.1}\n```', False, 0.1),
        ('{"correct": false}', False, 0.0),
        ('{"correct": true, "score": 7}', True, 1.0),  # clipped to 0..1
        ("The answer matches.\nVERDICT: correct", True, 1.0),
    ],
)
def test_parse_judge_reads_json_and_verdict_lines(reply: str, correct: bool, score: float) -> None:
    verdict = m.parse_judge(reply)
    assert verdict["correct"] is correct and verdict["score"] == score


@pytest.mark.parametrize("reply", ["I think it is fine.", '{"correct": "maybe"}', "", '{"score": 1}'])
def test_parse_judge_rejects_replies_without_a_verdict(reply: str) -> None:
    with pytest.raises(ValueError, match="unparseable judge reply"):
        m.parse_judge(reply)
