"""`python bench/peer_warracker.py serve --items N --port P --ready-file F`: Warracker, served for a comparison.

Warracker (https://github.com/sassanix/Warracker, Flask + PostgreSQL) is the peer issue #24 measures us against.
`python -m bench.side_by_side` starts this script and sends the same kind of requests to both apps, one after the
other; this module is only Warracker's side of it. It runs under Warracker's own venv and imports nothing but the
standard library and psycopg2 (Warracker's driver): not Django, not our packages.

`serve`:

1. drops and re-creates the PostgreSQL database `--database` (owned by the login role `--role`, created if missing);
2. applies Warracker's own migrations and permission fixes as its Docker entrypoint does
   (`backend/migrations/apply_migrations.py`, `backend/fix_permissions.py`, `pybabel compile`);
3. starts Warracker's gunicorn with its own config file, `--workers` sync workers (its "ultra-light" mode: no gevent
   monkey patching, the same worker model as ours) on 127.0.0.1:`--port`;
4. registers a user and logs in through its API (the first user becomes its admin), then inserts `--items`
   warranties for that user by SQL (the columns and values its `add_warranty` writes; 60 % with a warranty period,
   40 % lifetime, its only valid form of "no end date") and runs `VACUUM ANALYZE`;
5. writes {"port", "token", "items"} to `--ready-file` (JSON) and serves until SIGTERM or SIGINT, then stops
   gunicorn and drops the database (unless `--keep-database`).

Only 127.0.0.1 is ever contacted. Logs and uploads go to a temporary folder, removed at the end.

One-time set-up (the commit measured in issue #24 is 1b3d80355fd5a7dd97c5fffd95c1467446deba28; psycopg2 is built
from source, so it needs libpq's headers and a C compiler):

    git clone https://github.com/sassanix/Warracker.git /tmp/warracker-repo
    mkdir -p /work/warracker
    git -C /tmp/warracker-repo archive 1b3d80355fd5a7dd97c5fffd95c1467446deba28 | tar -x -C /work/warracker
    python3 -m venv /work/warracker-venv
    /work/warracker-venv/bin/pip install -r /work/warracker/backend/requirements.txt

`--warracker-src` and `--warracker-venv` point elsewhere (defaults /work/warracker and /work/warracker-venv).
"""

import argparse
import calendar
import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import psycopg2.extras
from psycopg2 import sql

HOST = "127.0.0.1"  # the only address this script ever sends traffic to
DEFAULT_SRC = Path("/work/warracker")
DEFAULT_VENV = Path("/work/warracker-venv")
USER = {"username": "bench", "email": "bench@example.com", "password": "BenchPass123"}
SECRET_KEY = "warracker-bench-secret-key-0123456789abcdef"
START_SECONDS = 60
# (years, months, days) of the seeded warranty periods.
PERIODS = [(1, 0, 0), (2, 0, 0), (3, 0, 0), (0, 6, 0), (0, 0, 90)]
WARRANTY_COLUMNS = (
    "product_name, purchase_date, expiration_date, invoice_path, manual_path, other_document_path, product_url, "
    "purchase_price, user_id, is_lifetime, notes, vendor, warranty_type, warranty_duration_years, "
    "warranty_duration_months, warranty_duration_days, product_photo_path, currency, paperless_invoice_id, "
    "paperless_manual_id, paperless_photo_id, paperless_other_id, invoice_url, manual_url, other_document_url, "
    "model_number"
)


# --- the database ---------------------------------------------------------------------------------------------------


def fresh_database(args) -> None:
    """Create the login role if missing (password = its name), drop and re-create the database it owns."""
    conn = psycopg2.connect(host=HOST, port=args.pg_port, user=args.pg_superuser, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (args.role,))
        if not cur.fetchone():
            cur.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(args.role), sql.Literal(args.role))
            )
        drop_database(cur, args.database)
        create = sql.SQL("CREATE DATABASE {} OWNER {}")
        cur.execute(create.format(sql.Identifier(args.database), sql.Identifier(args.role)))
    conn.close()


