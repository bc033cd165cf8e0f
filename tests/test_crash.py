"""Crash safety with real processes and real signals: a SIGKILLed ingest loses nothing and half-writes nothing.

An ingest runs in a subprocess (`python -m assistant ingest`) and dies by SIGKILL, either from outside at
a random moment (once some articles are done) or from inside at an exact step (a harness wraps one
function and sends itself SIGKILL right before or after it). Then the index is opened in this process:
Chroma, the keyword index and the manifest must agree (no article half indexed, no duplicate or orphan
chunk, nothing pending), answering must work, and one more ingest must finish the job, leaving the
finished articles untouched. A corrupt or foreign index folder must give an error saying what to do,
through the Python API and through the CLI (exit 2, "error: ...", no traceback).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.errors import AssistantError, StoreError
from assistant.index.index import Index
from assistant.models import ArticleInfo

from .conftest import ROOT

# Small chunks and groups of 64 chunks (4 x embedding_batch_size, at least 64): many groups, many commits.
SMALL = {"chunk_size": 32, "chunk_overlap": 8, "embedding_batch_size": 16}
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi"]
FIRST = ["Anna", "Boris", "Chen", "Dara", "Emil", "Farah", "Gus", "Hana", "Ivo", "Jade"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def small(index_dir: Path) -> Settings:
    """The subprocesses' settings; the batch size is left out (it changes no vector) to reuse the loaded model."""
    return Settings.load(
        env={}, index_dir=index_dir, chunk_size=SMALL["chunk_size"], chunk_overlap=SMALL["chunk_overlap"]
    )


