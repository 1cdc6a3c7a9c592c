"""Several warranties per purchase (#21, API.md § Version 2): the chosen `warranty`, the `warranties` list, their
writes as a set, 409 on `warranty` with several, duration_months, the filters across coverages, the query counts."""

import datetime
import uuid
from datetime import UTC
from decimal import Decimal

import pytest
import time_machine

from purchases.models import Purchase
from tests.assertions import assert_error
from tests.factories import PurchaseFactory, WarrantyFactory, household_of
from warranties.choices import WarrantyStatus, WarrantyType
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

URL = "/api/purchases"
NOW = datetime.datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(NOW, tick=False):
        yield


def payload(**overrides):
    return {"product_name": "Fridge", "price": "899.00", "purchase_date": "2024-01-10", **overrides}


@pytest.fixture
def fridge(owner):
    """A purchase with three coverages: a LIFETIME (ACTIVE), an EXPIRED and a VOIDED one."""
    purchase = PurchaseFactory(owner=owner, product_name="Fridge", purchase_date=datetime.date(2024, 1, 10))
    expired = WarrantyFactory(
        purchase=purchase,
        warranty_start=datetime.date(2024, 1, 10),
        warranty_end=datetime.date(2025, 1, 10),
        provider="Maker",
        cost=Decimal("0.00"),
    )
    voided = WarrantyFactory(
        purchase=purchase,
        warranty_start=datetime.date(2024, 1, 10),
        warranty_end=datetime.date(2034, 1, 10),
        status=WarrantyStatus.VOIDED,
        warranty_type=WarrantyType.EXTENDED,
        provider="Retailer plan",
        reference="PLAN-77",
        cost=Decimal("149.00"),
    )
    lifetime = WarrantyFactory(
        purchase=purchase, warranty_start=datetime.date(2024, 1, 10), warranty_end=None, warranty_type="LIFETIME"
    )
    return purchase, {"expired": expired, "voided": voided, "lifetime": lifetime}


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


# --- reading ------------------------------------------------------------------------------------------------------


def test_warranty_is_the_lifetime_one_and_warranties_are_ordered_by_end(owner_client, fridge):
    purchase, coverages = fridge
    body = owner_client.get(f"{URL}/{purchase.pk}").json()
    assert body["warranty"]["id"] == str(coverages["lifetime"].pk)
    assert (body["warranty"]["status"], body["warranty"]["warranty_end"]) == ("ACTIVE", None)
    listed = [(item["id"], item["status"]) for item in body["warranties"]]
    assert listed == [
        (str(coverages["expired"].pk), "EXPIRED"),
        (str(coverages["voided"].pk), "VOIDED"),
        (str(coverages["lifetime"].pk), "ACTIVE"),
    ]
    voided = body["warranties"][1]
    assert (voided["cost"], voided["reference"], voided["claim_count"]) == ("149.00", "PLAN-77", 0)
    assert voided["purchase_id"] == str(purchase.pk) and voided["product_name"] == "Fridge"
    assert body["warranties"][0]["cost"] == "0.00" and body["warranty"]["cost"] is None


