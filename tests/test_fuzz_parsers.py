"""Hostile files, tried systematically: every file gives valid articles or a clear per-file `Failure`.

Property-based (hypothesis) over `parse_file_partial` and `load_articles`: random bytes, random
Unicode, generated Markdown / HTML / JSON / JSON Lines / plain text of every shape, plus the inputs
that once crashed or hung the parsers (deep nesting, huge lines, YAML alias bombs, invisible text,
lone surrogates, pipes, file names that are not UTF-8, a file rewritten while it is read). Then the
same files go through a real ingest: the good files are indexed, each bad one is reported.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant, Settings
from assistant.ingest.articles import SUPPORTED_SUFFIXES, load_articles, parse_file_partial
from assistant.ingest.chunking import chunk_article
from assistant.ingest.formats import strip_markdown
from assistant.models import Article, Failure

from .conftest import DATA
from .test_index import _consistent

SUFFIXES = sorted(SUPPORTED_SUFFIXES)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
GOOD = sorted(p for p in DATA.iterdir() if p.suffix in SUPPORTED_SUFFIXES)
GOOD_ARTICLES = 6  # in the 5 GOOD files


def check(path: Path, articles: list[Article], failures: list[Failure]) -> None:
    """What every parse must give: valid articles, and failures that say what was wrong in words."""
    for f in failures:
        assert isinstance(f, Failure)
        assert f.path.startswith(str(path)), f.path
        assert isinstance(f.error, str) and f.error.strip()
        assert "Traceback" not in f.error and 'File "' not in f.error
        f.error.encode("utf-8")
    assert len({a.id for a in articles}) == len(articles)
    for a in articles:
        assert_valid(a, path)


def assert_valid(a: Article, path: Path) -> None:
    assert a.id and a.title and a.text and a.source == str(path)
    assert a.title == a.title.strip() and "\n" not in a.title
    json.dumps(asdict(a), ensure_ascii=False).encode("utf-8")  # storable: no lone surrogates
    for s in a.sections:
        assert s.text and a.text[s.start : s.start + len(s.text)] == s.text
    for q in a.faq:
        assert a.text[q.start :].startswith(f"Q: {q.question}\nA: {q.answer}")
    chunks = chunk_article(a, 32, 8)
    assert chunks and all(c.text for c in chunks)
    for c in chunks:
        if c.kind == "text":
            assert a.text[c.start : c.end] == c.text


def parse(tmp_path: Path, name: str, content: str | bytes) -> tuple[list[Article], list[Failure]]:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    articles, failures = parse_file_partial(path)
    check(path, articles, failures)
    return articles, failures


# --- strategies ---------------------------------------------------------------------------------------

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
prose = st.lists(
    st.sampled_from(
        [
            "The ferry",
            "leaves at nine",
            ".",
            "Q:",
            "A:",
            "?",
            "By Ann Lee",
            "#tag",
            "\u200b",
            "\ufeff",
            " ",
            "\n",
            "\n\n",
            "\t",
            "\r\n",
            "é",
            "日本",
            "🙂",
        ]
    )
    | words,
    max_size=30,
).map("".join)

md_line = st.one_of(
    st.sampled_from(
        [
            "# Title",
            "## FAQ",
            "### Section",
            "Q: Why?",
            "A: Because.",
            "---",
            "***",
            "```",
            "~~~",
            "> quote",
            "- item",
            "1. item",
            "| a | b |",
            "|---|---|",
            "===",
            "Title\n=====",
            "![img](x.png)",
            "[link](http://x/(y))",
            "<b>bold</b>",
            "**",
            "*",
            "_",
            "`",
            "[",
            "](",
            "<http://x",
            "<div>",
            "#",
            "#no-space",
            "    code",
            "",
        ]
    ),
    prose,
    st.tuples(st.sampled_from(["**", "*", "_", "__", "~~", "`", "[", "]("]), words).map("".join),
)
yaml_value = st.one_of(
    words,
    st.integers(),
    st.just("[a, b]"),
    st.just("{a: 1}"),
    st.just("2024-02-30"),
    st.just("&a [x, *a]"),
    st.just("!!python/object:os.system x"),
    st.just("'unclosed"),
)
front_matter = st.lists(
    st.tuples(st.sampled_from(["title", "author", "date", "tags", "id", "url", "teaser"]), yaml_value).map(
        lambda kv: f"{kv[0]}: {kv[1]}"
    ),
    max_size=5,
).map(lambda lines: "---\n" + "\n".join(lines) + "\n---\n")
markdown = st.tuples(st.one_of(st.just(""), front_matter), st.lists(md_line, max_size=25)).map(
    lambda p: p[0] + "\n".join(p[1])
)

TAGS = [
    "div",
    "p",
    "li",
    "ul",
    "h1",
    "h2",
    "h3",
    "article",
    "main",
    "section",
    "span",
    "b",
    "dl",
    "dt",
    "dd",
    "script",
    "style",
    "nav",
    "aside",
    "br",
    "title",
    "table",
    "td",
    "pre",
    "blockquote",
    "template",
    "svg",
]
html_node = st.recursive(
    words.map(lambda t: t.replace("<", "&lt;")),
    lambda inner: st.tuples(st.sampled_from(TAGS), st.lists(inner, max_size=4), st.booleans()).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}" + (f"</{t[0]}>" if t[2] else "")
    ),  # unclosed tags too
    max_leaves=30,
)
html = st.tuples(
    st.sampled_from(
        [
            "",
            "<!doctype html><html><head><title>T</title></head><body>",
            '<meta property="og:title" content="">',
            "<title>  </title>",
            "<h1>\u200b</h1>",
            '<meta name="keywords" content="a, b"><time datetime="2024-13-45">',
        ]
    ),
    st.lists(html_node, max_size=6),
).map(lambda p: p[0] + "".join(p[1]))

json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | words,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(words, inner, max_size=4),
    max_leaves=20,
)
record = st.fixed_dictionaries(
    {},
    optional={
        "title": json_value | words,
        "text": json_value | prose,
        "sections": json_value
        | st.lists(st.fixed_dictionaries({}, optional={"heading": json_value, "text": json_value | prose}), max_size=3),
        "faq": json_value
        | st.lists(
            st.fixed_dictionaries(
                {}, optional={"question": json_value | words, "answer": json_value | words, "q": words, "a": words}
            ),
            max_size=3,
        ),
        "tags": json_value,
        "date": json_value,
        "id": json_value,
        "url": json_value,
        "author": json_value,
    },
)
json_doc = st.one_of(
    json_value,
    record,
    st.lists(record, max_size=4),
    st.fixed_dictionaries({"articles": st.lists(record, max_size=4) | json_value}),
).map(json.dumps)
jsonl_doc = st.lists(st.one_of(record.map(json.dumps), json_value.map(json.dumps), words), max_size=6).map("\n".join)


# --- properties ---------------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_give_articles_or_a_reason(tmp_path: Path, data: bytes, suffix: str) -> None:
    parse(tmp_path, "random" + suffix, data)


@FUZZ
@given(text=st.text(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_random_unicode_gives_articles_or_a_reason(tmp_path: Path, text: str, suffix: str) -> None:
    parse(tmp_path, "unicode" + suffix, text)


@FUZZ
@given(text=markdown, suffix=st.sampled_from([".md", ".txt"]))
def test_generated_markdown_and_text(tmp_path: Path, text: str, suffix: str) -> None:
    parse(tmp_path, "doc" + suffix, text)


@FUZZ
@given(text=html)
def test_generated_and_broken_html(tmp_path: Path, text: str) -> None:
    parse(tmp_path, "page.html", text)


@FUZZ
@given(text=json_doc)
def test_json_of_any_shape(tmp_path: Path, text: str) -> None:
    parse(tmp_path, "data.json", text)


@FUZZ
@given(text=jsonl_doc)
def test_json_lines_keep_their_good_records(tmp_path: Path, text: str) -> None:
    articles, failures = parse(tmp_path, "data.jsonl", text)
    if [f.path for f in failures] == [str(tmp_path / "data.jsonl")]:  # the whole file: empty, binary ...
        assert not articles
        return
    lines = sum(1 for line in text.splitlines() if line.strip())
    assert len(articles) + len(failures) == lines  # one result per non-blank line, nothing lost
    assert all(f.path.startswith(str(tmp_path / "data.jsonl:")) for f in failures)  # each names its line


cell = st.text(alphabet=st.sampled_from('ab ,;"\n\t\u00e9'), max_size=30)


@FUZZ
@given(rows=st.lists(st.tuples(cell, cell), max_size=6), header=st.sampled_from(["title,text", "headline;body", "x,y"]))
def test_csv_rows_each_give_an_article_or_a_reason(tmp_path: Path, rows: list[tuple[str, str]], header: str) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, delimiter=";" if ";" in header else ",").writerows(rows)
    articles, failures = parse(tmp_path, "rows.csv", header + "\n" + out.getvalue())
    if [f.path for f in failures] == [str(tmp_path / "rows.csv")]:  # the whole file: no rows, a foreign header
        assert not articles
        return
    assert len(articles) + len(failures) == sum(1 for r in rows if any(r))  # one result per row, nothing lost
    assert all(f.path.startswith(str(tmp_path / "rows.csv:")) for f in failures)


# --- the inputs that crashed or hung before ----------------------------------------------------------

DEEP = 100_000
HOSTILE = {
    "deep.json": "[" * DEEP + "]" * DEEP,
    "deep-object.json": '{"a":' * DEEP + "1" + "}" * DEEP,
    "deep.jsonl": '{"title": "T", "text": "ok"}\n' + "[" * DEEP + "]" * DEEP,
    "deep-yaml.md": "---\ntitle: " + "[" * 20_000 + "\n---\n# T\n\nbody",
    "alias-bomb.md": "---\nb0: &b0 [xxxxxxxx, xxxxxxxx, xxxxxxxx, xxxxxxxx, xxxxxxxx, xxxxxxxx]\n"  # 6 * 9**8 tags
    + "".join(f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]\n" for i in range(1, 9))
    + "title: T\ntags: *b8\n---\nbody",
    "deep-div.html": "<title>T</title>" + "<div>" * 40_000 + "text",
    "deep-aside.html": "<title>T</title><p>kept</p>" + "<aside>" * 40_000 + "dropped",
    "deep-li.html": "<title>T</title>" + "<ul><li>" * 10_000 + "text",
    "stars.md": "# T\n\n" + "*a " * 100_000,
    "underscores.md": "# T\n\n" + "_a " * 100_000,
    "bold.md": "# T\n\n" + "**a " * 75_000,
    "links.md": "# T\n\n" + "[a" * 150_000,
    "images.md": "# T\n\n" + "![a](" * 60_000,
    "tags.md": "# T\n\n" + "<a " * 100_000,
    "huge-line.txt": "Title\n\n" + "word " * 100_000,
    "zero-width-title.json": json.dumps({"title": "\u200b\ufeff", "text": "body"}),
    "zero-width-body.md": "# Title\n\n\u200b\u200b\n",
    "zero-width-faq.json": json.dumps({"title": "T", "sections": [], "faq": [{"question": "\u200b", "answer": "x"}]}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_inputs_that_once_crashed_or_hung(tmp_path: Path, name: str) -> None:
    articles, failures = parse(tmp_path, name, HOSTILE[name])
    if name == "deep.jsonl":
        assert [a.title for a in articles] == ["T"] and failures[0].path.endswith(":2")
    elif name.startswith(("deep.", "deep-object", "deep-yaml", "alias-bomb", "zero-width")):
        assert not articles and failures, "expected a clear refusal"
        assert any(w in failures[0].error for w in ("nested too deeply", "'tags' must be", "no visible"))
    else:
        [article] = articles
        assert len(article.text) > 3
        if name == "deep-aside.html":
            assert article.text == "kept"


def test_inline_markdown_is_still_stripped_by_the_linear_patterns() -> None:
    line = (
        "See [Foo](https://en.wikipedia.org/wiki/Foo_(bar)) and **bold**, *it*, _u_, ~~old~~, `code` "
        '![img](x.png) <b>tag</b> <http://x.y> [ref][1] [link](http://a.b "title").'
    )
    assert strip_markdown(line) == "See Foo and bold, it, u, old, code  tag http://x.y ref link."
    assert strip_markdown("a * b * c, 2*3*4, snake_case_name") == "a * b * c, 2*3*4, snake_case_name"


def test_lone_surrogates_from_escapes_are_replaced(tmp_path: Path) -> None:
    text = '{"title": "Caf\\ud800 news", "id": "x\\udfff", "text": "Body \\udc00 here.", "tags": ["\\ud83d"]}'
    [article], _ = parse(tmp_path, "s.json", text)
    assert article.title == "Caf\ufffd news" and article.id == "x\ufffd" and "\ufffd" in article.text
    [article], _ = parse(tmp_path, "s.md", '---\ntitle: "Caf\\ud800"\n---\nBody.')
    assert article.title == "Caf\ufffd"


def test_empty_and_whitespace_files(tmp_path: Path) -> None:
    for suffix in SUFFIXES:
        for content in (b"", b"   \n\t\n", b"\xef\xbb\xbf", b"\xff\xfe"):
            articles, [failure] = parse(tmp_path, "empty" + suffix, content)
            assert not articles and "empty" in failure.error


def test_a_pipe_named_like_an_article_is_refused_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")  # opening it for reading would block forever
    articles, [failure] = parse_file_partial(tmp_path / "pipe.md")
    assert not articles and "pipe" in failure.error
    found, failures = load_articles([tmp_path, *GOOD])
    assert len(found) == GOOD_ARTICLES and [f.path for f in failures] == [str(tmp_path / "pipe.md")]


def test_a_file_name_that_is_not_utf8_is_refused_and_the_rest_kept(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (Path(os.fsdecode(bytes(folder) + b"/caf\xe9.md"))).write_text("# Cafe\n\nCoffee at ten.")
    (folder / "ok.md").write_text("# Ok\n\nFine.")
    articles, [failure] = load_articles([folder])
    assert [a.id for a in articles] == ["ok"]
    assert "not valid UTF-8" in failure.error and "rename" in failure.error
    failure.path.encode("utf-8")  # printable in reports and the CLI


def good_and_hostile(folder: Path, hostile: tuple[str, ...] = ()) -> Path:
    """`folder` holding every good sample file and the named `HOSTILE` ones."""
    folder.mkdir()
    for good in GOOD:
        shutil.copy(good, folder / good.name)
    for name in hostile:
        (folder / name).write_text(HOSTILE[name], encoding="utf-8")
    return folder


def test_one_load_keeps_every_good_file_among_hostile_ones(tmp_path: Path) -> None:
    folder = good_and_hostile(tmp_path / "mixed", ("deep.json", "alias-bomb.md", "zero-width-body.md", "stars.md"))
    (folder / "random.html").write_bytes(bytes(range(256)) * 20)
    articles, failures = load_articles([folder])
    assert {f.path for f in failures} == {
        str(folder / n) for n in ("deep.json", "alias-bomb.md", "zero-width-body.md", "random.html")
    }
    assert len(articles) == GOOD_ARTICLES + 1  # and stars.md


def test_a_file_rewritten_while_it_is_read(tmp_path: Path) -> None:
    """A writer rewrites, truncates, empties and deletes one file in a loop while loads run."""
    folder = good_and_hostile(tmp_path / "live")
    target = folder / "changing.md"
    full = ("---\ntitle: Changing\n---\n# Changing\n\n" + "A sentence that keeps changing. " * 400).encode()
    states = [full, full[: len(full) // 2], b"", full[:7], "é".encode() * 5000 + b"\xc3", b"\x00" * 64, None]
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            state = states[i % len(states)]
            if state is None:
                target.unlink(missing_ok=True)
            else:
                with target.open("wb") as handle:  # truncate, then write in two steps
                    handle.write(state[: len(state) // 3])
                    handle.flush()
                    handle.write(state[len(state) // 3 :])
            i += 1

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        outcomes = set()
        for _ in range(40):
            articles, failures = load_articles([folder])
            others = [a for a in articles if a.source != str(target)]
            assert len(others) == GOOD_ARTICLES  # the other files are always read whole
            mine = [a for a in articles if a.source == str(target)]
            for a in articles:
                assert_valid(a, Path(a.source))
            check(folder, [], failures)
            assert len(mine) + len(failures) <= 1
            outcomes.add("article" if mine else failures[0].error.split(":")[0] if failures else "gone")
    finally:
        stop.set()
        thread.join()
    assert len(outcomes) >= 2, outcomes  # the writer really raced the reader


def test_ingest_indexes_the_good_files_and_reports_each_bad_one(tmp_path: Path) -> None:
    """The whole pipeline: parse, chunk, embed, Chroma, BM25, manifest; the bad files are only reported."""
    folder = good_and_hostile(
        tmp_path / "corpus", ("deep.json", "alias-bomb.md", "zero-width-title.json", "deep-aside.html")
    )
    (folder / "control.json").write_text(
        json.dumps(
            {
                "title": "Control \u0000 chars",
                "text": "The lighthouse keeper rings the brass bell\u0007 at noon every day. "
                "A nul \u0000 and a lone \ud800 surrogate sit here too.",
            },
            ensure_ascii=True,
        )
    )
    (folder / "binary.txt").write_bytes(os.urandom(4000))
    (folder / "empty.md").write_bytes(b"")
    Path(os.fsdecode(bytes(folder) + b"/bad-name-\xff.md")).write_text("# Bad name\n\nText.")
    assistant = Assistant.from_settings(Settings.load(env={}, index_dir=tmp_path / "index"))
    report = assistant.ingest([folder], progress=False)
    failed = {Path(f.path).name for f in report.failed}
    assert failed == {
        "deep.json",
        "alias-bomb.md",
        "zero-width-title.json",
        "binary.txt",
        "empty.md",
        "bad-name-\ufffd.md",
    }
    assert len(report.added) == GOOD_ARTICLES + 2  # and the control-character one, deep-aside.html
    _consistent(assistant.index)
    answer = assistant.ask("When does the lighthouse keeper ring the brass bell?")
    assert not answer.abstained and "noon" in answer.text
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")
