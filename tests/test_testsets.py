"""Test-set loaders (JSON Lines, CSV, JSON list, SQuAD v1.1/v2.0), their errors, and the shipped seed set."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from assistant.eval.metrics import contains_answer
from assistant.eval.testsets import (
    TestSetError,
    corpus_from_testset,
    load_testset,
    read_squad,
    sample,
    squad_articles,
    squad_cases,
)
from assistant.ingest.articles import parse_file

from .conftest import ROOT, SEED, SQUAD

SEED_SET = ROOT / "evals" / "seed.jsonl"

SQUAD_MINI = {
    "version": "v2.0",
    "data": [
        {
            "title": "Blue_Lake",
            "paragraphs": [
                {
                    "context": "Blue Lake lies in the Alps.  It is   deep.",
                    "qas": [
                        {
                            "id": "b1",
                            "question": "Where is Blue Lake?",
                            "answers": [
                                {"text": "the Alps", "answer_start": 18},
                                {"text": "the Alps", "answer_start": 18},
                                {"text": "Alps", "answer_start": 22},
                            ],
                        }
                    ],
                },
                {
                    "context": "Its water is cold all year.",
                    "qas": [
                        {
                            "id": "b2",
                            "question": "How warm is the water?",
                            "answers": [{"text": "cold", "answer_start": 13}],
                        },
                        {"id": "b3", "question": "Who owns the lake?", "answers": [], "is_impossible": True},
                    ],
                },
            ],
        },
        {
            "title": "Red_Hill",
            "paragraphs": [
                {
                    "context": "Red Hill is 300 metres high.",
                    "qas": [
                        {
                            "id": "r1",
                            "question": "How high is Red Hill?",
                            "answers": [{"text": "300 metres", "answer_start": 12}],
                        }
                    ],
                },
            ],
        },
    ],
}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_fields(tmp_path: Path) -> None:
    rows = [
        {
            "id": "a",
            "question": "Where did they meet?",
            "answers": ["Malaysia"],
            "reference": "In Malaysia.",
            "article_id": "x",
            "history": ["Who did Rubio meet?"],
            "tags": ["followup"],
        },
        {"question": "What is the capital of France?", "answerable": False},
        {"question": "Which source?", "answers": "one string", "source": "corpus/a.txt", "answerable": "yes"},
    ]
    path = write(tmp_path / "t.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    a, b, c = load_testset(path)
    assert (a.id, a.answers, a.reference, a.article_id, a.history, a.tags) == (
        "a",
        ["Malaysia"],
        "In Malaysia.",
        "x",
        ["Who did Rubio meet?"],
        ["followup"],
    )
    assert b.id == "q2" and b.answerable is False and b.answers == [] and not b.has_gold
    assert c.answers == ["one string"] and c.source == "corpus/a.txt" and c.answerable is True


def test_csv_with_lists_and_flags(tmp_path: Path) -> None:
    text = (
        "id,question,answers,answerable,history,tags\n"
        'c1,"Where, exactly?",Malaysia|Kuala Lumpur,true,Who did Rubio meet?,fact|followup\n'
        "c2,Capital of France?,,no,,\n"
        'c3,JSON cell?,"[""a|b"", ""c""]",,,\n'
    )
    c1, c2, c3 = load_testset(write(tmp_path / "t.csv", text))
    assert c1.question == "Where, exactly?" and c1.answers == ["Malaysia", "Kuala Lumpur"]
    assert c1.history == ["Who did Rubio meet?"] and c1.tags == ["fact", "followup"]
    assert c2.answerable is False and c2.answers == []
    assert c3.answers == ["a|b", "c"] and c3.answerable is True  # empty cell keeps the default


def test_json_list(tmp_path: Path) -> None:
    cases = load_testset(write(tmp_path / "t.json", json.dumps([{"question": "Q?", "answers": ["A"]}])))
    assert [(c.id, c.question, c.answers) for c in cases] == [("q1", "Q?", ["A"])]


def test_squad_v2_cases_point_at_their_paragraph(tmp_path: Path) -> None:
    path = write(tmp_path / "mini.json", json.dumps(SQUAD_MINI))
    cases = {c.id: c for c in load_testset(path)}
    articles = {a.id: a for a in squad_articles(read_squad(path))}
    assert set(articles) == {"blue-lake", "red-hill"} and articles["blue-lake"].title == "Blue Lake"
    b1 = cases["b1"]
    assert b1.article_id == "blue-lake" and b1.answers == ["the Alps", "Alps"]  # duplicates dropped
    assert articles["blue-lake"].text[b1.gold_start : b1.gold_end] == "Blue Lake lies in the Alps. It is deep."
    assert articles["blue-lake"].text[cases["b2"].gold_start : cases["b2"].gold_end] == "Its water is cold all year."
    assert cases["b3"].answerable is False and cases["b3"].answers == []
    assert cases["r1"].tags == ["Red Hill"]
    assert [a.id for a in corpus_from_testset(path)] == ["blue-lake", "red-hill"]


def test_shared_squad_slice_loads() -> None:
    data = read_squad(SQUAD)
    cases = squad_cases(data)
    assert len(squad_articles(data)) == 16 and len(cases) == 4253
    assert all(c.answerable and c.answers and c.gold_end > c.gold_start >= 0 for c in cases)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.jsonl", '{"question": "ok"}\n{"question": \n', r"bad\.jsonl:2: not valid JSON"),
        (
            "noq.jsonl",
            '{"question": "ok"}\n\n{"answers": ["x"]}\n',
            r"noq\.jsonl:3: expected an object with a non-empty 'question'",
        ),
        ("list.jsonl", '["not", "an", "object"]\n', r"list\.jsonl:1: expected an object"),
        (
            "ans.jsonl",
            '{"question": "q", "answers": {"a": 1}}\n',
            r"ans\.jsonl:1: 'answers' must be a string or a list",
        ),
        (
            "flag.jsonl",
            '{"question": "q", "answerable": "maybe"}\n',
            r"flag\.jsonl:1: 'answerable' must be true or false",
        ),
        ("typo.jsonl", '{"question": "q", "answer": "x"}\n', r"typo\.jsonl:1: unknown field 'answer'.*'answers'"),
        (
            "dup.jsonl",
            '{"id": "a", "question": "q"}\n{"id": "a", "question": "r"}\n',
            r"question 2 repeats the id 'a' of question 1",
        ),
        ("empty.jsonl", "\n\n", r"holds no questions"),
        (
            "bad.csv",
            "id,question,answerable\nx,Q?,true\ny,R?,perhaps\n",
            r"bad\.csv:3: 'answerable' must be true or false",
        ),
        ("nocol.csv", "id,prompt\nx,Q?\n", r"nocol\.csv:1: the header has no 'question' column"),
        ("odd.json", '{"questions": []}', r"expected SQuAD JSON"),
        (
            "broken.json",
            '{"data": [{"title": "T", "paragraphs": [{"qas": []}]}]}',
            r"broken\.json: not valid SQuAD JSON",
        ),
    ],
)
def test_bad_files_name_the_file_and_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(TestSetError, match=message):
        load_testset(write(tmp_path / name, text))


def test_missing_file_and_corpus_from_a_non_squad_set(tmp_path: Path) -> None:
    with pytest.raises(TestSetError, match="does not exist"):
        load_testset(tmp_path / "nope.jsonl")
    with pytest.raises(TestSetError, match="only SQuAD JSON test sets carry their articles"):
        corpus_from_testset(write(tmp_path / "t.jsonl", '{"question": "q"}\n'))
    with pytest.raises(TestSetError, match="no 'data' list"):
        read_squad(write(tmp_path / "x.json", "[]"))


def test_sample_is_seeded() -> None:
    cases = squad_cases(read_squad(SQUAD))
    first, again, other = sample(cases, 20, seed=1), sample(cases, 20, seed=1), sample(cases, 20, seed=2)
    assert [c.id for c in first] == [c.id for c in again] != [c.id for c in other]
    assert sample(cases[:3], 10) == cases[:3]


def test_shipped_seed_set_is_complete_and_true_to_the_article() -> None:
    cases = load_testset(SEED_SET)
    article = parse_file(SEED)[0]
    assert len(cases) >= 30
    assert sum(not c.answerable for c in cases) >= 6
    assert sum(bool(c.history) for c in cases) >= 3
    assert {"faq", "paraphrase", "fact", "followup", "unanswerable"} <= {t for c in cases for t in c.tags}
    for heading in ("introduction", "meeting", "geopolitics", "beyond", "conclusion"):
        assert any(heading in c.tags for c in cases), heading
    faq = {f.question for f in article.faq}
    assert faq <= {c.question for c in cases}  # every FAQ question, verbatim
    for c in cases:
        if c.answerable:
            assert c.answers and c.article_id == article.id, c.id
            # a gold answer the article does not contain could never be matched; metadata lives outside the text
            text = article.text + " " + article.author
            assert all(contains_answer(text, [a]) for a in c.answers), c.id
        else:
            assert not c.answers, c.id


@pytest.mark.parametrize("folder", ["natural", "paraphrase", "conversations"])
def test_shipped_question_sets_quote_their_articles(folder: str) -> None:
    """Every expected answer of the shipped sets is its article's own words (the shipped article, the natural
    set's articles, or the SQuAD slice's), so a right reply can contain it; a chat's turns come in order, each
    after the turns before it."""
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "corpus").glob("*.txt")}
    texts |= {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "evals/natural/articles").glob("*.txt")}
    texts |= {a.id: a.text for a in squad_articles(read_squad(SQUAD))}
    for path in sorted((ROOT / "evals" / folder).glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert rows
        for row in rows:
            text = texts[row["article_id"]].lower()
            for answer in row.get("answers") or row.get("keys") or []:
                assert answer.lower() in text, (path.name, row["id"], answer)
        if folder == "conversations":
            assert not rows[0]["history"]
            for before, row in itertools.pairwise(rows):
                assert row["history"] in ([], [*before["history"], before["question"]]), row["id"]
