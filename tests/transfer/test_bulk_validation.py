"""The import's bulk validation (transfer.validating.BulkValidator: the API's DRF fields run column by column) against
the reference, the same fields run row by row (RowValidator.validate): the same items, values and errors (field
paths, messages, row numbers), for hand-written bad cells of every column and rule and for random rows (hypothesis).
The reference itself is compared with the API's serializers in test_parsing.py."""

import datetime
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transfer import validating
from transfer.reading import CsvTable, csv_rows
from transfer.validating import BulkValidator, RowValidator

VALID = {"product_name": "Kettle", "price": "19.99", "currency_code": "EUR", "purchase_date": "2024-03-15"}
WARRANTY = {"warranty_start": "2024-03-15", "warranty_end": "2026-03-15", "warranty_type": "LIMITED"}
CLAIM = {"opened_on": "2024-05-01", "issue": "Broken lid"}
ID = "3f1c2a5e-8d4b-4f6a-9c1e-2b7d5a9e0c11"


def _no_progress(stage, done, total):
    pass


def _state(item) -> str:
    """Everything validation decides of a row, as text (Decimal("1.5") and Decimal("1.50") differ)."""
    names = ("number", "present", "errors", "pid", "values", "warranty", "coverages", "retailer", "brand", "creator")
    return repr(tuple(getattr(item, name) for name in (*names, "file_rate")))


def _rows(objects: list) -> list:
    return [(number, obj, frozenset(obj) if isinstance(obj, dict) else frozenset(), None) for number, obj in
            enumerate(objects, 1)]  # fmt: skip


def assert_same(rows: list, *, group_by_id: bool = False) -> list:
    """Both paths over `rows` (SourceRows); returns the bulk path's items."""
    reference = RowValidator(_no_progress, group_by_id=group_by_id).items(rows)
    bulk = BulkValidator(_no_progress, group_by_id=group_by_id).items(rows)
    assert [_state(item) for item in bulk] == [_state(item) for item in reference]
    return bulk


def errors_of(obj) -> list:
    (item,) = assert_same(_rows([obj]))
    return item.errors


# --- hand-written bad cells: every column and rule ------------------------------------------------------------------

SUBSTITUTE = object()  # the key is left out


