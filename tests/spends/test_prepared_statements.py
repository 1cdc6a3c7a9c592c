"""PostgreSQL prepares a statement the app runs again and again on one connection (DATABASE_PREPARED_STATEMENTS,
on by default: issue #24), and answers stay the same when it does."""

import pytest
from django.db import connection

from purchases.models import Purchase
from spends import config
from tests.factories import PurchaseFactory, UserFactory, household_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side prepared statements: PostgreSQL"),
]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_repeated_orm_query_is_prepared_and_keeps_its_answer():
    household = household_of(UserFactory())
    mine = PurchaseFactory(household_id=household, product_name="Kettle")
    other = PurchaseFactory(household_id=household_of(UserFactory()), product_name="Toaster")
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    answers = [
        list(Purchase.objects.filter(household_id=household).values_list("product_name", flat=True))
        for _ in range(config.PREPARE_THRESHOLD + 2)
    ]
    assert answers == [["Kettle"]] * (config.PREPARE_THRESHOLD + 2)
    assert any('"purchases_purchase"."household_id" = $1' in sql for sql in _prepared())
    # The prepared statement is run with each call's own values.
    assert list(Purchase.objects.filter(household_id=other.household_id).values_list("pk", flat=True)) == [other.pk]
    assert mine.pk != other.pk
