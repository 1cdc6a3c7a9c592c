"""#22: `currency=HOME` converts every money answer to the caller's home currency (API.md § Version 2 → Currencies).

The documented rounding rule: a HOME total is the exact SUM(price × exchange_rate) of the purchases with a rate,
rounded half-even to cents once, at the end; each purchase's `home_price` is the same product rounded on its own.
So a total equals the half-even rounding of the exact sum, and differs from the sum of the shown home prices by at
most half a cent per purchase.
"""

import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import selectors
from households.models import Household
from purchases import summaries
from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from spends.money_sql import HomePrice, product_cents
from tests.factories import PurchaseFactory

CENT = Decimal("0.01")
pytestmark = pytest.mark.usefixtures("shipped_rates")


def _exact_total(rows) -> Decimal:
    return sum((row.price * row.exchange_rate for row in rows if row.exchange_rate is not None), Decimal(0))


def _half_even(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


@pytest.fixture
def mixed(owner):
    """USD is home (the default). EUR and GBP convert at the ECB's rates of their days; VND has no rate."""
    day = datetime.date(2024, 3, 15)
    made = [
        PurchaseFactory(owner=owner, price=Decimal("100.00"), currency_code="USD", purchase_date=day),
        PurchaseFactory(owner=owner, price=Decimal("10.00"), currency_code="EUR", purchase_date=day),
        PurchaseFactory(owner=owner, price=Decimal("33.33"), currency_code="GBP", purchase_date=day),
        PurchaseFactory(owner=owner, price=Decimal("5000.00"), currency_code="VND", purchase_date=day),
        PurchaseFactory(
            owner=owner, price=Decimal("7.00"), currency_code="EUR", purchase_date=day, status=PurchaseStatus.RETURNED,
            returned_on=day,
        ),
    ]  # fmt: skip
    return made


def test_home_summary_sums_every_converted_purchase_and_counts_the_rest(owner_client, mixed):
    body = owner_client.get("/api/analytics/summary", {"currency": "home"}).json()
    # 100 + 10 × 1.0892 + 33.33 × (1.0892 / 0.8541 = 1.275260508) = 100 + 10.892 + 42.50443273…
    assert body["currency"] == "HOME" and body["home_currency"] == "USD"
    assert body["total_spent"] == "153.40"
    assert body["item_count"] == 3
    assert body["unconverted_count"] == 1  # VND; the RETURNED one is in no total anyway
    assert body["by_status"] == {"ORDERED": 0, "RECEIVED": 4, "RETURNED": 1}
    kept = [row for row in mixed if row.status != PurchaseStatus.RETURNED]
    assert Decimal(body["total_spent"]) == _half_even(_exact_total(kept))
    assert body["average_price"] == str(_half_even(_exact_total(kept) / 3))
    assert body["min_price"] == "10.89" and body["max_price"] == "100.00"


def test_every_money_endpoint_takes_home(owner_client, mixed):
    get = owner_client.get
    spending = get("/api/analytics/spending", {"currency": "HOME", "months": 120}).json()
    march = next(row for row in spending if row["month"] == "2024-03")
    assert march == {"month": "2024-03", "total_amount": "153.40", "item_count": 3, "unconverted_count": 1}
    period = get(
        "/api/analytics/spending/by-period", {"currency": "HOME", "start": "2024-03-01", "end": "2024-03-31"}
    ).json()
    assert (period["total_amount"], period["item_count"], period["unconverted_count"]) == ("153.40", 3, 1)
    retailers = get("/api/analytics/retailers", {"currency": "HOME"}).json()
    assert [(row["count"], row["total_spent"], row["unconverted_count"]) for row in retailers] == [(3, "153.40", 1)]
    assert sum(row["percentage"] for row in retailers) == 100
    top = get("/api/analytics/top-products", {"currency": "HOME"}).json()
    # Each product's total is rounded on its own: together they are within half a cent per row of the exact total.
    assert abs(sum(Decimal(row["total_spent"]) for row in top) - Decimal("153.40")) <= Decimal("0.005") * len(top)
    assert sum(row["unconverted_count"] for row in top) == 1


def test_a_currency_code_still_sums_that_currency_alone(owner_client, mixed):
    body = owner_client.get("/api/analytics/summary", {"currency": "EUR"}).json()
    assert (body["total_spent"], body["item_count"], body["unconverted_count"]) == ("10.00", 1, 0)


def test_the_dashboard_uses_home_with_more_than_one_currency(owner_client, owner, mixed):
    assert owner_client.get("/api/analytics/dashboard").json()["summary"]["currency"] == "HOME"


def test_the_dashboard_keeps_the_default_currency_with_one(owner_client, owner):
    PurchaseFactory(owner=owner, currency_code="USD")
    assert owner_client.get("/api/analytics/dashboard").json()["summary"]["currency"] == "USD"


def test_a_new_home_currency_changes_the_cached_answers(owner_client, mixed):
    before = owner_client.get("/api/analytics/summary", {"currency": "HOME"}).json()
    assert owner_client.patch("/api/auth/me", {"home_currency": "EUR"}, format="json").status_code == 200
    after = owner_client.get("/api/analytics/summary", {"currency": "HOME"}).json()
    assert after["home_currency"] == "EUR" and after["total_spent"] != before["total_spent"]
    # 100 / 1.0892 + 10 + 33.33 / 0.8541 = 91.81050312 + 10 + 39.02353354 (10 significant digits each)
    assert after["total_spent"] == "140.83"


def test_a_bad_currency_is_a_400(owner_client):
    response = owner_client.get("/api/analytics/summary", {"currency": "HOMEX"})
    assert response.status_code == 400 and "currency" in response.json()["errors"]


# --- properties --------------------------------------------------------------------------------------------------

PRICES = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999.99"), places=2)
CURRENCIES = st.sampled_from(["USD", "EUR", "GBP", "JPY", "CHF", "VND"])
DAYS = st.dates(min_value=datetime.date(1998, 12, 20), max_value=datetime.date(2026, 10, 30))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(PRICES, CURRENCIES, DAYS), min_size=1, max_size=12))
def test_a_home_total_is_the_rounded_exact_sum_and_near_the_shown_home_prices(owner, rows):
    Purchase.objects.all().delete()
    summaries.recompute()  # a bulk delete recomputes the summaries (#24)
    made = [PurchaseFactory(owner=owner, price=p, currency_code=c, purchase_date=d) for p, c, d in rows]
    household_id = made[0].household_id
    summary = selectors.spending_summary(household_id=household_id, currency=selectors.HOME)
    converted = [row for row in made if row.exchange_rate is not None]
    assert summary["total_spent"] == _half_even(_exact_total(made))
    assert summary["item_count"] == len(converted)
    assert summary["unconverted_count"] == len(made) - len(converted)
    shown = sum((row.home_price for row in converted), Decimal(0))
    assert abs(summary["total_spent"] - shown) <= Decimal("0.005") * len(converted)
    shares = selectors.retailer_distribution(household_id=household_id, currency=selectors.HOME)
    if converted:
        assert sum(Decimal(str(row["percentage"])) for row in shares) == 100


RATES = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("99999"), places=6).filter(lambda r: r > 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(PRICES, RATES), min_size=1, max_size=10))
def test_the_databases_home_price_equals_pythons_half_even_product(owner, pairs):
    """The bulk re-conversion's SQL (spends.money_sql.HomePrice) and a single write's Python agree on every engine."""
    Purchase.objects.all().delete()
    home = Household.objects.get(memberships__user=owner).home_currency
    made = [
        PurchaseFactory(owner=owner, price=price, currency_code="EUR" if home != "EUR" else "USD", exchange_rate=rate)
        for price, rate in pairs
    ]
    Purchase.objects.update(home_price=HomePrice(F("price"), F("exchange_rate")))
    stored = dict(Purchase.objects.values_list("pk", "home_price"))
    for row in made:
        assert stored[row.pk] == product_cents(row.price, row.exchange_rate) == row.home_price
