"""Caching of analytics answers, keyed by data versions read from the database (spends.data_versions).

An answer's key holds the household's data version, the catalog's (retailer and brand names appear in answers) and the
installation's (a restore changes it), today's date (UTC), the endpoint and its parameters. Every write service
bumps the versions of what it wrote in the write's own transaction, so after any write by any process (a web
worker, `manage.py import_purchases`, a restore) the next read builds a new key and computes a fresh answer, with
every cache backend, the per-process default (locmem) included. Old answers are never deleted: they expire.

A read is one database query (the three versions) and one cache get; a miss computes and stores. The versions are
read before computing, so an answer computed while a write commits is stored under the numbers that write replaced,
never under the new ones. A cache that cannot be reached changes nothing but speed: answers are computed directly.
"""

import hashlib
import json
from collections.abc import Callable

from catalog.services import CATALOG_SCOPE
from spends import clock, data_versions
from spends.cache import UNREACHABLE, cache_call

ANSWER_TIMEOUT = 600  # seconds; freshness does not rely on it, it only bounds memory
_PREFIX = "analytics"
_MISSING = object()


def answer_scopes(household_id) -> list[str]:
    """The data-version scopes a household's answers depend on."""
    return [data_versions.household_scope(household_id), CATALOG_SCOPE, data_versions.INSTALLATION]


def _answer_key(household_id, versions, name: str, params: dict, today) -> str:
    encoded = json.dumps(params, sort_keys=True, default=str).encode()
    digest = hashlib.sha256(encoded).hexdigest()[:32]
    numbers = ".".join(str(version) for version in versions)
    # Today is part of the key: statuses, "this month" and the month windows change at midnight UTC.
    return f"{_PREFIX}:a:{household_id}:{numbers}:{today.isoformat()}:{name}:{digest}"


def cached_answer(household_id, name: str, params: dict, compute: Callable[[], object], *, today=None):
    """The cached answer for (household's data versions, today, endpoint, params), or `compute()`'s result, stored.

    `compute` must return a picklable value (serializer output or rendered bytes) and use the same `today`
    (default: `clock.today()`).
    """
    versions = data_versions.read(answer_scopes(household_id))  # before computing: see the module's docstring
    key = _answer_key(household_id, versions, name, params, today or clock.today())
    found = cache_call("get", key, _MISSING, fallback=UNREACHABLE)
    if found is UNREACHABLE:
        return compute()
    if found is not _MISSING:
        return found
    value = compute()
    cache_call("set", key, value, timeout=ANSWER_TIMEOUT)
    return value