def test_without_lifetime_the_latest_end_then_the_latest_created_is_chosen(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    WarrantyFactory(purchase=purchase, warranty_end=datetime.date(2026, 1, 1))
    later = WarrantyFactory(purchase=purchase, warranty_end=datetime.date(2027, 1, 1))
    assert owner_client.get(f"{URL}/{purchase.pk}").json()["warranty"]["id"] == str(later.pk)
    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        newest = WarrantyFactory(purchase=purchase, warranty_end=datetime.date(2027, 1, 1))
    assert owner_client.get(f"{URL}/{purchase.pk}").json()["warranty"]["id"] == str(newest.pk)
    listed = owner_client.get(URL).json()["items"][0]
    assert listed["warranty"]["id"] == str(newest.pk) and len(listed["warranties"]) == 3


def test_a_purchase_without_coverages_has_null_and_an_empty_list(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    body = owner_client.get(f"{URL}/{purchase.pk}").json()
    assert (body["warranty"], body["warranties"]) == (None, [])


def test_has_warranty_and_warranty_status_look_at_every_coverage(owner_client, owner, fridge):
    purchase, _ = fridge
    bare = PurchaseFactory(owner=owner)
    active_only = PurchaseFactory(owner=owner)
    WarrantyFactory(purchase=active_only, warranty_end=TODAY + datetime.timedelta(days=5))
    fridge_id, bare_id, active_id = str(purchase.pk), str(bare.pk), str(active_only.pk)
    assert ids(owner_client.get(URL, {"has_warranty": "true"})) == {fridge_id, active_id}
    assert ids(owner_client.get(URL, {"has_warranty": "false"})) == {bare_id}
    assert ids(owner_client.get(URL, {"warranty_status": "ACTIVE"})) == {fridge_id, active_id}
    assert ids(owner_client.get(URL, {"warranty_status": "EXPIRED"})) == {fridge_id}
    assert ids(owner_client.get(URL, {"warranty_status": "VOIDED"})) == {fridge_id}
    # A purchase is listed once however many of its coverages match.
    assert owner_client.get(URL, {"has_warranty": "true"}).json()["total"] == 2
    assert_error(owner_client.get(URL, {"warranty_status": "LAPSED"}), 400, "validation_error", ["warranty_status"])


# --- writing the list as a set -------------------------------------------------------------------------------------


def test_put_warranties_updates_one_creates_one_and_deletes_the_rest(owner_client, fridge):
    purchase, coverages = fridge
    body = payload(
        warranties=[
            {"id": str(coverages["expired"].pk), "warranty_start": "2024-01-10", "warranty_end": "2026-01-10"},
            {"warranty_start": "2024-02-01", "duration_months": 36, "cost": "59.90", "reference": " CARD-1 "},
            {"id": str(coverages["lifetime"].pk), "warranty_start": "2024-01-10", "warranty_type": "LIFETIME"},
        ]
    )
    response = owner_client.put(f"{URL}/{purchase.pk}", body, format="json")
    assert response.status_code == 200, response.content
    stored = {w.pk: w for w in Warranty.objects.filter(purchase=purchase)}
    assert len(stored) == 3
    assert coverages["voided"].pk not in stored  # left out: deleted
    assert stored[coverages["expired"].pk].warranty_end == datetime.date(2026, 1, 10)
    assert stored[coverages["expired"].pk].provider == ""  # PUT replaces: omitted fields back to their defaults
    (new,) = [w for pk, w in stored.items() if pk not in (coverages["expired"].pk, coverages["lifetime"].pk)]
    assert (new.warranty_end, new.cost, new.reference) == (datetime.date(2027, 2, 1), Decimal("59.90"), "CARD-1")
    assert [item["id"] for item in response.json()["warranties"]] == [
        str(coverages["expired"].pk),
        str(new.pk),
        str(coverages["lifetime"].pk),
    ]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"warranty_start": "2024-01-10", "warranty_end": "2023-01-01"}, "warranty_end"),
        ({"warranty_start": "2024-01-10", "warranty_end": "2025-01-01", "cost": "-1.00"}, "cost"),
        ({"warranty_start": "2024-01-10", "duration_months": 0}, "duration_months"),
        ({"id": "not-a-uuid", "warranty_start": "2024-01-10", "warranty_end": "2025-01-01"}, "id"),
        ({"id": str(uuid.uuid4()), "warranty_start": "2024-01-10", "warranty_end": "2025-01-01"}, "id"),
    ],
)
def test_an_invalid_item_is_400_on_that_item_and_changes_nothing(owner_client, fridge, item, field):
    purchase, coverages = fridge
    before = sorted(Warranty.objects.filter(purchase=purchase).values_list("pk", "warranty_end", "updated_at"))
    body = payload(
        product_name="Renamed",
        warranties=[{"id": str(coverages["expired"].pk), "warranty_start": "2024-01-10", "warranty_end": "2026-01-10"}]
        + [item],
    )
    response = owner_client.put(f"{URL}/{purchase.pk}", body, format="json")
    assert_error(response, 400, "validation_error", ["warranties"])
    assert set(response.json()["errors"]["warranties"]["1"]) == {field}
    assert sorted(Warranty.objects.filter(purchase=purchase).values_list("pk", "warranty_end", "updated_at")) == before
    assert Purchase.objects.get(pk=purchase.pk).product_name == "Fridge"


