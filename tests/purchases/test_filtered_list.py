"""The filtered list's prepared read (purchases.api.filtered, issue #24): for every filter it takes, alone and
combined, it answers byte for byte what DRF's generic path answers, errors included (an unknown retailer or brand
is still ModelChoiceFilter's 400), in fewer queries (no separate lookup of the retailer or brand), and its compiled
SQL binds each request's values."""

import datetime
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from purchases import selectors
from purchases.api import filtered, reads
from purchases.api.views import PurchaseViewSet
from purchases.models import Purchase
from spends.prepared import PreparedRead
from tests.assertions import assert_error
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, WarrantyFactory, household_of
from warranties.choices import WarrantyStatus

pytestmark = pytest.mark.django_db

URL = "/api/purchases"
NOW = datetime.datetime(2025, 6, 15, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _fixed_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shops(owner, other_user):
    """Two retailers and brands over purchases in three currencies, several dates and statuses, with and without
    warranties and return windows; and another household's purchases of the same retailer."""
    shop, other_shop = RetailerFactory(name="Shop A"), RetailerFactory(name="Shop B")
    make, other_make = BrandFactory(name="Make A"), BrandFactory(name="Make B")
    rows = []
    for i in range(12):
        rows.append(
            PurchaseFactory(
                owner=owner,
                retailer=(shop, other_shop, None)[i % 3],
                brand=(make, other_make)[i % 2],
                currency_code=("USD", "EUR", "USD", "GBP")[i % 4],
                price=Decimal(10 + i),
                purchase_date=TODAY - datetime.timedelta(days=200 * i + 10),
                status=("RECEIVED", "ORDERED")[i % 2] if i != 5 else "RETURNED",
                returned_on=TODAY if i == 5 else None,
                return_by=TODAY + datetime.timedelta(days=i - 4) if i % 3 == 0 else None,
                product_name=f"Item {i:02}",
            )
        )
    for i, row in enumerate(rows[:8]):
        status = WarrantyStatus.VOIDED if i == 2 else WarrantyStatus.ACTIVE
        WarrantyFactory(purchase=row, status=status, warranty_end=TODAY + datetime.timedelta(days=i - 3))
    PurchaseFactory.create_batch(2, owner=other_user, retailer=shop, currency_code="USD")
    return {"shop": shop, "other_shop": other_shop, "make": make, "other_make": other_make, "rows": rows}


def _generic(client, monkeypatch, params):
    with monkeypatch.context() as patch:
        patch.setattr(PurchaseViewSet, "reader", None)
        return client.get(URL, params)


def _prepared_calls(monkeypatch) -> list:
    calls = []
    original = filtered.page

    def page(view, request):
        calls.append(answer := original(view, request))
        return answer

    monkeypatch.setattr(filtered, "page", page)
    return calls


FILTERS = [
    {"retailer_id": "shop", "currency_code": "USD", "date_from": "2020-01-01"},  # the bench's three
    {"retailer_id": "shop"},
    {"brand_id": "other_make", "limit": 2, "skip": 1},
    {"retailer_id": "other_shop", "brand_id": "make"},
    {"currency_code": "usd"},
    {"currency_code": "EUR", "date_to": "2022-01-01", "ordering": "-price"},
    {"date_from": "2019-01-01", "date_to": "2024-12-31", "ordering": "product_name,-purchase_date"},
    {"status": "RECEIVED", "has_warranty": "true"},
    {"status": "RETURNED"},
    {"has_warranty": "false", "retailer_id": "shop"},
    {"warranty_status": "VOIDED"},
    {"warranty_status": "EXPIRED", "limit": 1},
    {"warranty_status": "ACTIVE", "currency_code": "USD"},
    {"returnable": "true"},
    {"returnable": "false", "brand_id": "make"},
    {"retailer_id": "", "currency_code": "", "ordering": ""},  # empty: no filter
    {"retailer_id": "shop", "skip": 100},  # past the count: no page query
    {"limit": 500},
    {},
]


def _resolved(params: dict, shops: dict) -> dict:
    return {name: str(shops[value].pk) if value in shops else value for name, value in params.items()}


@pytest.mark.parametrize("params", FILTERS)
def test_the_prepared_list_is_byte_for_byte_the_generic_one(owner_client, shops, monkeypatch, params):
    params = _resolved(params, shops)
    calls = _prepared_calls(monkeypatch)
    prepared = owner_client.get(URL, params)
    generic = _generic(owner_client, monkeypatch, params)
    assert prepared.status_code == generic.status_code == 200
    assert prepared.content == generic.content
    assert calls and calls[0] is not None  # answered by the prepared read
    # Twice: the second request runs the plan compiled by the first, with its own values bound.
    assert owner_client.get(URL, params).content == generic.content


def test_each_request_binds_its_own_values(owner_client, owner, shops):
    """Same shape, other values: the compiled count and page of the first request answer the others."""
    totals = {}
    for name in ("shop", "other_shop"):
        for currency in ("USD", "EUR", "GBP"):
            body = owner_client.get(URL, {"retailer_id": shops[name].pk, "currency_code": currency}).json()
            expected = Purchase.objects.filter(
                household_id=household_of(owner), retailer=shops[name], currency_code=currency
            )
            assert body["total"] == expected.count()
            assert {item["id"] for item in body["items"]} == {str(pk) for pk in expected.values_list("pk", flat=True)}
            totals[name, currency] = body["total"]
    assert len(set(totals.values())) > 1


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"retailer_id": str(uuid.UUID(int=1))}, ["retailer_id"]),  # unknown: ModelChoiceFilter's 400
        ({"brand_id": str(uuid.UUID(int=2)), "currency_code": "USD"}, ["brand_id"]),
        ({"retailer_id": "shop", "brand_id": str(uuid.UUID(int=2))}, ["brand_id"]),
        ({"retailer_id": " shop"}, ["retailer_id"]),  # not a UUID to the model's field either
        ({"retailer_id": "not-a-uuid"}, ["retailer_id"]),
        ({"retailer_id": str(uuid.UUID(int=1)), "limit": "0"}, ["retailer_id"]),  # the filters answer first
        ({"retailer_id": str(uuid.UUID(int=1)), "date_from": "2025-02-30"}, ["retailer_id", "date_from"]),
        ({"currency_code": "ZZZ"}, ["currency_code"]),
        ({"status": "received"}, ["status"]),
        ({"date_to": "15/01/2025"}, ["date_to"]),
        ({"ordering": "owner"}, ["ordering"]),
        ({"has_warranty": "maybe"}, ["has_warranty"]),
        ({"retailer_id": "shop", "skip": "-1"}, ["skip"]),
        ({"retailer_id": "shop", "limit": "abc"}, ["limit"]),
    ],
)
def test_errors_are_the_generic_ones(owner_client, shops, monkeypatch, params, fields):
    params = {name: value.replace("shop", str(shops["shop"].pk)) for name, value in params.items()}
    response = owner_client.get(URL, params)
    assert_error(response, 400, "validation_error", fields=fields)
    assert response.content == _generic(owner_client, monkeypatch, params).content


