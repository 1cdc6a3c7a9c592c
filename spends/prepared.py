"""Reads compiled once and run many times (issue #24): a values_list() query whose only inputs that change from one
request to the next are a few values (ids, a code, a date), bound as parameters on every run.

Why: compiling a purchase's detail query (joins, the chosen warranty's subquery, the effective-status CASEs, the
attachment count) took longer than running it (bench/RESULTS.md, runs D–F). The SQL text does not depend on those
values, so it is compiled once per connection and key, and each request binds its own values in their places.
"""

import datetime
import random
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import connections


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    slots: tuple[tuple[str, int, Callable], ...]  # (name, index in params, adapt)
    compiler: object  # the query's compiler: converts raw rows as values_list() would; None for raw SQL

    def finish(self, raw: list[tuple]) -> list[tuple]:
        """The rows of the values_list() (or of the raw SQL) from what the cursor fetched."""
        compiler = self.compiler
        if compiler is None:
            return raw
        if compiler.has_extra_select:  # ORDER BY columns that are not selected
            raw = [row[: compiler.col_count] for row in raw]
        return list(compiler.results_iter(results=[raw], tuple_expected=True))


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _as_date(value) -> datetime.date:
    if type(value) is not datetime.date:  # a datetime is a date too: never bound in a date's place
        raise ValueError(f"not a date: {value!r}")
    return value


