"""Parsers of input values without DRF, for code below the API (imports, the admin's resources): the same rules and
the same words as the API's serializer fields, so a file's row and a request body get the same errors.

Each parser takes a decoded value (JSON's types, or a CSV cell's text), or `EMPTY` when the key is absent, and
returns the value to store or raises `Invalid` with DRF's error detail: a list of messages, or for an object a dict
of key → detail (`"non_field_errors"` for the object as a whole). `Skip` means the key is left out of the values.
tests/transfer/test_parsing.py compares every parser with its DRF field on the same inputs."""

import datetime
import decimal
from collections.abc import Callable, Mapping

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_date
from django.utils.encoding import smart_str

NON_FIELD_ERRORS = "non_field_errors"


class _Empty:
    def __repr__(self) -> str:
        return "EMPTY"


EMPTY = _Empty()  # the key is absent


class Invalid(Exception):
    def __init__(self, detail):
        super().__init__(detail)
        self.detail = detail


class Skip(Exception):
    """Absent, not required and without a default: left out of the values."""


class Field:
    """Presence, null and default handling (DRF's `validate_empty_values`), then `parse` and the checks."""

    def __init__(self, *, required: bool | None = None, default=EMPTY, allow_null: bool = False):
        self.required = default is EMPTY if required is None else required
        self.default = default
        self.allow_null = allow_null

    def default_value(self):
        if self.default is EMPTY:
            raise Skip
        return self.default() if callable(self.default) else self.default

    def run(self, data=EMPTY):
        if data is EMPTY:
            if self.required:
                raise Invalid(["This field is required."])
            return self.default_value()
        if data is None:
            if not self.allow_null:
                raise Invalid(["This field may not be null."])
            return None
        value = self.parse(data)
        errors = self.check(value)
        if errors:
            raise Invalid(errors)
        return value

    def parse(self, data):
        return data

    def check(self, value) -> list[str]:
        return []


