"""Purchase database constraints, checked with objects.create (no full_clean) on SQLite and PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from purchases.models import Purchase
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, UserFactory, WarrantyFactory, household_of
from warranties.models import Warranty

pytestmark = pytest.mark.django_db


def purchase_fields(owner, **overrides):
    return {
        "household_id": household_of(owner), "created_by": owner, "product_name": "Lamp", "price": Decimal("10.00"),
        "currency_code": "USD", "status": "ORDERED", "purchase_date": datetime.date(2025, 1, 1), **overrides,
    }  # fmt: skip


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"price": Decimal("-0.01")}, id="negative-price"),
        pytest.param({"product_name": ""}, id="empty-name"),
        pytest.param({"status": "LOST"}, id="unknown-status"),
    ],
)
def test_invalid_purchase_cannot_be_stored(owner, overrides):
    with pytest.raises(IntegrityError), transaction.atomic():
        Purchase.objects.create(**purchase_fields(owner, **overrides))
    assert not Purchase.objects.exists()


def test_zero_price_can_be_stored(owner):
    assert Purchase.objects.create(**purchase_fields(owner, price=Decimal("0.00"))).price == Decimal("0.00")


@pytest.mark.parametrize(("factory", "fk"), [(RetailerFactory, "retailer"), (BrandFactory, "brand")])
def test_referenced_catalog_entry_is_protected(factory, fk):
    entry = factory()
    PurchaseFactory(**{fk: entry})
    with pytest.raises(ProtectedError), transaction.atomic():
        entry.delete()
    assert type(entry).objects.filter(pk=entry.pk).exists()


def test_deleting_a_purchase_deletes_its_warranty():
    warranty = WarrantyFactory()
    warranty.purchase.delete()
    assert not Warranty.objects.exists()


def test_deleting_a_user_keeps_their_households_purchases_without_a_creator():
    user = UserFactory()
    purchase = PurchaseFactory(owner=user)
    user.delete()
    purchase.refresh_from_db()  # the household owns it; who created it is forgotten
    assert purchase.created_by is None and purchase.household_id is not None
