"""`python -m bench.profile PATH [--cold | --post JSON]`: where one request's time goes (issue #24, "Done means").

In-process, against a bench database made by `python -m bench.generate`, with the production settings and the bench's
Redis (bench.env), as the user `bench`:

1. the request's wall time and the time spent inside database calls (medians), after enough warm-up runs for its
   statements to be prepared on the connection (spends.config.PREPARE_THRESHOLD);
2. PostgreSQL's own account of each statement, `EXPLAIN (ANALYZE, SUMMARY)`: planning and execution (the best of 5);
3. a cProfile of the same requests, the functions with the most cumulative time.

`--cold` bumps the household's data version before each request (the analytics answers are computed anew); `--post`
sends a POST with that JSON body (a create: each created purchase is deleted again through the API at the end).
The profiler slows Python down about twofold: read its figures as shares, and the medians of step 1 as times.
"""

import argparse
import cProfile
import io
import logging
import pstats
import re
import statistics
import time
import warnings
from pathlib import Path

from bench.env import DEFAULT_PG_URL, MAIN_USER, configure_django


class _Timed:
    """A database execute wrapper adding up the time spent in the database calls of a request."""

    def __init__(self):
        self.seconds, self.statements = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1


def _explain(connection, sqls: list[str]) -> list[tuple[float, float, str]]:
    """(planning ms, execution ms, the SQL's start) of each SELECT, the best of 5 runs (PostgreSQL only)."""
    found = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not re.match(r"\s*(SELECT|WITH)\b", sql, re.IGNORECASE):
                continue
            best = None
            for _ in range(5):
                cursor.execute("EXPLAIN (ANALYZE, SUMMARY) " + sql)
                text = "\n".join(row[0] for row in cursor.fetchall())
                planning = float(re.search(r"Planning Time: ([\d.]+)", text).group(1))
                execution = float(re.search(r"Execution Time: ([\d.]+)", text).group(1))
                if best is None or planning + execution < best[0] + best[1]:
                    best = (planning, execution)
            found.append((*best, " ".join(sql.split())[:100]))
    return found


def _placeholders(path: str, household_id) -> str:
    """`{id}` in the path becomes one of the household's purchases, `{retailer}` the retailer bench.run filters by."""
    from purchases.models import Purchase

    mine = Purchase.objects.filter(household_id=household_id)
    if "{id}" in path:
        path = path.replace("{id}", str(mine.order_by("id").values_list("id", flat=True).first()))
    if "{retailer}" in path:
        retailer = mine.filter(retailer__isnull=False).order_by("retailer_id").values_list("retailer_id", flat=True)
        path = path.replace("{retailer}", str(retailer.first()))
    return path


def _prepared_plans(connection) -> None:
    """The statements prepared on this connection: how often PostgreSQL planned each for its values (custom) and how
    often it reused one plan (generic). PostgreSQL 14+."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements ORDER BY custom_plans DESC"
        )
        rows = cursor.fetchall()
    print(f"Prepared statements on this connection ({len(rows)}): generic plans, custom plans")
    for generic, custom, sql in rows:
        print(f"  {generic:6d} {custom:6d}  {' '.join(sql.split())[:100]}")
    print()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "path", help="e.g. /api/analytics/dashboard; {id} is one of the purchases, {retailer} bench.run's retailer"
    )
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--cold", action="store_true", help="bump the household's data version before each request")
    parser.add_argument("--post", metavar="JSON", help="POST this body (201 expected) instead of a GET")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=40, help="cProfile rows shown")
    args = parser.parse_args(argv)

    configure_django(args.database_url, Path("data/bench/profile"))
    logging.getLogger("spends.requests").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from spends import data_versions
    from spends.config import PREPARE_THRESHOLD
    from spends.models import ApiToken
    from spends.tokens import token_issue

    user = get_user_model().objects.get(username=MAIN_USER)
    ApiToken.objects.filter(user=user, name="bench-profile").delete()
    client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=user, name='bench-profile')[1]}")
    household_id = user.membership.household_id
    scope = data_versions.household_scope(household_id)
    args.path = _placeholders(args.path, household_id)
    created = []

    def one():
        if args.cold:
            data_versions.bump(scope)
        if args.post:
            response = client.post(args.path, args.post, content_type="application/json")
            created.append(response.json().get("id"))
            expected = 201
        else:
            response, expected = client.get(args.path), 200
        if response.status_code != expected:
            raise SystemExit(f"{args.path}: HTTP {response.status_code}: {response.content[:300]!r}")

    try:
        for _ in range(PREPARE_THRESHOLD * 4):
            one()
        walls, sql_times, timed = [], [], _Timed()
        with connection.execute_wrapper(timed):
            for _ in range(args.requests):
                timed.seconds, timed.statements = 0.0, 0
                started = time.perf_counter()
                one()
                walls.append(time.perf_counter() - started)
                sql_times.append(timed.seconds)
        print(
            f"{args.path}: in-process median {statistics.median(walls) * 1000:.2f} ms, of which database calls "
            f"{statistics.median(sql_times) * 1000:.2f} ms in {timed.statements} statements "
            f"(BEGIN/COMMIT not counted)\n"
        )
        if connection.vendor == "postgresql" and not args.post:
            if args.cold:
                data_versions.bump(scope)
            with CaptureQueriesContext(connection) as captured:
                one()
            explained = _explain(connection, [query["sql"] for query in captured.captured_queries])
            print("EXPLAIN (ANALYZE, SUMMARY), ms:   planning  execution")
            for planning, execution, sql in explained:
                print(f"  {planning:8.3f} {execution:9.3f}  {sql}")
            total_planning, total_execution = sum(row[0] for row in explained), sum(row[1] for row in explained)
            print(f"  {total_planning:8.3f} {total_execution:9.3f}  (sum)\n")
            _prepared_plans(connection)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            one()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(re.sub(r"/\S*/site-packages/", "", out.getvalue()))
    finally:
        for pk in created:
            if pk:
                client.delete(f"{args.path.rstrip('/')}/{pk}")


if __name__ == "__main__":
    main()
