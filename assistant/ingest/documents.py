"""Binary document readers: PDF (pypdf) and Word .docx (python-docx) -> `Draft`.

pypdf is pure Python under a permissive licence (PyMuPDF, faster, is AGPL). A PDF has no paragraphs or
headings, only positioned lines of text, so they are rebuilt here: line positions and font sizes come from
pypdf's text visitor, the line text from `extract_text()` (its spacing is better than the raw fragments).
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .formats import Draft, FormatError, Outline, checked, tag_list

# A "Microsoft Word - report.docx" or "untitled" title is the tool's, not the author's.
_TOOL_TITLE = re.compile(r"^(microsoft (word|powerpoint) - .*|untitled.*|.*\.(docx?|pdf|odt|rtf|tex))$", re.I)
_PAGE_NUMBER = re.compile(r"^\W*(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?\W*$", re.I)
_SENTENCE_END = re.compile(r"[.!?:;\"”’)]$")
_MAX_DOCX_UNZIPPED = 200 * 2**20  # a .docx is a zip: refuse "zip bombs" before python-docx inflates them


@dataclass
class _Line:
    text: str
    page: int
    y: float | None = None  # baseline height on the page (larger is higher), when known
    size: float | None = None  # font size in points, when known


# --- PDF ------------------------------------------------------------------------------------


def parse_pdf(data: bytes) -> Draft:
    """A PDF: metadata from the document info or XMP, one paragraph list per page, headings by font size.

    Running headers and footers (the same line at the top or bottom of most pages) and page numbers are
    dropped, words hyphenated across line ends are joined. Each paragraph remembers its page
    (`Draft.page_marks`), so citations can name it.
    """
    reader = _open_pdf(data)
    try:
        pages = [_page_lines(page, n) for n, page in enumerate(reader.pages, 1)]
        meta = _pdf_metadata(reader)
    except FormatError:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged content streams
        raise FormatError(f"not a readable PDF: {type(exc).__name__}: {exc}") from None
    lines = _drop_running_lines(pages)
    if not any(line.text.strip() for line in lines):
        raise FormatError(
            f"no text layer (scanned?): none of its {len(pages)} page(s) holds text; run OCR on it first "
            "(for example ocrmypdf) and ingest the result"
        )
    draft = _pdf_outline(lines, meta)
    return checked(draft, "the PDF")


def _open_pdf(data: bytes) -> Any:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:  # many PDFs are encrypted only against editing, with an empty password to open them
                opened = bool(reader.decrypt(""))
            except Exception:  # AES without the `cryptography` package, or an unknown handler
                opened = False
            if not opened:
                raise FormatError(
                    "encrypted: the PDF needs a password to open; save an unprotected copy and ingest that"
                )
        if len(reader.pages) == 0:
            raise FormatError("not a readable PDF: it has no pages")
        return reader
    except FormatError:
        raise
    except Exception as exc:
        raise FormatError(f"not a readable PDF: {type(exc).__name__}: {exc}") from None


def _pdf_metadata(reader: Any) -> Draft:
    info = reader.metadata or {}
    title, author = str(info.get("/Title") or "").strip(), str(info.get("/Author") or "").strip()
    date = ""
    try:
        created = info.creation_date if hasattr(info, "creation_date") else None
    except Exception:  # a malformed date string
        created = None
    try:
        xmp = reader.xmp_metadata
    except Exception:
        xmp = None
    if xmp is not None:
        title = title or _first(getattr(xmp, "dc_title", None))
        author = author or ", ".join(getattr(xmp, "dc_creator", None) or [])
        created = created or getattr(xmp, "xmp_create_date", None)
    if isinstance(created, datetime):
        date = created.date().isoformat()
    keywords = str(info.get("/Keywords") or "")
    title = "" if _TOOL_TITLE.match(title) else title
    return Draft(title=title, author=author, date=date, tags=tag_list(keywords.replace(";", ",")))


def _first(value: Any) -> str:
    if isinstance(value, dict):  # XMP language alternatives: {"x-default": "Title"}
        value = next(iter(value.values()), "")
    return str(value or "").strip()


def _page_lines(page: Any, number: int) -> list[_Line]:
    """The page's text lines, each with its height and font size when the two ways of reading agree."""
    fragments: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            scale = abs(tm[3] * cm[3]) or 1.0
            fragments.append((text, tm[5] * cm[3] + cm[5], size * scale))

    text = page.extract_text(visitor_text=visit) or ""
    lines = [_Line(t.strip(), number) for t in text.splitlines()]
    _attach_positions(lines, fragments)
    return lines


