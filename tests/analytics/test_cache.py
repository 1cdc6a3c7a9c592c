"""analytics.cache: answers keyed by data versions read from the database. A hit is one query and one cache get; a
write through any service, in any process, makes the next read compute afresh (#19)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from analytics import cache as analytics_cache
from catalog.services import CATALOG_SCOPE
from purchases import services as purchase_services
from spends import cache as spends_cache
from spends import data_versions
from spends.models import DataVersion
from tests.factories import household_of

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


def test_a_hit_is_one_query_and_one_cache_get(counting):
    computed = []
    answer = analytics_cache.cached_answer(7, "summary", {"currency": "USD"}, lambda: computed.append(1) or [1, 2])
    assert answer == [1, 2] and computed == [1]
    counting.calls.clear()
    with CaptureQueriesContext(connection) as queries:
        again = analytics_cache.cached_answer(7, "summary", {"currency": "USD"}, lambda: computed.append(1) or [9])
    assert again == [1, 2] and computed == [1]
    assert counting.calls == ["get"]
    assert len(queries) == 1 and DataVersion._meta.db_table in queries[0]["sql"]  # owner + catalog + installation


def test_a_bump_of_any_scope_of_the_answer_makes_it_stale(counting):
    key = ("summary", {"currency": "USD"})
    assert analytics_cache.cached_answer(7, *key, lambda: "old", today=TODAY) == "old"
    data_versions.bump(data_versions.household_scope(7))
    assert analytics_cache.cached_answer(7, *key, lambda: "new", today=TODAY) == "new"
    assert analytics_cache.cached_answer(7, *key, lambda: "newer", today=TODAY) == "new"
    data_versions.bump(CATALOG_SCOPE)
    assert analytics_cache.cached_answer(7, *key, lambda: "after catalog", today=TODAY) == "after catalog"
    data_versions.renew_all()  # what a restore does
    assert analytics_cache.cached_answer(7, *key, lambda: "after restore", today=TODAY) == "after restore"
    data_versions.bump(data_versions.household_scope(8))  # another household's write changes nothing here
    assert analytics_cache.cached_answer(7, *key, lambda: "again", today=TODAY) == "after restore"
    # Another owner, other parameters and another day are separate answers.
    assert analytics_cache.cached_answer(8, *key, lambda: "user 8", today=TODAY) == "user 8"
    assert analytics_cache.cached_answer(7, "summary", {"currency": "EUR"}, lambda: "eur", today=TODAY) == "eur"
    assert analytics_cache.cached_answer(7, *key, lambda: "next day", today=TODAY.replace(day=2)) == "next day"


def test_versions_only_grow_and_a_rolled_back_number_is_not_handed_out_again():
    scope = data_versions.household_scope(7)
    with CaptureQueriesContext(connection) as first:
        data_versions.bump(scope)  # the first bump of a scope inserts its row
    (committed,) = data_versions.read([scope])
    assert committed > 0 and len(first) <= 4  # UPDATE, SAVEPOINT, INSERT, RELEASE
    with pytest.raises(RuntimeError), transaction.atomic():
        data_versions.bump(scope)
        (rolled_back,) = data_versions.read([scope])
        assert analytics_cache.cached_answer(7, "summary", {}, lambda: "uncommitted", today=TODAY) == "uncommitted"
        raise RuntimeError("roll back the write and its bump")
    assert data_versions.read([scope]) == (committed,)
    with CaptureQueriesContext(connection) as later:
        data_versions.bump(scope)
    assert len(later) == 1  # one UPDATE once the row exists
    (now,) = data_versions.read([scope])
    assert now > committed and now != rolled_back
    assert analytics_cache.cached_answer(7, "summary", {}, lambda: "committed", today=TODAY) == "committed"


def test_a_cache_that_cannot_be_reached_computes_directly(monkeypatch):
    monkeypatch.setattr(analytics_cache, "cache_call", lambda *args, fallback=None, **kwargs: fallback)
    assert analytics_cache.cached_answer(7, "summary", {}, lambda: "one", today=TODAY) == "one"
    assert analytics_cache.cached_answer(7, "summary", {}, lambda: "two", today=TODAY) == "two"


@pytest.mark.django_db(transaction=True)
def test_an_answer_computed_during_a_concurrent_write_is_not_cached_under_the_newer_version(owner):
    """The write commits (with its bump) in another thread's connection while the answer is being computed: the
    answer is stored under the versions read before, so the next read computes again and sees the write."""
    from purchases.models import Purchase

    def count():
        return Purchase.objects.filter(household__memberships__user=owner).count()

    def write_elsewhere():
        try:
            purchase_services.purchase_create(
                household_id=household_of(owner),
                created_by=owner,
                product_name="Bought meanwhile",
                price=Decimal("3.00"),
                currency_code="USD",
                purchase_date=TODAY,
            )
        finally:
            connection.close()

    def compute_while_a_write_commits():
        before = count()
        writer = threading.Thread(target=write_elsewhere)
        writer.start()
        writer.join()
        return before  # computed from the data as it was when the computation started

    assert (
        analytics_cache.cached_answer(household_of(owner), "count", {}, compute_while_a_write_commits, today=TODAY) == 0
    )
    assert count() == 1
    assert analytics_cache.cached_answer(household_of(owner), "count", {}, count, today=TODAY) == 1


def test_json_answers_are_served_as_cached_bytes(owner_client, counting):
    cold = owner_client.get("/api/analytics/dashboard")
    assert cold.status_code == 200 and cold["Content-Type"] == "application/json"
    counting.calls.clear()
    warm = owner_client.get("/api/analytics/dashboard")
    assert warm.status_code == 200 and warm["Content-Type"] == "application/json"
    assert warm.content == cold.content  # the bytes DRF's JSON renderer made for the cold request
    assert counting.calls == ["get"]
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
