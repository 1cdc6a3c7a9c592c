"""Retailers and brands through HTTP (API.md § Retailers and brands, § Settled details)."""

import uuid

import pytest

from catalog.models import Brand, Retailer
from tests.assertions import assert_error
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    pytest.param("/api/retailers", Retailer, RetailerFactory, "retailer", id="retailers"),
    pytest.param("/api/brands", Brand, BrandFactory, "brand", id="brands"),
]


@pytest.fixture(autouse=True)
def _empty_catalog(db):
    """The data migration seeds well-known names; these tests start from an empty catalog."""
    Retailer.objects.all().delete()
    Brand.objects.all().delete()


# --- authentication and permissions ------------------------------------------------------------------


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize(
    ("method", "detail"),
    [("get", False), ("post", False), ("get", True), ("put", True), ("patch", True), ("delete", True)],
)
def test_anonymous_caller_gets_401_in_contract_shape(anon_client, base, model, factory, fk, method, detail):
    entry = factory()
    url = f"{base}/{entry.pk}" if detail else base
    response = getattr(anon_client, method)(url, {"name": "X"}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert model.objects.count() == 1


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize(
    ("method", "payload"),
    [("put", {"name": "Renamed"}), ("patch", {"name": "Renamed"}), ("delete", None)],
)
def test_non_staff_user_cannot_change_or_delete_an_entry(owner_client, base, model, factory, fk, method, payload):
    entry = factory(name="Original")
    response = getattr(owner_client, method)(f"{base}/{entry.pk}", payload, format="json")
    assert_error(response, 403, "permission_denied")
    assert model.objects.get(pk=entry.pk).name == "Original"


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_any_user_lists_reads_and_creates(owner_client, other_client, base, model, factory, fk):
    created = owner_client.post(base, {"name": "Shared"}, format="json")
    assert created.status_code == 201
    entry_id = created.json()["id"]
    assert other_client.get(f"{base}/{entry_id}").json()["name"] == "Shared"
    assert [item["name"] for item in other_client.get(base).json()["items"]] == ["Shared"]


# --- create ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_create_returns_contract_object_with_trimmed_name(owner_client, base, model, factory, fk):
    response = owner_client.post(base, {"name": "  Über Shop  ", "url": "https://example.com/shop"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "url", "purchase_count", "created_at"}
    assert body["name"] == "Über Shop"
    assert body["url"] == "https://example.com/shop"
    assert body["purchase_count"] == 0
    assert body["created_at"].endswith("Z")
    entry = model.objects.get(pk=body["id"])
    assert (entry.name, entry.url) == ("Über Shop", "https://example.com/shop")


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_create_without_url_has_empty_url(owner_client, base, model, factory, fk):
    response = owner_client.post(base, {"name": "No Site"}, format="json")
    assert response.status_code == 201
    assert response.json()["url"] == ""
    assert model.objects.get().url == ""


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize("url", ["http://example.com", "https://example.com/a?b=c", ""])
def test_create_accepts_http_and_https_urls(owner_client, base, model, factory, fk, url):
    response = owner_client.post(base, {"name": "Site", "url": url}, format="json")
    assert response.status_code == 201
    assert model.objects.get().url == url


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Site", "url": "ftp://example.com"}, "url"),
        ({"name": "Site", "url": "javascript:alert(1)"}, "url"),
        ({"name": "Site", "url": "not a url"}, "url"),
        ({"name": "Site", "url": None}, "url"),
    ],
)
def test_create_with_bad_input_is_400_on_the_field(owner_client, base, model, factory, fk, payload, field):
    response = owner_client.post(base, payload, format="json")
    assert_error(response, 400, "validation_error", fields=[field])
    assert model.objects.count() == 0


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_name_of_exactly_100_characters_is_accepted(owner_client, base, model, factory, fk):
    response = owner_client.post(base, {"name": "x" * 100}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize("duplicate", ["amazon", "AMAZON", "  Amazon  ", "Amazon"])
def test_duplicate_name_ignoring_case_is_400_on_name(owner_client, base, model, factory, fk, duplicate):
    factory(name="Amazon")
    response = owner_client.post(base, {"name": duplicate}, format="json")
    assert_error(response, 400, "validation_error", fields=["name"])
    assert model.objects.count() == 1


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_duplicate_non_ascii_name_ignoring_case_is_400(owner_client, base, model, factory, fk):
    factory(name="Über Shop")
    response = owner_client.post(base, {"name": "über shop"}, format="json")
    assert_error(response, 400, "validation_error", fields=["name"])
    assert model.objects.count() == 1


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize("suffix", ["", "/"])
def test_list_and_create_work_with_and_without_trailing_slash(owner_client, base, model, factory, fk, suffix):
    created = owner_client.post(base + suffix, {"name": "Slash"}, format="json")
    assert created.status_code == 201
    listed = owner_client.get(base + suffix)
    assert listed.status_code == 200
    detail = owner_client.get(f"{base}/{created.json()['id']}{suffix}")
    assert detail.status_code == 200
    assert detail.json()["name"] == "Slash"


# --- list --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_list_is_sorted_by_name_ignoring_case(owner_client, base, model, factory, fk):
    for name in ["banana", "Cherry", "apple", "Date", "BANANA split"]:
        factory(name=name)
    body = owner_client.get(base).json()
    assert body["total"] == 5
    assert [item["name"] for item in body["items"]] == ["apple", "banana", "BANANA split", "Cherry", "Date"]


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("shop", ["Book Shop", "Über Shop"]),
        ("SHOP", ["Book Shop", "Über Shop"]),
        ("über", ["Über Shop"]),
        ("ÜBER", ["Über Shop"]),
        ("  book ", ["Book Shop"]),
        ("", ["Book Shop", "Mall", "Über Shop"]),
        ("zzz", []),
    ],
)
def test_search_matches_name_substring_ignoring_case(owner_client, base, model, factory, fk, term, expected):
    for name in ["Über Shop", "Book Shop", "Mall"]:
        factory(name=name)
    body = owner_client.get(base, {"search": term}).json()
    assert [item["name"] for item in body["items"]] == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_purchase_count_counts_only_the_callers_purchases(
    owner, other_user, owner_client, other_client, staff_client, base, model, factory, fk
):
    entry = factory(name="Counted")
    unused = factory(name="Unused")
    PurchaseFactory.create_batch(3, owner=owner, **{fk: entry})
    PurchaseFactory.create_batch(2, owner=other_user, **{fk: entry})
    PurchaseFactory(owner=owner)  # references nothing

    def counts(client):
        return {item["name"]: item["purchase_count"] for item in client.get(base).json()["items"]}

    assert counts(owner_client) == {"Counted": 3, "Unused": 0}
    assert counts(other_client) == {"Counted": 2, "Unused": 0}
    assert counts(staff_client) == {"Counted": 0, "Unused": 0}
    assert owner_client.get(f"{base}/{entry.pk}").json()["purchase_count"] == 3
    assert owner_client.get(f"{base}/{unused.pk}").json()["purchase_count"] == 0


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_list_paginates_with_skip_and_limit(owner_client, base, model, factory, fk):
    for i in range(5):
        factory(name=f"Entry {i}")
    body = owner_client.get(base, {"skip": 1, "limit": 2}).json()
    assert body["total"] == 5
    assert (body["skip"], body["limit"]) == (1, 2)
    assert [item["name"] for item in body["items"]] == ["Entry 1", "Entry 2"]


