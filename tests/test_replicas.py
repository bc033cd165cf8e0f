"""Replicas: the deployment example (examples/replicas.py) run for real. A `chroma run` server, three
`assistant serve` processes on one index folder (as user `nobody`, for whom that folder is read-only,
when the tests run as root), and an ingest from a fourth process: each replica answers about the new
article within 10 s of the ingest's end, and its health route shows the new generation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA, ROOT
from .test_chroma_server import CHROMA

pytestmark = pytest.mark.slow
EXAMPLE = ROOT / "examples" / "replicas.py"
QUESTION = "How many passengers do Port Aldwen's harbour crossings carry a day?"
PROMISE_S = 10  # README: a new article is answerable on every replica within 10 s of the ingest's end


def test_three_replicas_answer_about_an_article_ingested_by_another_process(tmp_path: Path) -> None:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    as_nobody = os.geteuid() == 0 and shutil.which("setpriv") is not None
    args = ["--replicas", "3", "--check", str(DATA / "harbour-solar-ferries.txt"), "--question", QUESTION]
    args += ["--timeout", str(PROMISE_S), "--json"] + (["--reader-user", "nobody"] if as_nobody else [])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    work = Path(out["work"])
    try:
        assert len(out["replicas"]) == 3 and out["corpus_articles"] == 1
        assert out["article"] == ["harbour-solar-ferries"]
        assert None not in out["delays_s"], f"a replica never cited the new article: {out['delays_s']}"
        assert all(d <= PROMISE_S for d in out["delays_s"])
        assert out["generation_before"] == [1, 1, 1]
        for h in out["health"]:
            assert h["ok"] and h["store"] == "server" and h["store_reachable"] and h["readonly"]
            assert (h["generation"], h["articles"]) == (2, 2) and h["chunks"] == h["vectors"] == h["keyword_chunks"]
        logs = "".join(p.read_text(errors="replace") for p in (work / "logs").glob("reader-*.log"))
        assert "Traceback" not in logs
        if as_nobody:  # the readers could not have written to the index folder
            assert (work / "index").stat().st_uid == 0 and not (work / "index").stat().st_mode & 0o002
    finally:
        shutil.rmtree(work, ignore_errors=True)
