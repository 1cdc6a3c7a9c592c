"""Analytics selectors against hand-computed values on small fixed datasets (tests/analytics/conftest.py)."""

import datetime
from decimal import Decimal

import pytest

from analytics import selectors
from purchases import summaries
from purchases.models import Purchase
from tests.analytics.conftest import D, buy
from tests.factories import RetailerFactory, household_of
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

LEAP_TODAY = D(2024, 3, 15)
TIMELINE_TODAY = D(2025, 3, 10)


def _months(rows):
    return {row["month"]: (row["total_amount"], row["item_count"]) for row in rows}


# --- spending by month ----------------------------------------------------------------------------------------


def test_spending_by_month_zero_fills_twelve_months_with_leap_day_and_month_boundaries(owner, spending_data):
    rows = selectors.spending_by_month(household_id=household_of(owner), currency="USD", today=LEAP_TODAY)

    assert [row["month"] for row in rows] == [
        "2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09",
        "2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03",
    ]  # fmt: skip
    assert rows[0] == {"month": "2023-04", "total_amount": Decimal("7.00"), "item_count": 1, "unconverted_count": 0}
    assert rows[1] == {"month": "2023-05", "total_amount": Decimal("0.00"), "item_count": 0, "unconverted_count": 0}
    assert rows[9] == {"month": "2024-01", "total_amount": Decimal("9.99"), "item_count": 1, "unconverted_count": 0}
    assert rows[10] == {"month": "2024-02", "total_amount": Decimal("120.50"), "item_count": 2, "unconverted_count": 0}
    # March counts the purchase dated later this month (03-31) too.
    assert rows[11] == {"month": "2024-03", "total_amount": Decimal("6.01"), "item_count": 2, "unconverted_count": 0}
    assert sum(row["item_count"] for row in rows) == 6  # 2023-03-31 lies outside the window


def test_spending_by_month_one_month_and_other_currency(owner, spending_data):
    assert selectors.spending_by_month(
        household_id=household_of(owner), currency="USD", months=1, today=LEAP_TODAY
    ) == [{"month": "2024-03", "total_amount": Decimal("6.01"), "item_count": 2, "unconverted_count": 0}]
    eur = _months(
        selectors.spending_by_month(household_id=household_of(owner), currency="EUR", months=2, today=LEAP_TODAY)
    )
    assert eur == {"2024-02": (Decimal("999.00"), 1), "2024-03": (Decimal("0.00"), 0)}


def test_spending_by_month_crosses_the_year_boundary(owner):
    buy(owner, D(2024, 12, 31), "1.50")
    buy(owner, D(2025, 1, 1), "2.25")
    rows = selectors.spending_by_month(household_id=household_of(owner), currency="USD", months=3, today=D(2025, 1, 1))
    assert _months(rows) == {
        "2024-11": (Decimal("0.00"), 0),
        "2024-12": (Decimal("1.50"), 1),
        "2025-01": (Decimal("2.25"), 1),
    }


def test_spending_by_month_for_another_user_sees_only_their_own(other_user, spending_data):
    rows = selectors.spending_by_month(
        household_id=household_of(other_user), currency="USD", months=2, today=LEAP_TODAY
    )
    assert _months(rows) == {"2024-02": (Decimal("500.00"), 1), "2024-03": (Decimal("0.00"), 0)}


# --- spending by period ---------------------------------------------------------------------------------------


def test_spending_by_day_around_the_leap_day(owner, spending_data):
    result = selectors.spending_by_period(
        household_id=household_of(owner), currency="USD", start=D(2024, 2, 28), end=D(2024, 3, 1), group_by="day"
    )
    assert result["total_amount"] == Decimal("105.01")
    assert result["item_count"] == 2
    assert result["series"] == [
        {"period": "2024-02-28", "total_amount": Decimal("0.00"), "item_count": 0, "unconverted_count": 0},
        {"period": "2024-02-29", "total_amount": Decimal("100.00"), "item_count": 1, "unconverted_count": 0},
        {"period": "2024-03-01", "total_amount": Decimal("5.01"), "item_count": 1, "unconverted_count": 0},
    ]


