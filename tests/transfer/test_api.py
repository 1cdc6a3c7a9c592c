"""The export/import endpoints (API.md § Export and import): status codes, shapes, and what is stored afterwards."""

import datetime
import json
from decimal import Decimal

import pytest

from catalog.models import Brand, Retailer
from purchases.models import Purchase
from tests.factories import PurchaseFactory, RetailerFactory, WarrantyFactory
from tests.transfer.conftest import (
    HEADER,
    body,
    csv_rows,
    csv_text,
    export_csv,
    export_json,
    import_file,
    upload,
    without_regenerated,
)
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/export/json"),
    ("get", "/api/export/csv"),
    ("post", "/api/import/json"),
    ("post", "/api/import/csv"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("slash", ["", "/"])
def test_anonymous_gets_401_in_the_error_shape(anon_client, method, path, slash):
    response = getattr(anon_client, method)(path + slash)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- export -----------------------------------------------------------------------------------------------------------


def test_json_export_is_a_dated_download_with_the_contract_shape(owner_client, rich_data):
    response = owner_client.get("/api/export/json")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("application/json")
    today = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="spends-export-{today}.json"'
    document = json.loads(body(response))
    assert list(document) == ["format", "version", "exported_at", "retailers", "brands", "purchases"]
    assert document["format"] == "spends-tracker"
    assert document["version"] == 1
    assert document["exported_at"].endswith("Z")
    assert document["retailers"] == [
        {"name": "Fruit Shop", "url": "https://fruit.example.com"},
        {"name": "Müller Markt", "url": ""},
    ]
    assert document["brands"] == [{"name": "Sonique", "url": "https://sonique.example.com"}]
    assert len(document["purchases"]) == 6
    listed = owner_client.get("/api/purchases", {"limit": 100}).json()["items"]
    assert document["purchases"] == listed  # the purchase objects of GET /api/purchases, same order


def test_exports_contain_only_the_callers_data(owner_client, other_client, rich_data):
    document = export_json(owner_client)
    assert "Not yours" not in json.dumps(document)
    assert "Other Shop" not in json.dumps(document)
    assert "Not yours" not in export_csv(owner_client)
    other = export_json(other_client)
    assert [p["product_name"] for p in other["purchases"]] == ["Not yours"]
    assert other["retailers"] == [{"name": "Other Shop", "url": ""}]


def test_csv_export_has_bom_header_and_one_row_per_purchase(owner_client, rich_data):
    response = owner_client.get("/api/export/csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="spends-export-')
    assert response["Content-Disposition"].endswith('.csv"')
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff" + HEADER + "\r\n")
    rows = csv_rows(text)
    assert len(rows) == 6
    mac = next(row for row in rows if row["product_name"] == "MacBook Air 13")
    assert mac["price"] == "1299.99"
    assert mac["retailer"] == "Fruit Shop"
    assert mac["warranty_end"] == "2027-01-15"
    assert mac["warranty_status"] == "ACTIVE"
    assert mac["warranty_provider"] == "AppleCare"
    assert mac["warranty_notes"] == "'-extended"


def test_csv_export_honours_the_purchase_list_filters(owner_client, rich_data):
    rows = csv_rows(export_csv(owner_client, currency_code="eur"))
    assert [row["currency_code"] for row in rows] == ["EUR"]
    rows = csv_rows(export_csv(owner_client, search="twin"))
    assert [row["product_name"] for row in rows] == ["Twin", "Twin"]
    rows = csv_rows(export_csv(owner_client, has_warranty="true", ordering="price"))
    assert [row["price"] for row in rows] == ["0.00", "5.00", "5.00", "1299.99"]
    rows = csv_rows(export_csv(owner_client, date_from="2025-02-01", price_min="6"))
    assert [row["product_name"] for row in rows] == ["Twin", "Twin"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "LOST"},
        {"currency_code": "XXY"},
        {"has_warranty": "maybe"},
        {"date_from": "yesterday"},
        {"ordering": "owner"},
    ],
)
def test_csv_export_with_a_bad_filter_value_is_400(owner_client, params):
    response = owner_client.get("/api/export/csv", params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert set(response.json()["errors"]) == set(params)


def test_csv_export_neutralises_formula_cells(owner_client, rich_data):
    rows = {row["price"] + row["product_name"]: row for row in csv_rows(export_csv(owner_client))}
    formula = rows['5.00\'=HYPERLINK("http://evil")']
    assert formula["notes"] == "'+1 for this; -2 for that\n@mention"
    quoted = rows["5.00''=already quoted"]  # a value already starting with '= gets one more '
    assert quoted["notes"] == "'plain quote"  # not a formula: unchanged
    assert rows["9.99Twin"]["notes"] == ""


# --- round trips -------------------------------------------------------------------------------------------------------


def test_json_round_trip_into_an_empty_account_gives_the_same_document(owner_client, other_client, rich_data):
    PurchaseFactory.reset_sequence()
    Purchase.objects.filter(owner=other_client.user).delete()
    original = export_json(owner_client)
    response = import_file(other_client, "json", original)
    assert response.status_code == 200, response.json()
    report = response.json()
    assert report == {
        "dry_run": False,
        "total_rows": 6,
        "created": 6,
        "updated": 0,
        "skipped": 0,
        "errors": [],
        "warnings": [],
    }
    copy = export_json(other_client)
    assert without_regenerated(copy) == without_regenerated(original)
    # Only regenerated values differ: new ids, and the catalog ids are the same shared entries.
    assert {p["id"] for p in copy["purchases"]}.isdisjoint({p["id"] for p in original["purchases"]})
    # And importing it again into the same account finds every row a duplicate.
    again = import_file(other_client, "json", copy).json()
    assert (again["created"], again["skipped"]) == (0, 6)


def test_csv_round_trip_into_an_empty_account_gives_the_same_file(owner_client, other_client, rich_data):
    Purchase.objects.filter(owner=other_client.user).delete()
    original = export_csv(owner_client)
    response = import_file(other_client, "csv", original.encode("utf-8"))
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 6
    assert response.json()["warnings"] == []
    copy = export_csv(other_client)

    def comparable(text):
        return [{k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")} for row in csv_rows(text)]

    assert comparable(copy) == comparable(original)
    stored = Purchase.objects.get(owner=other_client.user, product_name__startswith="=HYPERLINK")
    assert stored.notes == "+1 for this; -2 for that\n@mention"
    assert Purchase.objects.get(owner=other_client.user, product_name="'=already quoted").notes == "'plain quote"


def test_json_round_trip_through_the_request_body(owner_client, other_client, rich_data):
    Purchase.objects.filter(owner=other_client.user).delete()
    original = export_json(owner_client)
    response = other_client.post("/api/import/json/", data=json.dumps(original), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 6
    assert without_regenerated(export_json(other_client)) == without_regenerated(original)
