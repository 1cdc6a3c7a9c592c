"""A cache outage never fails a request (#18 item 4), against a real Redis that each test starts, kills and restarts.

Each test runs its own `redis-server` on a free port (never the shared one on 6379). Skipped when the binary is
missing, except under CI (CI=true), where it must be there.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.core.cache import caches
from rest_framework.test import APIClient

from spends import config
from tests.conftest import token_client
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
RETRY_AFTER = 0.3  # the breaker's pause in these tests (5 s by default)
ANALYTICS = [
    "spending",
    "spending/by-period",
    "summary",
    "warranties/timeline",
    "warranties/summary",
    "retailers",
    "brands",
    "top-products",
    "recent-purchases",
    "recent-warranties",
    "dashboard",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of this test's own: started, killed (SIGKILL), frozen (SIGSTOP) and restarted on one port."""

    def __init__(self, directory):
        self.port = _free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server must be able to die
            self.process.kill()
            self.process.wait()
            self.process = None

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path, settings):
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed; CI needs it for the cache outage tests")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    original = settings.CACHES
    settings.CACHES = {"default": config.cache_config(server.url, retry_after=RETRY_AFTER)}
    settings.AUTH_TOKEN_CACHE_SECONDS = 60  # as in production with Redis
    yield server
    settings.CACHES = original  # before the kill: the suite's teardown clears the default cache
    server.kill()


