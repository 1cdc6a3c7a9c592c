"""Catalog services: trimmed, case-insensitively unique names."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from catalog import services
from catalog.models import Brand, Retailer
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db

MODELS = [pytest.param(Retailer, id="retailer"), pytest.param(Brand, id="brand")]


@pytest.mark.parametrize("model", MODELS)
def test_save_trims_the_name(model):
    entry = services.catalog_entry_save(instance=model(), name="  Corner Store  ")
    entry.refresh_from_db()
    assert entry.name == "Corner Store"


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("duplicate", ["corner store", " CORNER STORE "])
def test_duplicate_name_raises_on_name(model, duplicate):
    model.objects.create(name="Corner Store")
    with pytest.raises(ValidationError) as caught:
        services.catalog_entry_save(instance=model(), name=duplicate)
    assert set(caught.value.message_dict) == {"name"}
    assert model.objects.filter(name__iexact="corner store").count() == 1


@pytest.mark.parametrize("model", MODELS)
def test_get_or_create_by_name_matches_ignoring_case(model):
    existing = model.objects.create(name="Über Shop")
    assert services.catalog_get_or_create_by_name(model=model, name=" über shop ") == (existing, False)
    created, was_created = services.catalog_get_or_create_by_name(model=model, name=" New Shop ")
    assert (created.name, was_created) == ("New Shop", True)


@pytest.mark.parametrize(("model", "fk"), [(Retailer, "retailer"), (Brand, "brand")])
def test_delete_of_a_referenced_entry_raises_protected(model, fk):
    entry = model.objects.create(name="Used")
    PurchaseFactory(**{fk: entry})
    with pytest.raises(ProtectedError):
        services.catalog_entry_delete(instance=entry)
    assert model.objects.filter(pk=entry.pk).exists()
