"""Purchases through HTTP (API.md § Purchases, § Settled details): shapes, validation, nested warranty, filters."""

import datetime
import uuid
from datetime import UTC
from decimal import Decimal

import pytest
import time_machine

from purchases.models import Purchase
from tests.assertions import assert_error
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, WarrantyFactory, household_of
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

URL = "/api/purchases"
TODAY = datetime.datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def detail_url(purchase_id):
    return f"{URL}/{purchase_id}"


def valid_payload(**overrides):
    return {"product_name": "MacBook Air 13", "price": "1299.99", "purchase_date": "2025-01-15", **overrides}


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(TODAY, tick=False):
        yield


# --- authentication and ownership --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "detail"),
    [("get", False), ("post", False), ("get", True), ("put", True), ("patch", True), ("delete", True)],
)
def test_anonymous_caller_gets_401_in_contract_shape(anon_client, owner, method, detail):
    purchase = PurchaseFactory(owner=owner)
    response = getattr(anon_client, method)(detail_url(purchase.pk) if detail else URL, valid_payload(), format="json")
    assert_error(response, 401, "not_authenticated")
    assert Purchase.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_users_purchase_is_404_and_untouched(other_client, owner, method):
    purchase = PurchaseFactory(owner=owner, product_name="Mine")
    WarrantyFactory(purchase=purchase)
    payload = None if method == "get" else valid_payload(product_name="Stolen", warranty=None)
    response = getattr(other_client, method)(detail_url(purchase.pk), payload, format="json")
    assert_error(response, 404, "not_found")
    purchase.refresh_from_db()
    assert purchase.product_name == "Mine"
    assert Warranty.objects.filter(purchase=purchase).exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_purchase_id_is_404(owner_client, method):
    response = getattr(owner_client, method)(detail_url(uuid.uuid4()), valid_payload(), format="json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("bad_id", ["abc", "12345", "0123456789abcdef0123456789abcdeX"])
def test_non_uuid_path_id_is_404(owner_client, bad_id):
    assert_error(owner_client.get(detail_url(bad_id)), 404, "not_found")
    assert_error(owner_client.delete(detail_url(bad_id)), 404, "not_found")


def test_list_shows_only_the_callers_purchases(owner_client, owner, other_user):
    mine = PurchaseFactory(owner=owner)
    PurchaseFactory(owner=other_user)
    body = owner_client.get(URL).json()
    assert body["total"] == 1
    assert [item["id"] for item in body["items"]] == [str(mine.pk)]


# --- create ----------------------------------------------------------------------------------------------


def test_create_returns_the_contract_object_with_defaults(owner_client, owner):
    response = owner_client.post(URL, valid_payload(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id", "product_name", "price", "currency_code", "retailer_id", "retailer_name", "brand_id", "brand_name",
        "status", "purchase_date", "notes", "warranty", "warranties", "attachment_count", "created_by", "created_at",
        "updated_at",
        "return_by", "returned_on", "exchange_rate", "rate_source", "home_price",
    }  # fmt: skip
    assert body["product_name"] == "MacBook Air 13"
    assert body["price"] == "1299.99"
    assert body["currency_code"] == "USD"
    assert body["status"] == "ORDERED"
    assert body["purchase_date"] == "2025-01-15"
    assert body["notes"] == ""
    assert body["retailer_id"] is body["retailer_name"] is body["brand_id"] is body["brand_name"] is None
    assert body["warranty"] is None
    assert body["attachment_count"] == 0
    assert body["created_by"] == owner.username
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
    purchase = Purchase.objects.get(pk=body["id"])
    assert purchase.created_by == owner and purchase.household_id == household_of(owner)
    assert (purchase.price, purchase.currency_code, purchase.status) == (Decimal("1299.99"), "USD", "ORDERED")


def test_create_uses_default_currency_setting(owner_client, settings):
    settings.DEFAULT_CURRENCY = "EUR"
    response = owner_client.post(URL, valid_payload(), format="json")
    assert response.status_code == 201
    assert response.json()["currency_code"] == "EUR"


def test_create_with_retailer_and_brand_names_them(owner_client):
    retailer, brand = RetailerFactory(name="Corner Store"), BrandFactory(name="Fruitco")
    response = owner_client.post(
        URL, valid_payload(retailer_id=str(retailer.pk), brand_id=str(brand.pk), status="RECEIVED"), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["retailer_id"], body["retailer_name"]) == (str(retailer.pk), "Corner Store")
    assert (body["brand_id"], body["brand_name"]) == (str(brand.pk), "Fruitco")
    assert body["status"] == "RECEIVED"
    purchase = Purchase.objects.get(pk=body["id"])
    assert (purchase.retailer, purchase.brand) == (retailer, brand)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("0", "0.00"),
        ("0.5", "0.50"),
        ("12", "12.00"),
        (12.5, "12.50"),
        (7, "7.00"),
        ("99999999.99", "99999999.99"),
    ],
)
def test_price_is_stored_exactly_and_returned_as_two_decimal_string(owner_client, sent, stored):
    response = owner_client.post(URL, valid_payload(price=sent), format="json")
    assert response.status_code == 201
    assert response.json()["price"] == stored
    assert Purchase.objects.get().price == Decimal(stored)


