"""Run folders: writing a report (JSON Lines, JSON, Markdown, self-contained HTML with plots, a
RAGAS export), reading one back, and comparing two runs question by question.

A run folder holds:
    results.jsonl   one record per question: answer, citations, retrieved passages, scores, verdict
    summary.json    the run's metrics plus what was run (test set, settings)
    summary.md      the metrics and the failed questions, for a pull request or a terminal
    report.html     the same with plots embedded as PNG data, openable from anywhere
    ragas.jsonl     one RAGAS sample per question, in the schema of ragas 0.2 to 0.4 (`SingleTurnSample`:
                    user_input / response / retrieved_contexts / reference / reference_contexts),
                    which `ragas.EvaluationDataset.from_list` loads
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .metrics import percentile, strip_markers
from .records import LOWER_IS_BETTER, METRICS, NEUTRAL, EvaluationError, Record, Report, default_run_dir

WORST = 25  # failed questions shown in summary.md and report.html


# --- writing ------------------------------------------------------------------------------------------
def write_run(report: Report, out: str | Path | None = None) -> Path:
    """Write every file of the run folder `out` (default `runs/<timestamp>-<name>/`, created if needed)."""
    out = Path(out) if out else default_run_dir(report.name)
    out.mkdir(parents=True, exist_ok=True)
    _jsonl(out / "results.jsonl", (r.to_dict() for r in report.records))
    (out / "summary.json").write_text(
        json.dumps({**report.meta, "metrics": report.summary}, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (out / "summary.md").write_text(summary_markdown(report), encoding="utf-8")
    (out / "report.html").write_text(report_html(report), encoding="utf-8")
    _jsonl(out / "ragas.jsonl", ragas_rows(report.records))
    return out


def _jsonl(path: Path, rows: Any) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


# What a right reply to an unanswerable question says, as the RAGAS `reference` of such a question.
NO_ANSWER_REFERENCE = "The articles do not answer this question."


def ragas_rows(records: list[Record]) -> list[dict[str, Any]]:
    """The RAGAS samples of a run; questions that ended in an error have no response and are left out."""
    return [ragas_row(r) for r in records if r.verdict != "error"]


def ragas_row(record: Record) -> dict[str, Any]:
    """One RAGAS `SingleTurnSample` (ragas >= 0.2): the retrieved passages are `retrieved_contexts`,
    the reference answer (or the accepted answers) the `reference`, the gold passages (when the test
    set gives them) the `reference_contexts`. The pre-0.2 keys (question/answer/contexts/ground_truth)
    load as empty samples in current ragas, so they are not written."""
    reference = record.reference.strip() or "; ".join(record.answers)
    if not reference and not record.answerable:
        reference = NO_ANSWER_REFERENCE
    row: dict[str, Any] = {
        "user_input": record.question,
        "response": strip_markers(record.answer),
        "retrieved_contexts": [p["text"] for p in record.retrieved],
    }
    if reference:
        row["reference"] = reference
    if record.reference_contexts:
        row["reference_contexts"] = list(record.reference_contexts)
    return row


def fmt(value: Any) -> str:
    """A metric value for people: 3 decimals, or '-' when not measured."""
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def metric_rows(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(metric, value, meaning) for every metric of the summary, in report order."""
    return [(name, fmt(summary.get(name)), meaning) for name, meaning in METRICS.items()]


def summary_markdown(report: Report) -> str:
    """The Markdown summary: counts, the metric table and the worst questions."""
    s = report.summary
    lines = [
        f"# Evaluation: {report.name}",
        "",
        f"{s['questions']} questions ({s['answerable']} answerable, {s['unanswerable']} unanswerable, "
        f"{s['errors']} errors) on backend `{report.meta.get('settings', {}).get('backend', '?')}`, "
        f"{report.meta.get('created', '')}.",
        "",
        "| metric | value | meaning |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {n} | {v} | {d} |" for n, v, d in metric_rows(s)]
    if s.get("by_kind"):
        lines += ["", "| kind | pass rate |", "| --- | --- |"] + [
            f"| {k} | {fmt(v)} |" for k, v in s["by_kind"].items()
        ]
    failures = report.failures()
    lines += ["", f"## Failed questions ({len(failures)})", ""]
    for r in failures[:WORST]:
        answer = strip_markers(r.answer or r.error).replace("\n", " ")
        lines.append(f"- **{r.id}** [{r.verdict}] {r.question} — expected {_expected(r)}; got: {answer[:200]}")
    return "\n".join(lines) + "\n"


