"""The summaries survive a step back to the schema before the warranty summaries (purchases 0012, the previous
release's) and forward again: migrating back no longer fails on the warranty rows' key, and forward again the
summaries equal a recomputation from the rows."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from purchases.summaries import summaries_differences
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory, household_of

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_WARRANTY_SUMMARIES = [("purchases", "0012_filtered_list_indexes")]


def _migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


def test_back_to_0012_and_forward_again_keeps_the_summaries_equal_to_the_rows():
    household = household_of(UserFactory())
    for day in (1, 2, 3):
        purchase = PurchaseFactory(household_id=household, purchase_date=datetime.date(2026, 3, day))
        start = datetime.date(2026, 3, day)
        WarrantyFactory(purchase=purchase, warranty_start=start, warranty_end=start + datetime.timedelta(days=20))
        WarrantyFactory(purchase=purchase, warranty_start=start, warranty_end=start + datetime.timedelta(days=700))
    assert summaries_differences(household) == []
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate(BEFORE_WARRANTY_SUMMARIES)  # failed with an IntegrityError on the older unique key
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT kind FROM purchases_purchasesummary ORDER BY kind")
            assert {kind for (kind,) in cursor.fetchall()} <= {"b", "m", "p", "r"}
    finally:
        _migrate(latest)
    assert summaries_differences(household) == []
