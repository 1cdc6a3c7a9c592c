"""spends.api.prebuilt: the fields built once per class are DRF's own fields, and every serializer gets its own."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import QuerySet
from django.utils.functional import Promise
from rest_framework import serializers
from rest_framework.utils.formatting import lazy_format

from purchases.api.serializers import PurchaseSerializer
from spends.api.prebuilt import PrebuiltFieldsMixin
from warranties.api.serializers import (
    CoverageSerializer,
    NestedWarrantySerializer,
    WarrantyReadSerializer,
    WarrantySerializer,
)

SERIALIZERS = [PurchaseSerializer, NestedWarrantySerializer, CoverageSerializer, WarrantySerializer]
SERIALIZERS.append(WarrantyReadSerializer)


def _drf_fields(serializer) -> dict:
    """What DRF itself builds for `serializer` (the base class's get_fields, past the mixin)."""
    return super(PrebuiltFieldsMixin, serializer).get_fields()


IGNORED = {"_creation_counter", "parent"}  # the order of a class's declarations; the serializer a field is bound to


def _described(value, depth=0):
    """A comparable description of a field's state: objects by their type and attributes (recursively), querysets by
    their SQL, nested serializers by their fields."""
    if depth > 12:
        return repr(value)
    if isinstance(value, Promise | lazy_format):  # a message: its text
        return ("text", str(value))
    if isinstance(value, QuerySet):
        return ("queryset", value.model, str(value.query))
    if isinstance(value, serializers.BaseSerializer):
        fields = value.child.fields if isinstance(value, serializers.ListSerializer) else value.fields
        state = {k: v for k, v in vars(value).items() if k not in {"_context", "child", "parent", "fields"}}
        return (type(value), _described(state, depth + 1), {n: _described(f, depth + 1) for n, f in fields.items()})
    if isinstance(value, dict):  # _creation_counter: the order of a class's declarations, not a field's state
        return {key: _described(item, depth + 1) for key, item in value.items() if key not in IGNORED}
    if isinstance(value, list | tuple):
        return [_described(item, depth + 1) for item in value]
    if callable(value) and not hasattr(value, "__dict__"):
        return value
    if hasattr(value, "__dict__") and not isinstance(value, type) and type(value).__module__ != "builtins":
        if callable(value) and getattr(value, "__self__", None) is not None:  # a bound method
            return (value.__func__, type(value.__self__))
        return (type(value), _described(vars(value), depth + 1))
    return value


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: c.__name__)
def test_the_fields_are_the_ones_drf_builds(serializer_class):
    for _ in range(2):  # the first call keeps the class's fields; the second copies them
        serializer = serializer_class()
        ours, drfs = serializer.get_fields(), _drf_fields(serializer)
        assert list(ours) == list(drfs)
        for name in drfs:
            assert type(ours[name]) is type(drfs[name]), name
            assert _described(ours[name]) == _described(drfs[name]), name


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: c.__name__)
def test_each_serializer_gets_fields_of_its_own_bound_to_it(serializer_class):
    first, second = serializer_class(), serializer_class()
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other, name
        assert field.parent is first and other.parent is second, name
        assert field.field_name == other.field_name == name
    kept = type(first).__dict__["_prebuilt_fields"]
    assert all(field.parent is None and field.field_name is None for field in kept.values())  # never bound


def test_a_subclass_keeps_fields_of_its_own():
    PurchaseSerializer().fields  # noqa: B018
    WarrantySerializer().fields  # noqa: B018
    WarrantyReadSerializer().fields  # noqa: B018
    assert type(WarrantyReadSerializer().fields["status"]) is serializers.ChoiceField
    assert WarrantyReadSerializer().fields["status"].read_only
    assert not WarrantySerializer().fields["status"].read_only


def test_validating_one_serializer_leaves_another_alone():
    good = {
        "product_name": "Kettle",
        "price": "49.90",
        "currency_code": "EUR",
        "purchase_date": "2026-03-01",
        "warranty": {"warranty_start": "2026-03-01", "warranty_end": "2028-03-01", "provider": "Maker"},
    }
    bad = {**good, "price": "-1", "warranty": {"warranty_start": "2026-03-01", "warranty_end": "2020-01-01"}}
    first, second = PurchaseSerializer(data=bad), PurchaseSerializer(data=good)
    assert not first.is_valid()
    assert second.is_valid(), second.errors
    assert set(first.errors) == {"price", "warranty"}
    assert second.validated_data["price"] == Decimal("49.90")
    assert second.validated_data["warranty"]["warranty_end"] == datetime.date(2028, 3, 1)
    third = PurchaseSerializer(data=bad)
    assert not third.is_valid()
    assert third.errors == first.errors


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: c.__name__)
def test_the_validators_are_the_ones_drf_builds(serializer_class):
    for _ in range(2):
        serializer = serializer_class()
        ours, drfs = serializer.get_validators(), super(PrebuiltFieldsMixin, serializer).get_validators()
        assert _described(ours) == _described(drfs)
        assert ours is not serializer_class().get_validators()  # a list of its own