@pytest.mark.parametrize(("sent", "stored"), [("eur", "EUR"), ("Gbp", "GBP"), (" jpy ", "JPY"), ("USD", "USD")])
def test_currency_code_is_normalised_to_upper_case(owner_client, sent, stored):
    response = owner_client.post(URL, valid_payload(currency_code=sent), format="json")
    assert response.status_code == 201
    assert response.json()["currency_code"] == stored
    assert Purchase.objects.get().currency_code == stored


def test_text_fields_are_trimmed(owner_client):
    response = owner_client.post(URL, valid_payload(product_name="  Lamp  ", notes="  by the door \n"), format="json")
    assert response.status_code == 201
    assert (response.json()["product_name"], response.json()["notes"]) == ("Lamp", "by the door")
    purchase = Purchase.objects.get()
    assert (purchase.product_name, purchase.notes) == ("Lamp", "by the door")


def test_longest_allowed_name_and_notes_are_accepted(owner_client):
    response = owner_client.post(URL, valid_payload(product_name="n" * 255, notes="x" * 10_000), format="json")
    assert response.status_code == 201
    purchase = Purchase.objects.get()
    assert (len(purchase.product_name), len(purchase.notes)) == (255, 10_000)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"price": "abc"}, "price", id="price-not-a-number"),
        pytest.param({"price": "-0.01"}, "price", id="price-negative"),
        pytest.param({"price": -5}, "price", id="price-negative-number"),
        pytest.param({"price": "12.345"}, "price", id="price-three-decimals"),
        pytest.param({"price": 12.345}, "price", id="price-three-decimals-number"),
        pytest.param({"price": "NaN"}, "price", id="price-nan"),
        pytest.param({"price": "Infinity"}, "price", id="price-infinity"),
        pytest.param({"price": "100000000.00"}, "price", id="price-too-many-digits"),
        pytest.param({"price": None}, "price", id="price-null"),
        pytest.param({"price": ""}, "price", id="price-empty"),
        pytest.param({"product_name": ""}, "product_name", id="name-empty"),
        pytest.param({"product_name": "   "}, "product_name", id="name-blank"),
        pytest.param({"product_name": "n" * 256}, "product_name", id="name-too-long"),
        pytest.param({"product_name": None}, "product_name", id="name-null"),
        pytest.param({"notes": "x" * 10_001}, "notes", id="notes-too-long"),
        pytest.param({"purchase_date": "2025-02-30"}, "purchase_date", id="date-impossible"),
        pytest.param({"purchase_date": "15/01/2025"}, "purchase_date", id="date-wrong-format"),
        pytest.param({"purchase_date": "yesterday"}, "purchase_date", id="date-word"),
        pytest.param({"purchase_date": None}, "purchase_date", id="date-null"),
        pytest.param({"status": "SHIPPED"}, "status", id="status-unknown"),
        pytest.param({"status": "received"}, "status", id="status-lower-case"),
        pytest.param({"currency_code": "ZZZ"}, "currency_code", id="currency-unknown"),
        pytest.param({"currency_code": "US"}, "currency_code", id="currency-short"),
        pytest.param({"currency_code": "USDX"}, "currency_code", id="currency-long"),
        pytest.param({"currency_code": ""}, "currency_code", id="currency-empty"),
        pytest.param({"retailer_id": "not-a-uuid"}, "retailer_id", id="retailer-bad-uuid"),
        pytest.param({"retailer_id": str(uuid.UUID(int=1))}, "retailer_id", id="retailer-unknown"),
        pytest.param({"brand_id": "123"}, "brand_id", id="brand-bad-uuid"),
        pytest.param({"brand_id": str(uuid.UUID(int=2))}, "brand_id", id="brand-unknown"),
    ],
)
def test_create_with_bad_input_is_400_on_that_field_and_writes_nothing(owner_client, overrides, field):
    response = owner_client.post(URL, valid_payload(**overrides), format="json")
    body = assert_error(response, 400, "validation_error", fields=[field])
    assert all(isinstance(message, str) for message in body["errors"][field])
    assert Purchase.objects.count() == 0


@pytest.mark.parametrize("missing", ["product_name", "price", "purchase_date"])
def test_create_without_a_required_field_is_400(owner_client, missing):
    payload = valid_payload()
    del payload[missing]
    assert_error(owner_client.post(URL, payload, format="json"), 400, "validation_error", fields=[missing])
    assert Purchase.objects.count() == 0


