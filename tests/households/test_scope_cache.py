"""The request's household and role kept in the cache (households.scoping, SCOPE_CACHE_SECONDS): kept answers save
the membership query, and never outlive a change: a removed member, a downgraded role, a moved user or a new home
currency is seen by the very next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households import scoping
from households import services as household_services
from households.choices import Role
from households.models import Membership
from tests.factories import PurchaseFactory
from tests.households.conftest import household_of, move_into

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: the generation is renewed on commit

PURCHASE = {"product_name": "Kettle", "price": "49.90", "purchase_date": "2025-01-15"}


@pytest.fixture(autouse=True)
def _scope_cache_on(settings):
    settings.SCOPE_CACHE_SECONDS = 60  # on by default only with a shared cache; the tests' cache is one process's


def _membership_queries(client, path) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, sum('FROM "households_membership"' in q["sql"] for q in queries.captured_queries)


def test_a_kept_scope_saves_the_membership_query(home):
    path = "/api/purchases"
    cache.clear()  # a flushed cache: no generation
    assert _membership_queries(home.editor_client, path) == (200, 1)  # no generation yet
    assert _membership_queries(home.editor_client, path) == (200, 1)  # stored under the generation
    assert _membership_queries(home.editor_client, path) == (200, 0)
    assert _membership_queries(home.editor_client, path) == (200, 0)


def _warm(client):
    for _ in range(3):
        assert client.get("/api/purchases").status_code == 200


def test_a_removed_member_loses_access_at_once(home):
    purchase = PurchaseFactory(owner=home.owner)
    _warm(home.editor_client)
    assert home.editor_client.get(f"/api/purchases/{purchase.pk}").status_code == 200
    response = home.owner_client.delete(f"/api/household/members/{home.editor.pk}")
    assert response.status_code == 204, response.content
    assert home.editor_client.get(f"/api/purchases/{purchase.pk}").status_code == 404
    created = home.editor_client.post("/api/purchases", PURCHASE, format="json")
    assert created.status_code == 201
    assert str(household_of(home.editor).pk) != str(home.household.pk)
    assert not home.household.purchases.filter(pk=created.json()["id"]).exists()


def test_a_downgraded_role_cannot_write_at_once(home):
    _warm(home.editor_client)
    assert home.editor_client.post("/api/purchases", PURCHASE, format="json").status_code == 201
    response = home.owner_client.patch(f"/api/household/members/{home.editor.pk}", {"role": "VIEWER"}, format="json")
    assert response.status_code == 200, response.content
    assert home.editor_client.post("/api/purchases", PURCHASE, format="json").status_code == 403
    assert home.household.purchases.count() == 1


def test_a_moved_user_and_a_new_home_currency(home):
    _warm(home.stranger_client)
    move_into(home.stranger, home.household.pk, Role.VIEWER)
    assert scoping.scope_for(home.stranger).household_id == home.household.pk
    assert scoping.scope_for(home.stranger).role == Role.VIEWER
    household_services.home_currency_set(household_id=home.household.pk, home_currency="CHF")
    assert scoping.scope_for(home.stranger).home_currency == "CHF"
    Membership.objects.get(user=home.stranger).delete()
    assert scoping.scope_for(home.stranger).household_id != home.household.pk  # a new personal household


def test_an_answer_computed_under_a_replaced_generation_does_not_count(home):
    cache.clear()
    scoping.scope_for(home.viewer)  # sets a generation
    generation = cache.get(scoping.GENERATION_KEY)
    # What a request that read the generation before a role change committed would store: it must not count.
    membership = Membership.objects.get(user=home.viewer)
    membership.role = Role.EDITOR
    membership.save()
    cache.set(scoping._entry_key(home.viewer.pk), (generation, home.household.pk, Role.VIEWER, "EUR"))
    assert scoping.scope_for(home.viewer).role == Role.EDITOR


def test_off_by_default_with_a_per_process_cache(home, settings):
    settings.SCOPE_CACHE_SECONDS = 0
    assert [_membership_queries(home.editor_client, "/api/purchases")[1] for _ in range(3)] == [1, 1, 1]
