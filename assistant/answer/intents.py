"""What kind of question it is, and what kind of answer it expects: a small rule-based router.

Rules, not a model: the kinds people ask about an article are few and announce themselves in a few
words ("summarize", "who wrote", "what are the ..."), and rules are instant, deterministic and easy
to read when one misfires. Measured on the natural sets of `evals/natural/` (benchmarks/natural_quality.py).

kinds: fact, summary, list, comparison, whois, meta (about the article itself: author, date, source, title)
expects: time, number, place, name, reason, items (a list), or "" (anything)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..text import STOPWORDS, content_words, unpossessed, words
from .polar import POLAR

SUMMARY = re.compile(
    r"\b(summar(y|ies|ise|ize|ising|izing)|gist|tl;?\s?dr|overview|recap|synopsis|in a nutshell|highlights|"
    r"key (points|takeaways?|facts|findings)|main (points|ideas|takeaways?)|(key|main) (facts|details)(?=\W*$)|"
    r"takeaways?|big picture|what('s| is) the (story|news)( here)?(?=\W*$)|"
    # "the bottom line" as what it all comes to, not the money ("did the bottom line improve?")
    r"what('s| is) the bottom line|bottom line (here|on|of)|"
    r"what('s| is| was)? (this|the|that) (article|piece|story|report|post|text)( \w+)? about|"
    r"what (is|was) (it|this) about|brief me|sum (it|this) up|the short version|sum up|summed up|"
    r"(quick |short |brief )?run-?down|main (idea|message|argument|point)|outline of|primer on|"
    r"explain the (main|key) points|what should i know about|catch me up|boil (it|this|that)( \w+)? down)\b",
    re.I,
)
# Words that ask for a summary or point at the article rather than say what it is about.
SUMMARY_WORDS = {
    "summary",
    "summarize",
    "summarise",
    "summaries",
    "gist",
    "tl",
    "dr",
    "tldr",
    "overview",
    "recap",
    "synopsis",
    "nutshell",
    "highlights",
    "key",
    "details",
    "news",
    "points",
    "takeaways",
    "takeaway",
    "bottom",
    "line",
    "big",
    "picture",
    "main",
    "ideas",
    "article",
    "articles",
    "piece",
    "story",
    "report",
    "post",
    "text",
    "brief",
    "sum",
    "short",
    "version",
    "give",
    "tell",
    "please",
    "quick",
    "quickly",
    "can",
    "could",
    "would",
    "me",
    "about",
    "say",
    "says",
    "said",
    "facts",
    "findings",
    "what",
    "whats",
    "what's",
    "it's",
    "this",
    "that",
    "up",
    "bullet",
    "bullets",
    "few",
    "lines",
    "rundown",
    "run",
    "down",
    "idea",
    "message",
    "argument",
    "outline",
    "primer",
    "explain",
    "should",
    "know",
    "catch",
    "wikipedia",
    "for",
    "boil",
}
META = re.compile(
    r"\b(who( wrote| authored| penned|('s| is) the (writer|author|journalist|reporter))|(the|its) (author|writer|byline)|"
    r"whose (byline|article|piece|story)|"
    r"written by|when (was|is) (it|this|(this|the) ([\w&-]+ ){0,3}(article|piece|story|report)) (published|written|posted|out)|"
    r"publication date|date of (the )?(article|piece|publication)|"
    r"(title|headline) of (the|this) (article|piece|story))\b|"
    # "what's the headline?", "what is this article called?" (not "what is the title of the book he wrote?")
    r"^\s*what(['’]s| is| was) the (headline|title)\W*$|"
    r"^\s*what(['’]s| is| was) (the|this|that) (article|piece|story) (called|titled)\W*$",
    re.I,
)
# "Does the author think Trump is handling it well?" asks what the article argues, not who wrote it.
OPINION = re.compile(
    r"\b(the|its) (author|writer)(['’]s)? (\w+ ){0,2}(thinks?|believes?|argues?|says?|feels?|suggests?|supports?|"
    r"wants?|expects?|predicts?|concludes?|conclusions?|verdict|argument|message|views?|opinion|position|stance|take|"
    r"recommends?|blames?)\b|"
    # "is the writer hopeful?", "does the author support the talks?": what the article argues, not who wrote it
    r"^\s*(is|was|does|did|do|has)\s+(the|its)\s+(author|writer)\s+(\w+\s+)?(hopeful|optimistic|pessimistic|positive|"
    r"negative|critical|biased|neutral|worried|concerned|confident|sure|sceptical|skeptical|supportive|right|wrong|"
    r"think|believe|support|agree|expect|like|want|blame|feel|recommend|favou?r|oppose)\b",
    re.I,
)
# "what does the author conclude?", "how does the article end?": its conclusion (the "In summary" paragraph), not
# what someone in it concluded ("what did the study conclude?")
CONCLUSION = re.compile(
    r"\b(the|its) (author|writer|article|piece)(['’]s)? (\w+ ){0,2}conclu(de|des|ded|sion|sions)\b|"
    r"^\s*what(['’]s| is| was) the ((final|overall|main) )?conclusions?( of (the|this) (article|piece))?\W*$|"
    r"^\s*how does (the|this) (article|piece) end\W*$",
    re.I,
)
COMPARISON = re.compile(
    r"\b(compare[sd]?|comparison|compared|differ(s|ence|ences|ent)?|versus|vs\.?|contrast|"
    r"(better|worse|cheaper|faster|bigger|larger|smaller|more|less) than)\b|\bbetween .+ and\b|"
    # "which approach worked better, Lumenfold's or Corvant's?": two sides offered to weigh, not quiz options
    r"(?<!many )(?<!much )\b(better|worse|cheaper|faster|slower|bigger|larger|smaller|more|less|most|least|best|"
    r"worst)\b[^?]*,[^?]+ or ",
    re.I,
)
PLURAL_ITEMS = (
    r"obstacles|challenges|measures|steps|reasons|factors|areas|issues|topics|countries|points|ways|options|"
    r"changes|effects|benefits|risks|problems|causes|results|findings|groups|companies|people|names|routes|"
    r"stations|bans|restrictions|rules|sides|parties|members|products|services|cities|regions|sources|"
    r"concerns|demands|goals|aims|plans|proposals|ideas|things|examples|types|kinds|features|players|teams"
)
LIST = re.compile(
    rf"^\s*(list|name|enumerate)\b|\b(what|which) (are|were) (the |some |all |its |their )?(\w+ ){{0,3}}?({PLURAL_ITEMS})\b|"
    rf"\b(what|which) (?!(did|do|does|will|would|can|could)\b)(\w+ ){{0,3}}({PLURAL_ITEMS})\b|\bwhat (else|other)\b|"
    # any plural after "which" ("which fields did he work in?"), or after "what" when an auxiliary follows
    r"^\s*which (\w+ )?\w{3,}[^su'\s]s\b|^\s*what (\w+ )?\w{3,}[^su'\s]s (are|were|did|do|does|have|had|has|will)\b|"
    # a lower-case plural after "what are the / some / Tesla's ..." ("What were Tesla's most important inventions?",
    # "What are some landmarks in Fresno?"); without the determiner "What are comb jellies?" asks what they are
    # and not when the plural does something ("what are the talks about?", "what are the farmers asking for?")
    r"^\s*what (are|were) (the|some|all|its|their|his|her|(the )?[\w.&-]+['’]s) (?-i:([a-z-]+ ){0,3}[a-z-]{2,}[^su'\s]s)\b"
    r"(?!\s+(\w+ing|about|for|like|up to)\b)|"
    # people in the plural: "who were the main speakers?" (not "who were the Beatles?"), and what several people
    # usually do together: "who performed at the halftime show?", "who attended the talks?"
    r"^\s*(and )?who (are|were) (the|some|all|its|their) (?-i:([a-z-]+ ){0,3}[a-z-]{2,}[^su'\s]s)\b|"
    r"^\s*(and )?who (else )?(performed|attended|took part|participated|competed|spoke|testified|signed|joined)\b",
    re.I,
)
WHOIS = re.compile(
    r"^\s*(who|what)( exactly)?('s| is| was| are| were)( exactly)? ([\w'’&.-]+ ){0,4}[\w'’&.-]+\s*\??\s*$|"
    r"^\s*what (does|do|did) ([\w'’&.-]+ ){1,4}(mean|stand for)\s*\??\s*$",
    re.I,
)
WHO_ASKS = re.compile(r"\s*who\b", re.I)
# "what is oxygen used for?", "what's behind the drought?", "what's blocking a ceasefire?": a verb or a preposition
# around the words, so they ask what it does or what causes it, not what a thing is
# (lower case only: "Who is King Charles?", "What is Under Armour?" name someone)
NOT_A_SUBJECT = re.compile(
    r"^(behind|about|in|on|at|for|from|with|by|to|into|inside|under|after|before|between|happening|going)\b|"
    r"^[a-z]{3,}ing\s+\w|\s(for|of|from|about|with|by|to|in|on|at)\W*$|"
    # "who was named the game's MVP?", "who was elected mayor?": a passive verb, not a name
    r"^(named|elected|appointed|chosen|picked|selected|awarded|given|hired|fired|crowned|voted|sentenced|arrested|"
    r"charged|killed|injured|blamed|credited|nominated|promoted|replaced|sacked|dismissed|honou?red)\b"
)
OWNED = re.compile(r"\w['’]s?\s+[a-z]")  # a possessive before a common noun: "Tesla's birthday", "the Kremlin's view"
# What a who-is / what-is question asks about: "what exactly are cilia?" -> "cilia".
WHOIS_SUBJECT = re.compile(
    r"^\s*(?:who|what)(?: exactly)?(?:'s|’s| is| was| are| were)(?: exactly)?\s+(?:the |a |an )?(?P<x>.+)$|"
    r"^\s*what (?:does|do|did) (?:the |a |an )?(?P<y>.+) (?:mean|stand for)\W*$",
    re.I,
)
# Sentences that say what something is: "X is a ...", "X, a ...", "X, which ...", "known as X", "X means ...".
DEFINING = (
    r"{x},?\s+(?:is|was|are|were)\s+(?:a|an|the|one|any)\b|{x}\s+(?:refers? to|means?|stands? for|denotes)\b|"
    r"{x},\s+(?:a|an|the|which|who)\s|{x}\s+(?:which|who)\s+(?!(?:they|it|he|she|we|you|i|the|a|an)\b)\w+|"
    r"\b(?:referred to|known|described|defined|designated) as\s+(?:an?\s+|the\s+)?{x}"
)
PRONOUN_SUBJECTS = {"it", "he", "she", "they", "him", "her", "them", "this", "that", "these", "those", "you", "we"}
# "What's the new boat called?" asks for a name, not about the boat.
CALLED = re.compile(r"\b(called|named|known as)\s*\??\s*$|\bname of\b", re.I)
# "What colour is the new ferry?" wants a colour word ("a little white kitten").
COLOUR = re.compile(r"\b(what|which) colou?rs?\b|\bthe colou?rs? of\b", re.I)
# Lower case only: "the White House", "the Gold Coast" are names, not colours.
HAS_COLOUR = re.compile(
    r"\b(white|black|red|green|blue|yellow|orange|purple|violet|pink|brown|grey|gray|golden|beige|navy|turquoise|"
    r"crimson|scarlet|maroon|teal|cream|ivory|blond|blonde|ginger|striped|spotted|colou?red|colou?rful)\b"
)
TIME = re.compile(
    r"^\s*when\b|\b(what|which) (year|date|day|month|time|decade|century)\b|\bhow long ago\b|\bsince when\b|"
    r"\bin what year\b|\bwhen (did|was|were|is|will|does|do)\b",
    re.I,
)
NUMBER = re.compile(
    r"\bhow (many|much|long|old|far(?! back)|big|large|often|tall|high|fast)\b|\bwhat (number|percentage|percent|share|"
    r"proportion|amount|price|cost|fine)\b|\b(what|which)('s| is| was| were)? (the |its |their )?(final |current |total )?"
    r"(score|scoreline|population|price|cost|fare|age|budget|salary|rate|size|tally|count|attendance|turnout)\b",
    re.I,
)
PLACE = re.compile(
    r"^\s*where\b|\bwhere (did|was|were|is|are|will|does|do)\b|\b(in|at|to) (which|what) (country|city|town|"
    r"place|state|region|venue|location|capital)\b|\b(which|what) (country|city|town|venue|location|place|stadium|arena|"
    r"hotel|building|port|airport|station|street|island|river|county|province|neighbou?rhood|district)\b",
    re.I,
)
# "Where does the money go?" asks what it is spent on, not for a place.
SPENT = re.compile(
    r"^\s*where (does|do|did|will|would) ((the|that|this|all|most|much|some|rest|of) ){0,4}"
    r"(money|funding|funds|cash|budget|spending|revenue|proceeds|share|rest|(most|much|some|all|rest) of it)\b"
    r" [^?]*\b(go|end up|be spent)\b",
    re.I,
)
NAME = re.compile(
    r"^\s*(who|whom|whose)\b|\bwho (is|was|were|are|did|does|will|runs?|leads?|built|made|owns?)\b|"
    r"\b(what|which) (is|was) the name\b|\bwhat (was|is) (it|he|she|they) called\b|\bto whom\b|"
    r"\b(which|what) (company|firm|organi[sz]ation|team|party|person|official|minister|agency|shipyard|operator|"
    r"summit|group|university|club|band|airline|brand|outlet|newspaper|network|channel|publication|site)\b|"
    # "between which two towns?", "which three countries ...?": names, more than one
    r"\b(which|what) (two|three|four|five|both) (?!(years|months|weeks|days|decades|centuries|times|hours)\b)[a-z]+s\b",
    re.I,
)


@dataclass(frozen=True)
class Intent:
    """The router's reading of a question."""

    kind: str  # fact, summary, list, comparison, whois, meta
    expects: str = ""  # time, number, place, name, reason, items, or "" (anything)
    topic: str = ""  # for summaries: the words that say what to summarise ("" = the article in focus)
    options: tuple[str, ...] = ()  # the answers a quiz question offers to choose from (`choices`)


