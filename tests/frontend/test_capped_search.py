"""The purchase list of the web app with a capped search count (API.md § Pagination, #24): the range says "of N+"
while the count stopped at the cap, Next stays enabled past it, and the last page shows the whole count."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from purchases.models import Purchase
from spends.api import pagination
from tests.factories import household_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_past_the_search_cap_the_list_says_plus_and_pages_on(app_page, monkeypatch):
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 25)  # the live server runs in this process
    user = app_page.user
    Purchase.objects.bulk_create(
        [
            Purchase(
                household_id=household_of(user), created_by=user, product_name=f"Kettle {i:02}", price=Decimal("9.00"),
                currency_code="USD", status="RECEIVED", purchase_date=datetime.date(2025, 1, 1),
            )
            for i in range(45)
        ]
    )  # fmt: skip
    page = app_page
    page.goto(f"{page.base_url}/#/purchases?search=kettle")
    range_text = page.locator("#purchase-range")
    expect(range_text).to_have_text("1–20 of 25+")
    next_button = page.get_by_role("button", name="Next →")
    next_button.click()
    expect(range_text).to_have_text("21–40 of 40+")
    next_button.click()
    expect(range_text).to_have_text("41–45 of 45")
    expect(next_button).to_be_disabled()
