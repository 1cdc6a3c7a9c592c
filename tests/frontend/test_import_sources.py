"""The Import screen's "From another app" (#26) in Chromium: the guide of the chosen app, and a Homebox export checked
and imported with `source=homebox`."""

import pytest
from playwright.sync_api import expect

from purchases.models import Purchase
from tests.transfer.test_sources import HOMEBOX_HEADER, HOMEBOX_ROWS, csv_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_homebox_export_is_checked_then_imported_from_another_app(app_page, tmp_path):
    page = app_page
    export = tmp_path / "homebox-items_2025-01-01_10-00-00.csv"
    export.write_text(csv_of(HOMEBOX_HEADER, HOMEBOX_ROWS), encoding="utf-8")
    page.goto(f"{page.base_url}/#/transfer")
    expect(page.locator("#import-other")).to_be_hidden()

    page.check("#import-origin-other")
    expect(page.locator("#guide-warracker")).to_contain_text("Export")
    page.select_option("#import-source", "homebox")
    expect(page.locator("#guide-homebox")).to_contain_text("Export Inventory")
    expect(page.locator("#guide-warracker")).to_be_hidden()

    page.set_input_files("#import-file", str(export))
    page.click("#import-check")
    page.locator("#report-title", has_text="Dry run").wait_for()
    assert page.inner_text("#report-created") == "2"
    assert "HB.location" in page.inner_text("#report-table")  # an unmapped column, named
    assert not Purchase.objects.exists()

    page.click("#import-run")
    page.locator("#report-title", has_text="Import report").wait_for()
    assert sorted(Purchase.objects.values_list("product_name", flat=True)) == ["Drill", "Sofa"]
