"""spends.db_driver reaches below Django's database API to psycopg 3 (COPY, stream()). These checks fail as soon as
Django or psycopg stop offering what it relies on, rather than an import or an export failing in production."""

import pytest
from django.db import connection, connections

from spends import db_driver

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and stream() are the PostgreSQL paths")
def test_djangos_cursor_still_wraps_a_psycopg3_cursor_with_copy_and_stream():
    import psycopg

    with connection.cursor() as cursor:
        raw = db_driver.driver_cursor(cursor)
        assert isinstance(raw, psycopg.Cursor)
        assert callable(raw.copy) and callable(raw.stream)
        rows = db_driver.stream(cursor, "SELECT generate_series(1, %s)", [3], size=2)
        try:
            assert [row[0] for row in rows] == [1, 2, 3]
        finally:
            rows.close()


def test_a_streaming_connection_refuses_other_queries_and_a_second_stream():
    connection = connections["default"]
    with db_driver.streaming(connection):
        with pytest.raises(RuntimeError, match="streaming"), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        with pytest.raises(RuntimeError, match="streaming"), db_driver.streaming(connection):
            pass
    with connection.cursor() as cursor:  # released afterwards
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
