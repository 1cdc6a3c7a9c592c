"""The CSV export's values_list() path (#10) writes exactly what the serializer path wrote, row for row.

The reference is computed here the old way: `PurchaseResource.object_to_row(serializer.to_representation(purchase))`
for every purchase of `selectors.purchase_list` (filtered like the API), through csv.writer, after a UTF-8 BOM. The
export must equal it byte for byte: header, quoting, CRLF, formula neutralising, money, dates and time stamps."""

import csv
import datetime
import io
import itertools
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from purchases import representation, selectors
from purchases.api.serializers import PurchaseSerializer
from purchases.choices import PurchaseStatus
from purchases.filters import PurchaseFilterSet
from purchases.models import Purchase
from spends.clock import today
from tests.factories import BrandFactory, PurchaseFactory, RetailerFactory, WarrantyFactory, household_of
from transfer import exporting
from transfer.resources import PurchaseResource, neutralise
from warranties.choices import WarrantyStatus, WarrantyType

pytestmark = pytest.mark.django_db


def _public(purchase) -> dict:
    return PurchaseSerializer().to_representation(purchase)


def _drf_generic(purchase) -> dict:
    """DRF's field-by-field walk, whatever shortcut PurchaseSerializer.to_representation takes for selector rows."""
    warranty = getattr(purchase, "warranty", None)
    if warranty is not None:  # what PurchaseSerializer.to_representation hands to the nested serializer
        warranty.purchase = purchase
        warranty.effective_status = purchase.warranty_effective_status
        warranty.days_remaining = purchase.warranty_days_remaining
        warranty.claim_count = purchase.warranty_claim_count
    return serializers.ModelSerializer.to_representation(PurchaseSerializer(), purchase)


REPRESENTATIONS = [pytest.param(_public, id="PurchaseSerializer"), pytest.param(_drf_generic, id="drf-generic")]


def reference_csv(queryset, represent=_public) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(PurchaseResource.headers())
    for purchase in queryset:
        writer.writerow(PurchaseResource.object_to_row(represent(purchase)))
    return "\ufeff" + buffer.getvalue()


def fast_csv(queryset, **kwargs) -> str:
    return "".join(exporting.purchases_export_csv(queryset=queryset, **kwargs))


def api_csv(client, **params) -> str:
    response = client.get("/api/export/csv", params)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode("utf-8")


def filtered(owner, **params):
    filterset = PurchaseFilterSet(params, queryset=selectors.purchase_list(household_id=household_of(owner)))
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


FORMULAS = ["=1+1", "+plus", "-minus", "@at", "\ttab", "\rcarriage", "'=quoted", "''+twice", "'plain", "a=b"]