def route(question: str) -> Intent:
    """The kind of `question` and the answer type it expects."""
    q = question.strip()
    if SUMMARY.search(q):
        return Intent("summary", topic=summary_topic(q))
    if META.search(q) and not OPINION.search(q):
        return Intent("meta")
    if COMPARISON.search(q):
        return Intent("comparison")
    if LIST.search(q):
        return Intent("list", expects="items")
    expects = _expects(OPENER.sub("", q))  # "And why?" asks why
    if CONCLUSION.search(q):  # "what's the conclusion?" names no subject to define
        return Intent("fact", expects=expects)
    # "who is marco rubio?" asks about someone; "who's unhappy about the plan?" asks for someone: no name in it, and
    # function words ("about", "the") a name does not have
    asked_about = whois_subject(q)
    subject = {w.lower(): w for w in words(asked_about)}
    named = (
        not WHO_ASKS.match(q)
        or any(w[:1].isupper() for w in subject.values())
        or not set(subject) & STOPWORDS
        or set(subject) <= PRONOUN_SUBJECTS  # "who is she?"
    )
    # "what's Washington's position?" asks for the position (a fact); "what's Levi's Stadium?" names a place
    owned = OWNED.search(asked_about)
    if (
        WHOIS.match(q)
        and named
        and not owned
        and not NOT_A_SUBJECT.search(asked_about)
        and expects in ("", "name")
        and not CALLED.search(q)
        and len(content_words(q)) <= 4
    ):
        return Intent("whois")
    return Intent("fact", expects=expects)


