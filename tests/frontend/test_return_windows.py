"""The web dashboard's return windows (#21): a return-by date set in the purchase dialog, the "Returnable" filter and
a purchase marked RETURNED."""

import datetime
import re

import pytest

from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from tests.factories import PurchaseFactory
from tests.frontend.helpers import wait_for_products

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_set_a_return_by_date_and_filter_returnable(app_page):
    page, user = app_page, app_page.user
    today = datetime.date.today()
    PurchaseFactory(owner=user, product_name="Lamp", purchase_date=today - datetime.timedelta(days=40))
    PurchaseFactory(
        owner=user,
        product_name="Sent back",
        purchase_date=today - datetime.timedelta(days=5),
        return_by=today + datetime.timedelta(days=20),
        status=PurchaseStatus.RETURNED,
        returned_on=today,
    )
    page.goto(f"{page.base_url}/#/purchases")
    wait_for_products(page, "#purchase-table", ["Lamp", "Sent back"])

    page.click("#add-purchase")
    page.fill("#p-name", "Boots")
    page.fill("#p-price", "80")
    page.fill("#p-date", today.isoformat())
    return_by = today + datetime.timedelta(days=14)
    page.fill("#p-return-by", return_by.isoformat())
    page.click("#save-purchase")
    page.locator("#purchase-dialog").wait_for(state="hidden")
    wait_for_products(page, "#purchase-table", ["Lamp", "Sent back", "Boots"])
    assert Purchase.objects.get(product_name="Boots").return_by == return_by
    assert "Return by" in page.locator("#purchase-table tbody tr", has_text="Boots").inner_text()

    page.check("#f-returnable")
    wait_for_products(page, "#purchase-table", ["Boots"])  # not the returned one, not the one without a window
    assert re.search(r"returnable=true", page.url)
    page.uncheck("#f-returnable")
    wait_for_products(page, "#purchase-table", ["Lamp", "Sent back", "Boots"])

    # Marked RETURNED in the dialog: returned today (the server's default) and no longer returnable.
    page.click("button[aria-label='Edit Boots']")
    assert page.input_value("#p-return-by") == return_by.isoformat()
    page.select_option("#p-status", "RETURNED")
    page.locator("#p-returned-on").wait_for()
    page.click("#save-purchase")
    page.locator("#purchase-dialog").wait_for(state="hidden")
    page.locator("#purchase-table tbody tr", has_text="Boots").filter(has_text="Returned").wait_for()
    boots = Purchase.objects.get(product_name="Boots")
    assert (boots.status, boots.returned_on) == (PurchaseStatus.RETURNED, today)
    page.check("#f-returnable")
    page.get_by_text("No purchases match these filters").wait_for()
