"""The importer's bulk writes: batched INSERTs (one COPY per table on PostgreSQL) and executemany() UPDATEs."""

from collections.abc import Callable, Iterator

from django.db import connection

WRITE_BATCH_SIZE = 1000  # rows per INSERT; all batches share the import's one transaction
UPDATE_BATCH_SIZE = 1000  # rows per executemany() of an UPDATE


def _chunked(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update_rows(model, objects: list, names: list[str]) -> None:
    """UPDATE each object's `names` columns by primary key, one executemany() per batch.

    Django's bulk_update() builds a CASE WHEN per field and row; measured on 5,000 rows it took 14 of 18 seconds
    (SQLite), while a parameterised UPDATE sent with executemany() runs the batch in one call. Values are prepared by
    the model fields themselves (get_db_prep_save), so every backend gets what a save() would send."""
    if not objects:
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    pk = model._meta.pk
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608 - names from model metadata, values are parameters
    with connection.cursor() as cursor:
        for batch in _chunked(objects, UPDATE_BATCH_SIZE):
            params = [
                [*(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields),
                 pk.get_db_prep_value(obj.pk, connection)]
                for obj in batch
            ]  # fmt: skip
            cursor.executemany(sql, params)


def _psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3  # imports psycopg: PostgreSQL only

    return is_psycopg3


def _insert_rows(model, objects: list, progress: Callable[[int], None] | None = None) -> None:
    """Inserts new model instances in the current transaction: bulk_create batches, or on PostgreSQL one COPY.

    At 100,000 rows bulk_create's INSERT ... UNNEST spent more time building and adapting its parameters than the
    server spent inserting (#10); COPY streams the rows. The values: auto_now(_add) time stamps from the field's
    pre_save, as bulk_create sets them; the others as the instance holds them. On PostgreSQL every field's
    get_db_prep_save returns the validated Python values unchanged (uuid, str, Decimal, date; asserted in
    tests/transfer/test_services.py), and calling it per value cost 2.2 s of a 100,000-row import.
    The instances are marked saved, as bulk_create does."""
    if connection.vendor != "postgresql" or not _psycopg3():
        done = 0
        for batch in _chunked(objects, WRITE_BATCH_SIZE):
            model.objects.bulk_create(batch)
            done += len(batch)
            if progress:
                progress(done)
        return
    fields = model._meta.concrete_fields
    stamped = [getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"  # names from model metadata
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for done, obj in enumerate(objects, 1):
            values = obj.__dict__
            copy.write_row([
                f.pre_save(obj, True) if stamp else values[f.attname] for f, stamp in zip(fields, stamped, strict=True)
            ])  # fmt: skip
            obj._state.adding, obj._state.db = False, connection.alias
            if progress and (done % WRITE_BATCH_SIZE == 0 or done == len(objects)):
                progress(done)
