"""Answer and retrieval metrics that need no LLM: pure functions over strings and spans.

Answer strings are compared after SQuAD normalisation (lower case, punctuation and the articles
a/an/the removed, whitespace collapsed), so "The Malaysia summit." and "malaysia summit" are
equal. Citation markers such as `[2]` are removed from answers first: they are not words.

`parse_judge` reads an LLM judge's verdict; it is string work too (the judge itself, which
calls the model, is `run.Judge`).

Conventions: a metric that cannot be measured for a question (no gold, nothing cited, an
abstention) is `None` there and left out of the averages, rather than counted as 0 or 1.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from ..text import stems

MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT_CHARS = string.punctuation + "“”‘’–—…"
_DROP_PUNCT = str.maketrans("", "", _PUNCT_CHARS)
_SPACE_PUNCT = str.maketrans(_PUNCT_CHARS, " " * len(_PUNCT_CHARS))
# A sentence ends at . ! or ? followed by space and an upper-case letter, digit or quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")

# A passage "supports" a reference answer when it holds this share of the reference's content words.
REFERENCE_SUPPORT = 0.6
# An answer sentence is supported by a passage holding this share of its content words.
SENTENCE_SUPPORT = 0.75


# --- normalisation ------------------------------------------------------------------------------
def strip_markers(text: str) -> str:
    """The answer text without its `[n]` citation markers (also `[1, 2]`)."""
    return " ".join(MARKER.sub("", text or "").split())


def normalize(text: str, split_punct: bool = False) -> str:
    """SQuAD answer normalisation: lower case, no punctuation, no a/an/the, single spaces.

    `split_punct` turns punctuation into spaces instead of deleting it, so "Cold War-style" holds
    the words "cold war" (the official SQuAD script deletes it, making "warstyle").
    """
    text = (text or "").lower().translate(_SPACE_PUNCT if split_punct else _DROP_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def word_count(text: str) -> int:
    """Words of an answer, markers not counted."""
    return len(strip_markers(text).split())


# --- answer correctness -------------------------------------------------------------------------
def exact_match(prediction: str, golds: Sequence[str]) -> float | None:
    """1.0 when the normalised answer equals a normalised gold answer; None without gold answers."""
    if not golds:
        return None
    pred = normalize(strip_markers(prediction))
    return float(any(pred == normalize(g) for g in golds))


def token_f1(prediction: str, golds: Sequence[str]) -> float | None:
    """The best SQuAD token F1 of the answer against any gold answer; None without gold answers."""
    if not golds:
        return None
    pred = normalize(strip_markers(prediction)).split()
    return max(_f1(pred, normalize(g).split()) for g in golds)


def _f1(pred: list[str], gold: list[str]) -> float:
    if not pred or not gold:
        return float(pred == gold)  # both empty: a match; one empty: nothing in common
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def contains_answer(text: str, golds: Iterable[str]) -> bool:
    """True when a normalised gold answer occurs in the normalised text as whole words.

    Both normalisations are tried: SQuAD's (punctuation deleted: "U.S." = "US") and punctuation
    as spaces ("Cold War-style" holds "Cold War").
    """
    text = strip_markers(text)
    golds = list(golds)
    for split in (False, True):
        padded = f" {normalize(text, split)} "
        if any(norm and f" {norm} " in padded for norm in (normalize(g, split) for g in golds)):
            return True
    return False


def keys_held(text: str, keys: Iterable[str]) -> int:
    """How many of `keys` (the facts a summary or a list should hold) occur in `text`: as whole words, or as
    the start of a word ("excommunicat" in "excommunicated")."""
    plain = f" {normalize(strip_markers(text), True)} "
    return sum(contains_answer(text, [k]) or f" {normalize(k, True)}" in plain for k in keys if k.strip())


def containment(prediction: str, golds: Sequence[str]) -> float | None:
    """1.0 when the answer contains a gold answer (the fair test for sentence answers); None without gold."""
    if not golds:
        return None
    return float(contains_answer(prediction, golds))


# --- support ------------------------------------------------------------------------------------
def coverage(part: str, whole: str) -> float:
    """Share of the content-word stems of `part` that also occur in `whole` (1.0 when `part` has none)."""
    wanted = stems(part)
    return len(wanted & stems(whole)) / len(wanted) if wanted else 1.0


def supports_answer(passage: str, answers: Sequence[str], reference: str = "") -> bool | None:
    """Whether a passage holds the answer: an accepted answer string, or most of the reference's words.

    None when there is nothing to check against (no answers and no reference).
    """
    if not answers and not reference.strip():
        return None
    if answers and contains_answer(passage, answers):
        return True
    return bool(reference.strip()) and coverage(reference, passage) >= REFERENCE_SUPPORT


def supports_sentence(passage: str, sentence: str) -> bool:
    """Whether a passage states an answer sentence: it contains it, or most of its content words."""
    sent = normalize(sentence)
    if not sent:
        return True  # nothing to support ("[1]" alone)
    return sent in normalize(passage) or coverage(sentence, passage) >= SENTENCE_SUPPORT


# --- answer sentences and their markers ---------------------------------------------------------
def cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """The answer's sentences, each with the citation numbers that vouch for it.

    A marker group vouches for every sentence since the previous group ("A. B. [1]" cites both
    A and B with [1]); sentences after the last marker are uncited.
    """
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for m in MARKER.finditer(text or ""):
        numbers = [int(n) for n in re.findall(r"\d+", m.group())]
        out += [(s, numbers) for s in split_sentences(text[pos : m.start()])]
        pos = m.end()
    out += [(s, []) for s in split_sentences((text or "")[pos:])]
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of plain text; fragments without a letter or digit are dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if any(ch.isalnum() for ch in s)]


def faithfulness(text: str, passages: dict[int, str]) -> float | None:
    """Share of answer sentences supported by one of the passages they cite (`passages`: n -> text).

    A sentence citing nothing, or only numbers that are not among the citations, is unsupported.
    None when the answer has no sentences (empty, or only markers).
    """
    sentences = cited_sentences(text)
    if not sentences:
        return None
    ok = sum(any(n in passages and supports_sentence(passages[n], s) for n in ns) for s, ns in sentences)
    return ok / len(sentences)


# --- retrieval ------------------------------------------------------------------------------------
def hit_at(hits: Sequence[bool], k: int) -> float:
    """1.0 when one of the first `k` ranked results is relevant."""
    return float(any(hits[:k]))


def reciprocal_rank(hits: Sequence[bool]) -> float:
    """1 / rank of the first relevant result, 0.0 when none of the ranked results is."""
    return next((1.0 / (i + 1) for i, hit in enumerate(hits) if hit), 0.0)


def spans_overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Whether two half-open character spans share at least one character."""
    return min(a_end, b_end) > max(a_start, b_start)


