"""LLM answers on the SQuAD slice next to the extractive ones: quality of citations, fallback, speed.

    python benchmarks/llm_quality.py [--backend llamacpp] [--sample 50] [--seed 0]
    python benchmarks/llm_quality.py --backend openai --base-url http://127.0.0.1:8000/v1

For each sampled answerable question, the same index answers twice: extractive, then the LLM
chain (streamed). Printed per backend:

- containment: the answer holds a gold answer (`metrics.containment`);
- faithfulness: share of answer sentences supported by a passage they cite, judged by the
  evaluation harness's own lexical test (`metrics.faithfulness`), independent of `citecheck`;
  for the LLM it is given for the model's raw reply (its own markers, against the numbered
  passages it was shown) and for the checked answer the user sees;
  ("own answers": those not replaced by the fallback);
- flagged: share of checked-answer sentences listed in `Answer.unsupported`;
- fallback / abstained: share of questions where no model sentence was supported and the
  extractive answer (or an abstention) replaced it, and where the answer abstained;
- latency p50/p95 of a whole question, time to the first token, tokens per second of decoding.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant import Assistant, Settings  # noqa: E402 - after the path and environment set-up
from assistant.errors import LLMError  # noqa: E402
from assistant.eval import metrics as m  # noqa: E402
from assistant.eval.testsets import read_squad, sample, squad_articles, squad_cases  # noqa: E402
from assistant.llm.chain import FALLBACK_NOTE, LLMChain  # noqa: E402
from assistant.models import Answer  # noqa: E402

SQUAD = ROOT / "evals" / "data" / "squad-v1.1-dev-slice.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", default="llamacpp", help="openai, ollama or llamacpp (default)")
    p.add_argument("--base-url", default="", help="server URL for openai/ollama")
    p.add_argument("--model", default="", help="model name for openai/ollama")
    p.add_argument("--index", type=Path, default=ROOT / "runs" / "squad-index", help="index folder (kept)")
    p.add_argument("--sample", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-tokens", type=int, default=160)
    p.add_argument("--context-tokens", type=int, default=900)
    p.add_argument("--top-k", type=int, default=3)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = read_squad(SQUAD)
    base = Assistant.from_settings(Settings.load(index_dir=args.index, top_k=args.top_k))
    base.ingest_articles(squad_articles(data), progress=False)
    llm = Assistant(
        base.settings.with_overrides(
            backend=args.backend,
            llm_base_url=args.base_url,
            llm_model=args.model,
            llm_max_tokens=args.max_tokens,
            context_tokens=args.context_tokens,
            llm_timeout=600.0,
        ),
        index=base.index,
    )
    chain = LLMChain(llm.settings, llm.index)
    cases = sample([c for c in squad_cases(data) if c.answerable], args.sample, args.seed)
    rows = [ask(base, chain, c.question, c.answers) for c in cases]
    report(rows, args, len(cases))
    return 0


def ask(base: Assistant, chain: LLMChain, question: str, golds: list[str]) -> dict:
    """One question, answered extractively and by the LLM, with the numbers of both."""
    t0 = time.perf_counter()
    ext = base.ask(question)
    row = {
        "ext_ms": (time.perf_counter() - t0) * 1000,
        "ext_contains": m.containment(ext.text, golds),
        "ext_faithful": m.faithfulness(ext.text, {c.n: c.text for c in ext.citations}),
    }
    state = chain.prepare().invoke({"question": question, "history": [], "timings": {}})
    shown = {n: text for n, text in enumerate(state["packed"].texts, start=1)}
    t0 = time.perf_counter()
    try:
        out = list(chain.stream(question))
    except LLMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return {**row, "error": 1}
    answer: Answer = out[-1]  # type: ignore[assignment]
    raw = "".join(p for p in out if isinstance(p, str))
    sentences = len(m.cited_sentences(answer.text))
    row.update(
        llm_ms=(time.perf_counter() - t0) * 1000,
        llm_contains=m.containment(answer.text, golds),
        raw_faithful=m.faithfulness(raw, shown),
        llm_faithful=m.faithfulness(answer.text, {c.n: c.text for c in answer.citations}),
        flagged=len(answer.unsupported),
        sentences=sentences,
        abstained=answer.abstained,
        fallback=any(n.startswith(FALLBACK_NOTE) for n in answer.notes),
        first_ms=answer.timings.get("first_token_ms"),
        tps=answer.timings.get("tokens_per_second"),
        tokens=answer.timings.get("tokens"),
    )
    return row


def report(rows: list[dict], args: argparse.Namespace, n: int) -> None:
    ok = [r for r in rows if not r.get("error")]
    pct = lambda key, rs=ok: m.percentile([r[key] for r in rs if r.get(key) is not None], 50)  # noqa: E731
    p95 = lambda key: m.percentile([r[key] for r in ok if r.get(key) is not None], 95)  # noqa: E731
    mean = lambda key, rs=ok: m.mean(r.get(key) for r in rs)  # noqa: E731
    own = [r for r in ok if not r["fallback"] and not r["abstained"]]  # answers the model's text survived in
    flagged = sum(r["flagged"] for r in ok) / max(sum(r["sentences"] for r in ok), 1)
    print(
        f"SQuAD slice, {n} random answerable questions (seed {args.seed}), top_k {args.top_k}, "
        f"context_tokens {args.context_tokens}, llm_max_tokens {args.max_tokens}; {len(rows) - len(ok)} errors"
    )
    print(
        f"  extractive     containment {mean('ext_contains'):.3f}  faithfulness {mean('ext_faithful'):.3f}  "
        f"latency p50 {pct('ext_ms'):.0f} ms  p95 {p95('ext_ms'):.0f} ms"
    )
    print(
        f"  {args.backend:<14} containment {mean('llm_contains'):.3f}  faithfulness raw reply "
        f"{mean('raw_faithful'):.3f} -> checked answer {mean('llm_faithful'):.3f} (model's own answers "
        f"{mean('llm_faithful', own) or 0:.3f}, n={len(own)})  flagged sentences {flagged:.3f}"
    )
    print(
        f"  {'':<14} fallback rate {mean('fallback'):.3f}  abstained {mean('abstained'):.3f}  latency p50 "
        f"{pct('llm_ms'):.0f} ms  p95 {p95('llm_ms'):.0f} ms  first token p50 {pct('first_ms'):.0f} ms  "
        f"decoding p50 {pct('tps'):.1f} tokens/s  {mean('tokens'):.0f} tokens/answer"
    )
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    sys.exit(main())