def _attach_positions(lines: list[_Line], fragments: list[tuple[str, float, float]]) -> None:
    """Give each line the height and size of its fragments, when the text of both is the same."""
    owner: list[int] = []  # fragment index of each non-space character of the fragments
    for i, (text, _, _) in enumerate(fragments):
        owner += [i] * len("".join(text.split()))
    if "".join("".join(f[0].split()) for f in fragments) != "".join("".join(ln.text.split()) for ln in lines):
        return  # the extractor reordered or added text: keep the lines without positions
    at = 0
    for line in lines:
        n = len("".join(line.text.split()))
        if n:
            mine = [fragments[i] for i in sorted(set(owner[at : at + n]))]
            line.y, line.size = mine[0][1], max(f[2] for f in mine)
        at += n


def _drop_running_lines(pages: list[list[_Line]]) -> list[_Line]:
    """All lines in order, without page numbers and lines repeated at the top or bottom of most pages.

    Lines in a larger font than the body are headings, never running lines ("Chapter 2" atop a page).
    """
    body = _body_size([ln for lines in pages for ln in lines])
    edge: Counter[str] = Counter()
    for lines in pages:
        edge.update({_shape(ln.text) for ln in _edges(lines)})
    repeated = {s for s, n in edge.items() if len(pages) >= 3 and n >= 0.6 * len(pages)}
    out = []
    for lines in pages:
        edges = {id(ln) for ln in _edges(lines) if not (body and ln.size and ln.size >= body * 1.15)}
        out += [
            ln
            for ln in lines
            if id(ln) not in edges or not (_PAGE_NUMBER.match(ln.text) or _shape(ln.text) in repeated)
        ]
    return out


def _edges(lines: list[_Line]) -> list[_Line]:
    shown = [ln for ln in lines if ln.text]
    return shown[:2] + shown[-2:]


def _body_size(lines: list[_Line]) -> float:
    """The font size of most of the text (0 when sizes are unknown)."""
    sizes: Counter[float] = Counter()
    for ln in lines:
        if ln.size:
            sizes[round(ln.size, 1)] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _shape(text: str) -> str:
    """A line with its digits blanked: "Report 2024 - page 3" and "... page 4" are the same running line."""
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _pdf_outline(lines: list[_Line], meta: Draft) -> Draft:
    body = _body_size(lines)
    outline = Outline(meta.title)
    marks: list[tuple[str, int]] = []
    para: list[_Line] = []
    head: list[_Line] = []

    def end_paragraph() -> None:
        if para:
            text = _join_lines([ln.text for ln in para])
            outline.paragraph(text)
            marks.append((text, para[0].page))
            for i in range(1, len(para)):  # a paragraph running over a page break: where the next page starts
                if para[i].page != para[i - 1].page:
                    marks.append((_join_lines([ln.text for ln in para[i:]]), para[i].page))
            para.clear()

    def end_heading() -> None:
        if head:
            outline.heading(_level(max(ln.size or 0 for ln in head), body), " ".join(ln.text for ln in head))
            head.clear()

    gap = _line_gap(lines)
    for ln in lines:
        if not ln.text:
            end_heading()
            end_paragraph()
        elif body and ln.size and ln.size >= body * 1.15 and len(ln.text.split()) <= 15:
            end_paragraph()
            if head and not _same_heading(head, ln):
                end_heading()
            head.append(ln)  # a heading may run over two or three lines of one size
        else:
            end_heading()
            if para and _new_paragraph(para[-1], ln, gap):
                end_paragraph()
            para.append(ln)
    end_heading()
    end_paragraph()
    meta.sections, meta.faq = outline.finish()
    meta.title = outline.title or _opening(meta.sections)
    meta.page_marks = marks
    return meta


