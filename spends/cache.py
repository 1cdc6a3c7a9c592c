"""The cache plumbing: Django's Redis backend made cheap and fail-fast, and the one way our code calls the cache.

A cache outage is never an outage of the app (#18): every cache call of ours goes through `cache_call`, which logs
an unreachable cache and answers a fallback, and the caller then works from the database (or without caching).

The backend (`SpendsRedisCache`, chosen by spends.config.cache_config for redis:// URLs):
- reuses one redis client per connection pool: Django's RedisCacheClient.get_client() builds a new `redis.Redis`
  for every call, and redis-py fills a table of ~170 response callbacks in each constructor (0.23 ms per GET against
  0.10 ms with a reused client on the bench machine, #10). A `redis.Redis` is safe to share between threads (each
  command takes a connection from the pool; the pool notices a fork and reconnects);
- fails fast: connect and read timeouts (OPTIONS socket_connect_timeout / socket_timeout, from CACHE_CONNECT_TIMEOUT
  and CACHE_SOCKET_TIMEOUT), and a circuit breaker: after a connection failure or a timeout, every call of this
  process to that server fails at once with `CacheUnavailable` for `retry_after` seconds (OPTIONS, from
  CACHE_RETRY_AFTER), so a dead or frozen Redis costs a request at most one timeout, not one per call.
"""

import functools
import logging
import threading
import time

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 5.0
# What an unreachable or failing cache raises: redis-py's errors, and socket errors of other backends.
CACHE_ERRORS = (RedisError, OSError)


class _Unreachable:
    def __repr__(self):
        return "UNREACHABLE"


UNREACHABLE = _Unreachable()  # a fallback that tells "the cache did not answer" from every value it can hold


class CacheUnavailable(RedisConnectionError):
    """Raised without any network call while the breaker is open (a ConnectionError, so every guard catches it)."""


class _Breaker:
    """Per process and server: open for `retry_after` seconds after a failure; the next call after that tries again."""

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        self.open_until = 0.0

    def check(self) -> None:
        if self.open_until and time.monotonic() < self.open_until:
            raise CacheUnavailable(f"the cache failed less than {self.retry_after:g} s ago; skipped")

    def trip(self) -> None:
        self.open_until = time.monotonic() + self.retry_after


_breakers: dict[tuple, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker_for(servers, retry_after: float) -> _Breaker:
    # Django keeps one cache object per thread: the breaker is shared by every thread of the process.
    key = (tuple(servers), retry_after)
    with _breakers_lock:
        return _breakers.setdefault(key, _Breaker(retry_after))


def _watched(name: str):
    method = getattr(RedisCacheClient, name)

    @functools.wraps(method)
    def watched(self, *args, **kwargs):
        self.breaker.check()
        try:
            return method(self, *args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError):
            self.breaker.trip()
            raise

    return watched


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, *, retry_after: float = DEFAULT_RETRY_AFTER, **options):
        super().__init__(servers, **options)
        self.breaker = _breaker_for(servers, retry_after)

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client

    # Every cache operation Django's Redis backend has goes through the breaker.
    add = _watched("add")
    get = _watched("get")
    set = _watched("set")
    touch = _watched("touch")
    delete = _watched("delete")
    get_many = _watched("get_many")
    has_key = _watched("has_key")
    incr = _watched("incr")
    set_many = _watched("set_many")
    delete_many = _watched("delete_many")
    clear = _watched("clear")


class SpendsRedisCache(RedisCache):
    """settings.CACHES uses this for redis:// (and rediss://, valkey://) cache URLs."""

    @cached_property
    def _cache(self):
        return ReusedClientRedisCacheClient(self._servers, **self._options)


def cache_call(method: str, *args, fallback=None, **kwargs):
    """`cache.<method>(*args, **kwargs)`, or `fallback` when the cache cannot be reached or fails (logged, never
    raised). Pass `fallback=UNREACHABLE` to tell an outage from a miss. Other errors, such as the ValueError of
    `incr` on a missing key, are the caller's."""
    _clear_if_pending()
    try:
        return getattr(cache, method)(*args, **kwargs)
    except CACHE_ERRORS as error:
        _log_outage(method, error)
        return fallback


def _log_outage(method: str, error: Exception) -> None:
    if isinstance(error, CacheUnavailable):  # already logged when the breaker opened
        logger.debug("cache skipped (%s): %s", method, error)
    else:
        logger.warning("cache unreachable, working without it (%s): %s", method, error)


_clear_pending = threading.Event()


def clear_cache() -> bool:
    """Empty the cache (e.g. after a restore, when every cached answer may describe replaced data). When the cache
    cannot be reached now, the next `cache_call` of this process that reaches it empties it first. True if done."""
    _clear_pending.set()
    return _clear_if_pending()


def _clear_if_pending() -> bool:
    if not _clear_pending.is_set():
        return True
    _clear_pending.clear()  # before the call: a clear asked for meanwhile sets it again
    try:
        cache.clear()
    except CACHE_ERRORS as error:
        _clear_pending.set()
        _log_outage("clear", error)
        return False
    return True
