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
_KNOWN_FIELDS = frozenset(a for aliases in _ALIASES.values() for a in aliases)
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
    text = text.lstrip("\ufeff")
    header_line = text.split("\n", 1)[0]
    delimiter = max("\t,;", key=lambda d: _header_score(header_line, d))
    # a whole article in one cell: the module's limit (128 KB by default) is raised to this text's size. It is one
    # setting for the whole process, so it is only ever raised (never put back under a file another thread reads)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    return _csv_rows(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def _header_score(line: str, delimiter: str) -> tuple[int, int]:
    """How well `delimiter` splits a header line: (field names we know, fields). Counting the character alone
    picks ";" for '"title","text","a;b;c"'."""
    fields = [f.strip().lower() for f in next(csv.reader([line], delimiter=delimiter), [])]
    return sum(f in _KNOWN_FIELDS for f in fields), len(fields)


def _csv_rows(reader: csv.DictReader[str]) -> list[Draft | FormatError]:
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
    """`record` with its keys lower-cased and the first usable alias of each field under our name ("headline" ->
    "title", "body" -> "text"). Our own name is taken as it is (and checked later); an alias of another shape is
    read where it can be ("authors": [{"name": ...}], "link": {"href": ...}) and skipped where it cannot."""
    lowered = {str(k).lower(): v for k, v in record.items()}
    out = dict(lowered)
    for name, aliases in _ALIASES.items():
        if lowered.get(name) not in (None, "", []):
            continue
        for alias in aliases[1:]:
            value = _plain(lowered.get(alias), many=name in ("author", "tags"))
            if value not in (None, "", []):
                out[name] = ", ".join(value) if name == "author" and isinstance(value, list) else value
                break
    return out


def _plain(value: Any, many: bool) -> Any:
    """A string (or, with `many`, a list of strings) from an alias value: a dict gives its name, label or address;
    None when there is nothing plain in it."""
    if isinstance(value, dict):
        value = next((value[k] for k in ("name", "term", "label", "href", "url", "value") if k in value), None)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    if many and isinstance(value, list):
        items = [_plain(v, many=False) for v in value]
        return [str(v).strip() for v in items if isinstance(v, str | int | float) and str(v).strip()] or None
    return None


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