OPENER = re.compile(r"^(and|also|but|so|then)\s+", re.I)
# "What about bikes?", "And China?": the last question again, about something else ("And why?" is a question).
SWAP = re.compile(
    r"^\s*(and\s+)?(what|how)\s+about\b|^\s*and\s+(?!(why|when|where|who|how|what)\b)(the\s+)?\w+\W*$", re.I
)
# The answer types a question can expect besides "" (anything) and "items" (a list).
TYPED = frozenset({"time", "number", "place", "name", "reason", "colour"})


def summary_topic(question: str) -> str:
    """The words of a summary request that name its subject ("Summarize the ferry article" -> "ferry")."""
    kept = [w for w in content_words(question) if w.lower() not in SUMMARY_WORDS and w.lower() not in STOPWORDS]
    return " ".join(ACRONYM.findall(question) + kept)


ACRONYM = re.compile(r"\b[A-Z](?:[&.][A-Z])+\b\.?")  # "V&A", "U.S.": the tokenizer splits them into letters
ANY_ACRONYM = re.compile(r"\b[A-Za-z](?:[&.][A-Za-z])+\b\.?")  # also as typed in lower case: "the v&a"


def initials(title: str) -> str:
    """The capital initials of a title's words ("Victoria and Albert Museum" -> "VAM"); a qualifier in
    brackets is not part of the name ("Victoria (Australia)" -> "V")."""
    return "".join(w[0] for w in content_words(re.sub(r"\([^)]*\)", " ", title)) if w[:1].isupper())


