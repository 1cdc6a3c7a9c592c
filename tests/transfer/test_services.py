"""transfer.services and transfer.resources: the importer's rules, its batching, and the admin's resources."""

import datetime
import json
from decimal import Decimal

import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Brand, Retailer
from purchases.models import Purchase
from spends import data_versions
from spends.models import DataVersion
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, WarrantyFactory, household_of
from tests.transfer.conftest import HEADER
from transfer import services as transfer
from transfer.resources import BrandResource, PurchaseResource, RetailerResource, neutralise, unneutralise
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

TRICKY = [
    "",
    "plain",
    "=1+1",
    "+49",
    "-5",
    "@x",
    "\tTab",
    "\rCR",
    "'",
    "'=",
    "''=x",
    "'plain",
    "a=b",
    "''",
    "'''+",
    "='",
]


@pytest.mark.parametrize("value", TRICKY)
def test_neutralise_is_exactly_undone_by_unneutralise(value):
    written = neutralise(value)
    assert unneutralise(written) == value
    assert written[:1] not in ("=", "+", "-", "@", "\t", "\r")


def _table(rows: list[str], header="product_name,price,purchase_date,retailer,brand,warranty_start,warranty_end"):
    return transfer.parse_csv(("\n".join([header, *rows]) + "\n").encode())


def _many(n: int) -> list[str]:
    return [
        f"Item {i},{i}.00,2025-01-{1 + i % 28:02d},Shop {i % 3},Brand {i % 2},2025-01-01,2026-01-01" for i in range(n)
    ]


@pytest.fixture
def catalog():
    for i in range(3):
        RetailerFactory(name=f"Shop {i}")
    for i in range(2):
        BrandFactory(name=f"Brand {i}")


def _reads(queries) -> list[str]:
    """The statements other than INSERT/UPDATE/DELETE batches (whose number grows with rows / batch size only)."""
    writes = ("INSERT", "UPDATE", "DELETE")
    return [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith(writes)]


def test_import_reads_a_constant_number_of_times_and_writes_in_batches(owner, other_user, catalog):
    reads = []
    for user, n in ((owner, 10), (other_user, 300)):
        with CaptureQueriesContext(connection) as queries:
            report = transfer.purchases_import(household_id=household_of(user), created_by=user, table=_table(_many(n)))
        assert report["created"] == n and not report["errors"]
        reads.append(len(_reads(queries)))
        if n == 300:
            assert len(queries) < 30, "the importer must not issue queries per row"
    assert reads[0] == reads[1]
    assert Warranty.objects.filter(purchase__household__memberships__user=other_user).count() == 300


def test_update_reads_a_constant_number_of_times_and_writes_in_batches(owner, other_user, catalog):
    reads = []
    for user, n in ((owner, 10), (other_user, 300)):
        transfer.purchases_import(household_id=household_of(user), created_by=user, table=_table(_many(n)))
        rows = [row.replace("2026-01-01", "2027-01-01").replace("Brand 1", "Brand 0") for row in _many(n)]
        with CaptureQueriesContext(connection) as queries:
            report = transfer.purchases_import(
                household_id=household_of(user), created_by=user, table=_table(rows), on_duplicate="update"
            )
        assert report["updated"] == n
        reads.append(len(_reads(queries)))
        if n == 300:
            assert len(queries) < 30
    assert reads[0] == reads[1]
    assert not Warranty.objects.exclude(warranty_end=datetime.date(2027, 1, 1)).exists()
    assert not Purchase.objects.filter(brand__name="Brand 1").exists()


