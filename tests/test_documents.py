"""PDF and Word files: text, metadata, headings and pages; scanned, encrypted and broken PDFs refused by name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant import Assistant, Settings
from assistant.ingest.articles import load_articles, parse_file, parse_file_partial

from .docmakers import PAGES, make_docx, make_encrypted_pdf, make_pdf, make_scanned_pdf, make_xmp_pdf


def test_pdf_text_metadata_headings_and_pages(tmp_path: Path) -> None:
    [article] = parse_file(make_pdf(tmp_path / "tidal-report.pdf"))
    assert (article.id, article.title, article.author, article.date) == (
        "tidal-report",
        "Tidal Power Report",
        "Maria Lopez",
        "2024-03-05",
    )
    assert article.tags == ["energy", "tides"]
    assert [s.heading for s in article.sections] == ["Turbines", "Wildlife", "Money"]
    # two paragraphs per page, told apart by the gap between them
    assert article.sections[0].text.count("\n\n") == 1
    assert "The maintenance schedule is weekly." in article.text  # "sche-" + "dule" joined
    for dropped in ("Coastal Energy Review", "Page 1 of 3", "Page 3 of 3"):  # running header, page numbers
        assert dropped not in article.text
    assert [page for _, page in article.pages] == [1, 2, 3]
    for section, page in zip(article.sections, [1, 2, 3], strict=True):
        assert article.text[section.start : section.start + 20] in PAGES[page - 1][1]
        assert [p for start, p in article.pages if start <= section.start][-1] == page


def test_pdf_metadata_from_xmp_when_the_document_info_has_none(tmp_path: Path) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", title="")
    [article] = parse_file(make_xmp_pdf(tmp_path / "xmp.pdf", plain))
    assert (article.title, article.author, article.date) == ("Tides of Change", "Ana Silva", "2023-07-01")


def test_scanned_encrypted_and_truncated_pdfs_are_refused_by_name(tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "good.pdf")
    make_scanned_pdf(tmp_path / "scanned.pdf")
    make_encrypted_pdf(tmp_path / "locked.pdf", good)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    articles, failures = load_articles([tmp_path])
    assert [a.id for a in articles] == ["good"]
    reasons = {Path(f.path).name: f.error for f in failures}
    assert reasons["scanned.pdf"].startswith("no text layer (scanned?)")
    assert reasons["locked.pdf"].startswith("encrypted")
    assert reasons["truncated.pdf"].startswith("not a readable PDF: ")  # then pypdf's own reason
    assert len(reasons["truncated.pdf"]) > len("not a readable PDF: ") + 5


def test_random_bytes_named_pdf_or_docx_give_a_reason(tmp_path: Path) -> None:
    for name, data in [("x.pdf", b"%PDF-1.7\n garbage"), ("y.docx", b"PK\x03\x04 not a zip"), ("z.docx", b"plain")]:
        (tmp_path / name).write_bytes(data)
        articles, failures = parse_file_partial(tmp_path / name)
        assert not articles and failures[0].error, name


def test_docx_headings_by_style_and_core_properties(tmp_path: Path) -> None:
    [article] = parse_file(make_docx(tmp_path / "ferry.docx"))
    assert (article.title, article.author, article.date) == (
        "Night Ferry Timetable Changes",
        "Sam Okafor",
        "2024-11-20",
    )
    assert article.tags == ["ferries", "transport"]
    assert [s.heading for s in article.sections] == ["", "Why the change", "Fares"]
    assert article.sections[0].text.startswith("From December the night ferry")
    assert "Passengers asked for a later crossing" in article.sections[1].text
    assert article.sections[2].text == "Adult | 12 euros\n\nChild | 6 euros"
    assert not article.pages


def test_a_pdf_answer_cites_its_page_in_the_api_and_json(tmp_path: Path) -> None:
    settings = Settings.load(index_dir=tmp_path / "index")
    folder = tmp_path / "docs"
    folder.mkdir()
    make_pdf(folder / "tidal-report.pdf")
    make_docx(folder / "ferry.docx")
    assistant = Assistant.from_settings(settings)
    report = assistant.ingest([folder], progress=False)
    assert sorted(report.added) == ["ferry", "tidal-report"] and not report.failed
    answer = assistant.ask("How many wading birds did biologists count on the mudflats?")
    assert "212" in answer.text
    assert answer.citations[0].article_id == "tidal-report" and answer.citations[0].page == 2
    ferry = assistant.ask("When does the night ferry leave Port Ellis from December?")
    assert ferry.citations and all(c.page is None for c in ferry.citations)
    again = assistant.ingest([folder], progress=False)
    assert sorted(again.unchanged) == ["ferry", "tidal-report"]

    out = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "What did the project cost?", "--json"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "ASSISTANT_INDEX_DIR": str(tmp_path / "index")},
        check=True,
    )
    cited = json.loads(out.stdout)["citations"]
    assert cited[0]["article_id"] == "tidal-report" and cited[0]["page"] == 3
    shown = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "What did the project cost?"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "ASSISTANT_INDEX_DIR": str(tmp_path / "index")},
        check=True,
    )
    assert "tidal-report.pdf, page 3, chars" in shown.stdout


def test_a_docx_without_any_title_is_named_by_its_opening_words(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Minutes of the harbour committee, 4 March")
    document.add_paragraph("The committee agreed to repaint the lighthouse before the summer season.")
    document.save(tmp_path / "minutes.docx")
    [article] = parse_file(tmp_path / "minutes.docx")
    assert article.title == "Minutes of the harbour committee, 4 March"
    assert "repaint the lighthouse" in article.text


def test_pdf_columns_are_read_one_after_the_other(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 12, "Two Column Story", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    top = pdf.get_y()
    pdf.set_xy(10, top)
    pdf.multi_cell(90, 5, "The new cranes arrived by sea from the south in May and started work a week later. " * 3)
    pdf.set_xy(110, top)
    pdf.multi_cell(90, 5, "The steel deck of the bridge was lifted into place overnight by two floating cranes. " * 3)
    pdf.output(str(tmp_path / "columns.pdf"))
    [article] = parse_file(tmp_path / "columns.pdf")
    assert article.title == "Two Column Story"
    left, right = article.sections[0].text.split("\n\n")
    assert left.startswith("The new cranes") and right.startswith("The steel deck")


def test_a_paragraph_running_over_a_page_break_cites_the_page_of_its_sentence(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title("Long Report")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    sentences = [f"Finding number {n} concerns the harbour wall section {n}." for n in range(1, 120)]
    pdf.multi_cell(0, 6, " ".join(sentences))
    pdf.output(str(tmp_path / "long.pdf"))
    [article] = parse_file(tmp_path / "long.pdf")
    assert len(article.pages) >= 2 and article.sections[0].text.count("\n\n") == 0  # one paragraph, two pages
    from assistant.models import ArticleInfo

    info = ArticleInfo(article.id, article.title, "", "", "", [], "", 0, 0, "", pages=article.pages)
    assert info.page_at(article.text.index("Finding number 1 ")) == 1
    assert info.page_at(article.text.index("Finding number 119 ")) == article.pages[-1][1] >= 2
