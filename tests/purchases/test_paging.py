"""Paging through everything (API.md § Pagination, issue #24): deep pages as a deferred join keep the exact order
(ties included), `include_total=false` skips the count, and a `search` counts at most 1,000 matches."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count

from purchases.models import Purchase
from spends.api import pagination
from tests.assertions import assert_error
from tests.factories import household_of
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

URL = "/api/purchases"
DAY = datetime.date(2025, 3, 1)
STAMP = datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC)


def make_ties(owner, n, *, name="Tie"):
    """`n` purchases on three dates with one created_at for all and three prices: every ordering has ties, which only
    the `id` tiebreak orders."""
    purchases = Purchase.objects.bulk_create(
        [
            Purchase(
                household_id=household_of(owner), created_by=owner, product_name=f"{name} {i % 4}",
                price=Decimal(i % 3), currency_code="EUR", status="RECEIVED",
                purchase_date=DAY - datetime.timedelta(days=i % 3),
            )
            for i in range(n)
        ]
    )  # fmt: skip
    # Every other one with a warranty.
    Warranty.objects.bulk_create([Warranty(purchase=p, warranty_start=DAY, warranty_end=DAY) for p in purchases[::2]])
    Purchase.objects.filter(household_id=household_of(owner)).update(created_at=STAMP)
    return purchases


def all_pages(client, limit, params=None):
    ids, skip = [], 0
    while True:
        body = client.get(URL, {**(params or {}), "skip": skip, "limit": limit}).json()
        if not body["items"]:
            return ids, body
        ids += [item["id"] for item in body["items"]]
        skip += limit


EXPECTED_ORDER = {
    None: ("-purchase_date", "-created_at", "id"),
    "-price": ("-price", "-created_at", "id"),
    "product_name": ("product_name", "-created_at", "id"),
}


@pytest.mark.parametrize("ordering", list(EXPECTED_ORDER))
@pytest.mark.parametrize("limit", [100, 7])
def test_pages_concatenated_are_the_whole_ordered_list_without_gaps_or_duplicates(owner_client, owner, ordering, limit):
    make_ties(owner, 260)
    params = {"ordering": ordering} if ordering else {}
    ids, _ = all_pages(owner_client, limit, params)
    expected = [str(pk) for pk in Purchase.objects.order_by(*EXPECTED_ORDER[ordering]).values_list("pk", flat=True)]
    assert len(ids) == len(set(ids)) == 260
    assert ids == expected


def test_a_deep_page_is_the_same_page_as_offset_would_read(owner_client, owner, monkeypatch):
    make_ties(owner, 230)
    deferred = [owner_client.get(URL, {"skip": skip, "limit": 9}).json() for skip in (200, 205, 221, 229, 230)]
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_FROM", 10**9)  # plain OFFSET for every page
    plain = [owner_client.get(URL, {"skip": skip, "limit": 9}).json() for skip in (200, 205, 221, 229, 230)]
    assert deferred == plain  # whole objects: warranties, counts and all
    assert [len(page["items"]) for page in deferred] == [9, 9, 9, 1, 0]


def test_a_deep_page_runs_as_many_queries_as_the_first(owner_client, owner, django_assert_num_queries):
    make_ties(owner, 230)
    # Token, scope, COUNT, the page (its ids a subquery when deep), the page's coverages.
    with django_assert_num_queries(5):
        first = owner_client.get(URL, {"limit": 10}).json()
    with django_assert_num_queries(5):
        deep = owner_client.get(URL, {"skip": 220, "limit": 10}).json()
    assert first["total"] == deep["total"] == 230
    assert len(deep["items"]) == 10


def test_include_total_false_skips_the_count_and_keeps_the_page(owner_client, owner, django_assert_num_queries):
    make_ties(owner, 25)
    counted = owner_client.get(URL, {"skip": 5, "limit": 10}).json()
    with django_assert_num_queries(4):  # token, scope, the page, its coverages: no COUNT
        uncounted = owner_client.get(URL, {"skip": 5, "limit": 10, "include_total": "false"}).json()
    assert uncounted == {**counted, "total": None}
    assert counted["total"] == 25
    past_the_end = owner_client.get(URL, {"skip": 30, "include_total": "false"}).json()
    assert past_the_end == {"total": None, "skip": 30, "limit": 20, "items": []}
    assert owner_client.get(URL, {"include_total": "true"}).json()["total"] == 25


@pytest.mark.parametrize("url", ["/api/warranties", "/api/retailers", "/api/brands"])
def test_include_total_false_works_on_every_list_endpoint(owner_client, owner, url):
    make_ties(owner, 3)
    body = owner_client.get(url, {"include_total": "no"}).json()
    assert body["total"] is None and body["items"]


@pytest.mark.parametrize("value", ["maybe", "2", "nul"])
def test_a_bad_include_total_is_a_400_on_that_parameter(owner_client, owner, value):
    assert_error(owner_client.get(URL, {"include_total": value}), 400, "validation_error", fields=["include_total"])


def test_search_counts_at_most_1000_matches_and_says_so(owner_client, owner):
    make_ties(owner, 1001, name="Kettle")
    make_ties(owner, 5, name="Toaster")
    capped = owner_client.get(URL, {"search": "kettle", "limit": 1}).json()
    assert (capped["total"], capped["total_exact"], len(capped["items"])) == (1000, False, 1)
    # The cap is a lower bound: the pages past it are still read.
    last = owner_client.get(URL, {"search": "kettle", "skip": 1000}).json()
    assert (last["total"], last["total_exact"], len(last["items"])) == (1000, False, 1)
    exact = owner_client.get(URL, {"search": "toaster"}).json()
    assert exact["total"] == 5 and "total_exact" not in exact
    everything = owner_client.get(URL, {"limit": 1}).json()
    assert everything["total"] == 1006 and "total_exact" not in everything  # no search: an exact count
    assert owner_client.get(URL, {"search": "kettle", "include_total": "false"}).json()["total"] is None


def test_exactly_1000_matches_is_an_exact_total(owner_client, owner):
    make_ties(owner, 1000, name="Kettle")
    body = owner_client.get(URL, {"search": "kettle", "limit": 1}).json()
    assert body["total"] == 1000 and "total_exact" not in body


def test_the_schema_documents_include_total_and_total_exact(anon_client):
    schema = anon_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/purchases"]["get"]["parameters"]}
    assert parameters["include_total"]["schema"] == {"type": "boolean", "default": True}
    page = schema["components"]["schemas"]["PaginatedPurchaseList"]
    assert page["properties"]["total"]["nullable"] is True
    assert page["properties"]["total_exact"]["type"] == "boolean"
    assert "total_exact" not in page["required"]


def test_a_deep_pages_ids_come_from_the_order_index_without_joins(owner_client, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_ties(owner, 210)
    with CaptureQueriesContext(connection) as ctx:
        owner_client.get(URL, {"skip": 205, "limit": 5})
    page = next(q["sql"] for q in ctx.captured_queries if "IN (SELECT" in q["sql"])
    subquery = page[page.index("IN (SELECT") : page.index("LIMIT", page.index("IN (SELECT"))]
    assert "JOIN" not in subquery and "ORDER BY" in subquery


@pytest.mark.parametrize("params", [{}, {"ordering": "-warranty_end"}, {"ordering": "warranty_start"}])
def test_deep_warranty_pages_are_the_pages_offset_would_read(owner_client, owner, monkeypatch, params):
    make_ties(owner, 430)  # 215 warranties, all ending on one day

    def pages():
        return [
            item["id"]
            for skip in range(0, 230, 23)
            for item in owner_client.get("/api/warranties", {**params, "skip": skip, "limit": 23}).json()["items"]
        ]

    deferred = pages()
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_FROM", 10**9)
    assert deferred == pages()
    assert len(deferred) == len(set(deferred)) == 215


def test_only_one_row_per_id_querysets_are_read_as_a_deferred_join(owner):
    make_ties(owner, 3)
    ordered = Purchase.objects.order_by("purchase_date", "id")
    assert pagination._keyed(ordered)
    for queryset in (
        Purchase.objects.all().order_by(),  # no order
        ordered.distinct(),
        ordered.union(ordered),
        ordered[:2],
        ordered.values("currency_code").annotate(n=Count("pk")).order_by("currency_code"),
    ):
        assert not pagination._keyed(queryset)
    # Whatever the path, the page is the page.
    assert pagination.page_rows(ordered.distinct(), 250, 5) == []
    assert [p.pk for p in pagination.page_rows(ordered, 1, 2)] == [p.pk for p in ordered[1:3]]
