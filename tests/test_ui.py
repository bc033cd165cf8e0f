"""The web UI built without launching: its structure, and its handlers called directly.

Real parts throughout: the seed index (MiniLM + Chroma in tmp_path), real files uploaded and
ingested, real exports written and read back.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import gradio as gr
import pytest
from gradio.data_classes import FileData

from assistant import Assistant
from assistant.errors import AssistantError
from assistant.models import Answer, Citation
from assistant.ui.app import build_app
from assistant.ui.handlers import Handlers
from assistant.ui.launch import auth_from_env
from assistant.ui.render import render_answer, render_sources
from assistant.ui.uploads import safe_name

from .conftest import DATA

SEED_ID = "us-russia-dialogue-ukraine-peace-talks"
# A question of the seed article's own FAQ: answered with citations whatever the thresholds.
SEED_QUESTION = "What is the significance of this meeting?"
VAULT_QUESTION = "Why build a seed vault in the Alps?"


@pytest.fixture
def app(seed_copy: Assistant) -> gr.Blocks:
    return build_app(seed_copy)


@pytest.fixture
def h(app: gr.Blocks) -> Handlers:
    return app.handlers  # type: ignore[attr-defined]


def ask(h: Handlers, question: str, session=None, history=None, **kwargs):
    """Run the chat handler to the end; the list of every update it streamed."""
    return list(h.chat(question, history or [], session, **kwargs))


# --- structure ------------------------------------------------------------------------------


def test_app_builds_with_chat_sources_articles_and_upload(app: gr.Blocks) -> None:
    ids = {getattr(b, "elem_id", None) for b in app.blocks.values()}
    assert {
        "chat",
        "question",
        "ask",
        "sources-panel",
        "articles-table",
        "upload",
        "article-filter",
        "tag-filter",
        "backend",
        "top-k",
        "clear",
        "export-md",
        "export-json",
        "remove-pick",
    } <= ids
    assert not app.is_running


def test_ask_and_clear_are_public_api_and_the_page_events_are_not(app: gr.Blocks) -> None:
    endpoints = app.get_api_info()["named_endpoints"]
    assert {"/ask", "/clear"} <= set(endpoints)
    assert not [e for e in endpoints if e.startswith("/ui_")]
    names = [p["parameter_name"] for p in endpoints["/ask"]["parameters"]]
    assert names == ["question", "article_ids", "tags", "top_k"]


# --- chat -----------------------------------------------------------------------------------


def test_ask_streams_an_answer_whose_citations_link_to_the_sources_panel(h: Handlers) -> None:
    updates = ask(h, SEED_QUESTION)
    assert len(updates) >= 3  # the question at once, then the answer in pieces, then the final answer
    assert updates[0][0] == "" and all(u[0] == gr.skip() for u in updates[1:])  # typing ahead is not wiped
    assert all(u[3] == gr.skip() for u in updates[:-1])  # the panel is redrawn once, for the final answer
    _, history, session, sources = updates[-1]
    assert [m["role"] for m in history] == ["user", "assistant"]
    final = history[-1]["content"]
    assert 'class="answer answered"' in final
    assert 'class="cite" href="#src-1-1"' in final
    assert len(session.turns) == 1 and session.turns[0].citations
    first = session.turns[0].citations[0]
    assert 'id="src-1-1"' in sources and "<mark>" in sources
    assert first.title in sources
    assert "streaming" in updates[1][1][-1]["content"]  # partial text shown before the answer completed


def test_empty_message_is_ignored(h: Handlers) -> None:
    _, history, session, _ = ask(h, SEED_QUESTION)[-1]
    updates = ask(h, "   \n ", session=session, history=history)
    assert updates == [(gr.skip(),) * 4]  # textbox, chat, session and sources all left as they were
    assert len(session.turns) == 1


def test_a_failing_request_becomes_a_message_and_the_next_one_is_answered(h: Handlers) -> None:
    _, history, session, _ = ask(h, SEED_QUESTION, backend="no-such-backend")[-1]
    assert "Something went wrong" in history[-1]["content"]
    assert "no-such-backend" in history[-1]["content"]
    _, history, session, _ = ask(h, SEED_QUESTION, session=session, history=history)[-1]
    assert 'class="cite"' in history[-1]["content"] and len(history) == 4


def test_two_sessions_do_not_share_history(h: Handlers) -> None:
    _, _, alice, _ = ask(h, SEED_QUESTION)[-1]
    _, _, bob, _ = ask(h, "What are the main obstacles to achieving a lasting peace agreement in Ukraine?")[-1]
    assert alice is not bob
    assert [t.question for t in alice.turns] == [SEED_QUESTION]
    assert len(bob.turns) == 1 and bob.turns[0].question != SEED_QUESTION
    history, alice, sources = h.clear(alice)
    assert history == [] and alice.turns == [] and "src-card" not in sources
    assert len(bob.turns) == 1


def test_filters_limit_answers_to_the_chosen_articles(h: Handlers, seed_copy: Assistant) -> None:
    seed_copy.ingest([DATA / "alpine-seed-vault.md"], progress=False)
    _, _, session, _ = ask(h, VAULT_QUESTION)[-1]
    assert {c.article_id for c in session.turns[-1].citations} == {"alpine-seed-vault"}
    _, _, session, _ = ask(h, VAULT_QUESTION, article_ids=[SEED_ID])[-1]
    assert {c.article_id for c in session.turns[-1].citations} <= {SEED_ID}
    _, _, session, _ = ask(h, VAULT_QUESTION, tags=["Biodiversity"], k=2)[-1]
    assert {c.article_id for c in session.turns[-1].citations} == {"alpine-seed-vault"}


def test_examples_are_the_faq_questions(h: Handlers, seed_copy: Assistant) -> None:
    assert SEED_QUESTION in h.examples()
    seed_copy.ingest([DATA / "alpine-seed-vault.md"], progress=False)
    examples = h.examples()
    assert any("vault" in q for q in examples[:2])  # articles take turns, so a new one shows at once
    assert len(examples) <= 6


# --- export ---------------------------------------------------------------------------------


def test_export_markdown_and_json_carry_the_citations(h: Handlers) -> None:
    assert h.export(None, "markdown") is None
    _, _, session, _ = ask(h, SEED_QUESTION)[-1]
    answer = session.turns[0]
    md = Path(h.export(session, "markdown")).read_text(encoding="utf-8")
    assert f"## 1. {SEED_QUESTION}" in md and answer.text in md
    assert "**Sources**" in md and answer.citations[0].title in md
    assert f"used: “{answer.citations[0].sentences[0]}”" in md
    data = json.loads(Path(h.export(session, "json")).read_text(encoding="utf-8"))
    turn = data["turns"][0]
    assert turn["question"] == SEED_QUESTION and turn["answer"] == answer.text
    assert turn["citations"][0]["text"] == answer.citations[0].text


# --- articles -------------------------------------------------------------------------------


def test_upload_gives_a_result_per_file(h: Handlers, tmp_path: Path) -> None:
    good = shutil.copy(DATA / "alpine-seed-vault.md", tmp_path / "alpine-seed-vault.md")
    doc = tmp_path / "report.doc"  # old Word: not a supported type
    doc.write_bytes(b"\xd0\xcf\x11\xe0 not an article")
    big = tmp_path / "huge.txt"
    big.write_bytes(b"word " * (int(h.assistant.settings.max_upload_mb * 2**20) // 5 + 10))
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    pdf = tmp_path / "report.pdf"  # a supported type, but not a PDF inside
    pdf.write_bytes(b"%PDF-1.4 not an article")
    results = h.upload([str(good), str(doc), str(big), str(empty), str(broken), str(pdf)])
    names = ["alpine-seed-vault.md", "report.doc", "huge.txt", "empty.md", "broken.json", "report.pdf"]
    assert [r.name for r in results] == names
    assert [r.status for r in results] == ["added", "refused", "refused", "refused", "failed", "failed"]
    assert results[0].articles == ["Alpine Seed Vault Opens Above Valmora"]
    assert "unsupported file type '.doc'" in results[1].detail
    assert results[5].detail.startswith("not a readable PDF")
    assert "upload limit" in results[2].detail
    assert "empty" in results[3].detail
    assert results[4].detail  # the parser's reason
    assert "alpine-seed-vault" in {a.id for a in h.articles()}
    assert [r.status for r in h.upload([str(good)])] == ["unchanged"]
    Path(good).write_text(
        Path(good).read_text(encoding="utf-8") + "\nOne more line about the vault.\n", encoding="utf-8"
    )
    assert [r.status for r in h.upload([str(good)])] == ["updated"]


def test_an_uploaded_article_is_answered_from(h: Handlers) -> None:
    h.upload([str(DATA / "alpine-seed-vault.md")])
    _, _, session, sources = ask(h, VAULT_QUESTION)[-1]
    assert session.turns[0].citations[0].article_id == "alpine-seed-vault"
    assert "alpine-seed-vault.md" in sources


def test_an_upload_name_cannot_escape_the_upload_folder(h: Handlers, tmp_path: Path) -> None:
    upload_dir = Path(h.assistant.settings.upload_dir).resolve()
    src = shutil.copy(DATA / "alpine-seed-vault.md", tmp_path / "upload.tmp")
    [result] = h.upload([FileData(path=str(src), orig_name="../../evil.md")])
    assert result.status == "added"
    stored = Path(result.stored)
    assert stored.parent == upload_dir and stored.name == "evil.md"
    assert not (upload_dir.parent.parent / "evil.md").exists() and not (upload_dir.parent / "evil.md").exists()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../evil.md", "evil.md"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("/etc/passwd", "passwd"),
        ("..", "upload"),
        (".hidden.md", "hidden.md"),
        ("a b/c:d*e?.txt", "c_d_e.txt"),
        ("résumé 2024.md", "résumé 2024.md"),
    ],
)
def test_safe_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_remove_an_article(h: Handlers) -> None:
    assert h.remove([]) == "Pick one or more articles to remove first."
    assert h.remove([SEED_ID]).startswith("Removed “US-Russia Dialogue: Ukraine Peace Talks on the Horizon?”.")
    assert h.remove([SEED_ID]) == "Those articles were not in the index (already removed?)."
    assert h.articles() == []
    _, history, _, _ = ask(h, SEED_QUESTION)[-1]
    assert "abstained" in history[-1]["content"]  # "no articles yet" is an answer, not a crash


# --- rendering ------------------------------------------------------------------------------


def _citation(**kw) -> Citation:
    base = dict(
        n=1,
        article_id="a",
        title="T <b>",
        section="S",
        text="First one. <script>x()</script> Used here.",
        start=100,
        end=142,
        sentences=["Used here."],
        sentence_spans=[(132, 142)],
    )
    return Citation(**{**base, **kw})


def test_answer_html_escapes_article_text_and_marks_unsupported_sentences() -> None:
    answer = Answer(
        text="Claim <img src=x>. Made up [2]. Backed [1].",
        citations=[_citation()],
        question="q?",
        query="q?",
        unsupported=["Made up [2]."],
    )
    html = render_answer(answer, 3)
    assert "<img" not in html and "&lt;img src=x&gt;" in html
    assert '<span class="unsupported"' in html and "[2]" in html  # a marker without a citation stays plain
    assert 'href="#src-3-1"' in html and 'title="T &lt;b&gt; — S"' in html


def test_abstentions_look_different() -> None:
    html = render_answer(Answer.abstention("q?", text="The articles do not say."), 1)
    assert 'class="answer abstained"' in html and "Not found in the articles" in html


def test_sources_highlight_the_used_sentence_and_escape_the_passage() -> None:
    turn = Answer(text="Used here. [1]", citations=[_citation()], question="q?", query="q?")
    html = render_sources([turn, turn])
    assert "<mark>Used here.</mark>" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert 'class="src-turn active" data-turn="2"' in html and 'class="src-turn" data-turn="1"' in html


# --- serving --------------------------------------------------------------------------------


def test_login_comes_from_the_environment() -> None:
    assert auth_from_env({}) is None
    assert auth_from_env({"ASSISTANT_UI_USERNAME": "ann", "ASSISTANT_UI_PASSWORD": "pw"}) == ("ann", "pw")
    with pytest.raises(AssistantError, match="ASSISTANT_UI_PASSWORD"):
        auth_from_env({"ASSISTANT_UI_USERNAME": "ann"})


def test_serve_command_is_registered() -> None:
    from assistant.cli.main import build_parser

    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8123", "--index", "idx"])
    assert (args.command, args.host, args.port, args.index_dir, args.share, args.ingest) == (
        "serve",
        "0.0.0.0",
        8123,
        "idx",
        False,
        False,  # `assistant serve` only reads the index; `--ingest` brings it up to date first
    )


# --- daily use ------------------------------------------------------------------------------


def test_after_a_not_found_reply_the_sources_panel_shows_no_older_sources() -> None:
    cited = Answer(text="Used here. [1]", citations=[_citation()], question="first?", query="first?")
    html = render_sources([cited, Answer.abstention("second?")])
    assert 'class="src-turn active" data-turn="2"' in html and "No passages" in html and "second?" in html
    assert 'class="src-turn" data-turn="1"' in html  # kept, hidden, for a click on the first answer's [1]


def test_each_answer_names_its_backend(h: Handlers) -> None:
    *_, (_, history, _, _) = ask(h, "Who did Rubio meet?")
    assert "answered by extractive (no LLM)" in history[-1]["content"]
    assert "answered by openai · gpt-x" in render_answer(Answer(text="x", backend="openai"), 1, "openai · gpt-x")


def test_removing_asks_which_articles_first(h: Handlers) -> None:
    assert h.remove_question([]) is None
    question = h.remove_question([SEED_ID])
    assert question and "“US-Russia Dialogue: Ukraine Peace Talks on the Horizon?”" in question
    assert h.articles()  # asking removed nothing


# `assistant serve --host/--port/--no-ingest` and `python app.py`, run as a user runs them: tests/test_serve.py.