def acronym_of(acronym: str, title: str) -> bool:
    """Whether `acronym` ("V&A") abbreviates `title` ("Victoria and Albert Museum")."""
    letters = re.sub(r"[^A-Z]", "", acronym.upper())
    return len(letters) >= 2 and initials(title).startswith(letters)


def _expects(q: str) -> str:
    if COLOUR.search(q):
        return "colour"
    if NUMBER.search(q):
        return "number"
    if TIME.search(q):
        return "time"
    if PLACE.search(q) and not SPENT.search(q):
        return "place"
    if NAME.search(q) or CALLED.search(q) or WHICH_THING.search(q):
        return "name"
    if WHY.search(q):
        return "reason"
    return ""


# "Which stadium hosted ...", "which firm built ...": any "which <noun> <verb>" asks for a name.
WHICH_THING = re.compile(
    r"^\s*which \w+ (\w+ )?(\w+ed|won|ran|built|made|led|took|gave|got|held|did|does|is|was)\b", re.I
)
WHY = re.compile(
    r"^\s*(why|how come)\b|\bwhy (did|do|does|was|were|is|are|has|have|had|will|would)\b|"
    r"\b(what|which) (caused|causes|led to|was behind|is behind|lies behind|lay behind|explains)\b|\bwhat's behind\b|"
    r"\bthe reason\b",
    re.I,
)
# What a sentence says when it gives a reason or a cause.
HAS_REASON = re.compile(
    r"\b(because|due to|owing to|thanks to|since (?![0-9]|the (\d|end|start|beginning)|then|it (was|opened|began|started)|last|early|late|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)|as a result|result(ed|s)? (in|from)|caus(e|ed|es|ing)|"
    r"reasons?|led to|leads to|so that|in order to|after|following|amid|means|meant|named (after|for)|l(ie|ies|ay) behind|"
    # "rejected as too expensive", "its foundations were too badly corroded", "was declared unsafe"
    r"too (\w+ )?(expensive|costly|dangerous|unsafe|old|small|large|slow|late|weak|risky|high|low|\w+ed)|"
    r"(declared|deemed|judged|found) (to be )?(unsafe|unfit|unsound|illegal|unstable)|"
    r"derives?|comes? from|from the \w+ (word|for)|explained|attributed|blamed|driven by|stems? from|"
    r"therefore|thus|hence|\w+ed by|to (avoid|prevent|allow|make|mark|honou?r|celebrate|emphasi[sz]e))\b",
    re.I,
)


DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
MONTHS = r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|oct(ober)?|nov(ember)?|dec(ember)?"
YEAR = r"\b(1[0-9]{3}|20[0-9]{2})s?\b"  # "1852", "2020s"
NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
HAS_TIME = re.compile(
    rf"{YEAR}|\b({MONTHS})\b|\b({DAYS}|"
    r"yesterday|today|tomorrow|tonight|weekend|spring|summer|autumn|fall|winter|century|centuries|decade|ago|"
    r"years?|months?|weeks?|days?|hours?|morning|evening|night|\d{1,2}:\d\d)\b",
    re.I,
)
HAS_NUMBER = re.compile(
    rf"\d|\b({NUMBER_WORDS}|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|half|third|quarter|double|twice|several|few)\b",
    re.I,
)

