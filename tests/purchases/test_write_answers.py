"""Issue #24: a create's or update's answer is rendered from what was written (purchases.nested.written_row), not
read back. It must be the very object a GET answers right after: every key, every value, on both engines, for every
kind of purchase (currencies and rates, return windows, catalog entries) and of coverage (effective statuses, the
chosen one and its ties, claims)."""

import datetime
import uuid
from datetime import UTC

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from attachments import services as attachments
from tests.attachments.conftest import PDF
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, WarrantyFactory
from warranties.models import Claim

pytestmark = pytest.mark.django_db

URL = "/api/purchases"
TODAY = datetime.date.today()


def _day(days: int) -> str:
    return (TODAY + datetime.timedelta(days=days)).isoformat()


def _coverage(start: int, end: int | None, **fields) -> dict:
    kind = {"warranty_type": "LIFETIME"} if end is None else {}
    return {"warranty_start": _day(start), "warranty_end": None if end is None else _day(end), **kind, **fields}


BASE = {"product_name": "  Espresso machine ", "price": "349.99", "purchase_date": _day(-400), "notes": " daily "}

CREATES = {
    "no warranty": {},
    "active": {"warranty": {**_coverage(-400, 330), "cost": "19.90", "reference": "P-1", "provider": " Maker "}},
    "by duration": {"warranty": {"warranty_start": _day(-400), "duration_months": 24}},
    "lifetime": {"warranty": _coverage(-400, None)},
    "expired": {"warranty": _coverage(-400, -35)},
    "voided": {"warranty": {**_coverage(-400, 330), "status": "VOIDED"}},
    "several": {"warranties": [_coverage(-400, -35), _coverage(-400, 700, status="VOIDED"), _coverage(-400, 90)]},
    "with a lifetime among several": {"warranties": [_coverage(-400, 900), _coverage(-400, None), _coverage(-9, 9)]},
    "same end twice": {"warranties": [_coverage(-400, 30), _coverage(-300, 30), _coverage(-200, 30)]},
    "returned": {"status": "RETURNED", "return_days": 30},
    "return window": {"return_by": _day(-380), "status": "RECEIVED"},
    "returned on": {"status": "RETURNED", "returned_on": _day(-390)},
    "foreign currency": {"currency_code": "EUR", "purchase_date": "2024-03-14"},
    "foreign currency, weekend": {"currency_code": "GBP", "purchase_date": "2024-03-16", "price": "0.07"},
    "manual rate": {"currency_code": "JPY", "exchange_rate": "0.006543210987"},
    "no known rate": {"currency_code": "VND"},
    "home rate given": {"currency_code": "USD", "exchange_rate": "1"},
}


