"""/api/analytics/*: contract shapes, parameters, authentication, isolation, caching and query counts."""

import datetime

import pytest
import time_machine

from purchases import summaries
from purchases.models import Purchase
from spends import data_versions
from tests.analytics.conftest import ENDPOINTS, UTC, D, buy, warranty
from tests.factories import RetailerFactory, WarrantyFactory, household_of

pytestmark = pytest.mark.django_db


def at(*args):
    """Pin "today" (UTC) for a whole test."""
    return time_machine.travel(datetime.datetime(*args, tzinfo=UTC), tick=False)


@pytest.fixture
def leap_today():
    with at(2024, 3, 15, 12, 0):
        yield


@pytest.fixture
def timeline_today():
    with at(2025, 3, 10, 8, 30):
        yield


# --- authentication, paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_gets_401_in_contract_shape(anon_client, endpoint):
    response = anon_client.get(f"/api/analytics/{endpoint}")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["detail"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("slash", ["", "/"])
def test_every_endpoint_answers_with_and_without_trailing_slash(owner_client, endpoint, slash):
    response = owner_client.get(f"/api/analytics/{endpoint}{slash}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"


def test_unknown_analytics_path_is_a_json_404(owner_client):
    response = owner_client.get("/api/analytics/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_post_is_not_allowed(owner_client):
    response = owner_client.post("/api/analytics/summary", {})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- parameters -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("spending?months=0", "months"),
        ("spending?months=121", "months"),
        ("spending?months=abc", "months"),
        ("spending?months=-3", "months"),
        ("spending?currency=XYZ", "currency"),
        ("spending?currency=US", "currency"),
        ("warranties/timeline?months=0", "months"),
        ("warranties/timeline?months=121", "months"),
        ("summary?currency=dollars", "currency"),
        ("retailers?currency=ZZZ", "currency"),
        ("brands?currency=12", "currency"),
        ("dashboard?currency=ABC", "currency"),
        ("top-products?limit=0", "limit"),
        ("top-products?limit=101", "limit"),
        ("top-products?limit=ten", "limit"),
        ("top-products?currency=QQQ", "currency"),
        ("recent-purchases?limit=0", "limit"),
        ("recent-purchases?limit=101", "limit"),
        ("recent-warranties?limit=-1", "limit"),
        ("recent-warranties?limit=1000", "limit"),
        ("spending/by-period?group_by=year", "group_by"),
        ("spending/by-period?start=2025-02-30", "start"),
        ("spending/by-period?end=yesterday", "end"),
        ("spending/by-period?currency=EURO", "currency"),
        ("spending/by-period?start=2025-03-01&end=2025-02-28", "non_field_errors"),
        ("spending/by-period?start=2015-01-01&end=2025-01-09", "non_field_errors"),  # 3661 days apart
    ],
)
def test_bad_parameters_are_400_on_the_field(owner_client, query, field):
    response = owner_client.get(f"/api/analytics/{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(
    "query",
    [
        "spending?months=1",
        "spending?months=120",
        "warranties/timeline?months=120",
        "top-products?limit=1",
        "top-products?limit=100",
        "recent-purchases?limit=100",
        "recent-warranties?limit=1",
        "spending/by-period?start=2015-01-01&end=2025-01-08&group_by=day",  # 3660 days apart: the maximum
        "spending/by-period?start=2025-01-06&end=2025-01-06&group_by=week",
    ],
)
def test_boundary_parameters_are_accepted(owner_client, query):
    assert owner_client.get(f"/api/analytics/{query}").status_code == 200


def test_by_period_start_after_today_without_end_is_400(owner_client, leap_today):
    response = owner_client.get("/api/analytics/spending/by-period?start=2024-03-16")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]


# --- shapes and values ----------------------------------------------------------------------------------------


def test_spending_renders_money_as_strings(owner_client, spending_data, leap_today):
    response = owner_client.get("/api/analytics/spending?months=3")
    assert response.status_code == 200
    assert response.json() == [
        {"month": "2024-01", "total_amount": "9.99", "item_count": 1, "unconverted_count": 0},
        {"month": "2024-02", "total_amount": "120.50", "item_count": 2, "unconverted_count": 0},
        {"month": "2024-03", "total_amount": "6.01", "item_count": 2, "unconverted_count": 0},
    ]


