"""`python -m bench.run [--generate] [--sqlite]`: the API over real HTTP against its floors (issue #10).

Serves the app with gunicorn and the production settings (DEBUG off, connection pool, Redis cache) on the bench
database (`python -m bench.generate` makes it; `--generate` runs it first), then measures, sequentially and over real
HTTP to 127.0.0.1 only: median and p95 latency of the purchase list (default page, `search`, three filters), the
detail, warranties `expiring`, every analytics endpoint and `dashboard` cold (the household's data version bumped before
each request) and warm, and the detail's throughput with concurrent clients. In the same run it captures the SQL each
endpoint runs (in-process, CaptureQueriesContext) and replays it through the raw DB-API cursor: the floor. A bare
Django view returning a constant is the framework floor. Then a 100k-row CSV import through the API (vs a raw COPY
on PostgreSQL or executemany on SQLite of the same rows, before and after it: issue #24) and CSV exports at 100k
rows and at the full size (rows/s; peak RSS of the export process).
Every loop is bounded in count and time. Results: a table on stdout and JSON + query plans under bench/out/.
"""

import argparse
import csv
import datetime
import http.client
import io
import json
import logging
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from pathlib import Path

from bench import paging, writes
from bench.env import BENCH_CACHE_URL, DEFAULT_PG_URL, MAIN_USER, app_env, configure_django, database_url

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
RATES_MIGRATION_LIMIT_S = 30  # issue #22, SQLite
HOST = "127.0.0.1"  # the only address the bench ever sends traffic to

# Targets of issue #10.
LIST_FACTOR, LIST_SLACK_MS = 1.5, 3.0
LEAN_SLACK_MS = 1.0  # issue #24: the detail and the list with three filters
SEARCH_TARGET_MS = 50.0
WARM_TARGET_MS = 5.0
# Issue #24, decision 2: the import against the database's own limit, in the same run.
IMPORT_MAX_RATIO_COPY, IMPORT_MAX_RATIO_INSERT = 1.5, 2.0
EXPORT_TARGET_RPS, EXPORT_MAX_MB = 50_000, 200


# --- HTTP -----------------------------------------------------------------------------------------------------------


def request(port: int, path: str, token: str | None = None, *, method="GET", body=None, headers=None, timeout=900):
    """One request on a fresh connection (gunicorn's sync workers close after each response). → (status, body, s)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    all_headers = {"Accept": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Token {token}"
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, data, elapsed


def stream_lines(port: int, path: str, token: str) -> tuple[int, int, float]:
    """GET a streamed download, counting lines and bytes without keeping it. → (lines, bytes, seconds)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=1800)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Token {token}"})
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}: {response.read()[:300]!r}")
    lines = size = 0
    while chunk := response.read(1 << 16):
        lines += chunk.count(b"\n")
        size += len(chunk)
    elapsed = time.perf_counter() - started
    conn.close()
    return lines, size, elapsed


def stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000, "n": len(ordered)}


