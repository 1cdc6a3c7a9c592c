"""DRF fields run over a whole column of cells at once (the import's bulk validation, #24): the same values and the
same errors as `field.run_validation(cell)` per cell, at a fraction of the cost.

`run_column(field, cells)` gives, per cell (a value, or `rest_framework.fields.empty` when the key is absent), one
result: `(True, value)`, `(False, [(path or None, message), ...])` (the flattened detail that run_validation's
ValidationError would carry, paths relative to the field), or SKIP (run_validation raised SkipField).

How, per kind of field:
- ObjectField (the purchase object, the nested warranty, a claim): column by column over the cells that are objects,
  recursively; the object's own rule (`validate`) then runs on each object whose fields are all valid. Any other cell
  (null, absent, not an object) is run through the field itself.
- CharField and a two-decimal DecimalField (MoneyField) on a string: the common shapes are recognised directly (a
  trimmed text within its lengths without NUL or surrogate characters; digits with at most two decimals that fit).
  Anything else (blank, too long, "1e3", " 12.5 " with odd characters...) is run through the field itself, so its
  value or error is DRF's.
- Every other field (dates, choices, currency codes, integers, rates): run once per distinct cell value and
  remembered for the column (a file repeats its dates, statuses and currencies).

The property test tests/transfer/test_bulk_validation.py checks all of this against the per-row path."""

import contextlib
import decimal
import gc
import re
from collections.abc import Mapping

from django.core import validators as django_validators
from rest_framework import fields
from rest_framework import validators as drf_validators
from rest_framework.exceptions import ValidationError
from rest_framework.fields import ProhibitNullCharactersValidator

from spends.fields import ObjectField

SKIP = object()
MEMO_MAX = 100_000  # distinct cells remembered per column
_MONEY = re.compile(r"(?:0|[1-9][0-9]{0,7})(?:\.[0-9]{1,2})?")  # at most 8 whole digits and 2 decimals
_SURROGATE = re.compile("[\ud800-\udfff]")
_CENTS = decimal.Decimal("0.01")
_MEMO_TYPES = (str, int, float, decimal.Decimal, bool, type(None))
_CHAR_VALIDATORS = (
    django_validators.MaxLengthValidator,
    django_validators.MinLengthValidator,
    ProhibitNullCharactersValidator,
    drf_validators.ProhibitSurrogateCharactersValidator,
)


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused while an import reads, validates and writes: reference counting still
    frees nearly everything at once, but every full collection walks again all the small objects an import keeps for
    its 100,000s of rows (measured: 16 full collections, ~40% of the CPU time of reading and validating 100,000 rows).
    Re-enabled on the way out (when it was enabled), where one collection catches up."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def flatten(detail, path: str | None = None):
    """Error detail (nested dicts/lists, DRF's shape) → (dotted field path or None, message) pairs."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            key = None if key in ("non_field_errors", "__all__") else key
            yield from flatten(value, ".".join(part for part in (path, key) if part) or None)
    elif isinstance(detail, list):
        for value in detail:
            yield from flatten(value, path)
    else:
        yield path, str(detail)


def joined(prefix: str | None, path: str | None) -> str | None:
    return ".".join(part for part in (prefix, path) if part) or None


def run_one(field: fields.Field, cell):
    """One cell through the field itself: the reference behaviour."""
    try:
        return (True, field.run_validation(cell))
    except ValidationError as exc:
        return (False, list(flatten(exc.detail)))
    except fields.SkipField:
        return SKIP


def run_column(field: fields.Field, cells: list) -> list:
    if isinstance(field, ObjectField) and not field.validators:
        return _objects(field, cells)
    if type(field) is fields.CharField and field.trim_whitespace and _only(field, _CHAR_VALIDATORS):
        return _texts(field, cells)
    if _is_money(field):
        return _money(field, cells)
    return _memoised(field, cells)


def _only(field: fields.Field, kinds: tuple) -> bool:
    return all(isinstance(validator, kinds) for validator in field.validators)


def _memoised(field: fields.Field, cells: list) -> list:
    known: dict = {}
    return [_cached(field, cell, known) for cell in cells]


def _cached(field: fields.Field, cell, known: dict):
    """run_one(field, cell), remembered in `known` by the cell's type and value."""
    kind = cell.__class__
    if kind is str:
        key = cell
    elif cell is fields.empty:
        key = (fields.empty,)
    elif kind in _MEMO_TYPES:
        key = (kind, repr(cell))  # 1 == 1.0 == True, and Decimal("1.0") == Decimal("1.000"): told apart
    else:
        return run_one(field, cell)
    try:
        return known[key]
    except KeyError:
        result = run_one(field, cell)
        if len(known) < MEMO_MAX:
            known[key] = result
        return result


def _texts(field: fields.CharField, cells: list) -> list:
    low, high = field.min_length or 1, field.max_length
    results, known = [], {}
    for cell in cells:
        if cell.__class__ is str:
            text = cell.strip()
            size = len(text)
            if (
                low <= size
                and (high is None or size <= high)
                and "\x00" not in text
                and (text.isascii() or not _SURROGATE.search(text))
            ):
                results.append((True, text))
                continue
        results.append(_cached(field, cell, known) if cell.__class__ is not str else run_one(field, cell))
    return results


def _is_money(field: fields.Field) -> bool:
    """A DecimalField of (10, 2) that takes any value from 0 up (MoneyField with min_value 0)."""
    if (
        not isinstance(field, fields.DecimalField)
        or type(field).to_internal_value is not fields.DecimalField.to_internal_value
    ):
        return False
    if (field.max_digits, field.decimal_places, field.localize, field.rounding) != (10, 2, False, None):
        return False
    return all(
        isinstance(validator, django_validators.MinValueValidator) and validator.limit_value == 0
        for validator in field.validators
    )


def _money(field: fields.DecimalField, cells: list) -> list:
    context = decimal.getcontext().copy()
    context.prec = field.max_digits
    results, known = [], {}
    for cell in cells:
        if cell.__class__ is str:
            text = cell.strip()
            if _MONEY.fullmatch(text):
                results.append((True, decimal.Decimal(text).quantize(_CENTS, context=context)))
                continue
        results.append(_cached(field, cell, known))
    return results


def _objects(field: ObjectField, cells: list) -> list:
    results: list = [None] * len(cells)
    at = []  # positions of the cells that are objects
    for index, cell in enumerate(cells):
        if isinstance(cell, Mapping):
            at.append(index)
        else:
            results[index] = run_one(field, cell)
    if not at:
        return results
    objects = [cells[index] for index in at]
    columns = {
        name: run_column(sub, [obj.get(name, fields.empty) for obj in objects]) for name, sub in field.fields.items()
    }
    names = list(columns)
    for position, index in enumerate(at):
        values, errors = {}, []
        for name in names:
            result = columns[name][position]
            if result is SKIP:
                continue
            if result[0]:
                values[name] = result[1]
            else:
                errors.extend((joined(name, path), message) for path, message in result[1])
        if not errors and field.validate_object is not None:
            try:
                field.validate_object(values)
            except ValidationError as exc:
                errors = list(flatten(exc.detail))
        results[index] = (False, errors) if errors else (True, values)
    return results
