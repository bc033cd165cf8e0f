"""Rewrite a follow-up question into one that stands alone, without an LLM.

"Where did they meet?" after "Who did Rubio meet?" cannot be searched on its own: "they" is
Rubio and someone. We detect questions that lean on the conversation (pronouns, demonstratives,
ellipsis such as "And China?") and add the subject words of the previous standalone query. A
question that names its own subject is left exactly as it is.
"""

from __future__ import annotations

import re

from ..text import STOPWORDS, content_words, names, unpossessed
from .intents import DAYS

# Words that point back into the conversation.
ANAPHORA = {
    "he",
    "she",
    "they",
    "them",
    "their",
    "theirs",
    "him",
    "his",
    "her",
    "hers",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "there",
    "then",
    "such",
    "former",
    "latter",
    "both",
    "other",
    "others",
    "same",
    "above",
}
# The pointers that may stand for a person: after "who ...?" only these point at the person the answer named.
PERSONAL = {"he", "she", "they", "them", "their", "theirs", "him", "his", "her", "hers"}
# Pointers that stand for a thing or person named before ("why was it late?"), not for the last question's words.
PRONOUNS = PERSONAL | {"it", "its"}
WHO = re.compile(r"^\s*(who|whom|whose)\b", re.I)
# Short openers that continue the previous question ("And China?", "What about Turkey?").
CONTINUATIONS = re.compile(
    r"^\s*(and|also|what about|how about|and what about|why( not)?|how so|"
    r"anything else|more|tell me more|what else|which one|who else|where else)\b",
    re.I,
)
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
CLITIC = re.compile(r"['’](s|re|ve|ll|d)$")
MARKER = re.compile(r"\[\d+\]")
# Full names only: "May" and "Jan" are people's names too (Theresa May, Jan Lipavsky).
MONTHS_AND_DAYS = re.compile(
    rf"january|february|march|april|june|july|august|september|october|november|december|{DAYS}"
)
ADDED = re.compile(r"(\s*\([^()]*\))+\s*$")  # what condense() and the aliases appended to a query
SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
MAX_ANSWER_NAMES = 4
# Words that ask without naming anything: "since when?", "how long?", "where exactly?", "who else?" are as
# elliptic as "when?" and take the words of the question before them ("is it free?" -> "since when?").
ASKING = {
    "since",
    "long",
    "much",
    "many",
    "old",
    "often",
    "far",
    "exactly",
    "else",
    "anything",
    "anyone",
    "anybody",
    "someone",
    "somebody",
    "something",
    "like",
    "example",
    "could",  # modals ask how likely, not about what: "could anyone else help?"
    "would",
    "might",
    "must",
    "may",
}
# "China's relationship with ..." opens with a name; "Today's meeting ..." does not. Taking it answered one more chat
# turn ("what might hold them back?" after China's role searched for Russia): conversations dev 0.919 -> 0.929.
NOT_OWNERS = {"today", "yesterday", "tomorrow", "tonight", "everyone", "everybody", "nobody", "one", "world", "year"}
OWN_SUBJECT_WORDS = 3  # a continuation with a name and this many content words stands alone
# "Was there an accident?", "are there any fees?": "there" says that something exists, it points at no place; a
# question that names the thing stands alone (within the conversation's article: `Answerer.grounded`).
EXISTENTIAL = re.compile(
    r"\b(is|are|was|were|be|been|isn['’]t|aren['’]t|wasn['’]t|weren['’]t) there\b|\bthere(['’]s| (is|are|was|were|will|has|have|had|might|may|could|would|must)\b)",
    re.I,
)


def needs_context(question: str) -> bool:
    """True when the question leans on earlier turns instead of naming its subject."""
    own = _words(question)
    if CONTINUATIONS.match(question):
        # "And China?" continues; "And how does Trump feel about the war?" names its own subject.
        return not (names(question) and len(own) >= OWN_SUBJECT_WORDS)
    if pointers(question):
        # "What did Lavrov say about it?" names its subject; "Where did they meet?" does not.
        return not names(question)
    if EXISTENTIAL.search(question):
        return not own  # "Was there an accident?" names what it asks about; "Is there more?" does not
    # "Why?", "Where exactly?"; "how many galleries?" names one thing ("many" only asks): of what is unsaid.
    # "how old was Tesla?" says of what
    return len(own) <= 1 or (len([w for w in own if w.lower() not in ASKING]) <= 1 and not names(question))


def _words(text: str) -> list[str]:
    """The content words of `text` without question words under a clitic: "what's more common?" names only
    "common" ("what's" is "what is"), and a later query should not search for "what's"."""
    return [w for w in content_words(text) if CLITIC.sub("", w.lower()) not in STOPWORDS]


def pointers(question: str) -> set[str]:
    """The words of `question` that point back into the conversation ("that's" is "that"; an existential "there"
    is no pointer)."""
    found = {CLITIC.sub("", w.lower()) for w in WORD.findall(question)} & ANAPHORA
    return found - {"there"} if EXISTENTIAL.search(question) else found