# --- aggregation ---------------------------------------------------------------------------------
def mean(values: Iterable[float | bool | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    kept = [float(v) for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The `q`-th percentile (0-100) with linear interpolation, as numpy's default; None when empty."""
    data = sorted(values)
    if not data:
        return None
    pos = (len(data) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


# --- LLM judge replies ----------------------------------------------------------------------------
JUDGE_VERDICT = re.compile(r"\bverdict\s*[:=]\s*\**\s*(correct|incorrect)\b", re.I)


def parse_judge(reply: str) -> dict[str, Any]:
    """The judge's verdict from its reply; ValueError names what could not be read."""
    start, end = reply.find("{"), reply.rfind("}")
    if 0 <= start < end:
        try:
            data = json.loads(reply[start : end + 1])
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and "correct" in data:
            correct = _truthy(data["correct"])
            if correct is not None:
                return {
                    "correct": correct,
                    "score": _score(data.get("score"), correct),
                    "reason": str(data.get("reason", ""))[:500],
                }
    found = JUDGE_VERDICT.search(reply)
    if found:
        correct = found.group(1).lower() == "correct"
        return {"correct": correct, "score": float(correct), "reason": ""}
    raise ValueError(f"unparseable judge reply: {reply.strip()[:200]!r}")


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "1", "correct"}:
        return True
    if text in {"false", "no", "0", "incorrect"}:
        return False
    return None  # "maybe", "partially": not a verdict


def _score(value: Any, correct: bool) -> float:
    """The judge's score clipped to 0..1; its verdict as 0/1 when the score is missing or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return float(correct)
    return min(max(number, 0.0), 1.0) if math.isfinite(number) else float(correct)
