"""Sign-in throttles and lockout that cannot be dodged (issue #18, item 2; API.md § Browser sessions).

The client is the address the server sees (REMOTE_ADDR; the test client's is 127.0.0.1); X-Forwarded-For counts only
from TRUSTED_PROXIES. Throttles are per address and per username, and let requests through when the cache is down
(a real Redis that the test starts and kills). The admin's sign-in locks out after AXES_FAILURE_LIMIT failures.
"""

import os
import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.management import call_command
from django.test import RequestFactory
from rest_framework.test import APIClient

from spends.api.client_ip import client_ip
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _sign_in(client, username="owner", password="wrong", xff=None, path="/api/auth/token"):
    headers = {"HTTP_X_FORWARDED_FOR": xff} if xff else {}
    return client.post(path, {"username": username, "password": password}, format="json", **headers)


def _admin_sign_in(client, username="boss", password="wrong", xff=None):
    headers = {"HTTP_X_FORWARDED_FOR": xff} if xff else {}
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"}, **headers)


# --- the client address --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "remote", "xff", "expected"),
    [
        pytest.param([], "203.0.113.9", "198.51.100.1", "203.0.113.9", id="no trusted proxies: XFF ignored"),
        pytest.param(["10.0.0.0/8"], "203.0.113.9", "198.51.100.1", "203.0.113.9", id="peer not trusted: ignored"),
        pytest.param(["10.0.0.5"], "10.0.0.5", "198.51.100.1", "198.51.100.1", id="trusted proxy: its client"),
        pytest.param(
            ["10.0.0.0/8"], "10.0.0.5", "1.1.1.1, 198.51.100.1, 10.0.0.7", "198.51.100.1", id="right-most untrusted"
        ),
        pytest.param(["10.0.0.5"], "10.0.0.5", "", "10.0.0.5", id="trusted proxy without XFF"),
        pytest.param(["10.0.0.5"], "10.0.0.5", "1.1.1.1, nonsense", "10.0.0.5", id="garbage: stop at the proxy"),
        pytest.param(["::1"], "::1", "2001:db8::1", "2001:db8::1", id="IPv6"),
        pytest.param(["10.0.0.5"], "::ffff:10.0.0.5", "198.51.100.1", "198.51.100.1", id="IPv4-mapped proxy"),
    ],
)
def test_client_ip(settings, trusted, remote, xff, expected):
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=xff)
    assert client_ip(request) == expected


def test_a_bad_trusted_proxy_entry_stops_the_start_up():
    from django.core.exceptions import ImproperlyConfigured

    from spends import config

    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES: 'proxy.local'"):
        config.trusted_proxies(("10.0.0.1", "proxy.local"))


# --- API throttles -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/auth/login"])
def test_a_new_x_forwarded_for_per_attempt_does_not_dodge_the_throttle(anon_client, owner, path):
    codes = [_sign_in(anon_client, xff=f"198.51.100.{n}", path=path).status_code for n in range(30)]
    assert codes[:10] == [400] * 10
    assert set(codes[10:]) == {429}
    response = _sign_in(anon_client, password=PASSWORD, xff="192.0.2.1", path=path)  # even the right password
    assert response.status_code == 429 and response.json()["code"] == "throttled"


def test_rotating_usernames_from_one_address_is_throttled(anon_client, owner):
    codes = [_sign_in(anon_client, username=f"user{n}").status_code for n in range(12)]
    assert codes[:10] == [400] * 10 and codes[10:] == [429, 429]


def test_one_username_from_many_addresses_is_throttled(anon_client, owner, settings):
    # Behind a trusted proxy every attempt really comes from another client: only the username throttle can stop it.
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    codes = [_sign_in(anon_client, username=" OWNER ", xff=f"198.51.100.{n}").status_code for n in range(12)]
    assert codes[:10] == [400] * 10 and codes[10:] == [429, 429]
    blocked = _sign_in(anon_client, password=PASSWORD, xff="198.51.100.200")
    assert blocked.status_code == 429 and blocked.json()["code"] == "throttled"
    assert _sign_in(anon_client, username="someone-else", xff="198.51.100.201").status_code == 400


