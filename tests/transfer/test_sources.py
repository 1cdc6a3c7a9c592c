"""Imports from other trackers (API.md § Version 2 → Importing from other trackers): Warracker's and Homebox's CSV
exports, in their header layouts (written here from their formats), through the API and the command."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from households.choices import Role
from households.models import Household
from purchases.models import Purchase
from tests.factories import household_of, member
from tests.transfer.conftest import upload
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

# Warracker's Export button: every cell quoted, this column order.
WARRACKER_HEADER = (
    '"ProductName","PurchaseDate","IsLifetime","WarrantyDurationYears","WarrantyDurationMonths",'
    '"WarrantyDurationDays","ExpirationDate","Status","PurchasePrice","SerialNumber","ProductURL","Tags","Vendor"'
)
WARRACKER_ROWS = [
    '"Dishwasher","2024-03-10","FALSE","2","0","0","2026-03-10","active","649.99","DW-1 DW-2",'
    '"https://example.com/dw","kitchen","Appliance Hub"',
    '"Cast iron pan","2023-01-05","TRUE","0","0","0","","active","45","","","","Pan Shop"',
    '"Headphones","2024-06-30","FALSE","0","18","0","","active","199.5","","","audio","Sound Store"',
]
# Homebox's Export Inventory: HB. columns in its order, then the custom fields.
HOMEBOX_HEADER = (
    "HB.purchase_date,HB.warranty_expires,HB.sold_date,HB.import_ref,HB.parent_import_ref,HB.url,HB.name,"
    "HB.description,HB.notes,HB.purchase_from,HB.manufacturer,HB.model_number,HB.serial_number,HB.warranty_details,"
    "HB.sold_to,HB.sold_notes,HB.location,HB.tags,HB.asset_id,HB.quantity,HB.low_stock_threshold,HB.purchase_price,"
    "HB.sold_price,HB.archived,HB.insured,HB.lifetime_warranty,HB.field.Colour"
)
HOMEBOX_ROWS = [
    "2023-11-02,2025-11-02,,ref-1,,http://hb.local/item/1,Drill,Cordless drill,Bought on sale,Tool Barn,Bosch,"
    "GSR 18V,SN-778,Return to store first,,,Garage / Shelf,Tools,000-001,1,,129.9,0,false,false,false,Blue",
    "2022-05-20,,,ref-2,,http://hb.local/item/2,Sofa,,,Furniture World,Ikea,,,,,,Living room,,000-002,1,,899,0,"
    "false,true,true,",
]


def csv_of(header: str, rows: list[str]) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def post(client, content: str, source: str, **params):
    query = "&".join(f"{key}={value}" for key, value in {"source": source, **params}.items())
    return client.post(f"/api/import/csv?{query}", {"file": upload(content)}, format="multipart")


def warnings_of(report) -> list[str]:
    return [warning["message"] for warning in report["warnings"]]


def test_warracker_export_lands_field_by_field(owner_client, owner):
    response = post(owner_client, csv_of(WARRACKER_HEADER, WARRACKER_ROWS), "warracker")
    assert response.status_code == 200, response.json()
    report = response.json()
    assert (report["created"], report["errors"]) == (3, [])
    dishwasher = Purchase.objects.get(product_name="Dishwasher")
    assert dishwasher.price == Decimal("649.99")
    assert dishwasher.purchase_date == datetime.date(2024, 3, 10)
    assert dishwasher.retailer.name == "Appliance Hub"
    assert dishwasher.notes == "Serial number: DW-1 DW-2\nProduct URL: https://example.com/dw"
    warranty = Warranty.objects.get(purchase=dishwasher)
    assert (warranty.warranty_start, warranty.warranty_end) == (datetime.date(2024, 3, 10), datetime.date(2026, 3, 10))
    assert warranty.warranty_type == "LIMITED"
    pan = Warranty.objects.get(purchase__product_name="Cast iron pan")
    assert (pan.warranty_type, pan.warranty_end) == ("LIFETIME", None)
    # No ExpirationDate: the end comes from the duration columns (18 months).
    assert Warranty.objects.get(purchase__product_name="Headphones").warranty_end == datetime.date(2025, 12, 30)
    messages = warnings_of(report)
    assert any('"Status"' in message for message in messages)
    assert any('"Tags"' in message for message in messages)


def test_homebox_export_lands_field_by_field(owner_client, owner):
    response = post(owner_client, csv_of(HOMEBOX_HEADER, HOMEBOX_ROWS), "homebox")
    assert response.status_code == 200, response.json()
    report = response.json()
    assert (report["created"], report["errors"]) == (2, [])
    drill = Purchase.objects.get(product_name="Drill")
    assert (drill.price, drill.purchase_date) == (Decimal("129.90"), datetime.date(2023, 11, 2))
    assert (drill.retailer.name, drill.brand.name) == ("Tool Barn", "Bosch")
    assert drill.notes == ("Bought on sale\nDescription: Cordless drill\nModel number: GSR 18V\nSerial number: SN-778")
    warranty = Warranty.objects.get(purchase=drill)
    assert (warranty.warranty_start, warranty.warranty_end) == (datetime.date(2023, 11, 2), datetime.date(2025, 11, 2))
    assert warranty.notes == "Return to store first"
    sofa = Warranty.objects.get(purchase__product_name="Sofa")
    assert (sofa.warranty_type, sofa.warranty_end) == ("LIFETIME", None)
    messages = warnings_of(report)
    for column in ("HB.sold_date", "HB.import_ref", "HB.url", "HB.location", "HB.tags", "HB.quantity"):
        assert any(f'"{column}"' in message for message in messages), column
    for column in ("HB.insured", "HB.archived", "HB.asset_id", "HB.field.Colour"):
        assert any(f'"{column}"' in message for message in messages), column
    assert not any('"HB.name"' in message or '"HB.manufacturer"' in message for message in messages)


@pytest.mark.parametrize(
    ("source", "content"),
    [("warracker", csv_of(WARRACKER_HEADER, WARRACKER_ROWS)), ("homebox", csv_of(HOMEBOX_HEADER, HOMEBOX_ROWS))],
)
def test_dry_run_writes_nothing_and_duplicates_are_skipped(owner_client, owner, source, content):
    dry = post(owner_client, content, source, dry_run="true")
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert dry.json()["created"] == len(content.splitlines()) - 1
    assert not Purchase.objects.exists()
    first = post(owner_client, content, source).json()
    again = post(owner_client, content, source)
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["skipped"]) == (0, first["created"])
    assert [row["line"] for row in again.json()["skipped_rows"]] == list(range(2, first["created"] + 2))
    assert Purchase.objects.count() == first["created"]


def test_bad_rows_are_errors_with_their_lines_and_their_columns(owner_client, owner):
    rows = [
        WARRACKER_ROWS[0],
        '"Kettle","not a date","FALSE","1","0","0","","active","20","","","",""',
        '"Toaster","2024-01-01","FALSE","1","0","0","","active","-5","","","",""',
        '"Short row","2024-01-01","FALSE","1","0","0","","active","5","","",""',
    ]
    response = post(owner_client, csv_of(WARRACKER_HEADER, rows), "warracker")
    assert response.status_code == 400
    errors = {(error["line"], error["field"]) for error in response.json()["errors"]}
    assert errors == {(3, "PurchaseDate"), (4, "PurchasePrice"), (5, None)}
    assert response.json()["errors"][-1]["message"] == "The row has 12 cells but the header has 13 columns."
    assert not Purchase.objects.exists()
    partial = post(owner_client, csv_of(WARRACKER_HEADER, rows), "warracker", partial="true")
    assert partial.status_code == 200 and partial.json()["created"] == 1


def test_an_empty_warracker_price_is_zero_with_a_warning(owner_client, owner):
    row = '"Lamp","2024-02-02","FALSE","1","0","0","2025-02-02","active","","","","",""'
    report = post(owner_client, csv_of(WARRACKER_HEADER, [row]), "warracker").json()
    assert report["created"] == 1
    assert {"row": 1, "line": 2, "message": "PurchasePrice is empty: imported with the price 0.00."} in report[
        "warnings"
    ]
    assert Purchase.objects.get().price == Decimal("0.00")


def test_unknown_source_and_wrong_file_are_400(owner_client, owner):
    response = post(owner_client, csv_of(WARRACKER_HEADER, WARRACKER_ROWS), "dumbassets")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "warracker, homebox" in response.json()["errors"]["source"][0]
    wrong = post(owner_client, csv_of(HOMEBOX_HEADER, HOMEBOX_ROWS), "warracker")
    assert wrong.status_code == 400
    assert "not a Warracker CSV export" in wrong.json()["errors"]["file"][0]
    assert not Purchase.objects.exists()


def test_a_viewer_cannot_import_from_a_source_but_may_dry_run(owner):
    reader = member(Household.objects.get(pk=household_of(owner)), role=Role.VIEWER)
    client = APIClient()
    client.force_authenticate(reader)
    content = csv_of(WARRACKER_HEADER, WARRACKER_ROWS)
    assert post(client, content, "warracker").status_code == 403
    assert post(client, content, "warracker", dry_run="true").status_code == 200
    assert not Purchase.objects.exists()


def test_the_command_reads_a_source(tmp_path, owner):
    path = tmp_path / "homebox-items_2025-01-01_10-00-00.csv"
    path.write_text(csv_of(HOMEBOX_HEADER, HOMEBOX_ROWS), encoding="utf-8")
    stdout = io.StringIO()
    call_command("import_purchases", str(path), "--user", "owner", "--source", "homebox", "--dry-run", stdout=stdout)
    assert json.loads(stdout.getvalue())["created"] == 2
    assert not Purchase.objects.exists()
    stdout = io.StringIO()
    call_command("import_purchases", str(path), "--user", "owner", "--source", "homebox", stdout=stdout)
    assert json.loads(stdout.getvalue())["created"] == 2
    assert set(Purchase.objects.values_list("product_name", flat=True)) == {"Drill", "Sofa"}
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_of(HOMEBOX_HEADER, [HOMEBOX_ROWS[0].replace("129.9", "abc")]), encoding="utf-8")
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_purchases", str(bad), "--user", "owner", "--source", "homebox", stdout=io.StringIO())