def test_by_period_defaults_to_this_year_by_month(owner_client, spending_data, leap_today):
    response = owner_client.get("/api/analytics/spending/by-period")
    assert response.json() == {
        "start": "2024-01-01",
        "end": "2024-03-15",
        "currency": "USD",
        "home_currency": "USD",
        "group_by": "month",
        "total_amount": "135.50",  # 9.99 + 20.50 + 100.00 + 5.01 (03-31 is after the end)
        "item_count": 4,
        "unconverted_count": 0,
        "series": [
            {"period": "2024-01", "total_amount": "9.99", "item_count": 1, "unconverted_count": 0},
            {"period": "2024-02", "total_amount": "120.50", "item_count": 2, "unconverted_count": 0},
            {"period": "2024-03", "total_amount": "5.01", "item_count": 1, "unconverted_count": 0},
        ],
    }


def test_by_period_weeks_in_eur(owner_client, spending_data, leap_today):
    response = owner_client.get(
        "/api/analytics/spending/by-period?start=2024-02-26&end=2024-03-04&group_by=week&currency=eur"
    )
    assert response.json() == {
        "start": "2024-02-26",
        "end": "2024-03-04",
        "currency": "EUR",
        "home_currency": "USD",
        "group_by": "week",
        "total_amount": "999.00",
        "item_count": 1,
        "unconverted_count": 0,
        "series": [
            {"period": "2024-W09", "total_amount": "999.00", "item_count": 1, "unconverted_count": 0},
            {"period": "2024-W10", "total_amount": "0.00", "item_count": 0, "unconverted_count": 0},
        ],
    }


def test_summary_currency_is_case_insensitive(owner_client, spending_data, leap_today):
    body = owner_client.get("/api/analytics/summary?currency=eur").json()
    assert body == {
        "currency": "EUR",
        "home_currency": "USD",
        "total_spent": "999.00",
        "item_count": 1,
        "unconverted_count": 0,
        "average_price": "999.00",
        "min_price": "999.00",
        "max_price": "999.00",
        "first_purchase_date": "2024-02-29",
        "last_purchase_date": "2024-02-29",
        "this_month_spent": "0.00",
        "by_status": {"ORDERED": 0, "RECEIVED": 1, "RETURNED": 0},
        "currencies": ["EUR", "USD"],
        "warranty_cost_total": "0.00",
    }


def test_another_users_data_is_never_counted(other_client, spending_data, warranty_data, leap_today):
    body = other_client.get("/api/analytics/summary").json()
    assert body["total_spent"] == "501.00"  # the other user's own USD purchases: 500.00 + 1.00 (its warranty's)
    assert body["currencies"] == ["GBP", "USD"]
    assert other_client.get("/api/analytics/warranties/summary").json()["total"] == 1


def test_empty_account_dashboard_has_zeros_and_nulls(owner_client, timeline_today):
    body = owner_client.get("/api/analytics/dashboard").json()
    assert set(body) == {
        "spending",
        "summary",
        "warranty_timeline",
        "warranty_summary",
        "retailers",
        "brands",
        "top_products",
        "recent_purchases",
        "recent_warranties",
        "expiring_warranties",
        "returns_closing",
    }
    assert len(body["spending"]) == 12
    assert body["spending"][-1] == {"month": "2025-03", "total_amount": "0.00", "item_count": 0, "unconverted_count": 0}
    assert body["spending"][0]["month"] == "2024-04"
    assert body["summary"] == {
        "currency": "USD",
        "home_currency": "USD",
        "total_spent": "0.00",
        "item_count": 0,
        "unconverted_count": 0,
        "average_price": None,
        "min_price": None,
        "max_price": None,
        "first_purchase_date": None,
        "last_purchase_date": None,
        "this_month_spent": "0.00",
        "by_status": {"ORDERED": 0, "RECEIVED": 0, "RETURNED": 0},
        "currencies": [],
        "warranty_cost_total": "0.00",
    }
    assert len(body["warranty_timeline"]) == 12
    assert body["warranty_timeline"][-1] == {"month": "2025-03", "active": 0, "expired": 0, "expiring_soon": 0}
    assert body["warranty_summary"] == {"total": 0, "active": 0, "expired": 0, "voided": 0, "expiring_soon": 0}
    assert body["retailers"] == body["brands"] == body["top_products"] == []
    assert body["recent_purchases"] == body["recent_warranties"] == body["expiring_warranties"] == []
    assert body["returns_closing"] == []


