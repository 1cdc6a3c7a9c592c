"""The admin index shows the signed-in user's dashboard: totals, two SVG charts, expiring warranties, recent."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import time_machine

from analytics import charts
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2025, 6, 15, 12, tzinfo=datetime.UTC)


@pytest.fixture
def admin_user():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_money_is_grouped_with_two_decimals_and_the_code():
    assert charts.format_money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"


def test_spending_chart_is_valid_svg_with_one_bar_per_month_and_escaped_labels():
    series = [
        {"month": "2025-05", "total_amount": Decimal("10.00"), "item_count": 1, "unconverted_count": 0},
        {"month": "2025-06", "total_amount": Decimal("30.00"), "item_count": 2, "unconverted_count": 0},
    ]
    svg = ET.fromstring(charts.spending_bar_chart(series, "USD"))
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in svg.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    assert len(bars) == 2
    assert float(bars[1].get("height")) == pytest.approx(3 * float(bars[0].get("height")))
    assert bars[1].find(f"{ns}title").text == "2025-06: 30.00 USD (2 purchases)"
    hostile = charts.warranty_timeline_chart([{"month": "<script>", "active": 1, "expired": 0, "expiring_soon": 0}])
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


def test_empty_series_render_without_dividing_by_zero():
    ET.fromstring(
        charts.spending_bar_chart(
            [{"month": "2025-06", "total_amount": Decimal("0"), "item_count": 0, "unconverted_count": 0}], "USD"
        )
    )
    ET.fromstring(charts.warranty_timeline_chart([]))


def test_admin_index_shows_the_users_dashboard(client, admin_user):
    with time_machine.travel(TODAY, tick=False):
        mine = PurchaseFactory(
            owner=admin_user, product_name="Kettle", price=Decimal("1234.50"), purchase_date=datetime.date(2025, 6, 1)
        )
        WarrantyFactory(
            purchase=mine, warranty_start=datetime.date(2025, 6, 1), warranty_end=datetime.date(2025, 6, 30)
        )
        PurchaseFactory(product_name="Someone else's yacht", price=Decimal("99999.00"))
        client.force_login(admin_user)
        page = client.get("/admin/").content.decode()
    assert page.count("spends-chart") == 2
    assert "1,234.50 USD" in page and "in 1 purchases" in page
    assert "Someone else" not in page
    assert f"/admin/purchases/purchase/{mine.pk}/change/" in page
    assert "(15 days left)" in page


def test_admin_index_for_an_empty_account(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/").content.decode()
    assert "No purchases yet" in page and "Nothing expires in the next 30 days" in page
    assert page.count("spends-chart") == 2


def test_currency_switcher_when_the_user_has_several(client, admin_user):
    PurchaseFactory(owner=admin_user, currency_code="EUR", price=Decimal("5.00"))
    PurchaseFactory(owner=admin_user, currency_code="USD", price=Decimal("7.00"))
    client.force_login(admin_user)
    page = client.get("/admin/?currency=EUR").content.decode()
    assert "5.00 EUR" in page and 'href="?currency=USD"' in page
