"""The contract every CRUD list endpoint keeps (API.md § Conventions, § Pagination, § Errors), written once and
parametrized over purchases, warranties, warranties/expiring, retailers and brands: 401 in the error shape,
skip/limit validation and clamping, and an exact query count that does not grow with the page."""

import datetime
from datetime import UTC
from decimal import Decimal

import pytest
import time_machine

from catalog.models import Brand, Retailer
from purchases.models import Purchase
from tests.assertions import assert_error
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, household_of
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 15)

# Token lookup (1), the caller's household and role (1, the scope), COUNT for `total` (1), the page with every FK
# joined and every value annotated (1).
QUERIES_PER_LIST = 4
# The purchase list prefetches every purchase's coverages in one more query for the whole page (#21).
PURCHASE_PREFETCH = 1


def make_purchases(owner, n):
    """`n` of the owner's purchases, each with a retailer, a brand and a warranty ending within 30 days."""
    retailers = Retailer.objects.bulk_create([Retailer(name=f"Contract Retailer {i}") for i in range(n)])
    brands = Brand.objects.bulk_create([Brand(name=f"Contract Brand {i}") for i in range(n)])
    purchases = Purchase.objects.bulk_create(
        [
            Purchase(
                household_id=household_of(owner),
                created_by=owner, product_name=f"Item {i:03}", price=Decimal("10.00"), currency_code="USD",
                retailer=retailers[i], brand=brands[i], status="RECEIVED",
                purchase_date=TODAY - datetime.timedelta(days=i),
            )
            for i in range(n)
        ]
    )  # fmt: skip
    Warranty.objects.bulk_create(
        [
            Warranty(purchase=p, warranty_start=p.purchase_date, warranty_end=TODAY + datetime.timedelta(days=i % 30))
            for i, p in enumerate(purchases)
        ]
    )


def make_retailers(owner, n):
    Retailer.objects.all().delete()
    for retailer in Retailer.objects.bulk_create([Retailer(name=f"Shop {i:03}") for i in range(n)]):
        PurchaseFactory(owner=owner, retailer=retailer)


def make_brands(owner, n):
    Brand.objects.all().delete()
    for brand in Brand.objects.bulk_create([Brand(name=f"Make {i:03}") for i in range(n)]):
        PurchaseFactory(owner=owner, brand=brand)


def make_catalog_rows(model, n):
    model.objects.all().delete()
    model.objects.bulk_create([model(name=f"Entry {i:03}") for i in range(n)])


LIST_ENDPOINTS = [
    pytest.param("/api/purchases", make_purchases, id="purchases"),
    pytest.param("/api/warranties", make_purchases, id="warranties"),
    pytest.param("/api/warranties/expiring", make_purchases, id="warranties-expiring"),
    pytest.param("/api/retailers", make_retailers, id="retailers"),
    pytest.param("/api/brands", make_brands, id="brands"),
]


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(datetime.datetime(2025, 6, 15, 12, tzinfo=UTC), tick=False):
        yield


@pytest.mark.parametrize(("url", "make"), LIST_ENDPOINTS)
def test_anonymous_list_is_401_in_contract_shape(anon_client, url, make):
    response = anon_client.get(url)
    assert_error(response, 401, "not_authenticated")
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("url", "make"), LIST_ENDPOINTS)
def test_bad_token_is_401_not_authenticated(anon_client, url, make):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anon_client.get(url), 401, "not_authenticated")


@pytest.mark.parametrize(("url", "make"), LIST_ENDPOINTS)
@pytest.mark.parametrize("rows", [1, 30])
def test_list_runs_the_same_exact_number_of_queries_for_1_and_30_rows(
    owner_client, owner, django_assert_num_queries, url, make, rows
):
    make(owner, rows)
    with django_assert_num_queries(QUERIES_PER_LIST + (PURCHASE_PREFETCH if url == "/api/purchases" else 0)):
        response = owner_client.get(url, {"limit": 100})
    assert response.status_code == 200
    assert response.json()["total"] == rows
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize(("url", "make"), LIST_ENDPOINTS)
def test_filtered_and_ordered_purchase_and_warranty_lists_keep_the_query_count(
    owner_client, owner, django_assert_num_queries, url, make
):
    make(owner, 30)
    params = {
        "/api/purchases": {"status": "RECEIVED", "has_warranty": "true", "search": "item", "ordering": "-price"},
        "/api/warranties": {"status": "ACTIVE", "expiring_soon": "true", "search": "item", "ordering": "-warranty_end"},
        "/api/warranties/expiring": {"days": "29"},
        "/api/retailers": {"search": "shop"},
        "/api/brands": {"search": "make"},
    }[url]
    # A purchase search first looks up matching retailer and brand ids (2 small queries; see filter_search).
    extra = 2 + PURCHASE_PREFETCH if url == "/api/purchases" else 0
    with django_assert_num_queries(QUERIES_PER_LIST + extra):
        response = owner_client.get(url, {**params, "limit": 100})
    assert response.status_code == 200
    assert response.json()["total"] == 30


@pytest.mark.parametrize(("url", "make"), LIST_ENDPOINTS)
def test_empty_list_has_the_pagination_envelope(owner_client, url, make):
    Retailer.objects.all().delete()
    Brand.objects.all().delete()
    assert owner_client.get(url).json() == {"total": 0, "skip": 0, "limit": 20, "items": []}


@pytest.mark.parametrize(("url", "make"), LIST_ENDPOINTS)
@pytest.mark.parametrize(("limit", "expected"), [("500", 100), ("101", 100), ("100", 100), ("1", 1)])
def test_limit_is_clamped_to_100(owner_client, owner, url, make, limit, expected):
    make(owner, 101)
    body = owner_client.get(url, {"limit": limit}).json()
    assert (body["total"], body["limit"], len(body["items"])) == (101, expected, expected)


@pytest.mark.parametrize(("url", "make"), LIST_ENDPOINTS)
def test_skip_past_the_end_gives_an_empty_page_with_the_total(owner_client, owner, url, make):
    make(owner, 3)
    body = owner_client.get(url, {"skip": 10}).json()
    assert (body["total"], body["skip"], body["items"]) == (3, 10, [])


@pytest.mark.parametrize(("url", "make"), LIST_ENDPOINTS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"skip": "-1"}, "skip"),
        ({"skip": "abc"}, "skip"),
        ({"skip": "2.0"}, "skip"),
    ],
)
def test_bad_skip_or_limit_is_400(owner_client, owner, url, make, params, field):
    make(owner, 1)
    assert_error(owner_client.get(url, params), 400, "validation_error", fields=[field])


@pytest.mark.parametrize(("url", "make"), LIST_ENDPOINTS)
def test_list_answers_without_redirect_with_a_trailing_slash(owner_client, owner, url, make):
    make(owner, 2)
    response = owner_client.get(url + "/")
    assert response.status_code == 200
    assert response.json()["total"] == 2


@pytest.mark.parametrize("url", ["/api/retailers", "/api/brands"])
def test_catalog_list_counts_queries_with_purchases_of_other_users_too(
    owner_client, owner, other_user, django_assert_num_queries, url
):
    factory = RetailerFactory if "retailers" in url else BrandFactory
    fk = "retailer" if "retailers" in url else "brand"
    entry = factory(name="Shared entry")
    PurchaseFactory.create_batch(3, owner=other_user, **{fk: entry})
    with django_assert_num_queries(QUERIES_PER_LIST):
        items = owner_client.get(url, {"search": "Shared"}).json()["items"]
    assert [(item["name"], item["purchase_count"]) for item in items] == [("Shared entry", 0)]
