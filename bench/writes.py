"""The writes of `python -m bench.run` (issue #24): a purchase with one warranty created over HTTP against a bare-view
floor, and create/update/delete throughput with concurrent clients.

- **create**: `POST /api/purchases` with a nested warranty (the API: token, scope, validation, one transaction,
  the answer rendered from memory), interleaved request by request with `POST /bench/create-floor`, a plain Django
  view that does the same writes (the purchase's and the warranty's INSERT and the data-version bump, in one
  transaction, through the raw cursor) and answers a constant: so both see the same machine load. Medians.
  Then the same purchases are updated (`PATCH` with the warranty) and deleted, one at a time (medians).
- **throughput**: `--concurrency` client threads (8 by default) create `--write-requests` purchases, then update
  them, then delete them; requests per second and latencies of each phase, each bounded by 60 s.

Every purchase written here is deleted again (the API's, through the API; the floor's, by raw SQL), so the bench
database keeps its size. The Warracker figures are those of the issue (#24), measured on this kind of machine.
"""

import json
import threading
import time
import uuid

from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone

WARRACKER_CREATE_MS = {"1k": 5.9, "10k": 8.1}  # issue #24: their create of a purchase with a warranty, medians
PHASE_SECONDS = 60


# --- the floor (served by gunicorn through bench.urls) ----------------------------------------------------------------


def _key(value: uuid.UUID):
    return value if connection.vendor == "postgresql" else value.hex


def create_floor(request):
    """The writes of a create, and nothing else: parse the JSON body, INSERT the purchase and its warranty and bump
    the household's data version in one transaction (raw cursor), answer a constant. No auth, no validation."""
    from spends import data_versions

    body = json.loads(request.body)
    now = timezone.now()
    stamp = now if connection.vendor == "postgresql" else now.replace(tzinfo=None).isoformat(sep=" ")
    purchase_id, warranty_id = uuid.uuid4(), uuid.uuid4()
    warranty = body["warranty"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO purchases_purchase (id, household_id, created_by_id, product_name, price, currency_code, "
            "status, purchase_date, notes, exchange_rate, home_price, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 1, %s, %s, %s)",
            [
                _key(purchase_id), _key(uuid.UUID(body["household_id"])), body["user_id"], body["product_name"],
                body["price"], body["currency_code"], "ORDERED", body["purchase_date"], "", body["price"], stamp, stamp,
            ],
        )  # fmt: skip
        cursor.execute(
            "INSERT INTO warranties_warranty (id, purchase_id, warranty_start, warranty_end, warranty_type, status, "
            "provider, notes, cost, reference, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, 'LIMITED', 'ACTIVE', %s, '', NULL, '', %s, %s)",
            [
                _key(warranty_id), _key(purchase_id), warranty["warranty_start"], warranty["warranty_end"],
                warranty["provider"], stamp, stamp,
            ],
        )  # fmt: skip
        data_versions.bump(data_versions.household_scope(body["household_id"]))
    return HttpResponse(b'{"ok": true}', status=201, content_type="application/json")


# --- the client ---------------------------------------------------------------------------------------------------


def _body(i: int, currency: str) -> dict:
    return {
        "product_name": f"Bench kettle {i}",
        "price": "49.90",
        "currency_code": currency,
        "purchase_date": "2026-03-01",
        "warranty": {"warranty_start": "2026-03-01", "warranty_end": "2028-03-01", "provider": "Maker"},
    }


def _send(port, method, path, token, body=None):
    from bench.run import request

    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data else None
    return request(port, path, token, method=method, body=data, headers=headers)


def _sequential(args, token, household_id, user_id, currency) -> dict:
    """Create (interleaved with the floor), then update, then delete, one request at a time."""
    from bench.run import stats

    floor_extra = {"household_id": str(household_id), "user_id": user_id}
    api, floor, ids = [], [], []
    for i in range(args.warmup + args.write_requests):
        body = _body(i, currency)
        calls = [("api", lambda b=body: _send(args.port, "POST", "/api/purchases", token, b))]
        calls.append(
            ("floor", lambda b=body: _send(args.port, "POST", "/bench/create-floor", None, {**b, **floor_extra}))
        )
        for name, call in calls if i % 2 == 0 else calls[::-1]:  # alternate who goes first
            status, data, elapsed = call()
            if status != 201:
                raise RuntimeError(f"create ({name}): HTTP {status}: {data[:300]!r}")
            if name == "api":
                ids.append(json.loads(data)["id"])
            if i >= args.warmup:
                (api if name == "api" else floor).append(elapsed)
    update, delete = [], []
    for i, pk in enumerate(ids):
        body = {"price": "39.90", "warranty": {"provider": f"Shop {i}"}}
        status, data, elapsed = _send(args.port, "PATCH", f"/api/purchases/{pk}", token, body)
        if status != 200:
            raise RuntimeError(f"update: HTTP {status}: {data[:300]!r}")
        update.append(elapsed)
    for pk in ids:
        status, data, elapsed = _send(args.port, "DELETE", f"/api/purchases/{pk}", token)
        if status != 204:
            raise RuntimeError(f"delete: HTTP {status}: {data[:300]!r}")
        delete.append(elapsed)
    create_stats, floor_stats = stats(api), stats(floor)
    return {
        "create": create_stats,
        "create_floor": floor_stats,
        "create_minus_floor_ms": round(create_stats["median_ms"] - floor_stats["median_ms"], 2),
        "update": stats(update[args.warmup :]),
        "delete": stats(delete[args.warmup :]),
        "warracker_create_ms": WARRACKER_CREATE_MS,
    }


def _concurrent(args, jobs: list) -> tuple[dict, list]:
    """Run `jobs` ((method, path, body, expected status)) on `args.concurrency` threads; → (numbers, answers)."""
    from bench.run import stats

    lock = threading.Lock()
    state = {"next": 0, "errors": 0}
    latencies, answers = [], []
    deadline = time.monotonic() + PHASE_SECONDS

    def client():
        while True:
            with lock:
                index = state["next"]
                if index >= len(jobs) or time.monotonic() > deadline:
                    return
                state["next"] += 1
            method, path, body, expected = jobs[index]
            status, data, elapsed = _send(args.port, method, path, args.write_token, body)
            with lock:
                latencies.append(elapsed)
                state["errors"] += status != expected
                if status == expected and data:
                    answers.append(json.loads(data))

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    numbers = {
        "clients": args.concurrency,
        "requests": len(latencies),
        "errors": state["errors"],
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(latencies) / elapsed, 1),
        **{k: round(v, 2) for k, v in stats(latencies).items() if k != "n"},
    }
    return numbers, answers


