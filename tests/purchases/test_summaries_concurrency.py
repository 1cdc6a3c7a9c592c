"""Concurrent writes of one household share summary rows (#24): every transaction upserts them in one global order
(purchases.summaries: ORDER BY on the key), so they wait for each other and never deadlock. Before the order, 8
clients creating purchases deadlocked on new summary rows (2 of 200 creates answered 500 in `make bench`)."""

import datetime
import random
import threading
from decimal import Decimal

import pytest
from django.db import connection

from purchases import services
from purchases.models import Purchase
from tests.factories import BrandFactory, RetailerFactory, UserFactory, household_of
from tests.purchases.test_summaries_paths import assert_in_step

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections: PostgreSQL"),
]

THREADS, WRITES = 8, 15


def test_concurrent_creates_and_edits_of_one_household_never_deadlock_and_keep_the_summaries(settings):
    owner = UserFactory()
    household_id = household_of(owner)
    shops, makers = [RetailerFactory() for _ in range(3)], [BrandFactory() for _ in range(3)]
    failures, start = [], threading.Barrier(THREADS)

    def writer(seed):
        chance = random.Random(seed)
        try:
            start.wait()
            for number in range(WRITES):
                purchase = services.purchase_create(
                    household_id=household_id,
                    created_by=owner,
                    product_name=chance.choice(["Kettle", "Lamp", "Desk", f"Thing {seed}-{number}"]),
                    price=Decimal(chance.randint(1, 9999)) / 100,
                    currency_code="USD",
                    purchase_date=datetime.date(2024, chance.randint(1, 3), 1),
                    retailer=chance.choice(shops),
                    brand=chance.choice(makers),
                )
                if number % 3 == 0:
                    services.purchase_update(purchase=purchase, retailer=chance.choice(shops))
        except Exception as error:  # noqa: BLE001 (any failure is the test's finding)
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert Purchase.objects.filter(household_id=household_id).count() == THREADS * WRITES
    assert_in_step(household_id)