def test_a_retailer_id_with_braces_or_without_dashes_is_found_as_before(owner_client, shops, monkeypatch):
    for text in (shops["shop"].pk.hex, "{" + str(shops["shop"].pk) + "}", str(shops["shop"].pk).upper()):
        prepared = owner_client.get(URL, {"retailer_id": text})
        assert prepared.status_code == 200
        assert prepared.content == _generic(owner_client, monkeypatch, {"retailer_id": text}).content


def test_the_three_filters_read_in_a_fixed_number_of_queries(owner_client, shops, django_assert_num_queries):
    params = {"retailer_id": shops["shop"].pk, "currency_code": "USD", "date_from": "2015-01-01"}
    owner_client.get(URL, params)
    # Token, scope, the count (with the retailer's existence check), the page, its coverages: no retailer lookup.
    for limit in (1, 100):
        with django_assert_num_queries(5):
            assert owner_client.get(URL, {**params, "limit": limit}).json()["total"] == 2
    with django_assert_num_queries(3):  # no match: the count only
        assert owner_client.get(URL, {**params, "currency_code": "JPY"}).json()["total"] == 0
    with CaptureQueriesContext(connection) as queries:
        owner_client.get(URL, params)
    assert not any(query["sql"].startswith('SELECT "catalog_retailer"') for query in queries.captured_queries)


