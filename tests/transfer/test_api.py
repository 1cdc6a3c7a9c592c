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
    as_imported_by,
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


# --- export ---


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
    assert document["version"] == 2
    assert document["exported_at"].endswith("Z")
    assert document["retailers"] == [
        {"name": "Fruit Shop", "url": "https://fruit.example.com"},
        {"name": "Müller Markt", "url": ""},
    ]
    assert document["brands"] == [{"name": "Sonique", "url": "https://sonique.example.com"}]
    assert len(document["purchases"]) == 6
    listed = owner_client.get("/api/purchases", {"limit": 100}).json()["items"]
    # The purchase objects of GET /api/purchases, same order; version 2 adds each coverage's claims (none here).
    assert [w.pop("claims") for p in document["purchases"] for w in p["warranties"]] == [[]] * sum(
        len(p["warranties"]) for p in listed
    )
    assert document["purchases"] == listed


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
    assert mac["warranty_end"] == "2099-01-15"
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


# --- round trips ---


def test_json_round_trip_into_an_empty_account_gives_the_same_document(owner_client, other_client, rich_data):
    PurchaseFactory.reset_sequence()
    Purchase.objects.filter(household__memberships__user=other_client.user).delete()
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
        "skipped_rows": [],
    }
    copy = export_json(other_client)
    assert {p["created_by"] for p in original["purchases"]} == {"owner"}
    # "owner" is no member of the other household: the importer is recorded instead (and nothing else differs).
    assert without_regenerated(copy) == without_regenerated(as_imported_by(original, "other"))
    # Only regenerated values differ: new ids, and the catalog ids are the same shared entries.
    assert {p["id"] for p in copy["purchases"]}.isdisjoint({p["id"] for p in original["purchases"]})
    # And importing it again into the same account finds every row a duplicate.
    again = import_file(other_client, "json", copy).json()
    assert (again["created"], again["skipped"]) == (0, 6)


