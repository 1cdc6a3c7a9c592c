"""Reads compiled once and run many times (issue #24): a values_list() query whose only inputs that change from one
request to the next are a few ids, bound as parameters on every run.

Why: compiling a purchase's detail query (joins, the chosen warranty's subquery, the effective-status CASEs, the
attachment count) took longer than running it (bench/RESULTS.md, runs D–F). The SQL text does not depend on the ids,
so it is compiled once per connection and day, and each request binds its own ids in their places.
"""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    slots: tuple[tuple[str, int, Callable], ...]  # (name, index in params, adapt)
    compiler: object  # the query's compiler: converts raw rows as values_list() would


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _adapter(sentinel: uuid.UUID, param) -> Callable | None:
    """How a UUID is bound in this query, told by how its sentinel was: a UUID (PostgreSQL) or its hex (SQLite)."""
    if isinstance(param, uuid.UUID):
        return None if param != sentinel else _as_uuid
    if param == sentinel.hex:
        return lambda value: _as_uuid(value).hex
    return None


class PreparedRead:
    """`build(key, **ids)` returns a values_list() queryset filtered by equality on each named UUID (`slots`).

    `rows(key, **ids)` returns what `build(key, **ids)` would, as a list of tuples. The SQL is compiled once per
    thread, database and `key` (what else the SQL depends on, such as today's date) with random sentinel UUIDs,
    each of which must appear exactly once among the parameters (ValueError otherwise: a condition that did not
    compile to one bound parameter is never dropped or guessed). Each run copies those parameters and puts the
    given ids where the sentinels were. Values are UUIDs or their text (validated: a bad one is a ValueError)."""

    def __init__(self, build: Callable, *, slots: tuple[str, ...], using: str = "default", keep: int = 4):
        self.build = build
        self.slots = slots
        self.using = using
        self.keep = keep  # plans kept per thread (keys beyond it start the cache afresh)
        self._local = threading.local()  # per thread: a compiler holds the connection it was compiled for

    def _compile(self, key, slots: tuple[str, ...]) -> _Plan:
        sentinels = {name: uuid.uuid4() for name in slots}
        queryset = self.build(key, **sentinels)
        compiler = queryset.query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        bound = []
        for name, sentinel in sentinels.items():
            found = [(index, adapt) for index, param in enumerate(params) if (adapt := _adapter(sentinel, param))]
            if len(found) != 1:
                raise ValueError(f"{name}: bound {len(found)} times in the compiled query, not once")
            bound.append((name, *found[0]))
        return _Plan(sql, tuple(params), tuple(bound), compiler)

    def plan(self, key, slots: tuple[str, ...] | None = None) -> _Plan:
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

    def rows_of(self, key, ids: dict, slots: tuple[str, ...] | None = None) -> list[tuple]:
        """`rows(key, **ids)`; `slots` (names of `ids`) for a reader whose slots depend on the key."""
        plan = self.plan(key, slots)
        params = list(plan.params)
        for name, index, adapt in plan.slots:
            params[index] = adapt(ids[name])
        compiler = plan.compiler
        with connections[self.using].cursor() as cursor:
            cursor.execute(plan.sql, params)
            raw = cursor.fetchall()
        if compiler.has_extra_select:  # ORDER BY columns that are not selected
            raw = [row[: compiler.col_count] for row in raw]
        return list(compiler.results_iter(results=[raw], tuple_expected=True))
