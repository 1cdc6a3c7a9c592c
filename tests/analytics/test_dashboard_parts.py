"""The dashboard's lean path (analytics.dashboard, analytics.api.lean; issue #24) against DRF's generic rendering and
against the single endpoints: the same bytes, part for part."""

import datetime
import decimal
import json
from decimal import Decimal

import pytest
import time_machine
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from analytics import dashboard, selectors
from analytics.api.serializers import DashboardSerializer, ReturnClosingSerializer
from purchases.api.serializers import PurchaseSerializer
from purchases.choices import PurchaseStatus
from tests.analytics.conftest import UTC, D, buy, warranty
from tests.factories import BrandFactory, RetailerFactory, WarrantyFactory, household_of
from warranties.api.serializers import WarrantyReadSerializer

TODAY = D(2025, 3, 10)
CURRENCIES = ("USD", "EUR", "HOME", "JPY")


@pytest.fixture
def history(owner):
    """Several currencies (EUR and GBP with a rate, VND without), retailers, brands, statuses, coverages with costs
    and claims' counts, warranties ending soon, return windows closing."""
    shops, makers = (
        [RetailerFactory(name=f"Shop {i}") for i in range(3)],
        [BrandFactory(name=f"B{i}") for i in range(2)],
    )
    currencies = ("USD", "EUR", "GBP", "VND")
    for index in range(36):
        day = D(2024, 1 + index % 12, 1 + index % 27)
        status = (PurchaseStatus.RECEIVED, PurchaseStatus.ORDERED, PurchaseStatus.RETURNED)[index % 3]
        purchase = buy(
            owner,
            day,
            f"{index * 7 % 50 + 1}.{index % 100:02d}",
            currencies[index % 4],
            name=f" Thing {index % 5} " if index % 2 else f"thing {index % 5}",
            status=status,
            retailer=shops[index % 3] if index % 4 else None,
            brand=makers[index % 2] if index % 5 else None,
            **({"returned_on": day} if status == PurchaseStatus.RETURNED else {}),
            **({"return_by": TODAY + datetime.timedelta(days=index % 20)} if status != PurchaseStatus.RETURNED else {}),
        )
        if index % 3 == 0:
            WarrantyFactory(purchase=purchase, cost=Decimal("3.50") if index % 2 else None)
    for index in range(4):
        warranty(owner, D(2024, 6, 1), TODAY + datetime.timedelta(days=5 * index))
    return owner


def _json(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.mark.parametrize("currency", CURRENCIES)
def test_the_lean_dashboard_renders_what_drf_rendered(history, currency):
    household_id = household_of(history)
    with time_machine.travel(datetime.datetime(2025, 3, 10, 8, 30, tzinfo=UTC), tick=False):
        lean = DashboardSerializer(dashboard.dashboard(household_id=household_id, currency=currency)).data
        # The generic path: DRF's field walk over the selectors' querysets and model instances, as before #24's
        # second round.
        parts = dashboard.dashboard(household_id=household_id, currency=currency)
        parts["recent_purchases"] = selectors.recent_purchases(household_id=household_id)
        parts["recent_warranties"] = selectors.recent_warranties(household_id=household_id)
        parts["expiring_warranties"] = selectors.expiring_warranties(household_id=household_id)
        generic = serializers.Serializer.to_representation(DashboardSerializer(), parts)
    assert _json(lean) == _json(generic)
    assert lean["recent_purchases"] and lean["expiring_warranties"] and lean["returns_closing"]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_the_dashboard_agrees_with_the_single_endpoints(owner_client, history, currency):
    with time_machine.travel(datetime.datetime(2025, 3, 10, 8, 30, tzinfo=UTC), tick=False):
        body = owner_client.get("/api/analytics/dashboard", {"currency": currency}).json()

        def get(path, **params):
            return owner_client.get(f"/api/analytics/{path}", params).json()

        money = {"currency": currency}
        assert body["spending"] == get("spending", **money)
        assert body["summary"] == get("summary", **money)
        assert body["warranty_timeline"] == get("warranties/timeline")
        assert body["warranty_summary"] == get("warranties/summary")
        assert body["retailers"] == get("retailers", **money)
        assert body["brands"] == get("brands", **money)
        assert body["top_products"] == get("top-products", **money)
        assert body["recent_purchases"] == get("recent-purchases")
        assert body["recent_warranties"] == get("recent-warranties")
        household_id = household_of(history)
        expiring = selectors.expiring_warranties(household_id=household_id)
        assert body["expiring_warranties"] == _plain(WarrantyReadSerializer(expiring, many=True).data)
        recent = selectors.recent_purchases(household_id=household_id)
        assert body["recent_purchases"] == _plain(PurchaseSerializer(recent, many=True).data)
        closing = selectors.returns_closing(household_id=household_id)
        assert body["returns_closing"] == _plain(ReturnClosingSerializer(closing, many=True).data)


def _plain(data):
    return json.loads(_json(data))


@pytest.mark.parametrize("relation", ["retailer", "brand"])
def test_a_distribution_looks_each_name_up_once_per_group(history, relation):
    """The catalog name is not part of the GROUP BY (where the database would look it up once per summary row)."""
    rows = selectors.distribution_rows(household_of(history), "USD", relation)
    sql = str(rows.query)
    group_by = sql[sql.index("GROUP BY") : sql.index("HAVING")]
    assert "catalog_" not in group_by and "catalog_" in sql[: sql.index("GROUP BY")]


@pytest.mark.parametrize(
    "value",
    [Decimal("0"), Decimal("1E+2"), Decimal("0.005"), Decimal("0.015"), Decimal("-1.235"), Decimal("123456789.125"), 5],
)
def test_the_lean_decimal_writer_writes_what_drf_writes(value):
    from analytics.api import lean
    from analytics.api.serializers import AmountField
    from spends.fields import MoneyField

    def outcome(write):
        try:
            return write(value)
        except decimal.InvalidOperation as error:  # more digits than max_digits: both refuse alike
            return type(error)

    for field in (AmountField(), MoneyField(), AmountField(max_digits=None)):
        assert outcome(lean._writer(field)) == outcome(field.to_representation)
