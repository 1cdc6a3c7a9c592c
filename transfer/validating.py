"""The first stage of an import: the rows of a file validated with the API's field rules (purchases.validation and
warranties.validation: the DRF fields PurchaseSerializer declares, run without a serializer) as they are read, in
batches of BULK_ROWS rows whose fields run column by column (BulkValidator, transfer.columns), outside any
transaction, and kept as compact items: the validated values as tuples, ready for the write. Nothing of the file's
own objects is kept. RowValidator.validate, the same rules one row at a time, is the reference the bulk path is
tested against (tests/transfer/test_bulk_validation.py)."""

import datetime
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rest_framework.exceptions import ValidationError

from catalog import validation as catalog_validation
from purchases import representation
from purchases.validation import PURCHASE_FIELDS, return_window
from spends.fields import ObjectField
from transfer import coverages
from transfer.columns import flatten, run_column
from transfer.converting import manual_rate
from transfer.reading import CATALOG_MODELS, SourceRow
from transfer.writing import PLAIN_FIELDS, WARRANTY_FIELDS

# What an import may set on a purchase (validated and written); the object's other keys are read-only in an import,
# except the catalog references and the id, read on their own below.
WRITABLE_KEYS = representation.WRITTEN_KEYS
_FIELDS = {
    **{key: factory() for key, factory in PURCHASE_FIELDS.items()},
    "warranty": coverages.warranty_object(required=False, allow_null=True),
}
# The purchase object as an import reads it: its written keys, in the object's order, the nested warranty included.
PURCHASE_OBJECT = ObjectField({key: _FIELDS[key] for key in WRITABLE_KEYS})
SHARED_MAX_LENGTH = 64  # short texts and dates repeat across rows: each distinct one is kept once
SHARED_MAX_COUNT = 50_000
BULK_ROWS = 5000  # rows validated together, column by column (BulkValidator)
CREATOR_MAX_LENGTH = 150  # a username's longest (django.contrib.auth); a longer created_by names no member


@dataclass(slots=True, eq=False)
class Item:
    """One row on its way through the import: its validated values, then (importing) its decision."""

    number: int
    present: frozenset  # top-level purchase fields the file provides (an update changes only those)
    errors: list | None = None  # [(field path, message) or (field path, message, row)]; None when the row is valid
    pid: uuid.UUID | None = None
    values: tuple | None = None  # PLAIN_FIELDS' values
    warranty: tuple | None = None  # WARRANTY_FIELDS' values; None: no warranty
    # Version 2: every coverage, [(WARRANTY_FIELDS' values, claims)], replacing the purchase's as a set; None: the
    # file has no `warranties` (version 1: `warranty`, the chosen coverage, is all it says).
    coverages: list | None = None
    retailer: tuple | None = None  # None | ("id", uuid) | ("name", validated name)
    brand: tuple | None = None
    creator: str | None = None  # the file's created_by (a username), recorded for a new row when it names a member
    file_rate: object = None  # the file's MANUAL exchange rate (manual_rate); None: from the reference rates
    rate: object = None  # decided by the import: the MANUAL rate the written row has (the file's, or a kept one)
    duplicate_of: uuid.UUID | None = None
    action: str = "invalid"  # new | update | skip | invalid
    current: tuple | None = None  # the duplicate's stored values (importing.CURRENT_LOOKUPS), when it may be updated
    changes: dict | None = None  # field → new value (catalog fields: the reference)
    warranty_change: tuple | None = None  # ("create"|"update", values) | ("delete", None) | ("replace", coverages)
    instance: object = None  # the purchase written (or that would be), for the admin's log


def _join(first: Item, item: Item) -> None:
    """A further row of `first`'s purchase (a version-2 CSV): its coverage joins `first`'s, its errors too (with its
    row's number). The purchase's columns are the first row's."""
    if item.errors:
        first.errors = [*(first.errors or []), *((path, message, item.number) for path, message, *_ in item.errors)]
    elif first.coverages is not None:
        first.coverages.extend(item.coverages)