# --- the server ---------------------------------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict, port: int, workers: int, log: Path):
        self.env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": str(workers)}
        self.port = port
        self.log = log
        self.process = None

    def __enter__(self):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log_file = self.log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            [str(gunicorn), "-c", "gunicorn.conf.py", "spends.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if request(self.port, "/api/health", timeout=5)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /api/health within 60 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # our own process group only (start_new_session)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()


# --- the floors (in-process Django: capture the SQL, replay it raw) -------------------------------------------------


class Floors:
    def __init__(self, vendor_is_pg: bool, plans_dir: Path):
        from django.db import connection
        from django.test import Client

        self.connection = connection
        self.client_class = Client
        self.is_pg = vendor_is_pg
        self.plans_dir = plans_dir
        plans_dir.mkdir(parents=True, exist_ok=True)

    def capture(self, path: str, token: str, before=None) -> list[str]:
        """The SQL one request runs (through the whole Django stack in-process, the same code gunicorn runs)."""
        from django.test.utils import CaptureQueriesContext

        client = self.client_class(HTTP_AUTHORIZATION=f"Token {token}")
        if before:
            before()
        with CaptureQueriesContext(self.connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: in-process HTTP {response.status_code}: {response.content[:300]!r}")
        return [q["sql"] for q in ctx.captured_queries]

    def replay(self, sqls: list[str], reps: int) -> tuple[dict, list[float]]:
        """Time the captured SQL through the raw DB-API cursor; → (stats of the sum, median per query in ms)."""
        self.connection.ensure_connection()
        raw = self.connection.connection
        per_query = [[] for _ in sqls]
        totals = []
        for _ in range(reps + 2):  # the first two are warm-up
            total = 0.0
            for index, sql in enumerate(sqls):
                cursor = raw.cursor()
                started = time.perf_counter()
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
                elapsed = time.perf_counter() - started
                cursor.close()
                per_query[index].append(elapsed)
                total += elapsed
            totals.append(total)
        return stats(totals[2:]), [statistics.median(times[2:]) * 1000 for times in per_query]

    def explain(self, name: str, sql: str) -> str:
        raw = self.connection.connection
        cursor = raw.cursor()
        if self.is_pg:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
        cursor.close()
        (self.plans_dir / f"{name}.txt").write_text(f"{sql}\n\n{plan}\n")
        return plan


# --- the run --------------------------------------------------------------------------------------------------------


def machine_info(db_url: str) -> dict:
    from django.db import connection

    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db = "PostgreSQL " + cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            db += f" (shared_buffers {cursor.fetchone()[0]}"
            cursor.execute("SHOW work_mem")
            db += f", work_mem {cursor.fetchone()[0]}"
            cursor.execute("SHOW random_page_cost")
            db += f", random_page_cost {cursor.fetchone()[0]})"
        else:
            cursor.execute("select sqlite_version()")
            db = "SQLite " + cursor.fetchone()[0]
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1048576, 1),
        "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line), "?"),
        "python": platform.python_version(),
        "database": db,
        "load_average_at_start": os.getloadavg(),
        "command": " ".join([Path(sys.executable).name, "-m", "bench.run", *sys.argv[1:]]),
    }


