"""Per-user caching of analytics answers, invalidated by version numbers rather than by deleting keys.

Every cached answer is stored with the owner's version number and the catalog's version number (retailer and brand
names appear in the answers) under a key of the owner, today's date (UTC), the endpoint and its parameters. Any
write to one of the owner's purchases or warranties bumps the owner's version, so the next read finds a stale
answer and recomputes it. Keys never need to be enumerated, which works on every cache backend (locmem, Redis).

A cache that cannot be reached changes nothing but speed: answers are computed from the database and not stored,
and a write's bump is skipped. A skipped bump could let the cache, once back with its old data (a network cut, or a
Redis restarted from a snapshot), serve an answer from before that write, so this process then bumps the catalog's
version (every answer of every user) before it reads an answer again. Another process that missed no bump cannot
know; answers expire after ANSWER_TIMEOUT in any case.
"""

import hashlib
import json
import threading
import time
from collections.abc import Callable
from functools import partial

from django.db import transaction

from spends import clock
from spends.cache import UNREACHABLE, cache_call

ANSWER_TIMEOUT = 600  # seconds; invalidation does not rely on it, it only bounds memory
_PREFIX = "analytics"
_CATALOG_KEY = f"{_PREFIX}:v:catalog"
_missed_bumps = threading.Event()  # set when a bump could not reach the cache (see the module's docstring)


def _user_key(user_id) -> str:
    return f"{_PREFIX}:v:user:{user_id}"


def _fresh_version() -> int:
    # A missing version (never set, or evicted) restarts from the clock in nanoseconds: bumps add 1 each, so
    # a restarted counter never lands on a number an old, still cached answer was stored under.
    return time.time_ns()


def _bump(key: str) -> bool:
    try:
        done = cache_call("incr", key, fallback=UNREACHABLE)
    except ValueError:  # missing: any answer cached under the old number becomes unreachable as well
        done = cache_call("set", key, _fresh_version(), timeout=None, fallback=UNREACHABLE)
    if done is UNREACHABLE:
        _missed_bumps.set()
        return False
    return True


def _bump_missed() -> bool:
    """After a bump missed the cache, bump the catalog's version (it invalidates every answer) before reading."""
    if not _missed_bumps.is_set():
        return True
    _missed_bumps.clear()  # before the bump: a bump missed meanwhile sets it again
    return _bump(_CATALOG_KEY)


def _bump_now_and_after_commit(key: str) -> None:
    # Bumping now hides the old answer at once. A reader running while the write's transaction is still
    # open may cache the *old* data under the new number, so bump once more when the transaction commits.
    #
    # Deleting 100,000 purchases sends 100,000 post_delete signals; two Redis calls each (one of them an on-commit
    # hook) took minutes (#10). So a key bumped earlier in this transaction, with no answer read since, is skipped
    # while its hook is surely still registered: Django only appends to `run_on_commit` until a commit, a rollback
    # or a savepoint rollback, each of which replaces the list. After a replaced list the key is bumped and hooked
    # again (at worst one bump too many at commit). O(1) per call, however many hooks the transaction holds.
    connection = transaction.get_connection()
    bumped = connection.__dict__.setdefault("analytics_bumped_keys", {})  # key → the run_on_commit list it is in
    if connection.in_atomic_block and bumped.get(key) is connection.run_on_commit:
        return
    _bump(key)
    transaction.on_commit(partial(_bump, key))
    if connection.in_atomic_block:
        bumped[key] = connection.run_on_commit


def bump_user_version(user_id) -> None:
    """Invalidate every cached analytics answer of `user_id`. Call after any write that bypasses signals
    (bulk_create, queryset.update(), raw SQL), e.g. from an importer, once per affected owner."""
    _bump_now_and_after_commit(_user_key(user_id))


def bump_catalog_version() -> None:
    """Invalidate every user's cached answers that show retailer or brand names (after a catalog write)."""
    _bump_now_and_after_commit(_CATALOG_KEY)


def _answer_key(user_id, name: str, params: dict, today) -> str:
    """The cache key of one answer: owner, `today` (UTC), endpoint name and parameters. The versions it was computed
    under are stored with the answer, so one round trip reads the versions and the answer together."""
    encoded = json.dumps(params, sort_keys=True, default=str).encode()
    digest = hashlib.sha256(encoded).hexdigest()[:32]
    # Today is part of the key: statuses, "this month" and the month windows change at midnight UTC.
    return f"{_PREFIX}:a:{user_id}:{today.isoformat()}:{name}:{digest}"


def cached_answer(user_id, name: str, params: dict, compute: Callable[[], object], *, today=None):
    """The cached answer for (user, endpoint, params, today), or `compute()`'s result, stored for next time.

    One cache round trip on a hit: the owner's version, the catalog's version and the stored answer, which is only
    used when it was computed under both current versions. `compute` must return plain JSON-able data (serializer
    output), which is what gets cached; it must use the same `today` (default: `clock.today()`).
    """
    # A read ends the skipping of repeated bumps in a transaction (_bump_now_and_after_commit).
    transaction.get_connection().__dict__.get("analytics_bumped_keys", {}).clear()
    if not _bump_missed():
        return compute()  # the cache is still unreachable
    version_keys = [_user_key(user_id), _CATALOG_KEY]
    key = _answer_key(user_id, name, params, today or clock.today())
    found = cache_call("get_many", [*version_keys, key], fallback=UNREACHABLE)
    if found is UNREACHABLE:
        return compute()
    versions = []
    for version_key in version_keys:
        if found.get(version_key) is None:  # never set, or evicted: start a fresh number
            cache_call("add", version_key, _fresh_version(), timeout=None)
            found[version_key] = cache_call("get", version_key, fallback=UNREACHABLE)
            if found[version_key] in (None, UNREACHABLE):
                return compute()  # no version to store the answer under
        versions.append(found[version_key])
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 3 and list(stored[:2]) == versions:
        return stored[2]
    # Versions read *before* computing: a write that lands meanwhile bumps them, so this answer is never reused.
    value = compute()
    cache_call("set", key, (*versions, value), timeout=ANSWER_TIMEOUT)
    return value
