"""Purchase services (normalisation of stored values) and purchases.nested (one transaction for a purchase and its
nested warranty)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from purchases import nested, services
from purchases.models import Purchase
from tests.factories import PurchaseFactory, WarrantyFactory, household_of
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 1, 15)


def fields(**overrides):
    return {
        "product_name": "Lamp",
        "price": Decimal("10.00"),
        "currency_code": "USD",
        "purchase_date": DAY,
        **overrides,
    }


def test_create_normalises_text_and_currency(owner):
    purchase = services.purchase_create(
        household_id=household_of(owner),
        created_by=owner,
        **fields(product_name="  Lamp ", notes=" n ", currency_code="eur"),
    )
    purchase.refresh_from_db()
    assert (purchase.product_name, purchase.notes, purchase.currency_code, purchase.created_by) == (
        "Lamp",
        "n",
        "EUR",
        owner,
    )


def test_create_with_warranty_creates_both(owner):
    purchase = nested.purchase_create(
        household_id=household_of(owner),
        created_by=owner,
        warranty={"warranty_start": DAY, "warranty_end": DAY},
        **fields(),
    )
    assert Warranty.objects.get().purchase == purchase


def test_create_with_bad_warranty_writes_nothing(owner):
    with pytest.raises(ValidationError) as caught:
        nested.purchase_create(
            household_id=household_of(owner),
            created_by=owner,
            warranty={"warranty_start": DAY, "warranty_end": DAY - datetime.timedelta(days=1)},
            **fields(),
        )
    assert caught.value.field_prefix == "warranty"
    assert not Purchase.objects.exists()
    assert not Warranty.objects.exists()


def test_create_with_negative_price_raises_and_writes_nothing(owner):
    with pytest.raises(ValidationError) as caught:
        services.purchase_create(household_id=household_of(owner), created_by=owner, **fields(price=Decimal("-1")))
    assert set(caught.value.message_dict) == {"price"}
    assert not Purchase.objects.exists()


def test_update_without_warranty_argument_leaves_it(owner):
    warranty = WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    services.purchase_update(purchase=warranty.purchase, notes="x")
    assert Warranty.objects.get() == warranty


def test_nested_update_without_warranty_argument_leaves_it(owner):
    warranty = WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    nested.purchase_update(purchase=warranty.purchase, notes="x")
    warranty.purchase.refresh_from_db()
    assert (Warranty.objects.get(), warranty.purchase.notes) == (warranty, "x")


def test_update_with_none_deletes_the_warranty(owner):
    warranty = WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    nested.purchase_update(purchase=warranty.purchase, warranty=None)
    assert not Warranty.objects.exists()


def test_update_with_dict_updates_the_existing_warranty(owner):
    warranty = WarrantyFactory(purchase=PurchaseFactory(owner=owner), provider="Shop")
    nested.purchase_update(purchase=warranty.purchase, warranty={"status": "VOIDED"})
    warranty.refresh_from_db()
    assert (warranty.status, warranty.provider) == ("VOIDED", "Shop")


def test_update_with_bad_warranty_rolls_back_the_purchase_change(owner):
    purchase = PurchaseFactory(owner=owner, product_name="Before")
    with pytest.raises(ValidationError):
        nested.purchase_update(purchase=purchase, product_name="After", warranty={"warranty_end": DAY})
    purchase.refresh_from_db()
    assert purchase.product_name == "Before"
    assert not Warranty.objects.exists()


def test_delete_takes_the_warranty_with_it(owner):
    warranty = WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    services.purchase_delete(purchase=warranty.purchase)
    assert not Purchase.objects.exists()
    assert not Warranty.objects.exists()
