"""GET /api/health (API.md § Health): the database and the cache, answered within 2 s whatever is down.

The database is probed on a connection of its own, never the app's (whose pool or connect timeout may wait for 10 s
or more): a fresh connection with a short connect timeout runs `SELECT 1` in a thread, and the answer waits for it
at most DATABASE_DEADLINE seconds. One probe runs at a time per process: concurrent health checks share it, and a
probe stuck longer than STUCK_AFTER is left behind (it ends on its own connect timeout) so a new one can start.
The cache is probed through spends.cache (its own timeouts and breaker) while the database probe runs.
"""

import copy
import logging
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from spends.api.serializers import HealthSerializer
from spends.cache import UNREACHABLE, cache_call

logger = logging.getLogger(__name__)

DATABASE_DEADLINE = 1.5  # seconds the answer waits for the database probe
PROBE_CONNECT_TIMEOUT = 2  # seconds; PostgreSQL's (libpq's and psycopg's) smallest connect_timeout
STUCK_AFTER = 10.0  # seconds after which a probe still running no longer blocks a new one
_CACHE_KEY = "health:probe"

_lock = threading.Lock()
_running: tuple[float, Future] | None = None  # (started, its result) of the probe in flight


def _probe_settings() -> dict:
    """The app's database settings, for one short-lived connection with a short connect timeout and no pool."""
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    settings_dict["CONN_MAX_AGE"] = 0
    if settings_dict["ENGINE"] == "django.db.backends.postgresql":
        options = settings_dict.setdefault("OPTIONS", {})
        options.pop("pool", None)
        options["connect_timeout"] = PROBE_CONNECT_TIMEOUT
    return settings_dict


def _probe(settings_dict: dict, result: Future) -> None:
    database = None
    try:
        database = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="health")
        with database.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        result.set_result(True)
    except Exception:  # any database failure is a 503, never a 500
        logger.exception("Health check: database unreachable")
        result.set_result(False)
    finally:
        if database is not None:
            database.close()


def _start_probe() -> Future:
    global _running
    with _lock:
        now = time.monotonic()
        if _running is None or _running[1].done() or now - _running[0] > STUCK_AFTER:
            result = Future()
            threading.Thread(target=_probe, args=(_probe_settings(), result), daemon=True, name="health-db").start()
            _running = (now, result)
        return _running[1]


def cache_status() -> str:
    if cache_call("set", _CACHE_KEY, "ok", timeout=60, fallback=UNREACHABLE) is UNREACHABLE:
        return "error"
    return "ok" if cache_call("get", _CACHE_KEY) == "ok" else "error"


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["health"],
        summary="Liveness, database and cache check",
        description="200 while the database answers, even when the cache is down (the app works without it); "
        "503 with `database: error` otherwise, within 2 s.",
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request):
        started = time.monotonic()
        database_probe = _start_probe()
        cache = cache_status()
        try:
            database_ok = database_probe.result(timeout=max(0.0, DATABASE_DEADLINE - (time.monotonic() - started)))
        except FutureTimeout:
            logger.error("Health check: the database did not answer within %s s", DATABASE_DEADLINE)
            database_ok = False
        database = "ok" if database_ok else "error"
        body = {"status": "ok" if database_ok else "error", "database": database, "cache": cache}
        body["version"] = settings.VERSION
        return Response(body, status=200 if database_ok else 503)