def drop_database(cur, name: str) -> None:
    cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def app_env(args, work: Path) -> dict:
    """os.environ plus Warracker's settings (backend/config.py), pointed at the bench database."""
    env = dict(os.environ)
    env.update(
        DB_HOST=HOST,
        DB_PORT=str(args.pg_port),
        DB_NAME=args.database,
        DB_USER=args.role,
        DB_PASSWORD=args.role,
        # A non-superuser role: migrations 009z/010 try to create this admin role and to ALTER ROLE ... CREATEROLE;
        # both are wrapped in EXCEPTION blocks there and skipped.
        DB_ADMIN_USER=f"{args.role}_admin",
        DB_ADMIN_PASSWORD="unused",
        SECRET_KEY=SECRET_KEY,
        UPLOAD_FOLDER=str(work / "uploads"),
        # backend/gunicorn_config.py: "ultra-light" means sync workers and no gevent monkey patching.
        WARRACKER_MEMORY_MODE="ultra-light",
        PYTHONUNBUFFERED="1",
    )
    return env


def _run(cmd: list, env: dict, cwd: Path, *, check: bool = True) -> None:
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)  # noqa: S603 - Warracker's venv
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}")


def migrate(args, env: dict, work: Path) -> None:
    """What Warracker's Docker/entrypoint.sh runs before it starts the app."""
    (work / "uploads").mkdir(parents=True, exist_ok=True)
    python, src = args.warracker_venv / "bin" / "python", args.warracker_src
    _run([python, src / "backend" / "migrations" / "apply_migrations.py"], env, src)
    _run([python, src / "backend" / "fix_permissions.py"], env, src)
    # The entrypoint tolerates a failure of this one too.
    _run([args.warracker_venv / "bin" / "pybabel", "compile", "-d", "locales"], env, src, check=False)


def _expiration(purchased: dt.date, years: int, months: int, days: int) -> dt.date:
    """relativedelta(years=, months=, days=) for the periods of PERIODS (what Warracker computes)."""
    month0 = purchased.month - 1 + months
    year, month = purchased.year + years + month0 // 12, month0 % 12 + 1
    day = min(purchased.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) + dt.timedelta(days=days)


def _row(rnd: random.Random, today: dt.date, i: int, user_id: int) -> tuple:
    purchased = today - dt.timedelta(days=rnd.randint(0, 4 * 365))
    price = round(rnd.uniform(5, 2500), 2)
    if rnd.random() < 0.6:
        years, months, days = rnd.choice(PERIODS)
        expires, lifetime = _expiration(purchased, years, months, days), False
    else:
        years = months = days = 0
        expires, lifetime = None, True
    return (
        f"Seed item {i}", purchased, expires, None, None, None, "", price, user_id, lifetime, "", "Seed Vendor", "",
        years, months, days, None, "USD", None, None, None, None, "", "", "", "",
    )  # fmt: skip


def seed(args, user_id: int, items: int) -> int:
    """Insert `items` warranties for `user_id` (one statement per 1000 rows), VACUUM ANALYZE; → the row count."""
    rnd, today = random.Random(42), dt.date.today()
    rows = [_row(rnd, today, i, user_id) for i in range(items)]
    conn = psycopg2.connect(host=HOST, port=args.pg_port, user=args.role, password=args.role, dbname=args.database)
    with conn.cursor() as cur:
        insert = sql.SQL("INSERT INTO warranties ({}) VALUES %s").format(sql.SQL(WARRANTY_COLUMNS))
        psycopg2.extras.execute_values(cur, insert, rows, page_size=1000)
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE warranties")
        cur.execute("SELECT count(*) FROM warranties")
        count = cur.fetchone()[0]
    conn.close()
    return count


