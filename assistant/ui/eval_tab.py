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
from ..eval.report import (
    Comparison,
    compare_runs,
    differences,
    fmt,
    load_run,
    metric_rows,
    plots,
    report_html,
    write_run,
)
from ..eval.run import evaluate
from ..eval.testsets import load_testset

if TYPE_CHECKING:
    from ..api import Assistant

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"  # the repository's evals/ folder
RUN_FILES = ("report.html", "summary.md", "summary.json", "results.jsonl", "ragas.jsonl")


def shipped_testsets(evals_dir: Path = EVALS_DIR) -> list[str]:
    """The test sets shipped in `evals/` (JSON Lines and CSV), by name relative to it: no server paths on the page."""
    found = (p for p in Path(evals_dir).rglob("*") if p.suffix in (".jsonl", ".csv") and "drafts" not in p.parts)
    return sorted(p.relative_to(evals_dir).as_posix() for p in found)


def build_eval_tab(get_assistant: Callable[[], Assistant], runs_dir: Path, evals_dir: Path = EVALS_DIR) -> None:
    """Add the "Evaluate" tab to the open Blocks: choose or upload a test set, run it, read the report.

    Run folders go to `runs_dir`; for the report files to be downloadable it must lie under the
    working directory, the temp folder or the app's `allowed_paths`.
    """
    choices = shipped_testsets(evals_dir)
    with gr.Tab("Evaluate"):
        gr.Markdown(
            "Score the assistant on a test set: every question is asked, answers and citations are "
            "checked, and a report is written. A run is compared with the last earlier run over the same "
            "questions, articles and settings. `ragas.jsonl` is in the sample schema of ragas 0.4 (`user_input`, "
            "`response`, `retrieved_contexts`, `reference`, `reference_contexts`): load it with "
            "`ragas.EvaluationDataset.from_list`."
        )
        with gr.Row():
            testset = gr.Dropdown(
                choices=choices,
                value="seed.jsonl" if "seed.jsonl" in choices else next(iter(choices), None),
                label="Shipped test set",
                elem_id="eval-set",
            )
            upload = gr.File(
                label="...or upload one (.jsonl, .csv, SQuAD .json)",
                file_types=[".jsonl", ".csv", ".json"],
                type="filepath",
            )
            limit = gr.Number(value=0, precision=0, minimum=0, label="Only the first N questions (0 = all)")
        run = gr.Button("Run evaluation", variant="primary", elem_id="eval-run")
        status = gr.Markdown(elem_id="eval-status")
        summary = gr.Dataframe(
            headers=["metric", "value", "meaning"],
            interactive=False,
            label="Summary",
            max_height=2000,  # all the metrics, no inner scrolling
            wrap=True,
            column_widths=["22%", "12%", "66%"],
            elem_id="eval-summary",
        )
        comparison = gr.Markdown(label="Comparison with the previous run", elem_id="eval-comparison")
        plots = gr.HTML(elem_id="eval-plots")
        files = gr.File(label="Report files", file_count="multiple", interactive=False)
        with gr.Accordion("The whole report (failed questions)", open=False):
            page = gr.HTML()

        def on_run(
            choice: str | None,
            uploaded: str | None,
            first: float | None,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's idiom
        ) -> tuple[Any, ...]:
            return run_evaluation(
                choice,
                uploaded,
                first,
                get_assistant=get_assistant,
                runs_dir=runs_dir,
                progress=progress,
                evals_dir=evals_dir,
            )

        outputs = [status, summary, comparison, files, plots, page]
        run.click(on_run, inputs=[testset, upload, limit], outputs=outputs)


def run_evaluation(
    choice: str | None,
    uploaded: str | None,
    first: float | None,
    *,
    get_assistant: Callable[[], Assistant],
    runs_dir: Path,
    progress: Callable[..., Any] | None = None,
    evals_dir: Path = EVALS_DIR,
) -> tuple[str, list[list[str]], str, list[str], str, str]:
    """Run a test set (`choice`: a shipped name; `uploaded`: a file's path).

    Returns (status, summary rows, comparison markdown, report files, plots, report iframe).
    """
    path = uploaded or (str(Path(evals_dir) / choice) if choice else None)
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
    before, note = comparable_run(Path(runs_dir), report)
    out = write_run(report, default_run_dir(report.name, runs_dir))
    comparison = comparison_markdown(compare_runs(before, out)) if before else note
    return (
        status_text(report),
        [list(row) for row in metric_rows(report.summary)],
        comparison,
        [str(out / f) for f in RUN_FILES],
        plots_html(report),
        report_frame(report),
    )


def _progress(progress: Callable[..., Any] | None) -> Callable[[int, int], None] | bool:
    if progress is None:
        return False

    def update(done: int, total: int) -> None:
        progress((done, total), desc="asking the test questions", unit="questions")

    return update


def previous_runs(runs_dir: Path, name: str) -> list[Path]:
    """The run folders in `runs_dir` of the test set `name`, newest first."""
    if not runs_dir.is_dir():
        return []
    runs = sorted((p for p in runs_dir.iterdir() if (p / "summary.json").is_file()), key=lambda p: p.name)
    found = []
    for folder in reversed(runs):
        try:
            if load_run(folder).name == name:
                found.append(folder)
        except AssistantError:
            continue  # a damaged folder is skipped, not fatal
    return found


def previous_run(runs_dir: Path, name: str) -> Path | None:
    """The newest run folder in `runs_dir` of the test set `name`, or None."""
    return next(iter(previous_runs(runs_dir, name)), None)


def comparable_run(runs_dir: Path, report: Report) -> tuple[Path | None, str]:
    """The newest earlier run over the same questions, articles and settings as `report`, if any.

    Without one, the second item says why nothing is compared: no earlier run of the set, or what
    differs between this run and the newest earlier one (10 vs 47 questions, another backend, ...).
    """
    newest: tuple[Path, list[str]] | None = None
    for folder in previous_runs(runs_dir, report.name):
        unlike = differences(load_run(folder), report)
        if not unlike:
            return folder, ""
        newest = newest or (folder, unlike)
    if newest is None:
        return None, "No previous run of this test set to compare with."
    folder, unlike = newest
    return None, (
        f"Not compared: no earlier run of this set has the same questions and settings. The last one, "
        f"`{folder.name}`, differs: {'; '.join(unlike)}."
    )


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


def plots_html(report: Report) -> str:
    """The run's plots (scores, latency, pass rate per category, per article) as images."""
    figures = "".join(
        f'<figure class="eval-plot"><img alt="{html.escape(title)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(title)}</figcaption></figure>"
        for title, data in plots(report).items()
    )
    return f'<div class="eval-plots">{figures}</div>'


def report_frame(report: Report) -> str:
    """The HTML report in a sandboxed iframe, so its styles stay inside it."""
    doc = html.escape(report_html(report), quote=True)
    return (
        f'<iframe title="evaluation report" sandbox srcdoc="{doc}" style="width:100%;height:900px;border:0"></iframe>'
    )
