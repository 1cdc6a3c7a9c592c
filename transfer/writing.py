"""The importer's writes, run in its one short write transaction: missing catalog entries, then the new purchases and
warranties (one COPY per table on PostgreSQL, executemany() INSERTs elsewhere) and the updates (executemany()).

Rows reach these functions as plain tuples of validated values, prepared while the file was read and checked outside
any transaction; building model instances or SQL per row here would lengthen the time the database is locked."""

import itertools
import operator
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial

from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import CharField, DecimalField, TextField
from django.utils import timezone

from purchases.models import Purchase
from spends import db_driver
from transfer.coverages import CLAIM_FIELDS, WARRANTY_FIELDS
from transfer.reading import CATALOG_MODELS
from warranties.models import Claim, Warranty

WRITE_BATCH_SIZE = 1000  # rows per executemany() of an INSERT; all batches share the import's one transaction
UPDATE_BATCH_SIZE = 1000  # rows per executemany() of an UPDATE
MEMO_SIZE = 10_000  # prepared values remembered per column
# The values an import sets, in the order the importer keeps them per row.
PLAIN_FIELDS = (
    "product_name",
    "price",
    "currency_code",
    "status",
    "purchase_date",
    "notes",
    "return_by",
    "returned_on",
)
# A purchase's conversion (purchases.conversion), worked out in Python for each row written (converting.HomeConversion).
RATE_COLUMNS = ("exchange_rate", "rate_source", "home_price")
# Columns written for a new purchase / warranty, and for an updated one (then followed by the primary key).
PURCHASE_COLUMNS = (
    "id",
    "household_id",
    "created_by_id",
    *PLAIN_FIELDS,
    "retailer_id",
    "brand_id",
    *RATE_COLUMNS,
    "created_at",
    "updated_at",
)
WARRANTY_COLUMNS = ("id", "purchase_id", "created_by_id", *WARRANTY_FIELDS, "created_at", "updated_at")
CLAIM_COLUMNS = ("id", "warranty_id", "created_by_id", *CLAIM_FIELDS, "created_at", "updated_at")
PURCHASE_UPDATE_COLUMNS = (*PLAIN_FIELDS, "retailer_id", "brand_id", *RATE_COLUMNS, "updated_at")
_UPDATE_READ = PURCHASE_UPDATE_COLUMNS[: -len(RATE_COLUMNS) - 1]  # what an update takes from the stored row
WARRANTY_UPDATE_COLUMNS = (*WARRANTY_FIELDS, "updated_at")


