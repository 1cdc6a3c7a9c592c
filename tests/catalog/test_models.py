"""Catalog database constraints, checked with objects.create (no full_clean) on SQLite and PostgreSQL."""

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Brand, Retailer

pytestmark = pytest.mark.django_db

MODELS = [pytest.param(Retailer, id="retailer"), pytest.param(Brand, id="brand")]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(
    ("first", "second"),
    [("Corner Store", "corner store"), ("Corner Store", "CORNER STORE"), ("Über Shop", "über shop"), ("x", "x")],
)
def test_names_equal_ignoring_case_cannot_both_be_stored(model, first, second):
    model.objects.create(name=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(name=second)
    assert model.objects.filter(name__iexact=first).count() == 1


@pytest.mark.parametrize("model", MODELS)
def test_empty_name_cannot_be_stored(model):
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(name="")


@pytest.mark.parametrize("model", MODELS)
def test_different_names_can_be_stored(model):
    model.objects.create(name="Corner Store")
    model.objects.create(name="Corner Stores")
    assert model.objects.filter(name__istartswith="corner").count() == 2


@pytest.mark.parametrize("model", MODELS)
def test_same_name_may_be_both_a_retailer_and_a_brand(model):
    Retailer.objects.create(name="Both Ways")
    Brand.objects.create(name="Both Ways")
    assert model.objects.filter(name="Both Ways").count() == 1


def test_default_retailers_and_brands_are_seeded_by_migration():
    assert Retailer.objects.count() >= 12 and Brand.objects.count() >= 12
    assert Retailer.objects.filter(name="Amazon").exists()
    assert Brand.objects.filter(name="Apple").exists()