def run_engine(args, engine: str) -> dict:
    sqlite = engine == "sqlite"
    db_url = database_url(sqlite=sqlite, url=args.database_url)
    work = Path(tempfile.mkdtemp(prefix=f"spends-bench-{engine}-"))
    os.environ["PGOPTIONS"] = f"-c statement_timeout={args.statement_timeout * 1000}"
    configure_django(db_url, work)
    logging.getLogger("spends.requests").setLevel(logging.WARNING)  # the in-process captures: no request lines
    warnings.filterwarnings("ignore", message="No directory at")  # STATIC_ROOT: the API serves no static files
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection

    from purchases.models import Purchase
    from spends import data_versions
    from spends.models import ApiToken
    from spends.tokens import token_issue

    user_model = get_user_model()
    main = user_model.objects.get(username=MAIN_USER)
    # Only hashes of tokens are stored: each run issues its own token (and drops the previous runs').
    ApiToken.objects.filter(user=main, name="bench").delete()
    token = token_issue(user=main, name="bench")[1]
    main_household = main.membership.household_id
    n_main = Purchase.objects.filter(household_id=main_household).count()
    n_all = Purchase.objects.count()
    info = machine_info(db_url)
    info.update(engine=engine, purchases_main=n_main, purchases_total=n_all, workers=args.workers)
    print(f"\n=== {engine}: {n_main:,} purchases for {MAIN_USER}, {n_all:,} in all; {args.workers} gunicorn workers")
    rng = random.Random(1)
    mine = Purchase.objects.filter(household_id=main_household)
    first = min(5000, max(0, n_main - 200))  # small datasets (1k) too
    ids = [str(pk) for pk in mine.values_list("pk", flat=True)[first : first + 200]]
    rng.shuffle(ids)
    top_retailer = (
        Purchase.objects.filter(household_id=main_household, retailer__isnull=False)
        .values_list("retailer_id", flat=True)
        .order_by("retailer_id")
        .first()
    )
    # A model code (a few products share it) and a product kind (a few % of all rows) as search terms.
    sample_name = mine.order_by("-purchase_date", "-created_at")[min(1000, n_main - 1)].product_name
    rare_term = re.search(r"[A-Z]{2}-\d+", sample_name).group(0)
    common_term = "espresso"
    today = datetime.date.today()
    three_years = (today - datetime.timedelta(days=3 * 365)).isoformat()
    cache.clear()  # the bench's own Redis database (BENCH_CACHE_URL)
    bump = lambda: data_versions.bump(data_versions.household_scope(main_household))  # noqa: E731

    p = "/api"
    endpoints = [
        # name, path(i), kind: list (target vs floor) | lean (#24: vs floor + framework) | search | cold | warm
        ("purchases list", lambda i: f"{p}/purchases", "list"),
        (f"search rare ({rare_term})", lambda i: f"{p}/purchases?search={rare_term}", "search"),
        (f"search common ({common_term})", lambda i: f"{p}/purchases?search={common_term}", "search"),
        (
            "list 3 filters",
            lambda i: f"{p}/purchases?retailer_id={top_retailer}&currency_code=USD&date_from={three_years}",
            "lean",
        ),
        ("purchase detail", lambda i: f"{p}/purchases/{ids[i % len(ids)]}", "lean"),
        ("warranties expiring", lambda i: f"{p}/warranties/expiring", "list"),
    ]
    analytics = [
        ("spending", "spending"),
        ("spending by-period (week, 1y)", f"spending/by-period?start={today - datetime.timedelta(days=364)}"
         f"&end={today}&group_by=week"),
        ("summary", "summary"),
        ("warranties/timeline", "warranties/timeline"),
        ("warranties/summary", "warranties/summary"),
        ("retailers", "retailers"),
        ("brands", "brands"),
        ("top-products", "top-products"),
        ("recent-purchases", "recent-purchases"),
        ("recent-warranties", "recent-warranties"),
        ("dashboard", "dashboard"),
    ]  # fmt: skip
    for name, sub in analytics:
        endpoints.append((f"{name} cold", lambda i, s=sub: f"{p}/analytics/{s}", "cold"))
        endpoints.append((f"{name} warm", lambda i, s=sub: f"{p}/analytics/{s}", "warm"))

    floors = Floors(connection.vendor == "postgresql", OUT / f"plans-{engine}")
    results = {"info": info, "endpoints": [], "framework": {}}
    env = app_env(db_url, work, pool=True)
    failed_names = set()
    # gunicorn kills a worker stuck past the limit (SQLite has no statement_timeout); transfers get their own server.
    latency_env = {**env, "GUNICORN_TIMEOUT": str(args.statement_timeout + 5)}
    with Server(latency_env, args.port, args.workers, work / "gunicorn.log"):
        # Framework floors: a constant Django response; the same plus one SELECT 1 (pool checkout + a round trip).
        for name, path in (("constant view", "/bench/constant"), ("SELECT 1 view", "/bench/select-one")):
            for _ in range(args.warmup):
                request(args.port, path)
            samples = [request(args.port, path)[2] for _ in range(args.requests)]
            results["framework"][name] = stats(samples)
        framework_ms = results["framework"]["constant view"]["median_ms"]

        for name, make_path, kind in endpoints:
            cold = kind == "cold"
            reps = args.cold_requests if cold else args.requests
            deadline = time.monotonic() + args.endpoint_seconds
            if args.only and not re.search(args.only, name):
                continue
            if kind == "warm" and name.replace(" warm", " cold") in failed_names:
                results["endpoints"].append(
                    {"name": name, "kind": kind, "error": "not measured: the cold request failed"}
                )
                print(f"{name:38s} skipped: the cold request failed", flush=True)
                continue
            for i in range(args.warmup):  # cold ones too: a server that has been up has run these statements
                if cold:
                    bump()
                request(args.port, make_path(i), token)
            samples, status, failed = [], None, None
            for i in range(reps):
                if cold:
                    bump()
                started = time.perf_counter()
                try:
                    status, body, elapsed = request(args.port, make_path(i), token, timeout=args.statement_timeout + 10)
                except OSError as exc:  # client timeout, or gunicorn killed the worker (GUNICORN_TIMEOUT)
                    status, elapsed = type(exc).__name__, time.perf_counter() - started
                if status != 200:
                    failed = f"{status} after {elapsed:.1f} s (limit {args.statement_timeout} s)"
                    break
                samples.append(elapsed)
                if time.monotonic() > deadline:
                    break
            if failed:
                failed_names.add(name)
                results["endpoints"].append({"name": name, "kind": kind, "path": make_path(0), "error": failed})
                print(f"{name:38s} FAILED: {failed}", flush=True)
                continue
            total = json.loads(body).get("total") if body.startswith(b"{") else None
            http_stats = stats(samples)
            # The floor: the SQL of this request (cold: cache bumped first; warm: what a cache hit still runs).
            sqls = floors.capture(make_path(0), token, before=bump if cold else None)
            if kind == "warm":
                floors.capture(make_path(0), token)  # fill the cache, then capture what a hit runs
                sqls = floors.capture(make_path(0), token)
            floor, per_query = floors.replay(sqls, max(3, min(len(samples), args.floor_reps)))
            counts = None
            if kind in ("list", "lean", "search") and "detail" not in name:
                sep = "&" if "?" in make_path(0) else "?"
                counts = [len(floors.capture(make_path(0) + f"{sep}limit={n}", token)) for n in (1, 100)]
            slowest = max(range(len(sqls)), key=lambda k: per_query[k]) if sqls else None
            if slowest is not None and kind != "warm":
                floors.explain(name.split(" (")[0].replace(" ", "_").replace("/", "_"), sqls[slowest])
            row = {
                "name": name,
                "kind": kind,
                "path": make_path(0),
                "http": http_stats,
                "floor": floor,
                "queries": len(sqls),
                "query_counts_limit_1_100": counts,
                "per_query_ms": [round(x, 3) for x in per_query],
                "total_items": total,
                "ratio": http_stats["median_ms"] / floor["median_ms"] if floor["median_ms"] else None,
            }
            m, f = http_stats["median_ms"], floor["median_ms"]
            if kind == "list":
                row["target"] = (
                    f"<= {LIST_FACTOR}x floor + {LIST_SLACK_MS:.0f} ms = {LIST_FACTOR * f + LIST_SLACK_MS:.1f}"
                )
                row["met"] = m <= LIST_FACTOR * f + LIST_SLACK_MS
            elif kind == "lean":  # issue #24: 1.5 × (SQL floor + framework floor) + 1 ms
                bound = LIST_FACTOR * (f + framework_ms) + LEAN_SLACK_MS
                row["target"] = f"<= {LIST_FACTOR}x (floor + framework {framework_ms:.1f}) + 1 ms = {bound:.1f}"
                row["met"] = m <= bound
            elif kind == "search":
                row["target"] = f"< {SEARCH_TARGET_MS:.0f} ms median" + (
                    "" if not sqlite else " (PostgreSQL target; informative)"
                )
                row["met"] = m < SEARCH_TARGET_MS
            elif kind == "warm":
                row["target"] = f"<= {WARM_TARGET_MS:.0f} ms median"
                row["met"] = m <= WARM_TARGET_MS
            elif name.startswith("dashboard"):
                row["target"] = f"<= {LIST_FACTOR}x sum of its SQL = {LIST_FACTOR * f:.1f}"
                row["met"] = m <= LIST_FACTOR * f
            else:
                row["target"] = f"(ratio only; {LIST_FACTOR}x = {LIST_FACTOR * f:.1f})"
                row["met"] = None
            results["endpoints"].append(row)
            print(
                f"{name:38s} median {m:8.1f} ms  p95 {http_stats['p95_ms']:8.1f}  floor {f:8.1f} "
                f"({len(sqls)} q)  x{m / f if f else float('nan'):5.2f}  fw {framework_ms:.1f}  "
                f"{'' if row['met'] is None else ('MET' if row['met'] else 'MISSED')}  total={total}",
                flush=True,
            )

        if not args.only or re.search(args.only, "paging"):
            results["paging"] = paging.measure(
                request, stats, port=args.port, token=token, rows=n_main, requests=args.requests, warmup=args.warmup
            )
        if not args.only or re.search(args.only, "detail throughput"):
            results["throughput"] = throughput(args, ids, token)
            print(f"detail throughput: {results['throughput']}", flush=True)
        if not args.only or re.search(args.only, "writes"):
            results["writes"] = writes.measure(args, token, main)  # issue #24: create vs its floor; throughput
    if not args.skip_transfer:
        with Server(env, args.port, args.workers, work / "gunicorn-transfer.log"):
            results["import"] = import_bench(args, engine, connection)
            results["export"] = export_bench(args, env, main, token, results["import"]["user"])
    cleanup_users(connection)
    OUT.mkdir(exist_ok=True)
    for log in work.glob("gunicorn*.log"):
        shutil.copy(log, OUT / f"{log.stem}-{engine}.log")
    shutil.rmtree(work, ignore_errors=True)
    (OUT / f"results-{engine}.json").write_text(json.dumps(results, indent=2, default=str))
    return results


