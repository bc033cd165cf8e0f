"""Yes/No for polar questions ("did Tesla ever marry?"), when the evidence sentence settles it in words.

Hand-written rules, not a model: the offline models here (MiniLM embeddings) cannot tell a sentence that
*entails* the question from one that only shares its words ("Oxygen is used to cut metals" for "is oxygen a
metal?"), so a verdict is given only when the sentence's wording leaves no doubt, and the sentence always follows
it with its citation. Measured on probes of `benchmarks/polar_probes.jsonl` (benchmarks/polar_quality.py).

- "No." when a negation ("not", "never", "no longer", "no") governs a word the question asks about, in the same
  clause: "Tesla never married." for "did Tesla ever marry?"; "has not yet said where" for "has the union said
  where the protest will be?". A name after the negation does not count ("Tesla did not like Edison" says nothing
  about whether he worked for him).
- "Yes." when the sentence holds every content word of the question (by stem) and no negation, and the question
  does not ask whether something *is* a thing ("is oxygen a metal?": sharing both words says nothing).
- Nothing otherwise: the sentence is shown without a verdict, as before.
"""

from __future__ import annotations

import re

from ..text import STOPWORDS, content_words, stems, words

# An auxiliary first, then a subject: "did the council ...", "is it ...", "can I ...". Not a request ("can you
# summarise ...", "could you tell me ...") and not a choice ("was this a news report or an analysis?").
POLAR = re.compile(
    r"^\s*(?:and |so |but )?(did|does|do|is|are|was|were|has|have|had|can|could|will|would|should|may|might|must)\s+"
    r"(?!you\b|u\b)\w+",
    re.I,
)
REQUEST = re.compile(r"\b(tell|give|show|summari[sz]e|explain|describe|list)\b", re.I)
COPULA = re.compile(r"^\s*(?:and |so |but )?(is|are|was|were)\b", re.I)
PARTICIPLE = re.compile(
    r"\w\w\wed$|^(built|made|held|paid|sold|shut|run|won|lost|known|set|cut|put|given|taken|written|chosen|seen|"
    r"done|driven|broken|spoken|frozen|stolen|hidden|beaten|fallen|grown|shown|thrown|drawn|found|kept|left|born)$",
    re.I,
)
NEGATION = re.compile(
    r"\b(not|never|no|none|nobody|nothing|neither|nor|cannot|without|rather than|instead of|bans?|banned|banning)\b|"
    r"n['’]t\b",
    re.I,
)
# A sentence that reports a claim, doubts it or turns against it does not settle a yes: "a Reuters report had the
# Nobel Prize awarded to Edison and Tesla; however, ...", "there is insufficient evidence that rats ...".
HEDGE = re.compile(
    r"\b(however|but|although|though|yet|despite|insufficient|doubt\w*|disputed?|unclear|uncertain|rumou?r\w*|"
    r"reported(ly)?|reports?|supposedly|allegedly|alleged|claim(ed|s)?|argued?|suggest\w*|may|might|whether|if|"
    r"false|falsely|denied|denies|mistaken\w*|incorrect\w*|myth)\b",
    re.I,
)
# Words that end a negation's reach: "no effect on reading, but improved maths" does not deny the maths.
CLAUSE_END = re.compile(r"[,;:()\"“”]|\b(but|while|whereas|although|though|however|and|or|which|who|because)\b", re.I)
SCOPE = 5  # words after a negation that it denies
# Words a polar question adds that the answer need not repeat: "did he *ever* marry?", "is it open *yet*?"
FILLER = frozenset(
    {"ever", "still", "yet", "really", "actually", "also", "already", "anyone", "anything", "get", "got"}
)


def is_polar(question: str) -> bool:
    """Whether `question` asks for a yes or a no: an auxiliary first, no request, no "or" between choices."""
    return bool(POLAR.match(question)) and not REQUEST.search(question) and not re.search(r"\bor\b", question, re.I)


def verdict(question: str, sentence: str, title: str = "") -> str:
    """Says "Yes." or "No." when the answer's best `sentence` settles the polar `question` in so many words, else "".

    The words of the article's `title` need not be repeated: "was the ferry built in Norway?" is settled by
    "Gull Light was built by a shipyard in western Norway." in the article about the ferry."""
    if not is_polar(question) or NEGATION.search(question):
        return ""  # "didn't he marry?": a yes and a no would both read wrong
    asked = _asked_stems(question)
    if not asked:
        return ""
    if _denies(sentence, asked):
        return "No."
    if NEGATION.search(sentence) or HEDGE.search(sentence):
        return ""
    participles = [w.lower() for w in content_words(question) if PARTICIPLE.search(w)] if COPULA.match(question) else []
    if COPULA.match(question) and not participles:
        return ""  # "is oxygen a metal?": both words in a sentence do not make oxygen a metal
    if not {w.lower() for w in words(sentence)} >= set(participles):
        return ""  # "are teachers respected?" is not settled by "Teachers are expected to respect their students"
    untitled = asked - stems(title)
    needed = untitled if len(untitled) >= 2 else asked
    return "Yes." if len(needed) >= 2 and needed <= stems(sentence) else ""


def _asked_stems(question: str) -> set[str]:
    return _stems([w for w in content_words(question) if w.lower() not in FILLER])


def _stems(tokens: list[str]) -> set[str]:
    return stems(" ".join(tokens))


def _denies(sentence: str, asked: set[str]) -> bool:
    """Whether a negation in `sentence` governs one of the question's words, in its clause; a name there (a word
    the sentence capitalises) does not count: "who did not like Edison" says nothing about working for him."""
    for m in NEGATION.finditer(sentence):
        rest = sentence[m.end() :]
        cut = CLAUSE_END.search(rest)
        scope = [w for w in words(rest[: cut.start()] if cut else rest)[:SCOPE] if w.lower() not in STOPWORDS]
        if _stems([w for w in scope if not w[:1].isupper()]) & asked:
            return True
    return False
