"""Test sets: questions with expected answers, from JSON Lines, CSV or SQuAD JSON.

A SQuAD file is also a corpus: each of its articles becomes an `Article` whose sections are the
paragraphs, so a whole evaluation can run from that one file.

Fields of a JSON Lines / CSV record (only `question` is required):
`question`, `answers` (accepted answer strings; any one is right), `keys` and `min_keys` (for
summaries and lists: the answer is right when it holds at least `min_keys` of the `keys`; default
all of them), `reference` (a reference answer), `article_id` or `source` (where the answer lives),
`answerable` (false for questions the articles cannot answer), `history` (earlier user questions,
for follow-ups; or `turns`: the whole conversation, the last turn being the question), `kind`
(fact, summary, list, followup, ...: the report scores each kind apart), `id`, `tags`,
`reference_contexts` (the gold passages' text, exported to RAGAS). In CSV, list columns are
`|`-separated or a JSON list.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AssistantError
from ..ingest.articles import build_article, slugify
from ..models import Article

FIELDS = (
    "id",
    "question",
    "answers",
    "keys",
    "min_keys",
    "reference",
    "article_id",
    "source",
    "answerable",
    "history",
    "turns",
    "kind",
    "tags",
    "reference_contexts",
)
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


class TestSetError(AssistantError):
    """A test set file is missing, unreadable or has records of the wrong shape."""

    __test__ = False  # not a pytest class


@dataclass
class TestCase:
    """One question with what counts as a right answer."""

    __test__ = False  # not a pytest class

    id: str
    question: str
    answers: list[str] = field(default_factory=list)
    reference: str = ""
    article_id: str = ""
    source: str = ""
    answerable: bool = True
    history: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    kind: str = ""
    keys: list[str] = field(default_factory=list)  # facts a summary or a list should hold
    min_keys: int = 0  # how many of `keys` make a right answer
    # where the answer lives in the article text (SQuAD: the gold paragraph), when known
    gold_start: int = -1
    gold_end: int = -1
    # the text of the gold passages (SQuAD: the paragraph), when the test set gives them
    reference_contexts: list[str] = field(default_factory=list)

    @property
    def has_gold(self) -> bool:
        """Whether anything says what a right answer or a right passage is."""
        return bool(self.answers or self.keys or self.reference.strip() or self.article_id or self.source)


def load_testset(path: str | Path) -> list[TestCase]:
    """Read a test set; the format follows the suffix (.jsonl, .csv, .json for SQuAD or a JSON list)."""
    path = Path(path)
    if not path.is_file():
        raise TestSetError(f"test set {path} does not exist (expected a .jsonl, .csv or SQuAD .json file)")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        cases = [_case(row, f"{path}:{line}", n) for n, (line, row) in enumerate(_csv_rows(path), 1)]
    else:
        text = _read(path)
        if suffix == ".jsonl":
            cases = _jsonl_cases(text, path)
        else:
            data = _json(text, str(path))
            if isinstance(data, dict) and "data" in data:
                return _squad_cases_checked(data, path)
            if not isinstance(data, list):
                raise TestSetError(f"{path}: expected SQuAD JSON (with 'data'), a JSON list, JSON Lines or CSV")
            cases = [_case(row, f"{path}[{i}]", i + 1) for i, row in enumerate(data)]
    return _checked(cases, path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TestSetError(f"cannot read test set {path}: {exc}") from None


def _jsonl_cases(text: str, path: Path) -> list[TestCase]:
    lines = [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    return [_case(_json(line, f"{path}:{i}"), f"{path}:{i}", n) for n, (i, line) in enumerate(lines, 1)]


def _checked(cases: list[TestCase], path: Path) -> list[TestCase]:
    """Refuse empty sets and repeated ids: runs are compared question by question through the id."""
    if not cases:
        raise TestSetError(f"test set {path} holds no questions")
    seen: dict[str, int] = {}
    for n, case in enumerate(cases, 1):
        if case.id in seen:
            raise TestSetError(
                f"{path}: question {n} repeats the id {case.id!r} of question {seen[case.id]}; ids must be unique"
            )
        seen[case.id] = n
    return cases


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TestSetError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None


def _csv_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) pairs; the line number is where the row starts in the file."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows, line = [], 2
            for row in reader:
                rows.append((line, row))
                line = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TestSetError(f"cannot read CSV test set {path}: {exc}") from None
    if reader.fieldnames and "question" not in reader.fieldnames:
        raise TestSetError(f"{path}:1: the header has no 'question' column (columns: {', '.join(reader.fieldnames)})")
    return [(line, _csv_lists(row)) for line, row in rows]


def _csv_lists(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("answers", "keys", "history", "turns", "tags", "reference_contexts"):
        value = (row.get(key) or "").strip()
        if value.startswith("["):
            row[key] = _json(value, f"column {key!r}")
        elif key in row:
            row[key] = [p.strip() for p in value.split("|") if p.strip()]
    return row


def _case(row: Any, where: str, n: int) -> TestCase:
    if isinstance(row, dict) and "turns" in row and "question" not in row:
        turns = _strings(row.get("turns"), "turns", where)
        row = {**row, "question": turns[-1] if turns else "", "history": turns[:-1]}
    if not isinstance(row, dict) or not str(row.get("question") or "").strip():
        raise TestSetError(f"{where}: expected an object with a non-empty 'question' (or 'turns')")
    if "answer" in row and "answers" not in row:
        raise TestSetError(f"{where}: unknown field 'answer'; accepted answers go in 'answers' (a list or a string)")
    keys = _strings(row.get("keys"), "keys", where)
    return TestCase(
        id=str(row.get("id") or f"q{n}"),
        question=str(row["question"]).strip(),
        answers=_strings(row.get("answers"), "answers", where),
        reference=str(row.get("reference") or ""),
        article_id=str(row.get("article_id") or ""),
        source=str(row.get("source") or ""),
        answerable=_flag(row.get("answerable", True), where),
        history=_strings(row.get("history"), "history", where),
        tags=_strings(row.get("tags"), "tags", where),
        kind=str(row.get("kind") or "").strip(),
        keys=keys,
        min_keys=_min_keys(row.get("min_keys"), keys, where),
        reference_contexts=_strings(row.get("reference_contexts"), "reference_contexts", where),
    )


def _min_keys(value: Any, keys: list[str], where: str) -> int:
    """How many keys make a right answer: `min_keys`, or all of them when it is not given."""
    if value is None or value == "":
        return len(keys)
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise TestSetError(f"{where}: 'min_keys' must be a whole number, not {value!r}") from None
    if not keys or not 1 <= count <= len(keys):
        raise TestSetError(f"{where}: 'min_keys' is {count} but there are {len(keys)} keys; use 1 to {len(keys)}")
    return count


def _strings(value: Any, name: str, where: str) -> list[str]:
    """A list of non-empty strings from a string, a list of strings/numbers, or nothing."""
    if value is None or value == "":
        return []
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise TestSetError(f"{where}: {name!r} must be a string or a list of strings, not {json.dumps(value)[:80]}")
    return [str(v).strip() for v in value if str(v).strip()]


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text == "":
        return True  # an empty CSV cell keeps the default: answerable
    if text in _FALSE:
        return False
    raise TestSetError(f"{where}: 'answerable' must be true or false, not {value!r}")


# --- SQuAD --------------------------------------------------------------------------------------
def squad_articles(data: dict[str, Any], source: str = "squad") -> list[Article]:
    """The SQuAD articles as `Article`s: one section per paragraph, in order."""
    out = []
    for item in data["data"]:
        title = item["title"].replace("_", " ")
        sections = [("", p["context"]) for p in item["paragraphs"]]
        out.append(
            build_article(id=slugify(title), title=title, source=f"{source}#{item['title']}", sections=sections, faq=[])
        )
    return out


def squad_cases(data: dict[str, Any]) -> list[TestCase]:
    """Every SQuAD question (v1.1, or v2.0 with `is_impossible`) as a `TestCase` with its gold paragraph."""
    cases = []
    for article, item in zip(squad_articles(data), data["data"], strict=True):
        for para, section in zip(item["paragraphs"], article.sections, strict=True):
            for qa in para["qas"]:
                impossible = bool(qa.get("is_impossible", False))
                cases.append(
                    TestCase(
                        id=str(qa["id"]),
                        question=qa["question"],
                        answers=list(dict.fromkeys(a["text"] for a in qa.get("answers", []))),
                        article_id=article.id,
                        answerable=not impossible,
                        tags=[article.title],
                        gold_start=section.start,
                        gold_end=section.start + len(section.text),
                        reference_contexts=[section.text],
                    )
                )
    return cases


def _squad_cases_checked(data: dict[str, Any], path: Path) -> list[TestCase]:
    try:
        return _checked(squad_cases(data), path)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise TestSetError(
            f"{path}: not valid SQuAD JSON ({type(exc).__name__}: {exc}); expected "
            "data[].title and data[].paragraphs[].context/qas[].id/question/answers"
        ) from None


def read_squad(path: str | Path) -> dict[str, Any]:
    """The parsed SQuAD JSON of `path`, checked to have a `data` list."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TestSetError(f"cannot read SQuAD file {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise TestSetError(f"{path} is not SQuAD JSON (no 'data' list)")
    return data


def corpus_from_testset(path: str | Path) -> list[Article]:
    """The articles a test set carries (SQuAD only), for `--corpus-from-testset`."""
    path = Path(path)
    if path.suffix.lower() != ".json":
        raise TestSetError(
            f"{path}: only SQuAD JSON test sets carry their articles; "
            "drop --corpus-from-testset and ingest the articles first"
        )
    try:
        return squad_articles(read_squad(path))
    except (KeyError, TypeError, AttributeError) as exc:
        raise TestSetError(f"{path}: not valid SQuAD JSON ({type(exc).__name__}: {exc})") from None


def sample(cases: list[TestCase], n: int | None, seed: int = 0) -> list[TestCase]:
    """`n` cases drawn at random with `seed` (all of them, in order, when `n` is None or too big)."""
    if n is None or n >= len(cases):
        return list(cases)
    return random.Random(seed).sample(cases, n)
