"""Test sets: questions with expected answers, from JSON Lines, CSV or SQuAD JSON.

A SQuAD file is also a corpus: each of its articles becomes an `Article` whose sections are the
paragraphs, so a whole evaluation can run from that one file.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .articles import build_article, slugify
from .errors import AssistantError
from .models import Article


class TestSetError(AssistantError):
    """A test set file is missing, unreadable or has records of the wrong shape."""


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
    # where the answer lives in the article text (SQuAD: the gold paragraph), when known
    gold_start: int = -1
    gold_end: int = -1


def load_testset(path: str | Path) -> list[TestCase]:
    """Read a test set; the format follows the suffix (.jsonl, .csv, .json for SQuAD or a JSON list)."""
    path = Path(path)
    if not path.is_file():
        raise TestSetError(f"test set {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [_case(row, f"{path}:{i}", i) for i, row in enumerate(_csv_rows(path), start=2)]
    text = path.read_text(encoding="utf-8-sig")
    if suffix == ".jsonl":
        rows = [(i, _json(line, f"{path}:{i}")) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
        return [_case(row, f"{path}:{i}", i) for i, row in rows]
    data = _json(text, str(path))
    if isinstance(data, dict) and "data" in data:
        return squad_cases(data)
    if isinstance(data, list):
        return [_case(row, f"{path}[{i}]", i) for i, row in enumerate(data)]
    raise TestSetError(f"{path}: expected SQuAD JSON (with 'data'), a JSON list, JSON Lines or CSV")


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TestSetError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None


def _csv_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:  # list-valued columns are "|"-separated in CSV
        for key in ("answers", "history", "tags"):
            if isinstance(row.get(key), str):
                row[key] = [p.strip() for p in row[key].split("|") if p.strip()]
    return rows


def _case(row: Any, where: str, n: int) -> TestCase:
    if not isinstance(row, dict) or not str(row.get("question", "")).strip():
        raise TestSetError(f"{where}: expected an object with a non-empty 'question'")
    answers = row.get("answers", [])
    answers = [answers] if isinstance(answers, str) else [str(a) for a in answers or []]
    answerable = row.get("answerable", True)
    if isinstance(answerable, str):
        answerable = answerable.strip().lower() not in {"false", "0", "no", ""}
    return TestCase(
        id=str(row.get("id") or f"q{n}"),
        question=str(row["question"]),
        answers=answers,
        reference=str(row.get("reference", "") or ""),
        article_id=str(row.get("article_id", "") or ""),
        source=str(row.get("source", "") or ""),
        answerable=bool(answerable),
        history=[str(h) for h in row.get("history", []) or []],
        tags=[str(t) for t in row.get("tags", []) or []],
    )


def squad_articles(data: dict[str, Any], source: str = "squad") -> list[Article]:
    """The SQuAD articles as `Article`s: one section per paragraph, in order."""
    out = []
    for item in data["data"]:
        title = item["title"].replace("_", " ")
        sections = [("", p["context"]) for p in item["paragraphs"]]
        out.append(build_article(id=slugify(title), title=title, source=f"{source}#{item['title']}",
                                 sections=sections, faq=[]))
    return out


def squad_cases(data: dict[str, Any]) -> list[TestCase]:
    """Every SQuAD question (v1.1, or v2.0 with `is_impossible`) as a `TestCase` with its gold paragraph."""
    cases = []
    for article in squad_articles(data):
        item = next(d for d in data["data"] if d["title"].replace("_", " ") == article.title)
        for para, section in zip(item["paragraphs"], article.sections, strict=True):
            for qa in para["qas"]:
                impossible = bool(qa.get("is_impossible", False))
                cases.append(TestCase(
                    id=str(qa["id"]), question=qa["question"],
                    answers=list(dict.fromkeys(a["text"] for a in qa.get("answers", []))),
                    article_id=article.id, answerable=not impossible,
                    gold_start=section.start, gold_end=section.start + len(section.text),
                ))
    return cases


def read_squad(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TestSetError(f"cannot read SQuAD file {path}: {exc}") from None
    if not isinstance(data, dict) or "data" not in data:
        raise TestSetError(f"{path} is not SQuAD JSON (no 'data' list)")
    return data
