"""The streamed exporters (API.md § Export and import): the CSV export, byte for byte the API's purchase objects
through PurchaseResource's columns, and the JSON export document."""

import csv
import datetime
import decimal
import io
import itertools
import json
import operator
from collections.abc import Callable, Iterator, Sequence

from django.utils import timezone

from catalog.models import Brand, Retailer
from purchases import representation, selectors
from purchases.models import Purchase
from transfer.reading import EXPORT_FORMAT, EXPORT_VERSION, Progress
from transfer.resources import NEUTRALISE_FIRST_CHARACTERS, PurchaseResource, neutralise

EXPORT_CHUNK_SIZE = 1000  # rows fetched per round trip while streaming an export
STREAM_ROWS_PER_PIECE = 200  # CSV rows per piece of the streamed body


def export_filename(extension: str, now: datetime.datetime | None = None) -> str:
    """spends-export-YYYYMMDD.<extension>, the date in UTC."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    return f"spends-export-{now:%Y%m%d}.{extension}"


# The CSV export reads plain tuples (selectors.purchase_export_rows) instead of a model instance and a
# PurchaseSerializer representation per row: the serializer's field machinery was 59% of the time and model
# instantiation 10% (cProfile, #10). The columns are PurchaseResource's (the representation's CSV keys); each column's
# `source` is a key of the representation, which gives its values_list() lookup and its kind of value.

_UTC_OR_NAIVE = frozenset((datetime.UTC, None))  # purchase_export_rows' date-times: naive ones are UTC too
_ONLY_DATETIMES = {datetime.datetime}
_TZINFO, _YEAR = operator.attrgetter("tzinfo"), operator.attrgetter("year")
_TO_SECONDS = operator.itemgetter(slice(0, 19))  # "YYYY-MM-DDTHH:MM:SS" of an isoformat()
_FORMULA_STARTS = tuple(NEUTRALISE_FIRST_CHARACTERS)
_SHORTCUT_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # what _datetime_cell's shortcut writes

# The export formats a batch of rows a column at a time: each column's step takes the batch's values of that column
# and returns its cells, mostly through C loops (map, filter, str methods) rather than a Python call per cell.


def _written(write: Callable) -> Callable:
    """A cell as `object_to_row` writes the representation's value: the fallback of every shortcut below."""

    def cell(value):
        if value is None:
            return None
        value = write(value)
        return None if value is None else neutralise(str(value))

    return cell


def _money_cell() -> Callable:
    def write(value):
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value).strip())
        return representation.money(value)

    rendered = _written(write)

    def cell(value):
        if value.__class__ is decimal.Decimal:
            text = f"{value:f}"
            if text[-3:-2] == "." and text[:1] != "-":  # already two decimals: quantizing changes nothing
                return text
        return rendered(value)

    return cell


def _datetime_cell() -> Callable:
    rendered = _written(representation.timestamp_writer(_SHORTCUT_DATETIME_FORMAT))

    def cell(value):
        # The representation writes the value in UTC (a naive value is UTC) with strftime. For a UTC value with a
        # four-digit year, the ISO form up to the seconds is the same text, faster.
        if value.__class__ is datetime.datetime and value.tzinfo in _UTC_OR_NAIVE and value.year >= 1000:
            return value.isoformat()[:19] + "Z"
        return rendered(value)

    return cell


def _cells_step(cell: Callable) -> Callable[[tuple], list]:
    def step(column: tuple) -> list:
        return list(map(cell, column))

    return step


def _text_step(column: tuple) -> Sequence:
    # One C-level scan finds whether any cell may look like a formula; nearly every column of a batch has none.
    if any(map(str.startswith, filter(None, column), itertools.repeat(_FORMULA_STARTS))):
        return [neutralise(value) if value else value for value in column]
    return column


def _datetime_step() -> Callable[[tuple], list]:
    cell = _datetime_cell()

    def step(column: tuple) -> list:
        # _datetime_cell's checks, once for the whole column; then its shortcut without a Python call per value.
        if (
            set(map(type, column)) == _ONLY_DATETIMES
            and set(map(_TZINFO, column)) <= _UTC_OR_NAIVE
            and min(map(_YEAR, column)) >= 1000
        ):
            return list(map("{}Z".format, map(_TO_SECONDS, map(datetime.datetime.isoformat, column))))
        return list(map(cell, column))

    return step


def _csv_column_steps(columns) -> list[Callable | None]:
    """Per column, its step, or None when csv.writer's str() already is the representation's text and cannot look
    like a formula (a UUID: hex digits and hyphens; an ISO date: digits first). Dates and time stamps follow the
    API's formats as the settings say at the time of the export; each shortcut is taken only for the format it
    assumes."""
    datetime_format, date_format = representation.current_formats()
    steps = []
    for column in columns:
        kind = representation.BY_PATH[column.source].kind
        if kind == "uuid" or (kind == "date" and date_format.lower() == representation.ISO_8601):
            steps.append(None)
        elif kind == "date":
            steps.append(_cells_step(_written(representation.date_writer(date_format))))
        elif kind == "text":
            steps.append(_text_step)
        elif kind == "money":
            steps.append(_cells_step(_money_cell()))
        elif kind == "datetime" and datetime_format == _SHORTCUT_DATETIME_FORMAT:
            steps.append(_datetime_step())
        elif kind == "datetime":
            steps.append(_cells_step(_written(representation.timestamp_writer(datetime_format))))
        else:
            steps.append(_cells_step(_written(representation.WRITERS[kind])))
    return steps


