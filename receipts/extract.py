"""A receipt's text, offline: the text layer of a PDF (pypdf), else Tesseract OCR (pytesseract) of the image or of a
scanned PDF's page images, after a clean-up (grayscale, autocontrast, deskew, upscale of small images).

`extract()` runs the work in a child process (`python -m receipts.worker`) with a timeout and an address-space cap
(resource.setrlimit in the child), so a hostile or huge file costs at most that; the child's process group is killed
on timeout (Tesseract included). Django is not needed here: the caller passes the settings.
"""

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # where `python -m receipts.worker` finds the package
PDF = "application/pdf"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"}
MIN_PDF_TEXT = 20  # fewer visible characters than this: a scanned PDF, read by OCR
OCR_LANGUAGES = ("eng", "deu", "fra")
SMALL_WIDTH = 1400  # narrower images are upscaled for Tesseract (its best is ~30 px capital letters)
LARGE_WIDTH = 2400  # wider ones (a phone's 12 MP photo) are scaled down: OCR time grows with the pixels
DESKEW_ANGLES = sorted((step / 2 for step in range(-8, 9)), key=abs)  # 0°, ±0.5°, .. ±4°: a tie keeps the smaller
EXIT_UNREADABLE, EXIT_NO_ENGINE = 3, 4


class ExtractError(Exception):
    """The text could not be read; `str(exc)` is the message for the client."""


class Unreadable(ExtractError):
    """Not a receipt we can read (corrupt, empty, or not a PDF/image)."""


class NoOcrEngine(ExtractError):
    """An image (or a scanned PDF) and no Tesseract installed."""


class ExtractTimeout(ExtractError):
    """Reading took longer than the timeout."""


@dataclass
class Extracted:
    engine: str  # "pdf-text" | "ocr"
    text: str


def ocr_available(tesseract_cmd: str) -> bool:
    """Whether the Tesseract binary exists (a name on PATH or a path)."""
    return shutil.which(tesseract_cmd) is not None


def extract(data: bytes, content_type: str, *, tesseract_cmd: str, timeout: float, memory_mb: int) -> Extracted:
    """Read `data` (detected `content_type`) in a child process. Raises Unreadable, NoOcrEngine or ExtractTimeout."""
    if content_type != PDF and content_type not in IMAGE_TYPES:
        raise Unreadable("A receipt must be a PDF, JPEG, PNG, WebP or HEIC file.")
    if content_type in IMAGE_TYPES and not ocr_available(tesseract_cmd):
        raise NoOcrEngine(_no_engine_message(tesseract_cmd))
    command = [sys.executable, "-m", "receipts.worker", content_type, tesseract_cmd, str(memory_mb)]
    # One core per OCR (the server's other requests keep theirs); the project on the path whatever the cwd.
    path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "PYTHONPATH": path}
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and module; no shell)
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = child.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(child)
        raise ExtractTimeout(
            f"Reading the receipt took longer than {timeout:g} seconds. Try a smaller or sharper picture, "
            "or enter the purchase by hand."
        ) from None
    if child.returncode == EXIT_NO_ENGINE:
        raise NoOcrEngine(_no_engine_message(tesseract_cmd))
    if child.returncode != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()
        if child.returncode == EXIT_UNREADABLE and message:
            raise Unreadable(message[-1])
        raise Unreadable("The file could not be read as a receipt (it may be damaged or too large to read).")
    answer = json.loads(out)
    return Extracted(engine=answer["engine"], text=answer["text"])


def _kill(child: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.communicate()


def _no_engine_message(tesseract_cmd: str) -> str:
    return (
        f"No OCR engine is installed on the server (Tesseract, {tesseract_cmd!r} not found), so images and scanned "
        "PDFs cannot be read. A PDF with text works; the administrator can install tesseract-ocr (README)."
    )


# --- in the child process (receipts.worker) ---------------------------------------------------------------------------


def pdf_text(data: bytes) -> tuple[str, list[bytes]]:
    """The PDF's text (pypdf, layout mode: a line's columns stay on one line) and, when it has next to no text, the
    page images to OCR (a scan)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = list(reader.pages)[:5]
    text = "\n".join(page.extract_text(extraction_mode="layout") or "" for page in pages)
    if sum(not char.isspace() for char in text) >= MIN_PDF_TEXT:
        return text, []
    images = [image.data for page in pages for image in page.images][:5]
    return text, images


def prepare(image):
    """Grayscale, autocontrast, upscale when small (down when huge), deskew (the angle whose rows' darkness varies the
    most)."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(background, image)
    image = ImageOps.autocontrast(image.convert("L"), cutoff=1)
    if not SMALL_WIDTH <= image.width <= LARGE_WIDTH:
        width = SMALL_WIDTH if image.width < SMALL_WIDTH else LARGE_WIDTH
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    angle = skew_angle(image)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return image


def skew_angle(image) -> float:
    """The rotation (degrees) that makes the text lines horizontal: the row profile is sharpest there."""
    from PIL import Image, ImageOps

    small = ImageOps.invert(image.convert("L"))
    small.thumbnail((500, 500))
    best_angle, best_score = 0.0, -1.0
    for angle in DESKEW_ANGLES:
        rotated = small.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=0)
        rows = list(rotated.resize((1, rotated.height), Image.Resampling.BOX).get_flattened_data())
        mean = sum(rows) / len(rows)
        score = sum((value - mean) ** 2 for value in rows) / len(rows)
        if score > best_score * 1.0001:
            best_angle, best_score = angle, score
    return best_angle


def ocr(image, tesseract_cmd: str) -> str:
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = tesseract_cmd
    try:
        installed = set(pytesseract.get_languages(config=""))
    except pytesseract.TesseractError:
        installed = set()
    languages = "+".join(lang for lang in OCR_LANGUAGES if lang in installed) or "eng"
    return pytesseract.image_to_string(prepare(image), lang=languages, config="--psm 6")