# --- HTML and plots --------------------------------------------------------------------------------
def _expected(r: Record) -> str:
    if r.keys:
        return f"{r.min_keys} of {r.keys}"
    return str(r.answers or r.reference or "-")


def report_html(report: Report) -> str:
    """A self-contained HTML page: metrics, plots (PNG data URIs) and the worst questions."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(n)}</td><td class=num>{e(v)}</td><td>{e(d)}</td></tr>" for n, v, d in metric_rows(report.summary)
    )
    images = "".join(
        f'<figure><img alt="{e(title)}" src="data:image/png;base64,{data}"><figcaption>{e(title)}</figcaption></figure>'
        for title, data in plots(report).items()
    )
    failures = report.failures()
    worst = "".join(_failure_row(r) for r in failures[:WORST])
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Evaluation: {e(report.name)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}}.num{{text-align:right}}
figure{{display:inline-block;margin:0 1em 1em 0;max-width:100%}}img{{max-width:100%}}.cite{{color:#555;font-size:90%}}</style>
</head><body><h1>Evaluation: {e(report.name)}</h1>
<p>{e(_overview(report))}</p>
<h2>Metrics</h2><table><tr><th>metric</th><th>value</th><th>meaning</th></tr>{rows}</table>{_kinds_html(report)}
<h2>Plots</h2>{images}
<h2>Failed questions ({len(failures)}, worst {min(len(failures), WORST)} shown)</h2>
<table><tr><th>id</th><th>question</th><th>verdict</th><th>expected</th><th>answer and citations</th></tr>{worst}</table>
</body></html>
"""


def _kinds_html(report: Report) -> str:
    kinds = report.summary.get("by_kind") or {}
    if not kinds:
        return ""
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td class=num>{fmt(v)}</td></tr>" for k, v in kinds.items())
    return f"<h3>Pass rate by kind of question</h3><table><tr><th>kind</th><th>pass rate</th></tr>{rows}</table>"


def _overview(report: Report) -> str:
    s, meta = report.summary, report.meta
    settings = meta.get("settings", {})
    return (
        f"{s['questions']} questions ({s['answerable']} answerable, {s['unanswerable']} unanswerable, "
        f"{s['errors']} errors) from {meta.get('testset', '?')} on {meta.get('articles', '?')} articles; "
        f"backend {settings.get('backend', '?')}, top_k {settings.get('top_k', '?')}, abstain_threshold "
        f"{settings.get('abstain_threshold', '?')}; run {meta.get('created', '')}."
    )


def _failure_row(r: Record) -> str:
    e = html.escape
    cites = "".join(
        f"<div class=cite>[{c['n']}] {e(c['title'])}{' / ' + e(c['section']) if c['section'] else ''}: "
        f"{e(' '.join(c.get('sentences') or [c['text'][:300]]))}</div>"
        for c in r.citations
    )
    expected = _expected(r) if r.keys else " | ".join(r.answers) or r.reference
    expected = expected or ("(unanswerable)" if not r.answerable else "-")
    return (
        f"<tr><td>{e(r.id)}</td><td>{e(r.question)}{_history(r)}</td><td>{e(r.verdict)}<div class=cite>confidence {r.confidence:.3f}</div></td>"
        f"<td>{e(expected)}</td><td>{e(r.answer or r.error)}{cites}</td></tr>"
    )


def _history(r: Record) -> str:
    return f"<div class=cite>after: {html.escape(' / '.join(r.history))}</div>" if r.history else ""


def plots(report: Report) -> dict[str, str]:
    """Base64 PNGs by title: score distributions, latency histogram, pass rate per category, per-article hit rate."""
    out = {
        "Score distributions": _png(_scores_figure(report.records)),
        "Latency": _png(_latency_figure(report.records)),
    }
    categories = _categories_figure(report.records)
    if categories is not None:
        out["Pass rate by category"] = _png(categories)
    article = _article_figure(report.records)
    if article is not None:
        out["Retrieval hit@5 and pass rate per article"] = _png(article)
    return out