@pytest.mark.parametrize("case", list(CREATES))
def test_the_created_object_is_what_a_get_answers(owner_client, shipped_rates, case):
    response = owner_client.post(URL, {**BASE, **CREATES[case]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == owner_client.get(f"{URL}/{response.json()['id']}").json()


def test_the_catalog_names_and_the_members_username_come_from_memory(owner_client):
    retailer, brand = RetailerFactory(name="Corner Shop"), BrandFactory(name="Acme")
    body = {**BASE, "retailer_id": str(retailer.pk), "brand_id": str(brand.pk), **CREATES["active"]}
    created = owner_client.post(URL, body, format="json").json()
    assert (created["retailer_name"], created["brand_name"], created["created_by"]) == ("Corner Shop", "Acme", "owner")
    assert created == owner_client.get(f"{URL}/{created['id']}").json()


def test_ties_between_coverages_created_in_the_same_instant_are_broken_as_the_database_breaks_them(owner_client):
    with time_machine.travel(datetime.datetime.now(UTC), tick=False):  # one created_at for all: the ids decide
        for _ in range(4):
            created = owner_client.post(URL, {**BASE, **CREATES["same end twice"]}, format="json").json()
            assert created == owner_client.get(f"{URL}/{created['id']}").json()


@pytest.fixture
def machine(owner):
    """A purchase with three coverages (one voided, one expired, one active with two claims)."""
    purchase = PurchaseFactory(owner=owner, product_name="Machine", purchase_date=TODAY - datetime.timedelta(days=400))
    start = purchase.purchase_date
    voided = WarrantyFactory(purchase=purchase, warranty_start=start, warranty_end=start.replace(year=start.year + 5))
    voided.status = "VOIDED"
    voided.save()
    expired = WarrantyFactory(purchase=purchase, warranty_start=start, warranty_end=TODAY - datetime.timedelta(days=3))
    active = WarrantyFactory(purchase=purchase, warranty_start=start, warranty_end=TODAY + datetime.timedelta(days=60))
    for issue in ("Leaks", "Noisy"):
        Claim.objects.create(warranty=active, opened_on=TODAY, issue=issue)
    return purchase, {"voided": voided, "expired": expired, "active": active}


def _updates(coverages) -> dict:
    ids = {name: str(warranty.pk) for name, warranty in coverages.items()}
    return {
        "price only": {"price": "299.00"},
        "returned": {"status": "RETURNED"},
        "currency": {"currency_code": "EUR", "purchase_date": "2024-03-14"},
        "return window": {"return_days": 14},
        "coverages as a set": {
            "warranties": [
                {"id": ids["active"], **_coverage(-400, 61), "provider": "Shop"},
                {"id": ids["expired"], **_coverage(-400, -3), "status": "VOIDED"},
                _coverage(-1, None),
            ]
        },
        "coverages emptied": {"warranties": []},
    }


@pytest.mark.parametrize(
    "case", ["price only", "returned", "currency", "return window", "coverages as a set", "coverages emptied"]
)
def test_the_updated_object_is_what_a_get_answers(owner_client, shipped_rates, machine, case):
    purchase, coverages = machine
    response = owner_client.patch(f"{URL}/{purchase.pk}", _updates(coverages)[case], format="json")
    assert response.status_code == 200, response.content
    assert response.json() == owner_client.get(f"{URL}/{purchase.pk}").json()


@pytest.mark.parametrize("warranty", [_coverage(-400, 20, provider="Shop"), None, {"status": "VOIDED"}])
def test_the_single_warranty_written_by_an_update_is_what_a_get_answers(owner_client, owner, warranty):
    purchase = PurchaseFactory(owner=owner, purchase_date=TODAY - datetime.timedelta(days=400))
    stored = WarrantyFactory(purchase=purchase, warranty_start=purchase.purchase_date)
    Claim.objects.create(warranty=stored, opened_on=TODAY, issue="Cracked")
    response = owner_client.patch(f"{URL}/{purchase.pk}", {"warranty": warranty}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == owner_client.get(f"{URL}/{purchase.pk}").json()


def test_a_put_answers_what_a_get_answers(owner_client, shipped_rates, machine):
    purchase, _ = machine
    body = {**BASE, "currency_code": "GBP", "purchase_date": "2024-03-14", **CREATES["several"]}
    response = owner_client.put(f"{URL}/{purchase.pk}", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == owner_client.get(f"{URL}/{purchase.pk}").json()
    assert len(response.json()["warranties"]) == 3  # the set given replaced the three stored


def test_the_attachment_count_of_an_update_is_the_fetched_one(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    for _ in range(2):
        attachments.attachment_upload(
            purchase=purchase, created_by=owner, uploaded_file=SimpleUploadedFile("receipt.pdf", PDF)
        )
    response = owner_client.patch(f"{URL}/{purchase.pk}", {"notes": "x"}, format="json")
    assert response.status_code == 200 and response.json()["attachment_count"] == 2
    assert response.json() == owner_client.get(f"{URL}/{purchase.pk}").json()


def test_an_unknown_purchase_is_still_404(owner_client):
    assert owner_client.patch(f"{URL}/{uuid.uuid4()}", {"price": "1.00"}, format="json").status_code == 404
