"""The evaluation harness on people's questions: summaries and lists scored by their key facts, follow-ups
asked in a real chat after their turns, pass rates per kind of question, and `--focus` on the article's page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.cli.main import main
from assistant.eval.metrics import keys_held
from assistant.eval.run import evaluate
from assistant.eval.testsets import TestSetError, load_testset

SEED_ID = "us-russia-dialogue-ukraine-peace-talks"
ROWS = [
    {
        "id": "sum",
        "kind": "summary",
        "question": "What's the gist of this piece?",
        "keys": ["Rubio", "Lavrov", "Malaysia", "kangaroo"],
        "min_keys": 2,
    },
    {"id": "sum-strict", "kind": "summary", "question": "Summarize the article", "keys": ["kangaroo", "Rubio"]},
    {
        "id": "fu",
        "kind": "followup",
        "turns": ["Who did Rubio meet?", "Where did they meet?"],
        "answers": ["Malaysia"],
    },
    {
        "id": "who",
        "kind": "meta",
        "question": "Who wrote this piece?",
        "article_id": SEED_ID,
        "answers": ["Emily Carter"],
    },
]


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_keys_turns_and_kinds_are_read(tmp_path: Path) -> None:
    cases = {c.id: c for c in load_testset(_write(tmp_path, ROWS))}
    assert (cases["sum"].kind, cases["sum"].keys, cases["sum"].min_keys) == (
        "summary",
        ["Rubio", "Lavrov", "Malaysia", "kangaroo"],
        2,
    )
    assert cases["sum-strict"].min_keys == 2  # without min_keys: all of them
    assert (cases["fu"].history, cases["fu"].question) == (["Who did Rubio meet?"], "Where did they meet?")


@pytest.mark.parametrize("min_keys", [0, 5, "two"])
def test_a_bad_min_keys_is_refused_by_line(tmp_path: Path, min_keys: object) -> None:
    path = _write(tmp_path, [{"question": "Sum it up", "keys": ["a", "b", "c", "d"], "min_keys": min_keys}])
    with pytest.raises(TestSetError, match=r"set\.jsonl:1: 'min_keys'"):
        load_testset(path)


def test_keys_match_whole_words_or_word_starts() -> None:
    text = "He was excommunicated [1] after the Diet of Worms."
    assert keys_held(text, ["excommunicat", "Diet of Worms", "Theses", "iet"]) == 2


def test_summaries_are_scored_by_their_keys_and_followups_in_a_chat(seed: Assistant, tmp_path: Path) -> None:
    report = evaluate(seed, load_testset(_write(tmp_path, ROWS)), progress=False)
    by_id = {r.id: r for r in report.records}
    assert by_id["sum"].verdict == "correct"  # 3 of the 4 keys are in the summary; 2 are needed
    assert by_id["sum-strict"].verdict == "incorrect"  # "kangaroo" is not in the article
    assert by_id["sum"].scores["containment"] == 1.0 and by_id["sum-strict"].scores["containment"] == 0.0
    # the follow-up was asked after its first turn, in a chat that passes the last answer on: Lavrov is a name
    # of the first answer only
    assert "Lavrov" in by_id["fu"].query and by_id["fu"].verdict == "correct"
    assert report.summary["by_kind"] == {"followup": 1.0, "meta": 1.0, "summary": 0.5}


def test_cli_focus_asks_on_the_articles_page(
    seed_index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = _write(tmp_path, ROWS)
    code = main(
        ["eval", str(path), "--index", str(seed_index_dir), "--out", str(tmp_path / "run"), "--focus", "--quiet"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "pass rate by kind:" in out and "meta 1.000" in out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["focus"] is True and summary["metrics"]["by_kind"]["meta"] == 1.0
    report_md = (tmp_path / "run" / "summary.md").read_text(encoding="utf-8")
    assert "| summary | 0.500 |" in report_md