class Text(Field):
    """DRF's CharField: trimmed; numbers become text; blank refused unless `allow_blank`."""

    not_text = "Not a valid string."  # DRF's `invalid` message of the field

    def __init__(self, *, max_length: int | None = None, min_length: int | None = None, allow_blank=False, **kwargs):
        super().__init__(**kwargs)
        self.max_length, self.min_length, self.allow_blank = max_length, min_length, allow_blank

    def run(self, data=EMPTY):
        if data is not EMPTY and (data == "" or str(data).strip() == ""):
            if not self.allow_blank:
                raise Invalid(["This field may not be blank."])
            return ""
        return super().run(data)

    def parse(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            raise Invalid([self.not_text])
        return str(data).strip()

    def check(self, value) -> list[str]:
        errors = []
        if self.max_length is not None and len(value) > self.max_length:
            errors.append(f"Ensure this field has no more than {self.max_length} characters.")
        if self.min_length is not None and len(value) < self.min_length:
            errors.append(f"Ensure this field has at least {self.min_length} characters.")
        if "\x00" in value:
            errors.append("Null characters are not allowed.")
        surrogate = next((ch for ch in value if 0xD800 <= ord(ch) <= 0xDFFF), None)
        if surrogate is not None:
            errors.append(f"Surrogate characters are not allowed: U+{ord(surrogate):X}.")
        return errors


class CurrencyCode(Text):
    """An ISO 4217 code, upper-cased (the API's CurrencyCodeField)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=3, min_length=3, **kwargs)

    def parse(self, data):
        value = super().parse(data).upper()
        if pycountry.currencies.get(alpha_3=value) is None:
            raise Invalid([f'"{value}" is not an ISO 4217 currency code.'])
        return value


class HttpUrl(Text):
    """An http(s) URL (the API's HttpUrlField)."""

    not_text = "Enter a valid URL."  # DRF's URLField replaces CharField's `invalid` message

    _validator = URLValidator()

    def parse(self, data):
        value = super().parse(data)
        if value and not value.lower().startswith(("http://", "https://")):
            raise Invalid(["Enter an http:// or https:// URL."])
        return value

    def check(self, value) -> list[str]:
        errors = super().check(value)
        try:
            self._validator(value)
        except ValidationError:
            errors.append("Enter a valid URL.")
        return errors


class Money(Field):
    """DRF's DecimalField(max_digits, decimal_places) with a minimum: Decimal, quantized to `decimal_places`."""

    MAX_STRING_LENGTH = 1000

    def __init__(self, *, max_digits=10, decimal_places=2, min_value: decimal.Decimal | None = None, **kwargs):
        super().__init__(**kwargs)
        self.max_digits, self.decimal_places, self.min_value = max_digits, decimal_places, min_value

    def run(self, data=EMPTY):
        if self.allow_null and data is not EMPTY and smart_str(data).strip() == "":
            return None
        return super().run(data)

    def parse(self, data):
        data = smart_str(data).strip()
        if len(data) > self.MAX_STRING_LENGTH:
            raise Invalid(["String value too large."])
        try:
            value = decimal.Decimal(data)
        except decimal.DecimalException:
            raise Invalid(["A valid number is required."]) from None
        if value.is_nan() or value in (decimal.Decimal("Inf"), decimal.Decimal("-Inf")):
            raise Invalid(["A valid number is required."])
        self._check_precision(value)
        context = decimal.getcontext().copy()
        context.prec = self.max_digits
        return value.quantize(decimal.Decimal(".1") ** self.decimal_places, context=context)

    def _check_precision(self, value: decimal.Decimal) -> None:
        _, digits, exponent = value.as_tuple()
        if exponent >= 0:
            total = whole = len(digits) + exponent
            places = 0
        elif len(digits) > abs(exponent):
            total, places = len(digits), abs(exponent)
            whole = total - places
        else:
            total = places = abs(exponent)
            whole = 0
        if total > self.max_digits:
            raise Invalid([f"Ensure that there are no more than {self.max_digits} digits in total."])
        if places > self.decimal_places:
            raise Invalid([f"Ensure that there are no more than {self.decimal_places} decimal places."])
        if whole > self.max_digits - self.decimal_places:
            limit = self.max_digits - self.decimal_places
            raise Invalid([f"Ensure that there are no more than {limit} digits before the decimal point."])

    def check(self, value) -> list[str]:
        if self.min_value is not None and value < self.min_value:
            return [f"Ensure this value is greater than or equal to {self.min_value}."]
        return []


class Date(Field):
    """An ISO 8601 date (DRF's DateField with the API's DATE_INPUT_FORMATS)."""

    def parse(self, data):
        if isinstance(data, datetime.datetime):
            raise Invalid(["Expected a date but got a datetime."])
        if isinstance(data, datetime.date):
            return data
        try:
            parsed = parse_date(data)
        except (ValueError, TypeError):
            parsed = None
        if parsed is None:
            raise Invalid(["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."])
        return parsed


class Choice(Field):
    """One of `choices` ((value, label) pairs), compared as text."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.values = {str(value): value for value, _ in choices}

    def parse(self, data):
        try:
            return self.values[str(data)]
        except KeyError:
            raise Invalid([f'"{data}" is not a valid choice.']) from None


class Object(Field):
    """A JSON object of `fields` (key → parser, in order), then `validate(values)` over the whole (may raise
    Invalid with a dict). Unknown keys are ignored."""

    def __init__(self, fields: Mapping[str, Field], validate: Callable[[dict], None] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.fields = dict(fields)
        self.validate = validate

    def parse(self, data):
        if not isinstance(data, Mapping):
            raise Invalid({NON_FIELD_ERRORS: [f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]})
        values, errors = {}, {}
        for name, field in self.fields.items():
            try:
                values[name] = field.run(data.get(name, EMPTY))
            except Invalid as exc:
                errors[name] = exc.detail
            except Skip:
                pass
        if errors:
            raise Invalid(errors)
        if self.validate is not None:
            self.validate(values)
        return values