def test_negative_price_error_message_is_the_contracts(owner_client):
    body = owner_client.post(URL, valid_payload(price="-1"), format="json").json()
    assert body["errors"] == {"price": ["Ensure this value is greater than or equal to 0."]}


def test_malformed_json_is_a_parse_error(owner_client):
    response = owner_client.post(URL, "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


@pytest.mark.parametrize("suffix", ["", "/"])
def test_every_route_works_with_and_without_trailing_slash(owner_client, suffix):
    created = owner_client.post(URL + suffix, valid_payload(), format="json")
    assert created.status_code == 201
    purchase_id = created.json()["id"]
    assert owner_client.get(URL + suffix).status_code == 200
    assert owner_client.get(detail_url(purchase_id) + suffix).status_code == 200
    assert owner_client.patch(detail_url(purchase_id) + suffix, {"notes": "n"}, format="json").status_code == 200
    assert owner_client.put(detail_url(purchase_id) + suffix, valid_payload(), format="json").status_code == 200
    assert owner_client.delete(detail_url(purchase_id) + suffix).status_code == 204
    assert not Purchase.objects.exists()


# --- nested warranty on create -----------------------------------------------------------------------


def test_create_with_nested_warranty_creates_both(owner_client):
    payload = valid_payload(
        warranty={
            "warranty_start": "2025-01-15",
            "warranty_end": "2027-01-15",
            "warranty_type": "EXTENDED",
            "provider": " AppleCare ",
            "notes": "receipt in drawer",
        }
    )
    response = owner_client.post(URL, payload, format="json")
    assert response.status_code == 201
    body = response.json()
    warranty = Warranty.objects.get()
    assert str(warranty.purchase_id) == body["id"]
    assert body["warranty"] == {
        "id": str(warranty.pk),
        "purchase_id": body["id"],
        "product_name": "MacBook Air 13",
        "warranty_start": "2025-01-15",
        "warranty_end": "2027-01-15",
        "warranty_type": "EXTENDED",
        "status": "ACTIVE",
        "days_remaining": (datetime.date(2027, 1, 15) - TODAY.date()).days,
        "provider": "AppleCare",
        "notes": "receipt in drawer",
        "cost": None,
        "reference": "",
        "claim_count": 0,
        "created_at": body["warranty"]["created_at"],
        "updated_at": body["warranty"]["updated_at"],
    }
    assert body["warranty"]["created_at"].endswith("Z")


def test_create_with_nested_lifetime_warranty_without_end(owner_client):
    payload = valid_payload(warranty={"warranty_start": "2025-01-15", "warranty_type": "LIFETIME"})
    response = owner_client.post(URL, payload, format="json")
    assert response.status_code == 201
    nested = response.json()["warranty"]
    assert (nested["warranty_end"], nested["status"], nested["days_remaining"]) == (None, "ACTIVE", None)
    assert Warranty.objects.get().warranty_end is None


def test_create_with_nested_voided_warranty(owner_client):
    payload = valid_payload(warranty={"warranty_start": "2025-01-15", "warranty_end": "2026-01-15", "status": "VOIDED"})
    response = owner_client.post(URL, payload, format="json")
    assert response.status_code == 201
    assert (response.json()["warranty"]["status"], response.json()["warranty"]["days_remaining"]) == ("VOIDED", None)


def test_create_with_nested_expired_warranty_shows_expired(owner_client):
    payload = valid_payload(warranty={"warranty_start": "2020-01-15", "warranty_end": "2021-01-15"})
    response = owner_client.post(URL, payload, format="json")
    assert response.status_code == 201
    assert response.json()["warranty"]["status"] == "EXPIRED"
    assert response.json()["warranty"]["days_remaining"] is None


def test_create_with_explicit_null_warranty_creates_no_warranty(owner_client):
    response = owner_client.post(URL, valid_payload(warranty=None), format="json")
    assert response.status_code == 201
    assert response.json()["warranty"] is None
    assert Purchase.objects.count() == 1
    assert Warranty.objects.count() == 0


@pytest.mark.parametrize(
    ("warranty", "field"),
    [
        pytest.param(
            {"warranty_start": "2025-02-01", "warranty_end": "2025-01-31"}, "warranty_end", id="end-before-start"
        ),
        pytest.param({"warranty_end": "2026-01-01"}, "warranty_start", id="start-missing"),
        pytest.param({"warranty_start": "2025-01-15"}, "warranty_end", id="end-missing-for-limited"),
        pytest.param(
            {"warranty_start": "2025-01-15", "warranty_end": None, "warranty_type": "EXTENDED"},
            "warranty_end",
            id="end-null-for-extended",
        ),
        pytest.param(
            {"warranty_start": "2025-01-15", "warranty_end": "2026-01-15", "warranty_type": "FOREVER"},
            "warranty_type",
            id="type-unknown",
        ),
        pytest.param(
            {"warranty_start": "2025-01-15", "warranty_end": "2026-01-15", "status": "EXPIRED"},
            "status",
            id="status-expired-not-writable",
        ),
        pytest.param({"warranty_start": "2025-13-01", "warranty_end": "2026-01-15"}, "warranty_start", id="bad-date"),
        pytest.param(
            {"warranty_start": "2025-01-15", "warranty_end": "2026-01-15", "provider": "p" * 256},
            "provider",
            id="provider-too-long",
        ),
        pytest.param(
            {"warranty_start": "2025-01-15", "warranty_end": "2026-01-15", "notes": "n" * 10_001},
            "notes",
            id="notes-too-long",
        ),
    ],
)
def test_create_with_bad_nested_warranty_leaves_no_purchase_behind(owner_client, warranty, field):
    response = owner_client.post(URL, valid_payload(warranty=warranty), format="json")
    body = assert_error(response, 400, "validation_error", fields=["warranty"])
    assert set(body["errors"]["warranty"]) == {field}
    assert Purchase.objects.count() == 0
    assert Warranty.objects.count() == 0


def test_create_with_warranty_that_is_not_an_object_is_400(owner_client):
    response = owner_client.post(URL, valid_payload(warranty="2 years"), format="json")
    assert_error(response, 400, "validation_error", fields=["warranty"])
    assert Purchase.objects.count() == 0


# --- update ----------------------------------------------------------------------------------------------


@pytest.fixture
def full_purchase(owner):
    """A purchase with every optional field set and a warranty."""
    purchase = PurchaseFactory(
        owner=owner,
        product_name="Vacuum",
        price=Decimal("399.00"),
        currency_code="EUR",
        retailer=RetailerFactory(name="Corner Store"),
        brand=BrandFactory(name="Fruitco"),
        status="RECEIVED",
        purchase_date=datetime.date(2025, 3, 10),
        notes="bagless",
    )
    WarrantyFactory(
        purchase=purchase,
        warranty_start=datetime.date(2025, 3, 10),
        warranty_end=datetime.date(2027, 3, 10),
        provider="Store",
        notes="keep box",
    )
    return purchase


def test_put_resets_omitted_optional_fields_but_leaves_the_warranty(owner_client, full_purchase):
    response = owner_client.put(
        detail_url(full_purchase.pk),
        {"product_name": "Vacuum 2", "price": "10.00", "purchase_date": "2025-03-11"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["currency_code"], body["status"], body["notes"]) == ("USD", "ORDERED", "")
    assert body["retailer_id"] is body["brand_id"] is body["retailer_name"] is body["brand_name"] is None
    assert body["warranty"]["warranty_end"] == "2027-03-10"
    assert body["warranty"]["product_name"] == "Vacuum 2"
    full_purchase.refresh_from_db()
    assert (full_purchase.product_name, full_purchase.price, full_purchase.currency_code) == (
        "Vacuum 2",
        Decimal("10.00"),
        "USD",
    )
    assert (full_purchase.status, full_purchase.notes, full_purchase.retailer, full_purchase.brand) == (
        "ORDERED",
        "",
        None,
        None,
    )
    assert full_purchase.purchase_date == datetime.date(2025, 3, 11)
    assert Warranty.objects.get(purchase=full_purchase).provider == "Store"


def test_put_without_required_fields_is_400(owner_client, full_purchase):
    response = owner_client.put(detail_url(full_purchase.pk), {"notes": "x"}, format="json")
    assert_error(response, 400, "validation_error", fields=["product_name", "price", "purchase_date"])
    full_purchase.refresh_from_db()
    assert full_purchase.notes == "bagless"


def test_put_with_warranty_object_replaces_the_warranty_fields(owner_client, full_purchase):
    warranty_id = full_purchase.warranties.get().pk
    response = owner_client.put(
        detail_url(full_purchase.pk),
        valid_payload(warranty={"warranty_start": "2025-04-01", "warranty_end": "2026-04-01"}),
        format="json",
    )
    assert response.status_code == 200
    warranty = Warranty.objects.get(purchase=full_purchase)
    assert warranty.pk == warranty_id
    assert (warranty.warranty_start, warranty.warranty_end) == (datetime.date(2025, 4, 1), datetime.date(2026, 4, 1))
    assert (warranty.provider, warranty.notes, warranty.warranty_type) == ("", "", "LIMITED")


def test_put_with_null_warranty_deletes_it(owner_client, full_purchase):
    response = owner_client.put(detail_url(full_purchase.pk), valid_payload(warranty=None), format="json")
    assert response.status_code == 200
    assert response.json()["warranty"] is None
    assert not Warranty.objects.filter(purchase=full_purchase).exists()


def test_patch_changes_only_given_fields(owner_client, full_purchase):
    response = owner_client.patch(detail_url(full_purchase.pk), {"status": "ORDERED", "price": 5}, format="json")
    assert response.status_code == 200
    assert response.json()["price"] == "5.00"
    full_purchase.refresh_from_db()
    assert (full_purchase.status, full_purchase.price, full_purchase.notes) == ("ORDERED", Decimal("5.00"), "bagless")
    assert full_purchase.currency_code == "EUR"
    assert full_purchase.retailer.name == "Corner Store"
    assert Warranty.objects.filter(purchase=full_purchase).exists()


def test_patch_can_clear_retailer_and_brand(owner_client, full_purchase):
    response = owner_client.patch(detail_url(full_purchase.pk), {"retailer_id": None, "brand_id": None}, format="json")
    assert response.status_code == 200
    full_purchase.refresh_from_db()
    assert full_purchase.retailer is full_purchase.brand is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "1.001"}, "price"),
        ({"currency_code": "ABC"}, "currency_code"),
        ({"product_name": ""}, "product_name"),
        ({"status": "LOST"}, "status"),
        ({"purchase_date": "2025-1-32"}, "purchase_date"),
        ({"retailer_id": "nope"}, "retailer_id"),
    ],
)
def test_patch_with_bad_input_is_400_and_changes_nothing(owner_client, full_purchase, payload, field):
    response = owner_client.patch(detail_url(full_purchase.pk), payload, format="json")
    assert_error(response, 400, "validation_error", fields=[field])
    full_purchase.refresh_from_db()
    assert (full_purchase.price, full_purchase.currency_code, full_purchase.status) == (
        Decimal("399.00"),
        "EUR",
        "RECEIVED",
    )


