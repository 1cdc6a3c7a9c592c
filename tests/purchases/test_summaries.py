"""The purchase summaries (purchases.summaries) follow every single write in one statement and equal the
recomputation from the rows; the values they hold are exact."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Retailer
from households.models import Household
from purchases import nested, services, summaries
from purchases.choices import PurchaseStatus
from purchases.models import Purchase, PurchaseSummary
from tests.factories import PurchaseFactory, RetailerFactory, household_of

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 1, 15)


def assert_in_step(household_id):
    assert summaries.summaries_stored(household_id) == summaries.summaries_expected(household_id)


def fields(**overrides):
    return {"product_name": "Lamp", "price": Decimal("10.00"), "currency_code": "USD", "purchase_date": DAY} | overrides


def rows_of(household_id, kind):
    """{key without household, kind and `ends` (the WARRANTY rows' end): measures} of the household's rows of `kind`."""
    stored = summaries.summaries_stored(household_id)
    return {key[2:3] + key[4:]: measures for key, measures in stored.items() if key[1] == kind}


def test_create_update_delete_keep_the_summaries_equal_to_the_rows(owner):
    household_id = household_of(owner)
    shop = RetailerFactory()
    purchase = services.purchase_create(household_id=household_id, created_by=owner, **fields(retailer=shop))
    assert_in_step(household_id)
    nil, no_month = summaries.NIL, summaries.NO_MONTH
    assert {key: measures[:3] for key, measures in rows_of(household_id, PurchaseSummary.MONTH).items()} == {
        (datetime.date(2025, 1, 1), "USD", nil, nil, PurchaseStatus.ORDERED, ""): (1, 1, 1000)
    }
    assert {key: measures[:3] for key, measures in rows_of(household_id, PurchaseSummary.RETAILER).items()} == {
        (no_month, "USD", shop.pk, nil, "", ""): (1, 1, 1000)
    }
    assert {key: measures[:3] for key, measures in rows_of(household_id, PurchaseSummary.PRODUCT).items()} == {
        (no_month, "USD", nil, nil, "", "lamp"): (1, 1, 1000)
    }
    services.purchase_update(
        purchase=purchase, price=Decimal("12.34"), purchase_date=datetime.date(2024, 12, 31), retailer=None
    )
    assert_in_step(household_id)
    assert [(key[0], measures[:3]) for key, measures in rows_of(household_id, PurchaseSummary.MONTH).items()] == [
        (datetime.date(2024, 12, 1), (1, 1, 1234))
    ]
    assert [key[2] for key in rows_of(household_id, PurchaseSummary.RETAILER)] == [nil]
    services.purchase_delete(purchase=purchase)
    assert_in_step(household_id)
    assert rows_of(household_id, PurchaseSummary.MONTH) == {}


def test_a_single_write_changes_the_summaries_with_one_statement_and_no_select(owner):
    household_id = household_of(owner)
    purchase = services.purchase_create(household_id=household_id, created_by=owner, **fields())
    before = summaries.values_of(purchase)
    purchase.status = PurchaseStatus.RECEIVED
    purchase.product_name = "Desk"
    with CaptureQueriesContext(connection) as queries:
        summaries.apply(before=before, after=summaries.values_of(purchase))
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("INSERT INTO purchases_purchasesummary")
    Purchase.objects.filter(pk=purchase.pk).update(status=PurchaseStatus.RECEIVED, product_name="Desk")
    assert_in_step(household_id)


def test_a_write_that_changes_nothing_summarised_sends_nothing(owner):
    purchase = services.purchase_create(household_id=household_of(owner), created_by=owner, **fields())
    before = summaries.values_of(purchase)
    purchase.notes = "only the notes"
    with CaptureQueriesContext(connection) as queries:
        summaries.apply(before=before, after=summaries.values_of(purchase))
    assert len(queries) == 0


def test_two_spellings_of_one_name_in_one_write_are_merged_by_the_database(owner):
    household_id = household_of(owner)
    purchase = services.purchase_create(household_id=household_id, created_by=owner, **fields(product_name="tv"))
    services.purchase_update(purchase=purchase, product_name="TV")  # the same product row, -1 and +1
    assert_in_step(household_id)


def test_returned_purchases_count_in_month_rows_only(owner):
    household_id = household_of(owner)
    purchase = services.purchase_create(household_id=household_id, created_by=owner, **fields())
    services.purchase_update(purchase=purchase, status=PurchaseStatus.RETURNED, returned_on=DAY)
    assert_in_step(household_id)
    kinds = {key[1] for key in summaries.summaries_stored(household_id)}
    assert kinds == {PurchaseSummary.MONTH}  # no RETAILER, BRAND or PRODUCT row counts it


def test_home_sums_are_the_exact_products_not_the_rounded_home_prices(owner):
    household_id = household_of(owner)
    home = Household.objects.get(pk=household_id).home_currency
    other = "EUR" if home != "EUR" else "USD"
    for _ in range(2):  # 0.01 × 0.5 = 0.005 each: home prices 0.00 (half-even), the exact sum 0.01
        services.purchase_create(
            household_id=household_id,
            created_by=owner,
            exchange_rate=Decimal("0.5"),
            **fields(price=Decimal("0.01"), currency_code=other),
        )
    assert_in_step(household_id)
    total = sum(measures[3] for key, measures in summaries.summaries_stored(household_id).items() if key[1] == "m")
    assert total == Decimal("0.01")
    assert sum(Purchase.objects.values_list("home_price", flat=True)) == Decimal("0.00")


def test_nested_create_and_update_keep_them_in_step(owner):
    household_id = household_of(owner)
    purchase = nested.purchase_create(
        household_id=household_id,
        created_by=owner,
        warranty={"warranty_start": DAY, "warranty_end": DAY},
        **fields(),
    )
    nested.purchase_update(purchase=purchase, warranty=None, price=Decimal("3.00"), currency_code="GBP")
    assert_in_step(household_id)


def test_moving_records_recomputes_both_households(owner, other_user):
    mine, theirs = household_of(owner), household_of(other_user)
    services.purchase_create(household_id=mine, created_by=owner, **fields())
    services.purchases_move(from_household_id=mine, to_household_id=theirs, user_id=owner.pk, move_all=True)
    assert summaries.summaries_stored(mine) == {}
    assert_in_step(theirs)
    assert sum(measures[0] for key, measures in summaries.summaries_stored(theirs).items() if key[1] == "m") == 1


def test_home_currency_change_recomputes(owner):
    from households import services as household_services

    household_id = household_of(owner)
    services.purchase_create(household_id=household_id, created_by=owner, **fields(currency_code="EUR"))
    services.purchase_create(household_id=household_id, created_by=owner, **fields(currency_code="USD"))
    household = Household.objects.get(pk=household_id)
    new_home = "GBP" if household.home_currency != "GBP" else "CHF"
    household_services.home_currency_set(household_id=household_id, home_currency=new_home)
    assert_in_step(household_id)


def test_recompute_drops_rows_of_no_purchase(owner):
    household_id = household_of(owner)
    purchase = services.purchase_create(household_id=household_id, created_by=owner, **fields())
    services.purchase_delete(purchase=purchase)
    assert PurchaseSummary.objects.filter(household_id=household_id, purchases=0).exists()  # kept at 0, ignored
    summaries.recompute([household_id])
    assert not PurchaseSummary.objects.filter(household_id=household_id).exists()


def test_a_catalog_entry_without_purchases_can_be_deleted_though_zero_rows_name_it(owner):
    household_id = household_of(owner)
    shop = RetailerFactory()
    purchase = services.purchase_create(household_id=household_id, created_by=owner, **fields(retailer=shop))
    services.purchase_delete(purchase=purchase)
    from catalog.services import catalog_entry_delete

    catalog_entry_delete(instance=shop)
    assert not Retailer.objects.filter(pk=shop.pk).exists()
    assert_in_step(household_id)


def test_factory_purchases_are_summarised_as_the_services_do(owner):
    PurchaseFactory(owner=owner, price="5.55", currency_code="JPY")
    assert_in_step(household_of(owner))
