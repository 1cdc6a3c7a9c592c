"""The one place that reaches below Django's database API to the psycopg 3 cursor, for two measured gains on
PostgreSQL: COPY for bulk imports (#10: 2.2 s of 100,000 rows saved) and stream() for exports that read every row
once (#10: 1M purchases in a flat memory). Django's CursorWrapper keeps the driver's cursor as `.cursor`; that
attribute is not documented, so tests/spends/test_db_driver.py fails at once if Django or psycopg changes it.
Everything else goes through Django's public API."""

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.utils import CursorWrapper

# Connections streaming right now: a second query on one would wait for the stream forever (psycopg).
_streaming: "weakref.WeakSet" = weakref.WeakSet()

STREAM_BUSY = (
    "This database connection is streaming the rows of an export: read them all or close the iterator before "
    "running another query on it (psycopg would wait for the stream forever)."
)


def driver_cursor(cursor: CursorWrapper):
    """The psycopg cursor under Django's cursor (`connection.cursor()`)."""
    return cursor.cursor


def _refuse_while_streaming(execute, sql, params, many, context):
    raise RuntimeError(STREAM_BUSY)


@contextmanager
def streaming(connection) -> Iterator[None]:
    """Mark `connection` as streaming for the block: any other query on it raises instead of hanging (through
    Django's public execute_wrapper()). A second stream on the same connection raises at once."""
    if connection in _streaming:
        raise RuntimeError(STREAM_BUSY)
    _streaming.add(connection)
    try:
        with connection.execute_wrapper(_refuse_while_streaming):
            yield
    finally:
        _streaming.discard(connection)


def copy_into(cursor: CursorWrapper, sql: str):
    """psycopg 3's COPY ... FROM STDIN on Django's cursor (a context manager with write_row())."""
    return driver_cursor(cursor).copy(sql)


def stream(cursor: CursorWrapper, sql: str, params, *, size: int):
    """psycopg 3's stream() in chunked-rows mode (libpq 17+) on Django's cursor: an iterator of rows, `close()` it."""
    return driver_cursor(cursor).stream(sql, params, size=size)