def _version_writes(queries) -> list[str]:
    table = DataVersion._meta.db_table
    return [
        q["sql"]
        for q in queries.captured_queries
        if table in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_a_bulk_import_bumps_the_owners_data_version_once_in_its_transaction(owner, catalog):
    scope = data_versions.household_scope(household_of(owner))
    with CaptureQueriesContext(connection) as queries:
        report = transfer.purchases_import(
            household_id=household_of(owner), created_by=owner, table=_table(_many(1000))
        )
    assert report["created"] == 1000
    first = _version_writes(queries)
    assert len(first) == 1 and scope in first[0]  # the scope's first bump too: one upsert (no savepoint)
    (version,) = data_versions.read([scope])

    rows = [row.replace("2026-01-01", "2027-01-01") for row in _many(1000)]
    with CaptureQueriesContext(connection) as queries:
        report = transfer.purchases_import(
            household_id=household_of(owner), created_by=owner, table=_table(rows), on_duplicate="update"
        )
    assert report["updated"] == 1000
    assert len(_version_writes(queries)) == 1 and scope in _version_writes(queries)[0]
    assert data_versions.read([scope])[0] > version

    (version,) = data_versions.read([scope])
    with CaptureQueriesContext(connection) as queries:
        transfer.purchases_import(
            household_id=household_of(owner), created_by=owner, table=_table(rows)
        )  # all duplicates: nothing written
        transfer.purchases_import(
            household_id=household_of(owner),
            created_by=owner,
            table=_table(_many(5)),
            dry_run=True,
            on_duplicate="update",
        )
        refused = transfer.purchases_import(
            household_id=household_of(owner), created_by=owner, table=_table(["New,1.00,2025-01-01,,,,", "Bad,x,,,,,"])
        )
    assert refused["created"] == 0 and refused["errors"]
    assert _version_writes(queries) == [] and data_versions.read([scope]) == (version,)


def test_written_rows_hold_exactly_the_files_values(owner, catalog):
    """What the importer writes (COPY on PostgreSQL, bulk_create on SQLite) reads back as the file's values: text
    that COPY's own format would misread (tabs, newlines, backslashes, its \\N null marker), exact decimals,
    UTC timestamps set by the write, warranties linked to their purchase, instances marked saved."""
    import csv
    import io

    from django.utils import timezone

    notes = ["tab\there", "line\nbreak", "back\\slash", "\\N", "", 'ünï 🧾 "quoted"']
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "product_name",
            "price",
            "purchase_date",
            "notes",
            "retailer",
            "warranty_start",
            "warranty_end",
            "warranty_type",
        ]
    )
    for i, note in enumerate(notes):
        warranty = ("2025-02-01", "", "LIFETIME") if i % 2 else ("", "", "")
        writer.writerow([f"Thing {i}", f"{i}.{i:02d}", f"2025-01-{i + 1:02d}", note, "Shop 1" if i else "", *warranty])
    before = timezone.now()
    outcome = transfer.purchases_import_detailed(
        household_id=household_of(owner), created_by=owner, table=transfer.parse_csv(buffer.getvalue().encode())
    )
    after = timezone.now()
    assert outcome.report["created"] == len(notes), outcome.report["errors"]
    assert all(not row.instance._state.adding for row in outcome.rows)
    rows = {
        p.product_name: p
        for p in Purchase.objects.filter(household__memberships__user=owner).select_related("retailer")
    }
    for i, note in enumerate(notes):
        purchase = rows[f"Thing {i}"]
        assert purchase.notes == note
        assert purchase.price == Decimal(f"{i}.{i:02d}")
        assert purchase.purchase_date == datetime.date(2025, 1, i + 1)
        assert (purchase.retailer.name if purchase.retailer else None) == ("Shop 1" if i else None)
        assert before <= purchase.created_at <= after and purchase.created_at.utcoffset() == datetime.timedelta(0)
        assert purchase.updated_at >= purchase.created_at
        warranty = Warranty.objects.filter(purchase=purchase).first()
        if i % 2:
            assert (warranty.warranty_start, warranty.warranty_end) == (datetime.date(2025, 2, 1), None)
            assert before <= warranty.created_at <= after
        else:
            assert warranty is None
    if connection.vendor == "postgresql":
        # COPY sends the instances' values as they are: what Django would send for them must be the same values.
        written = [row.instance for row in outcome.rows] + list(
            Warranty.objects.filter(purchase__household__memberships__user=owner)
        )
        for obj in written:
            for f in obj._meta.concrete_fields:
                value = getattr(obj, f.attname)
                assert f.get_db_prep_save(value, connection) == value, (type(obj).__name__, f.name)


def test_a_catalog_name_is_judged_the_same_in_every_row(owner):
    """Catalog names are validated once per distinct value: a bad one is still an error in each row that has it."""
    too_long = "x" * 101
    rows = [f"Item {i},1.00,2025-01-0{i + 1},{too_long if i != 1 else 'Shop'}" for i in range(3)]
    report = transfer.purchases_import(
        household_id=household_of(owner),
        created_by=owner,
        table=_table(rows, header="product_name,price,purchase_date,retailer"),
    )
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(1, "retailer"), (3, "retailer")]
    assert report["created"] == 0 and not Purchase.objects.filter(household__memberships__user=owner).exists()


