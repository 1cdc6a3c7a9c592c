"""Return windows in exports and imports: the CSV columns return_by and returned_on, version-1 files without them,
and the API's rules for a RETURNED purchase applied to imported rows."""

import datetime
from datetime import UTC

import pytest
import time_machine

from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from tests.factories import PurchaseFactory
from tests.transfer.conftest import csv_rows, csv_text, export_csv, export_json, import_file

pytestmark = pytest.mark.django_db

V1_HEADER = (
    "id,product_name,price,currency_code,retailer,brand,status,purchase_date,notes,warranty_start,warranty_end,"
    "warranty_type,warranty_status,warranty_provider,warranty_notes,created_at,updated_at"
)


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(datetime.datetime(2025, 6, 15, 12, tzinfo=UTC), tick=False):
        yield


def test_exports_carry_the_return_window(owner_client, owner):
    PurchaseFactory(
        owner=owner,
        product_name="Boots",
        purchase_date=datetime.date(2025, 6, 1),
        return_by=datetime.date(2025, 6, 30),
        status=PurchaseStatus.RETURNED,
        returned_on=datetime.date(2025, 6, 5),
    )
    (row,) = csv_rows(export_csv(owner_client))
    assert (row["return_by"], row["returned_on"], row["status"]) == ("2025-06-30", "2025-06-05", "RETURNED")
    (obj,) = export_json(owner_client)["purchases"]
    assert (obj["return_by"], obj["returned_on"]) == ("2025-06-30", "2025-06-05")


def test_a_version_1_csv_still_imports(owner_client, owner):
    row = ",Kettle,20.00,USD,,,RECEIVED,2025-06-01,,,,,,,,,"
    response = import_file(owner_client, "csv", csv_text(row, header=V1_HEADER))
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert response.json()["warnings"] == []
    purchase = Purchase.objects.get()
    assert (purchase.return_by, purchase.returned_on) == (None, None)


def test_a_returned_row_without_its_date_is_returned_today(owner_client, owner):
    header = "product_name,price,purchase_date,status,return_by"
    response = import_file(owner_client, "csv", csv_text("Boots,50.00,2025-06-01,RETURNED,2025-06-30", header=header))
    assert response.status_code == 200, response.content
    purchase = Purchase.objects.get()
    assert purchase.status == PurchaseStatus.RETURNED
    assert purchase.returned_on == datetime.date(2025, 6, 15)
    assert purchase.return_by == datetime.date(2025, 6, 30)


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ("RECEIVED,,2025-06-03", "returned_on"),  # a return date without RETURNED
        ("RETURNED,,2025-05-03", "returned_on"),  # returned before it was bought
        ("RECEIVED,2025-05-03,", "return_by"),  # window closing before the purchase
        ("RECEIVED,someday,", "return_by"),
    ],
)
def test_a_bad_return_window_is_the_rows_error_and_nothing_is_written(owner_client, cells, column):
    header = "product_name,price,purchase_date,status,return_by,returned_on"
    content = csv_text("Fine,1.00,2025-06-01,RECEIVED,,", f"Boots,50.00,2025-06-01,{cells}", header=header)
    response = import_file(owner_client, "csv", content)
    assert response.status_code == 400, response.content
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(2, column)]
    assert not Purchase.objects.exists()


def test_updating_a_returned_purchase_from_a_version_1_file_clears_its_return_date(owner_client, owner):
    purchase = PurchaseFactory(
        owner=owner,
        product_name="Boots",
        purchase_date=datetime.date(2025, 6, 1),
        status=PurchaseStatus.RETURNED,
        returned_on=datetime.date(2025, 6, 5),
        return_by=datetime.date(2025, 6, 30),
    )
    row = f"{purchase.pk},Boots,10.00,USD,,,RECEIVED,2025-06-01,,,,,,,,,"
    response = import_file(owner_client, "csv", csv_text(row, header=V1_HEADER), on_duplicate="update")
    assert response.status_code == 200, response.content
    assert response.json()["updated"] == 1
    purchase.refresh_from_db()
    assert (purchase.status, purchase.returned_on) == (PurchaseStatus.RECEIVED, None)
    assert purchase.return_by == datetime.date(2025, 6, 30)  # not in the file: left as it was


def test_updating_the_date_past_a_stored_window_from_a_version_1_file_is_the_rows_error(owner_client, owner):
    purchase = PurchaseFactory(
        owner=owner, product_name="Boots", purchase_date=datetime.date(2025, 6, 1), return_by=datetime.date(2025, 6, 5)
    )
    row = f"{purchase.pk},Boots,10.00,USD,,,RECEIVED,2025-06-10,,,,,,,,,"
    response = import_file(owner_client, "csv", csv_text(row, header=V1_HEADER), on_duplicate="update")
    assert response.status_code == 400, response.content
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(1, "return_by")]
    purchase.refresh_from_db()
    assert purchase.purchase_date == datetime.date(2025, 6, 1)
    dry = import_file(owner_client, "csv", csv_text(row, header=V1_HEADER), on_duplicate="update", dry_run="true")
    assert dry.status_code == 400
    partial = import_file(owner_client, "csv", csv_text(row, header=V1_HEADER), on_duplicate="update", partial="true")
    assert partial.status_code == 200
    assert (partial.json()["updated"], len(partial.json()["errors"])) == (0, 1)
    purchase.refresh_from_db()
    assert purchase.purchase_date == datetime.date(2025, 6, 1)
