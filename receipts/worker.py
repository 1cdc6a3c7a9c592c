"""The child process of `receipts.extract.extract()`: `python -m receipts.worker CONTENT_TYPE TESSERACT_CMD MEMORY_MB`
reads the file from stdin and writes `{"engine", "text"}` as JSON to stdout. Its address space is capped first
(resource.setrlimit), so decoding a hostile image or PDF cannot take the server's memory; Tesseract, its child,
inherits the cap. Exit 3: unreadable (the last stderr line says why); 4: OCR needed and no engine."""

import io
import json
import resource
import sys

from receipts.extract import EXIT_NO_ENGINE, EXIT_UNREADABLE, PDF, ocr, ocr_available, pdf_text


def _cap_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _open_image(data: bytes):
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    Image.MAX_IMAGE_PIXELS = 60_000_000  # a 25 MB file may not unpack into gigabytes
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def read(data: bytes, content_type: str, tesseract_cmd: str) -> dict:
    images = [data]
    if content_type == PDF:
        text, images = pdf_text(data)
        if not images:
            return {"engine": "pdf-text", "text": text}
    if not ocr_available(tesseract_cmd):
        sys.exit(EXIT_NO_ENGINE)
    return {"engine": "ocr", "text": "\n".join(ocr(_open_image(image), tesseract_cmd) for image in images)}


def main(argv: list[str]) -> None:
    content_type, tesseract_cmd, memory_mb = argv[1], argv[2], int(argv[3])
    _cap_memory(memory_mb)
    data = sys.stdin.buffer.read()
    try:
        answer = read(data, content_type, tesseract_cmd)
    except MemoryError:
        print("The file needs more memory to read than the server allows.", file=sys.stderr)
        sys.exit(EXIT_UNREADABLE)
    except Exception as exc:  # noqa: BLE001 (any decoder's error means the same to the client)
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        print("The file could not be read as a receipt (damaged, empty or not a PDF or image).", file=sys.stderr)
        sys.exit(EXIT_UNREADABLE)
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main(sys.argv)
