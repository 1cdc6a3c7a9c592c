"""Strict filter fields shared by the FilterSets: unknown values are a 400, never silently ignored."""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from spends.fields import is_currency_code

TRUE_VALUES = {"true", "1", "yes"}
FALSE_VALUES = {"false", "0", "no"}


class RequestedFiltersOnly(django_filters.FilterSet):
    """A FilterSet that builds only the filters the query string names.

    django-filter deep-copies every declared filter and builds a form field for each on every request, although
    an absent parameter filters nothing: measured ~1.3 ms per request for the purchase list (#10, bench/RESULTS.md).
    A filter is kept when a parameter is its name or starts with it plus "_" (range filters' `_min`/`_max` suffixes),
    so validation and results are the same; the OpenAPI schema still lists every filter (class-level base_filters).
    """

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            keys = list(data.keys())
            self.base_filters = {
                name: declared
                for name, declared in type(self).base_filters.items()
                if any(key == name or key.startswith(name + "_") for key in keys)
            }
        super().__init__(data, *args, **kwargs)


class IsoDateFilter(django_filters.DateFilter):
    """A date filter that takes `YYYY-MM-DD` only, as the contract says (Django's default also reads 01/02/2025)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise forms.ValidationError("Must be true or false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class CurrencyCodeFormField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return value
        value = value.strip().upper()
        if not is_currency_code(value):
            raise forms.ValidationError(f'"{value}" is not an ISO 4217 currency code.', code="invalid")
        return value


class CurrencyCodeFilter(django_filters.CharFilter):
    field_class = CurrencyCodeFormField


class TiebreakOrderingFilter(django_filters.OrderingFilter):
    """django-filter's ordering (unknown values are a 400) plus trailing keys so pages are stable."""

    def __init__(self, *args, tiebreak=("-created_at", "id"), **kwargs):
        self.tiebreak = tiebreak
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*ordering, *(key for key in self.tiebreak if key.lstrip("-") not in value))
