"""The receipt suggestion in the add dialog (#27, static/app/receipts.js): `window.spendsReceiptSuggest(file, form)`
posts the file, fills the dialog's form and marks the low-confidence fields. The drop zone that calls it is the add
dialog's; the script tag is wired in with it, so this test loads the script itself."""

import base64
import json
from pathlib import Path

import pytest

from catalog.models import Retailer
from purchases.models import Purchase
from tests.frontend.helpers import wait_for_products

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "receipts"


def _suggest(page, path: Path):
    """Opens the add dialog, loads the script and hands it the file and the dialog's form; its answer (or None)."""
    page.goto(f"{page.base_url}/#/purchases")
    wait_for_products(page, "#purchase-table", [])
    page.click("#add-purchase")
    page.add_script_tag(url="/static/app/receipts.js")
    return page.evaluate(
        """async ([data, name]) => {
            const bytes = Uint8Array.from(atob(data), (char) => char.charCodeAt(0));
            const file = new File([bytes], name);
            const form = window.Alpine.$data(document.querySelector("#purchase-dialog")).form;
            return await window.spendsReceiptSuggest(file, form);
        }""",
        [base64.b64encode(path.read_bytes()).decode(), path.name],
    )


def test_a_receipt_fills_the_add_dialog_and_marks_unsure_fields(app_page):
    page = app_page
    truth = json.loads((FIXTURES / "02-pdf.json").read_text())
    Retailer.objects.create(name="Müller")
    answer = _suggest(page, FIXTURES / truth["file"])
    assert answer["engine"] == "pdf-text"
    assert page.input_value("#p-price") == truth["total"]
    assert page.input_value("#p-date") == truth["date"]
    assert page.input_value("#p-currency") == "EUR"
    assert page.input_value("#p-retailer") == "Müller"
    assert page.input_value("#p-name") == truth["product_name"]
    # Several item lines: the product name is a guess (confidence < 0.7), the total is not.
    page.wait_for_selector("#p-name.receipt-unsure")
    assert "receipt-unsure" not in (page.get_attribute("#p-price", "class") or "")
    page.fill("#p-name", "Tablet")
    assert "receipt-unsure" not in (page.get_attribute("#p-name", "class") or "")
    assert Purchase.objects.count() == 0  # nothing saved until the user saves
    page.locator(".toast", has_text="Filled from the receipt: please check the marked fields").wait_for()


def test_a_photo_without_an_ocr_engine_says_so_and_leaves_the_form(app_page, settings):
    settings.RECEIPTS_TESSERACT_CMD = "/nonexistent/tesseract"
    page = app_page
    assert _suggest(page, FIXTURES / "23-image.png") is None
    page.locator(".toast", has_text="No OCR engine is installed").wait_for()
    assert page.input_value("#p-price") == ""