def test_unknown_on_duplicate_is_refused(owner):
    with pytest.raises(ValueError):
        transfer.purchases_import(
            household_id=household_of(owner), created_by=owner, table=_table([]), on_duplicate="replace"
        )


def _document(*purchases, retailers=(), brands=()):
    return {"format": "spends-tracker", "version": 1, "retailers": list(retailers), "brands": list(brands),
            "purchases": list(purchases)}  # fmt: skip


def test_json_import_stores_expired_as_active_and_keeps_voided(owner):
    document = _document(
        {"product_name": "Old", "price": "1.00", "purchase_date": "2020-01-01",
         "warranty": {"warranty_start": "2020-01-01", "warranty_end": "2021-01-01", "status": "EXPIRED"}},
        {"product_name": "Void", "price": "1.00", "purchase_date": "2020-01-01",
         "warranty": {"warranty_start": "2020-01-01", "warranty_end": "2030-01-01", "status": "VOIDED"}},
    )  # fmt: skip
    assert (
        transfer.purchases_import(household_id=household_of(owner), created_by=owner, document=document)["created"] == 2
    )
    assert dict(Warranty.objects.values_list("purchase__product_name", "status")) == {"Old": "ACTIVE", "Void": "VOIDED"}


def test_json_import_creates_catalog_entries_with_the_documents_url(owner):
    document = _document(
        {"product_name": "A", "price": "1.00", "purchase_date": "2025-01-01", "retailer_name": "Kiosk Zwei",
         "brand_name": "Marke Drei"},
        retailers=[{"name": "kiosk zwei", "url": "https://kiosk.example.com"}],
        brands=[{"name": "Marke Drei", "url": "ftp://not-allowed"}],
    )  # fmt: skip
    report = transfer.purchases_import(household_id=household_of(owner), created_by=owner, document=document)
    assert report["created"] == 1
    assert Retailer.objects.get(name="Kiosk Zwei").url == "https://kiosk.example.com"
    assert Brand.objects.get(name="Marke Drei").url == ""
    assert {
        "row": None,
        "line": None,
        "message": '"brands"[0] is not a valid {"name", "url"} object; ignored.',
    } in report["warnings"]


def test_json_import_falls_back_to_catalog_ids(owner):
    shop = RetailerFactory(name="By Id Shop")
    document = _document(
        {"product_name": "A", "price": "1.00", "purchase_date": "2025-01-01", "retailer_id": str(shop.pk)},
        {"product_name": "B", "price": "1.00", "purchase_date": "2025-01-01",
         "retailer_id": "00000000-0000-0000-0000-000000000000"},
    )  # fmt: skip
    report = transfer.purchases_import(
        household_id=household_of(owner), created_by=owner, document=document, partial=True
    )
    assert report["created"] == 1
    assert report["errors"] == [
        {
            "row": 2,
            "line": None,
            "field": "retailer_id",
            "message": "No retailer with this id; give retailer_name instead.",
        }
    ]
    assert Purchase.objects.get(household__memberships__user=owner).retailer == shop


def test_json_unknown_keys_are_warnings(owner):
    document = {**_document({"product_name": "A", "price": "1", "purchase_date": "2025-01-01", "colour": "red"}),
                "extra": 1}  # fmt: skip
    report = transfer.purchases_import(household_id=household_of(owner), created_by=owner, document=document)
    assert report["warnings"] == [
        {"row": None, "line": None, "message": 'Unknown key "extra" in the document is ignored.'},
        {"row": None, "line": None, "message": 'Unknown field "colour" in purchase objects is ignored.'},
    ]


def test_a_repeated_id_in_one_file_is_an_error(owner):
    mine = PurchaseFactory(owner=owner)
    table = _table(
        [f"{mine.pk},A,1,2025-01-01", f"{mine.pk},B,1,2025-01-01"], header="id,product_name,price,purchase_date"
    )
    report = transfer.purchases_import(household_id=household_of(owner), created_by=owner, table=table)
    assert report["errors"] == [{"row": 2, "line": 3, "field": "id", "message": "The same id as line 2."}]


