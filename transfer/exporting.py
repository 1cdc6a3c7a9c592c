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

from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from catalog.models import Brand, Retailer
from purchases import representation, selectors
from purchases.models import Purchase
from spends import clock
from transfer.reading import EXPORT_FORMAT, EXPORT_VERSION, Progress
from transfer.resources import NEUTRALISE_FIRST_CHARACTERS, PurchaseResource, neutralise
from warranties import selectors as warranty_selectors
from warranties.models import effective_status_expressions

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


# The CSV's warranty columns read the coverage of the row (a join on every coverage) rather than the chosen one.
_COVERAGE = "coverage_"


def _coverage_lookup(lookup: str) -> str:
    if lookup.startswith("warranty__"):
        return "warranties__" + lookup.removeprefix("warranty__")
    if lookup.startswith("warranty_"):
        return _COVERAGE + lookup.removeprefix("warranty_")
    return lookup


def _one_row_per_coverage(queryset):
    """`queryset` (purchase_list rows, filtered and ordered) with a row per coverage (a purchase without any: one row
    with empty warranty columns): the purchases in their order, each one's chosen `warranty` first, then its other
    coverages in the purchase object's order. The coverage's effective status is annotated as `coverage_…`."""
    chosen_first = Case(When(warranties__id=F("warranty__id"), then=Value(0)), default=Value(1))
    order = (*(queryset.query.order_by or ("-purchase_date", "-created_at")), "pk")
    coverage_order = (F("warranties__warranty_end").asc(nulls_last=True), "warranties__created_at", "warranties__id")
    return queryset.annotate(
        **effective_status_expressions(prefix="warranties__", alias=_COVERAGE, today=clock.today())
    ).order_by(*order, chosen_first, *coverage_order)


def purchases_export_csv(*, queryset, progress: Progress | None = None, total: int | None = None) -> Iterator[str]:
    """The CSV export of `queryset` (purchase_list rows, already filtered and ordered), in pieces: a UTF-8 BOM, the
    header of API.md (version 2: plus return_by, returned_on, warranty_cost, warranty_reference), then one row per
    coverage (`_one_row_per_coverage`: the purchase's columns repeated, its chosen warranty's row first; a purchase
    without warranty is one row) with formula-looking cells neutralised: byte for byte
    `PurchaseResource.object_to_row(<the purchase's object of the API, with that coverage as its warranty>)`. One
    query, read `EXPORT_CHUNK_SIZE` rows at a time (streamed on PostgreSQL: see selectors.purchase_export_rows, which
    also says why the connection must not be used for anything else until the pieces are all read or the iterator is
    closed), so memory does not grow with the rows."""

    columns = PurchaseResource.columns()
    lookups = [_coverage_lookup(representation.LOOKUPS[column.source]) for column in columns]
    csv_rows = _csv_rows(_csv_column_steps(columns))
    rows = selectors.purchase_export_rows(
        queryset=_one_row_per_coverage(queryset), fields=lookups, chunk_size=EXPORT_CHUNK_SIZE
    )
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
    "retailers", "brands", "purchases"} with the purchase objects of GET /api/purchases (the chosen `warranty`, and
    `warranties`: every coverage with its `claims`, version 2), in the list's default order. Purchases are read
    `EXPORT_CHUNK_SIZE` at a time (`_purchase_pages`) with their coverages and claims (two more queries per page), so
    memory and the number of queries per purchase do not grow with the number of purchases."""

    exported_at = (exported_at or timezone.now()).astimezone(datetime.UTC)
    head = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "retailers": _catalog_objects(Retailer, household_id),
        "brands": _catalog_objects(Brand, household_id),
    }
    yield _dumps(head)[:-1] + ', "purchases": ['
    encode = _JSON_ENCODER.encode
    separator = "\n"
    done = 0
    for page in _purchase_pages(household_id):
        for obj in _with_coverages(page):
            yield separator + encode(obj)
            separator = ",\n"
            done += 1
            if progress and done % EXPORT_CHUNK_SIZE == 0:
                progress("exporting", done, total or 0)
    yield "\n]}\n"


_PURCHASE_LOOKUPS = list(representation.LOOKUPS.values())
_AT = {path: index for index, path in enumerate(representation.LOOKUPS)}
_CLAIM_LOOKUPS = [name for name, _kind in representation.CLAIM_KEYS]
# A coverage's claim_count is counted from the page's claims (already read) rather than by a subquery per coverage.
_AT_CLAIM_COUNT = representation.WARRANTY_ROW_LOOKUPS.index("claim_count")
_COVERAGE_LOOKUPS = [lookup for lookup in representation.WARRANTY_ROW_LOOKUPS if lookup != "claim_count"]


def _after(row) -> Q:
    """The purchases after `row` in the list's default order (-purchase_date, -created_at, id): a keyset."""
    day, created, pk = row[_AT["purchase_date"]], row[_AT["created_at"]], row[_AT["id"]]
    if created.tzinfo is None:  # purchase_export_rows reads time stamps as naive UTC on PostgreSQL
        created = created.replace(tzinfo=datetime.UTC)
    return (
        Q(purchase_date__lt=day)
        | Q(purchase_date=day, created_at__lt=created)
        | Q(purchase_date=day, created_at=created, pk__gt=pk)
    )


def _purchase_pages(household_id) -> Iterator[list[tuple]]:
    """The household's purchase rows (LOOKUPS' values) in the list's default order, EXPORT_CHUNK_SIZE at a time: one
    query per page, read whole (so the connection is free for the page's coverages and claims), each page starting
    after the last row of the one before (a keyset: no OFFSET to skip)."""
    queryset = selectors.purchase_list(household_id=household_id)
    page = queryset
    while True:
        rows = list(
            selectors.purchase_export_rows(
                queryset=page[:EXPORT_CHUNK_SIZE], fields=_PURCHASE_LOOKUPS, chunk_size=EXPORT_CHUNK_SIZE
            )
        )
        if rows:
            yield rows
        if len(rows) < EXPORT_CHUNK_SIZE:
            return
        page = queryset.filter(_after(rows[-1]))


def _with_coverages(rows: list[tuple]) -> Iterator[dict]:
    """The purchase objects of one page of rows, each with `warranties` (every coverage, in the API's order, each
    with its `claims`): two queries for the page, whatever its size."""
    ids = [row[_AT["id"]] for row in rows]
    coverages: dict[str, list] = {}
    claims: dict[str, list] = {}
    for warranty_id, *values in warranty_selectors.claim_export_rows(purchase_ids=ids, fields=_CLAIM_LOOKUPS):
        claims.setdefault(str(warranty_id), []).append(representation.claim_object(values))
    for purchase_id, *values in warranty_selectors.coverage_export_rows(purchase_ids=ids, fields=_COVERAGE_LOOKUPS):
        values.insert(_AT_CLAIM_COUNT, len(claims.get(str(values[0]), ())))  # values[0]: the coverage's id
        coverages.setdefault(str(purchase_id), []).append(values)
    for row in rows:
        pid, name = row[_AT["id"]], row[_AT["product_name"]]
        warranties = []
        for values in coverages.get(str(pid), ()):
            warranty = representation.warranty_row_object(pid, name, values)
            warranty["claims"] = claims.get(warranty["id"], [])
            warranties.append(warranty)
        yield representation.purchase_object(row, warranties)