# What states a time or a number rather than hinting at one: a year, a month, a day, a clock time; a figure or a
# number word ("years", "several" and "a few" are no answer to "what year?" or "how many?").
CALENDAR_TIME = re.compile(
    rf"{YEAR}|\b({MONTHS}|{DAYS})\b|\b\d{{1,2}}[:.]\d\d ?[ap]\.?m\b", re.I
)  # a clock time with a.m./p.m. only: "with 3:08 left" is a game clock
HOW_LONG = re.compile(r"\bhow long\b", re.I)
# "how long" is answered by a span ("for two years", "a 10-month delay") or an end ("until the end of October"); "may"
# and "mar" are months only beside a day ("1 May"), the modal otherwise ("restrictions may be eased")
SPAN_NUMBERS = NUMBER_WORDS + "|thirteen|fourteen|sixteen|seventeen|eighteen|nineteen|sixty|seventy|eighty|ninety"
STATED_SPAN = re.compile(
    rf"\b(\d+|{SPAN_NUMBERS})[- ](years?|months?|weeks?|days?|hours?|minutes?|decades?|centuries)\b"
    r"(?![- ]old\b)(?! ago\b)",
    re.I,
)
SPAN_MONTHS = MONTHS.replace("mar(ch)?", "march").replace("|may|", "|")
STATED_END = re.compile(rf"{YEAR}|\b({SPAN_MONTHS}|{DAYS})\b|\b\d{{1,2}} may\b|\bmay \d", re.I)
# "how long is the bridge?" asks a length: "1,200 metres long" states it as a number
LENGTH = re.compile(r"\d\s*(metres?|meters?|kilometres?|kilometers?|km|miles?|feet|foot|ft|yards?|inches)\b", re.I)
# "how big / tall / far ..." asks a measure: a figure with a unit ("1.5 m", "five inches", "12.5 acres", "30 per cent",
# "£2m") or a figure of two digits or more ("a team of 45", "1,150 jobs"); a small count ("eight rows of combs") is
# not a size
SIZE = re.compile(r"\bhow (big|large|tall|high|far|wide|deep|heavy|small|long)\b(?! back\b)", re.I)
MEASURE = re.compile(
    rf"(\d|\b({NUMBER_WORDS}|a few|several|hundreds?|thousands?))[- ]?(%|(mm|cm|m|km|ft|mi|kg|g|lb|lbs|t|ha)\b|"
    r"(sq|square) |(metre|meter|kilometre|kilometer|mile|foot|feet|yard|inch|inche|acre|hectare|tonne|ton|kilogram|"
    r"gram|pound|ounce|per ?cent|percent|million|billion|thousand|trillion)s?\b)|[£$€¥]\s*\d|\d\d",
    re.I,
)
STATED_NUMBER = re.compile(rf"\d|\b({NUMBER_WORDS}|hundred|thousand|million|billion|dozen)\b", re.I)


def states(expects: str, sentence: str, question: str) -> bool:
    """Like `holds`, but only a stated time or number counts: the stricter test for evidence found far from the
    passages retrieved, where a loose match ("will take years") would turn "the articles don't say when" into a
    guess."""
    if expects == "time" and not DURATION.search(question):
        return bool(CALENDAR_TIME.search(sentence))
    if expects == "number" and HOW_LONG.search(question) and not LENGTH.search(sentence):
        return bool(STATED_END.search(sentence) or STATED_SPAN.search(sentence))
    if expects == "number":
        return bool(STATED_NUMBER.search(DATES.sub(" ", sentence))) and holds(expects, sentence, question)
    return holds(expects, sentence, question)


def whois_subject(question: str) -> str:
    """What a who-is / what-is question asks about ("" when it has no such shape)."""
    m = WHOIS_SUBJECT.match(question)
    # the trailing "?" and spaces go here, not in the pattern: ".+?\s*\??\s*$" backtracks on long runs of spaces
    return (m.group("x") or m.group("y") or "").strip().rstrip("?").strip() if m else ""


def defines(subject: str, sentence: str) -> bool:
    """Whether `sentence` says what `subject` is: "Different ways to teach are often referred to as pedagogy.",
    "Ctenophora (...) is a phylum of animals" (asides in brackets skipped); the subject's last word may take a
    plural or possessive ending."""
    pattern = _defining(subject.replace("’", "'"))
    return pattern is not None and bool(pattern.search(re.sub(r"\s*\([^)]*\)", "", sentence).replace("’", "'")))


@lru_cache(maxsize=256)
def _defining(subject: str) -> re.Pattern[str] | None:
    """The `DEFINING` pattern for `subject`, built once for all the sentences it is tried on; None for no subject."""
    if not subject.strip() or subject.lower() in PRONOUN_SUBJECTS:  # "what is it?": any "It is a ..." would do
        return None
    *head, last = subject.split()
    tail = re.escape(last[:-1]) + "(?:y|ies)" if last.endswith("y") else re.escape(last) + "(?:e?s)?"
    x = r"(?<!\w)" + r"\s+".join([*map(re.escape, head), tail + "(?:'s)?"]) + r"(?!\w)"  # "U.S.", "C++" too
    return re.compile(DEFINING.format(x=x), re.I)


