"""Data and helpers shared by the export/import tests."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from purchases import conversion
from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, WarrantyFactory, household_of
from warranties.choices import WarrantyStatus, WarrantyType

HEADER = (
    "id,product_name,price,currency_code,retailer,brand,status,purchase_date,notes,warranty_start,warranty_end,"
    "warranty_type,warranty_status,warranty_provider,warranty_notes,created_by,created_at,updated_at,return_by,returned_on,"
    "warranty_cost,warranty_reference,exchange_rate,rate_source,home_price"
)
TIMESTAMP_KEYS = {"id", "purchase_id", "created_at", "updated_at", "exported_at"}


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def export_json(client, **params) -> dict:
    response = client.get("/api/export/json", params)
    assert response.status_code == 200, response.content
    return json.loads(body(response))


def export_csv(client, **params) -> str:
    response = client.get("/api/export/csv", params)
    assert response.status_code == 200, body(response)
    return body(response).decode("utf-8")


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def upload(content, name="import.csv", content_type="text/csv") -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content, content_type=content_type)


def import_file(client, kind: str, content, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    path = f"/api/import/{kind}" + (f"?{query}" if query else "")
    if isinstance(content, dict):
        content = json.dumps(content)
    return client.post(path, {"file": upload(content, name=f"import.{kind}")}, format="multipart")


def without_regenerated(value):
    """The document with the values an import regenerates (ids, timestamps, exported_at) removed."""
    if isinstance(value, dict):
        return {key: without_regenerated(item) for key, item in value.items() if key not in TIMESTAMP_KEYS}
    if isinstance(value, list):
        return [without_regenerated(item) for item in value]
    return value


def as_imported_by(document: dict, username: str) -> dict:
    """The export document as another household's import gives it back: the file's `created_by` names no member
    there, so every purchase records the importer."""
    return {**document, "purchases": [{**obj, "created_by": username} for obj in document["purchases"]]}


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def converted(household_id) -> None:
    """The household's purchases with their conversion (rate, source, home price), as every write of the app sets it:
    the factories save the model directly and leave it null, which an import (it computes rates) would not give back."""
    purchases = Purchase.objects.filter(household_id=household_id)
    conversion.reconvert(purchases, home_currency=conversion.home_currency_of(household_id))


@pytest.fixture
def rich_data(owner, other_user, shipped_rates):
    """An owner's purchases exercising every column: catalog, warranties of each kind, tricky text, same dates."""
    apple = RetailerFactory(name="Fruit Shop", url="https://fruit.example.com")
    muller = RetailerFactory(name="Müller Markt")
    sony = BrandFactory(name="Sonique", url="https://sonique.example.com")
    day = datetime.date(2025, 3, 1)
    purchases = [
        PurchaseFactory(
            owner=owner,
            product_name="MacBook Air 13",
            price=Decimal("1299.99"),
            retailer=apple,
            purchase_date=datetime.date(2025, 1, 15),
            status=PurchaseStatus.RECEIVED,
            return_by=datetime.date(2025, 2, 14),
        ),
        PurchaseFactory(
            owner=owner,
            product_name="Kopfhörer „Über“ 日本語 ✓",
            price=Decimal("0.00"),
            currency_code="EUR",
            retailer=muller,
            brand=sony,
            purchase_date=day,
            status=PurchaseStatus.ORDERED,
            notes='Comma, "quotes" and\nnew lines\r\nhere',
        ),
        PurchaseFactory(
            owner=owner,
            product_name='=HYPERLINK("http://evil")',
            price=Decimal("5.00"),
            purchase_date=day,
            notes="+1 for this; -2 for that\n@mention",
        ),
        PurchaseFactory(
            owner=owner,
            product_name="'=already quoted",
            price=Decimal("5.00"),
            purchase_date=day,
            notes="'plain quote",
            status=PurchaseStatus.RETURNED,
            return_by=datetime.date(2025, 3, 31),
            returned_on=datetime.date(2025, 3, 9),
        ),
        PurchaseFactory(owner=owner, product_name="Twin", price=Decimal("9.99"), purchase_date=day),
        PurchaseFactory(owner=owner, product_name="Twin", price=Decimal("9.99"), purchase_date=day),
    ]
    WarrantyFactory(
        purchase=purchases[0],
        warranty_start=datetime.date(2025, 1, 15),
        warranty_end=datetime.date(2099, 1, 15),
        provider="AppleCare",
        notes="-extended",
    )
    WarrantyFactory(purchase=purchases[1], warranty_start=day, warranty_end=None, warranty_type=WarrantyType.LIFETIME)
    WarrantyFactory(
        purchase=purchases[2],
        warranty_start=datetime.date(2020, 1, 1),
        warranty_end=datetime.date(2021, 1, 1),
        warranty_type=WarrantyType.EXTENDED,
    )  # EXPIRED
    WarrantyFactory(
        purchase=purchases[3],
        warranty_start=day,
        warranty_end=datetime.date(2026, 3, 1),
        status=WarrantyStatus.VOIDED,
        warranty_type=WarrantyType.OTHER,
    )
    # Someone else's data, which no export of the owner's may show.
    PurchaseFactory(owner=other_user, product_name="Not yours", retailer=RetailerFactory(name="Other Shop"))
    converted(household_of(owner))
    return purchases