def _categories_figure(records: list[Record]) -> Figure | None:
    """Pass rate per kind of question (or per tag, for test sets that have tags and no kinds)."""
    groups: dict[str, list[Record]] = defaultdict(list)
    with_kind = any(r.kind for r in records)
    for r in records:
        for name in [r.kind] if with_kind else r.tags:
            if name and r.passed is not None:
                groups[name].append(r)
    if not groups:
        return None
    names = sorted(groups)
    fig = Figure(figsize=(6, 0.35 * len(names) + 1.2))
    ax = fig.subplots()
    ax.barh(range(len(names)), [_rate(r.passed for r in groups[n]) for n in names], color="#55a868")
    ax.set_yticks(list(range(len(names))), [f"{n} ({len(groups[n])})" for n in names], fontsize=8)
    ax.set(xlim=(0, 1), xlabel="pass rate", title="kind of question" if with_kind else "tag")
    ax.invert_yaxis()
    return fig


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _scores_figure(records: list[Record]) -> Figure:
    # Figure() without pyplot: no global state, safe in the web UI's worker threads.
    fig = Figure(figsize=(9, 3.2))
    ax1, ax2 = fig.subplots(1, 2)
    f1 = [r.scores["f1"] for r in records if r.scores.get("f1") is not None]
    ax1.hist(f1, bins=10, range=(0, 1), color="#4c72b0")
    ax1.set(title="token F1 (answerable)", xlabel="F1", ylabel="questions")
    every = [r.confidence for r in records if not r.error]
    bins = np.histogram_bin_edges(every, bins=15) if every else 15  # shared bins: the two groups line up
    for answerable, color in ((True, "#55a868"), (False, "#c44e52")):
        conf = [r.confidence for r in records if r.answerable is answerable and not r.error]
        if conf:
            ax2.hist(conf, bins=bins, alpha=0.6, color=color, label="answerable" if answerable else "unanswerable")
    ax2.set(title="answer confidence", xlabel="confidence", ylabel="questions")
    if every:
        ax2.legend(loc="upper left", fontsize=8)
    return fig


def _latency_figure(records: list[Record]) -> Figure:
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    latencies = [r.latency_ms for r in records if not r.error]
    ax.hist(latencies, bins=20, color="#8172b2")
    for q, style in ((50, "-"), (95, "--")):
        value = percentile(latencies, q)
        if value is not None:
            ax.axvline(value, color="black", linestyle=style, linewidth=1, label=f"p{q} {value:.0f} ms")
    ax.set(title="latency per question", xlabel="ms", ylabel="questions")
    if latencies:
        ax.legend(fontsize=8)
    return fig


def _article_figure(records: list[Record]) -> Figure | None:
    groups: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        if r.article_id and r.answerable:
            groups[r.article_id].append(r)
    if not groups:
        return None
    names = sorted(groups)
    hit = [_rate(r.scores.get("hit@5") for r in groups[n]) for n in names]
    passed = [_rate(r.passed for r in groups[n]) for n in names]
    fig = Figure(figsize=(7, 0.35 * len(names) + 1.2))
    ax = fig.subplots()
    y = range(len(names))
    ax.barh([i + 0.2 for i in y], hit, height=0.4, color="#4c72b0", label="hit@5")
    ax.barh([i - 0.2 for i in y], passed, height=0.4, color="#55a868", label="pass rate")
    ax.set_yticks(list(y), [f"{n} ({len(groups[n])})" for n in names], fontsize=8)
    ax.set(xlim=(0, 1), xlabel="share of the article's questions")
    ax.invert_yaxis()  # alphabetical from the top
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
    return fig


def _rate(values: Any) -> float:
    kept = [float(v) for v in values if v is not None]
    return sum(kept) / len(kept) if kept else 0.0