def throughput(args, ids: list[str], token: str) -> dict:
    """Concurrent clients on the detail endpoint: bounded by --throughput-requests and by 60 s."""
    lock = threading.Lock()
    counter = {"next": 0, "errors": 0}
    latencies = []
    deadline = time.monotonic() + 60

    def client():
        while True:
            with lock:
                index = counter["next"]
                if index >= args.throughput_requests or time.monotonic() > deadline:
                    return
                counter["next"] += 1
            status, _, elapsed = request(args.port, f"/api/purchases/{ids[index % len(ids)]}", token)
            with lock:
                latencies.append(elapsed)
                counter["errors"] += status != 200

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": args.concurrency,
        "requests": len(latencies),
        "errors": counter["errors"],
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(latencies) / elapsed, 1),
        **{k: round(v, 2) for k, v in stats(latencies).items() if k != "n"},
    }


# --- import and export ----------------------------------------------------------------------------------------------

IMPORT_HEADER = [
    "product_name", "price", "currency_code", "retailer", "brand", "status", "purchase_date", "notes",
    "warranty_start", "warranty_end", "warranty_type", "warranty_status", "warranty_provider", "warranty_notes",
]  # fmt: skip


def _fresh_user(prefix: str):
    from django.contrib.auth import get_user_model

    from spends.tokens import token_issue

    user = get_user_model().objects.create_user(f"{prefix}_{uuid.uuid4().hex[:8]}")
    return user, token_issue(user=user, name="bench")[1]