@pytest.fixture
def varied(owner, other_user):
    """Every kind of cell: warranties in each effective state, missing catalog entries, unicode, quoting, formula
    lookalikes in every text column, money at the edges, several currencies, tied dates, odd time stamps."""
    now = today()
    muller = RetailerFactory(name="Müller Markt")
    formula_retailer = RetailerFactory(name="=Retailer()")
    brand = BrandFactory(name="日本語ブランド ✓")
    formula_brand = BrandFactory(name="+Brand")
    day = datetime.date(2025, 3, 1)
    rows = [
        PurchaseFactory(owner=owner, product_name="Plain", price=Decimal("0.00"), retailer=muller, brand=brand),
        PurchaseFactory(owner=owner, product_name="Ten cents", price=Decimal("0.10"), currency_code="EUR"),
        PurchaseFactory(owner=owner, product_name="Big", price=Decimal("12345678.90"), currency_code="JPY"),
        PurchaseFactory(owner=owner, product_name="Max", price=Decimal("99999999.99"), currency_code="GBP"),
        PurchaseFactory(owner=owner, product_name="Half", price=Decimal("5.5"), currency_code="CHF"),
        PurchaseFactory(
            owner=owner,
            product_name="Kopfhörer „Über“ 日本語 ✓ 🎧",
            notes='Comma, "quotes" and\nnew lines\r\nhere',
            retailer=formula_retailer,
            brand=formula_brand,
            purchase_date=day,
            status=PurchaseStatus.ORDERED,
        ),
        PurchaseFactory(owner=owner, product_name="No catalog, no warranty", purchase_date=day, notes=""),
        PurchaseFactory(owner=owner, product_name="Twin", purchase_date=day),  # ties on the date: id decides
        PurchaseFactory(owner=owner, product_name="Twin", purchase_date=day),
    ]
    for text in FORMULAS:
        rows.append(
            PurchaseFactory(owner=owner, product_name=text, notes=text, status=PurchaseStatus.ORDERED, price="1.00")
        )
    WarrantyFactory(purchase=rows[0], warranty_start=now, warranty_end=now + datetime.timedelta(days=30))  # ACTIVE
    WarrantyFactory(purchase=rows[1], warranty_start=now, warranty_end=None, warranty_type=WarrantyType.LIFETIME)
    WarrantyFactory(purchase=rows[2], status=WarrantyStatus.VOIDED, provider="-Provider", notes="@notes")
    WarrantyFactory(  # EXPIRED yesterday
        purchase=rows[3],
        warranty_start=now - datetime.timedelta(days=400),
        warranty_end=now - datetime.timedelta(days=1),
        warranty_type=WarrantyType.EXTENDED,
        provider='Care™, "Plus"',
        notes="\r\nstarts with CR",
    )
    WarrantyFactory(purchase=rows[4], warranty_start=now, warranty_end=now)  # ends today: still ACTIVE
    for row, text in zip(rows[-len(FORMULAS) :], FORMULAS, strict=True):
        WarrantyFactory(purchase=row, provider=text, notes=text, warranty_type=WarrantyType.OTHER)
    # Time stamps that take the formatter's fallback (a year before 1000 is not zero-padded by strftime) or that have
    # no microseconds (isoformat() then has no fraction to cut).
    Purchase.objects.filter(pk=rows[6].pk).update(
        created_at=datetime.datetime(999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
        updated_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    )
    Purchase.objects.filter(pk=rows[7].pk).update(created_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC))
    # Someone else's rows, which no export of the owner's may show.
    theirs = PurchaseFactory(owner=other_user, product_name="Not yours", retailer=RetailerFactory(name="Other Shop"))
    WarrantyFactory(purchase=theirs)
    return rows


@pytest.mark.parametrize("represent", REPRESENTATIONS)
@pytest.mark.parametrize("rows_per_piece", [1, 200])
def test_export_is_byte_identical_to_the_serializer_rows(owner, varied, represent, rows_per_piece, monkeypatch):
    # Cells are formatted a batch (piece) at a time: one odd value sends its whole column of the batch down the
    # per-value path, so one-row batches take the column shortcuts wherever a row allows them.
    monkeypatch.setattr(exporting, "STREAM_ROWS_PER_PIECE", rows_per_piece)
    expected = reference_csv(selectors.purchase_list(household_id=household_of(owner)), represent)
    assert fast_csv(selectors.purchase_list(household_id=household_of(owner))) == expected
    # The fixture really reaches every branch: each effective status, empty warranty cells, neutralised cells.
    text = expected.removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {row["warranty_status"] for row in rows} == {"ACTIVE", "EXPIRED", "VOIDED", ""}
    assert {row["product_name"] for row in rows} >= {neutralise(value) for value in FORMULAS}
    assert "999-12-31T23:59:59Z" in {row["created_at"] for row in rows}


def test_rows_are_identical_line_by_line(owner, varied):
    """The same check, reported per row when it fails."""
    expected = reference_csv(selectors.purchase_list(household_id=household_of(owner))).splitlines(keepends=True)
    actual = fast_csv(selectors.purchase_list(household_id=household_of(owner))).splitlines(keepends=True)
    assert len(actual) == len(expected)
    for number, (line, reference) in enumerate(zip(actual, expected, strict=True)):
        assert line == reference, f"line {number}"


