"""spends.api.authentication: token lookups answered from the cache, never after the token or its user changed (#10)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from spends import cache as spends_cache
from spends.api import authentication
from spends.models import ApiToken
from spends.tokens import token_digest, token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token_cache_on(settings):
    # On as in production (a shared Redis cache); the rest of the suite counts the token lookup as a query.
    settings.AUTH_TOKEN_CACHE_SECONDS = 60


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _me(key: str):
    return _client(key).get("/api/auth/me")


@pytest.fixture
def user_token(owner):
    token, key = token_issue(user=owner)
    token.key = key  # the tests' handle on the clear key, which is not stored
    return token


def _entry_key(token) -> str:
    return authentication._cache_key(token.digest)


def test_a_cached_lookup_reads_no_token_row_and_holds_no_password(owner, user_token):
    assert _me(user_token.key).json()["username"] == "owner"
    packed = cache.get(_entry_key(user_token))
    assert packed is not None and owner.password not in repr(packed)
    assert user_token.key not in repr(packed)  # neither the key ...
    cache_key = _entry_key(user_token)
    assert user_token.key not in cache_key and user_token.digest not in cache_key  # ... nor its digest names the entry
    with CaptureQueriesContext(connection) as queries:
        response = _me(user_token.key)
    assert response.status_code == 200 and response.json()["username"] == "owner"
    assert not [q for q in queries.captured_queries if "spends_apitoken" in q["sql"]]


def test_the_cached_user_reads_its_password_from_the_database_when_asked(owner, user_token):
    _me(user_token.key)
    token = authentication._unpack(cache.get(_entry_key(user_token)), user_token.digest)
    assert token.user.pk == owner.pk and "password" in token.user.get_deferred_fields()
    assert token.user.check_password("password") == owner.check_password("password")


@pytest.mark.parametrize(
    "revoke",
    [
        pytest.param(lambda token: token.delete(), id="token deleted"),
        pytest.param(lambda token: token.user.delete(), id="user deleted"),
        pytest.param(lambda token: setattr(token.user, "is_active", False) or token.user.save(), id="user inactive"),
    ],
)
def test_a_revoked_token_is_refused_at_once(user_token, revoke):
    assert _me(user_token.key).status_code == 200  # now cached
    revoke(ApiToken.objects.select_related("user").get(pk=user_token.pk))
    response = _me(user_token.key)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_changed_user_is_served_as_changed(owner, user_token):
    assert _me(user_token.key).json()["username"] == "owner"
    owner.username = "renamed"
    owner.save()
    assert _me(user_token.key).json()["username"] == "renamed"


def test_an_unknown_key_is_401_and_not_cached():
    response = _me("0" * 40)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert cache.get(authentication._cache_key(token_digest("0" * 40))) is None


def test_an_entry_of_another_shape_is_ignored(owner, user_token):
    cache.set(_entry_key(user_token), ("old", "shape"))
    assert _me(user_token.key).json()["username"] == "owner"
    other, _ = token_issue(user=UserFactory(username="someone"))
    # An entry naming another token (a hash collision, or a tampered cache) is not trusted.
    cache.set(_entry_key(user_token), authentication._pack(other))
    assert _me(user_token.key).json()["username"] == "owner"


def test_last_used_is_written_at_most_once_a_minute(owner, user_token, time_machine):
    time_machine.move_to("2026-03-01 12:00:00+00:00", tick=False)
    assert user_token.last_used_at is None
    _me(user_token.key)
    user_token.refresh_from_db()
    assert user_token.last_used_at.isoformat() == "2026-03-01T12:00:00+00:00"
    time_machine.move_to("2026-03-01 12:00:59+00:00", tick=False)
    with CaptureQueriesContext(connection) as queries:
        assert _me(user_token.key).status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]  # cached, and no write
    time_machine.move_to("2026-03-01 12:01:01+00:00", tick=False)
    _me(user_token.key)
    user_token.refresh_from_db()
    assert user_token.last_used_at.isoformat() == "2026-03-01T12:01:01+00:00"


def test_a_cache_outage_falls_back_to_the_database(owner, user_token, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    # The token cache calls the cache through spends.cache.cache_call, as every cache call of ours does.
    monkeypatch.setattr(spends_cache.cache, "get", down)
    monkeypatch.setattr(spends_cache.cache, "set", down)
    monkeypatch.setattr(spends_cache.cache, "delete", down)
    # (/api/auth/me is throttled through the same cache; the purchase list uses none.)
    assert _client(user_token.key).get("/api/purchases").status_code == 200
    user_token.delete()  # invalidation cannot reach the cache either; the lookup still reads the database
    assert _client(user_token.key).get("/api/purchases").status_code == 401


def test_off_when_the_setting_is_zero(owner, user_token, settings):
    settings.AUTH_TOKEN_CACHE_SECONDS = 0
    assert _me(user_token.key).status_code == 200
    assert cache.get(_entry_key(user_token)) is None