def import_csv_text(rows: int) -> str:
    from bench.generate import RowMaker, vocabulary
    from catalog.models import Brand, Retailer

    rng = random.Random(99)
    _, _, products = vocabulary(rng)
    retailer_names = dict(Retailer.objects.values_list("id", "name"))
    brand_names = dict(Brand.objects.values_list("id", "name"))
    maker = RowMaker(rng, list(retailer_names), list(brand_names), products, datetime.date.today())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_HEADER)
    for purchase, warranty in maker.rows((None, None), rows):
        _, _, _, name, price, currency, retailer_id, brand_id, status, day, notes, _, _ = purchase
        w = warranty or (None,) * 10
        writer.writerow([
            name, price, currency, retailer_names.get(retailer_id, ""), brand_names.get(brand_id, ""), status, day,
            notes, w[2] or "", w[3] or "", w[4] or "", w[5] or "", w[6] or "", w[7] or "",
        ])  # fmt: skip
    return buffer.getvalue()


def _multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def raw_insert(connection, text: str, user, *, copy: bool) -> float:
    """The floor of an import: parse the same CSV and insert the same rows with the raw cursor, one transaction."""
    from catalog.models import Brand, Retailer

    retailers = {name.casefold(): pk for pk, name in Retailer.objects.values_list("id", "name")}
    brands = {name.casefold(): pk for pk, name in Brand.objects.values_list("id", "name")}
    is_pg = connection.vendor == "postgresql"
    household_id, user_id = user.membership.household_id, user.pk
    started = time.perf_counter()
    now = datetime.datetime.now(datetime.UTC)
    key = (lambda u: u) if is_pg else (lambda u: u.hex)
    stamp = now if is_pg else now.replace(tzinfo=None).isoformat(sep=" ")
    purchases, warranties = [], []
    reader = csv.reader(io.StringIO(text))
    next(reader)
    for row in reader:
        pid = uuid.uuid4()
        purchases.append((
            key(pid), key(household_id), user_id, row[0], row[1], row[2], _maybe(retailers.get(row[3].casefold()), key),
            _maybe(brands.get(row[4].casefold()), key), row[5], row[6], row[7], stamp, stamp,
        ))  # fmt: skip
        if row[8]:
            warranties.append(
                (key(uuid.uuid4()), key(pid), row[8], row[9] or None, row[10], row[11], row[12], row[13], stamp, stamp)
            )
    from bench.generate import PURCHASE_COLUMNS, WARRANTY_COLUMNS

    raw = connection.connection
    cursor = raw.cursor()
    ph = "%s" if is_pg else "?"
    if is_pg:
        raw.autocommit = False
    else:
        cursor.execute("BEGIN")
    for table, columns, rows in (
        ("purchases_purchase", PURCHASE_COLUMNS, purchases),
        ("warranties_warranty", WARRANTY_COLUMNS, warranties),
    ):
        if copy:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([ph] * len(columns))})"  # noqa: S608
            cursor.executemany(sql, rows)
    raw.commit()
    if is_pg:
        raw.autocommit = True
    cursor.close()
    return time.perf_counter() - started


