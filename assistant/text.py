"""Small text helpers shared by retrieval, answering and evaluation: words, stems, cleaning."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN_PLUS

# Besides function words: "mentioned" in "the minister mentioned in the article" is about the
# corpus, not the answer.
STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | {
    "does",
    "did",
    "do",
    "done",
    "according",
    "called",
    "named",
    "whose",
    "mention",
    "mentioned",
    "mentions",
}
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


def names(text: str) -> list[str]:
    """Capitalised content words after the first word: the names a question is about."""
    first = words(text)[:1]
    return [w for w in content_words(text) if w[:1].isupper() and w not in first]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


POSSESSIVE = re.compile(r"['’]s$")


def unpossessed(word: str) -> str:
    """`word` without an owner's "'s" ("Turkey's" -> "Turkey")."""
    return POSSESSIVE.sub("", word)


def stems(text: str) -> set[str]:
    """Stemmed lower-case content words, for overlap between a question and a sentence."""
    return set(stem_words([w.lower() for w in content_words(text)]))


def stem_words(tokens: list[str]) -> list[str]:
    """Each of `tokens` stemmed."""
    return list(_stemmer().stemWords(tokens))


def word_stems(text: str) -> set[str]:
    """Stemmed lower-case words, stopwords included ("won", "made"): for matching question words to their kin."""
    return set(stem_words([w.lower() for w in words(text)]))


# Also bidi overrides (\u202a-\u202e, \u2066-\u2069), which make text display as something it is not, and lone
# surrogates (\ud800-\udfff), which arrive through JSON escapes and which the tokenizer and UTF-8 files refuse.
CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    r"\ufeff\ud800-\udfff]"
)


# Whole terminal (ANSI/VT, ECMA-48) escape sequences, so that "\x1b[31mHow long\x1b[0m" becomes "How long"
# and not "[31mHow long [0m": removing only the ESC byte left the parameters in the query. Written out
# here (no package strips them without pulling a terminal library in): CSI (ESC [ or the C1 byte 0x9b)
# with parameter, intermediate and final bytes; OSC/DCS/SOS/PM/APC strings up to their terminator (BEL,
# ESC \ or 0x9c); then any other escape, ESC + intermediates + one final byte (ESC ( B, ESC 7, ESC c...).
# A space after ESC is not read as an intermediate: "a stray ESC \x1b and words" keeps its words.
ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[!-/]*[0-~]"
)


def clean_question(text: str, limit: int) -> tuple[str, list[str]]:
    """Normalised question text and notes about what was changed (control characters, length)."""
    notes = []
    text = unicodedata.normalize("NFC", text or "")
    stripped = CONTROL.sub(" ", ANSI.sub("", text))
    if stripped != text:
        notes.append("control characters were removed from the question")
    text = re.sub(r"\s+", " ", stripped).strip()
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
        notes.append(f"the question was {len(text):,} characters long; only the first {len(cut):,} were used")
        text = cut
    return text, notes


# American and British spellings of one word, by their endings ("color" / "colour", "center" / "centre", "organize"
# / "organise", "traveled" / "travelled") and a few whole words. Written out: no spelling table ships offline, and the
# candidates are only ever used when the indexed articles hold them.
SPELLING_ENDINGS = (
    ("or", "our"),
    ("ors", "ours"),
    ("ored", "oured"),
    ("er", "re"),
    ("ers", "res"),
    ("ize", "ise"),
    ("izes", "ises"),
    ("ized", "ised"),
    ("izing", "ising"),
    ("ization", "isation"),
    ("yze", "yse"),
    ("yzed", "ysed"),
    ("og", "ogue"),
    ("ense", "ence"),
    ("eled", "elled"),
    ("eling", "elling"),
    ("am", "amme"),
)
SPELLING_WORDS = {
    "gray": "grey",
    "jewelry": "jewellery",
    "aluminum": "aluminium",
    "mold": "mould",
    "plow": "plough",
    "sulfur": "sulphur",
    "pajamas": "pyjamas",
    "artifact": "artefact",
    "artifacts": "artefacts",
    "airplane": "aeroplane",
    "airplanes": "aeroplanes",
    "maneuver": "manoeuvre",
}

_SPELLED_BOTH_WAYS = {**SPELLING_WORDS, **{b: a for a, b in SPELLING_WORDS.items()}}


def spellings(word: str) -> list[str]:
    """The other spellings `word` may have (lower case, either way round); the caller keeps those an index knows."""
    low = word.lower()
    out = [_SPELLED_BOTH_WAYS[low]] if low in _SPELLED_BOTH_WAYS else []
    if len(low) >= 5:
        for us, uk in SPELLING_ENDINGS:
            for have, other in ((us, uk), (uk, us)):
                if low.endswith(have) and len(low) - len(have) >= 3:
                    out.append(low[: -len(have)] + other)
    return list(dict.fromkeys(out))