def test_empty_export_is_the_bom_and_the_header(owner):
    assert fast_csv(selectors.purchase_list(household_id=household_of(owner))) == reference_csv(Purchase.objects.none())
    assert (
        fast_csv(selectors.purchase_list(household_id=household_of(owner)))
        == "\ufeff" + ",".join(PurchaseResource.headers()) + "\r\n"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"currency_code": "eur"},
        {"search": "twin"},
        {"search": "müller"},
        {"has_warranty": "false"},
        {"has_warranty": "true", "ordering": "price"},
        {"ordering": "-product_name"},
        {"date_from": "2025-03-01", "date_to": "2025-03-01", "price_min": "1"},
        {"status": "ORDERED", "ordering": "created_at"},
    ],
)
def test_api_export_applies_the_list_filters_and_order(owner, owner_client, varied, params):
    expected = reference_csv(filtered(owner, **params))
    assert expected.count("\r\n") > 1  # at least one row, so the comparison says something
    assert api_csv(owner_client, **params) == expected


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"DATETIME_FORMAT": "iso-8601"}, id="iso-datetimes"),
        pytest.param({"DATE_FORMAT": "%d/%m/%Y"}, id="other-date-format"),
    ],
)
def test_shortcuts_give_way_to_the_serializer_fields_when_settings_differ(owner, varied, settings, overrides):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **overrides}
    expected = reference_csv(selectors.purchase_list(household_id=household_of(owner)), _drf_generic)
    assert fast_csv(selectors.purchase_list(household_id=household_of(owner))) == expected


def test_money_and_time_stamp_cells_write_what_the_serializer_fields_write():
    fields = PurchaseSerializer().fields
    money = exporting._money_cell()
    assert [money(Decimal(value)) for value in ("0.00", "5.5", "1E+2", "7")] == ["0.00", "5.50", "100.00", "7.00"]
    stamp = exporting._datetime_cell()
    naive_utc = datetime.datetime(2025, 1, 2, 3, 4, 5, 678)
    assert stamp(naive_utc) == stamp(naive_utc.replace(tzinfo=datetime.UTC)) == "2025-01-02T03:04:05Z"
    assert stamp(datetime.datetime(999, 1, 2, tzinfo=datetime.UTC)) == fields["created_at"].to_representation(
        datetime.datetime(999, 1, 2, tzinfo=datetime.UTC)
    )
    berlin = datetime.timezone(datetime.timedelta(hours=1))
    assert stamp(datetime.datetime(2025, 1, 2, 0, 30, tzinfo=berlin)) == "2025-01-01T23:30:00Z"


def test_every_resource_column_has_a_lookup():
    assert {column.source for column in PurchaseResource.columns()} <= set(representation.LOOKUPS)


@pytest.mark.parametrize("rows", [3, 30])
def test_export_is_one_query_whatever_the_number_of_rows(owner, rows, django_assert_num_queries):
    PurchaseFactory.create_batch(rows, owner=owner, retailer=RetailerFactory(), brand=BrandFactory())
    queryset = selectors.purchase_list(household_id=household_of(owner))
    # On PostgreSQL the stream runs under a savepoint when a transaction is open (as in tests): SAVEPOINT, RELEASE.
    expected = 3 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(expected) as captured:
        text = fast_csv(queryset)
    assert text.count("\r\n") == rows + 1
    [select] = [query["sql"] for query in captured.captured_queries if query["sql"].startswith("SELECT")]
    # values_list() leaves out purchase_list's attachment_count subquery: it is not a CSV column.
    assert "purchases_attachment" not in select


def test_api_export_runs_the_same_queries_for_3_and_30_rows(owner, owner_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            api_csv(owner_client, search="product")
        return len(captured)

    for _ in range(3):
        WarrantyFactory(purchase=PurchaseFactory(owner=owner, retailer=RetailerFactory()))
    few = count()
    for _ in range(27):
        WarrantyFactory(purchase=PurchaseFactory(owner=owner, retailer=RetailerFactory()))
    assert count() == few


def test_another_users_rows_never_appear(owner, other_user, owner_client, other_client, varied):
    mine = {str(pk) for pk in Purchase.objects.filter(household__memberships__user=owner).values_list("pk", flat=True)}
    theirs = {
        str(pk) for pk in Purchase.objects.filter(household__memberships__user=other_user).values_list("pk", flat=True)
    }

    def ids(text: str) -> set[str]:
        return {row["id"] for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))}

    assert ids(api_csv(owner_client)) == mine
    assert ids(api_csv(owner_client, search="yours")) == set()
    assert ids(api_csv(other_client)) == theirs
    assert ids(fast_csv(selectors.purchase_list(household_id=household_of(other_user)))) == theirs