def holds(expects: str, sentence: str, question: str) -> bool:
    """Whether `sentence` holds something of the type the question expects (True when it expects nothing)."""
    if expects == "colour":
        return bool(HAS_COLOUR.search(sentence))
    if expects == "time":
        return bool(HAS_TIME.search(sentence))
    if expects == "number":  # a count or an amount; for "how long/old/often" a duration or a date will do
        if DURATION.search(question) and HAS_TIME.search(sentence):
            return True
        if SIZE.search(question):
            return bool(MEASURE.search(DATES.sub(" ", sentence)))
        return bool(HAS_NUMBER.search(DATES.sub(" ", sentence)))
    if expects == "reason":
        return bool(HAS_REASON.search(sentence))
    if expects == "items":  # an enumeration: "Brazil, Peru, Colombia and ..." or three new names
        return sentence.count(",") + sentence.count(";") >= ITEM_SEPARATORS or len(new_names(sentence, question)) >= 3
    if expects == "name" and CALLED.search(question) and NAMING.search(sentence):
        return True  # "What's the new boat called?": "The vessel, named Gull Light, ..."
    if expects == "name" and (head := _head_noun(question)) and head[:5] in sentence.lower():
        return _named_near(head, sentence, question)  # "Which summit?": a name next to "summit"
    if expects == "name" and CALLED.search(question):
        return False  # a name of something else ("It runs from Port Caddon") is not the name asked for
    if expects == "place":  # a name after "in", "at", "near"...: "died in room 3327 of the New Yorker Hotel"
        fresh = set(new_names(sentence, question))
        return any(m.group(1) in fresh for m in PLACE_NAME.finditer(sentence)) or any(
            n.endswith(BASED) and n[1:2].islower()
            for n in fresh  # "the Dublin-based maker", "a Stockholm-based rival"; not "AI-based tools"
        )
    if expects == "name":
        return bool(new_names(sentence, question))
    return True


def enumerates(sentence: str) -> bool:
    """Whether `sentence` lists things in its main clause: three commas or semicolons outside brackets, or two with
    "and"/"or" after the last ("Brazil, Peru, Colombia and Venezuela"). One split, not a regex search: a search
    retried from every position was quadratic in the sentence (seconds for a 20 KB FAQ answer)."""
    parts = [p for p in ITEM_BREAK.split(ASIDE.sub(" ", sentence)) if p.strip()]
    return len(parts) >= 4 or (len(parts) == 3 and bool(AND_OR.search(parts[-1])))


# Where without a name: "in a barn near a farm house", "above the stables", "at the back of the shop".
COMMON_PLACE = re.compile(
    r"\b(in|at|near|inside|outside|above|below|under|beneath|behind|beside|next to|across from) (a|an|the|his|her|"
    r"their|its|our|my) (\w+ ){0,2}?(barn|house|home|farm|room|kitchen|garden|yard|school|shop|store|office|church|"
    r"park|street|road|village|town|city|forest|woods|field|river|lake|sea|beach|harbou?r|port|station|hospital|"
    r"building|hall|stables?|attic|basement|cellar|tree|hill|mountain|valley|island|coast|camp|castle|palace|"
    r"tower|bridge|tunnel|market|square|court|library|museum|hotel|restaurant|apartment|flat|cabin|hut|cave)s?\b",
    re.I,
)
# "between Secretary Rubio and ...", "Secretary of State": not every preposition leads to a place.
PLACE_NAME = re.compile(
    r"\b(?i:in|at|near|outside|inside|from|into|across|throughout|around|off) (?:the |a |an )?(?:[a-z0-9]+ ){0,4}?"
    r"([A-ZÀ-ÖØ-Þ][\w'’.-]*[\w])"
)
BASED = ("-based", "-headquartered")
NAMING = re.compile(r"\b(named|called|known as|dubbed|christened|renamed)\s+(the\s+)?[\"“'‘]?[A-Z]")
DURATION = re.compile(r"\bhow (long|old|often)\b", re.I)
ITEM_SEPARATORS = 2  # commas or semicolons that make a sentence an enumeration
ITEM_BREAK = re.compile(r"[,;]")
AND_OR = re.compile(r"\b(and|or)\b", re.I)
ASIDE = re.compile(r"\([^()]*\)")  # a bracketed aside: a translation, a pronunciation, an abbreviation
CALENDAR = re.compile(rf"({MONTHS}|{DAYS})")
# Years and calendar dates are times, not the count or amount a "how many" asks for.
DATES = re.compile(
    rf"\b\d{{1,2}}(st|nd|rd|th)? (of )?({MONTHS})\b|\b({MONTHS}) \d{{1,2}}(st|nd|rd|th)?\b|"
    r"\b(1[5-9]|20)\d\d(s|[-–/](\d\d){1,2})?\b",
    re.I,
)
HEAD = re.compile(r"\b(?:which|what)\s+([a-z]+)", re.I)
NAME_OF = re.compile(r"\bname of (?:the |a |an |this |that |its |their )?(?:[a-z-]+ ){0,3}?([a-z]+)\s*\??\s*$", re.I)
CALLED_HEAD = re.compile(r"\b([a-z]+) (?:is |was )?(?:called|named)\s*\??\s*$", re.I)
NOT_NOUNS = {"is", "was", "are", "were", "did", "does", "do", "has", "have", "will", "would", "can", "could", "the"}
NOT_NOUNS |= {"it", "this", "that", "they", "he", "she", "one", "its", "their"}  # "What is it called?" names no thing


HOW_MANY = re.compile(r"\bhow many ([a-z-]+)(?: ([a-z-]+))?", re.I)
COUNT_WINDOW = 4  # words between a count and the thing counted: "38,000 primary school pupils"
# People go by many words: "how many kids" is counted in pupils, "how many people live there" in residents or a
# population ("a population of 282,442", the number after the word). Not roles: a town's 14,200 people are not
# the passengers a ferry carries.
PEOPLE = frozenset({"peopl", "kids", "child", "pupil", "stude", "resid", "inhab", "citiz", "popul", "adult"})
POPULATION_LINKS = frozenset({"of", "was", "is", "reached"})