def test_a_trusted_proxys_x_forwarded_for_is_honoured(anon_client, owner, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    for n in range(10):
        _sign_in(anon_client, username=f"user{n}", xff="198.51.100.7")
    assert _sign_in(anon_client, username="user-x", xff="198.51.100.7").status_code == 429
    # Another client behind the same proxy has its own allowance.
    assert _sign_in(anon_client, password=PASSWORD, xff="198.51.100.8").status_code == 200


def test_the_calendar_feed_throttle_ignores_x_forwarded_for_too(anon_client):
    codes = [
        anon_client.get("/api/reminders/calendar.ics?token=nope", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(61)
    ]
    assert codes[:60] == [404] * 60 and codes[60] == 429


# --- lockout (django-axes), for the API and the admin ----------------------------------------------------------------


@pytest.fixture
def boss(db):
    return UserFactory(username="boss", is_staff=True)


@pytest.fixture
def no_throttles(monkeypatch):
    """Lift the DRF rates, so what answers is the lockout alone."""
    from rest_framework.throttling import SimpleRateThrottle

    for scope in ("auth", "auth_username"):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "1000/minute")


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/auth/login"])
def test_a_locked_out_api_sign_in_is_429_json(anon_client, owner, no_throttles, settings, path):
    settings.AXES_FAILURE_LIMIT = 5
    codes = [_sign_in(anon_client, path=path).status_code for _ in range(5)]
    assert codes == [400] * 5  # wrong credentials are 400 up to the limit
    response = _sign_in(anon_client, password=PASSWORD, path=path)  # the right password no longer gets in
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "throttled" and "Too many failed sign-in attempts" in body["detail"]
    assert int(response["Retry-After"]) == 15 * 60
    assert "sessionid" not in response.cookies
    call_command("axes_reset")  # what an administrator runs to unlock
    assert _sign_in(anon_client, password=PASSWORD, path=path).status_code == 200


def test_the_admin_sign_in_locks_out_after_the_failure_limit(client, boss, settings):
    settings.AXES_FAILURE_LIMIT = 10
    codes = [_admin_sign_in(client).status_code for _ in range(10)]
    assert codes[:9] == [200] * 9  # the form again, with its error
    assert codes[9] == 429  # the tenth failure locks
    locked = _admin_sign_in(client, password=PASSWORD)
    assert locked.status_code == 429 and b"Sign-in locked" in locked.content
    assert int(locked["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session
    call_command("axes_reset")
    assert _admin_sign_in(client, password=PASSWORD).status_code == 302


def test_the_admin_lockout_is_not_dodged_by_x_forwarded_for(client, boss, settings):
    settings.AXES_FAILURE_LIMIT = 10
    codes = [_admin_sign_in(client, username=f"user{n}", xff=f"198.51.100.{n}").status_code for n in range(10)]
    assert codes[-1] == 429  # one address (REMOTE_ADDR), whatever the header says
    assert _admin_sign_in(client, password=PASSWORD, xff="192.0.2.1").status_code == 429


def test_the_admin_lockout_is_per_username_across_addresses(client, boss, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.AXES_FAILURE_LIMIT = 10
    codes = [_admin_sign_in(client, xff=f"198.51.100.{n}").status_code for n in range(10)]
    assert codes[-1] == 429
    assert _admin_sign_in(client, password=PASSWORD, xff="192.0.2.1").status_code == 429
    # Another user from yet another address is not locked.
    UserFactory(username="colleague", is_staff=True)
    assert _admin_sign_in(client, username="colleague", password=PASSWORD, xff="192.0.2.2").status_code == 302


# --- a cache outage does not fail a sign-in --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path, settings):
    """A redis-server of this test's own on a free port (never the shared one on 6379), for the test to kill, as the
    default cache (spends.cache.SpendsRedisCache, as in production)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            raise RuntimeError("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    arguments = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen(
        [binary, *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    original = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "spends.cache.SpendsRedisCache", "LOCATION": url}}
    yield process
    settings.CACHES = original  # before the suite's own clean-up clears "the" cache, which must not be the dead one
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def test_sign_in_and_me_work_while_the_cache_is_down(own_redis, owner, settings, caplog):
    settings.AUTH_TOKEN_CACHE_SECONDS = 60
    settings.AXES_FAILURE_LIMIT = 100  # the database lockout is not what this test is about
    client = APIClient()
    codes = [_sign_in(client, username=f"user{n}").status_code for n in range(11)]
    assert codes[-1] == 429  # the throttle works through this Redis while it is up

    own_redis.kill()
    own_redis.wait(timeout=10)
    client = APIClient()
    response = _sign_in(client, password=PASSWORD)
    assert response.status_code == 200  # no 500, no 429: a throttle that cannot count lets the request through
    key = response.json()["token"]
    login = _sign_in(client, password=PASSWORD, path="/api/auth/login")
    assert login.status_code == 200 and login.json()["username"] == "owner"
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["username"] == "owner"
    assert _sign_in(APIClient()).status_code == 400  # wrong passwords are still refused
    assert "cache unreachable" in caplog.text