def _purchase(client, name, price, **fields):
    body = {"product_name": name, "price": price, "currency_code": "USD", "purchase_date": "2025-01-02", **fields}
    response = client.post("/api/purchases", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _summary(client) -> dict:
    response = client.get("/api/analytics/summary")
    assert response.status_code == 200, response.content
    return response.json()


def _health(client) -> dict:
    response = client.get("/api/health")
    assert response.status_code == 200, response.content
    return response.json()


def test_every_request_works_while_the_cache_is_down_and_answers_are_fresh_when_it_is_back(redis_server):
    user = UserFactory(username="alice")
    client = token_client(user)
    first = _purchase(client, "Kettle", "10.00")
    assert _summary(client)["total_spent"] == "10.00"  # cached in Redis now
    assert redis_server.client().dbsize() > 0
    assert _health(client)["cache"] == "ok"

    redis_server.kill()
    second = _purchase(client, "Toaster", "20.00")
    updated = client.patch(f"/api/purchases/{first}", {"price": "15.00"}, format="json")
    assert updated.status_code == 200 and updated.json()["price"] == "15.00"
    summary = _summary(client)
    assert (summary["item_count"], summary["total_spent"]) == (2, "35.00")
    assert client.delete(f"/api/purchases/{second}").status_code == 204
    summary = _summary(client)
    assert (summary["item_count"], summary["total_spent"]) == (1, "15.00")
    _purchase(client, "Lamp", "5.00")  # made while the cache is down: must show once it is back

    for name in ANALYTICS:
        assert client.get(f"/api/analytics/{name}").status_code == 200, name
    dashboard = client.get("/api/analytics/dashboard").json()
    assert dashboard["summary"]["total_spent"] == "20.00"
    health = _health(client)
    assert (health["status"], health["database"], health["cache"]) == ("ok", "ok", "error")

    redis_server.start()  # same port, empty
    time.sleep(RETRY_AFTER * 2)
    summary = _summary(client)
    assert (summary["item_count"], summary["total_spent"]) == (2, "20.00")
    assert redis_server.client().dbsize() > 0  # caching again
    assert _health(client)["cache"] == "ok"


def test_signing_in_me_and_the_calendar_feed_work_while_the_cache_is_down(redis_server):
    user = UserFactory(username="alice")
    client = token_client(user)
    assert client.get("/api/auth/me").status_code == 200  # the token's lookup is cached now
    feed = client.post("/api/reminders/calendar-token").json()["calendar_url"]
    redis_server.kill()
    calendar = APIClient().get(feed)
    assert calendar.status_code == 200 and calendar["Content-Type"].startswith("text/calendar")
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["username"] == "alice"
    credentials = {"username": "alice", "password": PASSWORD}
    token = APIClient().post("/api/auth/token", credentials, format="json")
    assert token.status_code == 200 and token.json()["token"]
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert fresh.get("/api/auth/me").json()["username"] == "alice"
    login = APIClient().post("/api/auth/login", credentials, format="json")
    assert login.status_code == 200 and login.json()["username"] == "alice"
    session = APIClient()
    session.cookies = login.cookies
    assert session.get("/api/auth/me").json()["username"] == "alice"


def test_a_cache_back_with_its_old_data_serves_no_stale_answer(redis_server):
    client = token_client(UserFactory())
    _purchase(client, "Kettle", "10.00")
    assert _summary(client)["total_spent"] == "10.00"  # cached under the current version
    redis_server.client().save()  # the old answer and versions survive the restart (as with persistence)
    redis_server.kill()
    _purchase(client, "Toaster", "20.00")  # the version bump is lost: nobody can reach the cache
    redis_server.start()
    assert redis_server.client().dbsize() > 0  # the old data is back
    time.sleep(RETRY_AFTER * 2)
    summary = _summary(client)
    assert (summary["item_count"], summary["total_spent"]) == (2, "30.00")


def test_a_frozen_cache_costs_one_timeout_then_is_skipped(redis_server, settings):
    client = token_client(UserFactory())
    settings.CACHES = {
        "default": config.cache_config(redis_server.url, connect_timeout=0.5, socket_timeout=0.5, retry_after=5)
    }
    _purchase(client, "Kettle", "10.00")
    _summary(client)
    redis_server.freeze()  # accepts connections, never answers: every call would wait for its timeout
    try:
        started = time.monotonic()
        _purchase(client, "Toaster", "20.00")
        first_write = time.monotonic() - started
        started = time.monotonic()
        for _ in range(5):
            _purchase(client, "Lamp", "1.00")
            assert _summary(client)["item_count"] >= 3
        later = (time.monotonic() - started) / 5
    finally:
        redis_server.thaw()
    assert first_write < 1.5  # one read timeout (0.5 s), then the breaker skips the cache
    assert later < 0.5  # a write and an analytics read with the cache skipped: no timeout at all


def test_health_reports_a_down_cache_with_200_and_quickly(redis_server, anon_client):
    redis_server.kill()
    started = time.monotonic()
    response = anon_client.get("/api/health")
    assert time.monotonic() - started < 2
    assert response.status_code == 200
    assert response.json()["cache"] == "error" and response.json()["database"] == "ok"


def test_the_cache_helper_degrades_and_the_backend_times_out(redis_server):
    from spends.cache import UNREACHABLE, cache_call

    cache = caches["default"]
    assert cache_call("set", "k", 1, fallback=UNREACHABLE) is None and cache_call("get", "k") == 1
    with pytest.raises(ValueError):  # a missing key is not an outage: the caller's ValueError stays
        cache_call("incr", "missing")
    redis_server.kill()
    assert cache_call("get", "k", fallback=UNREACHABLE) is UNREACHABLE
    assert cache_call("get_many", ["k"], fallback={}) == {}
    with pytest.raises(redis.exceptions.ConnectionError):  # the raw cache still raises, fast (breaker open)
        cache.get("k")


@pytest.mark.django_db(transaction=True)  # a restore replaces the database: no wrapping test transaction
def test_a_restore_with_the_cache_down_succeeds_and_empties_the_cache_once_it_is_back(redis_server, settings):
    from backups import restore, services
    from spends.cache import cache_call

    client = token_client(UserFactory())
    _purchase(client, "Kettle", "10.00")
    backup = services.backup_create()
    _purchase(client, "Toaster", "20.00")
    assert _summary(client)["total_spent"] == "30.00"  # cached
    redis_server.client().save()
    redis_server.kill()
    report = restore.backup_restore(path=Path(settings.BACKUP_DIR) / backup.filename, restored_from="x")
    assert report["integrity"]["ok"]
    redis_server.start()
    assert redis_server.client().dbsize() > 0  # the answers from before the restore are back
    time.sleep(RETRY_AFTER * 2)
    assert cache_call("get", "anything") is None  # the first call that reaches the cache empties it first
    assert redis_server.client().dbsize() == 0
    assert _summary(client)["total_spent"] == "10.00"