def chunked(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3  # imports psycopg: PostgreSQL only

    return is_psycopg3


def _preparers(model, names: Iterable[str]) -> list[Callable]:
    """Per field, a function giving the value a save() would send for it (get_db_prep_save), cheap per row: text as
    it is (the identity for a str); repeating values (days, catalog ids, time stamps) memoised; decimals not (equal
    ones may differ in their exponent)."""
    wrapper = connections[connection.alias]  # not the proxy: that is a thread-local lookup per attribute
    preparers = []
    for name in names:
        field = model._meta.get_field(name)
        prepare = partial(field.get_db_prep_save, connection=wrapper)
        if isinstance(field, CharField | TextField) and not field.is_relation:
            preparers.append(partial(_as_text, prepare))
        elif field.primary_key or field.unique or isinstance(field, DecimalField):
            preparers.append(prepare)
        else:
            preparers.append(partial(_memoised, prepare, {}))
    return preparers


def _as_text(prepare: Callable, value):
    return value if value.__class__ is str else prepare(value)


def _memoised(prepare: Callable, known: dict, value):
    try:
        return known[value]
    except KeyError:
        prepared = prepare(value)
        if len(known) < MEMO_SIZE:
            known[value] = prepared
        return prepared


def _prepared(preparers: list[Callable], batch: list[tuple]) -> list[list]:
    return [[prepare(value) for prepare, value in zip(preparers, row, strict=True)] for row in batch]


def insert_rows(model, names: tuple, rows: Iterable[tuple], progress: Callable[[int], None] | None = None) -> int:
    """INSERTs `rows` (tuples of values for the fields `names`, attnames) in the current transaction; returns how many.

    On PostgreSQL with psycopg 3, one COPY: at 100,000 rows bulk_create's INSERT ... UNNEST spent more time building
    and adapting its parameters than the server spent inserting (#10). COPY gets the validated Python values as they
    are: for them every field's get_db_prep_save is the identity on PostgreSQL (uuid, str, Decimal, date, aware
    datetime; asserted in tests/transfer/test_services.py), and calling it per value cost 2.2 s of 100,000 rows.
    Elsewhere one executemany() per batch, each value prepared by its field (get_db_prep_save), as save() would."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    table = quote(model._meta.db_table)
    done = 0
    if connection.vendor == "postgresql" and _psycopg3():
        with connection.cursor() as cursor, db_driver.copy_into(cursor, f"COPY {table} ({columns}) FROM STDIN") as copy:
            for done, row in enumerate(rows, 1):  # noqa: B007 - the count is the result
                copy.write_row(row)
                if progress and done % WRITE_BATCH_SIZE == 0:
                    progress(done)
        if progress and done % WRITE_BATCH_SIZE:
            progress(done)
    else:
        preparers = _preparers(model, names)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608 - names from model metadata
        with connection.cursor() as cursor:
            for batch in chunked(rows, WRITE_BATCH_SIZE):
                cursor.executemany(sql, _prepared(preparers, batch))
                done += len(batch)
                if progress:
                    progress(done)
    return done


def update_rows(model, names: tuple, rows: list[tuple]) -> None:
    """UPDATE the columns `names` by primary key: each row holds their values, then the primary key; one
    executemany() per batch.

    Django's bulk_update() builds a CASE WHEN per field and row; measured on 5,000 rows it took 14 of 18 seconds
    (SQLite), while a parameterised UPDATE sent with executemany() runs the batch in one call. Values are prepared by
    the model fields themselves (get_db_prep_save), so every backend gets what a save() would send."""
    if not rows:
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    preparers = [*_preparers(model, names), partial(pk.get_db_prep_value, connection=connection)]
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in names)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608 - names from model metadata, values are parameters
    with connection.cursor() as cursor:
        for batch in chunked(rows, UPDATE_BATCH_SIZE):
            cursor.executemany(sql, _prepared(preparers, batch))


def create_catalog_entries(model, wanted: list[tuple[str, str]]) -> dict[str, tuple[uuid.UUID, bool]]:
    """Creates the catalog entries `wanted` ((name, url) pairs, names already validated by the catalog API's field and
    distinct case-insensitively) in one INSERT; returns casefolded name → (entry id, created). An invalid url is
    dropped (the name alone). An entry another writer made meanwhile (PostgreSQL; SQLite's write lock is held) is
    left as it is and used: conflicts are ignored, then looked up by name."""
    entries = []
    for name, url in wanted:
        entry = model(name=name, url=url)
        try:
            entry.full_clean(validate_unique=False, validate_constraints=False)  # no queries
        except ValidationError:
            entry.url = ""
        entries.append(entry)
    model.objects.bulk_create(entries, ignore_conflicts=True)
    ours = set(model.objects.filter(pk__in=[entry.pk for entry in entries]).values_list("pk", flat=True))
    found = {}
    for entry in entries:
        if entry.pk in ours:
            found[entry.name.casefold()] = (entry.pk, True)
        else:
            found[entry.name.casefold()] = (
                model.objects.filter(name__iexact=entry.name).values_list("pk")[0][0],
                False,
            )
    return found


def fresh_ids(count: int) -> list[uuid.UUID]:
    """`count` new ids in ascending order, made before the write transaction (sorting 100,000 took a second)."""
    return sorted((uuid.uuid4() for _ in range(count)), key=operator.attrgetter("int"))


class ImportWrite:
    """The writes of one planned import (importing._Importer): `catalog_ids[kind][ref]` is the entry id of each
    resolved catalog reference of the rows; `items` are the rows to write, with their decided action."""

    def __init__(
        self,
        *,
        household_id,
        created_by,
        catalog_ids: dict,
        progress: Callable[[str, int, int], None],
        members: Mapping[str, int] | None = None,
        conversion,
    ):
        """`conversion` (converting.HomeConversion, made in the write transaction) gives each row's rate columns."""
        self.household_id = household_id
        self.created_by_id = getattr(created_by, "pk", None)  # the importer
        self.members = members or {}  # username → user id of the household's members (a row's `creator`)
        self.catalog_ids = catalog_ids
        self.progress = progress
        self.conversion = conversion
        self.now = timezone.now()

    def fk(self, kind: str, ref) -> uuid.UUID | None:
        return None if ref is None else self.catalog_ids[kind][ref]

    def insert(self, items: list, ids: list[uuid.UUID]) -> None:
        """Inserts the new purchases (and their warranties) with the ids `ids` (fresh_ids(), at least as many as
        items; the first ones are used, in file order), last row first: a re-export lists rows of the same date in
        the file's order (the list orders by -created_at, then id), so export → import → export gives the same
        document. Each row (and its warranty) records as created_by the member its `creator` names, else the
        importer."""
        ids = ids[: len(items)]
        household_id, now, fk = self.household_id, self.now, self.fk
        by = [self.members.get(item.creator, self.created_by_id) for item in items]
        rates = self.conversion.columns
        self.conversion.fetch(item.values for item in items if item.rate is None)
        purchases = (
            (
                pk,
                household_id,
                who,
                *item.values,
                fk("retailer", item.retailer),
                fk("brand", item.brand),
                *rates(item.rate, item.values),
                now,
                now,
            )
            for item, pk, who in zip(reversed(items), reversed(ids), reversed(by), strict=True)
        )
        total = len(items)
        insert_rows(Purchase, PURCHASE_COLUMNS, purchases, lambda done: self.progress("writing", done, total))
        self.insert_coverages((pk, who, _coverages_of(item)) for item, pk, who in zip(items, ids, by, strict=True))
        for item, pk in zip(items, ids, strict=True):
            item.duplicate_of = pk  # from here on: the id of the row's purchase

    def _updated_row(self, item, current_index: dict) -> tuple[dict, tuple]:
        """The stored row of `item`'s purchase with its changes: (column → value, PLAIN_FIELDS' values)."""
        row = {name: item.current[current_index[name]] for name in _UPDATE_READ}
        for name, value in item.changes.items():
            if name in CATALOG_MODELS:
                row[f"{name}_id"] = self.fk(name, value)
            elif name in row:
                row[name] = value
        return row, tuple(row[name] for name in PLAIN_FIELDS)

    def insert_coverages(self, purchases: Iterable[tuple]) -> None:
        """Inserts the coverages (and their claims) of `purchases`: (purchase id, created_by id, [(values, claims)]).
        Ids ascend in the file's order, so coverages (and claims) that tie in their order keep the file's."""
        now, warranties, claims = self.now, [], []
        for pk, who, coverages in purchases:
            for values, found in coverages:
                warranties.append((pk, who, values))
                claims.extend((len(warranties) - 1, who, claim) for claim in found)
        warranty_ids = fresh_ids(len(warranties))
        rows = (
            (wid, pk, who, *values, now, now) for wid, (pk, who, values) in zip(warranty_ids, warranties, strict=True)
        )
        insert_rows(Warranty, WARRANTY_COLUMNS, rows)
        claim_rows = (
            (cid, warranty_ids[at], who, *values, now, now)
            for cid, (at, who, values) in zip(fresh_ids(len(claims)), claims, strict=True)
        )
        insert_rows(Claim, CLAIM_COLUMNS, claim_rows)

    def update(self, items: list, current_index: dict) -> None:
        """Applies each item's `changes` (field → value, or catalog reference) to its purchase row `current` (values
        in `current_index` order), and its `warranty_change`."""
        purchases = [(item, self._updated_row(item, current_index)) for item in items if item.changes]
        self.conversion.fetch(plain for item, (_, plain) in purchases if item.rate is None)
        purchases = [
            # the importer decided item.rate (its _diff)
            (*row.values(), *self.conversion.columns(item.rate, plain), self.now, item.duplicate_of)
            for item, (row, plain) in purchases
        ]
        gone, new, changed, replaced = [], [], [], []
        for item in items:
            if item.warranty_change:
                how, values = item.warranty_change
                warranty_id = item.current[current_index["warranty_id"]]
                if how == "replace":
                    replaced.append((item.duplicate_of, self.created_by_id, values))
                elif how == "delete":
                    gone.append(warranty_id)
                elif how == "create":
                    new.append((uuid.uuid4(), item.duplicate_of, self.created_by_id, *values, self.now, self.now))
                else:
                    changed.append((*values, self.now, warranty_id))
        update_rows(Purchase, PURCHASE_UPDATE_COLUMNS, purchases)
        for batch in chunked(gone, 500):
            Warranty.objects.filter(pk__in=batch).delete()
        insert_rows(Warranty, WARRANTY_COLUMNS, new)
        update_rows(Warranty, WARRANTY_UPDATE_COLUMNS, changed)
        for batch in chunked([pk for pk, _who, _coverages in replaced], 500):
            Claim.objects.filter(warranty__purchase_id__in=batch).delete()
            Warranty.objects.filter(purchase_id__in=batch).delete()
        self.insert_coverages(replaced)


def _coverages_of(item) -> list:
    """A new row's coverages: its `coverages` (version 2), else its one `warranty` (version 1), else none."""
    if item.coverages is not None:
        return item.coverages
    return [] if item.warranty is None else [(item.warranty, ())]