def test_csv_round_trip_into_an_empty_account_gives_the_same_file(owner_client, other_client, rich_data):
    Purchase.objects.filter(household__memberships__user=other_client.user).delete()
    original = export_csv(owner_client)
    response = import_file(other_client, "csv", original.encode("utf-8"))
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 6
    assert response.json()["warnings"] == []
    copy = export_csv(other_client)

    def comparable(text, created_by):
        rows = [{k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")} for row in csv_rows(text)]
        assert {row["created_by"] for row in rows} == {created_by}
        return [{**row, "created_by": None} for row in rows]

    # "owner" is no member of the other household: the importer is recorded instead (and nothing else differs).
    assert comparable(copy, "other") == comparable(original, "owner")
    stored = Purchase.objects.get(household__memberships__user=other_client.user, product_name__startswith="=HYPERLINK")
    assert stored.notes == "+1 for this; -2 for that\n@mention"
    assert (
        Purchase.objects.get(household__memberships__user=other_client.user, product_name="'=already quoted").notes
        == "'plain quote"
    )


def test_json_round_trip_through_the_request_body(owner_client, other_client, rich_data):
    Purchase.objects.filter(household__memberships__user=other_client.user).delete()
    original = export_json(owner_client)
    response = other_client.post("/api/import/json/", data=json.dumps(original), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 6
    assert without_regenerated(export_json(other_client)) == without_regenerated(as_imported_by(original, "other"))


# --- import: reports, duplicates, dry run, partial ---


def _rows(n: int, *, bad_row: int | None = None) -> str:
    lines = []
    for i in range(1, n + 1):
        price = "-1.00" if i == bad_row else f"{i}.50"
        lines.append(f"Item {i},{price},2025-02-{1 + i % 28:02d}")
    return csv_text(*lines, header="product_name,price,purchase_date")


def test_minimal_csv_import_creates_purchases_with_defaults(owner_client, owner):
    response = import_file(
        owner_client, "csv", csv_text("Desk lamp,19.90,2025-02-01", header="product_name,price,purchase_date")
    )
    assert response.status_code == 200
    assert response.json() == {
        "dry_run": False,
        "total_rows": 1,
        "created": 1,
        "updated": 0,
        "skipped": 0,
        "errors": [],
        "warnings": [],
        "skipped_rows": [],
    }
    purchase = Purchase.objects.get(household__memberships__user=owner)
    assert (purchase.product_name, purchase.price, purchase.currency_code, purchase.status, purchase.notes) == (
        "Desk lamp",
        Decimal("19.90"),
        "USD",
        "ORDERED",
        "",
    )
    assert purchase.retailer is None and not Warranty.objects.exists()


def test_an_error_in_row_500_of_1000_writes_nothing(owner_client, owner):
    response = import_file(owner_client, "csv", _rows(1000, bad_row=500))
    assert response.status_code == 400
    report = response.json()
    assert report["code"] == "validation_error"
    assert "nothing was imported" in report["detail"]
    assert report["errors"] == [
        {"row": 500, "line": 501, "field": "price", "message": "Ensure this value is greater than or equal to 0."}
    ]
    assert (report["total_rows"], report["created"], report["updated"], report["skipped"]) == (1000, 0, 0, 0)
    assert not Purchase.objects.filter(household__memberships__user=owner).exists()


def test_partial_import_writes_the_999_valid_rows(owner_client, owner):
    response = import_file(owner_client, "csv", _rows(1000, bad_row=500), partial="true")
    assert response.status_code == 200
    report = response.json()
    assert (report["total_rows"], report["created"], len(report["errors"])) == (1000, 999, 1)
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 999
    assert not Purchase.objects.filter(household__memberships__user=owner, product_name="Item 500").exists()


@pytest.mark.parametrize("partial", ["false", "true"])
def test_dry_run_writes_nothing_and_answers_the_real_status(owner_client, owner, partial):
    response = import_file(owner_client, "csv", _rows(20, bad_row=3), dry_run="true", partial=partial)
    assert response.status_code == (200 if partial == "true" else 400)
    report = response.json()
    assert report["dry_run"] is True
    assert report["created"] == (19 if partial == "true" else 0)
    assert not Purchase.objects.exists()


def test_dry_run_reports_catalog_entries_without_creating_them(owner_client):
    text = csv_text("Lamp,5,2025-02-01,Brand New Shop", header="product_name,price,purchase_date,retailer")
    report = import_file(owner_client, "csv", text, dry_run="true").json()
    assert report["created"] == 1
    assert report["warnings"] == [
        {"row": 1, "line": 2, "message": 'Retailer "Brand New Shop" is not in the catalog and would be created.'}
    ]
    assert not Retailer.objects.filter(name="Brand New Shop").exists()
    assert not Purchase.objects.exists()


def test_catalog_names_match_case_insensitively_and_missing_ones_are_created_once(owner_client, owner):
    RetailerFactory(name="Corner Shop")
    text = csv_text(
        "A,1,2025-02-01,corner shop,",
        "B,2,2025-02-02,CORNER SHOP,Neue Marke",
        "C,3,2025-02-03,  Fresh Store ,neue marke",
        "D,4,2025-02-04,fresh store,",
        header="product_name,price,purchase_date,retailer,brand",
    )
    report = import_file(owner_client, "csv", text).json()
    assert report["created"] == 4
    assert report["warnings"] == [
        {"row": 2, "line": 3, "message": 'Brand "Neue Marke" was not in the catalog and was created.'},
        {"row": 3, "line": 4, "message": 'Retailer "Fresh Store" was not in the catalog and was created.'},
    ]
    assert Retailer.objects.filter(name__iexact="corner shop").count() == 1
    assert Brand.objects.filter(name="Neue Marke").count() == 1
    by_name = {
        p.product_name: p
        for p in Purchase.objects.filter(household__memberships__user=owner).select_related("retailer", "brand")
    }
    assert by_name["A"].retailer.name == by_name["B"].retailer.name == "Corner Shop"
    assert by_name["C"].retailer == by_name["D"].retailer
    assert by_name["C"].brand.name == "Neue Marke"


def test_duplicates_are_skipped_by_default(owner_client, owner):
    existing = PurchaseFactory(
        owner=owner, product_name="Kettle", price=Decimal("30.00"), purchase_date=datetime.date(2025, 2, 1)
    )
    PurchaseFactory(owner=owner, product_name="Kettle", price=Decimal("30.00"), purchase_date=datetime.date(2025, 2, 1))
    text = csv_text(
        f"{existing.pk},Renamed by id,30.00,2025-02-01",
        ",KETTLE,30.0,2025-02-01",  # same name case-insensitively, date, price and currency as the second kettle
        ",Kettle,30.00,2025-02-01",  # both kettles are taken by rows 1 and 2: a third one
        header="id,product_name,price,purchase_date",
    )
    report = import_file(owner_client, "csv", text).json()
    assert (report["created"], report["updated"], report["skipped"]) == (1, 0, 2)
    second = report["skipped_rows"][1]["reason"].removeprefix("Duplicate of ").split(" ")[0]
    assert report["skipped_rows"] == [  # every skipped row says why, and where it is in the spreadsheet
        {"row": 1, "line": 2, "reason": f"Duplicate of {existing.pk} (duplicates are skipped)."},
        {"row": 2, "line": 3, "reason": f"Duplicate of {second} (duplicates are skipped)."},
    ]
    assert second != str(existing.pk) and Purchase.objects.filter(pk=second, product_name="Kettle").exists()
    existing.refresh_from_db()
    assert existing.product_name == "Kettle"
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 3


def test_duplicates_are_updated_with_on_duplicate_update(owner_client, owner):
    existing = PurchaseFactory(
        owner=owner, product_name="Kettle", price=Decimal("30.00"), notes="old", purchase_date=datetime.date(2025, 2, 1)
    )
    by_key = PurchaseFactory(
        owner=owner, product_name="Toaster", price=Decimal("20.00"), purchase_date=datetime.date(2025, 2, 2)
    )
    unchanged = PurchaseFactory(
        owner=owner, product_name="Mixer", price=Decimal("40.00"), purchase_date=datetime.date(2025, 2, 3)
    )
    WarrantyFactory(
        purchase=unchanged, warranty_start=datetime.date(2025, 2, 3), warranty_end=datetime.date(2026, 2, 3)
    )
    header = "id,product_name,price,purchase_date,status,notes,warranty_start,warranty_end"
    text = csv_text(
        f"{existing.pk},Electric kettle,30.00,2025-02-01,RECEIVED,new notes,2025-02-01,2027-02-01",
        ",toaster,20.00,2025-02-02,RECEIVED,,,",
        f"{unchanged.pk},Mixer,40.00,2025-02-03,RECEIVED,,2025-02-03,2026-02-03",
        header=header,
    )
    response = import_file(owner_client, "csv", text, on_duplicate="update")
    report = response.json()
    assert response.status_code == 200, report
    assert (report["created"], report["updated"], report["skipped"]) == (0, 2, 1)
    assert report["skipped_rows"] == [
        {"row": 3, "line": 4, "reason": f"Duplicate of {unchanged.pk}, which it would not change."}
    ]
    existing.refresh_from_db()
    assert (existing.product_name, existing.notes, existing.status) == ("Electric kettle", "new notes", "RECEIVED")
    assert existing.warranties.get().warranty_end == datetime.date(2027, 2, 1)
    by_key.refresh_from_db()
    assert by_key.product_name == "toaster" and by_key.status == "RECEIVED"
    assert by_key.retailer is None  # no retailer column in the file: left as it was
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 3


def test_update_with_empty_warranty_cells_removes_the_warranty(owner_client, owner):
    purchase = PurchaseFactory(owner=owner, product_name="Drill", price=Decimal("99.00"))
    WarrantyFactory(purchase=purchase)
    text = csv_text(
        f"{purchase.pk},Drill,99.00,2025-01-15,,",
        header="id,product_name,price,purchase_date,warranty_start,warranty_end",
    )
    report = import_file(owner_client, "csv", text, on_duplicate="update").json()
    assert report["updated"] == 1
    assert not Warranty.objects.filter(purchase=purchase).exists()


def test_another_users_purchase_id_is_never_updated(owner_client, other_user, owner):
    theirs = PurchaseFactory(owner=other_user, product_name="Their TV", price=Decimal("500.00"))
    text = csv_text(f"{theirs.pk},Hijacked,1.00,2025-02-01", header="id,product_name,price,purchase_date")
    report = import_file(owner_client, "csv", text, on_duplicate="update").json()
    assert (report["created"], report["updated"]) == (1, 0)
    theirs.refresh_from_db()
    assert (theirs.product_name, theirs.price, theirs.created_by) == ("Their TV", Decimal("500.00"), other_user)
    mine = Purchase.objects.get(household__memberships__user=owner)
    assert mine.product_name == "Hijacked" and mine.pk != theirs.pk


def test_row_errors_name_the_row_and_the_column(owner_client):
    text = csv_text(
        ",OK,1.00,USD,2025-02-01,,,",
        ",,abc,usd,2025-02-31,,,",
        ",Bad warranty,1.00,ZZZ,2025-02-01,2025-03-01,2025-01-01,FOREVER",
        "not-a-uuid,Bad id,1.999,EUR,2025-02-01,,,",
        header="id,product_name,price,currency_code,purchase_date,warranty_start,warranty_end,warranty_type",
    )
    response = import_file(owner_client, "csv", text)
    assert response.status_code == 400
    errors = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert errors == {
        (2, "product_name"), (2, "price"), (2, "purchase_date"),
        (3, "currency_code"), (3, "warranty_type"),
        (4, "id"), (4, "price"),
    }  # fmt: skip
    text = csv_text(
        ",Bad end,1.00,2025-02-01,2025-03-01,2025-01-01",
        header="id,product_name,price,purchase_date,warranty_start,warranty_end",
    )
    errors = import_file(owner_client, "csv", text).json()["errors"]
    assert errors == [
        {
            "row": 1,
            "line": 2,
            "field": "warranty_end",
            "message": "Warranty end must be on or after the warranty start.",
        }
    ]


def test_json_row_errors_use_dotted_paths(owner_client):
    document = {"format": "spends-tracker", "version": 1, "retailers": [], "brands": [], "purchases": [
        {"product_name": "A", "price": "1.00", "purchase_date": "2025-01-01",
         "warranty": {"warranty_start": "2025-01-01", "warranty_end": None, "warranty_type": "LIMITED"}},
        "not an object",
        {"product_name": "B", "price": 12.5, "purchase_date": "2025-01-01", "retailer_name": "x" * 101},
    ]}  # fmt: skip
    response = import_file(owner_client, "json", document)
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [
        (1, "warranty.warranty_end"),
        (2, None),
        (3, "retailer_name"),
    ]


def test_csv_quoting_of_commas_quotes_and_newlines_and_unicode(owner_client, owner):
    text = csv_text(
        '"Sofa, ""Comfy"" 2-seater","1,5","2025-02-01","line one\r\nline two, with ""quotes"""',
        '"日本語のカメラ 📷","12.00","2025-02-02",""',
        header="product_name,price,purchase_date,notes",
    )
    report = import_file(owner_client, "csv", text).json()
    assert report["errors"][0]["row"] == 1 and report["errors"][0]["field"] == "price"  # "1,5" is not a number
    text = text.replace('"1,5"', '"1.50"')
    assert import_file(owner_client, "csv", text).json()["created"] == 2
    sofa = Purchase.objects.get(household__memberships__user=owner, product_name='Sofa, "Comfy" 2-seater')
    assert sofa.notes == 'line one\r\nline two, with "quotes"'
    assert Purchase.objects.filter(household__memberships__user=owner, product_name="日本語のカメラ 📷").exists()
    exported = export_csv(owner_client)
    assert '"Sofa, ""Comfy"" 2-seater"' in exported
    assert {row["product_name"] for row in csv_rows(exported)} == {'Sofa, "Comfy" 2-seater', "日本語のカメラ 📷"}


def test_excel_style_file_with_bom_crlf_and_quoted_header_is_accepted(owner_client, owner):
    content = '\ufeff"Product_Name","Price","Purchase_Date"\r\n"Café crème","3.20","2025-02-01"\r\n\r\n'
    response = import_file(owner_client, "csv", content.encode("utf-8"))
    assert response.status_code == 200, response.json()
    assert (response.json()["total_rows"], response.json()["created"]) == (1, 1)
    assert Purchase.objects.get(household__memberships__user=owner).product_name == "Café crème"


def test_formula_cells_are_stored_as_text_and_exactly_one_quote_is_removed(owner_client, owner):
    text = csv_text(
        "'=SUM(A1:A9),1,2025-02-01,'+49 30 123",
        "''=double,1,2025-02-01,'-minus",
        "'plain,1,2025-02-01,@handle",
        header="product_name,price,purchase_date,notes",
    )
    assert import_file(owner_client, "csv", text).json()["created"] == 3
    stored = set(Purchase.objects.filter(household__memberships__user=owner).values_list("product_name", "notes"))
    assert stored == {("=SUM(A1:A9)", "+49 30 123"), ("'=double", "-minus"), ("'plain", "@handle")}


def test_unknown_columns_are_file_level_warnings(owner_client):
    text = csv_text("Lamp,5,2025-02-01,x,y", header="product_name,price,purchase_date,colour,size")
    response = import_file(owner_client, "csv", text)
    assert response.status_code == 200
    assert response.json()["warnings"] == [
        {"row": None, "line": None, "message": 'Unknown column "colour" is ignored.'},
        {"row": None, "line": None, "message": 'Unknown column "size" is ignored.'},
    ]


def test_header_only_csv_is_200_with_zero_rows(owner_client):
    response = import_file(owner_client, "csv", HEADER + "\r\n")
    assert response.status_code == 200
    assert response.json()["total_rows"] == 0


def test_a_row_with_the_wrong_number_of_cells_is_a_row_error(owner_client):
    text = csv_text("Lamp,5,2025-02-01", "Chair,7", header="product_name,price,purchase_date")
    response = import_file(owner_client, "csv", text)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 2, "line": 3, "field": None, "message": "The row has 2 cells but the header has 3 columns."}
    ]


# --- import: bad files and bad requests ---

VALID_DOCUMENT = {"format": "spends-tracker", "version": 1, "retailers": [], "brands": [], "purchases": []}


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("csv", "product_name,price,purchase_date\r\nCafé,1,2025-01-01\r\n".encode("latin-1"), "not UTF-8"),
        ("csv", b"", "empty"),
        ("csv", b"\xef\xbb\xbf \r\n\r\n", "empty"),
        ("csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not UTF-8"),
        ("csv", b"name,price\x00,date\n", "NUL"),
        ("csv", b'product_name,price,purchase_date\n"unterminated,1,2025-01-01\n', "not valid CSV"),
        ("csv", b"product_name,price\nLamp,5\n", "Missing required column(s): purchase_date"),
        ("csv", b"product_name;price;purchase_date\nLamp;5;2025-01-01\n", "';' as separator"),
        ("csv", b"product_name,price,price,purchase_date\n", "appears more than once"),
        ("csv", json.dumps(VALID_DOCUMENT).encode(), "looks like JSON"),
        ("json", b"", "empty"),
        ("json", b"product_name,price,purchase_date\n", "not valid JSON"),
        ("json", b"\xff\xfe{}", "not UTF-8"),
        ("json", b"[1, 2]", "must be a JSON object"),
        ("json", json.dumps({**VALID_DOCUMENT, "format": "other-app"}).encode(), '"format" must be'),
        ("json", json.dumps({**VALID_DOCUMENT, "version": 3}).encode(), "newer than this server"),
        ("json", json.dumps({**VALID_DOCUMENT, "version": "1"}).encode(), '"version" must be an integer'),
        ("json", json.dumps({**VALID_DOCUMENT, "purchases": {}}).encode(), '"purchases" must be a list'),
    ],
)
def test_bad_files_are_400_with_a_clear_message_and_write_nothing(owner_client, kind, content, message):
    response = import_file(owner_client, kind, content)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "validation_error"
    assert message in data["detail"]
    assert data["errors"] == {"file": [data["detail"]]}
    assert not Purchase.objects.exists()