def counts_asked(question: str, sentence: str) -> bool:
    """For "how many <things>": whether `sentence` puts a number within a few words before the things (or a
    word sharing their first five letters); True for any other question."""
    m = HOW_MANY.search(question)
    if not m:
        return True
    heads = {w.lower()[:5] for w in m.groups() if w and w.lower() not in STOPWORDS}
    heads |= PEOPLE if heads & PEOPLE else set()
    tokens = [t.strip(".,;:()\"'") for t in sentence.split()]
    for i, t in enumerate(tokens):
        if t.lower()[:5] in heads:
            linked = " ".join(tokens[i + 1 : i + 2]).lower() in POPULATION_LINKS  # "a population of 282,442"
            after = tokens[i + 2 : i + 4] if t.lower()[:5] == "popul" and linked else []
            near = tokens[max(i - COUNT_WINDOW, 0) : i] + after
            if HAS_NUMBER.search(SHARE.sub(" ", DATES.sub(" ", " ".join(near)))):
                return True
    return False


# "about 9 percent of pupils" is a share of the pupils, not how many there are
SHARE = re.compile(r"(?<![\w.,])[\d.,]*\d\s*(%|percent\b|per cent\b)(\s+of\b)?", re.I)


def _head_noun(question: str) -> str:
    """The thing a question asks to name ("Which summit was it?" -> "summit", "What is the name of the new
    ferry?" -> "ferry", "What's the boat called?" -> "boat"), or ""."""
    for pattern in (NAME_OF, CALLED_HEAD, HEAD):
        m = pattern.search(question)
        if m and m.group(1).lower() not in NOT_NOUNS:
            return m.group(1).lower()
    return ""


def _named_near(head: str, sentence: str, question: str, window: int = 3) -> bool:
    """Whether a name the question does not use stands within `window` words of `head` in `sentence`."""
    tokens = sentence.split()
    fresh = set(new_names(sentence, question))
    for i, t in enumerate(tokens):
        if t.lower().startswith(head[:5]):
            near = tokens[max(i - window, 0) : i + window + 1]
            if any(n.strip(".,;:'\"()") in fresh for n in near if n is not t):
                return True
    return False


def new_names(sentence: str, question: str) -> list[str]:
    """Capitalised words of `sentence` that the question does not already use (candidate places, people, names)."""
    asked = {unpossessed(w.lower()).rstrip("s") for w in content_words(question)}
    tokens = re.findall(r"[A-Z][\w'’.-]*[\w]|[A-Z]", sentence)
    first = sentence.split(maxsplit=1)[:1]
    out = []
    for t in tokens:
        low = t.lower()
        if CALENDAR.fullmatch(low):
            continue  # "14 April" is a date, not the name of a place, a person or a thing
        if low in STOPWORDS or unpossessed(low).rstrip("s") in asked or (first and t == first[0] and low in STOPWORDS):
            continue
        out.append(t)
    return out


# --- quiz questions: the answers offered to choose from ------------------------------------------------------

# "(a) Malaysia (b) Singapore", "A) Malaysia B) Singapore", "1. Malaysia 2. Singapore": a marker per choice
CHOICE_MARK = re.compile(r"(?:^|(?<=\s))[\(\[]?([a-fA-F1-6])[\)\].:](?=\s)")
CHOICE_SPLIT = re.compile(r"\s*,\s*(?:or\s+)?|\s+or\s+", re.I)
MAX_CHOICE_WORDS = 6  # an offered answer is a name or a short phrase, not a clause
# "..., and was it in Asia or Europe?" goes on asking: a clause, not a list of answers
CLAUSE_START = re.compile(
    r"\s*(and|but|so|then|also|was|were|is|are|did|does|do|has|have|had|can|could|will|would|who|what|when|where|"
    r"why|how|which|whose|whom)\b",
    re.I,
)
CHOICE_FILLER = re.compile(r"^(?:in|on|at|by|from|to|the|a|an|that)\s+", re.I)
YES_NO = {"yes", "no", "true", "false", "not sure", "don't know"}  # options that leave a yes/no question as it is


def choices(question: str) -> tuple[str, list[str]]:
    """The question without the answers it offers to choose from, and those answers: "Which country hosted the
    meeting: Malaysia, Singapore or Indonesia?", "Where did they meet? (a) Malaysia (b) Singapore", "Who did Rubio
    meet, Lavrov or Wang Yi?". A quiz's options are not names the articles must mention (only the right one is
    there), nor names the answer must avoid repeating. `(question, [])` when it offers none; yes/no options
    ("... a) yes b) no") leave the question alone, without them."""
    text = " ".join(question.split())  # one space between words: the patterns below stay linear
    if COMPARISON.search(text) or (re.search(r"\b\w+er\b,", text) and re.match(r"\s*which is", text, re.I)):
        return question, []  # "Which is bigger, the Amazon or the Congo?" compares: both sides are its subject
    found = _lettered(question) or _listed(text)
    if found is None:
        return question, []
    stem, options = found
    if all(o.lower() in YES_NO for o in options):
        return stem, []  # "Was the meeting in Malaysia? a) yes b) no" is the yes/no question it opens with
    return stem, options


