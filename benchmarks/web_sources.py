"""Articles from other sources, measured: HTML extraction quality, PDF reading speed, web ingest end to end.

    python benchmarks/web_sources.py html      # trafilatura vs the BeautifulSoup reader on 15 pages
    python benchmarks/web_sources.py pdf [--pdf FILE]  # PDF pages per second (pypdf + our layout rebuild)
    python benchmarks/web_sources.py web       # 100 pages fetched from a local server, ingested end to end
    python benchmarks/web_sources.py all

`html`: benchmarks/data/html_pages/ holds 15 article pages in different site styles with their reference text
and their clutter (see make_pages.py there). For each extractor: recall = share of the reference's words
found in the article text (multiset), precision = share of the article text's words that are reference
words, boilerplate kept = share of clutter blocks that survive (half or more of their word 3-grams in the
output).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAGES = ROOT / "benchmarks" / "data" / "html_pages"

from assistant.ingest.articles import build_article  # noqa: E402
from assistant.ingest.formats import Draft, parse_html  # noqa: E402
from assistant.ingest.web import parse_page  # noqa: E402


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def grams(tokens: list[str], n: int = 3) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 1))}


def article_text(draft: Draft) -> str:
    return build_article(id="x", title=draft.title, source="x", sections=draft.sections, faq=draft.faq).text


def score(text: str, reference: str, boiler: list[str]) -> tuple[float, float, float]:
    out, ref = Counter(words(text)), Counter(words(reference))
    common = sum((out & ref).values())
    out_grams = grams(words(text))
    kept = sum(1 for b in boiler if len(grams(words(b)) & out_grams) >= 0.5 * len(grams(words(b))))
    return common / max(sum(ref.values()), 1), common / max(sum(out.values()), 1), kept / max(len(boiler), 1)


def bench_html() -> None:
    readers: dict[str, Callable[[str], Draft]] = {
        "BeautifulSoup (parse_html)": parse_html,
        "trafilatura (parse_page)": parse_page,
    }
    totals = {name: [0.0, 0.0, 0.0, 0.0, 0] for name in readers}
    print(f"{'page':16} " + " | ".join(f"{n[:12]:>12} R / P / B" for n in readers))
    for page in sorted(PAGES.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        reference = page.with_suffix(".ref.txt").read_text(encoding="utf-8")
        boiler = [b for b in page.with_suffix(".boiler.txt").read_text(encoding="utf-8").splitlines() if b.strip()]
        row = []
        for name, read in readers.items():
            started = time.perf_counter()
            try:
                text = article_text(read(html))
            except Exception as exc:  # a reader that finds nothing scores zero on the page
                print(f"  {page.stem}: {name} failed: {exc}")
                text = ""
            took = time.perf_counter() - started
            r, p, b = score(text, reference, boiler)
            t = totals[name]
            t[0] += r
            t[1] += p
            t[2] += b
            t[3] += took
            t[4] += 1
            row.append(f"{r:6.2f} / {p:4.2f} / {b:4.2f}")
        print(f"{page.stem:16} " + " | ".join(f"{x:>24}" for x in row))
    print("\nmean over pages: recall of reference words, precision, share of boilerplate blocks kept, ms per page")
    for name, (r, p, b, took, n) in totals.items():
        print(
            f"  {name:28} recall {r / n:.3f}  precision {p / n:.3f}  boilerplate kept {b / n:.3f}  {1000 * took / n:.1f} ms"
        )


def bench_pdf(files: list[str], pages: int = 60) -> None:
    from fpdf import FPDF
    from pypdf import PdfReader

    from assistant.ingest.documents import parse_pdf

    text = (
        "The regional energy office reported that the tidal barrage produced more power than forecast, "
        "and engineers credit the new turbine blades designed for low flow speeds and silty water. "
    ) * 5
    pdf = FPDF()
    for n in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 12, f"Chapter {n + 1}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for _ in range(4):
            pdf.multi_cell(0, 6, text)
            pdf.ln(4)
    data = bytes(pdf.output())
    started = time.perf_counter()
    for page in PdfReader(__import__("io").BytesIO(data)).pages:
        page.extract_text()
    raw = time.perf_counter() - started
    started = time.perf_counter()
    draft = parse_pdf(data)
    ours = time.perf_counter() - started
    words_out = sum(len(t.split()) for _, t in draft.sections)
    print(
        f"PDF of {pages} pages ({len(data) / 1024:.0f} KB, {words_out} words): pypdf extract_text alone "
        f"{pages / raw:.1f} pages/s; parse_pdf (text + positions + layout rebuild) {pages / ours:.1f} pages/s"
    )
    for name in files:  # real PDFs from elsewhere on the machine (not in the repository)
        data = Path(name).read_bytes()
        count = len(PdfReader(__import__("io").BytesIO(data)).pages)
        started = time.perf_counter()
        draft = parse_pdf(data)
        took = time.perf_counter() - started
        print(
            f"{Path(name).name}: {count} pages, {len(data) / 1024:.0f} KB, {len(draft.sections)} sections: "
            f"{count / took:.1f} pages/s"
        )


def bench_web(count: int = 100) -> None:
    from assistant import Assistant, Settings
    from assistant.ingest.articles import load_articles
    from assistant.ingest.fetch import FetchOptions

    sys.path.insert(0, str(ROOT / "tests"))
    from webserver import Site, serve  # the tests' real local server

    templates = sorted(PAGES.glob("*.html"))
    with tempfile.TemporaryDirectory() as tmp, serve(Site()) as site:
        urls = []
        for n in range(count):
            page = templates[n % len(templates)].read_text(encoding="utf-8")
            # every page its own article: a numbered title, and a number in front of each paragraph
            page = page.replace("<title>", f"<title>Report {n}: ").replace("<p>", f"<p>Report {n}: ")
            page = page.replace('<div class="para">', f'<div class="para">Report {n}: ').replace(
                "<br><br>", f"<br><br>{n}: "
            )
            urls.append(site.add(f"/page/{n}.html", page))
        options = FetchOptions(allow_private=True)
        started = time.perf_counter()
        articles, failures = load_articles(urls, fetch=options)
        fetch_s = time.perf_counter() - started
        settings = Settings.load(index_dir=Path(tmp) / "index", allow_private_urls=True)
        assistant = Assistant.from_settings(settings)
        _ = assistant.index.embedder  # model load is not part of the ingest
        started = time.perf_counter()
        report = assistant.ingest(urls, progress=False)
        total = time.perf_counter() - started
        again_started = time.perf_counter()
        again = assistant.ingest(urls, progress=False)
        again_s = time.perf_counter() - again_started
    load = os.getloadavg()[0]
    print(
        f"{count} pages from a local server: fetch + extract {fetch_s:.1f} s ({count / fetch_s:.1f} pages/s, "
        f"{len(articles)} articles, {len(failures)} failed); full ingest (fetch, extract, chunk, embed, index) "
        f"{total:.1f} s ({count / total:.1f} pages/s, {len(report.added)} added, {report.chunks} chunks); "
        f"again unchanged {len(again.unchanged)} in {again_s:.1f} s; load average {load:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["html", "pdf", "web", "all"])
    parser.add_argument("--pdf", action="append", default=[], help="also time this PDF file (repeatable)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    for name, run in (("html", bench_html), ("pdf", lambda: bench_pdf(args.pdf)), ("web", bench_web)):
        if args.what in (name, "all"):
            run()


if __name__ == "__main__":
    main()