def test_spending_by_month_range_counts_only_days_inside_the_range(owner, spending_data):
    result = selectors.spending_by_period(
        household_id=household_of(owner), currency="USD", start=D(2024, 1, 15), end=D(2024, 2, 29), group_by="month"
    )
    assert result["total_amount"] == Decimal("130.49")
    assert result["item_count"] == 3
    assert [(row["period"], row["total_amount"], row["item_count"]) for row in result["series"]] == [
        ("2024-01", Decimal("9.99"), 1),
        ("2024-02", Decimal("120.50"), 2),
    ]


def test_spending_by_iso_week_across_new_year(owner):
    buy(owner, D(2020, 12, 31), "1.00")  # Thursday of 2020-W53
    buy(owner, D(2021, 1, 3), "2.00")  # Sunday, still 2020-W53
    buy(owner, D(2021, 1, 4), "4.00")  # Monday of 2021-W01
    buy(owner, D(2021, 1, 18), "8.00")  # 2021-W03
    buy(owner, D(2021, 1, 26), "16.00")  # after the range (2021-W04, but the range ends on 01-19)
    result = selectors.spending_by_period(
        household_id=household_of(owner), currency="USD", start=D(2020, 12, 30), end=D(2021, 1, 19), group_by="week"
    )
    assert [(row["period"], row["total_amount"], row["item_count"]) for row in result["series"]] == [
        ("2020-W53", Decimal("3.00"), 2),
        ("2021-W01", Decimal("4.00"), 1),
        ("2021-W02", Decimal("0.00"), 0),
        ("2021-W03", Decimal("8.00"), 1),
    ]
    assert result["total_amount"] == Decimal("15.00")
    assert result["item_count"] == 4


def test_week_of_late_december_belongs_to_next_iso_year(owner):
    buy(owner, D(2024, 12, 30), "3.00")
    result = selectors.spending_by_period(
        household_id=household_of(owner), currency="USD", start=D(2024, 12, 30), end=D(2025, 1, 1), group_by="week"
    )
    assert result["series"] == [
        {"period": "2025-W01", "total_amount": Decimal("3.00"), "item_count": 1, "unconverted_count": 0}
    ]


def test_week_range_starting_midweek_excludes_days_before_start(owner):
    buy(owner, D(2024, 2, 26), "50.00")  # Monday of 2024-W09, before the range
    buy(owner, D(2024, 2, 29), "100.00")
    result = selectors.spending_by_period(
        household_id=household_of(owner), currency="USD", start=D(2024, 2, 28), end=D(2024, 3, 1), group_by="week"
    )
    assert result["series"] == [
        {"period": "2024-W09", "total_amount": Decimal("100.00"), "item_count": 1, "unconverted_count": 0}
    ]


# --- summary --------------------------------------------------------------------------------------------------


def test_summary_in_usd(owner, spending_data):
    assert selectors.spending_summary(household_id=household_of(owner), currency="USD", today=LEAP_TODAY) == {
        "currency": "USD",
        "home_currency": None,
        "total_spent": Decimal("193.50"),
        "item_count": 7,
        "unconverted_count": 0,
        "average_price": Decimal("27.64"),  # 193.50 / 7 = 27.642857...
        "min_price": Decimal("1.00"),
        "max_price": Decimal("100.00"),
        "first_purchase_date": D(2023, 3, 31),
        "last_purchase_date": D(2024, 3, 31),
        "this_month_spent": Decimal("6.01"),
        "by_status": {"ORDERED": 2, "RECEIVED": 5, "RETURNED": 0},
        "currencies": ["EUR", "USD"],
        "warranty_cost_total": Decimal("0.00"),
    }


