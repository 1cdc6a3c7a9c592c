"""spends.prepared.rows_together: several prepared reads at once (one round trip on PostgreSQL: pipeline mode), the
same rows as one by one, on both engines; an error is Django's and leaves the connection usable."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from purchases.models import Purchase
from spends.prepared import PreparedRead, rows_together
from tests.factories import PurchaseFactory, UserFactory, household_of

pytestmark = pytest.mark.django_db

NAMES = PreparedRead(
    lambda key, household_id: (
        Purchase.objects.filter(household_id=household_id, product_name__startswith=key)
        .order_by("product_name")
        .values_list("product_name", "price")
    ),
    slots=("household_id",),
)
COUNT = PreparedRead(
    lambda key, household_id: (
        Purchase.objects.filter(household_id=household_id)
        .values("household_id")
        .annotate(n=Count("id"))
        .values_list("n")
    ),
    slots=("household_id",),
)
BROKEN = PreparedRead(
    lambda key, household_id: (
        'SELECT no_such_column FROM "purchases_purchase" WHERE "household_id" = %s',
        [household_id],
    ),
    slots=("household_id",),
)


def _id(household_id):
    # How the engine stores a UUID (SQLite: hex text), as the ORM would bind it.
    return household_id if connection.vendor == "postgresql" else household_id.hex


def test_reads_together_give_what_each_gives_alone():
    ours, theirs = household_of(UserFactory()), household_of(UserFactory())
    for name in ("Kettle", "Kite", "Lamp"):
        PurchaseFactory(household_id=ours, product_name=name)
    PurchaseFactory(household_id=theirs, product_name="Kayak")
    reads = [
        (NAMES, "K", {"household_id": ours}),
        (NAMES, "K", {"household_id": theirs}),
        (COUNT, (), {"household_id": ours}),
        (NAMES, "L", {"household_id": ours}),
    ]
    alone = [read.rows(key, **ids) for read, key, ids in reads]
    with CaptureQueriesContext(connection) as queries:
        together = rows_together(reads)
    assert together == alone
    assert [[name for name, _price in rows] for rows in (together[0], together[1], together[3])] == [
        ["Kettle", "Kite"],
        ["Kayak"],
        ["Lamp"],
    ]
    assert together[2] == [(3,)]
    assert len(queries.captured_queries) == len(reads)  # each read still one statement


def test_an_error_among_reads_together_is_djangos_and_the_connection_goes_on():
    ours = household_of(UserFactory())
    PurchaseFactory(household_id=ours, product_name="Kettle")
    with pytest.raises(DatabaseError), transaction.atomic():  # as a request's error would, it ends its transaction
        rows_together([(NAMES, "K", {"household_id": ours}), (BROKEN, (), {"household_id": _id(ours)})])
    assert NAMES.rows("K", household_id=ours)[0][0] == "Kettle"
