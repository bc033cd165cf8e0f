"""The harness end to end on the real seed index: records, summary, run folder, compare, CLI exit codes,
the LLM-judge hook and the Evaluate tab's handlers."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant import Assistant, Settings
from assistant.cli.main import main
from assistant.eval.records import METRICS, EvaluationError, EvaluationInterrupted, Record, Report, parse_bounds
from assistant.eval.report import compare_runs, load_run, write_run
from assistant.eval.run import (
    Judge,
    evaluate,
    new_record,
    score,
    summarize,
    verdict,
)
from assistant.eval.testsets import TestCase, load_testset
from assistant.ui.eval_tab import build_eval_tab, comparison_markdown, previous_run, run_evaluation, shipped_testsets

from .conftest import ROOT

ARTICLE = "us-russia-dialogue-ukraine-peace-talks"
SMALL = [
    {
        "id": "country",
        "question": "In which country did Rubio and Lavrov meet?",
        "answers": ["Malaysia"],
        "article_id": ARTICLE,
        "tags": ["fact"],
    },
    {
        "id": "follow",
        "question": "Where did they meet?",
        "history": ["Who did Rubio meet?"],
        "answers": ["Malaysia"],
        "article_id": ARTICLE,
        "tags": ["followup"],
    },
    {
        "id": "cnn",
        "question": "Which outlet reported that Rubio conveyed Trump's frustration?",
        "answers": ["CNN"],
        "article_id": ARTICLE,
    },
    {"id": "none", "question": "Who won the 2022 FIFA World Cup?", "answerable": False},
]


def small_set(folder: Path) -> Path:
    path = folder / "small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in SMALL), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def seed_assistant(seed_index_dir: Path) -> Assistant:
    return Assistant.from_settings(Settings.load(env={}, index_dir=seed_index_dir))


@pytest.fixture(scope="module")
def report(seed_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Report:
    cases = load_testset(small_set(tmp_path_factory.mktemp("set")))
    return evaluate(seed_assistant, cases, progress=False, name="small")


# --- the harness --------------------------------------------------------------------------------------
def test_records_hold_real_answers_and_scores(report: Report) -> None:
    r = {rec.id: rec for rec in report.records}
    country = r["country"]
    assert country.verdict == "correct" and country.passed is True
    assert "Malaysia" in country.answer and country.citations and country.latency_ms > 0
    assert [p["rank"] for p in country.retrieved] == [1, 2, 3, 4, 5]
    assert country.scores["hit@5"] == 1.0 and country.scores["containment"] == 1.0
    assert any(c["supports"] for c in country.citations)
    assert country.scores["faithfulness"] == 1.0  # extractive answers quote their passages
    # the follow-up was asked with its history: the query carries the earlier subject
    assert "Rubio" in r["follow"].query and r["follow"].verdict == "correct"
    none = r["none"]
    assert none.scores["hit@1"] is None and none.scores["containment"] is None
    assert none.abstained and none.verdict == "abstained" and none.passed is True  # nothing about football


def test_summary_counts_and_means(report: Report) -> None:
    s = report.summary
    assert (s["questions"], s["answerable"], s["unanswerable"], s["errors"]) == (4, 3, 1, 0)
    assert [r.verdict for r in report.records] == ["correct", "correct", "correct", "abstained"]
    assert (s["pass_rate"], s["containment"], s["hit@5"]) == (1.0, 1.0, 1.0)
    assert s["latency_p95_ms"] >= s["latency_p50_ms"] > 0
    assert (s["abstention_accuracy"], s["over_refusal"], s["abstention_rate"]) == (1.0, 0.0, 0.25)
    assert s["judge_correctness"] is None
    assert report.meta["settings"]["backend"] == "extractive"


def _record(case: TestCase, answer: str, abstained: bool, citations: list[dict] | None = None) -> Record:
    rec = new_record(case)
    rec.answer, rec.abstained, rec.citations = answer, abstained, citations or []
    rec.scores, rec.verdict = score(rec, case), verdict(rec, case)
    return rec


def test_all_abstained_edge_case() -> None:
    answerable = TestCase("a", "Where?", answers=["Malaysia"])
    unanswerable = TestCase("u", "Capital of France?", answerable=False)
    records = [
        _record(answerable, "The articles don't say.", True),
        _record(unanswerable, "The articles don't say.", True),
    ]
    s = summarize(records)
    assert [r.verdict for r in records] == ["over-refused", "abstained"]
    assert (s["over_refusal"], s["abstention_accuracy"], s["abstention_rate"], s["pass_rate"]) == (1.0, 1.0, 1.0, 0.5)
    assert s["containment"] == 0.0 and s["f1"] == 0.0 and s["citation_recall"] == 0.0
    assert s["citation_precision"] is None and s["faithfulness"] is None and s["answer_words"] is None


def test_no_gold_and_marker_only_answers() -> None:
    bare = TestCase("b", "Tell me something.")
    rec = _record(
        bare, "Lavrov met Rubio. [1]", False, [{"n": 1, "text": "Lavrov met Rubio in Malaysia.", "supports": None}]
    )
    assert rec.verdict == "unscored" and rec.passed is None
    assert rec.scores["containment"] is None and rec.scores["citation_precision"] is None
    assert rec.scores["faithfulness"] == 1.0
    markers = _record(TestCase("m", "Where?", answers=["Malaysia"]), "[1]", False)
    assert markers.verdict == "incorrect" and markers.scores["f1"] == 0.0 and markers.scores["faithfulness"] is None
    s = summarize([rec, Record("e", "q", True, [], "", "", [], [], verdict="error", error="backend down")])
    assert s["pass_rate"] is None and s["errors"] == 1 and s["questions"] == 2


def test_bounds() -> None:
    assert parse_bounds(["containment=0.8", "hit@5=0.9"]) == {"containment": 0.8, "hit@5": 0.9}
    with pytest.raises(EvaluationError, match=r"unknown metric 'recall'.*valid metrics: pass_rate, hit@1"):
        parse_bounds(["recall=0.5"])
    with pytest.raises(EvaluationError, match="needs a number"):
        parse_bounds(["f1=high"])
    rep = Report("x", [], {"f1": 0.5, "hit@5": None})
    assert rep.check({"f1": 0.4}) == []
    assert rep.check({"f1": 0.6, "hit@5": 0.1}) == [
        "f1 = 0.5 is under 0.6",
        "hit@5 was not measured in this run (bound 0.1)",
    ]


# --- run folders and compare -----------------------------------------------------------------------------
def test_run_folder_files_are_readable(report: Report, tmp_path: Path) -> None:
    out = write_run(report, tmp_path / "run")
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in results] == ["country", "follow", "cnn", "none"]
    assert {"answer", "citations", "retrieved", "verdict", "latency_ms", "scores", "passed"} <= set(results[0])
    assert json.loads((out / "summary.json").read_text())["metrics"] == report.summary
    page = (out / "report.html").read_text()
    images = [chunk.split('"', 1)[0] for chunk in page.split("data:image/png;base64,")[1:]]
    assert len(images) == 4 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)  # + per category
    assert "<script" not in page and "http" not in page.split("<body>")[1]  # self-contained
    ragas = [json.loads(line) for line in (out / "ragas.jsonl").read_text().splitlines()]
    assert set(ragas[0]) == {"user_input", "response", "retrieved_contexts", "reference"}
    assert ragas[0]["reference"] == "Malaysia" and len(ragas[0]["retrieved_contexts"]) == 5
    assert "[1]" not in ragas[0]["response"]
    assert "| containment |" in (out / "summary.md").read_text()
    again = load_run(out)
    assert again.summary == report.summary and [r.verdict for r in again.records] == [r.verdict for r in report.records]


def test_compare_finds_changed_verdicts(report: Report, seed_index_dir: Path, tmp_path: Path) -> None:
    refusing = Assistant.from_settings(Settings.load(env={}, index_dir=seed_index_dir, abstain_threshold=100.0))
    cases = load_testset(small_set(tmp_path))
    worse = evaluate(refusing, cases, progress=False, name="small")
    comparison = compare_runs(write_run(report, tmp_path / "a"), write_run(worse, tmp_path / "b"))
    changed = {c["id"]: c for c in comparison.changed}
    assert changed["country"]["a"] == "correct" and changed["country"]["b"] == "over-refused"
    assert changed["country"]["change"] == "broken"
    over = next(d for d in comparison.deltas if d["metric"] == "over_refusal")
    # run a refused nothing answerable; run b refused all three answerable questions
    assert (over["a"], over["b"], over["delta"], over["better"]) == (0.0, 1.0, 1.0, False)
    assert "broken  country" in comparison.to_text()
    over_line = next(line for line in comparison.to_text().splitlines() if line.startswith("over_refusal"))
    assert over_line.split()[1:] == ["0.000", "1.000", "+1.000", "worse"]
    assert "| over_refusal | 0.000 | 1.000 | +1.000 (worse) |" in comparison_markdown(comparison)
    with pytest.raises(EvaluationError, match="not a run folder"):
        compare_runs(tmp_path / "a", tmp_path)


# --- CLI ------------------------------------------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_cli_fail_under_exit_codes_and_compare(
    seed_index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    index = tmp_path / "index-copy"
    shutil.copytree(seed_index_dir, index)
    testset = small_set(tmp_path)
    # the exit status CI sees, from a real process
    bad = _cli(
        "eval",
        str(testset),
        "--index",
        str(index),
        "--out",
        "b",
        "--json",
        "--fail-under",
        "containment=1.01",
        "pass_rate=0",
        cwd=tmp_path,
    )
    assert bad.returncode == 1, bad.stderr
    assert "FAILED bound: containment = " in bad.stderr and "pass_rate" not in bad.stderr
    assert json.loads(bad.stdout)["failed_bounds"][0].startswith("containment")
    # the rest in process: the same code path without loading the model again
    code = main(
        [
            "eval",
            str(testset),
            "--index",
            str(index),
            "--out",
            str(tmp_path / "a"),
            "--quiet",
            "--fail-under",
            "containment=0.5",
            "hit@5=0.5",
        ]
    )
    assert code == 0 and "containment" in capsys.readouterr().out and (tmp_path / "a" / "report.html").is_file()
    assert main(["eval", str(testset), "--fail-under", "accuracy=0.5"]) == 2
    err = capsys.readouterr().err
    assert "unknown metric 'accuracy'" in err and "containment" in err
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--json"]) == 0
    deltas = json.loads(capsys.readouterr().out)["deltas"]
    assert {d["metric"] for d in deltas} >= {"containment", "hit@1", "pass_rate"}


def test_cli_corpus_from_testset(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from .test_testsets import SQUAD_MINI

    path = tmp_path / "mini.json"
    path.write_text(json.dumps(SQUAD_MINI), encoding="utf-8")
    code = main(["eval", str(path), "--corpus-from-testset", "--limit", "3", "--out", str(tmp_path / "run"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["metrics"]["questions"] == 3 and out["metrics"]["hit@5"] == 1.0
    assert not (tmp_path / "index").exists()  # the articles went to a temporary index, not the configured one
    assert main(["eval", "compare", str(tmp_path / "run")]) == 2  # one folder is not a comparison
    assert main(["eval", str(small_set(tmp_path)), "--corpus-from-testset"]) == 2  # JSON Lines carries no articles
    assert "only SQuAD JSON test sets carry their articles" in capsys.readouterr().err


# --- LLM judge hook --------------------------------------------------------------------------------------
def test_judge_grades_and_bad_replies_only_mark_the_record(seed_assistant: Assistant, tmp_path: Path) -> None:
    replies = ['{"correct": true, "score": 1, "reason": "names Malaysia"}', "Looks fine to me!"]
    judge = Judge(FakeListChatModel(responses=replies), seed_assistant.settings.prompts_dir)
    cases = load_testset(small_set(tmp_path))[:2]
    rep = evaluate(seed_assistant, cases, progress=False, judge=judge)
    first, second = rep.records
    assert first.judge == {"correct": True, "score": 1.0, "reason": "names Malaysia"} and not first.judge_error
    assert second.judge is None and "unparseable judge reply" in second.judge_error
    assert rep.summary["judge_correctness"] == 1.0 and rep.summary["judge_errors"] == 1


def test_judge_survives_an_unreachable_server(tmp_path: Path, closed_port: int) -> None:
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(
        base_url=f"http://127.0.0.1:{closed_port}/v1", api_key="unused", model="none", max_retries=0, timeout=5
    )
    verdict_, error = Judge(model, ROOT / "prompts").grade(
        TestCase("x", "Where?", answers=["Malaysia"]), "Malaysia [1]"
    )
    assert verdict_ is None and error.startswith("judge call failed:") and "Connection" in error


# --- the Evaluate tab --------------------------------------------------------------------------------------
def test_eval_tab_runs_and_compares_with_the_previous_run(seed_assistant: Assistant, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    with gr.Blocks():
        build_eval_tab(lambda: seed_assistant, runs)
    assert "seed.jsonl" in shipped_testsets() and "natural/dev.jsonl" in shipped_testsets()
    assert not any(name.startswith("/") or "drafts" in name for name in shipped_testsets())  # names, not paths
    testset = str(small_set(tmp_path))
    status, rows, comparison, files, plots, page = run_evaluation(
        testset, None, 2, get_assistant=lambda: seed_assistant, runs_dir=runs
    )
    assert "2 questions" in status and "No previous run" in comparison
    assert [r[0] for r in rows] == list(METRICS) and dict((r[0], r[1]) for r in rows)["containment"] == "1.000"
    assert all(Path(f).is_file() for f in files) and page.startswith("<iframe") and "srcdoc=" in page
    assert plots.count("<img") >= 2 and 'alt="Latency"' in plots and "data:image/png;base64," in plots
    first = previous_run(runs, "small")
    steps: list[tuple] = []
    _, _, comparison, _, _, _ = run_evaluation(
        None,
        testset,
        2,
        get_assistant=lambda: seed_assistant,
        runs_dir=runs,
        progress=lambda step, **_: steps.append(step),
    )
    assert steps == [(0, 2), (1, 2), (2, 2)]
    assert f"`{first.name}`" in comparison and "| containment | 1.000 | 1.000 | +0.000 |" in comparison
    assert previous_run(runs, "small") != first and previous_run(runs, "other") is None


def test_eval_tab_compares_only_like_runs(seed_assistant: Assistant, tmp_path: Path) -> None:
    runs, testset = tmp_path / "runs", str(small_set(tmp_path))
    run_evaluation(None, testset, 2, get_assistant=lambda: seed_assistant, runs_dir=runs)
    # One question instead of two: not compared, and the page says why.
    _, _, comparison, *_ = run_evaluation(None, testset, 1, get_assistant=lambda: seed_assistant, runs_dir=runs)
    assert comparison.startswith("Not compared") and "2 vs 1 questions" in comparison and "| metric |" not in comparison
    # Other settings (more passages): not compared either, and the setting is named.
    wider = Assistant(seed_assistant.settings.with_overrides(top_k=7), index=seed_assistant.index)
    _, _, comparison, *_ = run_evaluation(None, testset, 2, get_assistant=lambda: wider, runs_dir=runs)
    assert comparison.startswith("Not compared") and "top_k 5 vs 7" in comparison
    # The same two questions with the first settings: compared with the first run, skipping the unlike ones.
    first = sorted(runs.iterdir())[0]
    _, _, comparison, *_ = run_evaluation(None, testset, 2, get_assistant=lambda: seed_assistant, runs_dir=runs)
    assert f"`{first.name}`" in comparison and "| containment |" in comparison


def test_the_shipped_test_set_is_run_by_its_name(seed_assistant: Assistant, tmp_path: Path) -> None:
    status, *_ = run_evaluation("seed.jsonl", None, 1, get_assistant=lambda: seed_assistant, runs_dir=tmp_path)
    assert status.startswith("**seed**: 1 questions")


def test_eval_tab_errors_are_shown_to_the_user(seed_assistant: Assistant, tmp_path: Path) -> None:
    with pytest.raises(gr.Error, match="Choose a shipped test set"):
        run_evaluation(None, None, 0, get_assistant=lambda: seed_assistant, runs_dir=tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"answers": ["x"]}\n', encoding="utf-8")
    with pytest.raises(gr.Error, match=r"bad\.jsonl:1"):
        run_evaluation(None, str(bad), 0, get_assistant=lambda: seed_assistant, runs_dir=tmp_path)


def test_ctrl_c_during_a_run_keeps_the_report_of_the_questions_asked(
    seed_assistant: Assistant, seed_index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    cases = load_testset(small_set(tmp_path))
    assert len(cases) > 3

    def stop_at_three(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(EvaluationInterrupted) as stopped:
        evaluate(seed_assistant, cases, progress=stop_at_three, name="stopped")
    report = stopped.value.report
    assert [r.id for r in report.records] == [c.id for c in cases[:3]] and report.summary["questions"] == 3
    assert report.meta["interrupted"] == f"after 3 of {len(cases)} questions"

    def stop_at_once(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as early:  # before any question is answered there is nothing to report
        evaluate(seed_assistant, cases, progress=stop_at_once)
    assert not isinstance(early.value, EvaluationInterrupted)


def test_cli_eval_interrupted_writes_the_partial_run(
    seed_index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.eval.run as run_module

    real, calls = run_module.run_case, []

    def interrupted_third(*args: Any, **kwargs: Any) -> Record:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as Ctrl-C lands while the third question is answered
        return real(*args, **kwargs)

    monkeypatch.setattr(run_module, "run_case", interrupted_third)
    testset, out = small_set(tmp_path), tmp_path / "run"
    code = main(["eval", str(testset), "--index", str(seed_index_dir), "--out", str(out), "--quiet"])
    total = len(load_testset(testset))
    assert code == 130
    assert f"interrupted after 2 of {total} questions" in capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["metrics"]["questions"] == 2 and summary["interrupted"] == f"after 2 of {total} questions"
    assert (out / "report.html").is_file() and len((out / "results.jsonl").read_text().splitlines()) == 2
