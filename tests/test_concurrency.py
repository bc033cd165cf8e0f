"""Many people at once: threads on one `Assistant`, chat sessions side by side, ingest while others ask,
and concurrent `gradio_client` sessions against the web UI served on 127.0.0.1.

Every request must be answered, with exactly the answer a lone request gets; no session may see another's
history; answers given while an ingest runs must stay valid. Bounded in count and time (timeouts only guard
against hangs; speed is measured by benchmarks/load.py).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
import pytest
from gradio_client import Client

from assistant import Assistant, Settings
from assistant.index.index import Index
from assistant.index.keyword import KeywordIndex
from assistant.models import Answer, Chunk

from .conftest import DATA, ROOT
from .test_crash import assert_consistent, keeper, manifest_counts, name, write_corpus
from .test_progress import ARTICLES, _write_corpus
from .test_ui_api import conversation, running_app

SEED_ID = "us-russia-dialogue-ukraine-peace-talks"
QUESTIONS = [
    "Where did Rubio and Lavrov meet?",
    "What is the significance of this meeting?",
    "What are the main obstacles to achieving a lasting peace agreement in Ukraine?",
    "Could China help mediate peace?",
    "Which outlet reported that Rubio conveyed Trump's frustration?",
    "What missiles were involved in the espionage case?",
    "Who wrote the article?",
    "What is the recipe for banana bread?",
]
CONVERSATIONS = [
    ["Where did Rubio and Lavrov meet?", "Why does it matter?", "What did they discuss?"],
    ["What role does China play?", "And Turkey?", "What about the Arctic?"],
    ["What stands in the way of a peace deal in Ukraine?", "Who said that?", "What happens next?"],
    ["What missiles were involved in the espionage case?", "Who was arrested?", "Where?"],
]
LIMIT = 600  # seconds: a bound against hangs, never a measured result


def key(answer: Answer) -> tuple:
    """What must not change between a lone request and the same request under load."""
    return (
        answer.text,
        answer.abstained,
        answer.query,
        [(c.n, c.article_id, c.start, c.end, tuple(c.sentences)) for c in answer.citations],
    )


def run_together(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Run each worker in its own thread, all released at once; the exceptions they raised."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def wrap(work: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=LIMIT)
            work()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(w,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=LIMIT)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return errors


def test_many_threads_on_one_assistant_get_the_lone_answers(seed: Assistant) -> None:
    expected = {q: key(seed.ask(q)) for q in QUESTIONS}
    cold = Assistant.from_settings(seed.settings)  # nothing opened yet: the threads race to open the index
    jobs = QUESTIONS * 5
    random.Random(8).shuffle(jobs)
    got: list[tuple[str, tuple]] = []

    def worker(mine: list[str]) -> Callable[[], None]:
        return lambda: got.extend((q, key(cold.ask(q))) for q in mine)

    errors = run_together([worker(jobs[i::8]) for i in range(8)])
    assert errors == []
    assert sorted(q for q, _ in got) == sorted(jobs)  # every request answered
    for q, answer in got:
        assert answer == expected[q], q


def test_chat_sessions_side_by_side_keep_their_own_history(seed: Assistant) -> None:
    def converse(chat_questions: list[str]) -> tuple[list[tuple], list[str]]:
        chat = seed.chat()
        answers = [key(chat.ask(q)) for q in chat_questions]
        return answers, chat.history

    expected = [converse(c) for c in CONVERSATIONS]
    results: dict[int, tuple[list[tuple], list[str]]] = {}

    def worker(i: int) -> Callable[[], None]:
        return lambda: results.__setitem__(i, converse(CONVERSATIONS[i % len(CONVERSATIONS)]))

    errors = run_together([worker(i) for i in range(8)])
    assert errors == []
    for i, (answers, history) in results.items():
        assert (answers, history) == expected[i % len(CONVERSATIONS)], f"session {i} saw another's turns"
    assert len(results) == 8


def test_ingest_and_remove_while_others_ask(seed_copy: Assistant, tmp_path: Path) -> None:
    """Questions keep getting valid answers while one thread ingests 46 articles and removes 20 of them."""
    assistant = seed_copy
    corpus = tmp_path / "more"
    shutil.copytree(DATA, corpus)
    lighthouses = write_corpus(corpus, range(40))
    assistant.ask(QUESTIONS[0])  # loads the model, so the askers start at once
    writing = threading.Event()
    answers: list[tuple[bool, str, Answer]] = []

    def ingester() -> None:
        writing.set()
        try:
            report = assistant.ingest([corpus], progress=False)
            assert len(report.added) == 46 and not report.failed
            assert sorted(assistant.remove(lighthouses[:20])) == lighthouses[:20]
        finally:
            writing.clear()

    def asker(questions: list[str]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(200):  # until the writer is done (a bound, in case it never starts)
                for q in questions:
                    answers.append((writing.is_set(), q, assistant.ask(q)))
                if not writing.is_set() and len(answers) > 10:
                    return

        return run

    errors = run_together([ingester, asker(QUESTIONS[:2]), asker(QUESTIONS[4:6]), asker(QUESTIONS[6:8])])
    assert errors == []
    assert sum(during for during, _, _ in answers) >= 3, "no question was asked while the ingest ran"
    allowed = {SEED_ID} | {i.id for i in assistant.articles()} | set(lighthouses[:20])
    for _, q, answer in answers:
        assert answer.text.strip()
        assert all(c.article_id in allowed and c.text for c in answer.citations)
        if q == QUESTIONS[0]:
            assert "Malaysia" in answer.text and answer.citations[0].article_id == SEED_ID
        if q == QUESTIONS[5]:
            assert "Neptune" in answer.text
    assert len(assert_consistent(assistant.index)) == 1 + 46 - 20
    answer = assistant.ask(f"Who is the keeper of the {name(33)} lighthouse?")
    assert keeper(33) in answer.text


def test_searches_during_a_keyword_rebuild_see_the_old_index_or_the_new(tmp_path: Path) -> None:
    """The BM25 rebuild at the end of every ingest or removal, while other threads search."""

    def chunks(n: int, tag: str) -> list[Chunk]:
        return [
            Chunk(
                id=f"{tag}{i:04}::0",
                article_id=f"{tag}{i:04}",
                title=f"Note {i}",
                section="",
                text=f"word{i} lighthouse keepers climb the tower {tag}",
                position=0,
                start=0,
                end=40,
            )
            for i in range(n)
        ]

    big, small = chunks(3000, "a"), chunks(300, "z")
    keyword = KeywordIndex(tmp_path / "bm25")
    keyword.build(big)
    stop = threading.Event()
    seen: list[tuple[str, ...]] = []

    def rebuild() -> None:
        for i in range(6):
            keyword.build(small if i % 2 == 0 else big)
        stop.set()

    def search() -> None:
        while not stop.is_set():
            seen.append(tuple(cid for cid, _ in keyword.search("word299 lighthouse", 3)))
            seen.append(tuple(cid for cid, _ in keyword.search("tower", 3, {c.id for c in big[:50] + small[:50]})))
            keyword.idf({"lighthous", "tower"})

    errors = run_together([rebuild, search, search, search])
    assert errors == []
    assert len(seen) > 10
    for ids in seen:  # each result comes from one whole index: all "a" chunks or all "z" chunks
        assert ids and len({cid[0] for cid in ids}) == 1, ids
    assert keyword.ids == [c.id for c in big] and KeywordIndex(tmp_path / "bm25").load()


@pytest.mark.slow
def test_concurrent_ui_clients_each_get_their_answers_and_their_own_history(
    seed: Assistant, seed_index_dir: Path, tmp_path: Path
) -> None:
    """8 gradio_client sessions x 3 questions at once against the app served on 127.0.0.1."""
    plans = [[QUESTIONS[(i + j) % len(QUESTIONS)] for j in range(3)] for i in range(8)]
    expected = []
    for plan in plans:  # what each conversation gets when it runs alone, through the Python API
        chat = seed.chat()
        expected.append([chat.ask(q).text for q in plan])

    with running_app(seed_index_dir, tmp_path) as (url, app):
        assert url.startswith("http://127.0.0.1:")
        clients = [Client(url, verbose=False, download_files=False, httpx_kwargs={"timeout": 120}) for _ in plans]
        got: dict[int, list[tuple[str, list]]] = {}

        def worker(i: int) -> Callable[[], None]:
            def run() -> None:
                got[i] = [tuple(clients[i].submit(question=q, api_name="/ask").result(timeout=LIMIT)) for q in plans[i]]

            return run

        errors = run_together([worker(i) for i in range(len(plans))])
        assert errors == []
        for i, plan in enumerate(plans):
            assert [text for text, _ in got[i]] == expected[i], f"client {i}"
            for text, citations in got[i]:
                assert all(f"[{c['n']}]" in text and c["article_id"] == SEED_ID for c in citations)
            assert conversation(app, clients[i]) == plan  # the server kept each client's own turns


def test_a_second_assistant_may_read_while_another_writes(seed_copy: Assistant) -> None:
    """Two Assistant objects on one folder (as the web UI and a CLI command would be): the reader stays valid."""
    reader = Assistant.from_settings(Settings.load(env={}, index_dir=seed_copy.settings.index_dir))
    assert "Malaysia" in reader.ask(QUESTIONS[0]).text
    assert seed_copy.remove([SEED_ID]) == [SEED_ID]
    answer = reader.ask(QUESTIONS[0])  # its keyword index still lists the removed chunks: they are dropped
    assert answer.abstained and answer.citations == []
    assert reader.articles() == []  # the reader sees the writer's change through the manifest


def _note(i: int, text: str) -> Chunk:
    return Chunk(
        id=f"a{i}::0", article_id=f"a{i}", title="Note", section="", text=text, position=0, start=0, end=len(text)
    )


NOTES = ["apple banana", "cherry lighthouse", "zebra quokka"]


@pytest.mark.parametrize("reload_first", [True, False], ids=["reload-then-build", "build-then-reload"])
def test_a_reload_racing_a_build_in_this_process_does_not_bring_the_old_index_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reload_first: bool
) -> None:
    """A search thread reloads the keyword index another process saved while this process's ingest builds a newer one.

    Events force each order: the reload reads the old files before the build starts, or after the build
    put its index in memory; either way the reload ends while the build is still saving (the window in
    which the files on disk are older than the index in memory).
    """
    folder = tmp_path / "bm25"
    running = KeywordIndex(folder)
    running.build([_note(0, NOTES[0])])
    KeywordIndex(folder).build([_note(i, t) for i, t in enumerate(NOTES[:2])])  # "another process"
    load, save = bm25s.BM25.load, bm25s.BM25.save
    loaded, finish_load, saving, finish_save = (threading.Event() for _ in range(4))

    def slow_load(*args: object, **kwargs: object) -> object:
        found = load(*args, **kwargs)
        loaded.set()
        assert finish_load.wait(LIMIT)
        return found

    def slow_save(self: object, *args: object, **kwargs: object) -> object:
        saving.set()
        assert finish_save.wait(LIMIT)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(bm25s.BM25, "load", slow_load)
    monkeypatch.setattr(bm25s.BM25, "save", slow_save)
    search = threading.Thread(target=running.refresh)
    build = threading.Thread(target=running.build, args=([_note(i, t) for i, t in enumerate(NOTES)],))
    if reload_first:
        search.start()
        assert loaded.wait(LIMIT)  # the reload has read the other process's files
        build.start()
        assert saving.wait(LIMIT)  # the build's index is in memory; its files are not saved yet
    else:
        build.start()
        assert saving.wait(LIMIT)
        search.start()
        assert loaded.wait(LIMIT)
    finish_load.set()
    search.join(LIMIT)
    assert running.ids == ["a0::0", "a1::0", "a2::0"]  # still the build's index, not the one the reload read
    finish_save.set()
    build.join(LIMIT)
    assert not search.is_alive() and not build.is_alive()
    assert running.ids == ["a0::0", "a1::0", "a2::0"]
    assert [cid for cid, _ in running.search("quokka", 3)] == ["a2::0"]
    assert running.refresh() and running.ids == ["a0::0", "a1::0", "a2::0"]


@pytest.mark.slow
def test_opening_the_index_while_another_process_ingests_loses_nothing(tmp_path: Path) -> None:
    """A UI start or `assistant ask` during an ingest must not roll back the articles being written.

    The ingest (in a thread here) is held right after it wrote a group's vectors, with those articles
    still pending in the manifest; meanwhile other processes open the index and answer. Once let go,
    the ingest finishes and every article is whole: nothing was rolled back under it.
    """
    corpus, folder = tmp_path / "corpus", tmp_path / "index"
    _write_corpus(corpus)
    writer = Assistant.from_settings(Settings.load(env={}, index_dir=folder))
    writer.ingest_articles([], progress=False)  # creates the index (reads never do), opened for writing
    store, add = writer.index.store, writer.index.store.add
    held, release, groups = threading.Event(), threading.Event(), []

    def add_then_hold(chunks: list[Chunk], vectors: object) -> None:
        add(chunks, vectors)
        groups.append(len(chunks))
        if len(groups) == 2:  # one group done, the second written and pending
            held.set()
            assert release.wait(LIMIT)

    store.add = add_then_hold  # type: ignore[method-assign]
    reports: list = []
    ingest = threading.Thread(target=lambda: reports.append(writer.ingest([corpus], progress=False)))
    ingest.start()
    try:
        assert held.wait(LIMIT)
        done, pending = manifest_counts(folder / "manifest.sqlite3")
        assert done > 0 and pending > 0
        env = {**os.environ, "PYTHONPATH": str(ROOT)}

        def other(*args: str) -> str:
            cmd = [sys.executable, "-m", "assistant", *args, "--index", str(folder), "--json"]
            run = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=LIMIT)
            assert run.returncode == 0, run.stderr[-2000:]
            return run.stdout

        assert len(json.loads(other("articles"))) == done  # only the finished articles are listed
        assert json.loads(other("ask", "What does the harbour market sell?"))["answer"]
        assert manifest_counts(folder / "manifest.sqlite3") == (done, pending)  # the pending group is still there
    finally:
        release.set()
        ingest.join(LIMIT)
    assert len(reports[0].added) == ARTICLES and reports[0].ok
    index = Index.open(Settings.load(env={}, index_dir=folder))
    assert len(assert_consistent(index)) == ARTICLES


@pytest.mark.slow
def test_two_ingests_into_one_folder_take_turns(tmp_path: Path) -> None:
    """A CLI ingest of the same folder, started while this process ingests, waits for the writer lock.

    This process's ingest is held inside its writer lock (its progress callback, after the first of ~10
    groups, waits) until the other process has said it is waiting: the order is forced, not hoped for.
    Had the other one gone ahead, it would have planned while most articles were not written yet and
    added them itself; taking turns, it finds every article already there.
    """
    corpus, folder = tmp_path / "corpus", tmp_path / "index"
    _write_corpus(corpus)
    log = tmp_path / "other.log"
    other: list[subprocess.Popen] = []
    seen_while_held: list[int] = []

    def hold(done: int, total: int, message: str) -> None:
        if other:
            return  # only the first group waits
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "assistant", "ingest", str(corpus), "--index", str(folder), "--json", "--quiet"]
        with log.open("wb") as err:
            other.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True))
        deadline = time.monotonic() + LIMIT  # a bound against hanging only
        while "waiting for it to finish" not in log.read_text(errors="replace"):
            assert other[0].poll() is None, log.read_text(errors="replace")  # it must wait, not fail
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)
        seen_while_held.append(len(writer.articles()))

    writer = Assistant.from_settings(Settings.load(env={}, index_dir=folder))
    report = writer.ingest([corpus], progress=hold)
    assert len(report.added) == ARTICLES and report.ok
    assert 0 < seen_while_held[0] < ARTICLES  # held after the first group, with most articles still to come
    out, _ = other[0].communicate(timeout=LIMIT)
    assert other[0].returncode == 0, log.read_text(errors="replace")
    theirs = json.loads(out)
    assert (theirs["added"], theirs["updated"], len(theirs["unchanged"])) == ([], [], ARTICLES)
    assert f"another process is writing to the index in {folder}; waiting for it to finish" in log.read_text()
    assert len(assert_consistent(Index.open(Settings.load(env={}, index_dir=folder)))) == ARTICLES
