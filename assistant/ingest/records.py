"""Record readers: one JSON article object, a list of them, {"articles": [...]}, JSON Lines, or CSV with a
header row -> `Draft`s.

A bad record comes back as a `FormatError` with its number, so the good records of the file are kept.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .formats import Draft, FormatError, checked, kind, markdown_outline, tag_list

# --- JSON records -------------------------------------------------------------------------

_RECORD_SHAPE = "an object with 'title' and 'text' or 'sections'"
# The names news exports and scrapers (news-please, newspaper3k, NewsAPI, RSS-to-JSON) give the same fields,
# tried in this order after our own: a collection of news from elsewhere ingests without renaming its keys.
_ALIASES = {
    "title": ("title", "headline", "name"),
    "text": ("text", "body", "content", "article", "maintext", "full_text"),
    "teaser": ("teaser", "description", "summary", "lead", "abstract", "subtitle"),
    "date": ("date", "published", "published_at", "publishedat", "publish_date", "date_publish", "pubdate"),
    "author": ("author", "authors", "byline", "creator"),
    "url": ("url", "link", "source_url"),
    "tags": ("tags", "keywords", "categories"),
}
_TOO_DEEP = "JSON nested too deeply (lists or objects inside each other over ~1,000 levels): not an article"


def parse_json(text: str) -> list[Draft | FormatError]:
    """One article object, an array of them, or {"articles": [...]}; bad records come back as errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise FormatError(_TOO_DEEP) from None
    if isinstance(data, dict) and "articles" in data and "title" not in data:
        data = data["articles"]
        if not isinstance(data, list):
            raise FormatError(f"'articles' must be a list of objects, got {kind(data)}")
    if isinstance(data, dict):
        return [draft_from_record(data)]
    if not isinstance(data, list):
        raise FormatError(f'expected {_RECORD_SHAPE}, a list of them or {{"articles": [...]}}, got {kind(data)}')
    if not data:
        raise FormatError("the JSON list holds no articles")
    return [_record(item, f"record {n}", n) for n, item in enumerate(data, 1)]


def parse_jsonl(text: str) -> list[Draft | FormatError]:
    """JSON Lines: one article object per line, blank lines ignored; a bad line is an error of its own."""
    out: list[Draft | FormatError] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(FormatError(f"line {n}: invalid JSON at column {exc.colno}: {exc.msg}", n))
            continue
        except RecursionError:
            out.append(FormatError(f"line {n}: {_TOO_DEEP}", n))
            continue
        out.append(_record(record, f"line {n}", n))
    return out


def parse_csv(text: str) -> list[Draft | FormatError]:
    """CSV (or tab-separated) with a header row naming the fields ("title", "text", ... or their aliases such
    as "headline", "body"): one article per row; a bad row is an error of its own, named by its line."""
    # the delimiter from the header line alone: csv.Sniffer reads the cells too, and article text is full of
    # commas and semicolons
    header_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max("\t,;", key=header_line.count)
    csv.field_size_limit(10 * 1024 * 1024)  # a whole article in one cell (the default limit is 128 KB)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise FormatError(f"invalid CSV header: {exc}") from None
    keys = {str(h).strip().lower() for h in header}
    if not keys & set(_ALIASES["title"]) or not keys & set(_ALIASES["text"]):
        raise FormatError(f"the CSV header needs a 'title' and a 'text' column, got {', '.join(header) or 'none'}")
    out: list[Draft | FormatError] = []
    try:
        for row in reader:
            line = reader.line_num
            clean = {str(k).strip(): v for k, v in row.items() if k is not None and v not in (None, "")}
            if clean:
                out.append(_record(clean, f"line {line}", line))
    except csv.Error as exc:
        out.append(FormatError(f"line {reader.line_num}: invalid CSV: {exc}", reader.line_num))
    if not out:
        raise FormatError("the CSV file holds a header but no rows")
    return out


def _record(record: Any, label: str, number: int) -> Draft | FormatError:
    try:
        draft = draft_from_record(record)
    except FormatError as exc:
        return FormatError(f"{label}: {exc.reason}", number)
    draft.number = number
    return draft


def draft_from_record(record: Any) -> Draft:
    """A Draft from one JSON object; FormatError says what is missing or of the wrong type."""
    if not isinstance(record, dict):
        raise FormatError(f"expected {_RECORD_SHAPE}, got {kind(record)}")
    record = _canonical(record)
    title = record.get("title")
    if not isinstance(title, str) or not title.strip():
        raise FormatError(f"expected {_RECORD_SHAPE}: 'title' is missing or not a non-empty string")
    draft = Draft(title=title, tags=tag_list(record.get("tags")), faq=_faq_records(record.get("faq")))
    for key in ("id", "author", "date", "url", "teaser"):
        value = record.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise FormatError(f"'{key}' must be a string, got {kind(value)}")
        setattr(draft, key, "" if value is None else str(value).strip())
    if isinstance(record.get("sections"), list):
        draft.sections = [_section_record(item, n) for n, item in enumerate(record["sections"], 1)]
    elif isinstance(record.get("text"), str):
        _, draft.sections, faq = markdown_outline(record["text"], title)
        draft.faq += faq
    else:
        raise FormatError(f"expected {_RECORD_SHAPE}: need 'text' (a string) or 'sections' (a list)")
    return checked(draft, "'text'/'sections'")


def _canonical(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with its keys lower-cased and the first present alias of each field under our name
    ("headline" -> "title", "body" -> "text"); a list of authors is joined with commas."""
    lowered = {str(k).lower(): v for k, v in record.items()}
    out = dict(lowered)
    for name, aliases in _ALIASES.items():
        value = next((lowered[a] for a in aliases if lowered.get(a) not in (None, "", [])), lowered.get(name))
        if name == "author" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ", ".join(v.strip() for v in value if v.strip())
        out[name] = value
    return out


def _section_record(item: Any, n: int) -> tuple[str, str]:
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise FormatError(f"'sections' item {n}: expected an object with 'heading' and 'text', got {kind(item)}")
    heading = item.get("heading") or ""
    return (heading if isinstance(heading, str) else str(heading)), item["text"]


def _faq_records(value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormatError(f"'faq' must be a list of {{'question', 'answer'}} objects, got {kind(value)}")
    pairs: list[tuple[str, str]] = []
    for n, item in enumerate(value, 1):
        item = item if isinstance(item, dict) else {}
        question, answer = item.get("question", item.get("q")), item.get("answer", item.get("a"))
        if not (isinstance(question, str) and isinstance(answer, str)):
            raise FormatError(f"'faq' item {n}: expected an object with 'question' and 'answer' strings")
        pairs.append((question, answer))
    return pairs
