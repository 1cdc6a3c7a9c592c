"""POST /api/receipts/suggest (API.md § Receipt suggestions), with the real extraction: pypdf, and Tesseract in its
capped child process. The OCR tests skip only when Tesseract is missing outside CI; under CI (CI=true, .ci/run
installs it) they fail instead. The answers' accuracy over the evaluation set: `python -m bench.receipts`."""

import io
import json
import os
import shutil
from pathlib import Path

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.throttling import ScopedRateThrottle

from attachments.models import Attachment
from catalog.models import Retailer
from households.models import Membership
from purchases.models import Purchase
from tests.assertions import assert_error
from tests.conftest import token_client
from tests.factories import RetailerFactory, UserFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "receipts"
URL = "/api/receipts/suggest"


@pytest.fixture
def needs_tesseract():
    if shutil.which("tesseract") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Tesseract is missing under CI: .ci/run installs tesseract-ocr")
        pytest.skip("Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)")


def _fixture(name):
    truth = json.loads((FIXTURES / f"{name}.json").read_text())
    return truth, (FIXTURES / truth["file"]).read_bytes()


def _post(client, name, data, content_type="application/octet-stream"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type=content_type)}, format="multipart")


def _rows():
    return Purchase.objects.count(), Attachment.objects.count(), Retailer.objects.count()


def test_text_pdf_suggests_the_purchase_and_writes_nothing(owner_client, django_assert_max_num_queries):
    truth, data = _fixture("02-pdf")  # German layout, MÜLLER on top, SUMME 1.264,91 €
    retailer = RetailerFactory(name="Müller")
    before = _rows()
    with django_assert_max_num_queries(2):  # the catalog's retailers (and at most the token's last use)
        response = _post(owner_client, "receipt.pdf", data)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["engine"] == "pdf-text"
    assert "SUMME" in body["text"]
    assert body["suggestion"] == {
        "product_name": truth["product_name"],
        "price": truth["total"],
        "currency_code": "EUR",
        "purchase_date": truth["date"],
        "retailer_id": str(retailer.pk),
        "retailer_name": "Müller",
    }
    assert set(body["confidence"]) == set(body["suggestion"])
    assert body["confidence"]["price"] >= 0.85 and body["confidence"]["retailer_id"] >= 0.8
    assert _rows() == before


def test_a_viewer_may_ask_too(owner):
    viewer = UserFactory(username="viewer")
    Membership.objects.filter(user=viewer).update(household=Membership.objects.get(user=owner).household, role="VIEWER")
    truth, data = _fixture("00-pdf")
    response = _post(token_client(viewer), "receipt.pdf", data)
    assert response.status_code == 200, response.content
    assert response.json()["suggestion"]["price"] == truth["total"]


def test_signed_out_is_401(anon_client):
    assert_error(_post(anon_client, "receipt.pdf", _fixture("00-pdf")[1]), 401, "not_authenticated")


def _heic(data: bytes) -> bytes:
    """The same picture as an iPhone's HEIC (pillow-heif's encoder)."""
    pillow_heif.register_heif_opener()
    heic = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(heic, "HEIF", quality=90)
    return heic.getvalue()


@pytest.mark.usefixtures("needs_tesseract")
@pytest.mark.parametrize("kind", ["png", "heic"])
def test_image_is_read_by_ocr(owner_client, kind):
    truth, data = _fixture("23-image")  # 300 dpi PNG, French layout, TOTAL TTC
    RetailerFactory(name="Galeries Lafayette")
    before = _rows()
    response = _post(owner_client, f"photo.{kind}", data if kind == "png" else _heic(data))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["engine"] == "ocr"
    assert body["suggestion"]["price"] == truth["total"]
    assert body["suggestion"]["currency_code"] == "EUR"
    assert body["suggestion"]["retailer_name"] == "Galeries Lafayette"
    assert _rows() == before


@pytest.mark.usefixtures("needs_tesseract")
def test_scanned_pdf_is_read_by_ocr(owner_client):
    truth, data = _fixture("23-image")
    scanned = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(scanned, "PDF", resolution=300)  # an image-only PDF
    response = _post(owner_client, "scan.pdf", scanned.getvalue())
    assert response.status_code == 200, response.content
    assert response.json()["engine"] == "ocr"
    assert response.json()["suggestion"]["price"] == truth["total"]


def test_image_without_an_ocr_engine_is_503(owner_client, settings):
    settings.RECEIPTS_TESSERACT_CMD = "/nonexistent/tesseract"
    response = _post(owner_client, "photo.png", _fixture("23-image")[1])
    assert_error(response, 503, "service_unavailable")
    assert "OCR" in response.json()["detail"]
    # A PDF with text needs no OCR engine.
    assert _post(owner_client, "receipt.pdf", _fixture("00-pdf")[1]).status_code == 200


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("garbage.bin", b"\x00\x01\x02 not a receipt at all"),
        ("notes.txt", b"TOTAL 12.00"),  # an attachment may be text; a receipt may not
        ("broken.pdf", b"%PDF-1.4\n garbage that is no PDF"),
        ("broken.png", b"\x89PNG\r\n\x1a\n truncated"),
    ],
)
def test_unreadable_files_are_400(owner_client, name, data, settings):
    settings.RECEIPTS_TESSERACT_CMD = shutil.which("tesseract") or "tesseract"
    response = _post(owner_client, name, data)
    if name == "broken.png" and shutil.which("tesseract") is None:
        assert_error(response, 503, "service_unavailable")  # an image: no engine is said first
        return
    assert_error(response, 400, "validation_error", fields={"file"})


def test_missing_file_is_400(owner_client):
    assert_error(owner_client.post(URL, {}, format="multipart"), 400, "validation_error", fields={"file"})


def test_too_large_is_413_like_an_attachment(owner_client, settings):
    settings.MAX_UPLOAD_SIZE = 1000
    response = _post(owner_client, "receipt.pdf", _fixture("00-pdf")[1])
    assert_error(response, 413, "payload_too_large")


def test_timeout_is_422_with_a_clear_message(owner_client, settings):
    settings.RECEIPTS_OCR_TIMEOUT = 0.001
    response = _post(owner_client, "receipt.pdf", _fixture("00-pdf")[1])
    assert_error(response, 422, "unprocessable_entity")
    assert "took longer than" in response.json()["detail"]


def test_throttled_per_user(owner_client, other_user, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"receipts": "2/minute"})
    for _ in range(2):
        assert _post(owner_client, "x.txt", b"TOTAL 1.00").status_code == 400
    assert_error(_post(owner_client, "x.txt", b"TOTAL 1.00"), 429, "throttled")
    assert _post(token_client(other_user), "x.txt", b"TOTAL 1.00").status_code == 400  # another user's own count