def test_dashboard_holds_every_part_at_its_defaults(owner_client, warranty_data, catalog_data, timeline_today):
    # The household has purchases in several currencies: without `currency` the dashboard would be HOME
    # (tests/analytics/test_home_currency.py); USD is the one these figures are in.
    body = owner_client.get("/api/analytics/dashboard?currency=USD").json()
    assert body["warranty_summary"] == {"total": 8, "active": 4, "expired": 3, "voided": 1, "expiring_soon": 2}
    assert body["warranty_timeline"][-3:] == [
        {"month": "2025-01", "active": 6, "expired": 1, "expiring_soon": 2},
        {"month": "2025-02", "active": 5, "expired": 1, "expiring_soon": 1},
        {"month": "2025-03", "active": 4, "expired": 1, "expiring_soon": 2},
    ]
    # USD: 7 catalog purchases (75.50) on 2025-01-10 and 8 warranty purchases at 1.00 each.
    assert body["summary"]["total_spent"] == "83.50"
    assert body["summary"]["item_count"] == 15
    assert body["spending"][-3:] == [
        {
            "month": "2025-01",
            "total_amount": "79.50",
            "item_count": 11,
            "unconverted_count": 0,
        },  # catalog 75.50 + w2 w6 w8 w9
        {"month": "2025-02", "total_amount": "1.00", "item_count": 1, "unconverted_count": 0},  # w3
        {"month": "2025-03", "total_amount": "0.00", "item_count": 0, "unconverted_count": 0},
    ]
    assert body["retailers"][0]["retailer_name"] == "Unknown"  # 2 + 8 warranty purchases without a retailer
    assert body["retailers"][0]["count"] == 10
    assert len(body["recent_purchases"]) == 10
    assert len(body["recent_warranties"]) == 8
    # expiring_soon (2) of the summary, listed soonest first
    expiring = body["expiring_warranties"]
    assert len(expiring) == 2 and all(w["status"] == "ACTIVE" for w in expiring)
    assert expiring[0]["warranty_end"] <= expiring[1]["warranty_end"]
    assert body["top_products"][0] == {
        "product_name": "Covered",
        "count": 8,
        "total_spent": "8.00",
        "avg_price": "1.00",
        "unconverted_count": 0,
    }


def test_percentages_add_up_to_100_in_json(owner_client):
    shops = [RetailerFactory(name=f"Shop {index:02d}") for index in range(6)]
    for index in range(13):
        buy(owner_client.user, D(2025, 1, 1), "1.00", retailer=shops[index % 6])
    rows = owner_client.get("/api/analytics/retailers").json()
    assert [row["count"] for row in rows] == [3, 2, 2, 2, 2, 2]
    assert sum(row["percentage"] for row in rows) == pytest.approx(100, abs=0.05)
    assert rows[0]["percentage"] == 23.08  # 3/13 = 23.0769...


def test_recent_lists_use_the_purchase_and_warranty_objects(owner_client, timeline_today):
    item = warranty(owner_client.user, D(2025, 3, 1), D(2025, 3, 31))
    purchase_json = owner_client.get(f"/api/purchases/{item.purchase_id}").json()
    warranty_json = owner_client.get(f"/api/warranties/{item.pk}").json()

    assert owner_client.get("/api/analytics/recent-purchases").json() == [purchase_json]
    assert owner_client.get("/api/analytics/recent-warranties").json() == [warranty_json]
    assert warranty_json["days_remaining"] == 21


# --- caching --------------------------------------------------------------------------------------------------


