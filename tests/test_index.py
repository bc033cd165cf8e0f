"""Ingestion into a real Chroma with the real MiniLM model: incremental, consistent, forgiving."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.errors import StoreError
from assistant.index.index import Index

from .conftest import ROOT, SEED


def _consistent(index: Index) -> int:
    """Assert Chroma, the keyword index and the manifest hold the same chunks; return how many."""
    rows = index.manifest.all_chunks()
    ids = {c.id for c in rows}
    assert len(ids) == len(rows)
    assert index.store.count() == len(rows)
    assert set(index.store.ids_of([a.id for a in index.articles()])) == ids
    assert set(index.keyword.ids) == ids
    assert index.manifest.pending() == []
    return len(rows)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "notes.md").write_text(
        "---\ntitle: Harbour Notes\nauthor: Ana Silva\ndate: 2024-03-01\ntags: [harbour, ships]\n---\n"
        "# Harbour Notes\n\n## Arrivals\n\nThe blue ferry arrives at nine every morning.\n\n"
        "## FAQ\n\nQ: When does the ferry arrive?\nA: At nine in the morning.\n",
        encoding="utf-8",
    )
    return folder


def test_seed_ingest_reports_article_and_faq_chunks(settings: Settings) -> None:
    a = Assistant.from_settings(settings)
    report = a.ingest([SEED], progress=False)
    assert report.added == ["us-russia-dialogue-ukraine-peace-talks"]
    assert report.faq_chunks == 5 and report.chunks > 5
    assert report.failed == []
    (info,) = a.articles()
    assert info.author == "Emily Carter" and len(info.tags) == 8
    assert info.faq_chunks == 5 and info.chunks == report.chunks
    assert _consistent(a.index) == report.chunks


def test_second_run_is_unchanged_and_embeds_nothing(
    settings: Settings, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = Assistant.from_settings(settings)
    first = a.ingest([corpus], progress=False)
    assert sorted(first.added) == ["notes", "us-russia-dialogue-ukraine-peace-talks"]
    calls = []
    real = a.index.embedder.embed
    monkeypatch.setattr(a.index.embedder, "embed", lambda texts: calls.append(len(texts)) or real(texts))
    again = Assistant.from_settings(settings).ingest([corpus], progress=False)
    assert sorted(again.unchanged) == ["notes", "us-russia-dialogue-ukraine-peace-talks"]
    assert again.added == again.updated == [] and again.chunks == 0
    assert calls == []


def test_edited_article_is_replaced_without_stale_chunks(settings: Settings, corpus: Path) -> None:
    a = Assistant.from_settings(settings)
    a.ingest([corpus], progress=False)
    before = _consistent(a.index)
    notes = corpus / "notes.md"
    notes.write_text(notes.read_text().replace("blue ferry", "red hovercraft"), encoding="utf-8")
    report = a.ingest([corpus], progress=False)
    assert report.updated == ["notes"] and report.unchanged == ["us-russia-dialogue-ukraine-peace-talks"]
    assert _consistent(a.index) == before
    texts = " ".join(c.text for c in a.index.manifest.all_chunks())
    assert "red hovercraft" in texts and "blue ferry" not in texts
    assert a.index.keyword.search("hovercraft", 3)[0][0].startswith("notes::")
    assert a.index.keyword.search("blue", 5) == []  # the old wording is gone from the keyword index too


def test_deleted_file_stays_until_prune(settings: Settings, corpus: Path) -> None:
    a = Assistant.from_settings(settings)
    a.ingest([corpus], progress=False)
    (corpus / "notes.md").unlink()
    assert a.ingest([corpus], progress=False).removed == []
    assert {i.id for i in a.articles()} == {"notes", "us-russia-dialogue-ukraine-peace-talks"}
    report = a.ingest([corpus], prune=True, progress=False)
    assert report.removed == ["notes"]
    assert [i.id for i in a.articles()] == ["us-russia-dialogue-ukraine-peace-talks"]
    _consistent(a.index)


def test_bad_files_are_reported_and_the_rest_ingested(settings: Settings, corpus: Path) -> None:
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02garbage\x00" * 50)
    (corpus / "broken.json").write_text('{"title": "x", ')
    (corpus / "huge.txt").write_text("word " * 300_000)
    a = Assistant.from_settings(settings.with_overrides(max_file_mb=1))
    report = a.ingest([corpus, corpus / "missing.md"], progress=False)
    failed = {Path(f.path).name: f.error for f in report.failed}
    assert set(failed) == {"empty.txt", "binary.txt", "broken.json", "huge.txt", "missing.md"}
    assert "empty" in failed["empty.txt"] and "binary" in failed["binary.txt"]
    assert "max_file_mb" in failed["huge.txt"]
    assert sorted(report.added) == ["notes", "us-russia-dialogue-ukraine-peace-talks"]
    assert not report.ok
    _consistent(a.index)


def test_interrupted_ingest_rolls_back_and_resumes(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        (folder / f"a{i:02}.md").write_text(f"# Article {i}\n\n## Body\n\n" + f"Fact number {i} is here. " * 40)
    small = settings.with_overrides(embedding_batch_size=8, chunk_size=64, chunk_overlap=8)
    a = Assistant(small, index=Index.open(small))  # opened for writing: creates the index folder
    real_add = a.index.store.add
    calls = []

    def crash_on_second_group(chunks, vectors):  # vectors land in Chroma, then the process "dies"
        real_add(chunks, vectors)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(a.index.store, "add", crash_on_second_group)
    with pytest.raises(KeyboardInterrupt):
        a.ingest([folder], progress=False)
    monkeypatch.undo()
    reader = Assistant.from_settings(small)  # a reader sees only finished articles, and repairs nothing
    done = {i.id for i in reader.articles()}
    assert 0 < len(done) < 12 and reader.index.manifest.pending()
    reopened = Assistant(small, index=Index.open(small))  # the next writer rolls the half-written group back
    assert {i.id for i in reopened.articles()} == done and not reopened.index.manifest.pending()
    _consistent(reopened.index)
    report = reopened.ingest([folder], progress=False)
    assert sorted(report.unchanged) == sorted(done)
    assert len(report.added) == 12 - len(done)
    assert _consistent(reopened.index) == sum(i.chunks for i in reopened.articles())


def test_remove_article(seed_copy: Assistant) -> None:
    assert seed_copy.remove(["us-russia-dialogue-ukraine-peace-talks", "nope"]) == [
        "us-russia-dialogue-ukraine-peace-talks"
    ]
    assert seed_copy.articles() == []
    assert _consistent(seed_copy.index) == 0


def test_keyword_index_persists_without_rebuild(seed: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    monkeypatch.setattr("assistant.index.keyword.KeywordIndex.build", lambda self, chunks: built.append(1))
    fresh = Index.open(seed.settings)
    assert built == []
    assert fresh.keyword.search("Lavrov Malaysia", 3)


def test_keyword_scores_reach_the_dense_candidates_beyond_its_own_top(seed: Assistant) -> None:
    keyword = seed.index.keyword
    ranked = keyword.search("Neptune Arctic Malaysia", 100)
    assert len(ranked) > 3
    full = dict(ranked)
    top = keyword.search("Neptune Arctic Malaysia", 1)
    unmatched = next(c.id for c in seed.index.manifest.all_chunks() if c.id not in full)
    also = [ranked[-1][0], ranked[2][0], top[0][0], unmatched]
    got = keyword.search("Neptune Arctic Malaysia", 1, also=also)
    # the best one, then the others asked for with the scores a full search gives them; no zero scores
    assert got == [top[0], (ranked[-1][0], full[ranked[-1][0]]), (ranked[2][0], full[ranked[2][0]])]


def test_search_fuses_each_candidate_with_its_own_keyword_score(seed: Assistant) -> None:
    few = Assistant.from_settings(seed.settings.model_copy(update={"candidates": 2, "top_k": 8}))
    passages = few.retriever.search("What did Lavrov and Rubio discuss in Malaysia?").passages
    matched = dict(few.index.keyword.search("What did Lavrov and Rubio discuss in Malaysia?", 100))
    assert len(passages) > 2
    assert all(p.keyword == matched.get(p.chunk.id, 0.0) for p in passages)
    assert sum(p.keyword > 0 for p in passages) > 2  # more than the two keyword candidates


def test_foreign_index_folder_gives_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "foreign"
    folder.mkdir()
    (folder / "manifest.sqlite3").write_text("this is not a database" * 100)
    with pytest.raises(StoreError, match="not a readable manifest"):
        Index.open(Settings.load(env={}, index_dir=folder))


def test_index_path_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        Index.open(Settings.load(env={}, index_dir=tmp_path / "file"))


def test_other_embedding_model_is_refused(seed_index_dir: Path) -> None:
    with pytest.raises(StoreError, match="built with embedding model"):
        Index.open(Settings.load(env={}, index_dir=seed_index_dir, embedding_model="/some/other/model"))


def test_running_assistant_sees_articles_another_process_ingests(seed_copy: Assistant, tmp_path: Path) -> None:
    """The UI keeps running while `assistant ingest` adds articles from a shell: its keyword index follows."""
    assert not seed_copy.ask("Who built the Qorvath lighthouse?").citations  # opened, and nothing to cite
    article = tmp_path / "qorvath.md"
    article.write_text(
        "# The Qorvath lighthouse\n\nThe Qorvath lighthouse was built in 1887 by the engineer Mirela "
        "Dunst. Its lamp burned whale oil until 1921.\n",
        encoding="utf-8",
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "ingest",
            str(article),
            "--index",
            str(seed_copy.settings.index_dir),
            "--quiet",
        ],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )

    answer = seed_copy.ask("Who built the Qorvath lighthouse?")
    assert "Mirela Dunst" in answer.text
    assert answer.citations and answer.citations[0].title == "The Qorvath lighthouse"
    assert any(cid.startswith(answer.citations[0].article_id) for cid in seed_copy.index.keyword.ids)
