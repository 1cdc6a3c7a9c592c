"""The admin as a complete browser UI, driven in Chromium (issue: the admin as a browser UI)."""

import datetime
import re
import zipfile
from decimal import Decimal

import pytest

from backups.models import Backup
from purchases.models import Purchase
from tests.factories import PurchaseFactory, WarrantyFactory, household_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_shows_totals_and_both_charts(admin_page):
    purchase = PurchaseFactory(
        owner=admin_page.user,
        product_name="Espresso Machine",
        price=Decimal("499.00"),
        purchase_date=datetime.date.today(),
    )
    WarrantyFactory(
        purchase=purchase,
        warranty_start=datetime.date.today(),
        warranty_end=datetime.date.today() + datetime.timedelta(days=10),
    )
    admin_page.goto(f"{admin_page.base_url}/admin/")
    dashboard = admin_page.locator("#spends-dashboard")
    assert "499.00 USD" in dashboard.inner_text()
    assert admin_page.locator("#chart-spending svg rect[fill='#417690']").count() == 12
    assert admin_page.locator("#chart-warranties svg").count() == 1
    assert "Espresso Machine" in admin_page.locator("#expiring-list").inner_text()


def test_add_a_purchase_with_a_warranty_then_find_it_by_search(admin_page):
    admin_page.goto(f"{admin_page.base_url}/admin/purchases/purchase/add/")
    admin_page.fill("#id_product_name", "Cordless Vacuum V15")
    admin_page.fill("#id_price", "649.90")
    admin_page.fill("#id_currency_code", "USD")
    admin_page.fill("#id_purchase_date", "2025-03-01")
    admin_page.select_option("#id_household", str(household_of(admin_page.user)))
    admin_page.click("#warranties-group .add-row a")  # the inline starts empty: "Add another Warranty"
    admin_page.fill("#id_warranties-0-warranty_start", "2025-03-01")
    admin_page.fill("#id_warranties-0-warranty_end", "2027-03-01")
    admin_page.click("input[name=_save]")
    admin_page.wait_for_selector(".messagelist .success")
    purchase = Purchase.objects.get(product_name="Cordless Vacuum V15")
    assert purchase.price == Decimal("649.90") and purchase.warranties.get().warranty_end == datetime.date(2027, 3, 1)

    admin_page.fill("#searchbar", "vacuum")
    admin_page.press("#searchbar", "Enter")
    admin_page.wait_for_url(re.compile(r"\?q=vacuum"))
    rows = admin_page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "Cordless Vacuum V15" in rows.first.inner_text()


def test_make_a_backup_and_download_it(admin_page, tmp_path):
    PurchaseFactory(owner=admin_page.user)
    admin_page.goto(f"{admin_page.base_url}/admin/backups/backup/")
    admin_page.click("text=Back up now")
    admin_page.wait_for_selector("#backup-list >> text=succeeded")
    backup = Backup.objects.get()
    with admin_page.expect_download() as download_info:
        admin_page.click(f"#backup-list a[href$='{backup.pk}/download/']")
    target = tmp_path / "backup.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert "manifest.json" in archive.namelist()
    assert target.stat().st_size == backup.size_bytes


def test_upload_a_receipt_and_download_it(admin_page, tmp_path):
    purchase = PurchaseFactory(owner=admin_page.user, product_name="Laptop")
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.7\n% a receipt\n%%EOF\n")
    admin_page.goto(f"{admin_page.base_url}/admin/purchases/purchase/{purchase.pk}/change/")
    admin_page.click("#upload-attachment")
    admin_page.set_input_files("#id_file", str(receipt))
    admin_page.select_option("#id_kind", "RECEIPT")
    admin_page.click("#attachment-upload-form input[type=submit]")
    admin_page.wait_for_selector(".messagelist .success")
    attachment = purchase.attachments.get()
    assert (attachment.kind, attachment.content_type, attachment.filename) == (
        "RECEIPT",
        "application/pdf",
        "receipt.pdf",
    )
    link = admin_page.locator("a", has_text="receipt.pdf")
    response = admin_page.request.get(admin_page.base_url + link.get_attribute("href"))
    assert response.status == 200 and response.body() == receipt.read_bytes()


def test_an_executable_named_pdf_is_refused_on_the_form(admin_page, tmp_path):
    purchase = PurchaseFactory(owner=admin_page.user)
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    admin_page.goto(f"{admin_page.base_url}/admin/purchases/purchase/{purchase.pk}/attachments/upload/")
    admin_page.set_input_files("#id_file", str(fake))
    admin_page.click("#attachment-upload-form input[type=submit]")
    assert admin_page.locator(".errorlist").count() >= 1
    assert not purchase.attachments.exists()


def test_import_a_csv_through_the_admin_and_see_the_rows(admin_page, tmp_path):
    csv_file = tmp_path / "purchases.csv"
    csv_file.write_text(
        "product_name,price,currency_code,purchase_date,retailer\n"
        "Garden Hose,24.99,USD,2025-04-02,Amazon\n"
        "Lawn Mower,349.00,USD,2025-04-03,The Home Depot\n",
        encoding="utf-8",
    )
    admin_page.goto(f"{admin_page.base_url}/admin/purchases/purchase/")
    admin_page.click("a.import_link")
    admin_page.set_input_files("input[type=file]", str(csv_file))
    format_select = admin_page.locator("select[name=format]")
    if format_select.count():
        format_select.select_option(label="csv")
    admin_page.click("input[type=submit]")
    admin_page.click("input[name=confirm], input[type=submit][value*='Confirm']")
    admin_page.wait_for_selector(".messagelist .success")
    names = set(
        Purchase.objects.filter(household__memberships__user=admin_page.user).values_list("product_name", flat=True)
    )
    assert names == {"Garden Hose", "Lawn Mower"}
    rows = admin_page.locator("#result_list tbody tr")
    assert rows.count() == 2 and "Lawn Mower" in admin_page.locator("#result_list").inner_text()
