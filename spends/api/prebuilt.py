"""A serializer's fields built once per class, not once per instance (issue #24: the create's Python time).

DRF builds `serializer.fields` for every serializer instance: `get_fields()` deep-copies the declared fields (each
copy re-runs the field's `__init__` with its original arguments) and, for a ModelSerializer, builds the model's fields
from `Meta`. For the purchase serializer with its nested warranty that was ~45 field constructions, about a tenth of a
create request's time. None of it depends on the instance, its data or its context: `get_fields()` reads the class
only (serializers using this mixin must not override `get_fields` to depend on anything else).

The serializer-level validators (`get_validators()`, the model's unique-together constraints) likewise.

`PrebuiltFieldsMixin.get_fields()` keeps the first result per class (never bound, never handed out) and returns a
shallow copy of each field: a new object with the same construction state, which `bind()` then gives its own name,
parent, label and source, as it does to DRF's copies. What a shallow copy shares with the kept one is what DRF's own
copies share with the declared fields or treat as read-only after `__init__`: validators, choices, error messages,
a related field's unevaluated queryset (`get_queryset()` clones it). A nested serializer keeps state of its own
(data, errors, its fields), so it is deep-copied exactly as DRF does. tests/spends/test_prebuilt_fields.py compares the
fields with DRF's own, attribute by attribute.
"""

import copy

from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings

_KEPT = "_prebuilt_fields"
_KEPT_VALIDATORS = "_prebuilt_validators"


def _fresh(field):
    if isinstance(field, BaseSerializer):  # a nested (list) serializer: DRF's deep copy, a new instance
        return copy.deepcopy(field)
    # copy.copy(field), without its __reduce_ex__ round trip (fields have a __dict__ and no __slots__ or __copy__)
    fresh = object.__new__(type(field))
    fresh.__dict__.update(field.__dict__)
    return fresh


class PrebuiltFieldsMixin:
    """Put before the DRF serializer base class: `class S(PrebuiltFieldsMixin, serializers.ModelSerializer)`."""

    def get_fields(self):
        cls = type(self)
        kept = cls.__dict__.get(_KEPT)  # this class's own, never a base class's
        if kept is None:
            kept = super().get_fields()
            setattr(cls, _KEPT, kept)
        elif getattr(self, "url_field_name", "") is None:  # what ModelSerializer.get_fields sets on the instance
            self.url_field_name = api_settings.URL_FIELD_NAME
        return {name: _fresh(field) for name, field in kept.items()}

    def get_validators(self):
        # ModelSerializer's unique-together and unique-for-date validators, from Meta and the model's constraints:
        # the class's too. The validators keep no state (DRF passes them the serializer on each call).
        cls = type(self)
        kept = cls.__dict__.get(_KEPT_VALIDATORS)
        if kept is None:
            kept = tuple(super().get_validators())
            setattr(cls, _KEPT_VALIDATORS, kept)
        return list(kept)
