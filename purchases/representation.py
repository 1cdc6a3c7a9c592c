"""The one representation of a purchase (API.md § Purchases): the keys of the purchase object, where each is read in a
`selectors.purchase_list` row, how its value is written, and which keys an import reads and a CSV file holds.

Everything that shows or reads a purchase object derives from `PURCHASE_KEYS` and `WARRANTY_KEYS`: the API's
serializer (its fields and its read path), the JSON export (lookups and objects), the CSV export and import (columns)
and the import (known and validated keys). Adding a key means adding it here, plus its migration and tests. No DRF:
this module is below the API (the nested warranty's keys are plain data; no import of warranties is needed)."""

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from spends.fields import rate_text


@dataclass(frozen=True)
class Key:
    """One key of the purchase object.

    `path`: dotted in the object ("warranty.provider"). `lookup`: its values_list() lookup in a purchase_list row, or
    None when another key gives it (the nested warranty's purchase_id and product_name). `kind`: how it is written
    (uuid, text, money, money_or_null, rate, date, datetime, count, days; object for the nested warranty, list for the
    purchase's `warranties`: every coverage, each with its claims in the JSON export of version 2).
    `written`: an import validates and writes it (the serializer's writable fields that a file may set). `csv`: its
    CSV column, or None. `csv_read`: an import reads that column. `csv_last`: the column comes after every other
    (columns added by version 2 of the CSV, so a version-1 reader's columns keep their places)."""

    path: str
    lookup: str | None
    kind: str
    written: bool = False
    csv: str | None = None
    csv_read: bool = True
    csv_last: bool = False


# The top-level keys, in the object's order.
PURCHASE_KEYS: tuple[Key, ...] = (
    Key("id", "id", "uuid", csv="id"),
    Key("product_name", "product_name", "text", written=True, csv="product_name"),
    Key("price", "price", "money", written=True, csv="price"),
    Key("currency_code", "currency_code", "text", written=True, csv="currency_code"),
    Key("retailer_id", "retailer_id", "uuid"),
    Key("retailer_name", "retailer__name", "text", csv="retailer"),
    Key("brand_id", "brand_id", "uuid"),
    Key("brand_name", "brand__name", "text", csv="brand"),
    Key("status", "status", "text", written=True, csv="status"),
    Key("purchase_date", "purchase_date", "date", written=True, csv="purchase_date"),
    Key("notes", "notes", "text", written=True, csv="notes"),
    Key("warranty", None, "object", written=True),
    Key("warranties", None, "list"),
    Key("attachment_count", "attachment_count", "count"),
    # Version 2 (households): the username of the member who added it; null once their account is gone. An import
    # reads it (a member's username is kept for a new purchase) but never validates or writes it as a field.
    Key("created_by", "created_by__username", "text", csv="created_by"),
    Key("created_at", "created_at", "datetime", csv="created_at", csv_read=False),
    Key("updated_at", "updated_at", "datetime", csv="updated_at", csv_read=False),
    # Version 2's return window: last in the CSV too, so a version-1 reader's columns keep their places.
    Key("return_by", "return_by", "date", written=True, csv="return_by"),
    Key("returned_on", "returned_on", "date", written=True, csv="returned_on"),
    # Version 2's conversion to the household's home currency (purchases.conversion). An import keeps a MANUAL rate
    # and works the others out from the reference rates; the home price is always computed, never read.
    Key("exchange_rate", "exchange_rate", "rate", written=True, csv="exchange_rate", csv_last=True),
    Key("rate_source", "rate_source", "text", csv="rate_source", csv_last=True),
    Key("home_price", "home_price", "money_or_null", csv="home_price", csv_last=True, csv_read=False),
)
# The nested warranty's keys (paths under "warranty."), in its order. `status` is the effective one (computed in SQL).
WARRANTY_KEYS: tuple[Key, ...] = (
    Key("warranty.id", "warranty__id", "uuid"),
    Key("warranty.purchase_id", None, "uuid"),  # the purchase's id
    Key("warranty.product_name", None, "text"),  # the purchase's product_name
    Key("warranty.warranty_start", "warranty__warranty_start", "date", written=True, csv="warranty_start"),
    Key("warranty.warranty_end", "warranty__warranty_end", "date", written=True, csv="warranty_end"),
    Key("warranty.warranty_type", "warranty__warranty_type", "text", written=True, csv="warranty_type"),
    Key("warranty.status", "warranty_effective_status", "text", written=True, csv="warranty_status"),
    Key("warranty.days_remaining", "warranty_days_remaining", "days"),
    Key("warranty.provider", "warranty__provider", "text", written=True, csv="warranty_provider"),
    Key("warranty.notes", "warranty__notes", "text", written=True, csv="warranty_notes"),
    # Version 2: written by an import, and the CSV's last columns.
    Key("warranty.cost", "warranty__cost", "money_or_null", written=True, csv="warranty_cost", csv_last=True),
    Key("warranty.reference", "warranty__reference", "text", written=True, csv="warranty_reference", csv_last=True),
    Key("warranty.claim_count", "warranty_claim_count", "count"),
    Key("warranty.created_at", "warranty__created_at", "datetime"),
    Key("warranty.updated_at", "warranty__updated_at", "datetime"),
)
_DERIVED = {"warranty.purchase_id": "id", "warranty.product_name": "product_name"}

