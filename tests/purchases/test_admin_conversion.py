"""The purchase admin and the conversion (#22): the home price in the changelist, the rate and its source read-only on
the change page, and an edit there converts like every other write."""

import datetime
from decimal import Decimal

import pytest

from purchases.choices import RateSource
from purchases.models import Purchase
from tests.factories import PurchaseFactory, UserFactory, household_of

pytestmark = pytest.mark.usefixtures("shipped_rates")


@pytest.fixture
def root(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _form(purchase: Purchase, **changes) -> dict:
    form = {
        "household": str(purchase.household_id),
        "created_by": "",
        "product_name": purchase.product_name,
        "price": str(purchase.price),
        "currency_code": purchase.currency_code,
        "status": purchase.status,
        "purchase_date": purchase.purchase_date.isoformat(),
        "notes": "",
    }
    for prefix in ("warranties", "attachments"):
        form |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return form | changes


def _euro_purchase(user, price: str, rate: str, source: str, home: str) -> Purchase:
    return PurchaseFactory(
        owner=user,
        price=Decimal(price),
        currency_code="EUR",
        purchase_date=datetime.date(2024, 3, 15),
        exchange_rate=Decimal(rate),
        rate_source=source,
        home_price=Decimal(home),
    )


def test_the_changelist_shows_the_home_price_and_the_change_page_the_rate_read_only(client, root):
    purchase = _euro_purchase(root, "100.00", "1.0892", RateSource.ECB, "108.92")
    changelist = client.get("/admin/purchases/purchase/").content.decode()
    assert "column-home_price" in changelist and "108.92" in changelist
    page = client.get(f"/admin/purchases/purchase/{purchase.pk}/change/").content.decode()
    assert "1.0892" in page
    assert "ECB reference rate" in page
    for field in ("exchange_rate", "rate_source", "home_price"):
        assert f'name="{field}"' not in page  # shown, not editable


def test_an_edit_in_the_admin_converts_and_keeps_a_manual_rate_unless_the_currency_changes(client, root):
    purchase = _euro_purchase(root, "10.00", "1.5", RateSource.MANUAL, "15.00")
    url = f"/admin/purchases/purchase/{purchase.pk}/change/"
    response = client.post(url, _form(purchase, price="20.00"))
    assert response.status_code == 302, response.content.decode()[-3000:]
    purchase.refresh_from_db()
    assert (purchase.exchange_rate, purchase.rate_source, purchase.home_price) == (
        Decimal("1.5"),
        RateSource.MANUAL,
        Decimal("30.00"),
    )
    response = client.post(url, _form(purchase, currency_code="GBP"))
    assert response.status_code == 302
    purchase.refresh_from_db()
    gbp_in_usd = Decimal("1.275260508")  # 1.0892 / 0.8541, 10 significant digits
    assert (purchase.exchange_rate, purchase.rate_source, purchase.home_price) == (
        gbp_in_usd,
        RateSource.ECB,
        Decimal("25.51"),
    )
    assert household_of(root) == purchase.household_id
