"""HTML for the web UI: answers with clickable `[n]` citations, and the sources panel.

Pure functions from `Answer`/`Citation` to HTML strings, so they are tested without a browser.
Everything that comes from articles or users is escaped first; only the tags built here reach
the page. A citation link `<a class="cite" data-turn=t data-n=n>` points at the card
`#src-t-n` of the sources panel; the small script in `assets.py` shows that card on click.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from ..models import Answer, ArticleInfo, Citation
from .uploads import FileResult

# "[1]", "[1, 2]" and "[1][2]" all appear in answers (the last two from LLM backends).
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_FILE_ROUTE = "gradio_api/file="  # relative, so it also works behind a proxy path prefix

EMPTY_SOURCES = (
    '<div class="src-empty"><div class="src-empty-title">Sources</div>'
    "<p>Every answer cites passages of the articles. They appear here; click a "
    '<span class="cite cite-demo">1</span> in an answer to jump to its passage.</p></div>'
)


def esc(text: object) -> str:
    """HTML-escaped text (quotes too, so it is also safe inside attributes)."""
    return html.escape(str(text), quote=True)


def _paragraphs(escaped: str) -> str:
    # No blank lines may remain: markdown would end the HTML block there and re-parse the rest.
    return escaped.strip().replace("\r\n", "\n").replace("\n\n", "<br><br>").replace("\n", "<br>")


# --- chat messages ------------------------------------------------------------------------------


def render_answer(answer: Answer, turn: int, backend: str = "") -> str:
    """The chat bubble of one answer: text with linked `[n]`, unsupported sentences marked, notes, and
    which backend produced it (`backend`, a label for people; default the answer's own backend name)."""
    text = esc(answer.text)
    for sentence in answer.unsupported:
        text = _mark_unsupported(text, esc(sentence))
    known = {c.n: c for c in answer.citations}
    text = _MARKER.sub(lambda m: _links(m.group(1), known, turn), text)
    kind = "abstained" if answer.abstained else "answered"
    parts = [f'<div class="answer {kind}" data-turn="{turn}">']
    if answer.abstained:
        parts.append('<div class="answer-label">Not found in the articles</div>')
    parts.append(f'<div class="answer-text">{_paragraphs(text)}</div>')
    if answer.unsupported:
        parts.append('<div class="answer-warn">Underlined sentences are not supported by the cited passages.</div>')
    parts += [f'<div class="answer-note">{esc(note)}</div>' for note in answer.notes]
    parts.append(f'<div class="answer-by">answered by {esc(backend or answer.backend)}</div></div>')
    return "".join(parts)


def _links(numbers: str, known: dict[int, Citation], turn: int) -> str:
    out = []
    for raw in re.split(r"\s*,\s*", numbers):
        n = int(raw)
        c = known.get(n)
        if c is None:  # a marker without a citation (an LLM slip): keep it visible, unlinked
            out.append(f"[{n}]")
            continue
        tip = esc(c.title + (f" — {c.section}" if c.section else ""))
        out.append(f'<a class="cite" href="#src-{turn}-{n}" data-turn="{turn}" data-n="{n}" title="{tip}">{n}</a>')
    return "".join(out)


def _mark_unsupported(text: str, sentence: str) -> str:
    if not sentence or sentence not in text:
        return text
    span = f'<span class="unsupported" title="Not supported by the cited passages">{sentence}</span>'
    return text.replace(sentence, span, 1)


def render_streaming(text: str) -> str:
    """A partial answer while it streams in (markers stay plain until the answer is complete)."""
    return f'<div class="answer streaming"><div class="answer-text">{_paragraphs(esc(text))}<span class="caret"></span></div></div>'


def render_error(message: str) -> str:
    """A failed request, shown in the chat instead of an answer."""
    return (
        '<div class="answer failed"><div class="answer-label">Something went wrong</div>'
        f'<div class="answer-text">{_paragraphs(esc(message))}</div>'
        '<div class="answer-note">The assistant is still running: try again, or rephrase the question.</div></div>'
    )


def render_question(question: str, limit: int = 2000) -> str:
    """The user's own message, escaped (it is shown as HTML like the answers), cut at `limit` characters."""
    shown = question if len(question) <= limit else question[:limit] + f" … ({len(question) - limit:,} more characters)"
    return _paragraphs(esc(shown))


# --- sources panel ------------------------------------------------------------------------------


def render_sources(turns: Sequence[Answer], active: int | None = None, file_roots: Sequence[Path] = ()) -> str:
    """The sources panel: the citations of every answered turn, turn `active` (default: last) shown.

    Turns are numbered from 1 like the `data-turn` of the links; the other turns stay in the
    page, hidden, so a click on a citation of an older answer shows its sources at once.
    """
    if not turns:
        return EMPTY_SOURCES
    active = active or len(turns)
    sections = [
        _turn_sources(t, i, i == active, file_roots)
        for i, t in enumerate(turns, 1)
        if t.citations or i == len(turns)  # the last answer's (lack of) sources, never an older answer's
    ]
    return '<div class="src-panel">' + "".join(sections) + "</div>"


def _turn_sources(answer: Answer, turn: int, active: bool, roots: Sequence[Path]) -> str:
    cards = "".join(render_citation(c, turn, roots) for c in answer.citations) or (
        '<p class="src-none">No passages: the articles do not hold this answer.</p>'
    )
    head = f'<div class="src-q"><span>Sources for</span> “{esc(answer.question.strip())}”</div>'
    return f'<section class="src-turn{" active" if active else ""}" data-turn="{turn}">{head}{cards}</section>'


def render_citation(c: Citation, turn: int, roots: Sequence[Path] = ()) -> str:
    """One source card: number, title, section, the passage with its used sentences marked, where from."""
    section = esc(c.section) + (' <span class="src-kind">FAQ</span>' if c.kind == "faq" else "")
    return (
        f'<article class="src-card" id="src-{turn}-{c.n}" data-n="{c.n}">'
        f'<div class="src-head"><span class="src-n">{c.n}</span><div class="src-meta">'
        f'<div class="src-title">{esc(c.title)}</div><div class="src-section">{section}</div></div></div>'
        f'<blockquote class="src-passage">{highlight(c)}</blockquote>'
        f'<div class="src-where">{_where(c, roots)}</div></article>'
    )


def highlight(c: Citation) -> str:
    """The passage, escaped, with the sentences the answer used wrapped in `<mark>`."""
    spans = _sentence_spans(c)
    out, pos = [], 0
    for a, b in spans:
        out += [esc(c.text[pos:a]), f"<mark>{esc(c.text[a:b])}</mark>"]
        pos = b
    out.append(esc(c.text[pos:]))
    return _paragraphs("".join(out))


def _sentence_spans(c: Citation) -> list[tuple[int, int]]:
    """Used sentences as offsets into `c.text`: from `sentence_spans` when they match, else by search."""
    found = []
    for i, sentence in enumerate(c.sentences):
        a, b = c.sentence_spans[i] if i < len(c.sentence_spans) else (-1, -1)
        a, b = a - c.start, b - c.start  # spans are article offsets; the passage starts at c.start
        if not (0 <= a < b <= len(c.text) and c.text[a:b].strip() == sentence.strip()):
            a = c.text.find(sentence)
            b = a + len(sentence)
        if a >= 0 and sentence:
            found.append((a, b))
    found.sort()
    return [(a, b) for i, (a, b) in enumerate(found) if i == 0 or a >= found[i - 1][1]]  # no overlaps


def _where(c: Citation, roots: Sequence[Path]) -> str:
    parts = []
    if c.url:
        parts.append(
            f'<span class="src-url"><a href="{esc(c.url)}" target="_blank" rel="noopener noreferrer">'
            f"{esc(c.url)}</a></span>"
        )
    if c.page:
        parts.append(f'<span class="src-page">page {c.page}</span>')
    if c.source and c.source != c.url and "://" in c.source:  # a web page ingested by its address
        parts.append(f'<span class="src-file" title="{esc(c.source)}">{esc(c.source)}</span>')
    elif c.source and c.source != c.url:
        link = file_link(c.source, roots)
        name = esc(Path(c.source).name)
        shown = f'<a href="{esc(link)}" target="_blank" rel="noopener">{name}</a>' if link else name
        parts.append(f'<span class="src-file" title="{esc(c.source)}">{shown}</span>')
    parts.append(f'<span class="src-chars">chars {c.start}–{c.end}</span>')
    return "".join(parts)


def file_link(source: str, roots: Sequence[Path]) -> str | None:
    """A URL the app serves `source` at, when it lies inside one of the served folders `roots`."""
    try:
        path = Path(source).resolve()
    except (OSError, RuntimeError):
        return None
    if any(path.is_relative_to(Path(r).resolve()) for r in roots) and path.is_file():
        return _FILE_ROUTE + str(path)
    return None


# --- articles tab -------------------------------------------------------------------------------


def render_upload_results(results: Sequence[FileResult]) -> str:
    """One row per uploaded file: its status badge, its name and what it held or why it failed."""
    rows = []
    for r in results:
        said = ", ".join(f"“{t}”" for t in r.articles)
        text = " — ".join(p for p in (said, r.detail) if p)
        rows.append(
            f'<div class="upload-row" data-status="{esc(r.status)}"><span class="upload-status {esc(r.status)}">'
            f'{esc(r.status)}</span><span class="upload-name">{esc(r.name)}</span>'
            f'<span class="upload-detail">{esc(text)}</span></div>'
        )
    return '<div class="upload-results">' + "".join(rows) + "</div>" if rows else ""


def render_article_cards(infos: Sequence[ArticleInfo]) -> str:
    """The ingested articles as cards (title, author and date, tags, chunks): the phone's Articles list."""
    cards = []
    for a in infos:
        byline = " · ".join(p for p in (a.author, a.date) if p)
        tags = "".join(f'<span class="card-tag">{esc(t)}</span>' for t in a.tags)
        cards.append(
            f'<article class="article-card" data-id="{esc(a.id)}"><div class="card-title">{esc(a.title)}</div>'
            + (f'<div class="card-by">{esc(byline)}</div>' if byline else "")
            + (f'<div class="card-tags">{tags}</div>' if tags else "")
            + f'<div class="card-meta">{a.chunks} chunks, {a.faq_chunks} FAQ · <code>{esc(a.id)}</code></div></article>'
        )
    return '<div class="article-cards">' + "".join(cards) + "</div>" if cards else ""