def _maybe(value, key):
    return None if value is None else key(value)


def import_bench(args, engine: str, connection) -> dict:
    """The API import of `--import-rows` CSV rows against the database's own floor in the same run (#24): a raw COPY
    (PostgreSQL) or executemany (SQLite) of the same rows into the same tables, once before and once after the
    import (the tables and their indexes grow, and the machine's load moves); the ratio is against the faster one."""
    text = import_csv_text(args.import_rows)
    data, content_type = _multipart("file", "import.csv", text.encode())
    copy = engine == "postgres"
    floor = "raw_copy" if copy else "raw_insert"
    before = raw_insert(connection, text, _fresh_user("bench_raw")[0], copy=copy)
    user, token = _fresh_user("bench_import")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    status, body, _ = request(
        args.port, "/api/import/csv", token, method="POST", body=data, headers={"Content-Type": content_type}
    )
    api_s = time.perf_counter() - started
    report = json.loads(body)
    if status != 200 or report.get("created") != args.import_rows:
        raise RuntimeError(f"import: HTTP {status}: {body[:500]!r}")
    after = raw_insert(connection, text, _fresh_user("bench_raw")[0], copy=copy)
    result = {
        "rows": args.import_rows,
        "csv_mb": round(len(data) / 1048576, 1),
        "api_seconds": round(api_s, 2),
        "api_rows_per_s": round(args.import_rows / api_s),
        "load_average_1min": round(load, 2),
        "user": user.username,
        f"{floor}_seconds_before_after": [round(before, 2), round(after, 2)],
        f"ratio_vs_{floor}": round(api_s / min(before, after), 2),
    }
    if copy:  # the other floor, for the record (an executemany of INSERTs)
        insert_s = raw_insert(connection, text, _fresh_user("bench_raw")[0], copy=False)
        result.update(raw_insert_seconds=round(insert_s, 2), ratio_vs_raw_insert=round(api_s / insert_s, 2))
    result["met"] = result[f"ratio_vs_{floor}"] <= (IMPORT_MAX_RATIO_COPY if copy else IMPORT_MAX_RATIO_INSERT)
    print(f"import: {result}", flush=True)
    return result


