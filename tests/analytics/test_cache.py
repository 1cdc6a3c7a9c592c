"""analytics.cache: a hit costs one cache round trip; a stale stored answer (older versions) is never served (#10)."""

import datetime

import pytest
from django.core.cache import cache

from analytics import cache as analytics_cache
from spends import cache as spends_cache

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 3, 1)


class CountingCache:
    """Wraps the configured cache (the real backend) and counts the calls that go to it."""

    def __init__(self, backend):
        self.backend, self.calls = backend, []

    def __getattr__(self, name):
        method = getattr(self.backend, name)

        def counted(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return counted


@pytest.fixture
def counting(monkeypatch):
    wrapper = CountingCache(cache)
    monkeypatch.setattr(spends_cache, "cache", wrapper)  # analytics calls the cache through spends.cache
    return wrapper


def test_a_hit_is_one_round_trip(counting):
    computed = []
    answer = analytics_cache.cached_answer(7, "summary", {"currency": "USD"}, lambda: computed.append(1) or [1, 2])
    assert answer == [1, 2] and computed == [1]
    counting.calls.clear()
    again = analytics_cache.cached_answer(7, "summary", {"currency": "USD"}, lambda: computed.append(1) or [9])
    assert again == [1, 2] and computed == [1]
    assert counting.calls == ["get_many"]


def test_a_bump_makes_the_stored_answer_stale(counting):
    key = ("summary", {"currency": "USD"})
    assert analytics_cache.cached_answer(7, *key, lambda: "old", today=TODAY) == "old"
    analytics_cache.bump_user_version(7)
    assert analytics_cache.cached_answer(7, *key, lambda: "new", today=TODAY) == "new"
    assert analytics_cache.cached_answer(7, *key, lambda: "newer", today=TODAY) == "new"
    analytics_cache.bump_catalog_version()
    assert analytics_cache.cached_answer(7, *key, lambda: "after catalog", today=TODAY) == "after catalog"
    # Another user, other parameters and another day are separate answers.
    assert analytics_cache.cached_answer(8, *key, lambda: "user 8", today=TODAY) == "user 8"
    assert analytics_cache.cached_answer(7, "summary", {"currency": "EUR"}, lambda: "eur", today=TODAY) == "eur"
    assert analytics_cache.cached_answer(7, *key, lambda: "next day", today=TODAY.replace(day=2)) == "next day"


def test_evicted_versions_start_afresh(counting):
    key = ("summary", {})
    assert analytics_cache.cached_answer(7, *key, lambda: "first", today=TODAY) == "first"
    cache.delete(analytics_cache._user_key(7))  # evicted: the stored answer's version can never match again
    assert analytics_cache.cached_answer(7, *key, lambda: "second", today=TODAY) == "second"


def test_json_answers_are_served_as_cached_bytes(owner_client, counting):
    cold = owner_client.get("/api/analytics/dashboard")
    assert cold.status_code == 200 and cold["Content-Type"] == "application/json"
    counting.calls.clear()
    warm = owner_client.get("/api/analytics/dashboard")
    assert warm.status_code == 200 and warm["Content-Type"] == "application/json"
    assert warm.content == cold.content  # the bytes DRF's JSON renderer made for the cold request
    assert counting.calls == ["get_many"]
    assert set(warm.json()) >= {"summary", "expiring_warranties"}
    assert "Accept" in warm["Vary"]


def test_indent_and_the_browsable_api_get_their_own_answers(owner_client):
    plain = owner_client.get("/api/analytics/summary")
    indented = owner_client.get("/api/analytics/summary", HTTP_ACCEPT="application/json; indent=2")
    assert indented.json() == plain.json()
    assert b"\n  " in indented.content and b"\n" not in plain.content
    html = owner_client.get("/api/analytics/summary", HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert plain.json()["total_spent"] in html.content.decode()


def test_a_transaction_bumps_each_key_once_now_and_once_on_commit(counting, django_capture_on_commit_callbacks):
    """Deleting many purchases sends a post_delete signal per row; the owner's version is bumped once when the
    first one arrives and once more on commit, not twice per row (100,000 rows took minutes)."""
    from django.db import transaction

    from purchases.models import Purchase
    from tests.factories import PurchaseFactory, UserFactory

    owner, other = UserFactory(), UserFactory()
    for user in (owner, other):
        analytics_cache.cached_answer(user.pk, "summary", {}, lambda: 0)  # sets their versions
    before = {user.pk: cache.get(analytics_cache._user_key(user.pk)) for user in (owner, other)}
    counting.calls.clear()
    with django_capture_on_commit_callbacks(execute=True) as hooks, transaction.atomic():
        PurchaseFactory.create_batch(5, owner=owner)  # 5 post_save signals
        PurchaseFactory(owner=other)
        Purchase.objects.filter(owner=owner).delete()  # 5 post_delete signals
        Purchase.objects.filter(owner=other).delete()  # another key: bumped on its own
        analytics_cache.bump_user_version(owner.pk)  # again, same transaction: nothing more
    assert len(hooks) == 2
    assert counting.calls.count("incr") == 4  # owner and other: now and on commit
    after = {user.pk: cache.get(analytics_cache._user_key(user.pk)) for user in (owner, other)}
    assert after == {pk: version + 2 for pk, version in before.items()}


def test_a_rolled_back_savepoint_does_not_swallow_the_next_bump(counting, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as hooks, transaction.atomic():
        try:
            with transaction.atomic():
                analytics_cache.bump_user_version(7)
                raise RuntimeError("roll this savepoint back")
        except RuntimeError:
            pass
        assert hooks == []  # the savepoint's hook went with it
        version = cache.get(analytics_cache._user_key(7))
        analytics_cache.bump_user_version(7)  # bumps now and registers again
        assert cache.get(analytics_cache._user_key(7)) == version + 1
    assert len(hooks) == 1
    assert cache.get(analytics_cache._user_key(7)) == version + 2