def test_summary_in_eur_counts_only_eur(owner, spending_data):
    summary = selectors.spending_summary(household_id=household_of(owner), currency="EUR", today=LEAP_TODAY)
    assert summary["total_spent"] == Decimal("999.00")
    assert summary["item_count"] == 1
    assert summary["average_price"] == Decimal("999.00")
    assert summary["this_month_spent"] == Decimal("0.00")
    assert summary["by_status"] == {"ORDERED": 0, "RECEIVED": 1, "RETURNED": 0}
    assert summary["currencies"] == ["EUR", "USD"]


def test_summary_in_a_currency_without_purchases_has_zeros_and_nulls(owner, spending_data):
    assert selectors.spending_summary(household_id=household_of(owner), currency="GBP", today=LEAP_TODAY) == {
        "currency": "GBP",
        "home_currency": None,
        "total_spent": Decimal("0.00"),
        "item_count": 0,
        "unconverted_count": 0,
        "average_price": None,
        "min_price": None,
        "max_price": None,
        "first_purchase_date": None,
        "last_purchase_date": None,
        "this_month_spent": Decimal("0.00"),
        "by_status": {"ORDERED": 0, "RECEIVED": 0, "RETURNED": 0},
        "currencies": ["EUR", "USD"],
        "warranty_cost_total": Decimal("0.00"),
    }


def test_summary_of_an_empty_account(owner):
    summary = selectors.spending_summary(household_id=household_of(owner), currency="USD", today=LEAP_TODAY)
    assert summary["total_spent"] == Decimal("0.00")
    assert summary["average_price"] is None
    assert summary["currencies"] == []


# --- warranties -----------------------------------------------------------------------------------------------


def test_warranty_timeline_counts_active_expired_and_expiring(owner, warranty_data):
    rows = selectors.warranty_timeline(household_id=household_of(owner), months=3, today=TIMELINE_TODAY)
    assert rows == [
        # Jan (last day 01-31): active w1 w2 w5 w6 w8 w9; expired w6 (ends 01-31); soon w1 (02-15), w6 (01-31).
        {"month": "2025-01", "active": 6, "expired": 1, "expiring_soon": 2},
        # Feb (02-28): active w2 w3 (lifetime) w5 w8 w9; expired w1 (voided w4 not counted); soon w2 (03-05).
        {"month": "2025-02", "active": 5, "expired": 1, "expiring_soon": 1},
        # Mar (today 03-10): active w3 w5 w8 w9; expired w2 (03-05); soon w5 (03-31), w8 (04-09 = today+30).
        {"month": "2025-03", "active": 4, "expired": 1, "expiring_soon": 2},
    ]


def test_warranty_timeline_default_is_twelve_months_ending_this_month(owner, warranty_data):
    rows = selectors.warranty_timeline(household_id=household_of(owner), today=TIMELINE_TODAY)
    assert len(rows) == 12
    assert rows[0]["month"] == "2024-04"
    assert rows[-1]["month"] == "2025-03"
    # April 2024 (last day 04-30): w1 (from 2024-06) not yet; w5 in force, and voided w4 is not counted.
    assert rows[0] == {"month": "2024-04", "active": 1, "expired": 0, "expiring_soon": 0}


def test_warranty_summary_by_effective_status(owner, warranty_data):
    assert selectors.warranty_summary(household_id=household_of(owner), today=TIMELINE_TODAY) == {
        "total": 8,
        "active": 4,  # w3 (lifetime), w5, w8, w9
        "expired": 3,  # w1, w2, w6
        "voided": 1,  # w4
        "expiring_soon": 2,  # w5 (03-31), w8 (04-09 = today + 30); w9 is today + 31
    }


def test_warranty_summary_and_timeline_of_an_empty_account(owner):
    assert selectors.warranty_summary(household_id=household_of(owner), today=TIMELINE_TODAY) == {
        "total": 0,
        "active": 0,
        "expired": 0,
        "voided": 0,
        "expiring_soon": 0,
    }
    assert selectors.warranty_timeline(household_id=household_of(owner), months=1, today=TIMELINE_TODAY) == [
        {"month": "2025-03", "active": 0, "expired": 0, "expiring_soon": 0}
    ]


