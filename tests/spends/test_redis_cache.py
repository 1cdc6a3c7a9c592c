"""The production cache: spends.cache.SpendsRedisCache on a real Redis (127.0.0.1:6379, database 14).

Skipped when no Redis answers there, except under CI (CI=true), where .ci/run starts Redis before the tests."""

import os

import pytest
import redis
from django.core.cache import cache, caches
from rest_framework.test import APIClient

from spends import config
from spends.cache import SpendsRedisCache
from spends.tokens import token_issue

REDIS_URL = "redis://127.0.0.1:6379/14"
pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = {"default": {"BACKEND": "spends.cache.SpendsRedisCache", "LOCATION": REDIS_URL}}
    settings.AUTH_TOKEN_CACHE_SECONDS = 60
    cache.clear()
    yield caches["default"]
    cache.clear()


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("redis://127.0.0.1:6379/1", "spends.cache.SpendsRedisCache"),
        ("rediss://cache.example:6380/0", "spends.cache.SpendsRedisCache"),
        ("locmemcache://spends", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_cache_urls(url, backend):
    assert config.cache_config(url)["BACKEND"] == backend


def test_one_client_serves_every_call(redis_cache):
    assert isinstance(redis_cache, SpendsRedisCache)
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client("key") is client and redis_cache._cache.get_client(write=True) is client
    redis_cache.set("a", {"x": 1})
    redis_cache.set("n", 1)
    assert redis_cache.get_many(["a", "n", "missing"]) == {"a": {"x": 1}, "n": 1}
    assert redis_cache.incr("n") == 2
    assert redis_cache.add("n", 5) is False
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_cached_answers_and_tokens_over_redis(redis_cache, owner):
    token, key = token_issue(user=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    first = client.get("/api/analytics/summary")
    assert first.status_code == 200 and first.json()["item_count"] == 0
    created = client.post(
        "/api/purchases",
        {"product_name": "Kettle", "price": "19.99", "currency_code": "USD", "purchase_date": "2025-01-02"},
        format="json",
    )
    assert created.status_code == 201
    again = client.get("/api/analytics/summary").json()
    assert again["item_count"] == 1 and again["total_spent"] == "19.99"  # the write invalidated the answer
    token.delete()
    assert client.get("/api/analytics/summary").status_code == 401  # the cached token went with it
