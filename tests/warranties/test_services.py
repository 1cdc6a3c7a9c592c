"""Warranty services: validation through the model, the one-per-purchase rule, partial updates."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import PurchaseFactory, WarrantyFactory
from warranties import services
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 1, 15)


def test_create_trims_text_and_stores_the_warranty():
    purchase = PurchaseFactory()
    warranty = services.warranty_create(
        purchase=purchase, created_by=None, warranty_start=START, warranty_end=START, provider="  Maker ", notes=" n "
    )
    warranty.refresh_from_db()
    assert (warranty.purchase, warranty.provider, warranty.notes) == (purchase, "Maker", "n")


def test_a_second_warranty_is_added_to_the_purchase():
    # Version 2 (#21): a purchase may have any number of warranties.
    existing = WarrantyFactory()
    added = services.warranty_create(
        created_by=None, purchase=existing.purchase, warranty_start=START, warranty_end=START, cost=Decimal("49.00")
    )
    assert set(Warranty.objects.filter(purchase=existing.purchase)) == {existing, added}
    assert Warranty.objects.get(pk=added.pk).cost == Decimal("49.00")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"warranty_end": START - datetime.timedelta(days=1)}, "warranty_end"),
        ({"warranty_end": None}, "warranty_end"),
        ({"warranty_end": START, "warranty_type": "FOREVER"}, "warranty_type"),
    ],
)
def test_create_validates_with_the_model_and_names_the_prefix(fields, field):
    with pytest.raises(ValidationError) as caught:
        services.warranty_create(
            created_by=None, purchase=PurchaseFactory(), warranty_start=START, field_prefix="warranty", **fields
        )
    assert field in caught.value.message_dict
    assert caught.value.field_prefix == "warranty"
    assert not Warranty.objects.exists()


def test_create_refuses_unknown_fields():
    with pytest.raises(TypeError):
        services.warranty_create(
            created_by=None, purchase=PurchaseFactory(), warranty_start=START, warranty_end=START, colour="red"
        )


def test_update_changes_only_the_given_fields():
    warranty = WarrantyFactory(provider="Shop", notes="box")
    services.warranty_update(warranty=warranty, status="VOIDED")
    warranty.refresh_from_db()
    assert (warranty.status, warranty.provider, warranty.notes) == ("VOIDED", "Shop", "box")


def test_update_checks_the_merged_values():
    warranty = WarrantyFactory(warranty_start=START, warranty_end=START + datetime.timedelta(days=10))
    with pytest.raises(ValidationError) as caught:
        services.warranty_update(warranty=warranty, warranty_start=START + datetime.timedelta(days=11))
    assert set(caught.value.message_dict) == {"warranty_end"}
    warranty.refresh_from_db()
    assert warranty.warranty_start == START


def test_delete_keeps_the_purchase():
    warranty = WarrantyFactory()
    services.warranty_delete(warranty=warranty)
    assert not Warranty.objects.exists()
    warranty.purchase.refresh_from_db()