# --- read, update, delete ----------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_id_is_404(staff_client, base, model, factory, fk, method):
    response = getattr(staff_client, method)(f"{base}/{uuid.uuid4()}", {"name": "X"}, format="json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize("bad_id", ["abc", "123", "not-a-uuid-at-all"])
def test_non_uuid_path_id_is_404(owner_client, base, model, factory, fk, bad_id):
    response = owner_client.get(f"{base}/{bad_id}")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_staff_put_replaces_name_and_resets_url(staff_client, base, model, factory, fk):
    entry = factory(name="Old", url="https://old.example.com")
    response = staff_client.put(f"{base}/{entry.pk}", {"name": "  New  "}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "New"
    assert response.json()["url"] == ""
    entry.refresh_from_db()
    assert (entry.name, entry.url) == ("New", "")


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_staff_patch_changes_only_given_fields(staff_client, base, model, factory, fk):
    entry = factory(name="Keep", url="https://old.example.com")
    response = staff_client.patch(f"{base}/{entry.pk}", {"url": "http://new.example.com"}, format="json")
    assert response.status_code == 200
    entry.refresh_from_db()
    assert (entry.name, entry.url) == ("Keep", "http://new.example.com")


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_staff_patch_can_change_case_of_own_name(staff_client, base, model, factory, fk):
    entry = factory(name="amazon")
    response = staff_client.patch(f"{base}/{entry.pk}", {"name": "Amazon"}, format="json")
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.name == "Amazon"


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_staff_rename_to_anothers_name_is_400_on_name(staff_client, base, model, factory, fk):
    factory(name="Taken")
    entry = factory(name="Mine")
    response = staff_client.patch(f"{base}/{entry.pk}", {"name": "TAKEN"}, format="json")
    assert_error(response, 400, "validation_error", fields=["name"])
    entry.refresh_from_db()
    assert entry.name == "Mine"


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
@pytest.mark.parametrize(
    ("payload", "field"),
    [({"name": "x" * 101}, "name"), ({"url": "ftp://x.example.com"}, "url"), ({"name": ""}, "name")],
)
def test_staff_patch_with_bad_input_is_400(staff_client, base, model, factory, fk, payload, field):
    entry = factory(name="Stays")
    response = staff_client.patch(f"{base}/{entry.pk}", payload, format="json")
    assert_error(response, 400, "validation_error", fields=[field])
    entry.refresh_from_db()
    assert entry.name == "Stays"


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_staff_deletes_an_unreferenced_entry(staff_client, base, model, factory, fk):
    entry = factory()
    response = staff_client.delete(f"{base}/{entry.pk}")
    assert response.status_code == 204
    assert not model.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_delete_while_anyones_purchase_references_it_is_409(other_user, staff_client, base, model, factory, fk):
    entry = factory()
    purchase = PurchaseFactory(owner=other_user, **{fk: entry})
    response = staff_client.delete(f"{base}/{entry.pk}")
    assert_error(response, 409, "conflict")
    assert model.objects.filter(pk=entry.pk).exists()
    purchase.refresh_from_db()
    assert getattr(purchase, f"{fk}_id") == entry.pk


@pytest.mark.parametrize(("base", "model", "factory", "fk"), ENDPOINTS)
def test_search_with_bad_pagination_is_400(owner_client, base, model, factory, fk):
    response = owner_client.get(base, {"limit": "0"})
    assert_error(response, 400, "validation_error", fields=["limit"])