KEYS = PURCHASE_KEYS + WARRANTY_KEYS
BY_PATH: dict[str, Key] = {key.path: key for key in KEYS}
OBJECT_KEYS: tuple[str, ...] = tuple(key.path for key in PURCHASE_KEYS)  # the serializer's fields, in order
WARRANTY_OBJECT_KEYS: tuple[str, ...] = tuple(key.path.removeprefix("warranty.") for key in WARRANTY_KEYS)
WRITTEN_KEYS: tuple[str, ...] = tuple(key.path for key in PURCHASE_KEYS if key.written)  # what an import validates
# Every key that has a lookup, and the lookup: the values_list() of both exports.
LOOKUPS: dict[str, str] = {key.path: key.lookup for key in KEYS if key.lookup is not None}
_AT_WARRANTY = OBJECT_KEYS.index("warranty")
# The CSV columns, in the file's order: the nested warranty's columns stand where the warranty is in the object, the
# `csv_last` ones come last. In version 2 a row holds one coverage of the purchase (one row per coverage).
_CSV_ORDER = tuple(
    key for key in (*PURCHASE_KEYS[:_AT_WARRANTY], *WARRANTY_KEYS, *PURCHASE_KEYS[_AT_WARRANTY:]) if key.csv
)
CSV_KEYS: tuple[Key, ...] = tuple(key for key in _CSV_ORDER if not key.csv_last) + tuple(
    key for key in _CSV_ORDER if key.csv_last
)
# The claim object of the API (warranties.api.claims.ClaimSerializer), in the JSON export's coverages (version 2):
# its keys, in order, with the kind of each value. Claims are JSON-only (a CSV row is one coverage).
CLAIM_KEYS: tuple[tuple[str, str], ...] = (
    ("id", "uuid"),
    ("warranty_id", "uuid"),
    ("opened_on", "date"),
    ("closed_on", "date"),
    ("status", "text"),
    ("issue", "text"),
    ("resolution", "text"),
    ("extends_warranty_to", "date"),
    ("previous_warranty_end", "date"),
    ("created_at", "datetime"),
    ("updated_at", "datetime"),
)

# --- writing values ---------------------------------------------------------------------------------------------------
_CENT = Decimal("0.01")
_UTC = datetime.UTC
DATETIME_FORMAT = settings.REST_FRAMEWORK["DATETIME_FORMAT"]  # the API's time stamps: "%Y-%m-%dT%H:%M:%SZ"


def money(value: Decimal) -> str:
    """Two decimals, as text ("1299.99"): the API's money."""
    return f"{value.quantize(_CENT):f}"