def present_fields(keys: Iterable[str]) -> frozenset:
    """Top-level keys of a purchase object → the purchase fields they set ("retailer_name" → "retailer")."""
    fields = set()
    for key in keys:
        for kind in CATALOG_MODELS:
            if key in (f"{kind}_name", f"{kind}_id"):
                key = kind
        fields.add(key)
    if "status" in fields:
        fields.add("returned_on")  # set with the status (completed or cleared), as the API's write does
    return frozenset(fields)


class RowValidator:
    """`group_by_id`: rows with the same id are one purchase, each giving one of its coverages (a version-2 CSV)."""

    def __init__(self, progress: Callable[[str, int, int], None], *, group_by_id: bool = False):
        self.progress = progress
        self.group_by_id = group_by_id
        self._names: dict[str, tuple[tuple | None, list[str]]] = {}  # raw catalog name → (reference, messages)
        self._present: dict[frozenset, frozenset] = {}
        self._shared: dict = {}

    def items(self, rows: Iterable[SourceRow]) -> list[Item]:
        items, groups = [], {}
        for number, obj, keys, error in rows:
            self._add([self.validate(number, obj, keys, error)], items, groups)
            if number % 1000 == 0:
                self.progress("validating", number, 0)  # the total is known once the file is read
        self.progress("validating", len(items), len(items))
        return items

    def _add(self, validated: list[Item], items: list[Item], groups: dict) -> None:
        """Append `validated` to `items`; with group_by_id a row of an id already seen joins that purchase."""
        for item in validated:
            grouped = self.group_by_id and item.pid is not None and "warranties" in item.present
            first = groups.get(item.pid) if grouped else None
            if first is not None:
                _join(first, item)
            else:
                items.append(item)
                if grouped:
                    groups[item.pid] = item

    def validate(self, number: int, obj, keys: frozenset, error: str | None) -> Item:
        """One row through the DRF fields, on its own: the reference that the bulk validation (BulkValidator, which
        the importer runs) is tested against."""
        item, errors = self.head(number, obj, keys, error)
        if errors is None:
            return item
        data = self.data(obj)
        if "warranties" in obj:  # version 2: every coverage; `warranty` (the chosen one) is among them
            item.coverages, found = coverages.read_coverages(obj["warranties"])
            errors.extend(found)
        try:
            values = PURCHASE_OBJECT.run_validation(data)
            result = (True, values)
        except ValidationError as exc:
            result = (False, list(flatten(exc.detail)))
        self.finish(item, obj, errors, result)
        return item

    def head(self, number: int, obj, keys: frozenset, error: str | None) -> tuple[Item, list | None]:
        """The row's item and the errors of its id and catalog references; errors None: the row is refused already
        (unreadable, or not an object) and `item.errors` says why."""
        present = self._present.get(keys)
        if present is None:
            present = self._present[keys] = present_fields(keys)
        item = Item(number=number, present=present)
        if error is not None:  # refused while reading the file (a ragged CSV row)
            item.errors = [(None, error)]
            return item, None
        if not isinstance(obj, dict):
            item.errors = [(None, "Expected a purchase object.")]
            return item, None
        errors = []
        raw_id = obj.get("id")
        if raw_id not in (None, ""):
            try:
                item.pid = uuid.UUID(str(raw_id))
            except ValueError:
                errors.append(("id", "Must be a valid UUID."))
        item.retailer = self._catalog_ref("retailer", obj, errors)
        item.brand = self._catalog_ref("brand", obj, errors)
        item.creator = self._creator(obj.get("created_by"))
        return item, errors

    @staticmethod
    def data(obj: dict) -> dict:
        """What PURCHASE_OBJECT validates of the row's object."""
        data = {key: obj[key] for key in WRITABLE_KEYS if key in obj}
        if "warranties" in obj:
            data.pop("warranty", None)
        warranty = data.get("warranty")
        if isinstance(warranty, dict) and warranty.get("status") == "EXPIRED":
            # Exports show the effective status; EXPIRED is stored as ACTIVE and recomputed from the end date.
            data["warranty"] = {**warranty, "status": "ACTIVE"}
        return data

    def finish(self, item: Item, obj: dict, errors: list, result: tuple) -> None:
        """The row's item from its object's validation `result` ((True, values) or (False, errors)): the return
        window as a whole (the rules the API's write checks in the model, return_window_errors), the rate."""
        if result[0]:
            values = result[1]
            try:
                return_window(values)
            except ValidationError as exc:
                errors.extend(flatten(exc.detail))
        else:
            errors.extend(result[1])
        if not errors:
            item.file_rate = manual_rate(obj, item.present, values.get("exchange_rate"), errors)
        if errors:
            item.errors = errors
        else:
            item.values = tuple(self._share(values[name]) for name in PLAIN_FIELDS)
            warranty = values.get("warranty")
            item.warranty = None if warranty is None else tuple(self._share(warranty[k]) for k in WARRANTY_FIELDS)

    def _share(self, value):
        """One object for equal short texts and for equal dates (currencies, statuses, days, empty notes) across the
        rows. Only these types: a dict would take Decimal("1.00") for an equal value of another type."""
        kind = value.__class__
        if (kind is str and len(value) <= SHARED_MAX_LENGTH or kind is datetime.date) and (
            len(self._shared) < SHARED_MAX_COUNT
        ):
            return self._shared.setdefault(value, value)
        return value

    def _creator(self, username) -> str | None:
        """The file's `created_by`: a username to look up among the household's members when the row is written.
        Never an error: anything that cannot be a member's username is ignored (the importer is recorded)."""
        if not isinstance(username, str) or not 0 < len(username) <= CREATOR_MAX_LENGTH:
            return None
        return self._share(username)

    def _catalog_ref(self, kind: str, obj: dict, errors: list) -> tuple | None:
        name, ref = obj.get(f"{kind}_name"), obj.get(f"{kind}_id")
        if name not in (None, ""):
            reference, messages = self._catalog_name(name)
            errors.extend((f"{kind}_name", message) for message in messages)
            return reference
        if ref not in (None, ""):
            try:
                return ("id", uuid.UUID(str(ref)))
            except ValueError:
                errors.append((f"{kind}_id", "Must be a valid UUID."))
        return None

    def _catalog_name(self, name) -> tuple[tuple | None, list[str]]:
        """A catalog name through the catalog's name rules (the API's), once per distinct value of the file: a file
        names a few hundred retailers and brands in up to twice as many cells as it has rows."""
        key = name if isinstance(name, str) else None  # JSON may hold other types: validated every time
        if key is not None and key in self._names:
            return self._names[key]
        try:
            found = (("name", catalog_validation.NAME.run_validation(name)), [])
        except ValidationError as exc:
            found = (None, [message for _, message in flatten(exc.detail)])
        if key is not None:
            self._names[key] = found
        return found