def test_other_parameters_take_the_generic_path(owner_client, shops, monkeypatch):
    calls = _prepared_calls(monkeypatch)
    for params in ({"search": "item"}, {"price_min": "1"}, {"include_total": "true"}, {"skip": 200}, {"x": "1"}):
        assert owner_client.get(URL, params).status_code == 200
    assert calls == [None] * 5


def test_a_new_day_compiles_anew(owner_client, shops, monkeypatch):
    """Open return windows and effective warranty statuses are today's: the plans are kept per day."""
    for params in ({"returnable": "true"}, {"warranty_status": "EXPIRED"}):
        first = owner_client.get(URL, params).json()["total"]
        with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):
            later = owner_client.get(URL, params)
            assert later.content == _generic(owner_client, monkeypatch, params).content
        assert later.json()["total"] != first


def test_another_household_sees_its_own_rows(other_client, other_user, shops):
    params = {"retailer_id": shops["shop"].pk, "currency_code": "USD"}
    assert other_client.get(URL, params).json()["total"] == 2


def test_a_prepared_read_binds_text_and_date_values_and_raw_sql(owner):
    PurchaseFactory(owner=owner, currency_code="EUR", purchase_date=datetime.date(2024, 1, 1), product_name="a")
    PurchaseFactory(owner=owner, currency_code="USD", purchase_date=datetime.date(2024, 6, 1), product_name="b")
    slots = {"household_id": "uuid", "code": "text", "since": "date"}

    def build(key, household_id, code, since):
        rows = selectors.purchase_list(household_id=household_id).filter(currency_code=code, purchase_date__gte=since)
        return rows.values_list("product_name", flat=False)

    read = PreparedRead(build, slots=slots)
    household = household_of(owner)
    assert read.rows_of("k", {"household_id": household, "code": "EUR", "since": datetime.date(2020, 1, 1)}) == [("a",)]
    assert read.rows_of("k", {"household_id": household, "code": "USD", "since": datetime.date(2024, 7, 1)}) == []
    with pytest.raises(ValueError, match="not a date"):
        read.rows_of("k", {"household_id": household, "code": "USD", "since": "2024-01-01"})

    def count(key, household_id, code):
        sql, params = (
            Purchase.objects.filter(household_id=household_id, currency_code=code).values("pk").query.sql_with_params()
        )
        return f"SELECT COUNT(*) FROM ({sql}) counted", params  # noqa: S608

    counted = PreparedRead(count, slots={"household_id": "uuid", "code": "text"})
    assert counted.rows_of("k", {"household_id": household, "code": "USD"}) == [(1,)]
    assert counted.rows_of("k", {"household_id": household, "code": "JPY"}) == [(0,)]


def test_a_repeated_slot_is_bound_wherever_it_stands_and_refused_without_repeated(owner):
    """spends.prepared: `repeated=True` lets one slot stand in several places (the household in each subquery, as the
    dashboard's extremes read); without it, a slot bound twice is refused rather than half-bound."""
    PurchaseFactory(owner=owner, product_name="Kettle", currency_code="EUR")

    def build(key, household_id):
        inner = Purchase.objects.filter(household_id=household_id).values("pk")
        return Purchase.objects.filter(household_id=household_id, pk__in=inner).values_list("product_name")

    household = household_of(owner)
    read = PreparedRead(build, slots=("household_id",), repeated=True)
    assert read.rows_of("k", {"household_id": household}) == [("Kettle",)]
    assert read.rows_of("k", {"household_id": uuid.uuid4()}) == []
    with pytest.raises(ValueError, match="bound 2 times"):
        PreparedRead(build, slots=("household_id",)).rows_of("k", {"household_id": household})


def test_the_reader_offers_the_prepared_page():
    assert PurchaseViewSet.reader is reads and callable(reads.page)