def _as_text(value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a text: {value!r}")
    return value


# A slot's kind: a fresh sentinel value (never a real one: random, and dates before the year 900), and how a value
# is validated for it.
_KINDS: dict[str, tuple[Callable[[], object], Callable]] = {
    "uuid": (uuid.uuid4, _as_uuid),
    "text": (lambda: f"\x1fsentinel-{uuid.uuid4().hex}", _as_text),
    "date": (lambda: datetime.date.fromordinal(random.randint(1, 328_000)), _as_date),  # noqa: S311
}


def _adapter(sentinel, param, kind: str) -> Callable | None:
    """How a value is bound in this query, told by how its sentinel was: as it is (PostgreSQL's UUIDs and dates, any
    text), or as text (SQLite: a UUID's hex, a date's ISO text)."""
    validate = _KINDS[kind][1]
    if isinstance(param, uuid.UUID) or kind == "uuid":
        if param == sentinel:
            return validate
        if param == getattr(sentinel, "hex", None):
            return lambda value: validate(value).hex
        return None
    if type(param) is type(sentinel) and param == sentinel:
        return validate
    if isinstance(param, str) and param == str(sentinel):
        return lambda value: str(validate(value))
    return None


def _binds_on_server(connection) -> bool:
    return connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get("server_side_binding") is True


def _inline_constants(connection, sql: str, params, bound: list) -> tuple[str, list, list]:
    """The compiled query with every parameter that is not a slot written into the SQL as a literal (quoted by
    psycopg), the slots left as parameters, renumbered.

    Why: PostgreSQL prepares a statement the connection runs again and again (DATABASE_PREPARED_STATEMENTS) and then
    plans it once for any values (a generic plan) only when that plan is not costlier than one made for the values
    given. A partial index (`WHERE kind = 'n'`) can serve `kind = $2` only in a plan that knows $2: so a read of the
    summaries was planned again on every run. With its constants in the text, only the household and the like are
    parameters, and the statement is planned once per connection (bench.profile shows the counts)."""
    from psycopg.sql import Literal

    slot_at = {index: position for position, (_name, index, _adapt) in enumerate(bound)}
    kept, pieces, index = [], [], 0
    connection.ensure_connection()
    raw = connection.connection
    for piece in re.split(r"(%%|%s)", sql):
        if piece != "%s":
            pieces.append(piece)
            continue
        if index in slot_at:
            pieces.append("%s")
            kept.append(index)
        else:
            pieces.append(Literal(params[index]).as_string(raw).replace("%", "%%"))
        index += 1
    if index != len(params):  # a placeholder the split did not see: keep the query as Django compiled it
        return sql, params, bound
    renumbered = {old: new for new, old in enumerate(kept)}
    return (
        "".join(pieces),
        [params[old] for old in kept],
        [(name, renumbered[old], adapt) for name, old, adapt in bound],
    )


class PreparedRead:
    """`build(key, **ids)` returns a values_list() queryset filtered by equality on each named UUID (`slots`), or
    on each named value of the slot's kind (`slots` a mapping of names to "uuid", "text" or "date"); or an SQL text
    and its parameters (`(sql, params)`: its rows are returned as the cursor gives them).

    `rows(key, **ids)` returns what `build(key, **ids)` would, as a list of tuples. The SQL is compiled once per
    thread, database and `key` (what else the SQL depends on, such as today's date) with random sentinel values,
    each of which must appear exactly once among the parameters (ValueError otherwise: a condition that did not
    compile to one bound parameter is never dropped or guessed). Each run copies those parameters and puts the
    given values where the sentinels were. UUIDs may be given as their text; every value is validated for its kind
    (a bad one is a ValueError). `repeated`: a slot may be bound more than once (the household in each subquery),
    at least once."""

    def __init__(
        self,
        build: Callable,
        *,
        slots: tuple[str, ...] | Mapping[str, str],
        using: str = "default",
        keep: int = 4,
        repeated: bool = False,
    ):
        self.build = build
        self.slots = slots
        self.using = using
        self.keep = keep
        self.repeated = repeated  # plans kept per thread (keys beyond it start the cache afresh)
        self._local = threading.local()  # per thread: a compiler holds the connection it was compiled for

    def _compile(self, key, slots: tuple[str, ...] | Mapping[str, str]) -> _Plan:
        kinds = slots if isinstance(slots, Mapping) else dict.fromkeys(slots, "uuid")
        sentinels = {name: _KINDS[kind][0]() for name, kind in kinds.items()}
        built = self.build(key, **sentinels)
        if isinstance(built, tuple):
            (sql, params), compiler = built, None
        else:
            compiler = built.query.get_compiler(using=self.using)
            sql, params = compiler.as_sql()
        bound = []
        for name, sentinel in sentinels.items():
            found = [
                (index, adapt)
                for index, param in enumerate(params)
                if (adapt := _adapter(sentinel, param, kinds[name]))
            ]
            if not found or (len(found) > 1 and not self.repeated):
                raise ValueError(f"{name}: bound {len(found)} times in the compiled query, not once")
            bound.extend((name, *each) for each in found)
        if _binds_on_server(connections[self.using]):
            sql, params, bound = _inline_constants(connections[self.using], sql, params, bound)
        return _Plan(sql, tuple(params), tuple(bound), compiler)

    def plan(self, key, slots: tuple[str, ...] | Mapping[str, str] | None = None) -> _Plan:
        plans = getattr(self._local, "plans", None)
        if plans is None or plans[0] is not connections[self.using]:
            plans = self._local.plans = (connections[self.using], {})
        cache = plans[1]
        if key not in cache:
            if len(cache) >= self.keep:  # keys hold the day: yesterday's plans go
                cache.clear()
            cache[key] = self._compile(key, slots or self.slots)
        return cache[key]

    def rows(self, key, **ids) -> list[tuple]:
        return self.rows_of(key, ids)

    def rows_of(
        self,
        key,
        ids: dict,
        slots: tuple[str, ...] | Mapping[str, str] | None = None,
        *,
        tail: tuple[str, list] = ("", []),
    ) -> list[tuple]:
        """`rows(key, **ids)`; `slots` (names of `ids`, or names and kinds) for a reader whose slots depend on the
        key; `tail`: SQL and parameters appended to the compiled query (a page's LIMIT and OFFSET)."""
        return _fetch(connections[self.using], *self.statement(key, ids, slots, tail=tail))

    def statement(self, key, ids: dict, slots=None, *, tail: tuple[str, list] = ("", [])) -> tuple[_Plan, str, list]:
        """(plan, SQL, parameters) of `rows_of(key, ids, slots, tail=tail)`: its rows are `plan.finish(fetched)`."""
        plan = self.plan(key, slots)
        params = list(plan.params)
        for name, index, adapt in plan.slots:
            params[index] = adapt(ids[name])
        return plan, plan.sql + tail[0], params + tail[1]


def _fetch(connection, plan: _Plan, sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return plan.finish(cursor.fetchall())


def rows_together(reads: list[tuple[PreparedRead, object, dict]], using: str = "default") -> list[list[tuple]]:
    """`[read.rows(key, **ids) for read, key, ids in reads]`, sent to the database at once where it can take them so
    (PostgreSQL binding on the server: psycopg's pipeline mode, one round trip instead of one per read); elsewhere one
    after another. Reads only: an error of any of them is raised (Django's) once all were sent."""
    statements = [read.statement(key, ids) for read, key, ids in reads]
    connection = connections[using]
    if len(statements) < 2 or not _binds_on_server(connection):
        return [_fetch(connection, *statement) for statement in statements]
    cursors = [connection.cursor() for _ in statements]  # opens the connection: connection.connection is set
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, (_plan, sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
        with connection.wrap_database_errors:
            return [
                plan.finish(cursor.fetchall())
                for cursor, (plan, _sql, _params) in zip(cursors, statements, strict=True)
            ]
    finally:
        for cursor in cursors:
            cursor.close()