def timestamp(value: datetime.datetime | None) -> str | None:
    """In UTC with DATETIME_FORMAT (TIME_ZONE is UTC; no other time zone is ever activated). A naive value is UTC
    (selectors.purchase_export_rows reads time stamps that way on PostgreSQL)."""
    if not value:
        return None
    return (value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)).strftime(DATETIME_FORMAT)


def date(value: datetime.date | None) -> str | None:
    """ISO 8601 (zero-pads years < 1000, unlike strftime on Linux)."""
    return value.isoformat() if value else None


ISO_8601 = "iso-8601"


def current_formats() -> tuple[str, str]:
    """The API's (DATETIME_FORMAT, DATE_FORMAT) as the settings say now (tests change them at run time)."""
    formats = settings.REST_FRAMEWORK
    return formats.get("DATETIME_FORMAT", ISO_8601), formats.get("DATE_FORMAT", ISO_8601)


def timestamp_writer(output_format: str) -> Callable:
    """`timestamp` for any DATETIME_FORMAT, as the API writes it: strftime, or ISO 8601 with Z for UTC."""

    def write(value):
        if not value or isinstance(value, str):
            return value or None
        value = value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)
        if output_format.lower() == ISO_8601:
            text = value.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return value.strftime(output_format)

    return write


def date_writer(output_format: str) -> Callable:
    """`date` for any DATE_FORMAT, as the API writes it."""

    def write(value):
        if not value or isinstance(value, str):
            return value or None
        return value.isoformat() if output_format.lower() == ISO_8601 else value.strftime(output_format)

    return write


def money_or_null(value: Decimal | None) -> str | None:
    return None if value is None else money(value)


def _text_or_uuid(value) -> str | None:
    return None if value is None else str(value)


def _as_is(value):
    return value


def _count(value) -> int:
    return int(value)


def _days(value) -> int | None:
    return None if value is None else int(value)


WRITERS: dict[str, Callable] = {
    "uuid": _text_or_uuid,
    "rate": rate_text,
    "text": _as_is,
    "money": money,
    "money_or_null": money_or_null,
    "date": date,
    "datetime": timestamp,
    "count": _count,
    "days": _days,
}

_LOOKUP_PATHS = tuple(LOOKUPS)
_INDEX = {path: index for index, path in enumerate(_LOOKUP_PATHS)}


def _none(_value) -> None:
    return None


def _plan(keys: Sequence[Key]) -> list[tuple[str, int, Callable]]:
    """Per key of the object, in order: its name, the index of its value in a row of LOOKUPS, its writer. The
    nested warranty and the list get a placeholder, filled in by the callers (so they keep their place in the key
    order)."""
    return [
        (key.path.removeprefix("warranty."), _INDEX[_DERIVED.get(key.path, key.path)], WRITERS[key.kind])
        if key.kind not in ("object", "list")
        else (key.path, 0, _none)
        for key in keys
    ]


_PURCHASE_PLAN = _plan(PURCHASE_KEYS)
_WARRANTY_PLAN = _plan(WARRANTY_KEYS)
_WARRANTY_ID = _INDEX["warranty.id"]


def purchase_object(row: Sequence, warranties: list | None = None) -> dict:
    """The purchase object of one row of `LOOKUPS`' values (in its order), ids as UUID or text: with `warranties`
    (warranty objects) the API's output; without, the exports' (no `warranties` key: their version 1 holds the
    chosen warranty only)."""
    obj = {name: write(row[index]) for name, index, write in _PURCHASE_PLAN}
    if row[_WARRANTY_ID] is not None:
        obj["warranty"] = {name: write(row[index]) for name, index, write in _WARRANTY_PLAN}
    if warranties is None:
        del obj["warranties"]
    else:
        obj["warranties"] = warranties
    return obj


# A warranty's own attribute for each nested warranty lookup: its fields, and the annotations of a warranty row
# (warranty_list's effective_status, days_remaining, claim_count) for the purchase row's "warranty_…" ones.
_WARRANTY_ATTRIBUTES = {
    lookup: lookup.removeprefix("warranty__") if lookup.startswith("warranty__") else lookup.removeprefix("warranty_")
    for lookup in (key.lookup for key in WARRANTY_KEYS if key.lookup)
}


