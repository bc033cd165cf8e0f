"""Citation checking: does each sentence of an LLM answer say what the passages it cites say?

For every answer sentence (a "claim") and every passage the model was shown, a support score
mixes two signals that fail differently:

- dense: the best cosine similarity between the claim and one sentence of the passage (MiniLM,
  the model already loaded for retrieval; passage sentence vectors were computed at ingest).
  It sees paraphrase but is fooled by a claim that swaps one fact for another on the same topic.
- lexical: the share of the claim's stemmed content words found in the passage. It sees copied
  facts but not paraphrase.

A claim that brings a name or a number the passage (and the question) never mention is not
supported by that passage whatever its score: that is how small models invent facts while
keeping the topic ("they met in Beijing" against "they met in Malaysia").

Weights and threshold were calibrated on SQuAD (`benchmarks/citecheck_calibration.py`, 600
questions, 3,600 labelled pairs): positives are answer-bearing claims (the gold sentence, a
12-word excerpt around the answer, and the question turned into a statement with its answer, a
paraphrase proxy) against the gold paragraph; negatives are the same claims against another
paragraph of the same article, and statements whose answer was swapped for another question's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..ingest.chunking import sentence_spans
from ..text import content_words, stems

# Balanced accuracy on the calibration pairs, novel-name rule on: 0.948 at (0.5, 0.60); the
# optimum is flat for dense weights 0.3-0.5 (0.948-0.949), each peaking at threshold 0.60. Without
# the rule the best is 0.931; dense similarity alone (w=1) reaches 0.908 (0.855 without). Per kind at 0.60: copies
# and excerpts 0.997-1.0 kept, statements (paraphrase) 0.85 kept, other paragraphs 0.995 rejected,
# swapped answers 0.85 rejected. 0.55 would keep 3% more paraphrases but pass 7% more swapped facts,
# which is the failure this check exists for; short pronoun-led paraphrases ("They met in Malaysia")
# can fall under the threshold and be flagged.
W_DENSE, W_LEXICAL = 0.5, 0.5
SUPPORT = 0.60

# [1], [1, 2], [1][2], [Passage 1]: the forms models write when asked for "[n]".
MARKER = re.compile(r"\s*\[(?:passages?\s*)?(\d+(?:\s*,\s*\d+)*)\]", re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# What a model writes when it does not know; such sentences are not claims to check.
ABSTAIN = re.compile(
    r"\b(articles?|passages?|texts?|sources?|context)\b[^.]{0,40}\b(do(es)?n['’]?t|do(es)? not|never)\s+"
    r"(say|mention|state|contain|answer|provide|specify|include)"
    r"|\bno (information|mention|answer)\b|\bi (do not|don['’]?t) know\b|\b(cannot|can['’]?t|unable to) (answer|find|tell)\b",
    re.IGNORECASE,
)

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Source:
    """A passage as the checker sees it: number in the prompt, sentences and their vectors."""

    n: int
    text: str
    spans: list[tuple[int, int]]
    vectors: np.ndarray
    terms: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.terms = _terms(self.text)


@dataclass
class Claim:
    """One answer sentence after checking. `markers` are passage numbers after repair."""

    text: str
    cited: list[int]  # the markers the model wrote that point at a passage
    written: list[int] = field(default_factory=list)  # every marker the model wrote
    markers: list[int] = field(default_factory=list)
    status: str = "meta"  # supported, unsupported or meta (no claim: "The articles don't say.")
    score: float = 0.0
    evidence: dict[int, int] = field(default_factory=dict)  # passage n -> index of its best sentence


@dataclass
class CheckResult:
    """The checked answer: its claims, and what the check changed."""

    claims: list[Claim]
    removed: list[int] = field(default_factory=list)  # marker numbers that pointed at no passage
    corrected: list[str] = field(default_factory=list)  # human-readable repairs of wrong markers
    added: int = 0  # sentences the model left uncited that got the marker of the passage supporting them
    repeated: int = 0  # sentences dropped because the answer had already said them (small models loop)

    @property
    def supported(self) -> list[Claim]:
        return [c for c in self.claims if c.status == "supported"]

    @property
    def unsupported(self) -> list[str]:
        return [c.text for c in self.claims if c.status == "unsupported"]

    def renumbered(self) -> tuple[str, list[int]]:
        """Answer text with markers renumbered by first use, and the passage number behind each."""
        order: list[int] = []
        parts = []
        for c in self.claims:
            for n in c.markers:
                if n not in order:
                    order.append(n)
            marks = "".join(f"[{order.index(n) + 1}]" for n in c.markers)
            parts.append(f"{c.text} {marks}" if marks else c.text)
        return " ".join(parts), order


def split_claims(answer: str) -> list[tuple[str, list[int]]]:
    """Answer sentences without their markers, each with the marker numbers it carried."""
    out: list[tuple[str, list[int]]] = []
    for a, b in sentence_spans(answer):
        piece = answer[a:b]
        cited = [int(n) for m in MARKER.finditer(piece) for n in re.split(r"\s*,\s*", m.group(1))]
        text = _tidy(MARKER.sub("", piece))
        if not text.strip(".!?;:, ") and out:  # a marker alone after the full stop: it belongs before
            out[-1][1].extend(cited)
        elif text:
            out.append((text, list(dict.fromkeys(cited))))
    return out


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)  # "Malaysia [1]." lost its marker: no space before "."
    return re.sub(r"\s+", " ", text).strip()


def check(answer: str, sources: Sequence[Source], embed: Embed, question: str = "") -> CheckResult:
    """Check every sentence of `answer` against `sources`; repair, drop or flag its markers."""
    numbers = {s.n for s in sources}
    said = split_claims(answer)
    claims, seen = [], set()
    for text, cited in said:
        if text.lower() not in seen:
            seen.add(text.lower())
            claims.append(Claim(text, cited, written=list(cited)))
    result = CheckResult(claims, repeated=len(said) - len(claims))
    for c in claims:
        result.removed += [n for n in c.cited if n not in numbers]
        c.cited = [n for n in c.cited if n in numbers]
    real = [c for c in claims if is_claim(c.text)]
    vectors = embed([c.text for c in real]) if real else np.zeros((0, 0))
    known = known_terms(question)
    for c, vec in zip(real, vectors, strict=True):
        _judge(c, vec, sources, known, result)
    return result


def drop_unfinished(answer: str) -> str:
    """`answer` without a last sentence cut off mid-way (a reply that hit the token limit)."""
    spans = sentence_spans(answer)
    if len(spans) < 2:
        return answer
    last = MARKER.sub("", answer[spans[-1][0] : spans[-1][1]]).rstrip(" \"')”’*")
    return answer if last.endswith((".", "!", "?")) else answer[: spans[-1][0]].rstrip()


def is_claim(sentence: str) -> bool:
    """False for sentences that state nothing checkable: abstentions and word-less fragments."""
    return bool(content_words(sentence)) and not ABSTAIN.search(sentence)


def abstains(answer: str) -> bool:
    """True when the answer opens by saying the articles do not hold the answer."""
    claims = split_claims(answer)
    return not claims or bool(ABSTAIN.search(claims[0][0]))


def _judge(c: Claim, vec: np.ndarray, sources: Sequence[Source], known: set[str], result: CheckResult) -> None:
    """Mark `c` supported (keeping or correcting its markers) or unsupported (dropping them)."""
    scores = {}
    for s in sources:
        dense = s.vectors @ vec if len(s.vectors) else np.zeros(1)
        c.evidence[s.n] = int(np.argmax(dense))
        scores[s.n] = support_score(float(dense.max()), lexical_overlap(c.text, s))
    ok = [s.n for s in sources if scores[s.n] >= SUPPORT and not novel_terms(c.text, s, known)]
    kept = [n for n in c.cited if n in ok]
    if kept:
        c.markers, c.status = kept, "supported"
    elif ok:
        best = max(ok, key=scores.__getitem__)
        c.markers, c.status = [best], "supported"
        if c.written:
            was = "".join(f"[{n}]" for n in c.written)
            result.corrected.append(f"{_short(c.text)!r} cited {was}; passage [{best}] supports it")
        else:
            result.added += 1
    else:
        c.status = "unsupported"
    best_any = max(scores.values(), default=0.0)
    c.score = round(max((scores[n] for n in c.markers), default=best_any), 4)


def support_score(dense: float, lexical: float) -> float:
    """The calibrated mix of the two signals, compared with `SUPPORT`."""
    return W_DENSE * dense + W_LEXICAL * lexical


def lexical_overlap(claim: str, source: Source) -> float:
    """Share of the claim's stemmed content words that the passage contains."""
    mine = _terms(claim)
    return len(mine & source.terms) / len(mine) if mine else 0.0


def novel_terms(claim: str, source: Source, known: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Names and numbers in `claim` that neither the passage nor the question mention."""
    words = content_words(claim)
    names = [w for w in words if w[:1].isupper() and not claim.lstrip().startswith(w)]
    out = [w for w in names if not (_terms(w) <= source.terms | known)]
    out += [n for n in NUMBER.findall(claim) if n.replace(",", "") not in _numbers(source.text) | known]
    return out


def known_terms(question: str) -> set[str]:
    """What the question itself names: an answer repeating it invents nothing."""
    return _terms(question) | _numbers(question)


def _terms(text: str) -> set[str]:
    """Stems of the content words, with hyphenated words also split (Rubio-Lavrov: rubio, lavrov)."""
    pieces = [p for w in content_words(text) for p in re.split(r"[-'’]", w) if len(p) > 1]
    return stems(text) | stems(" ".join(pieces))


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in NUMBER.findall(text)}


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
