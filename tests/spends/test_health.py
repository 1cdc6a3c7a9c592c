"""GET /api/health with the database out of reach (#18 item 4): 503 within 2 s, on a connection of its own.

The unreachable database is real: a closed local port (refused at once) and a listener that accepts and never
answers (the connect timeout's path). The cache's side is in test_cache_outage.py (a real Redis, killed).
"""

import socket
import threading
import time

import pytest
from django.db import connection

from spends.api import health

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture
def silent_listener():
    """A TCP server that accepts connections and never sends a byte (a hung database server)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def _point_database_at(monkeypatch, port: int) -> None:
    # Only the settings a new connection is made from: the test's own open connection is left alone.
    for key, value in {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "NAME": "spends_health",
        "USER": "postgres",
        "PASSWORD": "",
        "OPTIONS": {},
    }.items():
        monkeypatch.setitem(connection.settings_dict, key, value)


def _timed_health(client):
    started = time.monotonic()
    response = client.get("/api/health")
    return response, time.monotonic() - started


def test_health_is_200_with_database_and_cache_ok(anon_client, settings):
    response, took = _timed_health(anon_client)
    assert response.status_code == 200 and took < 2
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "version": settings.VERSION}


def test_health_is_503_at_once_when_the_database_refuses(anon_client, monkeypatch):
    _point_database_at(monkeypatch, _closed_port())
    response, took = _timed_health(anon_client)
    assert response.status_code == 503 and took < 2
    assert response.json()["status"] == "error" and response.json()["database"] == "error"
    assert response.json()["cache"] == "ok"


def test_health_is_503_within_2_s_when_the_database_never_answers(anon_client, monkeypatch, silent_listener):
    port, accepted = silent_listener
    _point_database_at(monkeypatch, port)
    response, took = _timed_health(anon_client)
    assert response.status_code == 503 and took < 2
    assert response.json()["database"] == "error"
    assert accepted  # the probe did reach the listener: the connect timeout's path, not a refusal
    again, took = _timed_health(anon_client)  # a second check while the first probe still waits
    assert again.status_code == 503 and took < 2
    health._running[1].result(timeout=5)  # the probe ends on its own connect timeout; no thread outlives the test


def test_the_probe_leaves_the_apps_connection_settings_alone(settings):
    before = dict(connection.settings_dict)
    probe = health._probe_settings()
    assert connection.settings_dict == before
    if connection.vendor == "postgresql":
        assert probe["OPTIONS"]["connect_timeout"] == health.PROBE_CONNECT_TIMEOUT and "pool" not in probe["OPTIONS"]
