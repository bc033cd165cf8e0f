"""Fit the two evidence thresholds of the extractive answerer on natural questions (not on SQuAD alone).

Every question of the calibration files is answered with both thresholds off; the script records the
evidence score (`Answer.confidence`), whether the reply holds the answer, and whether it lacks the type of
answer asked for. It then grid-searches `abstain_threshold` (under it: decline) and `partial_threshold`
(under it: a hedged, partial answer) for the best balance of

    answerable questions answered right (a right partial answer counts half: it is hedged), and
    unanswerable questions declined (a partial answer counts half: it hedges, but still shows a sentence),

subject to over-refusal (answerable questions declined) <= 0.05 in each file. Calibrates on the natural and the
paraphrase `dev` files (and other files you may tune on); never on a `heldout` one.

    python benchmarks/calibrate_natural.py                       # evals/natural/dev.jsonl + evals/paraphrase/dev.jsonl
    python benchmarks/calibrate_natural.py --extra OTHER.jsonl   # add another file of the same shape
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from natural_quality import NATURAL, ROOT, ask, build_index, load, right

from assistant import Answer, Assistant

Observation = tuple[float, bool, bool, bool, bool]


def observe(plain: Assistant, hedged: Assistant, rows: list[dict], focus: bool) -> list[Observation]:
    """(confidence, answerable, the plain answer holds the answer, the partial one does (it shows more
    sentences), lacks the expected type) per scored fact-like question."""
    out = []
    for row in rows:
        if row.get("kind") in ("summary", "meta"):
            continue  # not decided by the evidence score
        a, wide = ask(plain, row, focus), ask(hedged, row, focus)
        out.append((a.confidence, row["answerable"], _holds(row, a), _holds(row, wide), a.partial))
    return out


def _holds(row: dict, answer: Answer) -> bool:
    return bool(row["answerable"]) and right(row, answer)  # the benchmark's own scoring


def outcome(obs: list[Observation], t_abstain: float, t_partial: float) -> dict[str, float]:
    right, declined, refused = [], [], []
    for c, answerable, plain_holds, wide_holds, typeless in obs:
        abstain, partial = c < t_abstain, c < t_partial or typeless
        holds = wide_holds if partial else plain_holds
        if answerable:
            refused.append(abstain)
            right.append(0.0 if abstain or not holds else (0.5 if partial else 1.0))
        else:
            declined.append(1.0 if abstain else (0.5 if partial else 0.0))
    return {
        "right": float(np.mean(right)),
        "declined": float(np.mean(declined)),
        "over_refusal": float(np.mean(refused)),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--extra", type=Path, action="append", default=[], help="another file to calibrate on (all articles)"
    )
    p.add_argument("--index", type=Path, default=ROOT / "runs" / "natural-index")
    args = p.parse_args()
    base = build_index(args.index)
    plain = Assistant.from_settings(base.settings.with_overrides(abstain_threshold=-9.0, partial_threshold=-9.0))
    hedged = Assistant.from_settings(base.settings.with_overrides(abstain_threshold=-9.0, partial_threshold=9.0))
    files = [observe(plain, hedged, load(NATURAL / "dev.jsonl"), True)]
    files.append(observe(plain, hedged, load(NATURAL.parent / "paraphrase" / "dev.jsonl"), True))
    files += [observe(plain, hedged, load(extra), False) for extra in args.extra]
    obs = [o for f in files for o in f]
    best = None
    for ta in np.arange(0.40, 1.21, 0.025):
        for tp in np.arange(ta, 1.61, 0.025):
            # over-refusal bounded in every file: rewordings of one article refuse far more than the rest
            if any(outcome(f, ta, tp)["over_refusal"] > 0.05 for f in files):
                continue
            o = outcome(obs, ta, tp)
            value = o["right"] + o["declined"]
            if best is None or value > best[0] + 1e-9:
                best = (value, round(float(ta), 3), round(float(tp), 3), o)
    now = outcome(obs, base.settings.abstain_threshold, base.settings.partial_threshold)
    print(
        f"{len(obs)} questions; current ({base.settings.abstain_threshold}, {base.settings.partial_threshold}): {now}"
    )
    if best:
        print(f"best abstain_threshold={best[1]} partial_threshold={best[2]}: {best[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