@pytest.mark.parametrize(
    ("key", "cell", "expected"),
    [
        ("product_name", "", ("product_name", "This field may not be blank.")),
        ("product_name", "   ", ("product_name", "This field may not be blank.")),
        ("product_name", SUBSTITUTE, ("product_name", "This field is required.")),
        ("product_name", "x" * 256, ("product_name", "Ensure this field has no more than 255 characters.")),
        ("product_name", "a\x00b", ("product_name", "Null characters are not allowed.")),
        ("product_name", "a\ud800b", ("product_name", "Surrogate characters are not allowed: U+D800.")),
        ("product_name", ["list"], ("product_name", "Not a valid string.")),
        ("product_name", None, ("product_name", "This field may not be null.")),
        ("price", "abc", ("price", "A valid number is required.")),
        ("price", "-0.01", ("price", "Ensure this value is greater than or equal to 0.")),
        ("price", "1.234", ("price", "Ensure that there are no more than 2 decimal places.")),
        ("price", "123456789", ("price", "Ensure that there are no more than 8 digits before the decimal point.")),
        ("price", "12345678901", ("price", "Ensure that there are no more than 10 digits in total.")),
        ("price", "NaN", ("price", "A valid number is required.")),
        ("price", "Infinity", ("price", "A valid number is required.")),
        ("price", "1" * 1001, ("price", "String value too large.")),
        ("price", "", ("price", "A valid number is required.")),
        ("price", SUBSTITUTE, ("price", "This field is required.")),
        ("currency_code", "EURO", ("currency_code", '"EURO" is not an ISO 4217 currency code.')),
        ("currency_code", "EU", ("currency_code", '"EU" is not an ISO 4217 currency code.')),
        ("currency_code", "ABC", ("currency_code", '"ABC" is not an ISO 4217 currency code.')),
        ("status", "LOST", ("status", '"LOST" is not a valid choice.')),
        ("status", "ordered", ("status", '"ordered" is not a valid choice.')),
        (
            "purchase_date",
            "2024-02-30",
            ("purchase_date", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ),  # fmt: skip
        (
            "purchase_date",
            "15/03/2024",
            ("purchase_date", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ),  # fmt: skip
        ("notes", "n" * 10_001, ("notes", "Ensure this field has no more than 10000 characters.")),
        ("return_by", "2024-03-14", ("return_by", "The return window cannot end before the purchase date.")),
        ("return_by", "soon", ("return_by", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")),
        (
            "returned_on",
            "2024-03-20",
            ("returned_on", "Only a RETURNED purchase has a return date: set status RETURNED, or omit it."),
        ),  # fmt: skip
        ("exchange_rate", "0", ("exchange_rate", "An exchange rate must be greater than 0.")),
        ("exchange_rate", "1.23456789012", ("exchange_rate", "An exchange rate has at most 10 significant digits.")),
        ("rate_source", "BANK", ("rate_source", "Must be ECB, MANUAL or empty.")),
        ("rate_source", "MANUAL", ("exchange_rate", "A MANUAL rate source needs its exchange rate.")),
        ("id", "not-a-uuid", ("id", "Must be a valid UUID.")),
        ("retailer_name", "r" * 101, ("retailer_name", "Ensure this field has no more than 100 characters.")),
        ("brand_id", "nope", ("brand_id", "Must be a valid UUID.")),
        ("warranty", "yes", ("warranty", "Invalid data. Expected a dictionary, but got str.")),
        (
            "warranty",
            {**WARRANTY, "warranty_start": "x"},
            ("warranty.warranty_start", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ),  # fmt: skip
        (
            "warranty",
            {**WARRANTY, "warranty_end": "2024-03-01"},
            ("warranty.warranty_end", "Warranty end must be on or after the warranty start."),
        ),  # fmt: skip
        (
            "warranty",
            {**WARRANTY, "warranty_end": None},
            ("warranty.warranty_end", "Warranty end is required unless the warranty is lifetime."),
        ),  # fmt: skip
        (
            "warranty",
            {**WARRANTY, "warranty_type": "FOREVER"},
            ("warranty.warranty_type", '"FOREVER" is not a valid choice.'),
        ),  # fmt: skip
        ("warranty", {**WARRANTY, "status": "BROKEN"}, ("warranty.status", '"BROKEN" is not a valid choice.')),
        (
            "warranty",
            {**WARRANTY, "provider": "p" * 256},
            ("warranty.provider", "Ensure this field has no more than 255 characters."),
        ),  # fmt: skip
        (
            "warranty",
            {**WARRANTY, "cost": "-1"},
            ("warranty.cost", "Ensure this value is greater than or equal to 0."),
        ),  # fmt: skip
        (
            "warranty",
            {**WARRANTY, "reference": "r" * 256},
            ("warranty.reference", "Ensure this field has no more than 255 characters."),
        ),  # fmt: skip
        ("warranty", {"warranty_end": "2026-01-01"}, ("warranty.warranty_start", "This field is required.")),
        ("warranties", "all", ("warranties", "Must be a list of at most 100 warranty objects.")),
        ("warranties", [WARRANTY] * 101, ("warranties", "Must be a list of at most 100 warranty objects.")),
        ("warranties", [WARRANTY, 5], ("warranties.1", "Invalid data. Expected a dictionary, but got int.")),
        (
            "warranties",
            [{**WARRANTY, "claims": "x"}],
            ("warranties.0.claims", "Must be a list of at most 100 claim objects."),
        ),  # fmt: skip
        (
            "warranties",
            [{**WARRANTY, "claims": [{**CLAIM, "status": "APPROVED"}]}],
            ("warranties.0.claims.0.closed_on", "Closed on is required unless the claim is open."),
        ),  # fmt: skip
        (
            "warranties",
            [{**WARRANTY, "claims": [{**CLAIM, "closed_on": "2024-04-01", "status": "RESOLVED"}]}],
            ("warranties.0.claims.0.closed_on", "Closed on must be on or after the opened on date."),
        ),  # fmt: skip
        (
            "warranties",
            [{**WARRANTY, "claims": [{"opened_on": "2024-05-01"}]}],
            ("warranties.0.claims.0.issue", "This field is required."),
        ),  # fmt: skip
    ],
)
def test_a_bad_cell_gives_the_references_error(key, cell, expected):
    obj = {k: v for k, v in VALID.items() if k != key}
    if cell is not SUBSTITUTE:
        obj[key] = cell
    errors = errors_of(obj)
    assert expected in [error[:2] for error in errors]


def test_a_returned_purchase_without_its_day_is_completed_as_the_api_does(settings):
    (item,) = assert_same(_rows([{**VALID, "status": "RETURNED"}]))
    assert item.errors is None
    assert item.values[validating.PLAIN_FIELDS.index("returned_on")] is not None


def test_valid_cells_give_the_references_values():
    obj = {
        **VALID,
        "price": " 0012.5 ",
        "currency_code": " usd ",
        "notes": "  a note ",
        "exchange_rate": "1.25",
        "retailer_name": "  Shop  ",
        "brand_id": ID,
        "warranty": {**WARRANTY, "status": "EXPIRED", "cost": "10", "provider": " P "},
    }
    (item,) = assert_same(_rows([obj, {**VALID, "price": 7, "warranty": None}, {**VALID, "price": 7.5}]))[:1]
    assert item.values[:3] == ("Kettle", Decimal("12.50"), "USD")
    assert item.file_rate == Decimal("1.25")
    assert item.retailer == ("name", "Shop")


def test_rows_that_cannot_be_read_and_non_objects_are_the_references():
    rows = [(1, None, frozenset(), "The row has 2 cells but the header has 3 columns."), *_rows([[1], "x"])[1:]]
    rows.append((3, [VALID], frozenset(), None))
    items = assert_same(rows)
    assert [item.errors for item in items][0] == [(None, "The row has 2 cells but the header has 3 columns.")]


def test_a_version_2_csv_groups_rows_of_one_purchase_across_batches(monkeypatch):
    monkeypatch.setattr(validating, "BULK_ROWS", 2)
    header = ["id", "product_name", "price", "purchase_date", "return_by", "warranty_start", "warranty_end"]
    cells = [
        [ID, "Kettle", "19.99", "2024-03-15", "", "2024-03-15", "2025-03-15"],
        [ID, "Kettle", "19.99", "2024-03-15", "", "2024-03-15", "x"],
        [str(uuid.UUID(int=5)), "Lamp", "5.00", "2024-03-15", "2024-03-01", "", ""],
        [ID, "Kettle", "19.99", "2024-03-15", "", "2024-04-01", ""],
        [ID, "Kettle", "19.99", "2024-03-15", "", "2024-03-15", "2026-03-15"],
    ]
    rows = list(csv_rows(CsvTable(header, cells)))
    items = assert_same(rows, group_by_id=True)
    assert [item.number for item in items] == [1, 3]
    assert [error[2] for error in items[0].errors] == [2, 4]


# --- random rows ----------------------------------------------------------------------------------------------------

TEXTS = ["Kettle", "  padded  ", "", "   ", "x" * 255, "y" * 256, "nul\x00", "s\ud800", "Ünïcode ☕", "'=1+1"]
JSON_JUNK = [None, True, 0, 12, 1.5, -3, [], {}, ["a"], {"a": 1}, Decimal("1" * 30)]
DATES = ["2024-03-15", "2024-03-01", "2025-12-31", "2024-02-30", "15/03/2024", "", " 2024-03-15", "2024-03-15T10:00"]
MONEY = ["19.99", "0", "0.00", "0.5", "-1", "1e3", "12.345", "99999999.99", "123456789", " 5.5 ", "00012.5", "NaN",
         "inf", "1_000", "٣", "+4", ".5", "5.", "abc", ""]  # fmt: skip
CELLS = {
    "id": [ID, str(uuid.UUID(int=9)), "bad", ""],
    "product_name": TEXTS,
    "price": MONEY,
    "currency_code": ["EUR", "usd", " gbp ", "ABC", "EU", "EURO", "", "JPY"],
    "retailer_name": ["Shop", " Shop ", "", "r" * 101, "Other"],
    "retailer_id": [ID, "nope", ""],
    "brand_name": ["Brand", "", "b" * 100],
    "brand_id": [ID, "x"],
    "status": ["ORDERED", "RECEIVED", "RETURNED", "ordered", "", "LOST"],
    "purchase_date": DATES,
    "notes": ["", "note", "n" * 10_001, "a\x00"],
    "return_by": DATES,
    "returned_on": DATES,
    "exchange_rate": ["1.5", "0", "-1", "1.23456789012", "0.0000002030432964", "abc", "", "1"],
    "rate_source": ["ECB", "MANUAL", "manual ", "", "BANK"],
    "created_by": ["alice", "", "a" * 151],
}
WARRANTY_CELLS = {
    "warranty_start": DATES,
    "warranty_end": [*DATES, None],
    "warranty_type": ["LIMITED", "LIFETIME", "EXTENDED", "limited", ""],
    "status": ["ACTIVE", "VOIDED", "EXPIRED", "BROKEN"],
    "provider": TEXTS,
    "notes": ["", "n"],
    "cost": [*MONEY[:8], None],
    "reference": ["", "REF-1", "r" * 256],
}
CLAIM_CELLS = {
    "opened_on": DATES,
    "closed_on": [*DATES, None],
    "status": ["OPEN", "APPROVED", "RESOLVED", "X"],
    "issue": ["Broken", "", "i" * 2001],
    "resolution": ["", "Fixed"],
    "extends_warranty_to": [*DATES[:3], None],
}


def _cells(pool: list, junk: bool):
    return st.sampled_from(pool + JSON_JUNK) if junk else st.sampled_from(pool)


def _object(cells: dict, junk: bool, **extra):
    return st.fixed_dictionaries({}, optional={k: _cells(v, junk) for k, v in cells.items()} | extra)


def _purchase(junk: bool):
    claims = st.lists(_object(CLAIM_CELLS, junk) | st.sampled_from(JSON_JUNK), max_size=2)
    coverage = _object(WARRANTY_CELLS, junk, claims=claims | st.sampled_from(JSON_JUNK))
    warranty = _object(WARRANTY_CELLS, junk) | st.sampled_from(JSON_JUNK)
    return _object(
        CELLS,
        junk,
        warranty=warranty,
        warranties=st.lists(coverage | st.sampled_from(JSON_JUNK), max_size=3) | st.sampled_from(JSON_JUNK),
    )


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    objects=st.lists(_purchase(junk=False) | _purchase(junk=True) | st.sampled_from(JSON_JUNK), min_size=1, max_size=8),
    grouped=st.booleans(),
    batch=st.sampled_from([1, 3, 5000]),
)
def test_random_rows_give_the_references_items_and_errors(objects, grouped, batch):
    """Random purchase objects (text cells, as a CSV gives them, or any JSON value), valid or not in any column,
    validated in batches of `batch` rows: row by row, the bulk path's items equal the reference's."""
    validating.BULK_ROWS, before = batch, validating.BULK_ROWS
    try:
        assert_same(_rows(objects), group_by_id=grouped)
    finally:
        validating.BULK_ROWS = before


def test_the_date_cells_of_the_random_rows_are_valid_and_invalid():
    """The pools above hold both kinds (a property test whose cells were all valid would prove little)."""
    (item,) = assert_same(_rows([{**VALID, "purchase_date": DATES[0]}]))
    assert item.values[validating.PLAIN_FIELDS.index("purchase_date")] == datetime.date(2024, 3, 15)
    assert errors_of({**VALID, "purchase_date": DATES[3]})
