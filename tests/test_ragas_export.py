"""The `ragas.jsonl` of a run loads into the real `ragas` package (test extra) with every field filled,
and ragas's non-LLM metrics run on it end to end, offline (in a network namespace when one can be made)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from assistant.cli.main import main
from assistant.eval.report import NO_ANSWER_REFERENCE

from .conftest import ROOT

SEED_SET = ROOT / "evals" / "seed.jsonl"
FIELDS = {"user_input", "response", "retrieved_contexts", "reference"}

# Runs in a child process: loads the export with ragas, checks every sample, scores it with two non-LLM metrics.
RAGAS_CHECK = r"""
import json, sys
import ragas
from ragas import EvaluationDataset, evaluate
from ragas.metrics import NonLLMStringSimilarity, StringPresence

rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
data = EvaluationDataset.from_list(rows)
filled = []
for row, sample in zip(rows, data.samples, strict=True):
    for key in row:
        value = getattr(sample, key)
        filled.append(bool(value) and (not isinstance(value, list) or all(v.strip() for v in value)))
result = evaluate(data, metrics=[StringPresence(), NonLLMStringSimilarity()], show_progress=False)
scores = result.to_pandas()
print(json.dumps({
    "version": ragas.__version__,
    "samples": len(data.samples),
    "sample_type": type(data.samples[0]).__name__,
    "all_filled": all(filled),
    "string_present": [float(x) for x in scores["string_present"]],
    "similarity": [float(x) for x in scores["non_llm_string_similarity"]],
}))
"""


def offline_prefix() -> list[str]:
    """`unshare -n` (no network at all) when this machine lets us make a network namespace."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn"]
    return []


def run_ragas(export: Path) -> dict:
    env = {**os.environ, "RAGAS_DO_NOT_TRACK": "true", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(
        [*offline_prefix(), sys.executable, "-c", RAGAS_CHECK, str(export)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_seed_run_loads_into_ragas_and_scores(seed_index_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["eval", str(SEED_SET), "--index", str(seed_index_dir), "--out", str(out), "--quiet", "--json"]) == 0
    rows = [json.loads(line) for line in (out / "ragas.jsonl").read_text(encoding="utf-8").splitlines()]
    cases = [json.loads(line) for line in SEED_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == len(cases) == 47
    # exactly the current keys (the pre-0.2 question/answer/contexts/ground_truth load as empty samples);
    # the seed set gives no gold passages, so no reference_contexts
    assert all(set(r) == FIELDS for r in rows)
    assert rows[0]["user_input"] == cases[0]["question"] and rows[0]["reference"] == cases[0]["reference"]
    unanswerable = [r for r, c in zip(rows, cases, strict=True) if c.get("answerable") is False]
    assert unanswerable and all(r["reference"] == NO_ANSWER_REFERENCE for r in unanswerable)
    assert not any("[1]" in r["response"] for r in rows)  # citation markers are not part of the response

    got = run_ragas(out / "ragas.jsonl")
    assert got["version"].startswith("0.4") and got["sample_type"] == "SingleTurnSample"
    assert got["samples"] == 47 and got["all_filled"]
    assert len(got["string_present"]) == 47 and set(got["string_present"]) <= {0.0, 1.0}
    assert 0.0 < sum(got["string_present"]) < 47  # some answers hold the reference verbatim, not all
    assert all(0.0 <= s <= 1.0 for s in got["similarity"]) and max(got["similarity"]) > 0.3


def test_squad_run_exports_its_gold_paragraphs(tmp_path: Path) -> None:
    from .test_testsets import SQUAD_MINI

    path = tmp_path / "mini.json"
    path.write_text(json.dumps(SQUAD_MINI), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["eval", str(path), "--corpus-from-testset", "--out", str(out), "--quiet", "--json"]) == 0
    rows = {r["user_input"]: r for r in map(json.loads, (out / "ragas.jsonl").read_text().splitlines())}
    lake = rows["Where is Blue Lake?"]
    assert lake["reference_contexts"] == ["Blue Lake lies in the Alps. It is deep."]  # as the article holds it
    assert lake["reference"] == "the Alps; Alps" and lake["retrieved_contexts"]
    assert rows["Who owns the lake?"]["reference"] == NO_ANSWER_REFERENCE

    got = run_ragas(out / "ragas.jsonl")
    assert got["samples"] == len(rows) and got["all_filled"]


def test_gold_passages_of_a_json_lines_set_become_reference_contexts(seed_index_dir: Path, tmp_path: Path) -> None:
    gold = "The meeting took place in Malaysia, on the sidelines of a larger international summit."
    testset = tmp_path / "gold.jsonl"
    rows = [
        {
            "id": "g",
            "question": "Where did Rubio and Lavrov meet?",
            "answers": ["Malaysia"],
            "reference_contexts": [gold],
        },
        {"id": "n", "question": "Who won the 2022 FIFA World Cup?", "answerable": False},
    ]
    testset.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["eval", str(testset), "--index", str(seed_index_dir), "--out", str(out), "--quiet"]) == 0
    exported = [json.loads(line) for line in (out / "ragas.jsonl").read_text().splitlines()]
    assert exported[0]["reference_contexts"] == [gold] and exported[0]["reference"] == "Malaysia"
    assert "reference_contexts" not in exported[1] and exported[1]["reference"] == NO_ANSWER_REFERENCE
    got = run_ragas(out / "ragas.jsonl")
    assert got["samples"] == 2 and got["all_filled"] and got["string_present"][0] == 1.0
