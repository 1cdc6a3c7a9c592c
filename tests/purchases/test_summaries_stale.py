"""An edit that read its purchase before another write of it is refused (409), so the summaries' delta, computed from
what the edit read, never subtracts stale values (#24: two concurrent PATCHes of one purchase)."""

from decimal import Decimal

import pytest

from purchases import conversion, nested, services
from purchases.models import Purchase
from spends.exceptions import Conflict
from tests.factories import PurchaseFactory, household_of
from tests.purchases.test_summaries_paths import assert_in_step

pytestmark = pytest.mark.django_db


def test_an_edit_of_a_purchase_changed_since_it_was_read_is_refused_and_the_summaries_stay_right(owner):
    household_id = household_of(owner)
    pk = PurchaseFactory(owner=owner, price=Decimal("10.00"), currency_code="USD").pk
    first, second = Purchase.objects.get(pk=pk), Purchase.objects.get(pk=pk)  # two requests read it

    nested.purchase_update(purchase=first, price=Decimal("20.00"))
    with pytest.raises(Conflict, match="changed by someone else"):
        nested.purchase_update(purchase=second, price=Decimal("30.00"))

    assert Purchase.objects.get(pk=pk).price == Decimal("20.00")  # the refused edit wrote nothing
    assert_in_step(household_id)
    # Read again, the same edit goes through.
    nested.purchase_update(purchase=Purchase.objects.get(pk=pk), price=Decimal("30.00"))
    assert Purchase.objects.get(pk=pk).price == Decimal("30.00")
    assert_in_step(household_id)


def test_a_reconversion_between_the_read_and_the_edit_refuses_the_edit(owner, shipped_rates):
    pk = PurchaseFactory(owner=owner, price=Decimal("10.00"), currency_code="GBP").pk
    read = Purchase.objects.get(pk=pk)
    conversion.reconvert(Purchase.objects.filter(pk=pk), home_currency="EUR")  # a rate update, behind the read
    with pytest.raises(Conflict):
        services.purchase_update(purchase=read, price=Decimal("11.00"))
    assert Purchase.objects.get(pk=pk).price == Decimal("10.00")


def test_an_edit_read_before_an_api_edit_is_refused(owner_client, owner):
    pk = PurchaseFactory(owner=owner, price=Decimal("10.00")).pk
    stale = Purchase.objects.get(pk=pk)
    assert owner_client.patch(f"/api/purchases/{pk}", {"price": "12.00"}, format="json").status_code == 200
    with pytest.raises(Conflict):
        nested.purchase_update(purchase=stale, notes="late")
    assert Purchase.objects.get(pk=pk).notes != "late"