def test_an_id_of_another_purchases_warranty_is_400(owner_client, owner, fridge):
    purchase, _ = fridge
    elsewhere = WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    body = payload(warranties=[{"id": str(elsewhere.pk), "warranty_start": "2024-01-10", "warranty_end": "2025-01-01"}])
    response = owner_client.put(f"{URL}/{purchase.pk}", body, format="json")
    assert_error(response, 400, "validation_error", ["warranties"])
    assert Warranty.objects.filter(purchase=purchase).count() == 3
    assert Warranty.objects.get(pk=elsewhere.pk).purchase_id == elsewhere.purchase_id


def test_an_empty_list_deletes_every_coverage_and_post_creates_several(owner_client, fridge):
    purchase, _ = fridge
    assert owner_client.put(f"{URL}/{purchase.pk}", payload(warranties=[]), format="json").status_code == 200
    assert not Warranty.objects.filter(purchase=purchase).exists()
    two = [
        {"warranty_start": "2025-01-01", "duration_months": 12},
        {"warranty_start": "2025-01-01", "warranty_end": "2030-01-01"},
    ]
    response = owner_client.post(URL, payload(warranties=two), format="json")
    assert response.status_code == 201, response.content
    assert [w["warranty_end"] for w in response.json()["warranties"]] == ["2026-01-01", "2030-01-01"]
    assert response.json()["warranty"]["warranty_end"] == "2030-01-01"


def test_warranty_and_warranties_together_are_400(owner_client):
    body = payload(warranty={"warranty_start": "2025-01-01", "warranty_end": "2026-01-01"}, warranties=[])
    assert_error(owner_client.post(URL, body, format="json"), 400, "validation_error", ["warranties"])
    assert not Purchase.objects.exists()


# --- the single `warranty` -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("value", [{"warranty_start": "2024-01-10", "warranty_end": "2026-01-10"}, None])
def test_writing_warranty_with_several_coverages_is_409(owner_client, fridge, method, value):
    purchase, _ = fridge
    before = sorted(Warranty.objects.filter(purchase=purchase).values_list("pk", "warranty_end", "updated_at"))
    body = payload(warranty=value, notes="changed") if method == "put" else {"warranty": value, "notes": "changed"}
    response = getattr(owner_client, method)(f"{URL}/{purchase.pk}", body, format="json")
    assert_error(response, 409, "conflict")
    assert "warranties" in response.json()["detail"]
    assert sorted(Warranty.objects.filter(purchase=purchase).values_list("pk", "warranty_end", "updated_at")) == before
    assert Purchase.objects.get(pk=purchase.pk).notes != "changed"


def test_warranty_keeps_working_with_one_coverage(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    only = WarrantyFactory(purchase=purchase)
    response = owner_client.patch(f"{URL}/{purchase.pk}", {"warranty": {"provider": "Maker"}}, format="json")
    assert response.status_code == 200
    assert Warranty.objects.get(pk=only.pk).provider == "Maker"
    assert owner_client.patch(f"{URL}/{purchase.pk}", {"warranty": None}, format="json").status_code == 200
    assert not Warranty.objects.filter(purchase=purchase).exists()


# --- duration_months --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ("2025-01-31", 1, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2025-03-31", 1, "2025-04-30"),
        ("2025-01-15", 24, "2027-01-15"),
        ("2025-11-30", 3, "2026-02-28"),
    ],
)
def test_duration_months_ends_on_the_same_day_clamped_to_the_months_end(owner_client, start, months, end):
    body = payload(warranty={"warranty_start": start, "duration_months": months})
    response = owner_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["warranty"]["warranty_end"] == end
    assert "duration_months" not in response.json()["warranty"]
    assert Warranty.objects.get().warranty_end == datetime.date.fromisoformat(end)


