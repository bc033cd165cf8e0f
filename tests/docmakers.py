"""PDF and Word files with known text, metadata and pages, made by real writers (fpdf2, python-docx, pypdf)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

PAGES = [
    (
        "Turbines",
        "The tidal barrage at Severn Point produced 41 gigawatt hours in its first year of operation, well "
        "above the forecast made by the regional energy office. Engineers credit the new turbine blades, "
        "which keep working at low flow speeds and in silty water. The maintenance sche-\ndule is weekly.",
        "Crews inspect the sluice gates every spring before the equinox tides arrive.",
    ),
    (
        "Wildlife",
        "Biologists counted 212 wading birds on the mudflats in October, more than before construction "
        "began. The fish pass beside the third turbine lets salmon and eels move upstream without harm "
        "during the spawning season.",
        "A ringing station on the north bank records every bird it catches.",
    ),
    (
        "Money",
        "The project cost 380 million pounds, paid through a regional bond that matures in 2041. Local "
        "councils receive a share of the revenue each year, which funds bus routes and harbour repairs.",
        "The second phase, a lagoon to the south, is planned to open in 2029.",
    ),
]


def make_pdf(path: Path, pages: list[tuple[str, str, str]] = PAGES, title: str = "Tidal Power Report") -> Path:
    """A PDF with one heading and two paragraphs per page, a running header, page numbers and metadata."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    pdf.set_author("Maria Lopez")
    pdf.set_keywords("energy, tides")
    pdf.set_creation_date(datetime(2024, 3, 5))
    for n, (heading, first, second) in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 5, "Coastal Energy Review - Spring Edition", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 12, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, first)
        pdf.ln(6)
        pdf.multi_cell(0, 6, second)
        pdf.set_y(-15)
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 5, f"Page {n} of {len(pages)}", align="C")
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A PDF whose pages are only pictures of text (a scan): no text layer at all."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(image).text((20, 80), "This page was scanned, its words are pixels.", fill=0)
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.image(image, x=10, y=10, w=190)
    pdf.output(str(path))
    return path


def make_encrypted_pdf(path: Path, source: Path) -> Path:
    """`source` encrypted with a user password (RC4, which pypdf writes without extra packages)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def make_docx(path: Path) -> Path:
    """A Word file with core properties, a Title, headings by style, a list and a table."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.keywords = "Night Ferry Timetable Changes", "Sam Okafor", "ferries; transport"
    props.created = datetime(2024, 11, 20, 9, 30)
    document.add_heading("Night Ferry Timetable Changes", level=0)  # the "Title" style
    document.add_paragraph("From December the night ferry leaves Port Ellis at 23:40 instead of 23:10.")
    document.add_heading("Why the change", level=1)
    document.add_paragraph("The harbour authority moved the departure to let freight lorries board first.")
    document.add_paragraph("Passengers asked for a later crossing in a survey last spring.", style="List Bullet")
    document.add_heading("Fares", level=1)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Adult", "12 euros"
    table.cell(1, 0).text, table.cell(1, 1).text = "Child", "6 euros"
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def make_xmp_pdf(path: Path, source: Path) -> Path:
    """`source` with its document info removed and title, author and date given in XMP metadata only."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.xmp import XmpInformation

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.metadata = {}
    xmp = XmpInformation.create()
    xmp.dc_title = {"x-default": "Tides of Change"}
    xmp.dc_creator = ["Ana Silva"]
    xmp.xmp_create_date = datetime(2023, 7, 1)
    writer.xmp_metadata = xmp
    with path.open("wb") as handle:
        writer.write(handle)
    return path
