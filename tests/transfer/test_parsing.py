"""The import's validation gives exactly what the API's serializers give, on the same hostile inputs: the same values,
and the same errors (paths, words, order). Both run the DRF fields of purchases/warranties/catalog .validation; the
import runs them without a serializer (spends.fields.ObjectField is the nested objects' glue, the serializers are the
reference here), and the serializers must declare those fields."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.exceptions import ValidationError

from catalog import validation as catalog_validation
from catalog.api.serializers import RetailerSerializer
from purchases.api.serializers import PurchaseSerializer
from purchases.validation import PURCHASE_FIELDS
from transfer.validating import PURCHASE_OBJECT, WRITABLE_KEYS, flatten
from warranties.validation import WARRANTY_FIELDS

HOSTILE = [
    None, "", "   ", True, False, 0, 7, -3, 1.5, 1e20, float("nan"), [], {}, ["a"], {"a": 1}, "x" * 256, "x" * 10_001,
    "a\x00b", "a\ud800b", " padded ", "abc", "12.345", "1e3", "1E+2", "NaN", "Infinity", "-Infinity", "-1", "-0",
    "99999999.99", "100000000", "123456789.1", "0.001", "1" * 1001, " 12.5 ", "1_000", Decimal("1.5"), 10**30,
    "2025-02-30", "2025-01-01", "2025-1-1", "20250101", "2025-01-01T00:00:00", datetime.date(2025, 1, 2),
    datetime.datetime(2025, 1, 2, 3, 4), "eur", "EURO", "eu", "zzz", " usd ", "ORDERED", "ordered", "DELIVERED",
    "ACTIVE", "VOIDED", "EXPIRED", "LIFETIME", "limited", "http://example.com", "ftp://example.com", "http://",
    "example.com", "https://x" + "y" * 500 + ".com",
]  # fmt: skip
VALID = {"product_name": "Kettle", "price": "12.50", "purchase_date": "2025-03-01"}
VALID_WARRANTY = {"warranty_start": "2025-03-01", "warranty_end": "2027-03-01"}
ABSENT = object()


def _outcome_drf(data):
    try:
        values = PurchaseSerializer(context={}).run_validation(data)
    except ValidationError as exc:
        return "invalid", list(flatten(exc.detail))
    return "valid", _plain(values)


def _outcome_ours(data):
    try:
        values = PURCHASE_OBJECT.run_validation(data)
    except ValidationError as exc:
        return "invalid", list(flatten(exc.detail))
    return "valid", _plain(values)


def _plain(values) -> dict:
    plain = {key: values[key] for key in WRITABLE_KEYS if key in values}
    if plain.get("warranty") is not None:
        # cost and reference (#21) are the API's only until the version-2 import reads them.
        plain["warranty"] = {k: v for k, v in plain["warranty"].items() if k not in ("cost", "reference")}
    return plain


def _with(base: dict, key: str, value) -> dict:
    data = dict(base)
    if value is ABSENT:
        data.pop(key, None)
    else:
        data[key] = value
    return data


@pytest.mark.parametrize("key", [*(k for k in WRITABLE_KEYS if k != "warranty")])
def test_each_purchase_field_gives_the_serializers_values_and_errors(key):
    for value in [ABSENT, *HOSTILE]:
        data = _with(VALID, key, value)
        assert _outcome_ours(data) == _outcome_drf(data), (key, value)


@pytest.mark.parametrize("key", ["warranty_start", "warranty_end", "warranty_type", "status", "provider", "notes"])
def test_each_nested_warranty_field_gives_the_serializers_values_and_errors(key):
    for value in [ABSENT, *HOSTILE]:
        data = {**VALID, "warranty": _with(VALID_WARRANTY, key, value)}
        assert _outcome_ours(data) == _outcome_drf(data), (key, value)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {**VALID, "warranty": None},
        {**VALID, "warranty": "yes"},
        {**VALID, "warranty": []},
        {**VALID, "warranty": {}},
        {**VALID, "warranty": {"warranty_start": "2025-03-01"}},
        {**VALID, "warranty": {"warranty_start": "2025-03-01", "warranty_type": "LIFETIME"}},
        {**VALID, "warranty": {"warranty_start": "2025-03-01", "warranty_end": "2025-02-01"}},
        {**VALID, "warranty": {"warranty_start": "x", "warranty_end": "2025-02-01", "status": "EXPIRED"}},
        {
            "product_name": "",
            "price": "-1",
            "currency_code": "xx",
            "status": "LOST",
            "purchase_date": "soon",
            "notes": None,
            "warranty": {"warranty_start": None, "provider": [], "notes": "\x00"},
        },
        {**VALID, "currency_code": "jpy", "status": "DELIVERED", "notes": " kept ", "ignored": 1},
    ],  # fmt: skip
)
def test_whole_objects_give_the_serializers_values_and_errors(data, settings):
    assert _outcome_ours(data) == _outcome_drf(data)
    settings.DEFAULT_CURRENCY = "CHF"
    assert _outcome_ours(data) == _outcome_drf(data)


@pytest.mark.parametrize("name", ["name", "url"])
def test_catalog_fields_give_the_serializers_values_and_errors(name):
    reference = RetailerSerializer().fields[name]
    ours = {"name": catalog_validation.NAME, "url": catalog_validation.URL}[name]
    for value in HOSTILE:
        try:
            expected = ("valid", reference.run_validation(value))
        except ValidationError as exc:
            expected = ("invalid", [str(message) for message in exc.detail])
        try:
            actual = ("valid", ours.run_validation(value))
        except ValidationError as exc:
            actual = ("invalid", [str(message) for message in exc.detail])
        assert actual == expected, (name, value)


def test_the_serializers_declare_the_validation_modules_fields():
    """One place for each rule: the API's fields are the ones the import runs (same class, same arguments)."""
    serializer = PurchaseSerializer()
    declared = {
        **{key: serializer.fields[key] for key in PURCHASE_FIELDS},
        **{f"warranty.{key}": serializer.fields["warranty"].fields[key] for key in WARRANTY_FIELDS},
        **{f"catalog.{key}": RetailerSerializer().fields[key] for key in ("name", "url")},
    }
    expected = {
        **{key: factory() for key, factory in PURCHASE_FIELDS.items()},
        **{f"warranty.{key}": factory() for key, factory in WARRANTY_FIELDS.items()},
        "catalog.name": catalog_validation.name(),
        "catalog.url": catalog_validation.url(),
    }
    assert {key: repr(field) for key, field in declared.items()} == {key: repr(f) for key, f in expected.items()}
    assert set(PURCHASE_OBJECT.fields) - {"warranty"} == set(PURCHASE_FIELDS)
