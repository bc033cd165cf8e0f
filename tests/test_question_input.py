"""What arrives with a question: terminal escape sequences, relative dates in --since/--until, a
passage count of 0 from the web API, and a follow-up made of no known word ("zzqv")."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.answer.guards import UNCLEAR
from assistant.answer.retrieval import FilterError, Filters, parse_date
from assistant.cli.main import main
from assistant.text import clean_question
from assistant.ui.handlers import Handlers

TONE = "How was the tone of the meeting described?"


# --- terminal escapes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [
        "\x1b[31mHow was\x1b[0m the tone of the meeting described?",  # colours (CSI ... m)
        "\x1b[1;38;2;255;0;0mHow was the tone\x1b[m of the meeting described?",  # 24-bit colour, reset
        "\x1b]0;window title\x07How was the tone of the meeting described?",  # OSC set-title, BEL-terminated
        "\x1b]8;;http://x.test\x1b\\How was the tone\x1b]8;;\x1b\\ of the meeting described?",  # OSC 8 link, ST
        "\x1b(BHow was the tone of the meeting\x1b7 described?\x1b8",  # charset, save/restore cursor
        "\x9b31mHow was the tone of the meeting described?\x9b0m",  # 8-bit CSI
        "\x1b[2J\x1b[HHow was the tone of the meeting described?\x1b[K",  # clear screen, home, erase line
    ],
)
def test_whole_escape_sequences_are_removed(raw: str) -> None:
    text, notes = clean_question(raw, 500)
    assert text == TONE
    assert notes == ["control characters were removed from the question"]


def test_a_coloured_question_gets_the_plain_questions_answer(seed: Assistant) -> None:
    plain = seed.ask(TONE)
    coloured = seed.ask("\x1b[31mHow was\x1b[0m the tone of the meeting \x1b[1mdescribed\x1b[0m?")
    assert not plain.abstained and "professional" in plain.text
    assert coloured.query == TONE and coloured.text == plain.text
    assert "[31m" not in coloured.query and "[0m" not in coloured.text


def test_text_around_escapes_is_kept() -> None:
    assert clean_question("Rubio\x1b[0mLavrov", 500)[0] == "RubioLavrov"  # the escape was invisible: no space
    assert clean_question("a lone ESC \x1b at the end \x1b", 500)[0] == "a lone ESC at the end"
    assert clean_question("[31m is text here", 500) == ("[31m is text here", [])  # no ESC: nothing to remove


# --- dates -------------------------------------------------------------------------------------------------
def test_relative_and_partial_dates() -> None:
    today = date(2026, 3, 31)
    assert parse_date("yesterday", today=today) == "2026-03-30"
    assert parse_date(" Today ", today=today) == "2026-03-31"
    assert parse_date("3 days ago", today=today) == "2026-03-28"
    assert parse_date("a week ago", today=today) == parse_date("last week", today=today) == "2026-03-24"
    assert parse_date("1 month ago", today=today) == "2026-02-28"  # calendar months, not 30 days
    assert parse_date("2 years ago", today=today) == "2024-03-31"
    assert parse_date("2025-07", today=today) == "2025-07-01"
    assert parse_date("2025-07", end=True, today=today) == "2025-07-31"
    assert parse_date("2024", end=True, today=today) == "2024-12-31"
    for bad in ("yesterdy", "tomorrow", "next week", "2025-13-01", "9999-99-99", "3 fortnights ago", "5000 years ago"):
        with pytest.raises(FilterError, match=r"YYYY-MM-DD .*'yesterday', or 'N days ago'"):
            parse_date(bad, "--since")


def test_filters_refuse_an_unreadable_date_instead_of_filtering_everything_out() -> None:
    with pytest.raises(FilterError, match="--since \\(date_from\\): 'not a date' is not a date"):
        Filters(date_from="not a date")
    assert Filters(date_to="yesterday").date_to == (date.today() - timedelta(days=1)).isoformat()


@pytest.fixture
def dated_index(tmp_path: Path) -> Path:
    """Two articles: one dated yesterday, one dated a year ago."""
    corpus = tmp_path / "dated"
    corpus.mkdir()
    for name, when, body in (
        ("fresh", date.today() - timedelta(days=1), "The new harbour bridge opened to cyclists on Monday."),
        ("old", date.today() - timedelta(days=400), "The old harbour bridge closed to cyclists for repairs."),
    ):
        front = f"---\ntitle: {name.title()} bridge news\nauthor: A. Writer\ndate: {when.isoformat()}\n---\n\n"
        (corpus / f"{name}.md").write_text(front + f"# {name.title()} bridge news\n\n{body} It was a big day.\n")
    index = tmp_path / "dated-index"
    assert main(["ingest", str(corpus), "--index", str(index), "--quiet"]) == 0
    return index


def _cited(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, set[str]]:
    code = main(["ask", "What happened to the harbour bridge?", *args, "--json"])
    out = capsys.readouterr().out
    return code, {c["article_id"] for c in json.loads(out)["citations"]} if code == 0 else set()


def test_cli_since_yesterday_keeps_only_recent_articles(dated_index: Path, capsys: pytest.CaptureFixture) -> None:
    index = ["--index", str(dated_index)]
    assert _cited(capsys, *index, "--since", "yesterday") == (0, {"fresh"})
    assert _cited(capsys, *index, "--since", "3 days ago") == (0, {"fresh"})
    assert _cited(capsys, *index, "--until", "2 days ago") == (0, {"old"})
    assert _cited(capsys, *index, "--since", "2 years ago", "--until", "last month") == (0, {"old"})


def test_cli_refuses_a_date_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["ask", "What happened?", "--index", str(tmp_path / "nowhere"), "--since", "yesterdy"])
    err = capsys.readouterr().err
    assert code == 2 and "'yesterdy' is not a date" in err and "YYYY-MM-DD" in err and "N days ago" in err
    assert not (tmp_path / "nowhere").exists()  # refused before any index was opened


# --- the web API's passage count --------------------------------------------------------------------------
def test_ui_ask_refuses_zero_passages_like_the_cli(seed: Assistant, capsys: pytest.CaptureFixture) -> None:
    handlers = Handlers(seed)
    with pytest.raises(ValueError, match="top_k must be between 1 and 50, got 0"):
        handlers.api_ask(TONE, top_k=0)
    text, citations, _ = handlers.api_ask(TONE, top_k=None)  # not given: the settings' top_k
    assert citations and "professional" in text
    assert main(["ask", TONE, "--index", str(seed.settings.index_dir), "-k", "0"]) == 2
    assert "top_k" in capsys.readouterr().err


# --- gibberish follow-ups --------------------------------------------------------------------------------
def test_gibberish_follow_up_is_not_rewritten_with_the_previous_subject(seed: Assistant) -> None:
    chat = seed.chat()
    first = chat.ask("Who did Rubio meet?")
    assert "Lavrov" in first.text
    odd = chat.ask("zzqv")
    assert odd.abstained and odd.kind == UNCLEAR and "did not understand" in odd.text and "zzqv" in odd.text
    assert odd.text != first.text and not odd.citations and odd.query == "zzqv"  # not "zzqv (Rubio ...)"
    after = chat.ask("Where did they meet?")  # the conversation goes on from the turn before "zzqv"
    assert "Malaysia" in after.text and "Rubio" in after.query and "zzqv" not in after.query


@pytest.mark.parametrize("question", ["asdf qwerty?", "xyzzy plugh", "Zzqv-blorf!"])
def test_questions_of_no_known_word_are_not_understood(seed: Assistant, question: str) -> None:
    answer = seed.ask(question)
    assert answer.abstained and "did not understand" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "lavrov?",  # a word of the articles (not in the model's vocabulary)
        "Malaysia?",  # a word of the model's vocabulary
        "wher did thay meet",  # typos, but "did" is a common word: answered as well as it can be
        "2022?",  # numbers are not judged
        "鲁比奥和拉夫罗夫在哪里见面？",  # nor other scripts
    ],
)
def test_questions_with_a_known_word_are_tried(seed: Assistant, question: str) -> None:
    assert "did not understand" not in seed.ask(question).text


def test_gibberish_on_an_llm_backend_says_the_same(seed: Assistant) -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from .conftest import make_chain

    chain = make_chain(seed, FakeListChatModel(responses=["should not be asked"]))
    answer = chain.ask("zzqv") if hasattr(chain, "ask") else list(chain.stream("zzqv"))[-1]
    assert answer.abstained and "did not understand" in answer.text


def test_an_empty_index_says_to_ingest_before_judging_words(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    a = Assistant.from_settings(Settings.load(env={}, index_dir=tmp_path / "index"))
    a.ingest([empty], progress=False)  # creates the index, with no article in it
    answer = a.ask("zzqv")
    assert answer.abstained and "assistant ingest" in answer.text