@pytest.mark.parametrize(
    "extra",
    [
        {"duration_months": 3, "warranty_end": "2026-01-01"},
        {"duration_months": 3, "warranty_end": None},
        {"duration_months": 1201},
        {"duration_months": "x"},
    ],
)
def test_bad_duration_months_is_400(owner_client, owner, extra):
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.post(
        "/api/warranties", {"purchase_id": str(purchase.pk), "warranty_start": "2025-01-31", **extra}, format="json"
    )
    assert_error(response, 400, "validation_error", ["duration_months"])
    assert not Warranty.objects.exists()


def test_post_warranties_adds_coverages_with_duration_cost_and_reference(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    for months in (12, 36):
        body = {
            "purchase_id": str(purchase.pk),
            "warranty_start": "2025-01-31",
            "duration_months": months,
            "cost": "19.99",
            "reference": "R-1",
        }
        assert owner_client.post("/api/warranties", body, format="json").status_code == 201
    ends = sorted(Warranty.objects.filter(purchase=purchase).values_list("warranty_end", flat=True))
    assert ends == [datetime.date(2026, 1, 31), datetime.date(2028, 1, 31)]
    item = owner_client.get("/api/warranties").json()["items"][0]
    assert (item["cost"], item["reference"], item["claim_count"]) == ("19.99", "R-1", 0)
    patched = owner_client.patch(f"/api/warranties/{item['id']}", {"duration_months": 1}, format="json")
    assert patched.status_code == 200 and patched.json()["warranty_end"] == "2025-02-28"


# --- query counts ---------------------------------------------------------------------------------------------------

# Token (1), scope (1), COUNT (1), the page with the chosen warranty joined (1), the page's coverages (1).
QUERIES_PER_PAGE = 5


@pytest.mark.parametrize("rows", [1, 30])
def test_the_list_with_three_coverages_each_runs_a_fixed_number_of_queries(
    owner_client, owner, django_assert_num_queries, rows
):
    for index in range(rows):
        purchase = PurchaseFactory(owner=owner, product_name=f"Item {index}")
        WarrantyFactory(purchase=purchase, warranty_type="LIFETIME", warranty_end=None)
        WarrantyFactory(purchase=purchase, warranty_end=TODAY - datetime.timedelta(days=1))
        WarrantyFactory(purchase=purchase, status=WarrantyStatus.VOIDED)
    with django_assert_num_queries(QUERIES_PER_PAGE):
        response = owner_client.get(URL, {"limit": 100})
    items = response.json()["items"]
    assert len(items) == rows
    assert all(len(item["warranties"]) == 3 and item["warranty"]["warranty_type"] == "LIFETIME" for item in items)
    with django_assert_num_queries(QUERIES_PER_PAGE):
        filtered = owner_client.get(URL, {"limit": 100, "warranty_status": "EXPIRED", "has_warranty": "true"})
    assert filtered.json()["total"] == rows
    detail_id = items[0]["id"]
    with django_assert_num_queries(QUERIES_PER_PAGE - 1):  # no COUNT
        assert len(owner_client.get(f"{URL}/{detail_id}").json()["warranties"]) == 3


def test_the_household_sees_only_its_coverages(owner_client, other_user, fridge):
    theirs = PurchaseFactory(owner=other_user)
    WarrantyFactory(purchase=theirs)
    assert household_of(other_user) != fridge[0].household_id
    assert owner_client.get(f"{URL}/{theirs.pk}").status_code == 404
    assert sum(len(item["warranties"]) for item in owner_client.get(URL).json()["items"]) == 3


def test_claim_count_of_the_chosen_warranty_and_of_each_coverage(owner_client, django_assert_num_queries, fridge):
    from warranties.models import Claim

    purchase, coverages = fridge
    for warranty, n in ((coverages["lifetime"], 2), (coverages["expired"], 1)):
        for _ in range(n):
            Claim.objects.create(warranty=warranty, opened_on=TODAY, issue="Broken")
    with django_assert_num_queries(QUERIES_PER_PAGE):  # the counts are subqueries of the page and of the prefetch
        item = owner_client.get(URL).json()["items"][0]
    assert item["warranty"]["claim_count"] == 2
    assert [w["claim_count"] for w in item["warranties"]] == [1, 0, 2]
