"""Sources -> `Article`: finding files, fetching addresses, reading them with the format table, and
building canonical text.

The readers live in the format table (`assistant.ingest.readers`); reading bytes safely and decoding
text is `assistant.ingest.decoding`, fetching is `assistant.ingest.fetch`. This module owns article ids,
the order of sources, and `Article.text` with the offsets (and PDF pages) that point into it.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..models import FAQ, Article, Failure, Section
from .decoding import DEFAULT_MAX_BYTES, ParseError, decode_text, read_bytes
from .fetch import FetchError, FetchOptions, is_url
from .fetch import fetch as fetch_url
from .formats import FAQ_HEADING, Draft, FormatError, parse_date
from .readers import BY_MEDIA_TYPE, BY_SUFFIX, SUPPORTED_SUFFIXES, Drafts, Format

# Lone surrogates come from JSON/YAML escapes such as "\ud800"; SQLite and the tokenizer refuse them.
_SURROGATES = re.compile("[\ud800-\udfff]")


def slugify(text: str) -> str:
    """A lowercase ASCII slug of `text` (accents folded, words joined by '-', at most 80 chars); "article" if empty."""
    return _slug(text) or "article"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].rstrip("-")


# --- finding files --------------------------------------------------------------------------


def find_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Failure]]:
    """Expand `paths` into supported files; folders are walked recursively in sorted order.

    Inside folders, hidden entries (".git", ".DS_Store") and unsupported suffixes are skipped silently;
    a path named explicitly that is missing or unsupported is reported as a `Failure`.
    """
    files: list[Path] = []
    failures: list[Failure] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = _walk(path, failures)
        elif not path.exists():
            failures.append(Failure(str(path), "no such file or directory"))
            continue
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            failures.append(Failure(str(path), _unsupported(path.suffix)))
            continue
        else:
            found = [path]
        for file in found:
            if file.resolve() not in seen:  # the same file named twice is read once
                seen.add(file.resolve())
                files.append(file)
    return files, failures


def _walk(root: Path, failures: list[Failure]) -> list[Path]:
    def unreadable(exc: OSError) -> None:
        failures.append(Failure(str(exc.filename), f"cannot read folder: {exc.strerror or exc}"))

    found = []
    for folder, dirs, names in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # pruning here keeps os.walk out of .git
        found += [Path(folder, n) for n in sorted(names) if not n.startswith(".") and _suffix(n) in SUPPORTED_SUFFIXES]
    return found


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _unsupported(suffix: str) -> str:
    label = f"'{suffix}'" if suffix else "(no suffix)"
    return f"unsupported file type {label} (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"


# --- parsing --------------------------------------------------------------------------------


def parse_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Article]:
    """The articles in one file; ParseError on the first problem (for JSON Lines, naming the line)."""
    articles, failures = parse_file_partial(path, max_bytes)
    if failures:
        raise ParseError(str(path), failures[0].error)
    return articles


def parse_file_partial(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[Article], list[Failure]]:
    """The good articles of one file and a `Failure` per bad one, never raising for file content.

    A whole-file problem gives one Failure for the file; a bad record of a JSON list or JSON Lines
    file gives a Failure whose path is "file.jsonl:7" (line 7) while the other records are kept.
    """
    path = Path(path)
    if _SURROGATES.search(str(path)):  # bytes that are not UTF-8 in the name: it could not be stored or shown
        shown = os.fsencode(path).decode("utf-8", "replace")
        return [], [Failure(shown, "the file name is not valid UTF-8: rename the file, then ingest it again")]
    fmt = BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        return [], [Failure(str(path), _unsupported(path.suffix))]
    try:
        items = read_drafts(fmt, read_bytes(path, max_bytes), str(path))
    except ParseError as exc:
        return [], [Failure(exc.path, exc.reason)]
    return to_articles(items, str(path), slugify(path.stem))


def read_drafts(fmt: Format, data: bytes, where: str) -> list[Draft | FormatError]:
    """What the reader of `fmt` finds in `data` (bytes for binary formats, decoded text for the others)."""
    if fmt.binary and not data.strip(b" \t\r\n\x0b\x0c\xef\xbb\xbf\xff\xfe"):  # blank, or only a BOM
        raise ParseError(where, "file is empty (only whitespace)")
    try:
        result: Drafts = fmt.read(data) if fmt.binary else fmt.read(decode_text(data, where))
    except FormatError as exc:
        raise ParseError(where, exc.reason) from None
    return result if isinstance(result, list) else [result]


def to_articles(items: list[Draft | FormatError], source: str, stem: str) -> tuple[list[Article], list[Failure]]:
    """Articles from a reader's drafts (ids from `stem`), a `Failure` per bad record or invisible article."""
    articles: list[Article] = []
    failures: list[Failure] = []
    for item in items:
        if isinstance(item, FormatError):
            failures.append(Failure(f"{source}:{item.number}", item.reason))
            continue
        article = _to_article(item, source, stem)
        if article.title and article.text:
            articles.append(article)
        elif not item.title.strip() and not article.title:  # untitled, and the address names nothing either
            failures.append(Failure(source, "no title found: add a title line (or '# Title' heading) to the text"))
        else:  # the reader saw text, but it was only invisible characters (zero-width spaces, BOMs)
            missing = "title" if not article.title else "body text"
            failures.append(
                Failure(
                    f"{source}:{item.number}" if item.number else source,
                    f"no visible {missing}: it holds only invisible characters such as zero-width spaces",
                )
            )
    _dedupe_ids(articles)
    return articles, failures


