"""Data versions: one number per scope, stored in the database, that changes with every write to the scope's data.

A scope is a string: `household_scope(pk)` for one household's purchases, warranties and attachments, a name an app
chooses for shared data (the catalog's), and INSTALLATION, which only a restore changes.
Write services call `bump(scope)` inside the transaction of their write, once per call, so the new number and the
new data commit together (or roll back together). Readers key cached answers by `read(scopes)`: any write by any
process changes the key, whatever the cache backend, and an answer computed while a write commits is stored under
the number read before it, which that write has already replaced.

A bump sets the version to max(version + 1, the clock in nanoseconds): it only grows, and a number a rolled-back
transaction or a restored database held is not handed out again, so no answer cached under it is ever reused.
This module knows no domain app.
"""

import time
from collections.abc import Iterable

from django.db import connections, router, transaction
from django.db.models import BigIntegerField, F, Value
from django.db.models.functions import Greatest

from spends.models import DataVersion

INSTALLATION = "installation"  # every answer's key includes it; a restore changes it (renew_all)


def household_scope(household_id) -> str:
    """The scope of one household's data (its purchases, warranties and attachments)."""
    return f"household:{household_id}"


def _next_version():
    # BigIntegerField: a plain Value(int) is an IntegerField, which Django sends as a 32-bit integer when PostgreSQL
    # binds the parameters (DATABASE_PREPARED_STATEMENTS): the clock's nanoseconds would lose their high bits.
    return Greatest(F("version") + 1, Value(time.time_ns(), output_field=BigIntegerField()))


def _upsert_sql(connection) -> str:
    # One statement on both engines (PostgreSQL 9.5+, SQLite 3.24+): the first bump of a scope inserts its row, every
    # later one raises it. ON CONFLICT settles a concurrent first insert inside the statement: no savepoint, no retry.
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    return (
        f"INSERT INTO {table} (scope, version) VALUES (%s, %s) ON CONFLICT (scope) DO UPDATE SET version = "  # noqa: S608
        f"CASE WHEN {table}.version + 1 > excluded.version THEN {table}.version + 1 ELSE excluded.version END"
    )


def bump(scope: str) -> None:
    """Give `scope` a new version: one statement (an upsert), the first time too. Call it inside the write's
    transaction, after the write, once per scope and transaction."""
    connection = connections[router.db_for_write(DataVersion)]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(connection), [scope, time.time_ns()])


def read(scopes: Iterable[str]) -> tuple[int, ...]:
    """The versions of `scopes`, in their order (0 for a scope never bumped), in one query."""
    scopes = list(scopes)
    found = dict(DataVersion.objects.filter(scope__in=scopes).values_list("scope", "version"))
    return tuple(found.get(scope, 0) for scope in scopes)


def renew_all() -> None:
    """After the database was replaced (a restore): every scope gets a number no answer was cached under, including
    scopes the restored table lacks (through INSTALLATION, which every reader includes)."""
    with transaction.atomic():
        DataVersion.objects.update(version=_next_version())
        if not DataVersion.objects.filter(scope=INSTALLATION).exists():
            bump(INSTALLATION)
