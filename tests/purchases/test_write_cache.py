"""Issue #24: a purchase's create, update and delete make no cache call inside their transaction, and in all three
cache calls per request, none of which writes: the token lookup (spends.api.authentication) and the caller's kept
household and role (households.scoping, a `get_many`; it replaces the membership query), before the view, and after
the commit one `get_many` that tells whether the household is known to have no notification channel (reminders.quiet;
it replaces the channels' SQL lookup). Once the household is known quiet, nothing is written to the cache. Run on the
production cache (spends.cache.SpendsRedisCache on a real Redis, database 11), recording every call and whether a
transaction was open; skipped when no Redis answers there, except under CI (CI=true)."""

import os

import pytest
import redis
from django.core.cache import cache
from django.db import connection

from spends.cache import SpendsRedisCache
from tests.factories import PurchaseFactory, WarrantyFactory

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = "redis://127.0.0.1:6379/11"
URL = "/api/purchases"
BODY = {
    "product_name": "Kettle",
    "price": "49.90",
    "purchase_date": "2025-03-01",
    "warranty": {"warranty_start": "2025-03-01", "warranty_end": "2027-03-01"},
}
CALLS = []  # (method, in a transaction) of every call, in order


class RecordingRedisCache(SpendsRedisCache):
    """The production backend, recording each call (it still goes to Redis)."""


def _recorded(name):
    method = getattr(SpendsRedisCache, name)

    def call(self, *args, **kwargs):
        CALLS.append((name, connection.in_atomic_block))
        return method(self, *args, **kwargs)

    return call


for _name in ("get", "set", "add", "delete", "get_many", "set_many", "delete_many", "incr", "touch", "has_key"):
    setattr(RecordingRedisCache, _name, _recorded(_name))


@pytest.fixture(autouse=True)
def recording_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.RecordingRedisCache", "LOCATION": REDIS_URL}}
    settings.AUTH_TOKEN_CACHE_SECONDS = 60  # as in production with a shared cache
    settings.NOTIFY_QUIET_SECONDS = 300
    settings.SCOPE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def _calls(client, method, path, body=None):
    client.get("/api/auth/me")  # the token's entry is cached, as it is for any client after its first request
    # The household is known to have no channel for each event, as after its first writes.
    for _ in range(2):
        warm = client.post(URL, BODY, format="json").json()["id"]
        client.patch(f"{URL}/{warm}", {"notes": "x"}, format="json")
        client.delete(f"{URL}/{warm}")
    CALLS.clear()
    response = getattr(client, method)(path, body, format="json")
    return response, list(CALLS)


def test_a_create_makes_three_cache_calls_and_none_in_its_transaction(owner_client):
    response, calls = _calls(owner_client, "post", URL, BODY)
    assert response.status_code == 201
    assert calls == [("get", False), ("get_many", False), ("get_many", False)]  # token, scope; the quiet check


def test_an_update_and_a_delete_make_three_cache_calls_and_none_in_their_transaction(owner_client, owner):
    purchase = PurchaseFactory(owner=owner)
    WarrantyFactory(purchase=purchase)
    response, calls = _calls(owner_client, "patch", f"{URL}/{purchase.pk}", {"warranty": {"provider": "Shop"}})
    assert response.status_code == 200 and response.json()["warranty"]["provider"] == "Shop"
    assert calls == [("get", False), ("get_many", False), ("get_many", False)]
    response, calls = _calls(owner_client, "delete", f"{URL}/{purchase.pk}")
    assert response.status_code == 204
    assert calls == [("get", False), ("get_many", False), ("get_many", False)]
