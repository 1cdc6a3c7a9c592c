"""The admin as a complete browser UI, driven in Chromium (issue: the admin as a browser UI)."""

import datetime
import re
import zipfile
from decimal import Decimal

import pytest

from backups.models import Backup
from purchases.models import Purchase
from tests.factories import PurchaseFactory, WarrantyFactory

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
    admin_page.select_option("#id_owner", str(admin_page.user.pk))
    admin_page.click("#warranty-group .add-row a")  # the inline starts empty: "Add another Warranty"
    admin_page.fill("#id_warranty-0-warranty_start", "2025-03-01")
    admin_page.fill("#id_warranty-0-warranty_end", "2027-03-01")
    admin_page.click("input[name=_save]")
    admin_page.wait_for_selector(".messagelist .success")
    purchase = Purchase.objects.get(product_name="Cordless Vacuum V15")
    assert purchase.price == Decimal("649.90") and purchase.warranty.warranty_end == datetime.date(2027, 3, 1)

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
