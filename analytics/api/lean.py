"""The dashboard's answer rendered without DRF's serializer machinery (issue #24), to the same output.

A DRF serializer deep-copies its declared fields for every instance and walks them per row; the dashboard renders
several hundred rows (a row per retailer and per brand). Here each response serializer's fields are bound once (per
API date and time formats) and each value goes through the very field's own `to_representation`, as
`Serializer.to_representation` does: None stays None, nested serializers and lists recurse (a decimal as a string goes
through the same steps as DecimalField's, its context and quantum made once per plan). The recent lists come
already rendered as objects (analytics.dashboard: purchases.representation), so they pass through.
"""

import decimal
import threading

from rest_framework import serializers
from rest_framework.fields import ListField
from rest_framework.settings import api_settings

from purchases.representation import current_formats

_local = threading.local()


def _plan(serializer, passed: tuple[str, ...] = ()) -> list[tuple]:
    """(name, kind, how) per readable field: kind "field" (how: its to_representation), "one" or "many" (how: the
    nested serializer's plan), "list" (how: the child field's to_representation) or "as_is" (`passed`: already
    rendered)."""
    plan = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if name in passed:
            plan.append((name, "as_is", None))
        elif isinstance(field, serializers.ListSerializer):
            plan.append((name, "many", _plan(field.child)))
        elif isinstance(field, serializers.BaseSerializer):
            plan.append((name, "one", _plan(field)))
        elif isinstance(field, ListField):
            plan.append((name, "list", field.child.to_representation))
        else:
            plan.append((name, "field", _writer(field)))
    return plan


def _writer(field):
    """The field's to_representation; for a DecimalField rendered as a string, the same steps without copying the
    decimal context and computing the quantum on every call (most of the dashboard's values are sums of money)."""
    plain = (
        type(field).to_representation is serializers.DecimalField.to_representation
        and field.decimal_places is not None
        and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.localize
        and not field.normalize_output
    )
    if not plain:
        return field.to_representation
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    quantum, rounding = decimal.Decimal(".1") ** field.decimal_places, field.rounding

    def write(value):
        if not isinstance(value, decimal.Decimal):
            return field.to_representation(value)
        return f"{value.quantize(quantum, rounding=rounding, context=context):f}"

    return write


def _render(plan: list[tuple], obj) -> dict:
    out = {}
    for name, kind, how in plan:
        value = obj[name]
        if value is None:
            out[name] = None
        elif kind == "field":
            out[name] = how(value)
        elif kind == "many":
            out[name] = [_render(how, item) for item in value]
        elif kind == "one":
            out[name] = _render(how, value)
        elif kind == "list":
            out[name] = [None if item is None else how(item) for item in value]
        else:
            out[name] = value
    return out


def renderer(serializer_class, passed: tuple[str, ...] = ()):
    """A function rendering a dict as `serializer_class(dict).data` would; the fields named in `passed` hold
    already rendered values. Plans are kept per thread and per API date/time formats (tests change them)."""

    def render(obj: dict) -> dict:
        plans = getattr(_local, "plans", None)
        if plans is None:
            plans = _local.plans = {}
        key = (serializer_class, passed, current_formats())
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = _plan(serializer_class(), passed)
        return _render(plan, obj)

    return render