def test_empty_json_document_imports_nothing(owner_client):
    response = import_file(owner_client, "json", VALID_DOCUMENT)
    assert response.status_code == 200
    assert response.json()["total_rows"] == 0


@pytest.mark.parametrize("query", ["on_duplicate=replace", "dry_run=maybe", "partial=yes", "partial=", "dry_run=1"])
def test_bad_query_values_are_400(owner_client, query):
    path = "/api/import/csv?" + query
    response = owner_client.post(path, {"file": upload(HEADER + "\r\n")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert set(response.json()["errors"]) == {query.split("=")[0]}


def test_missing_file_field_is_400(owner_client):
    response = owner_client.post("/api/import/csv", {"other": upload("x")}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"file"}


def test_unsupported_content_type_is_415(owner_client):
    response = owner_client.post("/api/import/csv", data="<xml/>", content_type="application/xml")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_a_file_over_the_upload_limit_is_413(owner_client, settings, kind):
    settings.IMPORT_MAX_UPLOAD_SIZE = 1000
    content = (HEADER + "\r\n" + "x" * 1001) if kind == "csv" else json.dumps({**VALID_DOCUMENT, "pad": "x" * 1001})
    response = import_file(owner_client, kind, content)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    response = owner_client.post(
        "/api/import/json", data=json.dumps({**VALID_DOCUMENT, "pad": "x" * 1001}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_csv_body_is_accepted_as_text_csv(owner_client, owner):
    response = owner_client.post(
        "/api/import/csv?dry_run=false",
        data="product_name,price,purchase_date\nA,1,2025-01-01\n",
        content_type="text/csv",
    )
    assert response.status_code == 200
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 1


def test_import_into_another_account_never_touches_the_source(owner_client, other_client, rich_data, owner):
    before = export_json(owner_client)
    import_file(other_client, "json", before, on_duplicate="update")
    after = export_json(owner_client)
    assert without_regenerated(after) == without_regenerated(before)
    assert [p["id"] for p in after["purchases"]] == [p["id"] for p in before["purchases"]]


def test_an_empty_json_body_is_400_empty(owner_client):
    response = owner_client.post("/api/import/json", data="", content_type="application/json")
    assert response.status_code == 400
    assert "empty" in response.json()["detail"]


def test_a_json_body_over_the_form_data_limit_but_within_the_import_limit_is_accepted(owner_client, settings, owner):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    purchase = {"product_name": "Big", "price": "1.00", "purchase_date": "2025-01-01", "notes": "n" * 5000}
    document = {**VALID_DOCUMENT, "purchases": [purchase]}
    response = owner_client.post("/api/import/json", data=json.dumps(document), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert Purchase.objects.get(household__memberships__user=owner).notes == "n" * 5000
