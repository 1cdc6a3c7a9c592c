"""Version 2 of the export formats (#21): every coverage of a purchase, with its claims in JSON; one CSV row per
coverage grouped by id on import; versions 1 still imported; round trips into an empty household."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from tests.factories import PurchaseFactory, WarrantyFactory, household_of
from tests.transfer.conftest import converted, csv_rows, csv_text, export_csv, export_json, import_file
from transfer import exporting
from transfer import services as transfer
from transfer.resources import PurchaseResource
from warranties.choices import ClaimStatus, WarrantyType
from warranties.models import Claim, Warranty

REGENERATED = {"id", "purchase_id", "warranty_id", "created_at", "updated_at", "exported_at", "created_by"}


def stripped(value):
    """The document without what an import regenerates (ids, time stamps) or records anew (created_by)."""
    if isinstance(value, dict):
        return {key: stripped(item) for key, item in value.items() if key not in REGENERATED}
    if isinstance(value, list):
        return [stripped(item) for item in value]
    return value


@pytest.fixture
def coverages(owner):
    """A purchase with 3 coverages (one with 2 claims, one LIFETIME, one with cost and reference), a RETURNED
    purchase with one, a purchase without warranty."""
    fridge = PurchaseFactory(owner=owner, product_name="Fridge", price=Decimal("899.00"))
    start = fridge.purchase_date
    parts = WarrantyFactory(purchase=fridge, warranty_start=start, warranty_end=datetime.date(2027, 6, 1))
    WarrantyFactory(
        purchase=fridge,
        warranty_start=start,
        warranty_end=datetime.date(2030, 1, 15),
        warranty_type=WarrantyType.EXTENDED,
        provider="Card",
        cost=Decimal("49.90"),
        reference="POL-7",
    )
    WarrantyFactory(purchase=fridge, warranty_start=start, warranty_end=None, warranty_type=WarrantyType.LIFETIME)
    Claim.objects.create(warranty=parts, opened_on=datetime.date(2025, 6, 1), issue="Door seal")
    Claim.objects.create(
        warranty=parts,
        opened_on=datetime.date(2025, 3, 1),
        closed_on=datetime.date(2025, 3, 20),
        status=ClaimStatus.APPROVED,
        issue="Compressor noise",
        resolution="Repaired",
        extends_warranty_to=datetime.date(2027, 6, 1),
        previous_warranty_end=datetime.date(2027, 1, 15),
    )
    returned = PurchaseFactory(
        owner=owner,
        product_name="Kettle",
        purchase_date=datetime.date(2025, 2, 1),
        status=PurchaseStatus.RETURNED,
        return_by=datetime.date(2025, 3, 1),
        returned_on=datetime.date(2025, 2, 10),
    )
    WarrantyFactory(purchase=returned)
    PurchaseFactory(owner=owner, product_name="Cable", purchase_date=datetime.date(2025, 3, 1))
    converted(household_of(owner))
    return fridge


def test_json_export_holds_every_coverage_with_its_claims(owner_client, coverages):
    document = export_json(owner_client)
    assert document["version"] == 2
    fridge = next(obj for obj in document["purchases"] if obj["product_name"] == "Fridge")
    listed = owner_client.get(f"/api/purchases/{coverages.pk}").json()
    assert [w["warranty_type"] for w in fridge["warranties"]] == ["LIMITED", "EXTENDED", "LIFETIME"]
    assert fridge["warranty"]["warranty_type"] == "LIFETIME" and "claims" not in fridge["warranty"]
    claims = [w.pop("claims") for w in fridge["warranties"]]
    assert fridge == listed  # the API's purchase object, plus the claims
    api_claims = owner_client.get(f"/api/warranties/{fridge['warranties'][0]['id']}/claims").json()["items"]
    assert claims == [api_claims, [], []]
    assert [c["issue"] for c in claims[0]] == ["Door seal", "Compressor noise"]
    assert claims[0][1]["previous_warranty_end"] == "2027-01-15"


def test_json_round_trip_into_an_empty_household_keeps_coverages_and_claims(owner_client, other_client, coverages):
    original = export_json(owner_client)
    response = import_file(other_client, "json", original)
    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["errors"]) == (3, [])
    copy = export_json(other_client)
    assert stripped(copy) == stripped(original)
    theirs = Claim.objects.filter(warranty__purchase__household=household_of(other_client.user))
    assert sorted(theirs.values_list("issue", flat=True)) == ["Compressor noise", "Door seal"]
    # Again: every purchase is a duplicate; updating with the same coverages changes nothing.
    again = import_file(other_client, "json", copy, on_duplicate="update").json()
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 3)


def test_csv_is_one_row_per_coverage_and_round_trips(owner_client, other_client, coverages):
    original = export_csv(owner_client)
    rows = csv_rows(original)
    fridge = [row for row in rows if row["product_name"] == "Fridge"]
    assert len(rows) == 5 and len(fridge) == 3
    assert {row["id"] for row in fridge} == {str(coverages.pk)}
    # The chosen warranty first, then the others in the purchase object's order; cost and reference last.
    assert [row["warranty_type"] for row in fridge] == ["LIFETIME", "LIMITED", "EXTENDED"]
    assert (fridge[2]["warranty_cost"], fridge[2]["warranty_reference"]) == ("49.90", "POL-7")
    assert list(rows[0])[-7:-3] == ["return_by", "returned_on", "warranty_cost", "warranty_reference"]
    assert list(rows[0])[-3:] == ["exchange_rate", "rate_source", "home_price"]  # #22, last of all
    cable = next(row for row in rows if row["product_name"] == "Cable")
    assert cable["warranty_start"] == cable["warranty_type"] == ""

    response = import_file(other_client, "csv", original)
    assert response.status_code == 200, response.json()
    report = response.json()
    assert (report["total_rows"], report["created"], report["errors"], report["warnings"]) == (3, 3, [], [])

    def comparable(text):
        return [
            {k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at", "created_by")}
            for row in csv_rows(text)
        ]

    copy = export_csv(other_client)
    assert comparable(copy) == comparable(original)
    mine = Purchase.objects.get(household=household_of(other_client.user), product_name="Fridge")
    assert mine.warranties.count() == 3 and not Claim.objects.filter(warranty__purchase=mine).exists()


def test_the_admin_export_is_one_row_per_coverage_like_the_csv_export(owner, owner_client, coverages):
    dataset = PurchaseResource(user=owner).export(Purchase.objects.all())
    rows = csv_rows(export_csv(owner_client))
    assert dataset.headers == list(rows[0])
    assert [list(row) for row in dataset] == [list(row.values()) for row in rows]
    assert len(dataset) == 5


def test_a_version_1_json_document_still_imports(owner_client, owner):
    document = {
        "format": "spends-tracker",
        "version": 1,
        "purchases": [
            {
                "product_name": "Old",
                "price": "10.00",
                "purchase_date": "2024-05-01",
                "warranty": {"warranty_start": "2024-05-01", "warranty_end": "2020-01-01", "status": "EXPIRED"},
            }
        ],
    }
    response = import_file(owner_client, "json", document)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "warranty.warranty_end"
    document["purchases"][0]["warranty"]["warranty_end"] = "2026-05-01"
    response = import_file(owner_client, "json", document)
    assert response.status_code == 200 and response.json()["created"] == 1
    [warranty] = Warranty.objects.filter(purchase__product_name="Old")
    assert (warranty.warranty_end, warranty.status) == (datetime.date(2026, 5, 1), "ACTIVE")


def _v2(purchase_id, warranties):
    obj = {
        "id": str(purchase_id),
        "product_name": "Fridge",
        "price": "899.00",
        "purchase_date": "2025-01-15",
        "warranties": warranties,
    }
    return {"format": "spends-tracker", "version": 2, "purchases": [obj]}


def test_an_update_replaces_the_coverages_as_a_set(owner_client, coverages):
    warranties = [
        {
            "warranty_start": "2025-01-15",
            "warranty_end": "2026-01-15",
            "cost": "9.99",
            "reference": "R1",
            "claims": [{"opened_on": "2025-04-01", "closed_on": "2025-04-02", "status": "REJECTED", "issue": "Dent"}],
        },
    ]
    response = import_file(owner_client, "json", _v2(coverages.pk, warranties), on_duplicate="update")
    assert response.status_code == 200, response.json()
    assert response.json()["updated"] == 1
    [warranty] = coverages.warranties.all()
    assert (warranty.warranty_end, warranty.cost, warranty.reference) == (
        datetime.date(2026, 1, 15),
        Decimal("9.99"),
        "R1",
    )
    assert list(warranty.claims.values_list("issue", "status")) == [("Dent", "REJECTED")]
    assert not Claim.objects.filter(issue="Door seal").exists()
    # The same file again changes nothing; an empty list removes every coverage.
    again = import_file(owner_client, "json", _v2(coverages.pk, warranties), on_duplicate="update").json()
    assert (again["updated"], again["skipped"]) == (0, 1)
    import_file(owner_client, "json", _v2(coverages.pk, []), on_duplicate="update")
    assert not coverages.warranties.exists()


def test_a_bad_claim_refuses_the_whole_file(owner_client, coverages):
    before = list(Warranty.objects.order_by("id").values_list("id", "warranty_end"))
    warranties = [
        {
            "warranty_start": "2025-01-15",
            "warranty_end": "2026-01-15",
            "claims": [{"opened_on": "2025-04-01", "status": "APPROVED", "issue": "Dent"}],
        }
    ]
    response = import_file(owner_client, "json", _v2(coverages.pk, warranties), on_duplicate="update")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 1,
            "line": None,
            "field": "warranties.0.claims.0.closed_on",
            "message": "Closed on is required unless the claim is open.",
        }
    ]
    assert list(Warranty.objects.order_by("id").values_list("id", "warranty_end")) == before
    assert Claim.objects.count() == 2


def test_csv_rows_are_grouped_by_id_and_an_error_names_its_row(owner_client, owner):
    header = "id,product_name,price,purchase_date,warranty_start,warranty_end,warranty_type,return_by"
    pid = "6f1c2b1e-1111-4b6e-9d2a-000000000001"
    rows = [
        f"{pid},Laptop,999.00,2025-01-01,2025-01-01,2026-01-01,LIMITED,",
        ",Mouse,9.00,2025-01-02,,,,",
        f"{pid},Laptop,999.00,2025-01-01,2025-01-01,,LIFETIME,",
        f"{pid},Laptop,999.00,2025-01-01,2025-01-01,2024-01-01,EXTENDED,",
    ]
    response = import_file(owner_client, "csv", csv_text(*rows, header=header))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 4,
            "line": 5,
            "field": "warranty_end",
            "message": "Warranty end must be on or after the warranty start.",
        }
    ]
    assert not Purchase.objects.filter(product_name__in=("Laptop", "Mouse")).exists()
    response = import_file(owner_client, "csv", csv_text(*rows[:3], header=header))
    assert response.status_code == 200, response.json()
    assert (response.json()["total_rows"], response.json()["created"]) == (2, 2)
    laptop = Purchase.objects.get(product_name="Laptop")
    assert sorted(laptop.warranties.values_list("warranty_type", flat=True)) == ["LIFETIME", "LIMITED"]
    assert not Purchase.objects.get(product_name="Mouse").warranties.exists()


def _purchases_with_coverages(owner, n):
    for i in range(n):
        purchase = PurchaseFactory(owner=owner, product_name=f"Item {i}")
        for months in (12, 24):
            WarrantyFactory(
                purchase=purchase,
                warranty_end=purchase.purchase_date + datetime.timedelta(days=30 * months),
            )
        lifetime = WarrantyFactory(purchase=purchase, warranty_end=None, warranty_type=WarrantyType.LIFETIME)
        Claim.objects.create(warranty=lifetime, opened_on=datetime.date(2025, 2, 1), issue=f"Claim {i}")


def _json_queries(household_id) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        document = json.loads("".join(transfer.purchases_export_json(household_id=household_id)))
    # SELECTs: on PostgreSQL each streamed query inside the test's transaction also takes a savepoint.
    return sum(q["sql"].startswith("SELECT") for q in queries.captured_queries), document["purchases"]


def test_json_export_queries_do_not_grow_with_the_purchases(owner, other_user):
    _purchases_with_coverages(owner, 3)
    _purchases_with_coverages(other_user, 30)
    few, small = _json_queries(household_of(owner))
    many, large = _json_queries(household_of(other_user))
    assert few == many
    assert (len(small), len(large)) == (3, 30)
    assert all(len(obj["warranties"]) == 3 and len(obj["warranties"][2]["claims"]) == 1 for obj in large)


def test_json_export_pages_keep_the_lists_order_across_ties(owner, monkeypatch):
    _purchases_with_coverages(owner, 7)
    Purchase.objects.update(created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))  # ties: the id decides
    _queries, whole = _json_queries(household_of(owner))
    monkeypatch.setattr(exporting, "EXPORT_CHUNK_SIZE", 2)
    pages, paged = _json_queries(household_of(owner))
    assert paged == whole
    assert [obj["id"] for obj in paged] == sorted(obj["id"] for obj in paged)
    assert pages == _queries + 3 * 3  # 4 pages instead of 1: a purchases, a warranties and a claims query each


def test_a_version_2_import_reads_a_fixed_number_of_times(owner, other_user, owner_client):
    _purchases_with_coverages(owner, 20)
    document = json.loads("".join(transfer.purchases_export_json(household_id=household_of(owner))))
    reads = []
    for n in (2, 20):
        Purchase.objects.filter(household=household_of(other_user)).delete()
        part = {**document, "purchases": document["purchases"][:n]}
        with CaptureQueriesContext(connection) as queries:
            report = transfer.purchases_import(
                household_id=household_of(other_user), created_by=other_user, document=part
            )
        assert report["created"] == n and not report["errors"]
        # Reads and inserts (one executemany() or COPY per table): the data version's writes may differ (first bump).
        reads.append(
            [
                q["sql"][:30]
                for q in queries.captured_queries
                if q["sql"].startswith(("SELECT", "INSERT")) and "dataversion" not in q["sql"]
            ]
        )
    assert reads[0] == reads[1]
    assert Claim.objects.filter(warranty__purchase__household=household_of(other_user)).count() == 20


def test_a_version_1_update_keeps_the_stored_cost_and_reference(owner_client, owner):
    purchase = PurchaseFactory(owner=owner, product_name="Old", price=Decimal("10.00"))
    warranty = WarrantyFactory(purchase=purchase, cost=Decimal("5.00"), reference="P-1")
    text = csv_text(
        f"{purchase.pk},Old,10.00,2025-01-15,2025-01-15,2027-01-15",
        header="id,product_name,price,purchase_date,warranty_start,warranty_end",
    )
    report = import_file(owner_client, "csv", text, on_duplicate="update").json()
    assert report["updated"] == 1, report
    warranty.refresh_from_db()
    assert (warranty.warranty_end, warranty.cost, warranty.reference) == (
        datetime.date(2027, 1, 15),
        Decimal("5.00"),
        "P-1",
    )