def _csv_rows(steps: list[Callable | None]) -> Callable[[list], Iterator[tuple]]:
    """A function from a batch of purchase_export_rows tuples to their CSV rows, neutralised: object_to_row's cells,
    except that None stays None (csv.writer writes it as an empty cell, and str() of everything else)."""
    indexed = [(index, step) for index, step in enumerate(steps) if step is not None]

    def rows(batch: list) -> Iterator[tuple]:
        columns = list(zip(*batch, strict=True))
        for index, step in indexed:
            columns[index] = step(columns[index])
        return zip(*columns, strict=True)

    return rows


def purchases_export_csv(*, queryset, progress: Progress | None = None, total: int | None = None) -> Iterator[str]:
    """The CSV export of `queryset` (purchase_list rows, already filtered and ordered), in pieces: a UTF-8 BOM, the
    header of API.md, then one row per purchase with formula-looking cells neutralised: byte for byte
    `PurchaseResource.object_to_row(<the purchase's object of the API>)`. One query, read `EXPORT_CHUNK_SIZE` rows at
    a time (streamed on PostgreSQL: see selectors.purchase_export_rows, which also says why the connection must not be
    used for anything else until the pieces are all read or the iterator is closed), so memory does not grow with the
    rows."""

    columns = PurchaseResource.columns()
    lookups = [representation.LOOKUPS[column.source] for column in columns]
    csv_rows = _csv_rows(_csv_column_steps(columns))
    rows = selectors.purchase_export_rows(queryset=queryset, fields=lookups, chunk_size=EXPORT_CHUNK_SIZE)
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # comma-separated, quotes only where needed, CRLF as RFC 4180 and spreadsheets expect
    writer.writerow(PurchaseResource.headers())
    done = 0
    yield "\ufeff"
    while batch := list(itertools.islice(rows, STREAM_ROWS_PER_PIECE)):
        writer.writerows(csv_rows(batch))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if progress:  # every EXPORT_CHUNK_SIZE rows
            for mark in range(done // EXPORT_CHUNK_SIZE + 1, (done + len(batch)) // EXPORT_CHUNK_SIZE + 1):
                progress("exporting", mark * EXPORT_CHUNK_SIZE, total or 0)
        done += len(batch)
    if buffer.tell():  # no rows: the header alone
        yield buffer.getvalue()


def _catalog_objects(model, household_id) -> list[dict]:
    fk = f"{model._meta.model_name}_id"
    # The ids the household uses first (a scan of the (household, retailer|brand) index), then their rows. As one
    # query with a semi-join, PostgreSQL walked the purchases once per catalog entry: 21 s at 1M purchases (#10).
    used = (
        Purchase.objects.in_household(household_id)
        .filter(**{f"{fk}__isnull": False})
        .order_by()
        .values_list(fk, flat=True)
    )
    return list(model.objects.filter(pk__in=list(used.distinct())).ordered().values("name", "url"))


# json.dumps(value, ensure_ascii=False), made once. The document holds only str, int and None (the representation's
# values and the catalog's names and urls), so the encoder needs no default() for other types.
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _dumps(value) -> str:
    return _JSON_ENCODER.encode(value)


def purchases_export_json(
    *,
    household_id,
    exported_at: datetime.datetime | None = None,
    progress: Progress | None = None,
    total: int | None = None,
) -> Iterator[str]:
    """The JSON export document of the household `household_id`, in pieces: {"format", "version", "exported_at",
    "retailers", "brands", "purchases"} with the purchase objects of GET /api/purchases (nested warranty), in the
    list's default order. Rows are read `EXPORT_CHUNK_SIZE` at a time, so memory does not grow with the number of
    purchases."""

    exported_at = (exported_at or timezone.now()).astimezone(datetime.UTC)
    head = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "retailers": _catalog_objects(Retailer, household_id),
        "brands": _catalog_objects(Brand, household_id),
    }
    yield _dumps(head)[:-1] + ', "purchases": ['
    # Plain rows, streamed (selectors.purchase_export_rows), written by the representation (the API's read path):
    # a model instance per row through a WITH HOLD cursor made 1M purchases take 197 s, the first after 39 s (#10).
    rows = selectors.purchase_export_rows(
        queryset=selectors.purchase_list(household_id=household_id),
        fields=list(representation.LOOKUPS.values()),
        chunk_size=EXPORT_CHUNK_SIZE,
    )
    encode = _JSON_ENCODER.encode
    separator = "\n"
    for done, row in enumerate(rows, 1):
        yield separator + encode(representation.purchase_object(row))
        separator = ",\n"
        if progress and done % EXPORT_CHUNK_SIZE == 0:
            progress("exporting", done, total or 0)
    yield "\n]}\n"
