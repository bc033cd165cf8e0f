"""Format readers: decoded plain text, Markdown and HTML -> `Draft` articles, plus the shared pieces.

Readers know nothing about files, ids or offsets. `assistant.ingest.articles` reads the bytes, picks the
reader by suffix (JSON records are read there, with `markdown_outline` for their text) and turns each
`Draft` into an `Article` with canonical text. Every reader checks that a draft has a title and some
body text, so building an article from it cannot fail.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from dateutil import parser as dateparser

FAQ_HEADING = "Frequently Asked Questions"

_FAQ_TITLE = re.compile(r"^\W*(faqs?|frequently asked questions)\b", re.I)
_FAQ_LINE = re.compile(r"^\W*(faqs?|frequently asked questions)\W*$", re.I)
_QUESTION = re.compile(r"^(?:Q|[Qq]uestion)\s*\d*\s*(?:[:)]|\.(?=\s))\s*")
_ANSWER = re.compile(r"^(?:A|[Aa]nswer)\s*\d*\s*(?:[:)]|\.(?=\s))\s*")
# A byline: "By Jane Doe", or two to four capitalised words such as "Emily Carter".
_WORD = r"[A-Z][\w.'’-]*"
_NAME = re.compile(rf"^(?:By\s+(?P<by>{_WORD}(?:\s+{_WORD}){{0,3}})|(?P<name>{_WORD}(?:\s+{_WORD}){{1,3}}))$")


@dataclass
class Draft:
    """What a reader found in one article; `number` is its line/record number in a multi-article file (else 0)."""

    title: str
    sections: list[tuple[str, str]] = field(default_factory=list)
    faq: list[tuple[str, str]] = field(default_factory=list)
    id: str = ""
    author: str = ""
    date: str = ""
    tags: list[str] = field(default_factory=list)
    url: str = ""
    teaser: str = ""
    number: int = 0
    # (paragraph text, page number) in reading order, for paged formats (PDF): citations name the page
    page_marks: list[tuple[str, int]] = field(default_factory=list)


class FormatError(ValueError):
    """The text does not have the shape its format needs; `number` is the bad line/record, if any."""

    def __init__(self, reason: str, number: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.number = number


def parse_date(value: str) -> str | None:
    """`YYYY-MM-DD` when `value` is a complete date, else None (partial dates like "May 2024" included)."""
    try:
        # Parsing with two different defaults shows whether any part of the date was filled in.
        first = dateparser.parse(value, default=datetime(2000, 1, 1))
        second = dateparser.parse(value, default=datetime(2001, 2, 2))
    except (ValueError, OverflowError, TypeError):
        return None
    return first.date().isoformat() if first.date() == second.date() else None


def checked(draft: Draft, where: str, untitled: bool = False) -> Draft:
    """`draft` itself once it has a title (unless `untitled`: the file's name will give it one) and some body
    text, else FormatError naming `where`."""
    if not untitled and not draft.title.strip():
        raise FormatError(f"no title found in {where}")
    if not any(text.strip() for _, text in draft.sections) and not draft.faq:
        raise FormatError(f"no body text found in {where}")
    return draft


def tag_list(value: Any) -> list[str]:
    """Tags from a list or a comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list):
        # Nested lists could be YAML aliases that expand to gigabytes when printed ("billion laughs").
        if any(isinstance(t, list | dict) for t in value):
            raise FormatError("'tags' must be a list of single words or phrases, not of lists or objects")
        return [str(t).strip() for t in value if str(t).strip()]
    raise FormatError(f"'tags' must be a list or a comma-separated string, got {kind(value)}")


