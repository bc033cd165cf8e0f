"""The web UI's Evaluate tab: run a test set, read the report, compare with the previous run.

`build_eval_tab(get_assistant, runs_dir)` is called by the UI factory inside an open `gr.Blocks()`.
The handlers are plain functions (`run_evaluation`, `previous_run`, ...) so tests call them
directly; all behaviour lives in `eval/run.py` and `eval/report.py`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..errors import AssistantError
from ..eval.records import Report, default_run_dir
from ..eval.report import Comparison, compare_runs, fmt, load_run, metric_rows, report_html, write_run
from ..eval.run import evaluate
from ..eval.testsets import load_testset

if TYPE_CHECKING:
    from ..api import Assistant

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"  # the repository's evals/ folder
RUN_FILES = ("report.html", "summary.md", "summary.json", "results.jsonl", "ragas.jsonl")


def shipped_testsets(evals_dir: Path = EVALS_DIR) -> list[str]:
    """The test sets shipped in `evals/` (JSON Lines and CSV), by path."""
    return sorted(str(p) for p in Path(evals_dir).glob("*") if p.suffix in (".jsonl", ".csv"))


def build_eval_tab(get_assistant: Callable[[], Assistant], runs_dir: Path, evals_dir: Path = EVALS_DIR) -> None:
    """Add the "Evaluate" tab to the open Blocks: choose or upload a test set, run it, read the report.

    Run folders go to `runs_dir`; for the report files to be downloadable it must lie under the
    working directory, the temp folder or the app's `allowed_paths`.
    """
    choices = shipped_testsets(evals_dir)
    with gr.Tab("Evaluate"):
        gr.Markdown(
            "Score the assistant on a test set: every question is asked, answers and citations are "
            "checked, and a report is written. Runs are compared with the previous run of the same set. "
            "`ragas.jsonl` is in the sample schema of ragas 0.4 (`user_input`, `response`, "
            "`retrieved_contexts`, `reference`, `reference_contexts`): load it with "
            "`ragas.EvaluationDataset.from_list`."
        )
        with gr.Row():
            testset = gr.Dropdown(choices=choices, value=choices[0] if choices else None, label="Shipped test set")
            upload = gr.File(
                label="...or upload one (.jsonl, .csv, SQuAD .json)",
                file_types=[".jsonl", ".csv", ".json"],
                type="filepath",
            )
            limit = gr.Number(value=0, precision=0, minimum=0, label="Only the first N questions (0 = all)")
        run = gr.Button("Run evaluation", variant="primary")
        status = gr.Markdown()
        summary = gr.Dataframe(headers=["metric", "value", "meaning"], interactive=False, label="Summary")
        comparison = gr.Markdown(label="Comparison with the previous run")
        files = gr.File(label="Report files", file_count="multiple", interactive=False)
        page = gr.HTML()

        def on_run(
            choice: str | None,
            uploaded: str | None,
            first: float | None,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's idiom
        ) -> tuple[Any, ...]:
            return run_evaluation(
                choice, uploaded, first, get_assistant=get_assistant, runs_dir=runs_dir, progress=progress
            )

        run.click(on_run, inputs=[testset, upload, limit], outputs=[status, summary, comparison, files, page])


def run_evaluation(
    choice: str | None,
    uploaded: str | None,
    first: float | None,
    *,
    get_assistant: Callable[[], Assistant],
    runs_dir: Path,
    progress: Callable[..., Any] | None = None,
) -> tuple[str, list[list[str]], str, list[str], str]:
    """Run a test set; returns (status, summary rows, comparison markdown, report files, report iframe)."""
    path = uploaded or choice
    if not path:
        raise gr.Error("Choose a shipped test set or upload one first.")
    try:
        cases = load_testset(path)
        report = evaluate(
            get_assistant(), cases, progress=_progress(progress), limit=int(first or 0) or None, name=Path(path).stem
        )
    except AssistantError as exc:
        raise gr.Error(str(exc)) from None
    report.meta["testset"] = Path(path).name
    before = previous_run(Path(runs_dir), report.name)
    out = write_run(report, default_run_dir(report.name, runs_dir))
    comparison = compare_runs(before, out) if before else None
    return (
        status_text(report),
        [list(row) for row in metric_rows(report.summary)],
        comparison_markdown(comparison),
        [str(out / f) for f in RUN_FILES],
        report_frame(report),
    )


def _progress(progress: Callable[..., Any] | None) -> Callable[[int, int], None] | bool:
    if progress is None:
        return False

    def update(done: int, total: int) -> None:
        progress((done, total), desc="asking the test questions", unit="questions")

    return update


def previous_run(runs_dir: Path, name: str) -> Path | None:
    """The newest run folder in `runs_dir` of the test set `name`, or None."""
    if not runs_dir.is_dir():
        return None
    runs = sorted((p for p in runs_dir.iterdir() if (p / "summary.json").is_file()), key=lambda p: p.name)
    for folder in reversed(runs):
        try:
            if load_run(folder).name == name:
                return folder
        except AssistantError:
            continue  # a damaged folder is skipped, not fatal
    return None


def status_text(report: Report) -> str:
    """One paragraph: counts, pass rate and how many failed."""
    s = report.summary
    return (
        f"**{report.name}**: {s['questions']} questions ({s['answerable']} answerable, {s['unanswerable']} "
        f"unanswerable), pass rate **{fmt(s['pass_rate'])}**, {len(report.failures())} failed, "
        f"{s['errors']} errors."
    )


def comparison_markdown(comparison: Comparison | None) -> str:
    """The deltas and changed questions as Markdown (a note when there is no previous run)."""
    if comparison is None:
        return "No previous run of this test set to compare with."
    lines = [
        f"Compared with the previous run `{Path(comparison.a).name}`:",
        "",
        "| metric | before | now | change |",
        "| --- | --- | --- | --- |",
    ]
    for metric, a, b, delta, verdict in comparison.rows():
        lines.append(f"| {metric} | {a} | {b} | {delta}{f' ({verdict})' if verdict else ''} |")
    lines += ["", f"Questions whose verdict changed: {len(comparison.changed)}"]
    lines += [f"- {c['change']}: `{c['id']}` {c['a']} → {c['b']}: {c['question']}" for c in comparison.changed]
    return "\n".join(lines)


def report_frame(report: Report) -> str:
    """The HTML report in a sandboxed iframe, so its styles stay inside it."""
    doc = html.escape(report_html(report), quote=True)
    return (
        f'<iframe title="evaluation report" sandbox srcdoc="{doc}" style="width:100%;height:900px;border:0"></iframe>'
    )
