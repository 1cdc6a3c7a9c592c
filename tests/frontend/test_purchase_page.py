"""A purchase's page, #/purchases/{id} (#23): reached from a dashboard item, showing the purchase, its return window,
its coverages with days left and claims (filed and changed there), its files with thumbnails and an inline preview;
the receipt dropped in the add dialog is attached as soon as the purchase exists; a viewer gets no write button."""

import datetime
import re
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from attachments import services as attachments
from attachments.models import Attachment
from households.models import Membership
from purchases.models import Purchase
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, PurchaseFactory, UserFactory, WarrantyFactory
from tests.frontend.helpers import sign_in
from warranties.models import Claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf(text="Receipt: Espresso machine, 449.00 USD") -> bytes:
    """A real one-page PDF (with its cross-reference table), so the preview frame shows a page."""
    stream = f"BT /F1 18 Tf 40 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return body + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


PDF = pdf()


def png(width=48, height=32, rgb=(47, 93, 138)) -> bytes:
    """A real (decodable) PNG of one colour, so the page's thumbnail has pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def attach(purchase, name, content, kind="RECEIPT"):
    upload = SimpleUploadedFile(name, content)
    return attachments.attachment_upload(
        purchase=purchase, created_by=purchase.created_by, uploaded_file=upload, kind=kind
    )


def shared_purchase(owner, today):
    purchase = PurchaseFactory(
        owner=owner,
        product_name="Espresso machine",
        price="449.00",
        currency_code="USD",
        purchase_date=today - datetime.timedelta(days=20),
        return_by=today + datetime.timedelta(days=10),
        notes="Kitchen, left counter",
    )
    warranty = WarrantyFactory(
        purchase=purchase,
        warranty_start=purchase.purchase_date,
        warranty_end=today + datetime.timedelta(days=12),
        provider="Maker",
    )
    attach(purchase, "receipt.png", png())
    attach(purchase, "invoice.pdf", PDF, kind="WARRANTY")
    return purchase, warranty


def save_artifact(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_from_a_dashboard_item_to_the_purchase_page_to_a_claim(app_page):
    page = app_page
    today = datetime.date.today()
    purchase, warranty = shared_purchase(page.user, today)
    url = f"{page.base_url}/#/purchases/{purchase.pk}"

    page.goto(f"{page.base_url}/#/dashboard")
    page.locator("#expiring-warranties a", has_text="Espresso machine").click()
    page.wait_for_url(url)
    expect(page.locator("#purchase-title")).to_have_text("Espresso machine")
    expect(page).to_have_title("Espresso machine · Spends Tracker")
    expect(page.locator("#purchase-return")).to_contain_text("10 days left")
    coverage = page.locator(f"[data-warranty-id='{warranty.pk}']")
    expect(coverage.locator(".days-left")).to_have_text("12 days left")
    expect(coverage.locator(".badge")).to_have_text("Active")

    # Thumbnails: the image is drawn from its download; the PDF previews inline in a same-origin frame.
    thumbs = page.locator("#attachment-thumbs li")
    expect(thumbs).to_have_count(2)
    image = thumbs.filter(has_text="receipt.png").locator("img")
    page.wait_for_function("img => img.complete && img.naturalWidth === 48", arg=image.element_handle())
    thumbs.filter(has_text="invoice.pdf").locator(".thumb-view").click()
    frame = page.locator("#attachment-preview iframe")
    expect(frame).to_be_visible()
    pdf = Attachment.objects.get(filename="invoice.pdf")
    page.wait_for_function("() => window.frames.length === 1")
    assert frame.get_attribute("src").endswith(f"/api/attachments/{pdf.pk}/download")
    save_artifact(page, "purchase-page.png")

    # A claim, filed from the coverage, then approved with a later end: the end moves and the page shows it.
    page.click("#attachment-preview [aria-label='Close the preview']")
    expect(page.locator("#attachment-preview")).to_be_hidden()
    assert page.evaluate("window.frames.length") == 0
    coverage.locator(".file-claim").click()
    page.fill("#claim-issue", "Pump is loud")
    page.click("#save-claim")
    page.locator("#claims-dialog button", has_text="Close").last.click()
    expect(coverage.locator(".claim-list li")).to_contain_text("Pump is loud")
    claim = Claim.objects.get(warranty=warranty)
    assert (claim.issue, claim.status) == ("Pump is loud", "OPEN")

    coverage.locator(".claim-list button", has_text="Change").click()
    expect(page.locator("#claim-form h3")).to_have_text("Change the claim")
    expect(page.locator("#claim-issue")).to_have_value("Pump is loud")
    new_end = today + datetime.timedelta(days=100)
    page.select_option("#claim-status", "APPROVED")
    page.fill("#claim-closed", today.isoformat())
    page.fill("#claim-extends", new_end.isoformat())
    page.click("#save-claim")
    page.locator("#claim-list li", has_text="Approved").wait_for()
    page.locator("#claims-dialog button", has_text="Close").last.click()
    expect(coverage.locator(".days-left")).to_have_text("100 days left")
    warranty.refresh_from_db()
    claim.refresh_from_db()
    assert (claim.status, claim.closed_on, warranty.warranty_end) == ("APPROVED", today, new_end)
    save_artifact(page, "purchase-page-with-claim.png")


def test_edit_and_delete_from_the_purchase_page(app_page):
    page = app_page
    purchase, _ = shared_purchase(page.user, datetime.date.today())
    page.goto(f"{page.base_url}/#/purchases/{purchase.pk}")

    page.click("#edit-purchase")
    page.fill("#p-name", "Espresso machine Pro")
    page.click("#save-purchase")
    expect(page.locator("#purchase-title")).to_have_text("Espresso machine Pro")
    assert Purchase.objects.get(pk=purchase.pk).product_name == "Espresso machine Pro"

    page.click("#delete-purchase")
    page.click("#confirm-yes")
    page.wait_for_url(re.compile(r"/#/purchases$"))
    assert not Purchase.objects.filter(pk=purchase.pk).exists()


def add_purchase_with_receipt(page, name, filename, content, mime):
    page.goto(f"{page.base_url}/#/purchases")
    page.click("#add-purchase")
    page.set_input_files("#receipt-input", files=[{"name": filename, "mimeType": mime, "buffer": content}])
    expect(page.locator("#receipt-chosen")).to_contain_text(filename)
    page.fill("#p-name", name)
    page.fill("#p-price", "12.50")
    page.click("#save-purchase")
    page.locator("#purchase-dialog").wait_for(state="hidden")


DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_a_receipt_chosen_in_the_add_dialog_is_attached_to_the_new_purchase(app_page):
    page = app_page
    # The real suggestion (#27, static/app/receipts.js) reads the dropped receipt and fills the form before anything
    # is saved; the user then confirms (here: overrides the name and the price).
    receipt = (Path(__file__).resolve().parents[1] / "fixtures" / "receipts" / "00-pdf.pdf").read_bytes()
    page.goto(f"{page.base_url}/#/purchases")
    page.click("#add-purchase")
    page.set_input_files(
        "#receipt-input", files=[{"name": "lamp-receipt.pdf", "mimeType": "application/pdf", "buffer": receipt}]
    )
    # The receipt's total, tests/fixtures/receipts/00-pdf.json; the dialog as it is then is the README's picture.
    expect(page.locator("#p-price")).to_have_value("2507.58")
    page.locator("#purchase-dialog").screenshot(path=str(DOCS / "receipt-suggestion.png"))
    page.fill("#p-name", "Desk lamp")
    page.fill("#p-price", "12.50")
    page.click("#save-purchase")
    page.locator("#purchase-dialog").wait_for(state="hidden")
    page.locator(".toast", has_text="with its receipt").wait_for()

    purchase = Purchase.objects.get(product_name="Desk lamp")
    assert purchase.price == Decimal("12.50")
    [receipt] = Attachment.objects.filter(purchase=purchase)
    assert (receipt.filename, receipt.kind, receipt.content_type) == ("lamp-receipt.pdf", "RECEIPT", "application/pdf")
    page.locator("#purchase-table a", has_text="Desk lamp").click()
    expect(page.locator("#attachment-thumbs li")).to_have_text(re.compile("lamp-receipt.pdf"))


def test_a_refused_receipt_keeps_the_purchase_and_its_page_offers_to_try_again(app_page):
    page = app_page
    add_purchase_with_receipt(page, "Cable", "receipt.pdf", b"MZ\x90\x00 not a receipt", "application/pdf")

    purchase = Purchase.objects.get(product_name="Cable")
    page.wait_for_url(f"{page.base_url}/#/purchases/{purchase.pk}")
    expect(page.locator("#pending-receipt")).to_contain_text("The receipt receipt.pdf was not attached")
    assert not Attachment.objects.filter(purchase=purchase).exists()
    page.click("#retry-receipt")  # the same bytes: refused again, and said so
    expect(page.locator("#page-files-error")).to_contain_text("receipt.pdf")
    assert not Attachment.objects.filter(purchase=purchase).exists()


def test_the_purchase_page_of_a_viewer_has_no_write_button(page, transactional_db):
    owner = UserFactory(username="owner")
    purchase, warranty = shared_purchase(owner, datetime.date.today())
    Claim.objects.create(warranty=warranty, opened_on=warranty.warranty_start, issue="Leaks")
    viewer = UserFactory(username="viewer")
    Membership.objects.filter(user=viewer).update(household=Membership.objects.get(user=owner).household, role="VIEWER")
    sign_in(page, viewer)

    page.goto(f"{page.base_url}/#/purchases/{purchase.pk}")
    expect(page.locator("#purchase-coverages .claim-list li")).to_contain_text("Leaks")
    expect(page.locator("#attachment-thumbs li")).to_have_count(2)
    for hidden in ("#edit-purchase", "#delete-purchase", ".file-claim", "#page-dropzone"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("#purchase-page button:visible", has_text=re.compile("^(Change|Delete|Edit)$"))).to_have_count(
        0
    )
    expect(page.locator("#attachment-thumbs a", has_text="Download")).to_have_count(2)
    save_artifact(page, "purchase-page-viewer.png")


def test_a_reminders_link_opens_the_purchase_page_after_signing_in(page, transactional_db):
    owner = UserFactory(username="alice")
    purchase, _ = shared_purchase(owner, datetime.date.today())
    page.goto(f"{page.base_url}/#/purchases/{purchase.pk}")  # what a reminder email or a calendar event links to
    page.wait_for_url(re.compile(r"/sign-in"))
    page.fill("#sign-in-username", "alice")
    page.fill("#sign-in-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/#/purchases/{purchase.pk}")
    expect(page.locator("#purchase-title")).to_have_text("Espresso machine")
