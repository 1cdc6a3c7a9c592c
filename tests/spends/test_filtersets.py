"""RequestedFiltersOnly builds only the filters a request names; detail routes ignore the list's filters (#10)."""

import pytest
from django.http import QueryDict

from purchases.filters import PurchaseFilterSet
from purchases.models import Purchase
from tests.assertions import assert_error
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db


def test_only_the_named_filters_are_built():
    assert set(PurchaseFilterSet(QueryDict("")).filters) == set()
    assert set(PurchaseFilterSet(QueryDict("status=ORDERED&price_min=1&unknown=x")).filters) == {
        "status",
        "price_min",
    }
    # Without data (e.g. the schema generator) every declared filter is there.
    assert set(PurchaseFilterSet(queryset=Purchase.objects.none()).filters) == set(PurchaseFilterSet.base_filters)


def test_named_filters_still_validate_and_filter(owner, owner_client):
    PurchaseFactory(owner=owner, price="5.00")
    PurchaseFactory(owner=owner, price="50.00")
    assert owner_client.get("/api/purchases?price_min=10").json()["total"] == 1
    assert owner_client.get("/api/purchases").json()["total"] == 2
    assert_error(owner_client.get("/api/purchases?price_min=ten"), 400, "validation_error", fields={"price_min"})


def test_a_detail_ignores_list_filters(owner, owner_client):
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.get(f"/api/purchases/{purchase.pk}?status=NOT-A-STATUS&price_min=ten")
    assert response.status_code == 200
    assert response.json()["id"] == str(purchase.pk)
