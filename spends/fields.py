"""DRF field classes shared by the API's serializers and by code below the API that reads the same values (the
import, the admin's resources): one place for each rule, DRF's own parsing and wording, and no DRF serializer here
(those stay in the apps' api/ packages). A field is run on its own with `field.run_validation(value)`: it returns
the value to store or raises `rest_framework.exceptions.ValidationError` with DRF's detail (`SkipField` when the
value is absent, not required and without a default)."""

from collections.abc import Callable, Mapping
from decimal import Decimal

import pycountry
from django.utils.translation import gettext_lazy as _
from rest_framework import fields
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings


class CurrencyCodeField(fields.CharField):
    """An ISO 4217 code; input is trimmed and upper-cased ("eur" → "EUR")."""

    default_error_messages = {"invalid_currency": '"{value}" is not an ISO 4217 currency code.'}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        if pycountry.currencies.get(alpha_3=value) is None:
            self.fail("invalid_currency", value=value)
        return value


def is_currency_code(value: str) -> bool:
    return len(value) == 3 and pycountry.currencies.get(alpha_3=value.upper()) is not None


class MoneyField(fields.DecimalField):
    """Decimal(10,2), not negative, always rendered as a string with two decimals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


class ExchangeRateField(fields.DecimalField):
    """A positive exchange rate of at most 10 significant digits (the reference rates' precision), rendered without
    trailing zeros ("1.0873", "1", "0.0000002030432964")."""

    default_error_messages = {
        "not_positive": "An exchange rate must be greater than 0.",
        "too_precise": "An exchange rate has at most 10 significant digits.",
    }
    SIGNIFICANT_DIGITS = 10

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 30)
        kwargs.setdefault("decimal_places", 18)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value <= 0:
            self.fail("not_positive")
        if len(value.normalize().as_tuple().digits) > self.SIGNIFICANT_DIGITS:
            self.fail("too_precise")
        return value

    def to_representation(self, value):
        return rate_text(value)


def rate_text(value) -> str | None:
    """An exchange rate as the API writes it: plain digits, no exponent, no trailing zeros."""
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


class HttpUrlField(fields.URLField):
    """http(s) URLs only (DRF's URLField also accepts ftp://)."""

    default_error_messages = {"scheme": "Enter an http:// or https:// URL."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not value.lower().startswith(("http://", "https://")):
            self.fail("scheme")
        return value


class ObjectField(fields.Field):
    """A JSON object whose keys are DRF fields, for a reader below the API (the import's purchase object and its
    nested warranty). Only the glue a nested serializer adds around its fields: each key's field is run (absent keys
    as absent), the errors are collected per key in the fields' order, then `validate(values)` checks the object as
    a whole and may raise a ValidationError with a dict. Unknown keys are ignored. The detail has the serializer's
    shape (`non_field_errors` for the object itself): tests/transfer/test_parsing.py compares both."""

    default_error_messages = {"invalid": _("Invalid data. Expected a dictionary, but got {datatype}.")}

    def __init__(self, object_fields: Mapping[str, fields.Field], validate: Callable[[dict], None] | None = None, **kw):
        super().__init__(**kw)
        self.fields = dict(object_fields)
        self.validate_object = validate

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            message = self.error_messages["invalid"].format(datatype=type(data).__name__)
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="invalid")
        values, errors = {}, {}
        for name, field in self.fields.items():
            try:
                values[name] = field.run_validation(data.get(name, fields.empty))
            except ValidationError as exc:
                errors[name] = exc.detail
            except fields.SkipField:
                pass
        if errors:
            raise ValidationError(errors)
        if self.validate_object is not None:
            self.validate_object(values)
        return values
