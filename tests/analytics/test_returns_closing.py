"""The dashboard's "Returns closing" list (#23): open return windows ending within 30 days, soonest first."""

import datetime
from decimal import Decimal

from analytics import selectors
from tests.factories import PurchaseFactory, UserFactory, household_of

TODAY = datetime.date(2025, 6, 15)


def _purchase(owner, name, return_by, status="RECEIVED"):
    return PurchaseFactory(
        owner=owner,
        product_name=name,
        price=Decimal("20.00"),
        purchase_date=datetime.date(2025, 6, 1),
        return_by=return_by,
        status=status,
        returned_on=datetime.date(2025, 6, 2) if status == "RETURNED" else None,
    )


def test_open_windows_closing_within_30_days_soonest_first(owner, django_assert_num_queries):
    last_day = _purchase(owner, "Kettle", TODAY)
    later = _purchase(owner, "Chair", TODAY + datetime.timedelta(days=30))
    _purchase(owner, "Lamp", TODAY + datetime.timedelta(days=31))  # beyond 30 days
    _purchase(owner, "Desk", TODAY - datetime.timedelta(days=1))  # closed yesterday
    _purchase(owner, "Toaster", TODAY + datetime.timedelta(days=3), status="RETURNED")  # already returned
    _purchase(owner, "No window", None)
    _purchase(UserFactory(), "Someone else's", TODAY)
    household_id = household_of(owner)
    with django_assert_num_queries(1):
        rows = selectors.returns_closing(household_id=household_id, today=TODAY)
    assert [(row["id"], row["product_name"], row["days_left"]) for row in rows] == [
        (last_day.pk, "Kettle", 0),
        (later.pk, "Chair", 30),
    ]
    assert rows[0]["return_by"] == TODAY and rows[0]["price"] == Decimal("20.00")