def _to_article(draft: Draft, source: str, stem: str) -> Article:
    if draft.id:
        article_id = draft.id
    elif not draft.number:  # a file holding one article is named after the file
        article_id = stem
    else:  # a record of a JSON list/JSON Lines file: file + title keeps ids stable when records move
        article_id = f"{stem}-{_slug(draft.title) or draft.number}"
    article = build_article(
        id=article_id,
        title=draft.title or ("" if draft.number else name_title(source)),
        source=source,
        author=draft.author,
        date=draft.date,
        tags=draft.tags,
        url=draft.url,
        teaser=draft.teaser,
        sections=draft.sections,
        faq=draft.faq,
    )
    article.pages = _page_starts(article.text, draft.page_marks)
    return article


def name_title(source: str) -> str:
    """The title an untitled text or Markdown article takes from its file's name, or its address's last part:
    "Super_Bowl_50.txt" -> "Super Bowl 50", "ferry-timetable.md" -> "ferry timetable"."""
    name = Path(unquote(urlsplit(source).path) if is_url(source) else source).stem
    name = name.replace("_", " ")
    return _line(name if " " in name else name.replace("-", " "))


def _page_starts(text: str, marks: list[tuple[str, int]]) -> list[tuple[int, int]]:
    """(offset, page) where each page's text starts in `text`, found from the paragraphs the reader placed.

    Paragraphs are looked up in reading order by their opening words; one that moved (into the FAQ part,
    at the end of the text) is simply not found and the page stays the one before.
    """
    starts: list[tuple[int, int]] = []
    cursor = 0
    for paragraph, page in marks:
        key = _line(paragraph)[:60]
        at = text.find(key, cursor) if key else -1
        if at < 0:
            continue
        cursor = at + 1
        if not starts or starts[-1][1] != page:
            starts.append((at, page))
    return starts


def _dedupe_ids(articles: list[Article]) -> None:
    """Give the later of two articles with one id a "-2", "-3", ... suffix (ids key the index)."""
    seen: set[str] = set()
    for article in articles:
        base, n = article.id, 1
        while article.id in seen:
            n += 1
            article.id = f"{base}-{n}"
        seen.add(article.id)


def load_articles(
    paths: Iterable[str | Path],
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: bool = False,
    fetch: FetchOptions | None = None,
) -> tuple[list[Article], list[Failure]]:
    """Every article under `paths` (files, folders, web addresses) and a `Failure` per source or record
    that could not be read.

    One bad source never stops the others; ids are unique across the whole load. `progress` shows
    a bar for loads of 50 files or more (parsing thousands of files takes a while). Addresses are
    fetched within `fetch` (default: `FetchOptions()`, which refuses private and loopback hosts).
    """
    from tqdm.auto import tqdm

    given = list(paths)
    urls = list(dict.fromkeys(p for p in given if isinstance(p, str) and is_url(p)))  # each address once
    files, failures = find_files([p for p in given if not (isinstance(p, str) and is_url(p))])
    articles: list[Article] = []
    for file in tqdm(files, desc="reading", unit="file", disable=not progress or len(files) < 50):
        found, failed = parse_file_partial(file, max_bytes)
        articles += found
        failures += failed
    # Fetching waits on the network, not the CPU: a few at a time, results kept in the order given.
    with ThreadPoolExecutor(max_workers=4) as pool:
        pages = pool.map(lambda u: load_url(u, fetch or FetchOptions()), urls)
        for found, failed in tqdm(
            pages, total=len(urls), desc="fetching", unit="page", disable=not progress or len(urls) < 10
        ):
            articles += found
            failures += failed
    _dedupe_ids(articles)
    return articles, failures


