"""Yes/No verdicts for polar questions: given only when the evidence sentence settles the question in words."""

from __future__ import annotations

import pytest

from assistant import Filters
from assistant.answer.polar import is_polar, verdict

from .test_question_kinds import two_articles  # noqa: F401  (the fixture: the ferry and school-meals articles)

FERRY = "Port Caddon Launches Its First Electric Ferry After Two-Year Wait"


@pytest.mark.parametrize(
    ("question", "polar"),
    [
        ("did tesla ever marry?", True),
        ("Is the ferry electric?", True),
        ("and can I take my bike?", True),
        ("can you summarise the article?", False),  # a request
        ("could you tell me who built it?", False),
        ("was this a news report or an analysis?", False),  # a choice between two
        ("who built the ferry?", False),
    ],
)
def test_polar_questions(question: str, polar: bool) -> None:
    assert is_polar(question) is polar


@pytest.mark.parametrize(
    ("question", "sentence", "said"),
    [
        # a negation over a word the question asks about, in its clause
        ("did tesla ever marry?", "Tesla never married; he said his chastity was helpful.", "No."),
        (
            "does the ferry carry cars?",
            "The catamaran carries up to 148 passengers and 24 bicycles, but no cars.",
            "No.",
        ),
        (
            "will the foundation keep funding the pilot?",
            "The foundation has said it will not renew its funding.",
            "No.",
        ),
        ("were the districts picked at random?", "Districts were chosen by the council rather than at random.", "No."),
        # ... not over another clause's words, nor over a name
        ("did maths scores improve?", "Reading showed no change, but maths scores improved slightly.", ""),
        ("did tesla work for edison?", "Tesla, who did not like Edison, worked for him for a year.", ""),
        # every word of the question, no negation, no hedge
        ("did tesla work for edison?", "In 1882 Tesla began working for the Continental Edison Company.", "Yes."),
        (
            "was the ferry built in Norway?",
            "Gull Light was built by a shipyard in western Norway.",
            "Yes.",
        ),  # title word
        ("was the ferry built in Norway?", "Gull Light was built by a shipyard in western Sweden.", ""),
        # sharing the words is not being the thing; a reported or disputed claim settles nothing
        ("is oxygen a metal?", "Oxygen is used in the cutting of steels and other metals.", ""),
        # a passive question needs its participle: teachers who respect others are not said to be respected
        ("are teachers respected?", "Teachers are expected to respect their students.", ""),
        ("are teachers respected?", "Teachers are widely respected in Finland.", "Yes."),
        ("did tesla get a nobel prize?", "A Reuters report had the Nobel Prize awarded to Tesla; however, ...", ""),
        (
            "did rats spread the plague?",
            "Some have argued there is insufficient evidence that rats spread the plague.",
            "",
        ),
        ("didn't tesla marry?", "Tesla never married.", ""),  # a negated question: neither word reads right
        ("who built the ferry?", "Gull Light was built by Brekke Verft.", ""),
    ],
)
def test_verdicts(question: str, sentence: str, said: str) -> None:
    assert verdict(question, sentence, FERRY) == said


def test_a_polar_answer_opens_with_its_verdict_and_cites_the_evidence(two_articles) -> None:  # noqa: F811
    ferry = Filters(article_ids=["harbour-town-electric-ferry"])
    answer = two_articles.ask("does the ferry carry cars?", filters=ferry)
    assert answer.lead == "No." and answer.text.startswith("No. ")
    assert "no cars" in answer.citations[0].sentences[0]
    assert two_articles.ask("who built the ferry?", filters=ferry).lead not in ("Yes.", "No.")
    meals = Filters(article_ids=["brackenridge-free-school-meals-study"])
    assert two_articles.ask("was Mthembu involved in the study?", filters=meals).lead == "No."
