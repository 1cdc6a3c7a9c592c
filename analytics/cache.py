"""Per-user caching of analytics answers, invalidated by version numbers rather than by deleting keys.

Every cached answer's key holds the owner's version number, the catalog's version number (retailer and brand
names appear in the answers), today's date (UTC) and the request's parameters. Any write to one of the
owner's purchases or warranties bumps the owner's version, so the next read misses and recomputes; old
entries are never read again and simply expire. Keys never need to be enumerated, which works on every cache
backend (locmem, Redis).
"""

import hashlib
import json
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from spends import clock

ANSWER_TIMEOUT = 600  # seconds; invalidation does not rely on it, it only bounds memory
_PREFIX = "analytics"
_CATALOG_KEY = f"{_PREFIX}:v:catalog"


def _user_key(user_id) -> str:
    return f"{_PREFIX}:v:user:{user_id}"


def _fresh_version() -> int:
    # A missing version (never set, or evicted) restarts from the clock in nanoseconds: bumps add 1 each, so
    # a restarted counter never lands on a number an old, still cached answer was stored under.
    return time.time_ns()


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # missing: any answer cached under the old number becomes unreachable as well
        cache.set(key, _fresh_version(), timeout=None)


def _bump_now_and_after_commit(key: str) -> None:
    # Bumping now hides the old answer at once. A reader running while the write's transaction is still
    # open may cache the *old* data under the new number, so bump once more when the transaction commits.
    _bump(key)
    transaction.on_commit(lambda: _bump(key))


def bump_user_version(user_id) -> None:
    """Invalidate every cached analytics answer of `user_id`. Call after any write that bypasses signals
    (bulk_create, queryset.update(), raw SQL), e.g. from an importer, once per affected owner."""
    _bump_now_and_after_commit(_user_key(user_id))


def bump_catalog_version() -> None:
    """Invalidate every user's cached answers that show retailer or brand names (after a catalog write)."""
    _bump_now_and_after_commit(_CATALOG_KEY)


def _versions(user_id) -> tuple[int, int]:
    keys = [_user_key(user_id), _CATALOG_KEY]
    found = cache.get_many(keys)
    for key in keys:
        if found.get(key) is None:
            cache.add(key, _fresh_version(), timeout=None)
            found[key] = cache.get(key)
    return found[keys[0]], found[keys[1]]


def answer_key(user_id, name: str, params: dict, today) -> str:
    """The cache key of one answer: owner, both versions, `today` (UTC), endpoint name and parameters."""
    user_version, catalog_version = _versions(user_id)
    encoded = json.dumps(params, sort_keys=True, default=str).encode()
    digest = hashlib.sha256(encoded).hexdigest()[:32]
    # Today is part of the key: statuses, "this month" and the month windows change at midnight UTC.
    return f"{_PREFIX}:a:{user_id}:{user_version}:{catalog_version}:{today.isoformat()}:{name}:{digest}"


def cached_answer(user_id, name: str, params: dict, compute: Callable[[], object], *, today=None):
    """The cached answer for (user, endpoint, params, today), or `compute()`'s result, stored for next time.

    `compute` must return plain JSON-able data (serializer output), which is what gets cached; it must use the
    same `today` (default: `clock.today()`).
    """
    key = answer_key(user_id, name, params, today or clock.today())
    sentinel = object()
    value = cache.get(key, sentinel)
    if value is sentinel:
        value = compute()
        cache.set(key, value, timeout=ANSWER_TIMEOUT)
    return value
