"""Small text helpers shared by retrieval, answering and evaluation: words, stems, cleaning."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN_PLUS

STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | {"does", "did", "do", "done", "according", "called", "named", "whose"}
TOKEN = re.compile(r"\w+(?:['’-]\w+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """Word tokens in their original case."""
    return TOKEN.findall(text)


def content_words(text: str) -> list[str]:
    """Words that carry meaning (no stopwords, no single letters), original case, first occurrence only."""
    seen: dict[str, str] = {}
    for w in words(text):
        low = w.lower()
        if low not in STOPWORDS and len(w) > 1 and low not in seen:
            seen[low] = w
    return list(seen.values())


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stems(text: str) -> set[str]:
    """Stemmed lower-case content words, for overlap between a question and a sentence."""
    return set(_stemmer().stemWords([w.lower() for w in content_words(text)]))


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def clean_question(text: str, limit: int) -> tuple[str, list[str]]:
    """Normalised question text and notes about what was changed (control characters, length)."""
    notes = []
    text = unicodedata.normalize("NFC", text or "")
    stripped = CONTROL.sub(" ", text)
    if stripped != text:
        notes.append("control characters were removed from the question")
    text = re.sub(r"\s+", " ", stripped).strip()
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
        notes.append(f"the question was {len(text):,} characters long; only the first {len(cut):,} were used")
        text = cut
    return text, notes
