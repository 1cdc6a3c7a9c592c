"""Peak memory and write-lock time of a big import (#18 item 5), on a fresh SQLite database of its own.

    python -m bench.import_memory [--rows 100000] [--json]

1. `manage.py import_purchases FILE` in a child process: its peak RSS (getrusage of the child).
2. The same file through `POST /api/import/csv|json` in this process (Django's test client; note that the client
   builds the multipart body in memory, about twice the file): peak RSS before and after, and the longest time a
   second connection had to wait for the write lock (it tries BEGIN IMMEDIATE every 20 ms meanwhile).
"""

import argparse
import csv
import datetime
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["Espresso", "Machine", "Laptop", "Phone", "Cable", "Lamp", "Chair", "Desk", "Monitor", "Kettle", "Drill"]


def write_file(path: Path, rows: int, as_json: bool) -> None:
    """`rows` purchases from 200 retailers and 150 brands, 60% with a warranty: CSV, or the JSON export document."""
    rng = random.Random(7)
    purchases = []
    for i in range(rows):
        day = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(2000))
        purchase = {
            "product_name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} DT-{i}",
            "price": f"{rng.randrange(1, 500000) / 100:.2f}",
            "currency_code": rng.choice(["USD", "EUR", "GBP"]),
            "retailer_name": f"Shop {rng.randrange(200)}",
            "brand_name": f"Brand {rng.randrange(150)}",
            "status": rng.choice(["ORDERED", "RECEIVED"]),
            "purchase_date": day.isoformat(),
            "notes": rng.choice(["", "gift", "for the office, second floor"]),
            "warranty": None,
        }
        if rng.random() < 0.6:
            end = (day + datetime.timedelta(days=730)).isoformat()
            purchase["warranty"] = {"warranty_start": day.isoformat(), "warranty_end": end, "provider": "Maker"}
        purchases.append(purchase)
    if as_json:
        path.write_text(json.dumps({"format": "spends-tracker", "version": 1, "purchases": purchases}))
        return
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(["product_name", "price", "currency_code", "retailer", "brand", "status", "purchase_date",
                      "notes", "warranty_start", "warranty_end", "warranty_provider"])  # fmt: skip
        for p in purchases:
            w = p["warranty"] or {}
            cells = [value for key, value in p.items() if key != "warranty"]
            out.writerow([*cells, w.get("warranty_start", ""), w.get("warranty_end", ""), w.get("provider", "")])


def environment(work: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "spends.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "DATA_DIR": str(work),
        "ALLOWED_HOSTS": "testserver",
        "IMPORT_MAX_UPLOAD_SIZE": str(512 * 1024 * 1024),
    }


def command_peak(work: Path, path: Path) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of manage.py import_purchases for a new user on a new database."""
    env, python = environment(work / "command"), sys.executable
    (work / "command").mkdir()
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603 - our own command
    create = "from django.contrib.auth import get_user_model; get_user_model().objects.create_user('bench')"
    subprocess.run([python, "manage.py", "shell", "-c", create], cwd=ROOT, env=env, check=True)  # noqa: S603
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    args = [python, "manage.py", "import_purchases", str(path), "--user", "bench"]
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak > before, "the import's child must be the largest child so far"
    return peak / 1024, time.monotonic() - started


def api_peak(work: Path, path: Path, kind: str) -> dict:
    os.environ.update(environment(work))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.test import APIClient

    call_command("migrate", verbosity=0)
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("bench"))
    rss_before = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    longest, stop = [0.0], threading.Event()

    def probe():  # another writer: how long is the write lock unavailable at a stretch?
        other = sqlite3.connect(work / "db.sqlite3", timeout=0.01, isolation_level=None)
        waiting = None
        while not stop.is_set():
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                if waiting:
                    longest[0], waiting = max(longest[0], time.monotonic() - waiting), None
            except sqlite3.OperationalError:
                waiting = waiting or time.monotonic()
            time.sleep(0.02)

    prober = threading.Thread(target=probe)
    prober.start()
    started = time.monotonic()
    with path.open("rb") as file:
        response = client.post(f"/api/import/{kind}", {"file": file}, format="multipart")
    seconds = time.monotonic() - started
    stop.set()
    prober.join()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = response.json()
    return {
        "status": response.status_code,
        "created": report.get("created"),
        "rss_before_mb": round(rss_before),
        "peak_mb": round(peak),
        "seconds": round(seconds, 1),
        "longest_lock_wait_s": round(longest[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="a JSON export document instead of a CSV file")
    args = parser.parse_args()
    kind = "json" if args.json else "csv"
    with tempfile.TemporaryDirectory(prefix="spends-import-bench-") as tmp:
        work = Path(tmp)
        path = work / f"import.{kind}"
        write_file(path, args.rows, args.json)
        print(f"{args.rows} rows, {path.stat().st_size / 2**20:.1f} MB of {kind.upper()}", flush=True)
        peak, seconds = command_peak(work, path)
        print(f"manage.py import_purchases: peak RSS {peak:.0f} MB, {seconds:.1f} s", flush=True)
        print("API in-process:", json.dumps(api_peak(work, path, kind)), flush=True)


if __name__ == "__main__":
    main()