def _lettered(question: str) -> tuple[str, list[str]] | None:
    """ "(a) Malaysia (b) Singapore" after the question (its "?" or ":", or a new line): markers in order."""
    marks = list(CHOICE_MARK.finditer(question))
    letters = [m.group(1).lower() for m in marks]
    for first in ("a", "1"):  # markers in order from the first: a, b, c ... or 1, 2, 3 ...
        if first not in letters:
            continue
        start = letters.index(first)
        before = question[: marks[start].start()]
        if not before.rstrip().endswith(("?", ":")) and "\n" not in before[-3:]:
            continue  # "Was it plan A: the bridge, or plan B: the tunnel?": a letter inside the question
        run = [marks[start]]
        for m in marks[start + 1 :]:
            if ord(m.group(1).lower()) == ord(run[-1].group(1).lower()) + 1:
                run.append(m)
        if len(run) >= 2:
            ends = [m.start() for m in run[1:]] + [len(question)]
            found = [_choice(" ".join(question[m.end() : end].split())) for m, end in zip(run, ends, strict=True)]
            options = [o for o in found if o]
            if len(options) == len(run) and all(len(o.split()) <= MAX_CHOICE_WORDS for o in options):
                return _stem(" ".join(before.split())), options
    return None


def _listed(text: str) -> tuple[str, list[str]] | None:
    """ "...: A, B or C?" and "..., A or B?": a short list after the question's last colon or comma. After a
    comma the question must not end in a word of the list's kind ("What did he say about Russia, Ukraine or
    China?", "Why did prices rise, fall or stay flat?": the list is part of the question)."""
    for sep in (":", ","):
        head, found_sep, tail = text.rstrip(" ?").rpartition(sep)
        if not found_sep or not head.strip() or (sep == "," and POLAR.match(head)):
            continue  # "Are ctenophores predators, vegetarian or parasitic?": the first choice is in the question
        options = [_choice(o) for o in CHOICE_SPLIT.split(tail.strip())]
        if (
            re.search(r"\bor\b", tail, re.I)
            and not CLAUSE_START.match(tail)
            and not any(CLAUSE_START.match(o) for o in options)
            and 2 <= len(options) <= 6
            and all(o and len(o.split()) <= (MAX_CHOICE_WORDS if sep == ":" else 4) for o in options)
            and not (sep == "," and _alike(head.split()[-1], options[0]))
        ):
            return _stem(head), options
    return None


def _alike(word: str, option: str) -> bool:
    """Whether a question's last word looks like the first option: both names, both numbers or both single words
    in lower case ("about Russia, Ukraine or China", "rise, fall or stay flat"; not "meet, Lavrov or Wang Yi")."""
    first = CHOICE_FILLER.sub("", option).split()[0]
    word = word.strip("\"'’")
    return (
        (word[:1].isupper() and first[:1].isupper())
        or (word[:1].isdigit() and first[:1].isdigit())
        or (word.isalpha() and word.islower() and first.isalpha() and first.islower() and len(option.split()) == 1)
    )


def _choice(text: str) -> str:
    return re.sub(r"^(?:or|and)\s+|[\s,;?.]+$|\s+(?:or|and)$", "", text.strip(), flags=re.I).strip()


def chosen(options: list[str], text: str) -> str:
    """The one offered answer that `text` (an answer's evidence) holds, by its words ("in 1943" is "1943"); "" when
    it holds none of them or several."""
    held = offered(options, text)
    return held[0] if len(held) == 1 else ""


def offered(options: list[str] | tuple[str, ...], text: str) -> list[str]:
    """The offered answers that `text` holds, by their words."""
    low = text.lower()
    return [o for o in options if re.search(rf"(?<!\w){re.escape(CHOICE_FILLER.sub('', o).lower())}(?!\w)", low)]


def _stem(text: str) -> str:
    stem = text.strip().rstrip(":,;-– ").strip()
    return stem if stem.endswith("?") else f"{stem}?"


# "This week, which company ...?": a news quiz dates its questions from the week it was written; the articles date
# theirs from their own day ("on Monday"), so these words match nothing right and pull in sentences that say "week".
# "Last year" and "this month" stay: "how many earthquakes were there last year?" asks for one year's count.
DEICTIC_TIME = re.compile(
    r"\b(?:(?:earlier|later) )?(?:this|this past) (?:week|weekend)\b|\bin recent (?:days|weeks)\b|"
    r"\b(?:recently|lately)\b|\bover the weekend\b",
    re.I,
)


def undated(question: str) -> str:
    """`question` without the time words a news quiz dates it by ("this week", "recently"), when enough is left to
    ask: "What happened this week?" keeps them."""
    rest = re.sub(r"^[\s,]+|\s+(?=[,?.!])|(?<=,)\s*,", "", re.sub(r"\s{2,}", " ", DEICTIC_TIME.sub(" ", question)))
    rest = re.sub(r"^\W+", "", rest)
    return rest if rest != question and len(content_words(rest)) >= 2 else question


def faq_expects(text: str) -> str:
    """The answer type the question of a FAQ pair's text ("Q: ...\nA: ...") expects; "" (any) without one."""
    first = text.split("\n", 1)[0]
    return _expects_of(first[3:].strip()) if first.startswith("Q: ") else ""


@lru_cache(maxsize=4096)
def _expects_of(question: str) -> str:
    return route(question).expects


def same_kind(expects: str, other: str) -> bool:
    """Whether two questions want the same kind of answer: a different type each ("when" and "how many") do not;
    one that wants nothing in particular, or a list, goes with any ("What stands in the way?" / "What are the
    obstacles?")."""
    return expects == other or not {expects, other} <= TYPED
