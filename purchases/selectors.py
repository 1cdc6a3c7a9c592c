"""Reads of purchases: scoped to one household, FKs joined, warranty status and counts annotated in SQL."""

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections, transaction
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import Count, DateTimeField, Func, IntegerField, OuterRef, Prefetch, Subquery, UUIDField
from django.db.models.functions import Coalesce

from catalog.selectors import catalog_list
from purchases.models import Purchase
from spends import clock, db_driver


def _attachment_count():
    # A correlated subquery (one COUNT per row, served by the (purchase, created_at) index), not a JOIN + GROUP BY
    # that would multiply with the other joins and group every selected column. The attachments app sits above
    # purchases, so its model is reached through the reverse relation rather than imported.
    attachment_model = Purchase._meta.get_field("attachments").related_model
    counts = (
        attachment_model.objects.filter(purchase=OuterRef("pk"))
        .order_by()
        .values("purchase")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


# Annotations that apps above purchases add to every purchase_list row, each a function of `today` returning
# {name: expression or FilteredRelation}, with the relations to select_related and the prefetches (functions of
# `today` returning a Prefetch). They register in their AppConfig.ready() (warranties: the chosen `warranty` relation,
# its effective status and days remaining, the prefetched `warranties`), so the rows carry them while purchases imports
# none of those apps (#19: purchases sits below).
_row_annotations: list[Callable[..., dict]] = []
_row_select_related: list[str] = []
_row_prefetches: list[Callable[..., Prefetch]] = []


def register_row_annotations(
    build: Callable[..., dict], *, select_related: tuple[str, ...] = (), prefetch: Callable[..., Prefetch] | None = None
) -> None:
    """Annotate every `purchase_list` row with `build(today=...)`: SQL expressions over a purchase's lookups (and
    FilteredRelations, which `select_related` may join), and prefetch `prefetch(today=...)` for every page."""
    if build not in _row_annotations:
        _row_annotations.append(build)
        _row_select_related.extend(name for name in select_related if name not in _row_select_related)
        if prefetch is not None:
            _row_prefetches.append(prefetch)
        _purchase_list_shape.cache_clear()


@functools.lru_cache(maxsize=4)
def _purchase_list_shape(today):
    # Why cached: resolving the joins, the CASE expressions and the attachment subquery took ~1.3 ms of every list
    # and detail request (#10), and they are the same for every household on a given day. The queryset is never
    # evaluated: callers only get filtered clones (QuerySet methods never change the queryset they are called on).
    return (
        Purchase.objects.annotate(
            **{name: expression for build in _row_annotations for name, expression in build(today=today).items()},
            attachment_count=_attachment_count(),
        )
        .select_related("retailer", "brand", "created_by", *_row_select_related)
        .prefetch_related(*(prefetch(today=today) for prefetch in _row_prefetches))
        .order_by("-purchase_date", "-created_at", "id")
    )


def purchase_list(*, household_id, today=None):
    """The household's purchases, default order newest `purchase_date` then newest created.

    Joined: retailer, brand, created_by (for the object's `created_by` username) and what the apps above register
    (`register_row_annotations`; warranties: the chosen `warranty`, one query for a whole page). Annotated:
    `attachment_count`, and what the apps above register (warranties: the chosen warranty's
    `warranty_effective_status` / `warranty_days_remaining` / `warranty_claim_count`) for `today` (default: today,
    UTC). Prefetched: what they register (warranties: the purchase's `warranties`, one more query per page;
    values_list() exports skip it).
    """
    return _purchase_list_shape(today or clock.today()).in_household(household_id)


def catalog_with_purchase_count(*, model, household_id):
    """`catalog_list` of `model` (Retailer or Brand), each entry annotated with `purchase_count`: the number of
    household's purchases that reference it. Lives here, not in catalog: catalog sits below purchases."""
    fk = model._meta.model_name  # "retailer" or "brand"
    # A correlated count per entry, served by purchase_retailer_curdate_idx / purchase_brand_curdate_idx; a JOIN
    # with a filtered Count would read every household's purchases of each entry.
    counts = (
        Purchase.objects.filter(household_id=household_id, **{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return catalog_list(model=model).annotate(purchase_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


class _PostgresRead(Func):
    """On PostgreSQL, a column in a form psycopg reads with its C loaders (`template`, which keeps the value's
    str() or instant); elsewhere the column as it is."""

    template = "%(expressions)s"

    def __init__(self, expression, *, postgresql_template: str, output_field):
        super().__init__(expression, output_field=output_field)
        self.postgresql_template = postgresql_template

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.postgresql_template, **extra_context)


# Why: at a million rows, decoding values is much of an export's time. Django reads every `timestamptz` through a
# Python loader (postgresql.psycopg_any.BaseTzLoader: about 5 µs of CPU per CSV row for its two time stamps), while
# a `timestamp` in UTC is read by psycopg's C loader. A uuid read as text skips UUID objects and their str() (about
# 2 µs a row).
_POSTGRESQL_READS = {
    DateTimeField: "(%(expressions)s AT TIME ZONE 'UTC')",
    UUIDField: "%(expressions)s::text",
}


def _model_field(model, lookup: str):
    *path, name = lookup.split("__")
    try:
        for part in path:
            model = model._meta.get_field(part).related_model
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # an annotation such as warranty_effective_status
        return None


def _can_stream_chunks() -> bool:
    try:
        import psycopg
    except ImportError:  # Django on psycopg2
        return False
    return psycopg.pq.version() >= 170000  # stream(size=...) needs libpq 17


def _streamed(queryset, chunk_size: int) -> Iterator[tuple]:
    """The rows of a values_list() queryset through psycopg's stream() in chunked-rows mode (libpq 17+)."""
    connection = connections[queryset.db]
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return
    # Closing the stream early cancels the query, which aborts an enclosing transaction: give it a savepoint.
    savepoint = transaction.atomic(using=queryset.db) if connection.in_atomic_block else nullcontext()
    with savepoint, connection.cursor() as cursor:
        logged = cursor.debug_sql(sql, params) if isinstance(cursor, CursorDebugWrapper) else nullcontext()
        with db_driver.streaming(connection):
            rows = db_driver.stream(cursor, sql, params, size=chunk_size)
            try:
                with logged, connection.wrap_database_errors:
                    yield from compiler.results_iter(results=[rows], tuple_expected=True)
            finally:
                rows.close()  # early: cancels the query and drains what was sent, leaving the connection idle


def purchase_export_rows(*, queryset, fields: Sequence[str], chunk_size: int) -> Iterator[tuple]:
    """The rows of `queryset` (`purchase_list` rows, filtered and ordered by the caller) as plain tuples of `fields`:
    lookups such as "price" or "retailer__name", or `purchase_list`'s "warranty_effective_status" annotation. For
    exports, which read every row once. One query; `chunk_size` rows in memory at a time.

    values_list() keeps the filters and the order, LEFT JOINs what the lookups reach and computes only the annotations
    named in `fields` (or used by a filter or the order): no attachment_count subquery per row, and no model instance.
    On PostgreSQL, date-times come back as naive datetimes in UTC and UUIDs as their text (see _POSTGRESQL_READS);
    elsewhere as the ORM reads them (aware UTC datetimes, UUID objects).

    On PostgreSQL the rows are streamed (psycopg stream(), libpq chunked-rows mode): the database computes the next
    rows while the caller handles these. A server-side cursor (QuerySet.iterator()) takes turns instead, and outside
    a transaction it is WITH HOLD, which materialises the whole result before the first row: the CSV export of 1M
    rows took 27.5 s that way (12.4 s before the first row), 13.2 s streamed (#10). Until the iterator is exhausted or
    closed the connection is busy: a query on it raises RuntimeError. Elsewhere QuerySet.iterator(chunk_size).
    """
    columns = []
    for lookup in fields:
        field = _model_field(queryset.model, lookup)
        template = _POSTGRESQL_READS.get(type(field))
        columns.append(
            lookup if template is None else _PostgresRead(lookup, postgresql_template=template, output_field=field)
        )
    rows = queryset.prefetch_related(None).values_list(*columns)  # the prefetched coverages are the objects' only
    if connections[queryset.db].vendor == "postgresql" and _can_stream_chunks():
        return _streamed(rows, chunk_size)
    return rows.iterator(chunk_size=chunk_size)