def test_cache_is_used_and_a_data_version_bump_invalidates_it(owner_client, spending_data, leap_today):
    assert owner_client.get("/api/analytics/summary").json()["total_spent"] == "193.50"
    # A write that bumps no data version (no service wrote it) leaves the cached answer in place...
    Purchase.objects.filter(household__memberships__user=owner_client.user, price="100.00").update(price="200.00")
    summaries.recompute([household_of(owner_client.user)])  # as a bulk write does (#24 summaries); still no bump
    assert owner_client.get("/api/analytics/summary").json()["total_spent"] == "193.50"
    # ...until the owner's data version is bumped, as every write service does in the write's transaction.
    data_versions.bump(data_versions.household_scope(household_of(owner_client.user)))
    assert owner_client.get("/api/analytics/summary").json()["total_spent"] == "293.50"


def test_cache_invalidated_after_purchase_create_update_delete(owner_client, leap_today):
    def summary():
        body = owner_client.get("/api/analytics/summary").json()
        return body["total_spent"], body["item_count"]

    def top():
        return owner_client.get("/api/analytics/top-products").json()

    assert summary() == ("0.00", 0)
    assert top() == []

    created = owner_client.post(
        "/api/purchases", {"product_name": "Lamp", "price": "25.00", "purchase_date": "2024-03-02"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert summary() == ("25.00", 1)
    assert top()[0]["product_name"] == "Lamp"

    updated = owner_client.patch(
        f"/api/purchases/{created.json()['id']}", {"price": "30.50", "product_name": "Desk lamp"}
    )
    assert updated.status_code == 200, updated.content
    assert summary() == ("30.50", 1)
    assert top()[0]["product_name"] == "Desk lamp"

    assert owner_client.delete(f"/api/purchases/{created.json()['id']}").status_code == 204
    assert summary() == ("0.00", 0)
    assert top() == []


def test_cache_invalidated_after_warranty_create_void_delete(owner_client, timeline_today):
    def counts():
        return owner_client.get("/api/analytics/warranties/summary").json()

    purchase = buy(owner_client.user, D(2025, 3, 1), "10.00")
    assert counts()["total"] == 0

    created = owner_client.post(
        "/api/warranties",
        {"purchase_id": str(purchase.pk), "warranty_start": "2025-03-01", "warranty_end": "2025-03-20"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert counts() == {"total": 1, "active": 1, "expired": 0, "voided": 0, "expiring_soon": 1}

    voided = owner_client.patch(f"/api/warranties/{created.json()['id']}", {"status": "VOIDED"}, format="json")
    assert voided.status_code == 200, voided.content
    assert counts() == {"total": 1, "active": 0, "expired": 0, "voided": 1, "expiring_soon": 0}

    assert owner_client.delete(f"/api/warranties/{created.json()['id']}").status_code == 204
    assert counts()["total"] == 0


def test_cache_invalidated_when_a_purchase_deletes_its_warranty(owner_client, timeline_today):
    item = warranty(owner_client.user, D(2025, 1, 1), D(2025, 12, 31))
    assert owner_client.get("/api/analytics/recent-warranties").json()[0]["id"] == str(item.pk)
    assert owner_client.delete(f"/api/purchases/{item.purchase_id}").status_code == 204
    assert owner_client.get("/api/analytics/recent-warranties").json() == []


def test_nested_warranty_written_with_the_purchase_invalidates(owner_client, timeline_today):
    assert owner_client.get("/api/analytics/warranties/summary").json()["total"] == 0
    response = owner_client.post(
        "/api/purchases",
        {
            "product_name": "Phone",
            "price": "500.00",
            "purchase_date": "2025-03-01",
            "warranty": {"warranty_start": "2025-03-01", "warranty_type": "LIFETIME"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert owner_client.get("/api/analytics/warranties/summary").json()["active"] == 1


def test_cache_is_per_user(owner_client, other_client, leap_today):
    buy(owner_client.user, D(2024, 3, 1), "12.00")
    assert owner_client.get("/api/analytics/summary").json()["total_spent"] == "12.00"
    assert other_client.get("/api/analytics/summary").json()["total_spent"] == "0.00"


def test_other_users_write_does_not_leak_into_cached_answer(owner_client, other_client, leap_today):
    assert owner_client.get("/api/analytics/summary").json()["item_count"] == 0
    created = other_client.post(
        "/api/purchases", {"product_name": "X", "price": "1.00", "purchase_date": "2024-03-01"}, format="json"
    )
    assert created.status_code == 201
    assert owner_client.get("/api/analytics/summary").json()["item_count"] == 0
    assert other_client.get("/api/analytics/summary").json()["item_count"] == 1


def test_cached_answer_does_not_survive_midnight(owner_client):
    WarrantyFactory(
        purchase=buy(owner_client.user, D(2025, 3, 1), "10.00"),
        warranty_start=D(2025, 3, 1),
        warranty_end=D(2025, 3, 10),
    )
    with at(2025, 3, 10, 23, 59, 59):
        assert owner_client.get("/api/analytics/warranties/summary").json()["active"] == 1
    with at(2025, 3, 11, 0, 0, 1):
        body = owner_client.get("/api/analytics/warranties/summary").json()
    assert (body["active"], body["expired"]) == (0, 1)


def test_month_rollover_changes_the_spending_window(owner_client):
    buy(owner_client.user, D(2025, 1, 31), "4.00")
    with at(2025, 1, 31, 23, 0):
        assert owner_client.get("/api/analytics/spending?months=1").json() == [
            {"month": "2025-01", "total_amount": "4.00", "item_count": 1, "unconverted_count": 0}
        ]
    with at(2025, 2, 1, 0, 30):
        assert owner_client.get("/api/analytics/spending?months=1").json() == [
            {"month": "2025-02", "total_amount": "0.00", "item_count": 0, "unconverted_count": 0}
        ]


def test_catalog_rename_invalidates_cached_names(owner_client, staff_client, leap_today):
    shop = RetailerFactory(name="Old Name Shop")
    buy(owner_client.user, D(2024, 3, 1), "5.00", retailer=shop)
    assert owner_client.get("/api/analytics/retailers").json()[0]["retailer_name"] == "Old Name Shop"
    renamed = staff_client.patch(f"/api/retailers/{shop.pk}", {"name": "New Name Shop"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert owner_client.get("/api/analytics/retailers").json()[0]["retailer_name"] == "New Name Shop"


# --- query counts ---------------------------------------------------------------------------------------------

# 1 token lookup + 1 the caller's household and role (the scope) + 1 data versions (the cache key) + spending 1
# + summary 2 + timeline 1 + warranty summary 1 + retailers 1 + brands 1 + top products 1 + recent purchases 1
# + recent warranties 1; #21: + the coverages' cost in the summary 1 + the recent purchases' coverages 1; #22: + the
# household's currencies, which decide the default currency (HOME with more than one) 1; #23: + the returns closing 1;
# #24: the money figures come from the purchase summaries, and the summary's min/max price and first/last date,
# which summaries cannot keep, from one query of index probes: + 1; the coverages' cost from the summary's totals
# (the MONTH rows' warranty cost): - 1. Round two of #24 (analytics.dashboard): the currencies are read once (- 1),
# the spending months with the summary's totals (- 1).
DASHBOARD_QUERIES = 17


def _add_rows(owner, count):
    shops = [RetailerFactory() for _ in range(3)]
    for index in range(count):
        purchase = buy(
            owner,
            D(2025, 1 + index % 3, 1 + index % 28),
            f"{index + 1}.25",
            retailer=shops[index % 3],
            name=f"P{index % 7}",
        )
        if index % 2:
            WarrantyFactory(purchase=purchase)


def test_dashboard_query_count_is_constant(owner_client, django_assert_num_queries, timeline_today):
    _add_rows(owner_client.user, 2)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert owner_client.get("/api/analytics/dashboard").status_code == 200

    _add_rows(owner_client.user, 40)  # the writes bump the version: the next request recomputes
    with django_assert_num_queries(DASHBOARD_QUERIES):
        body = owner_client.get("/api/analytics/dashboard").json()
    assert body["summary"]["item_count"] == 42
    assert len(body["recent_purchases"]) == 10

    with django_assert_num_queries(3):  # cached: the token lookup, the scope and the data versions (#19, #20)
        assert owner_client.get("/api/analytics/dashboard").json() == body