# --- distributions and top products ---------------------------------------------------------------------------


def test_retailer_distribution_with_unknown_row_and_exact_percentages(owner, catalog_data):
    rows = selectors.retailer_distribution(household_id=household_of(owner), currency="USD")
    assert rows == [
        {
            "retailer_id": catalog_data["alpha"].id,
            "retailer_name": "Alpha Store",
            "count": 3,
            "percentage": 42.86,
            "total_spent": Decimal("60.00"),
            "unconverted_count": 0,
        },
        {
            "retailer_id": None,
            "retailer_name": "Unknown",
            "count": 2,
            "percentage": 28.57,
            "total_spent": Decimal("3.00"),
            "unconverted_count": 0,
        },
        # 1/7 each = 14.2857...: the last hundredth goes to the first of the tied rows (ties sort by name).
        {
            "retailer_id": catalog_data["beta"].id,
            "retailer_name": "beta store",
            "count": 1,
            "percentage": 14.29,
            "total_spent": Decimal("5.00"),
            "unconverted_count": 0,
        },
        {
            "retailer_id": catalog_data["gamma"].id,
            "retailer_name": "Gamma",
            "count": 1,
            "percentage": 14.28,
            "total_spent": Decimal("7.50"),
            "unconverted_count": 0,
        },
    ]
    assert sum(row["percentage"] for row in rows) == pytest.approx(100, abs=0.0001)


def test_brand_distribution_and_currency_filter(owner, catalog_data):
    assert selectors.brand_distribution(household_id=household_of(owner), currency="USD") == [
        {
            "brand_id": None,
            "brand_name": "Unknown",
            "count": 5,
            "percentage": 71.43,
            "total_spent": Decimal("45.50"),
            "unconverted_count": 0,
        },
        {
            "brand_id": catalog_data["xeno"].id,
            "brand_name": "Xeno Brand",
            "count": 2,
            "percentage": 28.57,
            "total_spent": Decimal("30.00"),
            "unconverted_count": 0,
        },
    ]
    assert selectors.retailer_distribution(household_id=household_of(owner), currency="EUR") == [
        {
            "retailer_id": catalog_data["gamma"].id,
            "retailer_name": "Gamma",
            "count": 1,
            "percentage": 100.0,
            "total_spent": Decimal("80.00"),
            "unconverted_count": 0,
        }
    ]
    assert selectors.retailer_distribution(household_id=household_of(owner), currency="GBP") == []


def test_percentages_of_many_rows_add_up_to_100(owner):
    # 30 equal rows: plain rounding would give 30 x 3.33 = 99.90.
    for index in range(30):
        buy(owner, D(2025, 1, 1), "1.00", retailer=None, brand=None, name=f"p{index}")
    shops = [RetailerFactory(name=f"Shop {index:02d}") for index in range(29)]
    for purchase, shop in zip(
        Purchase.objects.filter(household__memberships__user=owner).order_by("product_name"), shops, strict=False
    ):
        Purchase.objects.filter(pk=purchase.pk).update(retailer=shop)
    summaries.recompute([household_of(owner)])  # a bulk write recomputes the summaries (#24)
    rows = selectors.retailer_distribution(household_id=household_of(owner), currency="USD")
    assert len(rows) == 30
    assert sum(row["percentage"] for row in rows) == pytest.approx(100, abs=0.05)
    assert {row["percentage"] for row in rows} == {3.33, 3.34}