# Runs manage.py in this interpreter and writes the process's own peak RSS (VmHWM: per address space, so not
# inflated by the parent's pages at fork, unlike ru_maxrss which survives exec) to the file named by argv[1].
_PEAK_WRAPPER = """
import runpy, sys
out = sys.argv.pop(1)
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    status = open("/proc/self/status").read()
    open(out, "w").write(next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM")))
"""


def _export_process(env: dict, username: str) -> tuple[float, float]:
    """manage.py export_purchases --format csv in a child process → (seconds, peak RSS in MB of that process)."""
    peak_file = Path(tempfile.mkstemp(prefix="spends-bench-peak-")[1])
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "-c", _PEAK_WRAPPER, str(peak_file), "export_purchases", "--user", username,
         "--format", "csv", "-o", os.devnull],
        cwd=ROOT,
        env={**env, "DATABASE_POOL": "false"},
        stderr=subprocess.DEVNULL,
        check=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    peak_kb = int(peak_file.read_text())
    peak_file.unlink()
    return elapsed, peak_kb / 1024


def export_bench(args, env: dict, main, token: str, import_user: str | None) -> dict:
    from purchases.models import Purchase

    rows = []
    empty_user, _ = _fresh_user("bench_empty")
    base_s, base_mb = _export_process(env, empty_user.username)
    targets = [(import_user, None), (main.username, token)] if import_user else [(main.username, token)]
    for username, user_token in targets:
        from django.contrib.auth import get_user_model

        from spends.tokens import token_issue

        user = get_user_model().objects.get(username=username)
        user_token = user_token or token_issue(user=user, name="bench")[1]
        count = Purchase.objects.filter(household_id=user.membership.household_id).count()
        lines, size, http_s = stream_lines(args.port, "/api/export/csv", user_token)
        cmd_s, peak_mb = _export_process(env, username)
        row = {
            "rows": count,
            "http_seconds": round(http_s, 2),
            "http_rows_per_s": round((lines - 1) / http_s),
            "http_mb": round(size / 1048576, 1),
            "command_seconds": round(cmd_s, 2),
            "command_rows_per_s": round(count / cmd_s),
            "command_peak_rss_mb": round(peak_mb, 1),
            "empty_export_peak_rss_mb": round(base_mb, 1),
        }
        row["met"] = row["http_rows_per_s"] >= EXPORT_TARGET_RPS and peak_mb < EXPORT_MAX_MB
        print(f"export: {row}", flush=True)
        rows.append(row)
    return {"runs": rows}


