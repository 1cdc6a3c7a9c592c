"""One representation of a purchase (#19): the serializer, the JSON export, the CSV columns and the import all take
their keys from purchases.representation, so a key added there shows up in each of them."""

import csv
import io
import json

import pytest

from purchases import representation, selectors
from purchases.api.serializers import PurchaseSerializer
from tests.factories import PurchaseFactory, WarrantyFactory, household_of
from transfer import exporting, reading, validating
from transfer.resources import PurchaseResource

pytestmark = pytest.mark.django_db

WRITTEN_WARRANTY_KEYS = [key.path.removeprefix("warranty.") for key in representation.WARRANTY_KEYS if key.written]


# Written by the API but not through the representation's written keys: the coverages' list (an import reads a
# version-2 file's `warranties` on its own: transfer.coverages); `duration_months` is an input only, never a key.
API_ONLY_WRITES = {"warranties", "duration_months"}


def test_the_serializers_fields_are_the_representations_keys():
    fields = PurchaseSerializer().fields
    # return_days is the one write-only field: not a key of the object (return_by is), applied at write time only.
    assert fields["return_days"].write_only
    fields = {name: field for name, field in fields.items() if name != "return_days"}
    assert list(fields) == list(representation.OBJECT_KEYS)
    for nested in (fields["warranty"], fields["warranties"].child):
        assert [name for name, field in nested.fields.items() if not field.write_only] == list(
            representation.WARRANTY_OBJECT_KEYS
        )
    writable = [name for name, field in fields.items() if not field.read_only and name not in API_ONLY_WRITES]
    # The catalog references are written through their own rules (by id or, in a file, by name).
    assert [name for name in writable if name not in ("retailer_id", "brand_id")] == list(representation.WRITTEN_KEYS)
    nested = fields["warranty"].fields
    written = [name for name, field in nested.items() if not field.read_only and name not in API_ONLY_WRITES]
    assert written == WRITTEN_WARRANTY_KEYS


def test_every_key_but_the_derived_ones_has_a_lookup():
    derived = {"warranty", "warranties", "warranty.purchase_id", "warranty.product_name"}
    assert set(representation.LOOKUPS) == {key.path for key in representation.KEYS} - derived


def test_the_json_export_writes_the_representations_keys(owner):
    WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    PurchaseFactory(owner=owner)
    document = json.loads("".join(exporting.purchases_export_json(household_id=household_of(owner))))
    covered, bare = sorted(document["purchases"], key=lambda obj: obj["warranty"] is None)
    # The version-2 export: the chosen warranty and every coverage, each with its claims (#21).
    assert list(covered) == list(bare) == list(representation.OBJECT_KEYS)
    assert list(covered["warranty"]) == list(representation.WARRANTY_OBJECT_KEYS)
    assert [list(item) for item in covered["warranties"]] == [[*representation.WARRANTY_OBJECT_KEYS, "claims"]]
    assert (bare["warranty"], bare["warranties"]) == (None, [])


def test_the_csv_columns_are_the_representations_csv_keys(owner):
    WarrantyFactory(purchase=PurchaseFactory(owner=owner))
    expected = [key.csv for key in representation.CSV_KEYS]
    assert PurchaseResource.headers() == expected
    assert [column.source for column in PurchaseResource.columns()] == [key.path for key in representation.CSV_KEYS]
    text = "".join(exporting.purchases_export_csv(queryset=selectors.purchase_list(household_id=household_of(owner))))
    header, row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert header == expected
    obj = PurchaseSerializer(selectors.purchase_list(household_id=household_of(owner)).get()).data
    values = [representation.dig(obj, key.path) for key in representation.CSV_KEYS]
    assert row == ["" if value is None else str(value) for value in values]
    # An import reads every CSV column but the time stamps.
    read = [column.target for column in PurchaseResource.columns() if column.target]
    assert read == [key.path for key in representation.CSV_KEYS if key.csv_read]


def test_the_import_knows_and_validates_the_representations_keys():
    assert set(representation.OBJECT_KEYS) == reading.KNOWN_OBJECT_KEYS
    assert validating.WRITABLE_KEYS == representation.WRITTEN_KEYS
    assert list(validating.PURCHASE_OBJECT.fields) == list(representation.WRITTEN_KEYS)
    assert list(validating.PURCHASE_OBJECT.fields["warranty"].fields) == WRITTEN_WARRANTY_KEYS