def test_progress_is_reported_every_chunk_of_rows(owner, monkeypatch):
    PurchaseFactory.create_batch(7, owner=owner)
    monkeypatch.setattr(exporting, "EXPORT_CHUNK_SIZE", 2)
    monkeypatch.setattr(exporting, "STREAM_ROWS_PER_PIECE", 3)
    calls = []
    pieces = list(
        exporting.purchases_export_csv(
            queryset=selectors.purchase_list(household_id=household_of(owner)),
            progress=lambda *args: calls.append(args),
            total=7,
        )
    )
    assert calls == [("exporting", 2, 7), ("exporting", 4, 7), ("exporting", 6, 7)]
    assert pieces[0] == "\ufeff"
    assert [piece.count("\r\n") for piece in pieces[1:]] == [4, 3, 1]  # the header rides with the first rows


def test_a_query_while_the_rows_stream_fails_fast_and_closing_frees_the_connection(owner, monkeypatch):
    """psycopg's stream() holds the connection until the last row: on PostgreSQL another query in between raises at
    once instead of waiting forever. Closing the export early cancels the query; the transaction stays usable."""
    PurchaseFactory.create_batch(12, owner=owner)
    monkeypatch.setattr(exporting, "EXPORT_CHUNK_SIZE", 2)
    monkeypatch.setattr(exporting, "STREAM_ROWS_PER_PIECE", 1)
    pieces = exporting.purchases_export_csv(queryset=selectors.purchase_list(household_id=household_of(owner)))
    assert next(pieces) == "\ufeff"
    assert next(pieces).count("\r\n") == 2  # the header and the first row
    if connection.vendor == "postgresql":
        with pytest.raises(RuntimeError, match="streaming"):
            Purchase.objects.count()
    else:  # a server-side cursor or SQLite's fetchmany(): other queries may run in between
        assert Purchase.objects.count() == 12
    pieces.close()
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 12
    assert fast_csv(selectors.purchase_list(household_id=household_of(owner))).count("\r\n") == 13


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg stream() is the PostgreSQL path")
def test_closing_the_export_while_the_query_runs_cancels_it_and_keeps_the_transaction(owner, monkeypatch):
    """The cancelled query would abort the enclosing transaction; the stream's savepoint is rolled back instead."""
    PurchaseFactory.create_batch(40, owner=owner)
    monkeypatch.setattr(exporting, "EXPORT_CHUNK_SIZE", 2)
    monkeypatch.setattr(exporting, "STREAM_ROWS_PER_PIECE", 1)
    # 10 ms a row and no sort, so the query is still running when the export is closed.
    sleepy = RawSQL("pg_sleep(0.01) IS NOT NULL", (), output_field=BooleanField())
    slow = selectors.purchase_list(household_id=household_of(owner)).order_by().filter(sleepy)
    pieces = exporting.purchases_export_csv(queryset=slow)
    assert [next(pieces), next(pieces).count("\r\n")] == ["\ufeff", 2]
    pieces.close()
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 40


def test_neutralise_with_its_first_character_check_matches_the_plain_rule():
    """neutralise() skips its regex unless the first character can start a formula; the result must not change."""
    rule = re.compile(r"'*[=+\-@\t\r]")
    alphabet = ["'", "=", "+", "-", "@", "\t", "\r", "\n", " ", "a", "1", "ü"]
    for length in range(4):
        for letters in itertools.product(alphabet, repeat=length):
            value = "".join(letters)
            assert neutralise(value) == ("'" + value if rule.match(value) else value), repr(value)
