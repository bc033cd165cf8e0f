"""Yes/No verdicts on polar questions ("did Tesla ever marry?"): how often one is given, and how often it is right.

`polar_probes.jsonl` holds 100 polar questions over the articles of the natural-set index (the same index as
`natural_quality.py`), each labelled with what the article says: `yes`, `no`, or `none` (it does not settle it).
They were written for this measure, looking at the articles, in three parts: the first 49 (`tuned`) while the
rules of `assistant/answer/polar.py` were written, the next 25 (`tuned`) before one more rule (hedged claims
settle no yes), the last 26 (`unseen`) before it and never changed for. A verdict is right when it is the label;
no verdict is never wrong (the evidence sentence is shown either way), so the numbers to watch are the wrong
verdicts (a wrong "No." misleads) and, second, how many polar questions get one.

    python benchmarks/polar_quality.py [--index runs/natural-index] [-v]
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

from bench_common import ROOT
from natural_quality import build_index

from assistant import Filters

PROBES = Path(__file__).with_name("polar_probes.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "natural-index")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every verdict given or missed")
    args = parser.parse_args()
    assistant = build_index(args.index)
    rows = [json.loads(line) for line in PROBES.read_text(encoding="utf-8").splitlines() if line.strip()]
    tally: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for row in rows:
        answer = assistant.ask(row["question"], filters=Filters(article_ids=[row["article_id"]]))
        said = answer.lead.rstrip(".").lower() if answer.lead in ("Yes.", "No.") else "none"
        part = tally[row["part"]]
        part["questions"] += 1
        if said != "none":
            part["given"] += 1
            part["right" if said == row["verdict"] else "wrong"] += 1
        if args.verbose and (said != "none" or row["verdict"] != "none"):
            mark = "ok   " if said == row["verdict"] else ("WRONG" if said != "none" else "-    ")
            print(f"  {mark} [{row['verdict']} -> {said}] {row['question']}")
    print(f"polar verdicts on {len(rows)} probe questions ({PROBES.name})")
    for name, part in sorted(tally.items()):
        print(
            f"  {name}: {part['questions']} questions, verdict given {part['given']}, right {part['right']}, "
            f"wrong {part['wrong']}"
        )


if __name__ == "__main__":
    main()
