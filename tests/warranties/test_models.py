"""Warranty database constraints, checked with objects.create (no full_clean) on SQLite and PostgreSQL."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from tests.factories import PurchaseFactory, WarrantyFactory
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 1, 15)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"warranty_end": START - datetime.timedelta(days=1)}, id="end-before-start"),
        pytest.param({"warranty_end": None, "warranty_type": "LIMITED"}, id="no-end-limited"),
        pytest.param({"warranty_end": None, "warranty_type": "EXTENDED"}, id="no-end-extended"),
        pytest.param({"warranty_end": None, "warranty_type": "OTHER"}, id="no-end-other"),
        pytest.param({"warranty_type": "FOREVER"}, id="unknown-type"),
        pytest.param({"status": "EXPIRED"}, id="effective-status-not-storable"),
    ],
)
def test_invalid_warranty_cannot_be_stored(fields):
    purchase = PurchaseFactory()
    values = {"warranty_start": START, "warranty_end": START, "warranty_type": "LIMITED", **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        Warranty.objects.create(purchase=purchase, **values)
    assert not Warranty.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"warranty_end": START}, id="end-equals-start"),
        pytest.param({"warranty_end": None, "warranty_type": "LIFETIME"}, id="lifetime-without-end"),
        pytest.param({"warranty_end": START, "warranty_type": "LIFETIME"}, id="lifetime-with-end"),
        pytest.param({"warranty_end": START, "status": "VOIDED"}, id="voided"),
    ],
)
def test_valid_warranty_can_be_stored(fields):
    warranty = Warranty.objects.create(purchase=PurchaseFactory(), warranty_start=START, **fields)
    assert Warranty.objects.get() == warranty


def test_several_warranties_of_one_purchase_can_be_stored():
    # Version 2 (#21): the one-per-purchase unique index is gone.
    first = WarrantyFactory()
    second = Warranty.objects.create(purchase=first.purchase, warranty_start=START, warranty_end=START)
    assert set(first.purchase.warranties.all()) == {first, second}


def test_a_negative_cost_cannot_be_stored():
    first = WarrantyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Warranty.objects.filter(pk=first.pk).update(cost=-1)
    first.refresh_from_db()
    assert first.cost is None