def test_top_products_grouped_case_insensitively_named_by_latest_spelling(owner, product_data):
    assert selectors.top_products(household_id=household_of(owner), currency="USD") == [
        {
            "product_name": "coffee beans",
            "count": 3,
            "total_spent": Decimal("36.00"),
            "avg_price": Decimal("12.00"),
            "unconverted_count": 0,
        },
        {
            "product_name": "cable",
            "count": 2,
            "total_spent": Decimal("0.03"),
            "avg_price": Decimal("0.02"),
            "unconverted_count": 0,
        },
        {
            "product_name": "Mouse",
            "count": 1,
            "total_spent": Decimal("40.00"),
            "avg_price": Decimal("40.00"),
            "unconverted_count": 0,
        },
        # Same count and total: by name.
        {
            "product_name": "Alpha",
            "count": 1,
            "total_spent": Decimal("5.00"),
            "avg_price": Decimal("5.00"),
            "unconverted_count": 0,
        },
        {
            "product_name": "Zeta",
            "count": 1,
            "total_spent": Decimal("5.00"),
            "avg_price": Decimal("5.00"),
            "unconverted_count": 0,
        },
    ]
    assert [
        row["product_name"] for row in selectors.top_products(household_id=household_of(owner), currency="USD", limit=2)
    ] == [
        "coffee beans",
        "cable",
    ]
    assert selectors.top_products(household_id=household_of(owner), currency="EUR") == [
        {
            "product_name": "Mouse",
            "count": 1,
            "total_spent": Decimal("99.00"),
            "avg_price": Decimal("99.00"),
            "unconverted_count": 0,
        }
    ]


def test_top_products_of_an_empty_account(owner):
    assert selectors.top_products(household_id=household_of(owner), currency="USD") == []


# --- recent lists ---------------------------------------------------------------------------------------------


def test_recent_purchases_newest_date_then_newest_created(owner, other_user):
    old = buy(owner, D(2025, 1, 1), "1.00", name="old")
    first = buy(owner, D(2025, 1, 5), "1.00", name="first")
    second = buy(owner, D(2025, 1, 5), "1.00", name="second")
    buy(other_user, D(2025, 2, 1), "1.00", name="not mine")
    base = datetime.datetime(2025, 1, 5, 12, tzinfo=datetime.UTC)
    for minutes, purchase in enumerate([old, first, second]):
        Purchase.objects.filter(pk=purchase.pk).update(created_at=base + datetime.timedelta(minutes=minutes))

    names = [p.product_name for p in selectors.recent_purchases(household_id=household_of(owner), today=D(2025, 2, 1))]
    assert names == ["second", "first", "old"]
    assert [p.product_name for p in selectors.recent_purchases(household_id=household_of(owner), limit=1)] == ["second"]


def test_recent_warranties_newest_created_first(owner, warranty_data):
    base = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    order = ["w1", "w2", "w3", "w4", "w5", "w6", "w8", "w9"]
    for minutes, key in enumerate(order):
        Warranty.objects.filter(pk=warranty_data[key].pk).update(created_at=base + datetime.timedelta(minutes=minutes))

    recent = list(selectors.recent_warranties(household_id=household_of(owner), limit=3, today=TIMELINE_TODAY))
    assert [w.pk for w in recent] == [warranty_data["w9"].pk, warranty_data["w8"].pk, warranty_data["w6"].pk]
    assert [w.effective_status for w in recent] == ["ACTIVE", "ACTIVE", "EXPIRED"]


def test_top_products_reads_one_row_per_name_without_a_correlated_subquery(django_assert_num_queries):
    """Regression (bench/RESULTS.md): a per-row 'newest spelling' subquery in the grouping query made top-products
    quadratic — a statement timeout at 10^6 purchases. Since #24 the top groups are read from one summary row per name
    (no GROUP BY at all: an index in the answer's order, stopped at the limit), a single SELECT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from analytics import selectors
    from tests.factories import PurchaseFactory, UserFactory

    owner = UserFactory()
    for name in ("Kettle", "kettle ", "Toaster"):
        PurchaseFactory(owner=owner, product_name=name)
    household_id = household_of(owner)
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.top_products(household_id=household_id, currency="USD")
    assert [(r["product_name"], r["count"]) for r in rows] == [("kettle", 2), ("Toaster", 1)]
    top = next(q["sql"] for q in queries.captured_queries if "purchasesummary" in q["sql"])
    assert top.upper().count("SELECT") == 1
    assert "GROUP BY" not in top.upper()
    assert "LIMIT" in top.upper()
    assert len(queries.captured_queries) == 2
