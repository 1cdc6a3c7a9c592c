"""Paging through everything (issue #24), over HTTP on the bench's server: the first page (`limit=100`), a deep page
(`skip` = rows − 100: 9,900 at 10k) and the first page without its count (`include_total=false`), interleaved
request by request so that load drifts hit all three alike; then a walk through every page with
`include_total=false`, bounded in time. Target: the deep page's median under 2× the first page's."""

import json
import time

DEEP_FACTOR = 2.0
LIMIT = 100


def measure(request, stats, *, port: int, token: str, rows: int, requests: int, warmup: int, walk_seconds=60) -> dict:
    """`request(port, path, token)` → (status, body, seconds); `stats(samples)` → median/p95. → the results."""
    skip = max(0, rows - LIMIT)
    paths = {
        "first page": f"/api/purchases?limit={LIMIT}",
        f"deep page (skip={skip})": f"/api/purchases?limit={LIMIT}&skip={skip}",
        "first page, include_total=false": f"/api/purchases?limit={LIMIT}&include_total=false",
    }
    samples = {name: [] for name in paths}
    for index in range(warmup + requests):
        for name, path in paths.items():
            status, _, elapsed = request(port, path, token)
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}")
            if index >= warmup:
                samples[name].append(elapsed)
    result = {name: {"path": paths[name], **stats(times)} for name, times in samples.items()}
    first, deep = (result[name]["median_ms"] for name in list(paths)[:2])
    result["deep_vs_first"] = round(deep / first, 2)
    result["target"] = f"deep page < {DEEP_FACTOR}x the first page"
    result["met"] = deep < DEEP_FACTOR * first
    result["walk"] = _walk(request, port, token, walk_seconds)
    for name in paths:
        print(f"{name:38s} median {result[name]['median_ms']:8.1f} ms  p95 {result[name]['p95_ms']:8.1f}", flush=True)
    print(f"deep / first page: x{result['deep_vs_first']:.2f} ({'MET' if result['met'] else 'MISSED'}); "
          f"walk: {result['walk']}", flush=True)  # fmt: skip
    return result


def _walk(request, port: int, token: str, seconds: float) -> dict:
    """Every page of `limit=100` with include_total=false, one after another, until an empty page or `seconds`."""
    started, pages, items = time.perf_counter(), 0, 0
    while time.perf_counter() - started < seconds:
        status, body, _ = request(port, f"/api/purchases?limit={LIMIT}&skip={items}&include_total=false", token)
        if status != 200:
            raise RuntimeError(f"walk: HTTP {status} at skip={items}")
        count = len(json.loads(body)["items"])
        pages += 1
        if count == 0:
            break
        items += count
    elapsed = time.perf_counter() - started
    return {"pages": pages, "items": items, "seconds": round(elapsed, 2), "complete": count == 0}