def condense(
    question: str,
    history: list[str],
    previous_answer: str = "",
    subject: str = "",
    known: frozenset[str] = frozenset(),
    lean: bool = False,
) -> str:
    """The question as a standalone search query, given earlier (already standalone) queries and the
    text of the last answer: in "Who passed on Trump's displeasure?" then "To whom?", the subject of
    "whom" (Lavrov) is in the answer, not in the question. `subject` (the title of the one article in
    focus) stands in for the conversation when there is none: "When did he die?" on the Tesla page. Names in
    `known` (the words of the last answer's article title) are what the article is about, not a subject. With
    `lean`, a question that looks whole ("How many people died?") is read as leaning on the conversation too."""
    if not (lean or needs_context(question)):
        return question
    if not history:
        return f"{question.rstrip()} ({subject})" if subject else question
    asked = {w.lower() for w in _words(question)}
    # The user's own words of each earlier turn: a condensed query carries its context in brackets, and
    # taking those along again at every turn would pile up the whole conversation into the query.
    own = [ADDED.sub("", h) for h in history]
    last = own[-1]
    # the turn that named the subject; when every turn in view leans on an earlier one, the oldest keeps its
    # added context, which holds the subject ("Who did Rubio meet?" -> "Where?" -> "When?" -> "Why?" -> ...)
    topic = next((h for h in reversed(own) if not needs_context(h)), None)
    # the subject carried that far is in that turn's names; its other added words are what earlier turns asked
    # ("is it free?" -> "since when?"), and piling them up pulls every later search to the same sentences. A subject
    # without a name ("what stage of rationing has the valley declared?") is the words every turn in view added:
    # without them "how long will it last?" searched for "many" (conversations dev 0.859 -> 0.869, one chat turn).
    # Of that turn's names, those every later turn carried: it may have taken some from an answer ("Queen Prince"
    # from "named after Queen Victoria and Prince Albert"), and carrying them on pulled every search back to that
    # sentence (conversations dev 0.869 -> 0.909; asked of the article alone 0.939 -> 0.929)
    carried = (_kept(history, names(history[0])) or names(history[0]) or _kept(history)) if topic is None else []
    topic = own[0] if topic is None else topic
    answer = [n for n in _answer_names(previous_answer) if CLITIC.sub("", n.lower()) not in known]
    pointing = pointers(question)
    if WHO.match(last) and pointing and not pointing & PERSONAL:
        answer = []  # "who did the study?" -> "how many children were in it?": "it" is the study, not its authors
    # "why was it late?" needs what "it" is, not the words of the last question ("what about bikes?"); an
    # ellipsis ("and in the lab?", "Why?") needs them
    elliptic = not asked - ASKING or (CONTINUATIONS.match(question) and not pointing & PRONOUNS)
    words = carried + names(topic) + answer + (_words(last) if elliptic else []) + _words(topic)
    extra = list(dict.fromkeys(w for w in words if w.lower() not in asked))
    return f"{question.rstrip()} ({' '.join(extra)})" if extra else question


def _kept(history: list[str], first: list[str] | None = None) -> list[str]:
    """The words every query of `history` added (the subject they all carried), without the words that only ask:
    what one turn added and the next did not is what that turn asked about, and carrying it on piles up the chat.
    `first` (default: what the oldest query added) are the candidates."""
    later = [set(_added(h)) for h in history[1:]]
    first = _added(history[0]) if first is None else first
    return [w for w in first if w.lower() not in ASKING and all(w in added for added in later)]


def _added(query: str) -> list[str]:
    """The words condense() and the aliases appended to `query` in brackets."""
    found = ADDED.search(query)
    return _words(found.group(0)) if found else []


def _answer_names(answer: str) -> list[str]:
    """The names an answer gives. A sentence's first word counts when it is capitalised elsewhere too or
    starts a longer name ("Gull Light began ..."): "Around 20% of Victorians ..." names Victorians, not Around."""
    sentences = SENTENCE_END.split(MARKER.sub("", answer))
    inner = [n for sentence in sentences for n in names(sentence)]
    firsts = []
    for sentence in sentences:
        head = WORD.findall(sentence)[:2]
        named = bool(head) and head[0] in names("and " + sentence)
        owner = unpossessed(head[0]) if head else ""
        possessive = bool(head) and owner != head[0] and owner.lower() not in NOT_OWNERS  # not "They're", "Today's"
        if named and (head[0] in inner or (len(head) == 2 and head[1][:1].isupper()) or possessive):
            firsts.append(head[0])
    # "April" and "Monday" are when, not who: "and when was that?" must not search for them
    given = [n for n in dict.fromkeys(firsts + inner) if not MONTHS_AND_DAYS.fullmatch(n.lower())]
    return given[:MAX_ANSWER_NAMES]