def test_patch_with_partial_nested_warranty_updates_only_that_field(owner_client, full_purchase):
    response = owner_client.patch(
        detail_url(full_purchase.pk), {"warranty": {"warranty_end": "2028-03-10"}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["warranty"]["warranty_end"] == "2028-03-10"
    warranty = Warranty.objects.get(purchase=full_purchase)
    assert (warranty.warranty_start, warranty.warranty_end) == (datetime.date(2025, 3, 10), datetime.date(2028, 3, 10))
    assert (warranty.provider, warranty.notes) == ("Store", "keep box")


def test_patch_nested_warranty_can_void_it(owner_client, full_purchase):
    response = owner_client.patch(detail_url(full_purchase.pk), {"warranty": {"status": "VOIDED"}}, format="json")
    assert response.status_code == 200
    assert response.json()["warranty"]["status"] == "VOIDED"
    assert response.json()["warranty"]["days_remaining"] is None
    assert Warranty.objects.get(purchase=full_purchase).status == "VOIDED"


def test_patch_nested_end_before_existing_start_is_nested_400(owner_client, full_purchase):
    response = owner_client.patch(
        detail_url(full_purchase.pk),
        {"product_name": "Renamed", "warranty": {"warranty_end": "2024-01-01"}},
        format="json",
    )
    body = assert_error(response, 400, "validation_error", fields=["warranty"])
    assert set(body["errors"]["warranty"]) == {"warranty_end"}
    full_purchase.refresh_from_db()
    assert full_purchase.product_name == "Vacuum"  # the purchase change was rolled back with the warranty
    assert Warranty.objects.get(purchase=full_purchase).warranty_end == datetime.date(2027, 3, 10)


def test_patch_nested_null_end_on_a_lifetime_warranty_is_accepted(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    WarrantyFactory(purchase=purchase, warranty_type="LIFETIME", warranty_end=None)
    response = owner_client.patch(
        detail_url(purchase.pk), {"warranty": {"warranty_end": None, "provider": "Maker"}}, format="json"
    )
    assert response.status_code == 200, response.content
    warranty = Warranty.objects.get(purchase=purchase)
    assert (warranty.warranty_end, warranty.provider) == (None, "Maker")


def test_patch_nested_type_to_lifetime_with_null_end(owner_client, full_purchase):
    response = owner_client.patch(
        detail_url(full_purchase.pk), {"warranty": {"warranty_type": "LIFETIME", "warranty_end": None}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Warranty.objects.get(purchase=full_purchase).warranty_end is None


def test_patch_nested_null_end_on_a_limited_warranty_is_nested_400(owner_client, full_purchase):
    response = owner_client.patch(detail_url(full_purchase.pk), {"warranty": {"warranty_end": None}}, format="json")
    body = assert_error(response, 400, "validation_error", fields=["warranty"])
    assert set(body["errors"]["warranty"]) == {"warranty_end"}
    assert Warranty.objects.get(purchase=full_purchase).warranty_end == datetime.date(2027, 3, 10)


def test_patch_with_warranty_object_creates_one_when_missing(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.patch(
        detail_url(purchase.pk),
        {"warranty": {"warranty_start": "2025-01-15", "warranty_end": "2025-06-15"}},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["warranty"]["status"] == "ACTIVE"
    assert response.json()["warranty"]["days_remaining"] == 0
    assert Warranty.objects.get(purchase=purchase).warranty_end == datetime.date(2025, 6, 15)


def test_patch_with_incomplete_new_warranty_is_nested_400_and_changes_nothing(owner_client, owner):
    purchase = PurchaseFactory(owner=owner, product_name="Before")
    response = owner_client.patch(
        detail_url(purchase.pk), {"product_name": "After", "warranty": {"warranty_end": "2026-01-01"}}, format="json"
    )
    body = assert_error(response, 400, "validation_error", fields=["warranty"])
    assert "warranty_start" in body["errors"]["warranty"]
    purchase.refresh_from_db()
    assert purchase.product_name == "Before"
    assert not Warranty.objects.exists()


def test_patch_with_null_warranty_deletes_it_and_absent_leaves_it(owner_client, full_purchase):
    assert owner_client.patch(detail_url(full_purchase.pk), {"notes": "x"}, format="json").status_code == 200
    assert Warranty.objects.filter(purchase=full_purchase).exists()
    response = owner_client.patch(detail_url(full_purchase.pk), {"warranty": None}, format="json")
    assert response.status_code == 200
    assert response.json()["warranty"] is None
    assert not Warranty.objects.exists()


def test_null_warranty_on_a_purchase_without_one_is_a_no_op(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    response = owner_client.patch(detail_url(purchase.pk), {"warranty": None}, format="json")
    assert response.status_code == 200
    assert response.json()["warranty"] is None


def test_update_bumps_updated_at_but_not_created_at(owner_client, full_purchase):
    before = owner_client.get(detail_url(full_purchase.pk)).json()
    with time_machine.travel(TODAY + datetime.timedelta(hours=1), tick=False):
        after = owner_client.patch(detail_url(full_purchase.pk), {"notes": "later"}, format="json").json()
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] > before["updated_at"]


# --- read and delete ---------------------------------------------------------------------------------


def test_retrieve_returns_purchase_with_its_warranty(owner_client, full_purchase):
    body = owner_client.get(detail_url(full_purchase.pk)).json()
    assert body["id"] == str(full_purchase.pk)
    assert (body["retailer_name"], body["brand_name"], body["price"]) == ("Corner Store", "Fruitco", "399.00")
    assert body["warranty"]["id"] == str(full_purchase.warranties.get().pk)
    assert body["warranty"]["days_remaining"] == (datetime.date(2027, 3, 10) - TODAY.date()).days


def test_delete_removes_the_purchase_and_its_warranty(owner_client, full_purchase, other_user):
    other = WarrantyFactory(purchase=PurchaseFactory(owner=other_user))
    response = owner_client.delete(detail_url(full_purchase.pk))
    assert response.status_code == 204
    assert not response.content
    assert not Purchase.objects.filter(pk=full_purchase.pk).exists()
    assert list(Warranty.objects.all()) == [other]


def test_delete_keeps_the_retailer_and_brand(owner_client, full_purchase):
    retailer, brand = full_purchase.retailer, full_purchase.brand
    assert owner_client.delete(detail_url(full_purchase.pk)).status_code == 204
    retailer.refresh_from_db()
    brand.refresh_from_db()


# --- list: filters -----------------------------------------------------------------------------------


@pytest.fixture
def catalog(db):
    return {
        "corner": RetailerFactory(name="Corner Store"),
        "uber": RetailerFactory(name="Über Shop"),
        "fruitco": BrandFactory(name="Fruitco"),
        "sonic": BrandFactory(name="Sonic"),
        "unused_retailer": RetailerFactory(name="Nobody Buys Here"),
    }


@pytest.fixture
def purchases(owner, other_user, catalog):
    """Four of the owner's purchases with distinct values, and one of another user's that must never show."""
    made = {
        "laptop": PurchaseFactory(
            owner=owner, product_name="MacBook Air", price=Decimal("1299.99"), currency_code="USD",
            retailer=catalog["corner"], brand=catalog["fruitco"], status="RECEIVED",
            purchase_date=datetime.date(2025, 1, 15),
        ),
        "grinder": PurchaseFactory(
            owner=owner, product_name="Coffee grinder", price=Decimal("49.50"), currency_code="EUR",
            retailer=catalog["uber"], status="ORDERED", purchase_date=datetime.date(2025, 2, 1),
            notes="Gift for Änne",
        ),
        "vacuum": PurchaseFactory(
            owner=owner, product_name="Vacuum", price=Decimal("399.00"), currency_code="USD",
            brand=catalog["sonic"], status="RECEIVED", purchase_date=datetime.date(2025, 3, 10),
        ),
        "headphones": PurchaseFactory(
            owner=owner, product_name="Headphones", price=Decimal("59.00"), currency_code="USD",
            retailer=catalog["corner"], brand=catalog["sonic"], status="ORDERED",
            purchase_date=datetime.date(2025, 1, 31), notes="noise cancelling",
        ),
    }  # fmt: skip
    WarrantyFactory(purchase=made["laptop"])
    WarrantyFactory(purchase=made["vacuum"])
    PurchaseFactory(
        owner=other_user, product_name="MacBook Pro", retailer=catalog["corner"], brand=catalog["fruitco"],
        price=Decimal("2000.00"), purchase_date=datetime.date(2025, 1, 20),
    )  # fmt: skip
    return made


def names(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == len(body["items"])
    return [item["product_name"] for item in body["items"]]


def test_default_order_is_newest_purchase_date_first(owner_client, purchases):
    assert names(owner_client.get(URL)) == ["Vacuum", "Coffee grinder", "Headphones", "MacBook Air"]


def test_default_order_breaks_date_ties_by_newest_created(owner_client, owner):
    with time_machine.travel(TODAY - datetime.timedelta(days=2), tick=False):
        PurchaseFactory(owner=owner, product_name="First", purchase_date=datetime.date(2025, 1, 1))
    with time_machine.travel(TODAY - datetime.timedelta(days=1), tick=False):
        PurchaseFactory(owner=owner, product_name="Second", purchase_date=datetime.date(2025, 1, 1))
    assert names(owner_client.get(URL)) == ["Second", "First"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"status": "RECEIVED"}, ["Vacuum", "MacBook Air"], id="status"),
        pytest.param({"status": "ORDERED"}, ["Coffee grinder", "Headphones"], id="status-ordered"),
        pytest.param({"currency_code": "EUR"}, ["Coffee grinder"], id="currency"),
        pytest.param({"currency_code": "eur"}, ["Coffee grinder"], id="currency-lower-case"),
        pytest.param({"currency_code": "GBP"}, [], id="currency-none-match"),
        pytest.param({"date_from": "2025-01-31"}, ["Vacuum", "Coffee grinder", "Headphones"], id="date-from-inclusive"),
        pytest.param({"date_to": "2025-01-31"}, ["Headphones", "MacBook Air"], id="date-to-inclusive"),
        pytest.param(
            {"date_from": "2025-01-31", "date_to": "2025-02-01"}, ["Coffee grinder", "Headphones"], id="dates"
        ),
        pytest.param({"date_from": "2025-02-02", "date_to": "2025-02-01"}, [], id="dates-empty-range"),
        pytest.param({"price_min": "399"}, ["Vacuum", "MacBook Air"], id="price-min-inclusive"),
        pytest.param({"price_max": "59.00"}, ["Coffee grinder", "Headphones"], id="price-max-inclusive"),
        pytest.param({"price_min": "49.50", "price_max": "49.50"}, ["Coffee grinder"], id="price-exact"),
        pytest.param({"has_warranty": "true"}, ["Vacuum", "MacBook Air"], id="has-warranty"),
        pytest.param({"has_warranty": "false"}, ["Coffee grinder", "Headphones"], id="has-no-warranty"),
        pytest.param({"search": "macbook"}, ["MacBook Air"], id="search-name-lower"),
        pytest.param({"search": "COFFEE"}, ["Coffee grinder"], id="search-name-upper"),
        pytest.param({"search": "NOISE"}, ["Headphones"], id="search-notes"),
        pytest.param({"search": "corner"}, ["Headphones", "MacBook Air"], id="search-retailer"),
        pytest.param({"search": "sonic"}, ["Vacuum", "Headphones"], id="search-brand"),
        pytest.param({"search": "über"}, ["Coffee grinder"], id="search-non-ascii-lower-retailer"),
        pytest.param({"search": "ÜBER SHOP"}, ["Coffee grinder"], id="search-non-ascii-upper-retailer"),
        pytest.param({"search": "änne"}, ["Coffee grinder"], id="search-non-ascii-notes"),
        pytest.param({"search": "  vacuum  "}, ["Vacuum"], id="search-trimmed"),
        pytest.param({"search": "100%"}, [], id="search-wildcard-is-literal"),
        pytest.param({"search": "_"}, [], id="search-underscore-is-literal"),
        pytest.param({"search": "nothing like it"}, [], id="search-no-match"),
    ],
)
def test_each_filter(owner_client, purchases, params, expected):
    assert names(owner_client.get(URL, params)) == expected


def test_filter_by_retailer_and_brand_id(owner_client, purchases, catalog):
    assert names(owner_client.get(URL, {"retailer_id": catalog["corner"].pk})) == ["Headphones", "MacBook Air"]
    assert names(owner_client.get(URL, {"brand_id": catalog["sonic"].pk})) == ["Vacuum", "Headphones"]
    assert names(owner_client.get(URL, {"retailer_id": catalog["unused_retailer"].pk})) == []
    both = {"retailer_id": catalog["corner"].pk, "brand_id": catalog["fruitco"].pk}
    assert names(owner_client.get(URL, both)) == ["MacBook Air"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"status": "RECEIVED", "currency_code": "usd", "has_warranty": "true", "price_min": "300"},
            ["Vacuum", "MacBook Air"],
        ),
        ({"status": "ORDERED", "search": "a", "date_to": "2025-01-31", "price_max": "100"}, ["Headphones"]),
        ({"search": "corner", "has_warranty": "false", "currency_code": "USD"}, ["Headphones"]),
        ({"search": "macbook", "status": "ORDERED"}, []),
        (
            {"date_from": "2025-01-15", "date_to": "2025-03-10", "price_min": "49.5", "price_max": "1299.99"},
            ["Vacuum", "Coffee grinder", "Headphones", "MacBook Air"],
        ),
    ],
)
def test_filters_combine(owner_client, purchases, params, expected):
    assert names(owner_client.get(URL, params)) == expected


def test_filters_combine_with_ids_and_ordering(owner_client, purchases, catalog):
    params = {"retailer_id": catalog["corner"].pk, "status": "ORDERED", "ordering": "price"}
    assert names(owner_client.get(URL, params)) == ["Headphones"]
    params = {"brand_id": catalog["sonic"].pk, "search": "o", "ordering": "-price", "limit": 1}
    body = owner_client.get(URL, params).json()
    assert body["total"] == 2
    assert [item["product_name"] for item in body["items"]] == ["Vacuum"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("purchase_date", ["MacBook Air", "Headphones", "Coffee grinder", "Vacuum"]),
        ("-purchase_date", ["Vacuum", "Coffee grinder", "Headphones", "MacBook Air"]),
        ("price", ["Coffee grinder", "Headphones", "Vacuum", "MacBook Air"]),
        ("-price", ["MacBook Air", "Vacuum", "Headphones", "Coffee grinder"]),
        ("product_name", ["Coffee grinder", "Headphones", "MacBook Air", "Vacuum"]),
        ("-product_name", ["Vacuum", "MacBook Air", "Headphones", "Coffee grinder"]),
    ],
)
def test_ordering(owner_client, purchases, ordering, expected):
    assert names(owner_client.get(URL, {"ordering": ordering})) == expected


def test_ordering_by_created_at(owner_client, owner):
    for offset, name in [(3, "Oldest"), (1, "Newest"), (2, "Middle")]:
        with time_machine.travel(TODAY - datetime.timedelta(days=offset), tick=False):
            PurchaseFactory(owner=owner, product_name=name)
    assert names(owner_client.get(URL, {"ordering": "created_at"})) == ["Oldest", "Middle", "Newest"]
    assert names(owner_client.get(URL, {"ordering": "-created_at"})) == ["Newest", "Middle", "Oldest"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "SHIPPED"}, "status"),
        ({"status": "received"}, "status"),
        ({"retailer_id": "not-a-uuid"}, "retailer_id"),
        ({"retailer_id": str(uuid.UUID(int=7))}, "retailer_id"),
        ({"brand_id": "42"}, "brand_id"),
        ({"brand_id": str(uuid.UUID(int=8))}, "brand_id"),
        ({"currency_code": "ZZZ"}, "currency_code"),
        ({"currency_code": "EURO"}, "currency_code"),
        ({"date_from": "2025-02-30"}, "date_from"),
        ({"date_to": "tomorrow"}, "date_to"),
        ({"price_min": "abc"}, "price_min"),
        ({"price_max": "NaN"}, "price_max"),
        ({"price_max": "1e-999999"}, "price_max"),
        ({"price_min": "1e999999"}, "price_min"),
        ({"price_min": "10.005"}, "price_min"),
        ({"price_min": "123456789012"}, "price_min"),
        ({"has_warranty": "maybe"}, "has_warranty"),
        ({"ordering": "owner"}, "ordering"),
        ({"ordering": "-notes"}, "ordering"),
        ({"ordering": "price,bogus"}, "ordering"),
    ],
)
def test_unknown_filter_value_is_400_on_that_parameter(owner_client, purchases, params, field):
    assert_error(owner_client.get(URL, params), 400, "validation_error", fields=[field])


def test_filter_by_another_users_catalog_use_shows_nothing_of_theirs(other_client, purchases, catalog):
    assert names(other_client.get(URL, {"brand_id": catalog["fruitco"].pk})) == ["MacBook Pro"]
