"""The web dashboard in Chromium against the live server (issue #12): every screen through the REST API."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from purchases.models import Purchase
from tests.factories import PASSWORD, BrandFactory, PurchaseFactory, RetailerFactory, UserFactory, WarrantyFactory
from tests.frontend.helpers import drop_file, money, sign_in, wait_for_products

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_through_the_page_then_sign_out(page, transactional_db):
    UserFactory(username="alice")
    page.goto(f"{page.base_url}/#/warranties")
    page.wait_for_url(re.compile(r"/sign-in"))

    page.fill("#sign-in-username", "alice")
    page.fill("#sign-in-password", "wrong password")
    page.click("button[type=submit]")
    error = page.locator("#sign-in-error")
    error.wait_for()
    assert "Unable to sign in" in error.inner_text()

    page.fill("#sign-in-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/#/warranties$"))  # the bookmarked screen survives the detour through sign-in
    page.wait_for_selector("#warranties-title")
    expect(page.locator(".user-name")).to_have_text("alice")  # filled by /api/auth/me, after the screen shows

    page.click("#sign-out")
    page.wait_for_url(re.compile(r"/sign-in$"))
    page.goto(f"{page.base_url}/")
    page.wait_for_url(re.compile(r"/sign-in$"))


def test_dashboard_shows_the_seeded_totals_and_both_charts(app_page):
    page, user = app_page, app_page.user
    today = datetime.date.today()
    earlier = today - datetime.timedelta(days=70)
    PurchaseFactory(owner=user, product_name="Espresso Machine", price=Decimal("100.50"), purchase_date=today)
    kettle = PurchaseFactory(owner=user, product_name="Kettle", price=Decimal("49.50"), purchase_date=today)
    PurchaseFactory(owner=user, product_name="Bicycle", price=Decimal("250.00"), purchase_date=earlier)
    PurchaseFactory(owner=user, product_name="Train ticket", price=Decimal("80.00"), currency_code="EUR")
    PurchaseFactory(product_name="Someone else's TV", price=Decimal("999.00"), purchase_date=today)
    WarrantyFactory(purchase=kettle, warranty_start=today, warranty_end=today + datetime.timedelta(days=10))

    page.goto(f"{page.base_url}/")
    page.wait_for_selector("#chart-spending svg")
    # USD: 100.50 + 49.50 + 250.00, this month 100.50 + 49.50; the EUR purchase and the other user's do not count.
    assert page.inner_text("#stat-total") == money(page, "400.00")
    assert page.inner_text("#stat-month") == money(page, "150.00")
    assert "3 purchases" in page.inner_text("#dashboard-totals")
    assert page.inner_text("#stat-active") == "1"
    assert page.inner_text("#stat-expiring") == "1"
    expiring = page.inner_text("#expiring-warranties")
    assert "Kettle" in expiring and "10 days left" in expiring

    bars = page.locator("#chart-spending svg rect.chart-bar")
    assert bars.count() == 12
    this_month = page.locator(f"#chart-spending rect[data-month='{today:%Y-%m}'] title")
    assert money(page, "150.00") in this_month.text_content()
    assert page.locator("#chart-warranties svg rect.chart-bar").count() == 36
    assert page.locator("#chart-warranties rect[data-series='active']").count() == 12
    assert "Kettle" in page.inner_text("#recent-purchases")
    assert "Someone else" not in page.inner_text("#recent-purchases")

    page.select_option("#dashboard-currency", "EUR")
    page.wait_for_function(
        "expected => document.querySelector('#stat-total').textContent === expected", arg=money(page, "80.00", "EUR")
    )
    assert "currency=EUR" in page.url


def test_add_a_purchase_with_a_warranty_and_see_it_in_the_list_and_the_totals(app_page):
    page = app_page
    page.goto(f"{page.base_url}/#/purchases")
    page.get_by_text("No purchases yet — add one or import a CSV").wait_for()

    page.click("#add-purchase")
    assert page.evaluate("document.activeElement.id") == "p-name"  # focus moves into the dialog
    page.fill("#p-name", "Cordless Vacuum V15")
    page.fill("#p-price", "649.90")
    page.fill("#p-date", "2025-03-01")
    page.fill("#p-retailer", "Vacuum World")  # a new retailer: created through /api/retailers first
    page.click("#add-coverage")
    page.fill("#cov-0-start", "2025-03-01")
    page.fill("#cov-0-end", "2035-03-01")
    page.select_option("#cov-0-type", "EXTENDED")
    page.click("#save-purchase")
    page.locator("#purchase-dialog").wait_for(state="hidden")

    row = page.locator("#purchase-table tbody tr", has_text="Cordless Vacuum V15")
    row.wait_for()
    assert money(page, "649.90") in row.inner_text()
    assert "Vacuum World" in row.inner_text() and "Active" in row.inner_text()
    purchase = Purchase.objects.get(product_name="Cordless Vacuum V15")
    assert purchase.created_by == page.user and purchase.price == Decimal("649.90")
    assert purchase.retailer.name == "Vacuum World"
    warranty = purchase.warranties.get()
    assert warranty.warranty_end == datetime.date(2035, 3, 1) and warranty.warranty_type == "EXTENDED"

    page.click("nav a[href='#/dashboard']")
    # The dashboard element may show the previous numbers until its request answers: wait for the new ones.
    expect(page.locator("#stat-total")).to_have_text(money(page, "649.90"))
    expect(page.locator("#stat-active")).to_have_text("1")


def test_edit_and_delete_a_purchase_through_the_dialogs(app_page):
    PurchaseFactory(owner=app_page.user, product_name="Old Phone", price=Decimal("99.00"))
    page = app_page
    page.goto(f"{page.base_url}/#/purchases")
    page.click("button[aria-label='Edit Old Phone']")
    assert page.input_value("#p-price") == "99.00"
    page.fill("#p-name", "Old Phone (refurbished)")
    page.click("#save-purchase")
    page.locator("#purchase-table", has_text="Old Phone (refurbished)").wait_for()
    assert Purchase.objects.get().product_name == "Old Phone (refurbished)"

    page.click("button[aria-label='Delete Old Phone (refurbished)']")
    page.click("#confirm-yes")
    page.get_by_text("No purchases yet — add one or import a CSV").wait_for()
    assert not Purchase.objects.exists()


def test_validation_errors_appear_next_to_their_fields(app_page):
    page = app_page
    page.goto(f"{page.base_url}/#/purchases")
    page.click("#add-purchase")
    page.fill("#p-name", "Headphones")
    page.fill("#p-price", "-5")
    page.click("#add-coverage")
    page.fill("#cov-0-start", "2025-06-01")
    page.fill("#cov-0-end", "2025-01-01")
    page.click("#save-purchase")

    price_error = page.locator("#p-price-error")
    price_error.wait_for()
    assert "greater than or equal to 0" in price_error.inner_text()
    assert "on or after" in page.inner_text("#cov-0-end-error")  # nested: errors.warranties.0.warranty_end
    assert page.get_attribute("#p-price", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "p-price"  # focus on the first marked field
    assert page.locator("#purchase-dialog").is_visible()
    assert not Purchase.objects.exists()

    page.fill("#p-price", "5")
    page.fill("#cov-0-end", "2026-06-01")
    page.click("#save-purchase")
    page.locator("#purchase-dialog").wait_for(state="hidden")
    assert Purchase.objects.get().warranties.get().warranty_end == datetime.date(2026, 6, 1)


def test_search_and_filters_change_the_list_and_the_url_and_a_reload_restores_them(app_page):
    user = app_page.user
    shop = RetailerFactory(name="Corner Shop")
    apple = BrandFactory(name="Apple")
    PurchaseFactory(owner=user, product_name="MacBook Air", status="RECEIVED", retailer=shop, brand=apple)
    PurchaseFactory(owner=user, product_name="MacBook Pro", status="ORDERED", brand=apple)
    PurchaseFactory(owner=user, product_name="Desk Lamp", status="ORDERED", retailer=shop)
    page = app_page
    page.goto(f"{page.base_url}/#/purchases")
    wait_for_products(page, "#purchase-table", ["MacBook Air", "MacBook Pro", "Desk Lamp"])

    page.fill("#f-search", "macbook")
    page.wait_for_url(re.compile(r"#/purchases\?search=macbook$"))
    wait_for_products(page, "#purchase-table", ["MacBook Air", "MacBook Pro"])

    page.select_option("#f-status", "ORDERED")
    page.wait_for_url(re.compile(r"search=macbook&status=ORDERED$"))
    wait_for_products(page, "#purchase-table", ["MacBook Pro"])

    page.select_option("#f-status", "")
    page.select_option("#f-retailer", label="Corner Shop")
    page.wait_for_url(re.compile(rf"search=macbook&retailer_id={shop.pk}$"))
    wait_for_products(page, "#purchase-table", ["MacBook Air"])

    page.reload()
    wait_for_products(page, "#purchase-table", ["MacBook Air"])
    assert page.input_value("#f-search") == "macbook"
    page.wait_for_function(f"() => document.querySelector('#f-retailer').value === '{shop.pk}'")

    page.go_back()  # each filter change is a history entry: Back restores the previous view
    page.wait_for_url(re.compile(r"search=macbook$"))
    wait_for_products(page, "#purchase-table", ["MacBook Air", "MacBook Pro"])
    assert page.input_value("#f-retailer") == ""


def test_upload_a_receipt_by_picking_and_by_dropping_then_download_it(app_page, tmp_path):
    PurchaseFactory(owner=app_page.user, product_name="Laptop")
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.7\n% a receipt\n%%EOF\n")
    page = app_page
    page.goto(f"{page.base_url}/#/purchases")
    page.click("button[aria-label='Files of Laptop']")
    page.get_by_text("No files yet.").wait_for()

    page.set_input_files("#file-input", str(receipt))
    item = page.locator("#file-list li", has_text="receipt.pdf")
    item.wait_for()
    assert "Receipt" in item.inner_text()

    with page.expect_download() as download_info:
        page.click("a[aria-label='Download receipt.pdf']")
    target = tmp_path / "downloaded.pdf"
    download_info.value.save_as(target)
    assert target.read_bytes() == receipt.read_bytes()

    # Drag and drop: a drop event carrying a file, as the browser sends it.
    page.select_option("#file-kind", "MANUAL")
    drop_file(page, "#dropzone", "manual.txt", "Read me first.", "text/plain")
    page.locator("#file-list li", has_text="manual.txt").wait_for()

    # A refused type is shown, never dropped silently.
    drop_file(page, "#dropzone", "page.html", "<html><script>alert(1)</script></html>", "text/html")
    page.locator("#files-error", has_text="page.html").wait_for()

    page.click("#files-dialog .dialog-actions button")
    page.locator("#purchase-table button", has_text="Files (2)").wait_for()
    assert Purchase.objects.get().attachments.count() == 2


def test_import_a_csv_with_a_dry_run_first_then_for_real(app_page, tmp_path):
    page = app_page
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "product_name,price,purchase_date,colour\nToaster,25.00,2025-02-01,red\nBlender,-3,2025-02-02,blue\n"
    )
    good = tmp_path / "good.csv"
    good.write_text("product_name,price,purchase_date\nToaster,25.00,2025-02-01\nBlender,40.00,2025-02-02\n")
    page.goto(f"{page.base_url}/#/transfer")

    page.set_input_files("#import-file", str(bad))
    page.click("#import-check")
    report = page.locator("#import-report")
    report.wait_for()
    table = page.inner_text("#report-table")
    # The spreadsheet's line (the header is line 1) and the field's label, not "Row 2" and "price".
    assert re.search(r"Line 3\s+Error\s+Price\s+Ensure this value is greater than or equal to 0", table)
    assert "colour" in table  # the unknown column is a warning
    assert page.is_disabled("#import-run")

    page.set_input_files("#import-file", str(good))
    page.click("#import-check")
    page.locator("#report-title", has_text="Dry run").wait_for()
    assert page.inner_text("#report-created") == "2"
    assert not Purchase.objects.exists()  # a dry run writes nothing

    page.click("#import-run")
    page.locator("#report-title", has_text="Import report").wait_for()
    assert page.inner_text("#report-created") == "2"
    assert sorted(Purchase.objects.values_list("product_name", flat=True)) == ["Blender", "Toaster"]

    page.click("#import-check")  # the same file again: both rows are skipped, each with its reason
    page.locator("#report-table", has_text="Duplicate of").first.wait_for()
    toaster = Purchase.objects.get(product_name="Toaster")
    assert re.search(rf"Line 2\s+Skipped\s+—\s+Duplicate of {toaster.pk}", page.inner_text("#report-table"))

    with page.expect_download() as download_info:
        page.click("#export-csv")
    target = tmp_path / "export.csv"
    download_info.value.save_as(target)
    assert "Toaster" in target.read_text(encoding="utf-8-sig")


def test_warranties_screen_shows_status_and_days_and_filters_expiring(app_page):
    user = app_page.user
    today = datetime.date.today()
    soon = PurchaseFactory(owner=user, product_name="Phone")
    WarrantyFactory(purchase=soon, warranty_start=today, warranty_end=today + datetime.timedelta(days=12))
    later = PurchaseFactory(owner=user, product_name="Fridge")
    WarrantyFactory(purchase=later, warranty_start=today, warranty_end=today + datetime.timedelta(days=400))
    old = PurchaseFactory(owner=user, product_name="Radio")
    WarrantyFactory(purchase=old, warranty_start=datetime.date(2020, 1, 1), warranty_end=datetime.date(2021, 1, 1))
    page = app_page
    page.goto(f"{page.base_url}/#/warranties")
    wait_for_products(page, "#warranty-table", ["Phone", "Fridge", "Radio"])
    phone = page.locator("#warranty-table tbody tr", has_text="Phone").inner_text()
    assert "Active" in phone and "12 days" in phone
    assert "Expired" in page.locator("#warranty-table tbody tr", has_text="Radio").inner_text()

    page.check("#wf-expiring")
    page.wait_for_url(re.compile(r"expiring=30"))
    wait_for_products(page, "#warranty-table", ["Phone"])


def test_a_superuser_makes_a_backup_and_sees_it_listed(page, transactional_db):
    sign_in(page, UserFactory(is_staff=True, is_superuser=True))
    PurchaseFactory()
    page.goto(f"{page.base_url}/#/backups")
    page.get_by_text("No backups yet").wait_for()
    page.click("#backup-full")
    page.locator("#backup-table", has_text="succeeded").wait_for()
    assert page.locator("#backup-table a", has_text="Download").count() == 1


def test_backups_are_hidden_from_other_users(app_page):
    page = app_page
    page.goto(f"{page.base_url}/#/backups")
    page.get_by_text("Backups are managed by superusers.").wait_for()
    assert not page.locator("nav a[href='#/backups']").is_visible()


def test_purchases_screen_fits_a_phone_without_horizontal_scrolling(app_page):
    for n in range(3):
        PurchaseFactory(
            owner=app_page.user,
            product_name=f"A rather long product name number {n} for a small screen",
            notes="Bought in the sale, with the extended warranty offer and a spare charger",
            retailer=RetailerFactory(),
            brand=BrandFactory(),
        )
    page = app_page
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{page.base_url}/#/purchases")
    page.wait_for_function("() => document.querySelectorAll('#purchase-table tbody tr').length === 3")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("#add-purchase")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = page.locator("#purchase-dialog").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
