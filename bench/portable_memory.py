"""Peak memory of the portable dump (#26): written and read back on a fresh SQLite database of its own holding
`--rows` purchases (60% with a warranty), each step in its own child process.

    python -m bench.portable_memory [--rows 100000] [--json]

Reports each child's peak RSS (getrusage RUSAGE_SELF at its end) for: loading Django and listing the models (the
floor), writing the dump (backups.portable.write_portable) and reading every line back with its checks
(validate_portable, what a restore does before it writes), with the times and the dump's size.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.import_memory import ROOT, environment

GENERATE = """
import datetime, random
from decimal import Decimal
from django.contrib.auth import get_user_model
from households.models import Membership
from purchases.models import Purchase
from warranties.models import Warranty
rng = random.Random(7)
user = get_user_model().objects.create_user("bench")
household = Membership.objects.get(user=user).household_id
def purchase(i):
    day = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(2000))
    price = Decimal(rng.randrange(1, 99999)) / 100
    return Purchase(household_id=household, created_by=user, product_name=f"Item {{i}} ✓", price=price,
                    currency_code="USD", status="RECEIVED", purchase_date=day, notes="x" * rng.randrange(200))
def warranty(p):
    return Warranty(purchase=p, warranty_start=p.purchase_date, warranty_end=p.purchase_date + datetime.timedelta(730))
for start in range(0, {rows}, 5000):
    batch = Purchase.objects.bulk_create([purchase(i) for i in range(start, min(start + 5000, {rows}))])
    Warranty.objects.bulk_create([warranty(p) for p in batch if rng.random() < 0.6])
"""
PEAK = "import resource; print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
STEPS = {
    "floor": "from backups import portable; portable.portable_models()",
    "write": "from pathlib import Path; from backups import portable; import json; "
    "Path('{dump}.json').write_text(json.dumps(portable.write_portable(Path('{dump}'))))",
    "read": "from pathlib import Path; from backups import portable; import json; "
    "portable.validate_portable(Path('{dump}'), json.loads(Path('{dump}.json').read_text()))",
}


def shell(env: dict, code: str) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of `manage.py shell -c code` in a child process."""
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "shell", "-c", f"{code}\n{PEAK}"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    peak = next(line for line in done.stdout.splitlines() if line.startswith("PEAK"))
    return int(peak.split()[1]) / 1024, time.monotonic() - started


def measure(rows: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="portable-bench-") as folder:
        work = Path(folder)
        env = environment(work)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        shell(env, GENERATE.format(rows=rows))
        dump = work / "portable.jsonl"
        result = {"rows": rows}
        for name, code in STEPS.items():
            peak, seconds = shell(env, code.format(dump=dump))
            result[name] = {"peak_rss_mb": round(peak, 1), "seconds": round(seconds, 1)}
        result["dump_mb"] = round(dump.stat().st_size / 1024 / 1024, 1)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.rows)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['rows']:,} purchases, portable dump {result['dump_mb']} MB")
    for name in STEPS:
        print(f"  {name:6} peak RSS {result[name]['peak_rss_mb']:7.1f} MB  {result[name]['seconds']:6.1f} s")


if __name__ == "__main__":
    main()