def load_url(url: str, options: FetchOptions) -> tuple[list[Article], list[Failure]]:
    """The article(s) at a web address, read by the format its content type names; a Failure naming the
    address otherwise. The source is the address as given, so ingesting it again is incremental."""
    try:
        fetched = fetch_url(url, options, accept=[*BY_MEDIA_TYPE, "application/octet-stream"])
        fmt = BY_MEDIA_TYPE.get(fetched.media_type) or BY_SUFFIX.get(_suffix(urlsplit(fetched.url).path))
        if fmt is None:  # application/octet-stream without a known suffix in the address
            raise FetchError(f"unsupported content type {fetched.media_type!r} and no known file suffix in the address")
        items = read_drafts(fmt, fetched.data if fmt.binary else fetched.text_bytes(), url)
    except FetchError as exc:
        return [], [Failure(url, exc.reason)]
    except ParseError as exc:
        return [], [Failure(url, exc.reason)]
    for item in items:
        if isinstance(item, Draft) and not item.url:
            item.url = fetched.url
    return to_articles(items, url, url_id(url))


def url_id(url: str) -> str:
    """A stable article id for an address: its host and path as a slug ("example-com-news-storm")."""
    parts = urlsplit(url)
    slug = _slug(f"{parts.hostname or ''} {parts.path} {parts.query}".replace("www.", "", 1))
    if len(slug) >= 80 or not slug:  # cut: a hash keeps two long addresses apart
        slug = f"{slug[:70].rstrip('-')}-{hashlib.sha1(url.encode()).hexdigest()[:8]}".lstrip("-")
    return slug


# --- canonical text -------------------------------------------------------------------------


def build_article(
    *,
    id: str,
    title: str,
    source: str,
    author: str = "",
    date: str = "",
    tags: Iterable[str] = (),
    url: str = "",
    teaser: str = "",
    sections: list[tuple[str, str]],
    faq: list[tuple[str, str]],
) -> Article:
    """An Article whose `text` is built from `sections` and `faq`, with offsets into it.

    text = each non-empty section as "heading\\n\\ntext" (just "text" without a heading), then, if there
    are FAQ pairs, "Frequently Asked Questions" and each pair as "Q: ...\\nA: ...", all joined by blank
    lines. `Section.start` points at the section text, `FAQ.start` at its "Q: " line. Whitespace inside
    paragraphs is collapsed; paragraph breaks stay "\\n\\n". Dates become YYYY-MM-DD when parseable.
    """
    parts: list[str] = []
    end = [-2]  # where the text built so far ends; -2 so that the first piece, with no separator, starts at 0

    def add(piece: str) -> int:
        start = end[0] + 2  # after the "\n\n" separator
        parts.append(piece)
        end[0] = start + len(piece)
        return start

    built_sections = []
    for heading, body in sections:
        paragraphs = _paragraphs(body)
        if paragraphs:
            if _line(heading):
                add(_line(heading))
            built_sections.append(Section(_line(heading), "\n\n".join(paragraphs), add("\n\n".join(paragraphs))))
    pairs = [(_line(q), _line(a)) for q, a in faq if _line(q) and _line(a)]
    built_faq = []
    if pairs:
        add(FAQ_HEADING)
        built_faq = [FAQ(q, a, add(f"Q: {q}\nA: {a}")) for q, a in pairs]
    return Article(
        id=_valid(str(id)).strip(),
        title=_line(title),
        source=source,
        author=_line(author),
        date=(parse_date(_line(date)) or _line(date)) if date else "",
        tags=_unique(_line(t) for t in tags),
        url=_valid(url).strip(),
        teaser=_line(teaser),
        sections=built_sections,
        faq=built_faq,
        text="\n\n".join(parts),
    )


def _line(text: str) -> str:
    """One line of text: NFC-normalised, zero-width characters dropped, whitespace runs collapsed."""
    text = unicodedata.normalize("NFC", _valid(str(text))).replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


def _valid(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD, so that it can be encoded as UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


def _paragraphs(text: str) -> list[str]:
    return [p for p in (_line(block) for block in re.split(r"\n\s*\n", text)) if p]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))