def name(i: int) -> str:
    return (SYLLABLES[i % 8] + SYLLABLES[i // 8 % 8] + SYLLABLES[i // 64 % 8]).capitalize()


def keeper(i: int) -> str:
    return f"{FIRST[i % 10]} {name(i)}sen"


def write_corpus(folder: Path, ids: range) -> list[str]:
    """Small Markdown articles (3 chunks each), each with facts only it holds; their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in ids:
        (folder / f"lighthouse-{i:03}.md").write_text(
            f"# The {name(i)} Lighthouse\n\n## History\n\nThe {name(i)} lighthouse was built in {1850 + i} on a "
            f"rocky island. Its lamp can be seen for {10 + i % 30} miles.\n\n## Keeper\n\nThe keeper of the {name(i)} "
            f"lighthouse is {keeper(i)}. Supplies arrive by boat on {DAYS[i % 7]}s.\n\n## Visitors\n\nVisitors to "
            f"{name(i)} may climb the tower in summer. Tickets cost {i % 9 + 3} euros.\n",
            encoding="utf-8",
        )
    return [f"lighthouse-{i:03}" for i in ids]


def assert_consistent(index: Index) -> list[ArticleInfo]:
    """Chroma, BM25 and the manifest hold exactly the same chunks, each article whole; the finished articles."""
    rows = index.manifest.all_chunks()
    ids = [c.id for c in rows]
    assert len(ids) == len(set(ids)), "duplicate chunk rows"
    assert index.manifest.pending() == [], "articles left pending"
    assert index.manifest.count_chunks() == len(rows), "chunk rows of unfinished articles"
    stored = index.store.collection.get(include=[])["ids"]
    assert len(stored) == len(set(stored)) == index.store.count()
    assert set(stored) == set(ids), f"Chroma and the manifest differ: {sorted(set(stored) ^ set(ids))[:5]}"
    assert sorted(index.keyword.ids) == sorted(ids), "the keyword index differs from the manifest"
    infos = index.articles()
    per_article = Counter(c.article_id for c in rows)
    assert set(per_article) == {i.id for i in infos}
    for info in infos:  # every chunk of every finished article, positions 0..n-1
        assert per_article[info.id] == info.chunks > 0
        assert sorted(c.position for c in rows if c.article_id == info.id) == list(range(info.chunks))
    return infos


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    env.update({f"ASSISTANT_{k.upper()}": str(v) for k, v in SMALL.items()})
    return env


def manifest_counts(path: Path) -> tuple[int, int]:
    """(done, pending) articles, read the way another process would; (0, 0) before the tables exist."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            rows = dict(db.execute("SELECT status, COUNT(*) FROM articles GROUP BY status").fetchall())
        finally:
            db.close()
    except sqlite3.Error:
        return 0, 0
    return rows.get("done", 0), rows.get("pending", 0)


def kill_mid_ingest(proc: subprocess.Popen, manifest: Path, limit: float = 900) -> str:
    """SIGKILL `proc` once an article is done, preferably while a group is pending; what was seen."""
    deadline = time.monotonic() + limit  # only a bound against hanging, never a measured result
    first_done = None
    while time.monotonic() < deadline and proc.poll() is None:
        done, pending = manifest_counts(manifest)
        if done and first_done is None:
            first_done = time.monotonic()
        if done and (pending or time.monotonic() - first_done > 2):
            proc.send_signal(signal.SIGKILL)
            return f"killed with {done} article(s) done and {pending} pending"
        time.sleep(0.005)
    proc.kill()
    return "not killed in the middle: the ingest ended or never finished an article"


# Runs the CLI with one function wrapped: on its nth call from the assistant's own code, this process
# sends itself SIGKILL right before or right after the real call.
HARNESS = """
import importlib, os, signal, sys
target, when, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
module_name, _, path = target.partition(":")
owner_path, _, attr = path.rpartition(".")
owner = importlib.import_module(module_name)
for part in owner_path.split("."):
    owner = getattr(owner, part)
real = getattr(owner, attr)
calls = [0]

def wrapper(*args, **kwargs):
    if sys._getframe(1).f_globals.get("__name__", "").startswith("assistant."):
        calls[0] += 1
    if calls[0] == nth and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = real(*args, **kwargs)
    if calls[0] == nth and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(owner, attr, wrapper)
from assistant.cli.main import main
sys.exit(main(sys.argv[4:]))
"""
RANDOM = "a random moment of an ingest of 80 articles"
WRITTEN = "vectors of a group written, the group not yet marked done"
# Removing needs no embedding model, so these runs are cheap. name -> (function, before/after, nth call)
REMOVALS = {
    "remove: vectors deleted, manifest rows not yet": ("assistant.index.store:VectorStore.delete_articles", "after", 1),
    "remove: between the two renames of the keyword index": ("assistant.index.keyword:os.replace", "after", 1),
}
REMOVED = ["lighthouse-000", "lighthouse-001", "lighthouse-002", "lighthouse-003"]


@dataclass
class Crash:
    corpus: Path
    index: Path
    proc: subprocess.Popen
    seen: str = ""

    @property
    def log(self) -> str:
        return (self.index.parent / f"{self.index.name}.log").read_text(errors="replace")[-3000:]


def _run(*args: str, cwd: Path, harness: tuple[str, str, int] | None = None) -> subprocess.Popen:
    """The CLI in a subprocess (wrapped by the harness when given); its stderr goes to <index>.log."""
    prefix = ["-c", HARNESS, harness[0], harness[1], str(harness[2])] if harness else ["-m", "assistant"]
    index = Path(args[args.index("--index") + 1])
    with (index.parent / f"{index.name}.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, *prefix, *args], env=cli_env(), cwd=cwd, stdout=subprocess.DEVNULL, stderr=log
        )


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Crash]:
    """Every crash, run at the same time (one subprocess each): name -> what is left of it."""
    root = tmp_path_factory.mktemp("crash")
    runs: dict[str, Crash] = {}
    corpus, idx = root / "random-corpus", root / "random-index"
    write_corpus(corpus, range(80))
    runs[RANDOM] = Crash(corpus, idx, _run("ingest", str(corpus), "--index", str(idx), "--quiet", cwd=root))
    killer = threading.Thread(
        target=lambda: setattr(runs[RANDOM], "seen", kill_mid_ingest(runs[RANDOM].proc, idx / "manifest.sqlite3"))
    )
    killer.start()
    corpus, idx = root / "written-corpus", root / "written-index"
    write_corpus(corpus, range(30))  # 90 chunks: two groups
    runs[WRITTEN] = Crash(
        corpus,
        idx,
        _run(
            "ingest",
            str(corpus),
            "--index",
            str(idx),
            "--quiet",
            cwd=root,
            harness=("assistant.index.store:VectorStore.add", "after", 2),
        ),
    )
    corpus, base = root / "base-corpus", root / "base-index"  # the removals start from a finished index
    write_corpus(corpus, range(12))
    Assistant(small(base)).ingest([corpus], progress=False)
    for n, (key, harness) in enumerate(REMOVALS.items()):
        idx = root / f"remove-index-{n}"
        shutil.copytree(base, idx)
        runs[key] = Crash(corpus, idx, _run("remove", *REMOVED, "--index", str(idx), cwd=root, harness=harness))
    try:
        for crash in runs.values():
            crash.proc.wait(timeout=900)
    finally:
        for crash in runs.values():
            if crash.proc.poll() is None:
                crash.proc.kill()
        killer.join()
    return runs


def _check_killed(crash: Crash) -> None:
    assert crash.proc.returncode == -signal.SIGKILL, (crash.seen, crash.proc.returncode, crash.log)


def test_sigkill_at_a_random_moment_of_an_ingest_loses_nothing_and_resumes(crashed: dict[str, Crash]) -> None:
    crash = crashed[RANDOM]
    _check_killed(crash)
    index = Index.open(small(crash.index))
    finished = assert_consistent(index)
    assert 0 < len(finished) < 80, crash.seen
    chunks_before = {c.id: c.text for c in index.manifest.all_chunks()}
    hashes_before = {i.id: i.content_hash for i in finished}

    assistant = Assistant(small(crash.index), index=index)
    i = int(finished[-1].id.rsplit("-", 1)[1])
    answer = assistant.ask(f"Who is the keeper of the {name(i)} lighthouse?")
    assert not answer.abstained and keeper(i) in answer.text
    assert answer.citations[0].article_id == finished[-1].id

    report = assistant.ingest([crash.corpus], progress=False)
    all_ids = [f"lighthouse-{i:03}" for i in range(80)]
    assert sorted(report.unchanged) == sorted(hashes_before)
    assert sorted(report.added) == sorted(set(all_ids) - set(hashes_before))
    assert report.updated == report.removed == report.failed == []
    after = assert_consistent(assistant.index)
    assert sorted(i.id for i in after) == all_ids
    assert {i.id: i.content_hash for i in after if i.id in hashes_before} == hashes_before
    assert {c.id: c.text for c in assistant.index.manifest.all_chunks() if c.id in chunks_before} == chunks_before
    assert keeper(79) in assistant.ask(f"Who is the keeper of the {name(79)} lighthouse?").text


def test_sigkill_after_vectors_are_written_rolls_the_group_back(crashed: dict[str, Crash]) -> None:
    crash = crashed[WRITTEN]
    _check_killed(crash)
    index = Index.open(small(crash.index))  # the second group's vectors are in Chroma, its articles pending
    finished = {i.id for i in assert_consistent(index)}
    assert 0 < len(finished) < 30
    assistant = Assistant(small(crash.index), index=index)
    report = assistant.ingest([crash.corpus], progress=False)
    assert sorted(report.unchanged) == sorted(finished) and len(report.added) == 30 - len(finished)
    assert len(assert_consistent(assistant.index)) == 30


@pytest.mark.parametrize("point", list(REMOVALS))
def test_sigkill_while_removing_articles(crashed: dict[str, Crash], point: str) -> None:
    crash = crashed[point]
    _check_killed(crash)
    if "keyword" in point:
        assert not (crash.index / "bm25").exists()  # killed with the old keyword index moved away, the new not in place
    index = Index.open(small(crash.index))
    finished = {i.id for i in assert_consistent(index)}
    assert finished == {f"lighthouse-{i:03}" for i in range(4, 12)}  # the removal was finished on open
    assistant = Assistant(small(crash.index), index=index)
    report = assistant.ingest([crash.corpus], progress=False)  # and everything comes back with one ingest
    assert sorted(report.added) == REMOVED and sorted(report.unchanged) == sorted(finished)
    assert len(assert_consistent(assistant.index)) == 12
    assert keeper(2) in assistant.ask(f"Who is the keeper of the {name(2)} lighthouse?").text


# --- corrupt or foreign index folders ---------------------------------------------------------------


def _garbage_manifest(idx: Path) -> None:
    (idx / "manifest.sqlite3").write_bytes(os.urandom(8192))
    for extra in idx.glob("manifest.sqlite3-*"):
        extra.unlink()


def _foreign_manifest(idx: Path) -> None:
    _garbage_manifest(idx)
    (idx / "manifest.sqlite3").unlink()
    db = sqlite3.connect(idx / "manifest.sqlite3")
    db.execute("CREATE TABLE articles (name TEXT, price REAL)")
    db.execute("INSERT INTO articles VALUES ('lamp', 9.5)")
    db.commit()
    db.close()


def _newer_manifest(idx: Path) -> None:
    db = sqlite3.connect(idx / "manifest.sqlite3")
    db.execute("UPDATE meta SET value='99' WHERE key='schema'")
    db.commit()
    db.close()


def _garbage_chroma(idx: Path) -> None:
    (idx / "chroma" / "chroma.sqlite3").write_bytes(os.urandom(65536))


def _chroma_is_a_file(idx: Path) -> None:
    shutil.rmtree(idx / "chroma")
    (idx / "chroma").write_text("not a folder")


def _random_files(idx: Path) -> None:
    shutil.rmtree(idx)
    idx.mkdir()
    (idx / "holiday.jpg").write_bytes(os.urandom(3000))
    (idx / "notes.txt").write_text("my notes")
    (idx / "data").mkdir()
    (idx / "data" / "x.bin").write_bytes(os.urandom(100))


CORRUPTIONS = {
    "garbage manifest": (_garbage_manifest, "not a readable manifest"),
    "manifest of another program": (_foreign_manifest, "not a manifest of this assistant"),
    "manifest of a newer version": (_newer_manifest, "schema"),
    "garbage Chroma database": (_garbage_chroma, "Chroma store in"),
    "chroma folder is a file": (_chroma_is_a_file, "Chroma store in"),
    "a folder of unrelated files": (_random_files, "not an index folder"),
}
# The exit code of each (errors.py): 6 a folder of another program, 7 a corrupt one, 2 any other error.
EXIT_CODES = {
    "garbage manifest": 7,
    "manifest of another program": 6,
    "manifest of a newer version": 2,
    "garbage Chroma database": 7,
    "chroma folder is a file": 7,
    "a folder of unrelated files": 6,
}


@pytest.fixture
def broken(seed_index_dir: Path, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, str]:
    spoil, expected = CORRUPTIONS[request.param]
    idx = tmp_path / "index-copy"
    shutil.copytree(seed_index_dir, idx)
    spoil(idx)
    return idx, expected


@pytest.mark.parametrize("broken", list(CORRUPTIONS), indirect=True)
def test_a_corrupt_or_foreign_index_gives_an_error_saying_what_to_do(
    broken: tuple[Path, str], request: pytest.FixtureRequest
) -> None:
    idx, expected = broken
    listing = _listing(idx)
    with pytest.raises(AssistantError) as info:
        Index.open(Settings.load(env={}, index_dir=idx))
    message = str(info.value)
    assert isinstance(info.value, StoreError) and expected in message
    assert info.value.exit_code == EXIT_CODES[request.node.callspec.params["broken"]]
    if "Chroma" in expected:  # the folder itself is named, so the user knows what to move away
        assert str(idx / "chroma") in message
    assert any(
        hint in message
        for hint in ("move it away", "another folder", "empty folder", "re-ingest", "ingest again", "--index")
    ), message
    assert _listing(idx) == listing  # nothing written into a folder it refuses


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm")))


def test_the_cli_reports_a_broken_index_without_a_traceback(seed_index_dir: Path, tmp_path: Path) -> None:
    procs = {}  # run at once (each start costs seconds); the API test above covers every corruption
    for n, key in enumerate(["manifest of another program", "a folder of unrelated files"]):
        spoil, expected = CORRUPTIONS[key]
        idx = tmp_path / f"index-{n}"
        shutil.copytree(seed_index_dir, idx)
        spoil(idx)
        procs[key] = (
            expected,
            subprocess.Popen(
                [sys.executable, "-m", "assistant", "articles", "--index", str(idx)],
                env=cli_env(),
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    for key, (expected, proc) in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == EXIT_CODES[key] == 6, (key, out, err)
        assert "Traceback" not in err and "Traceback" not in out, (key, err)
        lines = [line for line in err.splitlines() if line.startswith("error: ")]
        assert lines and expected in lines[0], (key, err)


@pytest.mark.parametrize(
    "damage",
    ["arrays truncated", "arrays garbled", "ids truncated", "ids not a list", "files missing", "folder missing"],
)
def test_a_damaged_keyword_index_is_rebuilt(seed_index_dir: Path, tmp_path: Path, damage: str) -> None:
    idx = tmp_path / "index-copy"
    shutil.copytree(seed_index_dir, idx)
    for f in sorted(p for p in (idx / "bm25").iterdir() if p.is_file()):
        arrays = f.name != "ids.json"
        if damage == "arrays truncated" and arrays:
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
        elif damage == "arrays garbled" and arrays:
            f.write_bytes(os.urandom(f.stat().st_size))
        elif damage == "ids truncated" and not arrays:
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
        elif damage == "ids not a list" and not arrays:
            f.write_text(json.dumps({"not": "a list"}))
        elif damage == "files missing" and arrays:
            f.unlink()
    if damage == "folder missing":
        shutil.rmtree(idx / "bm25")
    index = Index.open(Settings.load(env={}, index_dir=idx))
    assert assert_consistent(index)
    assert index.keyword.search("Lavrov Malaysia", 3)
    assert "Malaysia" in Assistant(index.settings, index=index).ask("Where did Rubio and Lavrov meet?").text
    assert Index.open(Settings.load(env={}, index_dir=idx)).keyword.ids == index.keyword.ids  # saved, not just held