# --- reading and comparing -------------------------------------------------------------------------
def load_run(folder: str | Path) -> Report:
    """A run folder written by `write_run`, read back as a `Report`."""
    folder = Path(folder)
    summary_path, results_path = folder / "summary.json", folder / "results.jsonl"
    if not summary_path.is_file() or not results_path.is_file():
        raise EvaluationError(f"{folder} is not a run folder (expected summary.json and results.jsonl in it)")
    try:
        meta = json.loads(summary_path.read_text(encoding="utf-8"))
        records = [
            Record.from_dict(json.loads(line))
            for line in results_path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise EvaluationError(f"cannot read the run in {folder}: {exc}") from None
    summary = meta.pop("metrics", {})
    return Report(meta.get("name", folder.name), records, summary, meta)


@dataclass
class Comparison:
    """Two runs side by side: metric deltas (B - A) and the questions whose verdict changed."""

    a: str
    b: str
    deltas: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "deltas": self.deltas,
            "changed": self.changed,
            "only_a": self.only_a,
            "only_b": self.only_b,
        }

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(metric, A, B, B-A, "better"/"worse"/"") per metric, formatted; shared by the CLI and the UI."""
        return [
            (
                d["metric"],
                fmt(d["a"]),
                fmt(d["b"]),
                "-" if d["delta"] is None else f"{d['delta']:+.3f}",
                {True: "better", False: "worse"}.get(d["better"], ""),
            )
            for d in self.deltas
        ]

    def to_text(self) -> str:
        """A plain table of the deltas, then the changed questions."""
        lines = [f"A: {self.a}", f"B: {self.b}", "", f"{'metric':<20} {'A':>9} {'B':>9} {'B-A':>9}"]
        for metric, a, b, delta, verdict in self.rows():
            lines.append(f"{metric:<20} {a:>9} {b:>9} {delta:>9}" + (f"  {verdict}" if verdict else ""))
        lines += ["", f"questions whose verdict changed: {len(self.changed)}"]
        lines += [f"  {c['change']:<7} {c['id']}: {c['a']} -> {c['b']}  {c['question']}" for c in self.changed]
        if self.only_a or self.only_b:
            lines.append(f"only in A: {len(self.only_a)} questions; only in B: {len(self.only_b)}")
        return "\n".join(lines)


def compare_runs(a: str | Path | Report, b: str | Path | Report) -> Comparison:
    """Compare run B against run A (folders or reports), matching questions by id."""
    ra = a if isinstance(a, Report) else load_run(a)
    rb = b if isinstance(b, Report) else load_run(b)
    out = Comparison(ra.name if isinstance(a, Report) else str(a), rb.name if isinstance(b, Report) else str(b))
    for name in METRICS:
        va, vb = ra.summary.get(name), rb.summary.get(name)
        delta = None if va is None or vb is None else round(vb - va, 4)
        better = None if not delta or name in NEUTRAL else (delta < 0) == (name in LOWER_IS_BETTER)
        if va is not None or vb is not None:
            out.deltas.append({"metric": name, "a": va, "b": vb, "delta": delta, "better": better})
    by_a, by_b = {r.id: r for r in ra.records}, {r.id: r for r in rb.records}
    for rid, rec_b in by_b.items():
        rec_a = by_a.get(rid)
        if rec_a is not None and rec_a.verdict != rec_b.verdict:
            out.changed.append(
                {
                    "id": rid,
                    "question": rec_b.question,
                    "a": rec_a.verdict,
                    "b": rec_b.verdict,
                    "change": _change(rec_a, rec_b),
                }
            )
    out.only_a = [i for i in by_a if i not in by_b]
    out.only_b = [i for i in by_b if i not in by_a]
    return out


# Settings that say where things are, not how answers are made: runs that differ only in these compare.
PLACE_SETTINGS = frozenset(
    {"index_dir", "corpus_dir", "upload_dir", "prompts_dir", "chroma_url", "host", "port", "max_upload_mb"}
)


def differences(a: Report, b: Report) -> list[str]:
    """What makes runs A and B unlike (questions, articles, answer settings), one phrase each; empty if alike.

    Metric deltas between unlike runs say nothing about the assistant: a 10-question run is not
    "worse" than the 47-question run of the same set.
    """
    out = []
    set_a, set_b = (Path(str(r.meta.get("testset") or r.name)).name for r in (a, b))  # the CLI keeps the path
    if set_a != set_b:
        out.append(f"test set {set_a} vs {set_b}")
    ids_a, ids_b = {r.id for r in a.records}, {r.id for r in b.records}
    if ids_a != ids_b:
        out.append(f"{len(ids_a)} vs {len(ids_b)} questions" if len(ids_a) != len(ids_b) else "other questions")
    for key, what in (("articles", "articles indexed"), ("focus", "focus"), ("judge", "LLM judge")):
        if a.meta.get(key) != b.meta.get(key):
            out.append(f"{what} {a.meta.get(key)} vs {b.meta.get(key)}")
    sa, sb = a.meta.get("settings") or {}, b.meta.get("settings") or {}
    for key in sorted((set(sa) | set(sb)) - PLACE_SETTINGS):
        if sa.get(key) != sb.get(key):
            out.append(f"{key} {sa.get(key)} vs {sb.get(key)}")
    return out


def _change(before: Record, after: Record) -> str:
    """fixed (now passes), broken (passed before) or changed (a different failure, or unscored)."""
    if after.passed and not before.passed:
        return "fixed"
    if before.passed and not after.passed:
        return "broken"
    return "changed"