class BulkValidator(RowValidator):
    """The import's validation (#24): the same items and errors as RowValidator.validate row by row, but each field
    of the purchase object (and of its warranties and claims) is run over a column of BULK_ROWS rows at once
    (transfer.columns). What is not a DRF field (the id, catalog references, the return window, the rate) stays
    per row, the same code as the reference's."""

    def items(self, rows: Iterable[SourceRow]) -> list[Item]:
        items, groups, batch = [], {}, []
        for row in rows:
            batch.append(row)
            if len(batch) == BULK_ROWS:
                self._add(self.validate_rows(batch), items, groups)
                batch = []
                self.progress("validating", row[0], 0)  # the total is known once the file is read
        self._add(self.validate_rows(batch), items, groups)
        self.progress("validating", len(items), len(items))
        return items

    def validate_rows(self, rows: list[SourceRow]) -> list[Item]:
        """Items of `rows`, in their order."""
        items, valid = [], []  # valid: (item, object, errors so far) of the rows that are objects
        for number, obj, keys, error in rows:
            item, errors = self.head(number, obj, keys, error)
            items.append(item)
            if errors is not None:
                valid.append((item, obj, errors))
        with_coverages = [(item, obj, errors) for item, obj, errors in valid if "warranties" in obj]
        found = coverages.read_coverages_bulk([obj["warranties"] for _, obj, _ in with_coverages])
        for (item, _, errors), (read, messages) in zip(with_coverages, found, strict=True):
            item.coverages = read
            errors.extend(messages)
        results = run_column(PURCHASE_OBJECT, [self.data(obj) for _, obj, _ in valid])
        for (item, obj, errors), result in zip(valid, results, strict=True):
            self.finish(item, obj, errors, result)
        return items
