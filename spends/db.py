"""Database helpers shared by the apps: Unicode-aware case folding on SQLite, and date arithmetic in SQL.

SQLite's built-in LOWER/UPPER/LIKE fold ASCII only, so on the embedded default "über" would not find
"Über Shop" and the case-insensitive unique name constraint would let "Über" and "über" both in. We replace
those functions on every SQLite connection with Unicode-aware ones, so `icontains`, `iexact`, `Lower(...)`
and the functional unique indexes behave as they do on PostgreSQL.
"""

import functools
import re

from django.db import models


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _upper(value):
    return value.upper() if isinstance(value, str) else value


@functools.lru_cache(maxsize=512)
def _like_regex(pattern: str, escape: str | None) -> re.Pattern:
    parts, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(parts), re.DOTALL | re.IGNORECASE)


def _like(pattern, value, escape=None):
    if pattern is None or value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    return 1 if _like_regex(pattern.casefold(), escape).fullmatch(value.casefold()) else 0


def install_sqlite_unicode_functions(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("lower", 1, _lower, deterministic=True)
    raw.create_function("upper", 1, _upper, deterministic=True)
    raw.create_function("like", 2, _like, deterministic=True)
    raw.create_function("like", 3, _like, deterministic=True)


class DaysBetween(models.Func):
    """Whole days from `start` to `end` (end - start) as an integer, computed by the database."""

    output_field = models.IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return f"({end_sql} - {start_sql})", (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return (
            f"CAST(julianday({end_sql}) - julianday({start_sql}) AS INTEGER)",
            (*end_params, *start_params),
        )