def faq_pairs(paragraphs: list[str]) -> list[tuple[str, str]]:
    """Question/answer pairs from `Q:`/`A:` lines; a lone line ending in '?' also starts a question."""
    pairs: list[tuple[str, str]] = []
    question: list[str] = []
    answer: list[str] = []
    for para in paragraphs:
        lines = [line.strip() for line in para.splitlines() if line.strip()]
        if len(lines) == 1 and lines[0].endswith("?") and not _ANSWER.match(lines[0]):
            lines[0] = lines[0] if _QUESTION.match(lines[0]) else "Q: " + lines[0]
        asking = False  # a question may wrap over lines of its own paragraph only
        for line in lines:
            if match := _QUESTION.match(line):
                _add_pair(pairs, question, answer)
                question, answer, asking = [line[match.end() :]], [], True
            elif match := _ANSWER.match(line):
                asking = False
                answer.append(line[match.end() :])
            elif asking:
                question.append(line)
            elif question:
                answer.append(line)
    _add_pair(pairs, question, answer)
    return pairs


def _add_pair(pairs: list[tuple[str, str]], question: list[str], answer: list[str]) -> None:
    if question and answer:
        pairs.append((" ".join(question), " ".join(answer)))


class Outline:
    """Collects headings and paragraphs into sections; a FAQ heading collects pairs until a heading of its level."""

    def __init__(self, title: str = "", title_heading: bool = True) -> None:
        self.title = title
        self.sections: list[tuple[str, str]] = []
        self._heading = ""
        self._paras: list[str] = []
        self._title_pending = title_heading  # the first heading is the title (or repeats it)
        self._faq_level: int | None = None
        self._faq_paras: list[str] = []

    @property
    def in_faq(self) -> bool:
        return self._faq_level is not None

    def heading(self, level: int, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return
        if self._title_pending and (not self.title or self.title.strip().casefold() == text.casefold()):
            self.title, self._title_pending = self.title or text, False
            return
        self._title_pending = False
        if self._faq_level is not None and level > self._faq_level:
            self._faq_paras.append(text if _QUESTION.match(text) else "Q: " + text)
            return
        self._flush()
        self._faq_level = level if _FAQ_TITLE.match(text) else None
        self._heading = "" if self.in_faq else text

    def paragraph(self, text: str) -> None:
        if text.strip():
            (self._faq_paras if self.in_faq else self._paras).append(text)

    def finish(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The sections and FAQ pairs; a FAQ part without any pair is kept as an ordinary section."""
        self._flush()
        faq = faq_pairs(self._faq_paras)
        if self._faq_paras and not faq:
            self.sections.append((FAQ_HEADING, "\n\n".join(self._faq_paras)))
        return self.sections, faq

    def _flush(self) -> None:
        if self._paras:
            self.sections.append((self._heading, "\n\n".join(self._paras)))
        self._heading, self._paras = "", []


# --- plain text -----------------------------------------------------------------------------


def parse_text(text: str) -> Draft:
    """A plain-text article: optional `#tag` line, title line, optional teaser + byline, then the body.

    A first line that reads as a paragraph (over 25 words, a sentence of over 12, or the start of a wrapped one:
    `_is_title_line`) is body text, not a title: the article is untitled and takes its file's name
    ("Super_Bowl_50.txt" -> "Super Bowl 50").
    """
    blocks = [[ln.strip() for ln in b.splitlines() if ln.strip()] for b in re.split(r"\n\s*\n", text.strip())]
    blocks = [b for b in blocks if b]
    tags = _take_tags(blocks)
    if not blocks:
        raise FormatError("no title found: the file holds only a line of #tags")
    title = re.sub(r"^#+\s+", "", blocks[0].pop(0)) if _is_title_line(blocks[0]) else ""
    blocks = [b for b in blocks if b]
    draft = Draft(title=title, tags=tags)
    _take_byline(blocks, draft, seed_style=bool(tags))
    outline = Outline(title, title_heading=False)  # the title line is already taken
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if len(block) == 1 and _is_text_heading(block[0], following, outline.in_faq):
            outline.heading(1, block[0])
        else:
            outline.paragraph("\n".join(block))
    draft.sections, draft.faq = outline.finish()
    return checked(draft, "the text after the title" if title else "the text", untitled=True)


def _is_title_line(block: list[str]) -> bool:
    """Whether the first line of the first block is a title: not a paragraph's worth of words, and not the
    first line of a paragraph wrapped over several (a long line, the next going on in lower case; "by Ann Lee"
    or "updated 4 January" under a headline is its byline)."""
    line, words = block[0], block[0].split()
    if len(words) > 25 or (line.endswith(".") and len(words) > 12):
        return False
    wrapped = len(block) > 1 and block[1][:1].islower() and len(words) >= WRAPPED_WORDS
    return not (wrapped and not _BYLINE_START.match(block[1]))


WRAPPED_WORDS = 8  # a title line followed by lower-case text is only a wrapped paragraph when this long
_BYLINE_START = re.compile(r"(by|updated|published|posted|last updated|from)\b", re.I)


def _take_tags(blocks: list[list[str]]) -> list[str]:
    # "#US-Russia relations#Ukraine War#..." - tags may contain spaces, so split on '#'.
    if blocks and re.match(r"^#[^\s#]", blocks[0][0]):
        line = blocks[0].pop(0)
        if not blocks[0]:
            blocks.pop(0)
        return [t.strip() for t in line.split("#") if t.strip()]
    return []


def _take_byline(blocks: list[list[str]], draft: Draft, seed_style: bool) -> None:
    """Take "teaser / author (+ rubric or date line)" off the front of `blocks` when they are there."""
    if not _is_byline(blocks, 0, seed_style):
        if not _is_byline(blocks, 1, seed_style):
            return
        draft.teaser = " ".join(blocks.pop(0))
    byline = blocks.pop(0)
    match = _NAME.match(byline[0])
    draft.author = (match["by"] or match["name"]) if match else ""
    for extra in byline[1:]:  # a rubric such as "Analytical Breakdown" is dropped on purpose
        draft.date = draft.date or parse_date(extra) or ""
    # A rubric on a line of its own shows as two short lines in a row before the first paragraph.
    if len(byline) == 1 and len(blocks) > 2 and all(len(b) == 1 and len(b[0].split()) < 12 for b in blocks[:2]):
        blocks.pop(0)


def _is_byline(blocks: list[list[str]], i: int, seed_style: bool) -> bool:
    if i >= len(blocks) or not (match := _NAME.match(blocks[i][0])):
        return False
    if match["by"]:
        return True
    # A bare name such as "Emily Carter" is trusted only in the tagged house style, and only with a rubric
    # next to it: a title-case section heading looks the same but is followed by a paragraph.
    rubric_next = i + 1 < len(blocks) and len(blocks[i + 1]) == 1 and len(blocks[i + 1][0].split()) < 12
    return seed_style and (len(blocks[i]) > 1 or rubric_next)


def _is_text_heading(line: str, following: list[str] | None, in_faq: bool) -> bool:
    """A short standalone line followed by a longer paragraph; "FAQ" lines always count."""
    if _FAQ_LINE.match(line):
        return True
    if following is None or _QUESTION.match(line) or _ANSWER.match(line) or (in_faq and line.endswith("?")):
        return False
    short = 0 < len(line.split()) < 12 and not line.endswith((".", ":", ";", ","))
    return short and len(" ".join(following)) > len(line)


# --- Markdown -------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$\n?", re.S | re.M)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_MD_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_MD_TABLE_RULE = re.compile(r"^\s*\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*$")
# No span may run over its own opening mark (or, for URLs, an unbalanced parenthesis): an opener without
# a closer then costs one short scan instead of a scan to the end of the line, which made a long line
# full of "*a " or "[a" quadratic (minutes for 100 KB).
_MD_URL = r"\((?:[^()]|\([^()]*\))*\)"  # "(url)", allowing one level of balanced parentheses inside
_MD_INLINE = [
    (re.compile(r"!\[[^\[\]]*\]" + _MD_URL), ""),  # images
    (re.compile(r"\[([^\[\]]+)\]" + _MD_URL), r"\1"),  # [text](url)
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<(https?://[^<>\s]+)>"), r"\1"),
    (re.compile(r"</?[A-Za-z][^<>]*>"), ""),  # inline HTML tags
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(\*\*|__|~~)(?=\S)((?:(?!\1).)+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])"), r"\1"),
]


def parse_markdown(text: str) -> Draft:
    """A Markdown article with optional YAML front matter; the title is `title:` or the first heading (without
    either, the article takes its file's name)."""
    meta, body = _front_matter(text)
    draft = Draft(
        title=_meta_str(meta, "title"),
        id=_meta_str(meta, "id"),
        author=_meta_str(meta, "author"),
        date=_meta_str(meta, "date"),
        tags=tag_list(meta.get("tags")),
        url=_meta_str(meta, "url"),
        teaser=_meta_str(meta, "teaser") or _meta_str(meta, "description") or _meta_str(meta, "summary"),
    )
    draft.title, draft.sections, draft.faq = markdown_outline(body, draft.title)
    return checked(draft, "the Markdown body", untitled=True)


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match[1]) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""  # +2: 0-based, after the opening '---'
        raise FormatError(f"invalid YAML front matter{where}: {getattr(exc, 'problem', None) or exc}") from None
    except RecursionError:
        raise FormatError("invalid YAML front matter: nested too deeply") from None
    except (ValueError, OverflowError) as exc:  # a value YAML reads but cannot build, such as date: 2024-02-30
        raise FormatError(f"invalid YAML front matter ({exc}): correct the value, or quote it") from None
    if not isinstance(meta, dict):
        raise FormatError(f"front matter must be a mapping such as 'title: ...', got {kind(meta)}")
    return meta, text[match.end() :]


def _meta_str(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    if isinstance(value, dict | list):
        raise FormatError(f"front matter '{key}' must be a single value, got {kind(value)}")
    return "" if value is None else str(value).strip()


def markdown_outline(body: str, title: str = "") -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """(title, sections, FAQ pairs) of a Markdown body; without `title` the first heading is the title."""
    outline = Outline(title)
    para: list[str] = []
    in_code = False

    def end_paragraph() -> None:
        outline.paragraph("\n".join(para))
        para.clear()

    for raw in body.splitlines():
        if _MD_FENCE.match(raw):
            in_code = not in_code
            end_paragraph()
        elif in_code:
            para.append(raw)
        elif heading := _MD_HEADING.match(raw):
            end_paragraph()
            outline.heading(len(heading[1]), strip_markdown(heading[2]))
        elif len(para) == 1 and re.match(r"^\s*(=+|-+)\s*$", raw):  # setext heading underline
            outline.heading(1 if "=" in raw else 2, strip_markdown(para.pop()))
        elif not raw.strip() or _MD_RULE.match(raw) or _MD_TABLE_RULE.match(raw):
            end_paragraph()
        else:
            if _MD_ITEM.match(raw):  # each list item is a paragraph of its own
                end_paragraph()
            para.append(strip_markdown(_MD_ITEM.sub("", _MD_QUOTE.sub("", raw))))
    end_paragraph()
    sections, faq = outline.finish()
    return outline.title, sections, faq


def strip_markdown(line: str) -> str:
    """The line without inline Markdown: links keep their text, images and emphasis markers go."""
    for pattern, replacement in _MD_INLINE:
        line = pattern.sub(replacement, line)
    return line.strip()


# --- HTML -----------------------------------------------------------------------------------

_HTML_DROP = ["script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "svg", "iframe"]
_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "dt", "dd", "figcaption"]


def parse_html(text: str) -> Draft:
    """An HTML page: metadata from <meta>/<title>/<time>, body from <article>, <main> or <body>."""
    from bs4 import BeautifulSoup  # imported here: only HTML files need it

    soup = BeautifulSoup(text, "lxml" if importlib.util.find_spec("lxml") else "html.parser")
    draft = _html_metadata(soup)
    root = soup.find("article") or soup.find("main") or soup.body or soup
    for tag in root.find_all(_HTML_DROP):
        if not tag.decomposed:  # one inside another was already removed with it (nested: quadratic otherwise)
            tag.decompose()
    for br in root.find_all("br"):
        br.replace_with("\n")
    outline = Outline(draft.title)
    blocks = _outer_blocks(root)
    for el in blocks:
        _html_block(outline, el.name, " ".join(el.get_text().split()))
    if not blocks:  # bare text without block elements
        outline.paragraph(root.get_text("\n"))
    draft.sections, draft.faq = outline.finish()
    if not draft.sections and not draft.faq:
        raise FormatError("no body text found in the HTML (scripts, styles, navigation, headers, footers are ignored)")
    if not outline.title:
        raise FormatError("no title found: add a <title>, an og:title <meta> or an <h1>")
    draft.title = outline.title
    return checked(draft, "the HTML body")


def _outer_blocks(root: Any) -> list[Any]:
    """The block elements not inside another block, in document order (a <p> inside an <li> belongs to
    the <li>), and the <div>s holding only inline content (sloppy pages put text straight in divs).

    One pass over the tree: asking each element for its parents and children instead took minutes for a
    page of a few thousand nested tags.
    """
    from bs4 import Tag

    blocks = {*_HTML_BLOCKS, "div"}
    covered = {id(root): root.name in _HTML_BLOCKS or root.find_parent(_HTML_BLOCKS) is not None}
    holders: set[int] = set()  # elements with a block somewhere inside
    found = []
    for el in root.descendants:  # parents come before their children
        if not isinstance(el, Tag):
            continue
        inside = covered[id(el.parent)]
        covered[id(el)] = inside or el.name in _HTML_BLOCKS
        if el.name in blocks:
            found.append((el, inside))
            parent = el.parent
            while parent is not None and id(parent) not in holders:  # stops where an earlier walk stopped
                holders.add(id(parent))
                parent = parent.parent
    return [el for el, inside in found if not inside and not (el.name == "div" and id(el) in holders)]


def _html_block(outline: Outline, name: str, text: str) -> None:
    if name[0] == "h" and name[1:].isdigit():
        outline.heading(int(name[1:]), text)
    elif name in ("dt", "dd") and outline.in_faq:  # <dl> FAQ: terms are questions, definitions answers
        outline.paragraph(("Q: " if name == "dt" else "A: ") + text)
    else:
        outline.paragraph(text)


def _html_metadata(soup: Any) -> Draft:
    def meta(*keys: str) -> str:
        for key in keys:
            for attr in ("property", "name", "itemprop"):
                tag = soup.find("meta", attrs={attr: re.compile(f"^{re.escape(key)}$", re.I), "content": True})
                if tag and tag["content"].strip():
                    return tag["content"].strip()
        return ""

    def text_of(selector: str) -> str:
        tag = soup.select_one(selector)
        return " ".join(tag.get_text().split()) if tag else ""

    canonical = soup.find("link", rel="canonical", href=True)
    time = soup.find("time", datetime=True)
    tags = tag_list(meta("keywords")) + [t["content"].strip() for t in soup.find_all("meta", property="article:tag")]
    author = meta("author") or text_of('[rel~="author"], [itemprop="author"], .author, .byline')
    h1, page_title = text_of("h1"), text_of("title")
    return Draft(  # "Title | Site" in <title> gives way to an <h1> "Title"
        title=meta("og:title") or (h1 if h1 and page_title.startswith(h1) else page_title) or h1,
        author=re.sub(r"^By\s+", "", author, flags=re.I),
        date=meta("article:published_time", "date", "dc.date", "pubdate") or (time["datetime"] if time else ""),
        url=canonical["href"].strip() if canonical else meta("og:url"),
        tags=tags,
        teaser=meta("description", "og:description"),
    )


def kind(value: Any) -> str:
    """The JSON name of a value's type, for error messages."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