def test_json_export_streams_one_piece_per_purchase(owner):
    PurchaseFactory.create_batch(5, owner=owner)
    pieces = list(transfer.purchases_export_json(household_id=household_of(owner)))
    assert len(pieces) == 1 + 5 + 1
    assert len(json.loads("".join(pieces))["purchases"]) == 5


def test_export_filename_uses_the_utc_date():
    late = datetime.datetime(2025, 3, 1, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))
    assert transfer.export_filename("csv", late) == "spends-export-20250302.csv"


# --- resources (what the admin's import/export buttons run) ---


def test_purchase_resource_exports_the_owners_rows_with_the_csv_header(owner, other_user):
    mine = PurchaseFactory(owner=owner, product_name="=cmd")
    WarrantyFactory(purchase=mine, warranty_end=datetime.date(2099, 1, 1))
    PurchaseFactory(owner=other_user)
    dataset = PurchaseResource(user=owner).export(Purchase.objects.all())
    assert ",".join(dataset.headers) == HEADER
    assert len(dataset) == 1
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["product_name"] == "'=cmd"
    assert row["warranty_status"] == "ACTIVE"
    assert row["id"] == str(mine.pk)


def test_purchase_resource_import_goes_through_the_importer(owner, other_user):
    theirs = PurchaseFactory(owner=other_user, product_name="Theirs")
    dataset = tablib.Dataset(headers=["id", "product_name", "price", "purchase_date", "retailer"])
    dataset.append([str(theirs.pk), "Mine now", 12.5, datetime.datetime(2025, 1, 2), "Admin Shop"])
    dataset.append(["", "Second", "3", "2025-01-03", ""])
    resource = PurchaseResource(user=owner)
    preview = resource.import_data(dataset, dry_run=True)
    assert not preview.has_errors() and not preview.has_validation_errors()
    assert preview.totals["new"] == 2
    assert not Purchase.objects.filter(household__memberships__user=owner).exists()
    result = resource.import_data(dataset, dry_run=False)
    assert result.totals["new"] == 2
    assert [row.instance.household_id for row in result.rows] == [household_of(owner)] * 2
    stored = Purchase.objects.get(household__memberships__user=owner, product_name="Mine now")
    assert stored.price == Decimal("12.50") and stored.purchase_date == datetime.date(2025, 1, 2)
    assert stored.retailer.name == "Admin Shop"
    theirs.refresh_from_db()
    assert theirs.product_name == "Theirs"


def test_purchase_resource_reports_invalid_rows_and_writes_nothing(owner):
    dataset = tablib.Dataset(headers=["product_name", "price", "purchase_date"])
    dataset.append(["Fine", "1", "2025-01-01"])
    dataset.append(["Bad", "-1", "2025-01-01"])
    result = PurchaseResource(user=owner).import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert result.invalid_rows[0].number == 2
    assert result.invalid_rows[0].error_dict == {"price": ["Ensure this value is greater than or equal to 0."]}
    assert not Purchase.objects.exists()
    missing = tablib.Dataset(headers=["product_name"])
    assert PurchaseResource(user=owner).import_data(missing).has_errors()


def test_purchase_resource_without_a_user_exports_and_imports_nothing(owner):
    PurchaseFactory(owner=owner)
    assert len(PurchaseResource().export()) == 0
    assert PurchaseResource().import_data(tablib.Dataset(headers=["product_name"])).has_errors()


@pytest.mark.parametrize(("resource_class", "model"), [(RetailerResource, Retailer), (BrandResource, Brand)])
def test_catalog_resources_match_names_case_insensitively(resource_class, model):
    model.objects.create(name="Zebra Co")
    dataset = tablib.Dataset(headers=["name", "url"])
    dataset.append(["zebra co", ""])
    dataset.append(["  Newcomer ", "https://new.example.com"])
    result = resource_class(user=None).import_data(dataset, dry_run=False, rollback_on_validation_errors=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert model.objects.filter(name__iexact="zebra co").count() == 1
    assert model.objects.get(name="Newcomer").url == "https://new.example.com"
    bad = tablib.Dataset(headers=["name", "url"])
    bad.append(["Bad url", "ftp://x"])
    assert resource_class().import_data(bad, dry_run=False).has_validation_errors()
    exported = resource_class().export()
    assert exported.headers == ["name", "url"]
    assert ["Newcomer", "https://new.example.com"] in [list(row) for row in exported]
