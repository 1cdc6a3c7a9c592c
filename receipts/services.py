"""A purchase suggested from a receipt (API.md § Receipt suggestions): the file is checked like an attachment
(size limit, type sniffed from the bytes, attachments.services), its text read (receipts.extract: pypdf, else
Tesseract in a capped child process) and parsed (receipts.parser). Nothing is written."""

from django.conf import settings
from django.utils import timezone

from attachments.services import upload_scan
from receipts import extract, selectors
from receipts.parser import Suggestion, parse

DEFAULT_TESSERACT_CMD = "tesseract"
DEFAULT_OCR_TIMEOUT = 20  # seconds
DEFAULT_OCR_MEMORY_MB = 1024


def ocr_settings() -> dict:
    return {
        "tesseract_cmd": getattr(settings, "RECEIPTS_TESSERACT_CMD", DEFAULT_TESSERACT_CMD),
        "timeout": getattr(settings, "RECEIPTS_OCR_TIMEOUT", DEFAULT_OCR_TIMEOUT),
        "memory_mb": getattr(settings, "RECEIPTS_OCR_MEMORY_MB", DEFAULT_OCR_MEMORY_MB),
    }


def receipt_suggest(*, uploaded_file) -> tuple[extract.Extracted, Suggestion]:
    """The text of an uploaded receipt and the purchase it suggests.

    Raises attachments.services.FileTooLarge / UnsupportedFileType (the attachment rules), extract.Unreadable (not
    a receipt we can read, a GIF or text file included), extract.NoOcrEngine, extract.ExtractTimeout.
    """
    content_type = upload_scan(uploaded_file).content_type
    if content_type != extract.PDF and content_type not in extract.IMAGE_TYPES:
        raise extract.Unreadable("A receipt must be a PDF, JPEG, PNG, WebP or HEIC file.")
    uploaded_file.seek(0)
    data = uploaded_file.read()
    extracted = extract.extract(data, content_type, **ocr_settings())
    suggestion = parse(extracted.text, retailers=selectors.retailer_names(), today=timezone.localdate())
    return extracted, suggestion