def _throughput(args, currency) -> dict:
    n = args.write_requests
    created, answers = _concurrent(args, [("POST", "/api/purchases", _body(i, currency), 201) for i in range(n)])
    ids = [answer["id"] for answer in answers]
    body = {"price": "39.90", "warranty": {"provider": "Shop"}}
    updated, _ = _concurrent(args, [("PATCH", f"/api/purchases/{pk}", body, 200) for pk in ids])
    deleted, _ = _concurrent(args, [("DELETE", f"/api/purchases/{pk}", None, 204) for pk in ids])
    return {"create": created, "update": updated, "delete": deleted}


def _rows_delete(household_id) -> None:
    """The purchases this module wrote and did not delete itself (the floor's, and any left by a failure)."""
    from purchases.models import Purchase

    Purchase.objects.filter(household_id=household_id, product_name__startswith="Bench kettle ").delete()


def measure(args, token: str, user) -> dict:
    """The write measurements against the running server on `args.port`, as `user` with `token`."""
    from households.models import Household

    household_id = user.membership.household_id
    currency = Household.objects.values_list("home_currency", flat=True).get(pk=household_id)
    args.write_token = token
    try:
        results = {"sequential": _sequential(args, token, household_id, user.pk, currency)}
        results["throughput"] = _throughput(args, currency)
    finally:
        _rows_delete(household_id)
    seq = results["sequential"]
    print(
        f"create (HTTP) median {seq['create']['median_ms']:.1f} ms  p95 {seq['create']['p95_ms']:.1f}  "
        f"bare-view floor {seq['create_floor']['median_ms']:.1f} ms  "
        f"(Warracker: {WARRACKER_CREATE_MS['1k']} ms at 1k, {WARRACKER_CREATE_MS['10k']} ms at 10k)  "
        f"update {seq['update']['median_ms']:.1f} ms  delete {seq['delete']['median_ms']:.1f} ms",
        flush=True,
    )
    for phase, row in results["throughput"].items():
        print(f"{phase} throughput: {row}", flush=True)
    return results
