"""`python -m bench.side_by_side`: our API and Warracker's, side by side on the same machine (issue #24).

Issue #24 compares our create and dashboard with Warracker's (https://github.com/sassanix/Warracker). Figures taken
at different times on a shared machine cannot be compared, so this bench runs both apps at once and interleaves
them request by request (who goes first alternates), so that both see the same load:

- **create**: our `POST /api/purchases` with a nested warranty (the body of bench.writes) against Warracker's
  `POST /api/warranties`, a multipart form with the fields its web UI's add-warranty form sends (a 2-year warranty,
  no files, no tags);
- **dashboard cold**: our `GET /api/analytics/dashboard` with the household's data version bumped before each
  request (no cached answer) against Warracker's `GET /api/statistics`, which its status page shows and which has no
  cache at all.

Each side: gunicorn with 3 sync workers on 127.0.0.1, a new connection per request, medians and p95 after a warm-up.
Ours is served as `python -m bench.run` serves it (production settings, connection pool, the bench's Redis:
BENCH_CACHE_URL) on an existing bench database (`python -m bench.generate`), as its user `bench`. Warracker is set up
afresh by bench/peer_warracker.py under Warracker's own venv (see its docstring for the one-time set-up), with
`--items` warranties (by default as many as the bench user has purchases), and its database dropped at the end.

Both servers are started and stopped here; every purchase and warranty created here is deleted again through each
API, and the token issued for the run is revoked. Results: a table on stdout, bench/out/side-by-side-<items>.json.
"""

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import writes
from bench.env import DEFAULT_PG_URL, MAIN_USER, app_env, configure_django
from bench.run import OUT, Server, request, stats

PEER_SCRIPT = Path(__file__).resolve().parent / "peer_warracker.py"
TOKEN_NAME = "side-by-side"
READY_SECONDS = 600  # Warracker's set-up: migrations and the seed (a few seconds at 10k warranties)


# --- Warracker ------------------------------------------------------------------------------------------------------


def _multipart(fields: list[tuple[str, str]], files: list[str]) -> tuple[bytes, str]:
    """multipart/form-data as a browser's FormData sends it, the empty file inputs included."""
    boundary = "----WebKitFormBoundary" + uuid.uuid4().hex[:16]
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        for k in files
    ]
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def warracker_create_form(i: int) -> tuple[bytes, str]:
    """The fields Warracker's add-warranty form (frontend/index.html #warrantyForm, script.js) sends for a
    duration-based, non-lifetime warranty without files or tags; → (body, content type)."""
    fields = [
        ("product_name", f"Bench product {i}"),
        ("purchase_date", (datetime.date.today() - datetime.timedelta(days=i % 300)).isoformat()),
        ("currency", "USD"),
        ("purchase_price", f"{19 + (i % 500)}.99"),
        ("vendor", "Bench Store"),
        *[(name, "") for name in ("warranty_type", "model_number", "product_url", "serial_numbers[]", "notes")],
        ("warranty_method", "duration"),
        ("warranty_duration_years", "2"),
        ("warranty_duration_months", "0"),
        ("warranty_duration_days", "0"),
        ("invoiceStorage", "local"),
        ("manualStorage", "local"),
        ("tag_ids", "[]"),
        *[(name, "") for name in ("invoice_url", "manual_url", "other_document_url")],
        ("is_lifetime", "false"),
    ]
    return _multipart(fields, ["invoice", "manual", "other_document", "product_photo"])


def start_warracker(args, items: int, work: Path) -> tuple[subprocess.Popen, dict]:
    """bench/peer_warracker.py serve under Warracker's venv, in its own session; → (process, its ready file)."""
    ready, log = work / "warracker-ready.json", work / "warracker-serve.log"
    cmd = [
        str(args.warracker_venv / "bin" / "python"), str(PEER_SCRIPT), "serve", "--items", str(items),
        "--port", str(args.warracker_port), "--ready-file", str(ready), "--workers", str(args.workers),
        "--warracker-src", str(args.warracker_src), "--warracker-venv", str(args.warracker_venv),
        "--database", args.warracker_database, "--role", args.warracker_role,
    ]  # fmt: skip
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603 - Warracker's venv running our own script
            cmd, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if ready.exists():
            return process, json.loads(ready.read_text())
        if process.poll() is not None:
            raise RuntimeError(f"bench/peer_warracker.py exited: {log.read_text()[-3000:]}")
        time.sleep(0.5)
    stop_warracker(process)
    raise RuntimeError(f"Warracker was not ready within {READY_SECONDS} s")


