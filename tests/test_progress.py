"""Long ingests: a progress bar, Ctrl-C that keeps finished articles, and a resume that skips them.

Runs the real CLI in a subprocess and interrupts it with a real SIGINT once the first group of
articles is written (seen by polling the manifest), as a user pressing Ctrl-C would.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, ctrl_c_works

pytestmark = pytest.mark.slow
ARTICLES = 300
WORDS = [
    "harbour",
    "river",
    "valley",
    "engine",
    "signal",
    "market",
    "orchard",
    "glacier",
    "lantern",
    "copper",
    "meadow",
    "canal",
    "festival",
    "library",
    "bridge",
    "tunnel",
    "comet",
    "ferry",
    "garden",
    "quarry",
]


def _write_corpus(folder: Path) -> None:
    """300 small articles of two sections (two chunks, four sentences) each, with made-up facts.

    600 short chunks make about ten embedding groups (64 chunks at least each): the interrupt,
    sent once the first group is written, lands while several groups are still to come, even with
    the fast onnx encoder (with two groups the second was sometimes done before the signal came).
    """
    folder.mkdir()
    rng = random.Random(7)
    for n in range(ARTICLES):
        sections = []
        for part in ("Founding", "Today"):
            sentences = [
                f"The {rng.choice(WORDS)} of town {n} opened in {1900 + 7 * n + s} beside the "
                f"{rng.choice(WORDS)}, the {rng.choice(WORDS)} and the {rng.choice(WORDS)}."
                for s in range(2)
            ]
            sections.append(f"## {part}\n\n" + " ".join(sentences))
        (folder / f"town-{n:02d}.md").write_text(
            f"# Town {n} notes\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8"
        )


def _ingest(folder: Path, index: Path, *extra: str, command: tuple[str, ...] = ()) -> subprocess.Popen:
    """`assistant ingest <folder>` (or `command`, with `folder` as the corpus folder) on `index`."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        # groups of 64 chunks (the floor; 4 x 16 would be less), so the 600 chunks take about ten
        "ASSISTANT_EMBEDDING_BATCH_SIZE": "16",
        "ASSISTANT_CORPUS_DIR": str(folder),
    }
    args = command or ("ingest", str(folder))
    cmd = [sys.executable, "-m", "assistant", *args, "--index", str(index), *extra]
    return subprocess.Popen(
        cmd,
        env=env,
        cwd=folder.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_works,
    )


def _statuses(index: Path) -> dict[str, str]:
    db = index / "manifest.sqlite3"
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return dict(con.execute("SELECT id, status FROM articles").fetchall())
    except sqlite3.OperationalError:  # the table is not there yet
        return {}


def _interrupt_after_first_group(proc: subprocess.Popen, index: Path) -> dict[str, str]:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        statuses = _statuses(index)
        if "done" in statuses.values():
            proc.send_signal(signal.SIGINT)
            return statuses
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"no article was done before the ingest ended or timed out: {proc.communicate()[1][-2000:]}")


def test_ctrl_c_then_resume_skips_finished_articles(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    _write_corpus(corpus)
    proc = _ingest(corpus, index)
    _interrupt_after_first_group(proc, index)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted: finished articles are saved; run the same command again to resume" in err
    assert "reading" in err and "embedding" in err and "chunk/s" in err  # the bars, with their rates
    statuses = _statuses(index)
    done = {a for a, s in statuses.items() if s == "done"}
    assert 0 < len(done) < ARTICLES, "the interrupt should land between the first and the last group"

    resumed = _ingest(corpus, index, "--json")
    out, err = resumed.communicate(timeout=900)
    assert resumed.returncode == 0, err[-2000:]
    report = json.loads(out)
    assert set(report["unchanged"]) == done
    assert len(report["added"]) == ARTICLES - len(done) and not report["updated"]
    assert set(_statuses(index).values()) == {"done"} and len(_statuses(index)) == ARTICLES


def test_ctrl_c_while_serve_indexes_the_corpus_says_how_to_resume(tmp_path: Path) -> None:
    """`assistant serve --ingest` indexes the corpus folder before it serves: stopped then, it says what
    `assistant ingest` says, and the articles finished are kept."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    _write_corpus(corpus)
    proc = _ingest(corpus, index, "--port", "0", command=("serve", "--ingest"))
    _interrupt_after_first_group(proc, index)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted: finished articles are saved; run the same command again to resume" in err
    assert "Running on" not in out + err  # it never served a half-built index
    assert 0 < sum(s == "done" for s in _statuses(index).values()) < ARTICLES
