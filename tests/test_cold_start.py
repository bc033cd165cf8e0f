"""What a process that only answers questions imports: cold start is dominated by imports, so heavy
modules that answering does not need must stay out (speed itself is measured by benchmarks/speed.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

ANSWER_AND_LIST_MODULES = """
import json, sys
from assistant.cli.main import main
code = main(["ask", "Where did Rubio and Lavrov meet?", "--index", sys.argv[1], "--json"])
heavy = ["langchain_core", "matplotlib", "torch", "sentence_transformers", "transformers"]
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def test_answering_from_the_cli_imports_no_torch_langchain_or_matplotlib(seed_index_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", ANSWER_AND_LIST_MODULES, str(seed_index_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer, report = proc.stdout.strip().splitlines()[-2:]
    assert "Malaysia" in json.loads(answer)["answer"]  # it really answered
    assert json.loads(report) == {"code": 0, "loaded": []}