def cleanup_users(connection) -> None:
    """Remove the users the run created (import, raw insert, empty), with their rows, by raw SQL (fast)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__regex=r"^bench_(import|raw|empty)_")
    ids = list(users.values_list("pk", flat=True))
    if not ids:
        return
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"DELETE FROM warranties_warranty WHERE purchase_id IN "  # noqa: S608 - placeholders only
            f"(SELECT id FROM purchases_purchase WHERE created_by_id IN ({marks}))",
            ids,
        )
        cursor.execute(f"DELETE FROM purchases_purchase WHERE created_by_id IN ({marks})", ids)  # noqa: S608
    users.delete()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generate", action="store_true", help="(re)generate the bench database(s) first")
    parser.add_argument("--purchases", type=int, default=1_000_000, help="with --generate: the main user's rows")
    parser.add_argument("--other-users", type=int, default=100)
    parser.add_argument("--other-purchases", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true", help="a second run on SQLite (smaller dataset)")
    parser.add_argument("--sqlite-purchases", type=int, default=100_000)
    parser.add_argument("--sqlite-other-users", type=int, default=10)
    parser.add_argument("--sqlite-other-purchases", type=int, default=10_000)
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3 on 2 cores)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per endpoint")
    parser.add_argument("--cold-requests", type=int, default=9, help="timed cold (cache bumped) requests")
    parser.add_argument(
        "--warmup",
        type=int,
        help="untimed requests before each endpoint's (default: enough for every worker's database connection to "
        "have prepared the endpoint's statements, as in a server that has been up a while: "
        "4 × spends.config.PREPARE_THRESHOLD × workers, as requests do not land evenly on the workers)",
    )
    parser.add_argument("--floor-reps", type=int, default=20)
    parser.add_argument("--endpoint-seconds", type=float, default=60, help="time cap per endpoint")
    parser.add_argument("--throughput-requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--write-requests", type=int, default=200, help="creates (then updates, deletes) per phase")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--skip-transfer", action="store_true", help="skip the import and export measurements")
    parser.add_argument(
        "--skip-rates-migration", action="store_true", help="skip timing the ECB history migration (SQLite, <= 30 s)"
    )
    parser.add_argument("--only", help="measure only the endpoints whose name matches this regex")
    parser.add_argument("--statement-timeout", type=int, default=30, help="seconds; bounds a pathological query")
    parser.add_argument("--engine", choices=["postgres", "sqlite"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.warmup is None:
        from spends.config import PREPARE_THRESHOLD

        args.warmup = 4 * PREPARE_THRESHOLD * args.workers

    if args.engine:  # a child run: one engine, one Django set-up
        print(json.dumps(run_engine(args, args.engine)["info"], default=str))
        return
    passthrough = [a for a in (argv if argv is not None else sys.argv[1:]) if a not in ("--generate", "--sqlite")]
    if not args.skip_rates_migration:
        # Issue #22: the migration loads the shipped ECB history within 30 s on SQLite (a throwaway file of its own).
        rates = [
            "--runs",
            "1",
            "--limit",
            str(RATES_MIGRATION_LIMIT_S),
            "--json",
            str(OUT / "results-rates-migration.json"),
        ]
        subprocess.run([sys.executable, "-m", "bench.rates_migration", *rates], cwd=ROOT, check=True)  # noqa: S603
    engines = ["postgres", "sqlite"] if args.sqlite else ["postgres"]
    for engine in engines:
        if args.generate:
            gen = ["--database-url", args.database_url]
            if engine == "sqlite":
                gen = ["--sqlite", "--purchases", str(args.sqlite_purchases), "--other-users",
                       str(args.sqlite_other_users), "--other-purchases", str(args.sqlite_other_purchases)]  # fmt: skip
            else:
                gen += ["--purchases", str(args.purchases), "--other-users", str(args.other_users),
                        "--other-purchases", str(args.other_purchases)]  # fmt: skip
            subprocess.run([sys.executable, "-m", "bench.generate", *gen], cwd=ROOT, check=True)  # noqa: S603
        subprocess.run([sys.executable, "-m", "bench.run", *passthrough, "--engine", engine], cwd=ROOT, check=True)  # noqa: S603
    print(f"\nresults: {OUT}/results-*.json, query plans: {OUT}/plans-*/ (cache: {BENCH_CACHE_URL})")


if __name__ == "__main__":
    main()
