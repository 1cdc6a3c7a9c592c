"""Import files built to break the parser (#18 item 7): huge numbers, non-numbers, deep nesting, a bad byte far into a
streamed file. Every one is a 400 in the contract's shape, and nothing is written."""

import json

import pytest

from purchases.models import Purchase
from tests.transfer.conftest import import_file

pytestmark = pytest.mark.django_db

DIGITS = "1" + "0" * 4999  # 5,000 digits: over Python's int conversion limit (4,300)


def _document(purchase_json: str) -> str:
    return '{"format": "spends-tracker", "version": 1, "purchases": [' + purchase_json + "]}"


def _purchase(price_literal: str) -> str:
    return '{"product_name": "Lamp", "price": ' + price_literal + ', "purchase_date": "2025-01-01"}'


def _row_errors(response) -> list[tuple]:
    return [(error["row"], error["field"]) for error in response.json()["errors"]]


@pytest.mark.parametrize(
    "literal",
    [DIGITS, "-" + DIGITS, "1e5000", "-1e5000", "NaN", "Infinity", "-Infinity", DIGITS + ".5", "1" * 400],
)
def test_a_json_price_that_is_no_money_is_a_row_error(owner_client, literal):
    response = import_file(owner_client, "json", _document(_purchase(literal)))
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "validation_error"
    assert _row_errors(response) == [(1, "price")]
    assert response.json()["created"] == 0
    assert not Purchase.objects.exists()


def test_a_huge_integer_anywhere_in_the_document_is_400_not_500(owner_client):
    huge_elsewhere = _document(
        '{"product_name": "Lamp", "price": "1.00", "purchase_date": "2025-01-01", "notes": ' + DIGITS + "}"
    ).replace('"version": 1', '"version": 1, "padding": ' + DIGITS)
    response = import_file(owner_client, "json", huge_elsewhere)
    assert response.status_code == 400
    assert _row_errors(response) == [(1, "notes")]
    response = import_file(owner_client, "json", _document("").replace('"version": 1', '"version": ' + DIGITS))
    assert response.status_code == 400
    assert '"version"' in response.json()["detail"]
    assert response.json()["errors"] == {"file": [response.json()["detail"]]}
    assert not Purchase.objects.exists()


def test_partial_imports_the_other_rows_of_a_file_with_a_huge_number(owner_client, owner):
    document = _document(_purchase(DIGITS) + "," + _purchase('"2.50"'))
    response = import_file(owner_client, "json", document, partial="true")
    assert response.status_code == 200
    assert response.json()["created"] == 1 and _row_errors(response) == [(1, "price")]
    assert list(Purchase.objects.filter(household__memberships__user=owner).values_list("price", flat=True)) == [2.5]


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_a_deeply_nested_document_is_a_file_error(owner_client, depth):
    response = import_file(owner_client, "json", "[" * depth + "]" * depth)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"] or "JSON object" in response.json()["detail"]
    assert not Purchase.objects.exists()


def test_deep_nesting_inside_a_purchase_is_a_row_error(owner_client):
    nested = "[" * 400 + "]" * 400
    warranty = '{"warranty_start": "2025-01-01", "provider": {"a": ' + nested + "}}"
    document = _document(
        '{"product_name": ' + nested + ', "price": "1", "purchase_date": "2025-01-01", "warranty": ' + warranty + "}"
    )
    response = import_file(owner_client, "json", document)
    assert response.status_code == 400
    assert _row_errors(response) == [(1, "product_name"), (1, "warranty.provider")]
    assert not Purchase.objects.exists()


@pytest.mark.parametrize("price", [DIGITS, "1e5000", "NaN", "Infinity", "-" + DIGITS, "1" * 100_000])
def test_a_csv_price_that_is_no_money_is_a_row_error(owner_client, price):
    content = f"product_name,price,purchase_date\r\nLamp,{price},2025-01-01\r\nDesk,3.00,2025-01-02\r\n"
    response = import_file(owner_client, "csv", content)
    assert response.status_code == 400
    assert _row_errors(response) == [(1, "price")]
    assert not Purchase.objects.exists()


def test_a_cell_over_the_csv_field_limit_is_a_file_error(owner_client):
    content = "product_name,price,purchase_date\r\nLamp,1," + "2" * 200_000 + "\r\n"
    response = import_file(owner_client, "csv", content)
    assert response.status_code == 400
    assert "not valid CSV" in response.json()["detail"]


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (b"Caf\xe9,1.00,2025-01-01\r\n", "not UTF-8 text (undecodable byte at position"),
        (b"Lamp,1.00,2025-01-01\x00\r\n", "NUL"),
        (b'"unterminated,1.00,2025-01-01\r\n', "not valid CSV"),
        (b"Lamp,1.00,2025-01-01\r\n\xe2\x82", "not UTF-8"),  # a character cut at the end of the file
    ],
)
def test_a_bad_byte_far_into_a_streamed_file_writes_nothing(owner_client, tail, message):
    """The file is read in chunks as its rows are imported: a fault after thousands of good rows (past the first
    chunk) is still the file error, and none of the good rows is written."""
    good = b"".join(b"Item %d,1.00,2025-01-01\r\n" % i for i in range(5000))
    content = b"\xef\xbb\xbfproduct_name,price,purchase_date\r\n" + good + tail
    response = import_file(owner_client, "csv", content)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert response.json()["errors"] == {"file": [response.json()["detail"]]}
    assert not Purchase.objects.exists()


def test_the_position_of_an_undecodable_byte_counts_from_the_start_of_the_file(owner_client):
    head = "product_name,price,purchase_date\r\n" + "".join(f"Item {i},1.00,2025-01-01\r\n" for i in range(4000))
    content = head.encode() + "Ü".encode()[:1] + b"x,1.00,2025-01-01\r\n"
    response = import_file(owner_client, "csv", content)
    assert response.status_code == 400
    assert f"position {len(head.encode())})" in response.json()["detail"]


def test_a_large_upload_is_read_from_its_temporary_file(owner_client, owner, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # uploads above this are temporary files on disk
    rows = "".join(f"Item {i},{i}.25,2025-01-{1 + i % 28:02d}\r\n" for i in range(300))
    response = import_file(owner_client, "csv", "\ufeffproduct_name,price,purchase_date\r\n" + rows)
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 300
    assert Purchase.objects.filter(household__memberships__user=owner, product_name="Item 299", price="299.25").exists()


def test_json_with_a_bom_and_a_large_upload(owner_client, owner, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    purchases = [{"product_name": f"P{i}", "price": "1.00", "purchase_date": "2025-01-01"} for i in range(100)]
    text = "\ufeff" + json.dumps({"format": "spends-tracker", "version": 1, "purchases": purchases})
    response = import_file(owner_client, "json", text)
    assert response.status_code == 200, response.json()
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 100
