"""PostgreSQL prepares a statement the app runs again and again on one connection (DATABASE_PREPARED_STATEMENTS,
on by default: issue #24), and answers stay the same when it does."""

import datetime

import pytest
from django.db import connection

from purchases.models import Purchase
from spends import config
from spends.prepared import PreparedRead
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


def _named(household_id, name_part: str):
    return Purchase.objects.filter(
        household_id=household_id, product_name__contains=name_part, purchase_date__gte=datetime.date(2020, 1, 1)
    ).values_list("product_name", flat=True)


def test_a_prepared_read_writes_its_constants_into_the_sql_and_is_planned_once():
    # spends.prepared: only the slots stay parameters, so PostgreSQL can keep one plan for any household (a
    # constant such as a summary kind decides which partial index serves the query: as a parameter, every run was
    # planned again). A constant with a quote and a percent sign must come through as it is.
    ours = household_of(UserFactory())
    theirs = household_of(UserFactory())
    recent, old = datetime.date(2024, 5, 1), datetime.date(2019, 5, 1)
    PurchaseFactory(household_id=ours, product_name="Mug, 50% off, it's blue", purchase_date=recent)
    PurchaseFactory(household_id=ours, product_name="Mug, 50% off, old", purchase_date=old)
    PurchaseFactory(household_id=theirs, product_name="Lamp, 50% off, it's red", purchase_date=recent)
    read = PreparedRead(lambda key, household_id: _named(household_id, key), slots=("household_id",))
    plan = read.plan("50% off, it's")
    assert len(plan.params) == 1  # the household alone (a sentinel until a run binds one)
    assert "'2020-01-01'::date" in plan.sql and "%%" in plan.sql
    runs = config.PREPARE_THRESHOLD + 3
    for _ in range(runs):
        assert read.rows("50% off, it's", household_id=ours) == [("Mug, 50% off, it's blue",)]
        assert read.rows("50% off, it's", household_id=theirs) == [("Lamp, 50% off, it's red",)]
    assert read.rows("50% off, it's", household_id=ours) == [(name,) for name in _named(ours, "50% off, it's")]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%'2020-01-01'::date%"],
        )
        ((generic, custom),) = cursor.fetchall()
    assert generic > 0 and generic + custom >= 2 * runs - config.PREPARE_THRESHOLD