def _same_heading(head: list[_Line], line: _Line) -> bool:
    last = head[-1]
    return last.page == line.page and len(head) < 3 and abs((last.size or 0) - (line.size or 0)) < 0.5


def _level(size: float, body: float) -> int:
    return 1 if size >= body * 1.6 else 2 if size >= body * 1.3 else 3


def _line_gap(lines: list[_Line]) -> float:
    """The usual distance between two lines of a paragraph (the median gap), or 0 when positions are unknown."""
    gaps = sorted(
        round(a.y - b.y, 1)
        for a, b in itertools.pairwise(lines)
        if a.y is not None and b.y is not None and a.page == b.page and 0 < a.y - b.y < 100
    )
    return gaps[len(gaps) // 2] if gaps else 0.0


def _new_paragraph(prev: _Line, line: _Line, gap: float) -> bool:
    if prev.page != line.page:  # a paragraph runs on over the page break unless the sentence ended
        return bool(_SENTENCE_END.search(prev.text)) and not line.text[:1].islower()
    if gap and prev.y is not None and line.y is not None:
        # a line above the last one starts the next column (or a box placed beside the text)
        return line.y > prev.y + 1 or prev.y - line.y > gap * 1.25
    return bool(_SENTENCE_END.search(prev.text)) and len(prev.text) < 60  # no positions: a short last line


def _join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one string; "exam-" + "ple" becomes "example"."""
    text = lines[0]
    for line in lines[1:]:
        if re.search(r"[a-z]-$", text) and line[:1].islower():
            text = text[:-1] + line
        else:
            text += " " + line
    return text


# --- Word -----------------------------------------------------------------------------------


def parse_docx(data: bytes) -> Draft:
    """A Word .docx: headings by paragraph style become sections, core properties give title, author, date."""
    document = _open_docx(data)
    props = document.core_properties
    created = props.created or props.modified
    draft = Draft(
        title=(props.title or "").strip(),
        author=(props.author or "").strip(),
        date=created.date().isoformat() if isinstance(created, datetime) else "",
        tags=tag_list((props.keywords or "").replace(";", ",")),
        teaser=(props.subject or "").strip(),
    )
    outline = Outline(draft.title)
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):  # a table: each row as one paragraph of its cells
            for row in block.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                outline.paragraph(" | ".join(cells))
            continue
        text, style = block.text.strip(), (block.style.name if block.style is not None else "") or ""
        if style == "Title":  # the document's title (swallowed when it repeats the core property's)
            outline.heading(1, text)
        elif level := _heading_level(style):
            outline.heading(level, text)
        else:
            outline.paragraph(text)
    draft.sections, draft.faq = outline.finish()
    # without a title property, Title paragraph or heading, the opening words stand in (as for a PDF)
    draft.title = outline.title or _opening(draft.sections)
    return checked(draft, "the Word document")


def _opening(sections: list[tuple[str, str]]) -> str:
    first = next((text for _, text in sections if text.strip()), "")
    line = " ".join(first.split("\n\n", 1)[0].split())
    return line if len(line) <= 120 else line[:120].rsplit(" ", 1)[0] + "..."


def _open_docx(data: bytes) -> Any:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > _MAX_DOCX_UNZIPPED:
                raise FormatError("not a readable Word file: it unpacks to over 200 MB (a zip bomb?)")
        return docx.Document(io.BytesIO(data))
    except FormatError:
        raise
    except zipfile.BadZipFile:
        raise FormatError(
            "not a readable Word file: not a .docx (zip) package; old .doc files must be saved as .docx"
        ) from None
    except Exception as exc:  # python-docx: missing parts, bad XML, not a Word package at all
        raise FormatError(f"not a readable Word file: {type(exc).__name__}: {exc}") from None


def _heading_level(style: str) -> int:
    match = re.match(r"^Heading\s*(\d)$", style, re.I)
    return int(match[1]) if match else 0
