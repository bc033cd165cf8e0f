"""The records of an evaluation run: one `Record` per question, the `Report` of a run, the metric names.

Kept apart from running (`run.py`) and writing (`report.py`) so both can use them without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import AssistantError

# Every summary metric, in report order, with what it means; `--fail-under` accepts these names.
METRICS: dict[str, str] = {
    "pass_rate": "questions with a right outcome: answer holds a gold answer, or a due abstention",
    "hit@1": "gold passage ranked first by retrieval",
    "hit@3": "gold passage in the top 3",
    "hit@5": "gold passage in the top 5",
    "mrr": "mean reciprocal rank of the first gold passage (top 5)",
    "exact_match": "answer equals a gold answer (SQuAD-normalised)",
    "f1": "token F1 of the answer against the best gold answer",
    "containment": "answer contains a gold answer",
    "citation_precision": "cited passages that hold the answer",
    "citation_recall": "answerable questions whose citations include a passage holding the answer",
    "faithfulness": "answer sentences supported by the passages they cite",
    "abstention_accuracy": "unanswerable questions the assistant declined or answered only partially",
    "over_refusal": "answerable questions the assistant declined (lower is better)",
    "abstention_rate": "all questions declined",
    "judge_correctness": "answers an LLM judge found correct against the reference",
    "latency_p50_ms": "median time to answer, in ms (lower is better)",
    "latency_p95_ms": "95th percentile latency, in ms (lower is better)",
    "answer_words": "mean words per (non-abstained) answer",
}
LOWER_IS_BETTER = frozenset({"over_refusal", "latency_p50_ms", "latency_p95_ms"})
NEUTRAL = frozenset({"abstention_rate", "answer_words"})  # neither direction is better by itself
PASSING = frozenset({"correct", "abstained"})


class EvaluationError(AssistantError):
    """An evaluation cannot run or a bound is malformed."""


@dataclass
class Record:
    """One question of a run: what was asked, what came back, and how it scored."""

    id: str
    question: str
    answerable: bool
    answers: list[str]
    reference: str
    article_id: str
    history: list[str]
    tags: list[str]
    reference_contexts: list[str] = field(default_factory=list)  # the gold passages' text, when known
    kind: str = ""  # fact, summary, list, followup, ... as the test set says
    keys: list[str] = field(default_factory=list)
    min_keys: int = 0
    answer: str = ""
    abstained: bool = False
    partial: bool = False  # a hedged answer: what the articles say, and that they do not say exactly this
    lead: str = ""
    query: str = ""
    confidence: float = 0.0
    backend: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    retrieved: list[dict[str, Any]] = field(default_factory=list)
    latency_ms: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float | None] = field(default_factory=dict)
    verdict: str = ""
    judge: dict[str, Any] | None = None
    judge_error: str = ""
    error: str = ""

    @property
    def passed(self) -> bool | None:
        """True/False for a scored question, None when nothing says what is right."""
        return None if self.verdict in ("unscored", "error") else self.verdict in PASSING

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


class EvaluationInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run: a `KeyboardInterrupt` that carries the report of the questions asked so far."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.meta.get("interrupted", "interrupted"))
        self.report = report


@dataclass
class Report:
    """A finished run: per-question records, the summary metrics and what was run how."""

    name: str
    records: list[Record]
    summary: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    def failures(self) -> list[Record]:
        """Records that failed, the worst first (errors, then lowest F1)."""
        bad = [r for r in self.records if r.passed is False or r.verdict == "error"]
        return sorted(bad, key=lambda r: (r.verdict != "error", r.scores.get("f1") or 0.0, r.id))

    def check(self, bounds: dict[str, float]) -> list[str]:
        """The bounds this run misses, each as a readable line (empty when all hold)."""
        failed = []
        for name, bound in bounds.items():
            value = self.summary.get(name)
            if value is None:
                failed.append(f"{name} was not measured in this run (bound {bound:g})")
            elif value < bound:
                failed.append(f"{name} = {value:.4g} is under {bound:g}")
        return failed


def default_run_dir(name: str, root: str | Path = "runs") -> Path:
    """`runs/<YYYYmmdd-HHMMSS>-<name>`, the default output folder of a run; never an existing folder."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name) or "run"
    base = Path(root) / f"{datetime.now():%Y%m%d-%H%M%S}-{safe}"
    out, n = base, 1
    while out.exists():  # two runs in the same second
        out, n = base.with_name(f"{base.name}-{n}"), n + 1
    return out


def parse_bounds(items: Sequence[str]) -> dict[str, float]:
    """`["containment=0.8", ...]` as a dict; unknown metrics and bad numbers raise `EvaluationError`."""
    bounds = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in METRICS:
            what = f"unknown metric {name!r}" if sep else f"expected METRIC=VALUE, got {item!r}"
            raise EvaluationError(f"--fail-under: {what}; valid metrics: {', '.join(METRICS)}")
        try:
            bounds[name] = float(value)
        except ValueError:
            raise EvaluationError(f"--fail-under: {item!r} needs a number after '='") from None
    return bounds
