"""`python -m bench.receipts [--dir DIR] [--regenerate]`: accuracy of the receipt suggestions (issue #27) on the
generated evaluation set (bench/make_receipts.py, tests/fixtures/receipts/), per field and per kind (text PDF,
image), and the time per receipt through the production path (`receipts.extract.extract`, child process included).
Then the two PDF text readers side by side on the PDFs (pypdf, the one in use, vs pdfplumber when installed).

Targets: total ≥ 95% exact on text PDFs and ≥ 85% on images; date ≥ 90%; retailer (when in the catalog) ≥ 90%.
Needs Tesseract for the images (`apt-get install tesseract-ocr tesseract-ocr-eng`); without it they are skipped.
"""

import argparse
import datetime
import io
import json
import statistics
import time
from pathlib import Path

from bench.make_receipts import CATALOG, FIXTURES, TODAY, generate
from receipts.extract import NoOcrEngine, extract, ocr_available
from receipts.parser import Retailer, fold, parse

FIELDS = ("total", "currency", "date", "retailer", "product_name")
RETAILERS = [Retailer(id=index, name=name) for index, name in enumerate(CATALOG)]
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".heic": "image/heic",
}


def _score(suggestion, truth) -> dict:
    return {
        "total": suggestion.price is not None and f"{suggestion.price:.2f}" == truth["total"],
        "currency": suggestion.currency_code == truth["currency"],
        "date": suggestion.purchase_date is not None and suggestion.purchase_date.isoformat() == truth["date"],
        # Counted only where the retailer is in the catalog: then it must be the catalog's entry.
        "retailer": suggestion.retailer_id is not None and fold(suggestion.retailer_name) == fold(truth["retailer"])
        if truth["retailer_in_catalog"]
        else None,
        "product_name": fold(suggestion.product_name or "") == fold(truth["product_name"]),
    }


def _receipts(folder: Path):
    for truth_path in sorted(folder.glob("*.json")):
        truth = json.loads(truth_path.read_text())
        yield truth, folder / truth["file"]


def measure(folder: Path, tesseract_cmd: str) -> dict:
    results = {"pdf": [], "image": []}
    times = {"pdf": [], "image": []}
    failures = []
    for truth, path in _receipts(folder):
        if truth["kind"] == "image" and not ocr_available(tesseract_cmd):
            continue
        started = time.perf_counter()
        try:
            extracted = extract(
                path.read_bytes(), CONTENT_TYPES[path.suffix], tesseract_cmd=tesseract_cmd, timeout=60, memory_mb=1024
            )
        except NoOcrEngine:
            continue
        suggestion = parse(extracted.text, retailers=RETAILERS, today=TODAY)
        times[truth["kind"]].append(time.perf_counter() - started)
        score = _score(suggestion, truth)
        results[truth["kind"]].append(score)
        missed = [name for name, ok in score.items() if ok is False]
        if missed:
            failures.append((path.name, missed, suggestion))
    return {"results": results, "times": times, "failures": failures}


def _rate(scores, field) -> str:
    counted = [score[field] for score in scores if score[field] is not None]
    if not counted:
        return "-"
    return f"{100 * sum(counted) / len(counted):.0f}% ({sum(counted)}/{len(counted)})"


def report(measured: dict) -> None:
    print(f"{'kind':<9}" + "".join(f"{field:>16}" for field in FIELDS) + f"{'median s':>10}{'max s':>8}")
    for kind in ("pdf", "image"):
        scores, times = measured["results"][kind], measured["times"][kind]
        if not scores:
            print(f"{kind:<9} skipped (no OCR engine)")
            continue
        row = "".join(f"{_rate(scores, field):>16}" for field in FIELDS)
        print(f"{kind:<9}{row}{statistics.median(times):>10.2f}{max(times):>8.2f}")
    for name, missed, suggestion in measured["failures"]:
        print(f"  miss {name}: {', '.join(missed)} -> {suggestion.price} {suggestion.currency_code} "
              f"{suggestion.purchase_date} {suggestion.retailer_name!r} {suggestion.product_name!r}")  # fmt: skip


def compare_pdf_readers(folder: Path) -> None:
    """pypdf (layout mode, in use) vs pdfplumber on the text PDFs, in process: accuracy per field and time."""
    from pypdf import PdfReader

    readers = {"pypdf": lambda data: "\n".join(p.extract_text(extraction_mode="layout") for p in PdfReader(data).pages)}
    try:
        import pdfplumber

        def plumber(data):
            with pdfplumber.open(data) as pdf:
                return "\n".join(page.extract_text() or "" for page in pdf.pages)

        readers["pdfplumber"] = plumber
    except ImportError:
        print("pdfplumber is not installed: pypdf only")
    pdfs = [(truth, path) for truth, path in _receipts(folder) if truth["kind"] == "pdf"]
    for name, read in readers.items():
        scores, started = [], time.perf_counter()
        for truth, path in pdfs:
            text = read(io.BytesIO(path.read_bytes()))
            scores.append(_score(parse(text, retailers=RETAILERS, today=TODAY), truth))
        per = (time.perf_counter() - started) / max(len(pdfs), 1)
        print(f"{name:<11}" + "".join(f"{_rate(scores, field):>16}" for field in FIELDS) + f"{per * 1000:>9.1f} ms")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=FIXTURES)
    parser.add_argument("--regenerate", action="store_true", help="write the evaluation set again first")
    parser.add_argument("--tesseract", default="tesseract")
    args = parser.parse_args(argv)
    if args.regenerate or not any(args.dir.glob("*.json")):
        generate(args.dir)
    print(f"Receipts evaluation set: {args.dir} (today = {TODAY}, run {datetime.datetime.now(datetime.UTC):%Y-%m-%d})")
    report(measure(args.dir, args.tesseract))
    print("\nPDF text readers (in process, per field; time per PDF):")
    compare_pdf_readers(args.dir)


if __name__ == "__main__":
    main()
