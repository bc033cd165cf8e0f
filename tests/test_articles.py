"""Parsing files into Articles: every format, the canonical text and its offsets, and every bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.ingest.articles import (
    SUPPORTED_SUFFIXES,
    ParseError,
    build_article,
    find_files,
    load_articles,
    parse_file,
    parse_file_partial,
    slugify,
)
from assistant.models import Article

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEED = ROOT / "corpus" / "us-russia-dialogue-ukraine-peace-talks.txt"
FIXTURES = sorted(p for p in DATA.iterdir() if p.suffix in SUPPORTED_SUFFIXES)


def one(path: Path, **kwargs: int) -> Article:
    articles = parse_file(path, **kwargs)
    assert len(articles) == 1
    return articles[0]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def assert_offsets(article: Article) -> None:
    for section in article.sections:
        assert article.text[section.start : section.start + len(section.text)] == section.text
    for pair in article.faq:
        assert article.text[pair.start :].startswith(f"Q: {pair.question}\nA: {pair.answer}")


def reason_of(path: Path, **kwargs: int) -> str:
    with pytest.raises(ParseError) as info:
        parse_file(path, **kwargs)
    assert info.value.path == str(path)
    assert str(info.value) == f"{path}: {info.value.reason}"
    return info.value.reason


# --- the seed article -----------------------------------------------------------------------


def test_seed_metadata() -> None:
    article = one(SEED)
    assert article.id == "us-russia-dialogue-ukraine-peace-talks"
    assert article.source == str(SEED)
    assert article.title == "US-Russia Dialogue: Ukraine Peace Talks on the Horizon?"
    assert article.author == "Emily Carter"
    assert article.tags == [
        "US-Russia relations",
        "Ukraine War",
        "Marco Rubio",
        "Sergey Lavrov",
        "Diplomacy",
        "Geopolitics",
        "Espionage",
        "China",
    ]
    assert article.teaser.startswith("During the meeting, CNN reported")


def test_seed_sections_skip_byline_and_rubric() -> None:
    article = one(SEED)
    assert [s.heading for s in article.sections] == [
        "US-Russia Dialogue: What's Next for Ukraine?",
        "The Rubio-Lavrov Meeting: A Deep Dive",
        "Geopolitical Implications and Potential Peace Talks",
        "Beyond Ukraine: Broader US-Russia Relations",
        "Conclusion",
    ]
    assert article.sections[1].text.startswith("The meeting between Secretary Rubio and Minister Lavrov")
    assert article.sections[1].text.count("\n\n") == 1  # two paragraphs, kept apart
    assert "Analytical Breakdown" not in article.text
    assert "Emily Carter" not in article.text
    assert article.text.startswith("US-Russia Dialogue: What's Next for Ukraine?\n\nThe ongoing conflict")


def test_seed_faq() -> None:
    article = one(SEED)
    assert len(article.faq) == 5
    assert article.faq[0].question == "What were the main topics discussed in the Rubio-Lavrov meeting?"
    assert article.faq[0].answer.startswith("The meeting covered a range of issues")
    assert article.faq[4].question == "What are the long-term implications of the Ukraine war on US-Russia relations?"
    assert all(not f.answer.startswith("A:") for f in article.faq)
    assert "Frequently Asked Questions\n\nQ: What were the main topics" in article.text
    assert all(s.heading != "Frequently Asked Questions" for s in article.sections)


@pytest.mark.parametrize("path", [SEED, *FIXTURES], ids=lambda p: p.name)
def test_offsets_point_into_text(path: Path) -> None:
    for article in parse_file(path):
        assert article.sections and article.faq
        assert_offsets(article)


# --- one fixture per format -----------------------------------------------------------------


def test_plain_text_fixture() -> None:
    article = one(DATA / "harbour-solar-ferries.txt")
    assert article.title == "Solar Ferries Take Over Port Aldwen's Harbour Crossings"
    assert article.author == "Nora Whitfield"
    assert article.tags == ["Harbour Transport", "Solar Power", "Ferries", "Local News"]
    assert [s.heading for s in article.sections] == ["A Quieter Harbour", "Costs and Charging"]
    assert [f.question for f in article.faq] == [
        "When will the last diesel ferry stop running?",
        "How are the ferries charged?",
    ]
    assert article.faq[1].answer.endswith("landing tops up the batteries during each turnaround.")  # wrapped answer
    assert "Local Report" not in article.text


def test_markdown_fixture() -> None:
    article = one(DATA / "alpine-seed-vault.md")
    assert (article.title, article.author, article.date) == (
        "Alpine Seed Vault Opens Above Valmora",
        "Luca Brenner",
        "2024-05-14",
    )
    assert article.tags == ["Agriculture", "Biodiversity", "Switzerland"]
    assert article.url == "https://example.org/news/alpine-seed-vault"
    assert [s.heading for s in article.sections] == ["Inside the Mountain", "Who Deposits Seeds"]
    inside = article.sections[0].text
    assert "rock above Valmora" in inside and "former army tunnel." in inside and "minus 18 degrees" in inside
    for syntax in ("**", "](", "https://example.org/tunnel", "vault.jpg", "A view of the vault", "*minus"):
        assert syntax not in article.text
    assert article.sections[1].text == (
        "Farmers' cooperatives from four valleys\n\nThe cantonal botanical garden, which sent 300 rye varieties"
    )
    assert [f.question for f in article.faq] == ["Can anyone visit the vault?", "Why build a seed vault in the Alps?"]
    assert article.faq[0].answer.startswith("No. The chambers stay sealed")


def test_html_fixture_drops_navigation_scripts_and_chrome() -> None:
    article = one(DATA / "desert-rail-link.html")
    assert article.title == "Desert Rail Link Reaches Qarsa Oasis"
    assert (article.author, article.date) == ("Samira Haddad", "2024-09-03")
    assert article.url == "https://example.org/news/desert-rail-link"
    assert article.tags == ["Railways", "Infrastructure", "Qarsa"]
    assert article.teaser == "The first passenger train arrived at Qarsa Oasis on Tuesday."
    assert [s.heading for s in article.sections] == ["Building Across the Dunes", "What Changes for the Oasis"]
    assert "Engineers laid 240 kilometres of track on raised embankments so that drifting sand" in article.text
    for junk in ("Sport menu link", "tracking", "font-family", "masthead", "camel insurance", "Copyright"):
        assert junk not in article.text
    assert [(f.question, f.answer) for f in article.faq] == [
        ("How long is the journey?", "About six hours from the coast to Qarsa Oasis."),
        ("How often do trains run?", "Two trains run in each direction every day."),
    ]


def test_json_fixture() -> None:
    article = one(DATA / "coral-reef-drones.json")
    assert article.id == "coral-reef-drones"
    assert article.date == "2024-03-12"  # "12 March 2024" normalised
    assert article.tags == ["Oceans", "Coral Reefs", "Robotics"]  # from a comma-separated string
    assert article.teaser.startswith("Marine biologists")
    assert article.sections[0].text.count("\n\n") == 1
    assert [f.question for f in article.faq] == [
        "How big are the drones?",
        "Where is bleaching worst?",
    ]  # both key styles


def test_jsonl_fixture_ids_from_file_and_title() -> None:
    path = DATA / "town-briefs.jsonl"
    articles = parse_file(path)
    assert [a.id for a in articles] == [
        "town-briefs-lindholm-library-opens-a-tool-lending-shelf",
        "town-briefs-night-buses-return-to-brackwater",
    ]
    assert all(a.source == str(path) for a in articles)
    assert [s.heading for s in articles[0].sections] == ["The Shelf", "Demand So Far"]  # '#' headings in "text"
    assert articles[1].faq[1].answer == "Two years."


# --- plain-text variants --------------------------------------------------------------------


def test_plain_text_without_tags_or_byline(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "My Notes.txt",
        (
            "River Festival Returns\n\n"
            "The river festival returns this weekend after a two-year break,\n"
            "with   boats, music and food stalls along the embankment.\n\n"
            "Getting There\n\n"
            "Trams run every ten minutes from the central station until midnight on both days.\n"
        ),
    )
    article = one(path)
    assert article.id == "my-notes"
    assert (article.title, article.author, article.teaser) == ("River Festival Returns", "", "")
    assert [s.heading for s in article.sections] == ["", "Getting There"]
    assert article.sections[0].text == (
        "The river festival returns this weekend after a two-year break, "
        "with boats, music and food stalls along the embankment."
    )
    assert article.faq == []
    assert article.text.startswith("The river festival")  # no heading line for the untitled section


def test_plain_text_opening_with_a_paragraph_takes_its_title_from_the_file_name(tmp_path: Path) -> None:
    # A lead paragraph is not a title line: it stays in the body (it answers the most questions).
    lead = (
        "Super Bowl 50 was an American football game to determine the champion of the National Football "
        "League (NFL) for the 2015 season. The Denver Broncos defeated the Carolina Panthers 24-10."
    )
    article = one(write(tmp_path, "Super_Bowl_50.txt", f"{lead}\n\nThe game was played on February 7, 2016.\n"))
    assert article.title == "Super Bowl 50"
    assert article.sections[0].text == f"{lead}\n\nThe game was played on February 7, 2016."
    # a short opening line, or one sentence of a few words, is still the title
    assert one(write(tmp_path, "a.txt", "Ferry Service Resumes\n\nThe ferry runs again.\n")).title == (
        "Ferry Service Resumes"
    )
    assert one(write(tmp_path, "b.txt", "Council approves the budget.\n\nThe vote was 7-2.\n")).title == (
        "Council approves the budget."
    )
    bylined = "Ferry Service Resumes\nby Ann Lee\n\nThe ferry runs again from Monday, the council said.\n"
    assert one(write(tmp_path, "c.txt", bylined)).title == "Ferry Service Resumes"  # a headline over its byline
    wrapped = (
        "The Vatican Apostolic Library is the library of\nthe Holy See, in Vatican City.\n\nIt was founded in 1475.\n"
    )
    article = one(write(tmp_path, "Vatican_Library.txt", wrapped))
    assert article.title == "Vatican Library"
    assert article.sections[0].text.startswith("The Vatican Apostolic Library is the library of the Holy See")


def test_plain_text_by_line_and_unprefixed_faq(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "kite.txt",
        (
            "Kite Day on the Dunes\n\nBy Jane Doe\n\n"
            "Hundreds of kites filled the sky above the dunes on Saturday for the annual kite day.\n\n"
            "FAQ\n\nIs entry free?\n\nYes, entry is free for everyone.\n\n"
            "Will it return next year?\n\nThe organisers hope so.\n"
        ),
    )
    article = one(path)
    assert article.author == "Jane Doe"
    assert "By Jane Doe" not in article.text
    assert [(f.question, f.answer) for f in article.faq] == [
        ("Is entry free?", "Yes, entry is free for everyone."),
        ("Will it return next year?", "The organisers hope so."),
    ]


# --- Markdown variants ----------------------------------------------------------------------

BODY = "\n## Details\n\nThe market opens at nine and closes at four on Saturdays.\n"


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: Farmers Market\ntags: food, markets ,  local\n", {"tags": ["food", "markets", "local"]}),
        ("title: Farmers Market\ntags:\n  - food\n  - local\n", {"tags": ["food", "local"]}),
        ("title: Farmers Market\nid: market-2024\n", {"id": "market-2024"}),
        ("title: Farmers Market\ndate: March 5, 2024\n", {"date": "2024-03-05"}),
        ("title: Farmers Market\ndate: spring 2024\n", {"date": "spring 2024"}),  # not a full date: kept as written
        (
            "title: 'Farmers Market'\nauthor: Ana Ruiz\nurl: https://example.org/m\n",
            {"author": "Ana Ruiz", "url": "https://example.org/m"},
        ),
    ],
)
def test_markdown_front_matter(tmp_path: Path, front: str, expected: dict[str, object]) -> None:
    article = one(write(tmp_path, "market.md", f"---\n{front}---\n{BODY}"))
    assert article.title == "Farmers Market"
    assert {key: getattr(article, key) for key in expected} == expected
    assert article.sections[0].heading == "Details"


def test_markdown_title_from_first_heading_and_qa_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "market.markdown",
        (
            "# Farmers Market Moves Indoors\n\nThe market moves into the old tram depot.\n\n"
            "## FAQ\n\n**Q: Is there parking?**\nA: Yes, behind the depot.\n\n"
            "Q: Are dogs allowed?\nA: Only on a lead,\nand not near the food stalls.\n"
        ),
    )
    article = one(path)
    assert article.title == "Farmers Market Moves Indoors"
    assert article.sections[0].heading == "" and article.sections[0].text == "The market moves into the old tram depot."
    assert [(f.question, f.answer) for f in article.faq] == [
        ("Is there parking?", "Yes, behind the depot."),
        ("Are dogs allowed?", "Only on a lead, and not near the food stalls."),
    ]


def test_markdown_without_title_takes_the_file_name(tmp_path: Path) -> None:
    article = one(write(tmp_path, "ferry-timetable.md", "Just some text without any heading.\n"))
    assert article.title == "ferry timetable"
    assert article.text == "Just some text without any heading."


def test_an_untitled_page_whose_address_names_nothing_is_reported() -> None:
    from assistant.ingest.articles import to_articles
    from assistant.ingest.formats import parse_markdown

    articles, failures = to_articles([parse_markdown("Some text.\n")], "https://example.com/", "example-com")
    assert articles == []
    assert [(f.path, f.error) for f in failures] == [
        ("https://example.com/", "no title found: add a title line (or '# Title' heading) to the text")
    ]


@pytest.mark.parametrize(
    ("front", "message"),
    [("title: [unclosed\n", "invalid YAML front matter"), ("- a\n- b\n", "front matter must be a mapping")],
)
def test_markdown_bad_front_matter(tmp_path: Path, front: str, message: str) -> None:
    assert message in reason_of(write(tmp_path, "bad.md", f"---\n{front}---\n# Title\n\nText.\n"))


# --- HTML variants --------------------------------------------------------------------------


def test_html_title_fallbacks_and_time_element(tmp_path: Path) -> None:
    page = "<html><head><title>Ice Rink Opens</title></head><body><p>Skating starts at noon.</p>"
    page += '<p>By <span class="author">Lea Park</span>, <time datetime="2023-12-01">Friday</time></p></body></html>'
    article = one(write(tmp_path, "rink.html", page))
    assert (article.title, article.author, article.date) == ("Ice Rink Opens", "Lea Park", "2023-12-01")
    h1_only = one(write(tmp_path, "pool.htm", "<body><h1>Pool Reopens</h1><p>The pool reopens on Monday.</p></body>"))
    assert h1_only.title == "Pool Reopens"
    assert h1_only.sections[0].text == "The pool reopens on Monday."


def test_html_site_suffix_and_text_in_divs(tmp_path: Path) -> None:
    page = (
        "<title>Tram Strike Ends | City Paper</title><body><h1>Tram Strike Ends</h1>"
        "<div class='content'><div>Trams run again from Monday.</div><p>Unions accepted the offer.</p></div></body>"
    )
    article = one(write(tmp_path, "tram.html", page))
    assert article.title == "Tram Strike Ends"
    assert article.sections[0].text == "Trams run again from Monday.\n\nUnions accepted the offer."


def test_html_faq_question_headings(tmp_path: Path) -> None:
    page = (
        "<title>Zoo</title><main><h2>Zoo News</h2><p>A new zoo opens.</p><h2>Frequently asked questions</h2>"
        "<h3>When does it open?</h3><p>In May.</p><h3>Is it big?</h3><p>Fairly.</p>"
        "<h2>Contact</h2><p>Call us.</p></main>"
    )
    article = one(write(tmp_path, "zoo.html", page))
    assert [(f.question, f.answer) for f in article.faq] == [
        ("When does it open?", "In May."),
        ("Is it big?", "Fairly."),
    ]
    assert [s.heading for s in article.sections] == ["Zoo News", "Contact"]


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Empty</title></head><body></body></html>",
        "<html><body><nav><a href='/'>Home</a></nav><script>var x = 'text';</script>"
        "<footer>(c) 2024</footer></body></html>",
    ],
)
def test_html_without_text_is_an_error(tmp_path: Path, page: str) -> None:
    assert "no body text" in reason_of(write(tmp_path, "empty.html", page))


# --- JSON variants --------------------------------------------------------------------------

RECORD = {"title": "Bridge Repaired", "text": "The old bridge is open again after repairs."}


@pytest.mark.parametrize("wrap", [lambda recs: recs, lambda recs: {"articles": recs}], ids=["array", "articles-key"])
def test_json_array_and_articles_key(tmp_path: Path, wrap) -> None:
    records = [
        RECORD,
        {"id": "own-id", "title": "Second", "sections": [{"heading": "H", "text": "Body."}]},
        {**RECORD, "title": "!!!"},
    ]
    articles = parse_file(write(tmp_path, "news.json", json.dumps(wrap(records))))
    assert [a.id for a in articles] == ["news-bridge-repaired", "own-id", "news-3"]
    assert articles[0].sections[0].heading == "" and articles[0].sections[0].text == RECORD["text"]


def test_jsonl_keeps_good_lines_and_reports_the_bad_one(tmp_path: Path) -> None:
    lines = [
        json.dumps(RECORD),
        "",
        '{"title": "Broken", "text": ',
        json.dumps({**RECORD, "title": "Ferry Delayed"}),
        "[1, 2]",
    ]
    path = write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    articles, failures = parse_file_partial(path)
    assert [a.title for a in articles] == ["Bridge Repaired", "Ferry Delayed"]
    assert [f.path for f in failures] == [f"{path}:3", f"{path}:5"]
    assert failures[0].error.startswith("line 3: invalid JSON at column")
    assert failures[1].error == "line 5: expected an object with 'title' and 'text' or 'sections', got list"
    assert reason_of(path).startswith("line 3: invalid JSON")


def test_jsonl_of_a_news_export_reads_its_own_field_names(tmp_path: Path) -> None:
    # the keys scrapers and news APIs use (news-please, NewsAPI): ingested without renaming
    record = {
        "Headline": "Ferry Service Resumes",
        "maintext": "The ferry runs again from Monday, the council said.",
        "date_publish": "2023-01-04 08:00:00",
        "authors": ["Ann Lee", "Bo Park"],
        "link": "https://news.example/ferry",
        "description": "Crossings restart after the storm.",
        "keywords": ["transport", "council"],
    }
    article = one(write(tmp_path, "export.jsonl", json.dumps(record) + "\n"))
    assert (article.title, article.author, article.date) == ("Ferry Service Resumes", "Ann Lee, Bo Park", "2023-01-04")
    assert (article.url, article.teaser, article.tags) == (
        "https://news.example/ferry",
        "Crossings restart after the storm.",
        ["transport", "council"],
    )
    assert article.sections[0].text == "The ferry runs again from Monday, the council said."


def test_news_fields_of_other_shapes_are_read_or_skipped_never_refused(tmp_path: Path) -> None:
    record = {
        "headline": "Ferry Service Resumes",
        "body": "The ferry runs again.",
        "authors": [{"name": "Ann Lee"}, {"name": "Bo Park"}],
        "categories": [{"term": "transport"}],
        "link": {"href": "https://news.example/ferry"},
        "published": {"when": "unknown"},  # nothing plain in it: skipped
    }
    article = one(write(tmp_path, "feed.json", json.dumps(record)))
    assert (article.author, article.tags, article.url, article.date) == (
        "Ann Lee, Bo Park",
        ["transport"],
        "https://news.example/ferry",
        "",
    )


def test_csv_with_a_big_cell_and_semicolons_in_its_header(tmp_path: Path) -> None:
    body = "word " * 60_000  # 300 KB in one cell, over the csv module's default limit
    path = write(tmp_path, "big.csv", f'"title","text","notes;more;still more"\nBig,{body}\nSmall,Short text.,x\n')
    assert [a.title for a in parse_file(path)] == ["Big", "Small"]


def test_csv_rows_are_articles_and_a_bad_row_is_reported_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "news.csv",
        "headline,body,published\n"
        '"Ferry back","The ferry runs again from Monday, the council said.\n\nTickets cost £3.",2023-01-04\n'
        "No body,,2023-01-05\n"
        "Bridge Repaired,The bridge reopens; traffic flows.,\n",
    )
    articles, failures = parse_file_partial(path)
    assert [(a.title, a.date) for a in articles] == [("Ferry back", "2023-01-04"), ("Bridge Repaired", "")]
    assert articles[0].sections[0].text == "The ferry runs again from Monday, the council said.\n\nTickets cost £3."
    assert [f.path for f in failures] == [f"{path}:5"]  # the first row spans lines 2-4
    assert "need 'text'" in failures[0].error
    tabbed = write(tmp_path, "briefs.tsv", "title\ttext\nRain, at last\tIt rained, briefly; then it stopped.\n")
    assert one(tabbed).title == "Rain, at last"
    assert "needs a 'title' and a 'text' column, got a, b" in reason_of(write(tmp_path, "numbers.csv", "a,b\n1,2\n"))


def test_json_malformed_names_line_and_column(tmp_path: Path) -> None:
    reason = reason_of(write(tmp_path, "bad.json", '{\n  "title": "x",\n  "text": \n}'))
    assert reason.startswith("invalid JSON at line 4, column 1:")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            '"just a string"',
            "expected an object with 'title' and 'text' or 'sections', a list of them "
            'or {"articles": [...]}, got string',
        ),
        ("[]", "the JSON list holds no articles"),
        ('{"articles": {"title": "x"}}', "'articles' must be a list of objects, got object"),
        ('{"text": "no title"}', "'title' is missing"),
        ('{"title": "No body"}', "need 'text' (a string) or 'sections' (a list)"),
        (
            '{"title": "T", "text": "x", "faq": [{"question": "Q?"}]}',
            "'faq' item 1: expected an object with 'question' and 'answer'",
        ),
        (
            '{"title": "T", "sections": [["h", "t"]]}',
            "'sections' item 1: expected an object with 'heading' and 'text', got list",
        ),
        (
            '[{"title": "Fine", "text": "Body."}, ["not", "an", "object"]]',
            "record 2: expected an object with 'title' and 'text' or 'sections', got list",
        ),
    ],
)
def test_json_of_the_wrong_shape(tmp_path: Path, data: str, message: str) -> None:
    assert message in reason_of(write(tmp_path, "shape.json", data))


# --- bad files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.md", b"  \n\t\n   \n", "only whitespace"),
        ("nul.txt", b"Title\n\nSome text\x00\x01\x02 with NUL bytes", "binary file (contains NUL bytes)"),
        ("controls.html", bytes(range(1, 9)) * 40 + b"<p>hi</p>", "binary file (mostly non-text"),
        ("garbage.json", bytes((i * 7919) % 128 + 128 for i in range(3000)), "not UTF-8"),
    ],
)
def test_unreadable_content_is_reported(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    assert message in reason_of(write(tmp_path, name, content))


def test_oversized_file_names_size_limit_and_setting(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "Big\n\n" + "word " * 100)
    reason = reason_of(path, max_bytes=100)
    assert "505 bytes" in reason and "limit is 100 bytes" in reason and "max_file_mb" in reason
    assert one(path, max_bytes=1000).title == "Big"


def test_directory_given_to_parse_file_is_unreadable(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "folder.txt/inner.txt", "x").parent).startswith("cannot read file")


def test_unsupported_suffix_given_to_parse_file(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "old.doc", "x")).startswith(
        "unsupported file type '.doc' (supported: .csv, .docx, .htm, "
    )


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        (
            "cp1252",
            "Caf\u00e9 Society\n\nThe \u201ccaf\u00e9\u201d on the corner serves "
            "cr\u00e8me br\u00fbl\u00e9e \u2014 and it\u2019s busy.",
        ),
        (
            "latin-1",
            "Caf\u00e9 Society\n\nThe caf\u00e9 on the corner serves "
            "cr\u00e8me br\u00fbl\u00e9e; \u00e0 bient\u00f4t, na\u00efve visitors.",
        ),
        ("utf-16", "Caf\u00e9 Society\n\nThe caf\u00e9 on the corner is open. \u65e5\u672c\u8a9e too."),
        ("utf-8-sig", "Caf\u00e9 Society\n\nThe \u201ccaf\u00e9\u201d on the corner is open."),
    ],
)
def test_common_encodings_decode(tmp_path: Path, encoding: str, text: str) -> None:
    article = one(write(tmp_path, "cafe.txt", text.replace("\n", "\r\n").encode(encoding)))
    assert article.title == "Caf\u00e9 Society"
    assert article.sections[0].text == text.split("\n\n")[1]


# --- finding and loading --------------------------------------------------------------------


def test_find_files_walks_folders_and_reports_explicit_paths(tmp_path: Path) -> None:
    for name in ["b.md", "a.txt", "sub/c.json", "sub/skip.odt", ".hidden.txt", ".git/config.txt", "sub/.cache/d.txt"]:
        write(tmp_path / "corpus", name, "x")
    pdf = write(tmp_path, "report.DOC", "x")
    files, failures = find_files([tmp_path / "corpus", tmp_path / "missing.txt", pdf, tmp_path / "corpus" / "a.txt"])
    assert [f.relative_to(tmp_path / "corpus").as_posix() for f in files] == ["a.txt", "b.md", "sub/c.json"]
    assert [(f.path, f.error.split(" (")[0]) for f in failures] == [
        (str(tmp_path / "missing.txt"), "no such file or directory"),
        (str(pdf), "unsupported file type '.DOC'"),
    ]
    assert ".jsonl" in failures[1].error and ".markdown" in failures[1].error


def test_load_articles_keeps_good_files_and_reports_each_bad_one(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(DATA, folder)
    bad = {
        "empty.txt": b"",
        "broken.json": b'{"title": ',
        "binary.html": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        "nested/nobody.md": b"# A heading and nothing under it\n",
    }
    for name, content in bad.items():
        write(folder, name, content)
    write(folder, "skipped.odt", b"PK\x03\x04")  # unsupported inside a folder: skipped silently
    articles, failures = load_articles([folder, tmp_path / "gone.md"])
    assert {a.id for a in articles} == {a.id for p in FIXTURES for a in parse_file(p)}
    assert sorted(f.path for f in failures) == sorted([str(folder / n) for n in bad] + [str(tmp_path / "gone.md")])
    assert all(f.error for f in failures)


def test_duplicate_ids_get_numbered_suffixes(tmp_path: Path) -> None:
    for folder in ("one", "two", "three"):
        write(tmp_path / folder, "story.txt", f"Story from {folder}\n\nA short story about the {folder} folder.")
    write(tmp_path, "dupes.json", json.dumps([{**RECORD, "id": "story"}, {**RECORD, "id": "x"}, {**RECORD, "id": "x"}]))
    articles, failures = load_articles(
        [tmp_path / "one", tmp_path / "two", tmp_path / "three", tmp_path / "dupes.json"]
    )
    assert failures == []
    assert [a.id for a in articles] == ["story", "story-2", "story-3", "story-4", "x", "x-2"]
    assert articles[1].title == "Story from two"


# --- slugs and canonical text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("US-Russia Dialogue: What's Next?", "us-russia-dialogue-what-s-next"),
        ("Caf\u00e9 \u00dcber  Stra\u00dfe \u2014 No. 5", "cafe-uber-strae-no-5"),
        ("", "article"),
        ("\u65e5\u672c\u8a9e !!", "article"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_caps_length_without_trailing_dash() -> None:
    slug = slugify("word " * 40)
    assert len(slug) <= 80 and not slug.endswith("-") and slug.startswith("word-word")


def test_build_article_canonical_text() -> None:
    article = build_article(
        id="a",
        title="  A   Title ",
        source="s.txt",
        date="2024/01/31",
        tags=["x", " x", "", "y"],
        sections=[("Intro", "  First   line\nwraps.\n\n\n Second para. "), ("Empty", "  \n "), ("", "Tail text.")],
        faq=[("What?", "That.\nReally."), ("", "orphan answer"), ("Why?", "Because.")],
    )
    assert article.text == (
        "Intro\n\nFirst line wraps.\n\nSecond para.\n\nTail text.\n\n"
        "Frequently Asked Questions\n\nQ: What?\nA: That. Really.\n\nQ: Why?\nA: Because."
    )
    assert [(s.heading, s.start) for s in article.sections] == [("Intro", 7), ("", article.text.index("Tail"))]
    assert [f.start for f in article.faq] == [article.text.index("Q: What"), article.text.index("Q: Why")]
    assert (article.title, article.date, article.tags) == ("A Title", "2024-01-31", ["x", "y"])
    assert_offsets(article)


@given(
    sections=st.lists(st.tuples(st.text(max_size=20), st.text(max_size=80)), max_size=6),
    faq=st.lists(st.tuples(st.text(max_size=30), st.text(max_size=30)), max_size=4),
)
def test_build_article_offsets_hold_for_any_input(sections: list[tuple[str, str]], faq: list[tuple[str, str]]) -> None:
    article = build_article(id="x", title="T", source="s", sections=sections, faq=faq)
    assert_offsets(article)
    assert all(s.text and "  " not in s.text for s in article.sections)