def stop_warracker(process: subprocess.Popen | None) -> None:
    """SIGTERM to its session: peer_warracker.py stops its gunicorn and drops its database."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # our own child's process group only (start_new_session)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- the pairs ------------------------------------------------------------------------------------------------------


class Pairs:
    """The four requests of the comparison; remembers what each create made, for `clean_up`."""

    def __init__(self, args, token: str, currency: str, bump, peer: dict):
        self.args, self.token, self.currency, self.bump = args, token, currency, bump
        self.peer_port, self.peer_auth = peer["port"], {"Authorization": f"Bearer {peer['token']}"}
        self.ours_ids, self.peer_ids = [], []

    def ours_create(self, i: int) -> float:
        body = json.dumps(writes._body(i, self.currency)).encode()
        status, data, elapsed = request(
            self.args.port, "/api/purchases", self.token, method="POST", body=body,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        if status != 201:
            raise RuntimeError(f"our create: HTTP {status}: {data[:300]!r}")
        self.ours_ids.append(json.loads(data)["id"])
        return elapsed

    def peer_create(self, i: int) -> float:
        body, content_type = warracker_create_form(i)
        headers = {**self.peer_auth, "Content-Type": content_type}
        status, data, elapsed = request(self.peer_port, "/api/warranties", method="POST", body=body, headers=headers)
        if status != 201:
            raise RuntimeError(f"Warracker's create: HTTP {status}: {data[:300]!r}")
        self.peer_ids.append(json.loads(data)["id"])
        return elapsed

    def ours_dashboard(self, _i: int) -> float:
        self.bump()
        status, data, elapsed = request(self.args.port, "/api/analytics/dashboard", self.token)
        if status != 200:
            raise RuntimeError(f"our dashboard: HTTP {status}: {data[:300]!r}")
        return elapsed

    def peer_statistics(self, _i: int) -> float:
        status, data, elapsed = request(self.peer_port, "/api/statistics", headers=self.peer_auth)
        if status != 200:
            raise RuntimeError(f"Warracker's statistics: HTTP {status}: {data[:300]!r}")
        return elapsed

    def clean_up(self) -> None:
        """Delete what the creates made, through each API."""
        for pk in self.ours_ids:
            status, data, _ = request(self.args.port, f"/api/purchases/{pk}", self.token, method="DELETE")
            if status != 204:
                raise RuntimeError(f"our delete: HTTP {status}: {data[:300]!r}")
        for pk in self.peer_ids:
            status, data, _ = request(self.peer_port, f"/api/warranties/{pk}", method="DELETE", headers=self.peer_auth)
            if status != 200:
                raise RuntimeError(f"Warracker's delete: HTTP {status}: {data[:300]!r}")
        self.ours_ids, self.peer_ids = [], []


def interleave(ours, peer, warmup: int, count: int) -> dict:
    """`warmup` + `count` rounds of one request each, alternating who goes first; → stats of the timed rounds."""
    times = {"ours": [], "warracker": []}
    calls = [("ours", ours), ("warracker", peer)]
    for i in range(warmup + count):
        for name, call in calls if i % 2 == 0 else calls[::-1]:
            elapsed = call(i)
            if i >= warmup:
                times[name].append(elapsed)
    result = {name: {k: round(v, 2) for k, v in stats(samples).items()} for name, samples in times.items()}
    result["ratio_of_medians"] = round(result["ours"]["median_ms"] / result["warracker"]["median_ms"], 2)
    return result


# --- the run --------------------------------------------------------------------------------------------------------


def _our_side(args, work: Path):
    """Django in this process on the bench database; → (user, token, household currency, purchases, bump)."""
    configure_django(args.database_url, work)
    from django.contrib.auth import get_user_model

    from households.models import Household
    from purchases.models import Purchase
    from spends import data_versions
    from spends.models import ApiToken
    from spends.tokens import token_issue

    user = get_user_model().objects.get(username=MAIN_USER)
    household_id = user.membership.household_id
    ApiToken.objects.filter(user=user, name=TOKEN_NAME).delete()  # a previous run's, if it was killed
    token = token_issue(user=user, name=TOKEN_NAME)[1]
    currency = Household.objects.values_list("home_currency", flat=True).get(pk=household_id)
    purchases = Purchase.objects.filter(household_id=household_id).count()
    scope = data_versions.household_scope(household_id)
    return user, token, currency, purchases, lambda: data_versions.bump(scope)


def measure(args, work: Path) -> dict:
    """Both servers up, the two comparisons, everything created deleted again, both servers down."""
    user, token, currency, purchases, bump = _our_side(args, work)
    from spends.models import ApiToken  # once Django is set up

    items = args.items if args.items is not None else purchases
    results = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([Path(sys.executable).name, "-m", "bench.side_by_side", *sys.argv[1:]]),
        "nproc": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "workers": args.workers,
        "ours_purchases": purchases,
    }
    peer_process = None
    try:
        peer_process, peer = start_warracker(args, items, work)
        results["warracker_items"] = peer["items"]
        with Server(app_env(args.database_url, work), args.port, args.workers, work / "gunicorn.log"):
            pairs = Pairs(args, token, currency, bump, peer)
            try:
                results["create"] = interleave(pairs.ours_create, pairs.peer_create, args.warmup, args.requests)
                results["dashboard_cold"] = interleave(
                    pairs.ours_dashboard, pairs.peer_statistics, args.dashboard_warmup, args.dashboard_requests
                )
            finally:
                pairs.clean_up()
    finally:
        stop_warracker(peer_process)
        ApiToken.objects.filter(user=user, name=TOKEN_NAME).delete()
    results["load_average_at_end"] = os.getloadavg()
    return results


def report(results: dict) -> None:
    print(
        f"\nours: {results['ours_purchases']} purchases; Warracker: {results['warracker_items']} warranties; "
        f"{results['workers']} sync workers each; load average {results['load_average_at_start'][0]:.2f} at start, "
        f"{results['load_average_at_end'][0]:.2f} at end"
    )
    print(f"{'':34s} {'ours median':>12s} {'p95':>8s} {'Warracker median':>17s} {'p95':>8s} {'ours/theirs':>12s}")
    rows = [
        ("create", "create (POST, n={n})"),
        ("dashboard_cold", "dashboard cold / statistics (n={n})"),
    ]
    for key, label in rows:
        row = results[key]
        ours, peer = row["ours"], row["warracker"]
        print(
            f"{label.format(n=ours['n']):34s} {ours['median_ms']:9.2f} ms {ours['p95_ms']:8.2f} "
            f"{peer['median_ms']:14.2f} ms {peer['p95_ms']:8.2f} {row['ratio_of_medians']:12.2f}"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_PG_URL, help="our bench database (PostgreSQL)")
    parser.add_argument("--items", type=int, help="Warracker's seeded warranties (default: the bench user's purchases)")
    parser.add_argument("--requests", type=int, default=200, help="timed creates per app")
    parser.add_argument("--warmup", type=int, default=20, help="untimed creates per app first")
    parser.add_argument("--dashboard-requests", type=int, default=60, help="timed dashboards/statistics per app")
    parser.add_argument("--dashboard-warmup", type=int, default=15)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers of each app")
    parser.add_argument("--port", type=int, default=8952, help="our gunicorn")
    parser.add_argument("--warracker-port", type=int, default=8971)
    parser.add_argument("--warracker-src", type=Path, default=Path("/work/warracker"), help="Warracker's source")
    parser.add_argument("--warracker-venv", type=Path, default=Path("/work/warracker-venv"), help="its venv")
    parser.add_argument("--warracker-database", default="warracker_bench", help="dropped and re-created")
    parser.add_argument("--warracker-role", default="warracker_bench")
    args = parser.parse_args(argv)
    args.warracker_src, args.warracker_venv = args.warracker_src.resolve(), args.warracker_venv.absolute()
    if not (args.warracker_venv / "bin" / "python").exists():
        parser.error(f"no venv at {args.warracker_venv} (see the set-up in bench/peer_warracker.py)")
    if not (args.warracker_src / "backend" / "gunicorn_config.py").exists():
        parser.error(f"no Warracker source at {args.warracker_src} (see the set-up in bench/peer_warracker.py)")
    with tempfile.TemporaryDirectory(prefix="spends-side-by-side-") as tmp:
        results = measure(args, Path(tmp))
    report(results)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"side-by-side-{results['warracker_items']}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
