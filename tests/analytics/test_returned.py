"""A RETURNED purchase is in no money total, spending series or top list, and counts in `by_status` (API.md
§ Version 2, return windows). Every analytics endpoint is read before and after one is added."""

import copy
import datetime

import pytest
import time_machine

from purchases.choices import PurchaseStatus
from tests.analytics.conftest import ENDPOINTS, UTC, D, buy
from tests.factories import BrandFactory, RetailerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 6, 15, 12, tzinfo=UTC), tick=False):
        yield


def _everything(client) -> dict:
    answers = {}
    for endpoint in ENDPOINTS:
        response = client.get(f"/api/analytics/{endpoint}", {"currency": "USD"})
        assert response.status_code == 200, (endpoint, response.content)
        answers[endpoint] = response.json()
    return answers


def test_a_returned_purchase_leaves_every_total_and_counts_in_by_status(owner_client, owner):
    shop, maker = RetailerFactory(name="Shop"), BrandFactory(name="Maker")
    kept = buy(owner, D(2025, 6, 2), "40.00", name="Boots", retailer=shop, brand=maker)
    buy(owner, D(2025, 3, 2), "10.00", name="Socks", retailer=shop)
    before = _everything(owner_client)
    assert before["summary"]["total_spent"] == "50.00"

    returned = buy(
        owner,
        D(2025, 6, 10),
        "500.00",
        name="Boots",
        retailer=shop,
        brand=maker,
        status=PurchaseStatus.RETURNED,
        returned_on=D(2025, 6, 12),
        return_by=D(2025, 7, 10),
    )
    after = _everything(owner_client)

    expected = copy.deepcopy(before)
    for summary in (expected["summary"], expected["dashboard"]["summary"]):
        summary["by_status"]["RETURNED"] = 1  # the only change of the summary
    # Recent purchases is a list of what happened, not a money total: the returned one is shown, with its status.
    recent = after["recent-purchases"]
    assert [(item["id"], item["status"]) for item in recent[:2]] == [
        (str(returned.pk), "RETURNED"),
        (str(kept.pk), "RECEIVED"),
    ]
    assert after["dashboard"]["recent_purchases"] == recent
    expected["recent-purchases"] = expected["dashboard"]["recent_purchases"] = recent
    assert after == expected
    # The unchanged answers are the real ones, not empty ones.
    assert after["summary"]["item_count"] == 2
    assert after["summary"]["max_price"] == "40.00"
    assert after["spending"][-1] == {
        "month": "2025-06",
        "total_amount": "40.00",
        "item_count": 1,
        "unconverted_count": 0,
    }
    assert after["spending/by-period"]["total_amount"] == "50.00"
    assert [(row["retailer_name"], row["count"], row["total_spent"]) for row in after["retailers"]] == [
        ("Shop", 2, "50.00")
    ]
    assert [(row["brand_name"], row["count"]) for row in after["brands"]] == [("Maker", 1), ("Unknown", 1)]
    assert [(row["product_name"], row["count"], row["total_spent"]) for row in after["top-products"]] == [
        ("Boots", 1, "40.00"),
        ("Socks", 1, "10.00"),
    ]


def test_only_returned_purchases_give_zero_totals(owner_client, owner):
    buy(owner, D(2025, 6, 1), "99.00", status=PurchaseStatus.RETURNED, returned_on=D(2025, 6, 2))
    summary = owner_client.get("/api/analytics/summary").json()
    assert summary["total_spent"] == "0.00"
    assert summary["item_count"] == 0
    assert summary["average_price"] is None
    assert summary["min_price"] is None
    assert summary["first_purchase_date"] is None
    assert summary["this_month_spent"] == "0.00"
    assert summary["by_status"] == {"ORDERED": 0, "RECEIVED": 0, "RETURNED": 1}
    assert summary["currencies"] == ["USD"]
    assert owner_client.get("/api/analytics/top-products").json() == []
    assert owner_client.get("/api/analytics/retailers").json() == []