def _read(purchase, warranty, lookup: str):
    if lookup.startswith("warranty__"):
        return None if warranty is None else getattr(warranty, lookup.removeprefix("warranty__"))
    head, _, attribute = lookup.partition("__")
    value = getattr(purchase, head)
    if attribute:
        return None if value is None else getattr(value, attribute)
    return value


def warranty_object(purchase, warranty) -> dict:
    """The warranty object of `warranty` (a warranty_list-annotated row: effective_status, days_remaining,
    claim_count) of `purchase`: one item of the purchase's `warranties`."""
    row = [None] * len(_LOOKUP_PATHS)
    row[_INDEX["id"]], row[_INDEX["product_name"]] = purchase.pk, purchase.product_name
    for key in WARRANTY_KEYS:
        if key.lookup:
            row[_INDEX[key.path]] = getattr(warranty, _WARRANTY_ATTRIBUTES[key.lookup], None)
    if row[_INDEX["warranty.status"]] is None:
        row[_INDEX["warranty.status"]] = warranty.status
    return {name: write(row[index]) for name, index, write in _WARRANTY_PLAN}


# A coverage as a plain row (the exports' warranties query): values_list() of these lookups on a Warranty queryset
# annotated like warranty_list (effective_status, days_remaining, claim_count).
WARRANTY_ROW_LOOKUPS: tuple[str, ...] = tuple(_WARRANTY_ATTRIBUTES[key.lookup] for key in WARRANTY_KEYS if key.lookup)
_WARRANTY_ROW_PATHS = tuple(key.path for key in WARRANTY_KEYS if key.lookup)


def warranty_row_object(purchase_id, product_name, values: Sequence) -> dict:
    """The warranty object of one coverage row (WARRANTY_ROW_LOOKUPS' values) of the purchase `purchase_id`."""
    row = [None] * len(_LOOKUP_PATHS)
    row[_INDEX["id"]], row[_INDEX["product_name"]] = purchase_id, product_name
    for path, value in zip(_WARRANTY_ROW_PATHS, values, strict=True):
        row[_INDEX[path]] = value
    return {name: write(row[index]) for name, index, write in _WARRANTY_PLAN}


_CLAIM_PLAN = tuple((name, WRITERS[kind]) for name, kind in CLAIM_KEYS)


def claim_object(values: Sequence) -> dict:
    """The claim object of one claim row (CLAIM_KEYS' values, in order)."""
    return {name: write(value) for (name, write), value in zip(_CLAIM_PLAN, values, strict=True)}


def purchase_read_representation(purchase, warranty, warranties) -> dict:
    """The purchase object of a `selectors.purchase_list` row (retailer, brand and the chosen warranty joined, the
    warranty's effective status, days and claims annotated); `warranty` is its chosen warranty or None, `warranties`
    all its coverages (prefetched, annotated and ordered as selectors give them)."""
    row = [_read(purchase, warranty, lookup) for lookup in LOOKUPS.values()]
    if warranty is not None and row[_INDEX["warranty.status"]] is None:
        row[_INDEX["warranty.status"]] = warranty.status
    return purchase_object(row, [warranty_object(purchase, item) for item in warranties])


def purchase_representation(purchase) -> dict:
    """The purchase object of a `selectors.purchase_list` row as the exports write it (no `warranties`)."""
    row = [_read(purchase, getattr(purchase, "warranty", None), lookup) for lookup in LOOKUPS.values()]
    warranty = getattr(purchase, "warranty", None)
    if warranty is not None and row[_INDEX["warranty.status"]] is None:
        row[_INDEX["warranty.status"]] = warranty.status
    return purchase_object(row)


def dig(obj: Mapping | None, path: str):
    """The value at a dotted path of a purchase object (None along a missing or null branch)."""
    for part in path.split("."):
        if obj is None:
            return None
        obj = obj.get(part)
    return obj