# --- the server -----------------------------------------------------------------------------------------------------


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    """One JSON request on a fresh connection; → (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        data = None if body is None else json.dumps(body)
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start_gunicorn(args, env: dict, log: Path) -> subprocess.Popen:
    """Warracker's gunicorn with its config file, in its own session; returns once it answers."""
    cmd = [
        args.warracker_venv / "bin" / "gunicorn", "--config", args.warracker_src / "backend" / "gunicorn_config.py",
        "-w", str(args.workers), "-k", "sync", "-b", f"{HOST}:{args.port}", "--max-requests", "0",
        "backend:create_app()",
    ]  # fmt: skip
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603 - Warracker's own venv's gunicorn
            cmd, cwd=args.warracker_src, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"Warracker's gunicorn exited: {log.read_text()[-2000:]}")
        try:
            if request(args.port, "GET", "/api/auth/registration-status")[0] < 500:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(process)
    raise SystemExit(f"Warracker's gunicorn did not answer within {START_SECONDS} s")


def stop_gunicorn(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own process group only (start_new_session)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def log_in(port: int) -> tuple[str, int]:
    """Register USER through the API (the first user: its admin) and log in; → (JWT, user id)."""
    status, data = request(port, "POST", "/api/auth/register", USER)
    if status != 201:
        raise SystemExit(f"register: HTTP {status}: {data[:300]!r}")
    status, data = request(port, "POST", "/api/auth/login", {k: USER[k] for k in ("username", "password")})
    if status != 200:
        raise SystemExit(f"login: HTTP {status}: {data[:300]!r}")
    answer = json.loads(data)
    return answer["token"], answer["user"]["id"]


def _stop_on_signal(*_):
    raise SystemExit(0)


def serve(args) -> None:
    """Set up, seed, write the ready file, serve until SIGTERM/SIGINT; always stop gunicorn and clean up."""
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)
    work = Path(tempfile.mkdtemp(prefix="warracker-bench-"))
    env, process = app_env(args, work), None
    try:
        started = time.monotonic()
        fresh_database(args)
        migrate(args, env, work)
        process = start_gunicorn(args, env, work / "gunicorn.log")
        token, user_id = log_in(args.port)
        count = seed(args, user_id, args.items)
        print(f"Warracker: {count} warranties on {HOST}:{args.port}, ready in {time.monotonic() - started:.1f} s")
        ready = args.ready_file.with_name(args.ready_file.name + ".tmp")
        ready.write_text(json.dumps({"port": args.port, "token": token, "items": count}))
        ready.replace(args.ready_file)  # the reader never sees half a file
        while process.poll() is None:
            time.sleep(1)
        raise SystemExit(f"Warracker's gunicorn exited: {(work / 'gunicorn.log').read_text()[-2000:]}")
    finally:
        stop_gunicorn(process)
        if not args.keep_database:
            conn = psycopg2.connect(host=HOST, port=args.pg_port, user=args.pg_superuser, dbname="postgres")
            conn.autocommit = True
            with conn.cursor() as cur:
                drop_database(cur, args.database)
            conn.close()
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("serve", help="set up, seed and serve Warracker until SIGTERM")
    p.add_argument("--items", type=int, default=1000, help="warranties to seed for the bench user")
    p.add_argument("--port", type=int, default=8971)
    p.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (ours: 3 on 2 cores)")
    p.add_argument("--ready-file", type=Path, required=True, help='JSON {"port", "token", "items"}, once it serves')
    p.add_argument("--warracker-src", type=Path, default=DEFAULT_SRC, help="Warracker's source (see above)")
    p.add_argument("--warracker-venv", type=Path, default=DEFAULT_VENV, help="a venv with its requirements")
    p.add_argument("--database", default="warracker_bench", help="dropped and re-created (default: %(default)s)")
    p.add_argument("--role", default="warracker_bench", help="login role owning it (password = its name)")
    p.add_argument("--pg-port", type=int, default=5432)
    p.add_argument("--pg-superuser", default="postgres", help="connects without a password, as our bench does")
    p.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args(argv)
    args.warracker_src, args.warracker_venv = args.warracker_src.resolve(), args.warracker_venv.absolute()
    if not (args.warracker_src / "backend" / "gunicorn_config.py").exists():
        parser.error(f"no Warracker source at {args.warracker_src} (see the set-up above)")
    serve(args)


if __name__ == "__main__":
    main()
