"""The households known to have no channel (reminders.quiet): a write skips the channels' lookup only while nothing
that could give the household a channel has changed; a channel added, enabled, moved in by a new member or
reactivated with its user hears the very next write, and a disabled or deleted one never does."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households import services as household_services
from households.models import Membership
from reminders import quiet
from reminders.models import Channel, Delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: the receivers run after them, as in production


@pytest.fixture(autouse=True)
def _quiet_marks_on(settings):
    settings.NOTIFY_QUIET_SECONDS = 300  # on only with a shared cache by default; the tests' cache is one process's


URL = "/api/notifications/channels"
PURCHASE = {"product_name": "Kettle", "price": "49.90", "purchase_date": "2025-01-15"}


def _channel_lookups(queries) -> int:
    """The notification's lookup of the household's channels (the delivery task reads its own channel: not this)."""
    sqls = [query["sql"] for query in queries]
    return sum(
        sql.startswith("SELECT") and '"reminders_channel"' in sql and "households_membership" in sql for sql in sqls
    )


def _create(client, capture) -> int:
    """POST a purchase with its on-commit receivers run; → the number of channel lookups it made."""
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        assert client.post("/api/purchases", PURCHASE, format="json").status_code == 201
    return _channel_lookups(queries.captured_queries)


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def _apprise(client, receiver, **extra):
    body = {"kind": "APPRISE", "target": f"json://127.0.0.1:{receiver.port}/hook", "events": ["purchase.created"]}
    response = client.post(URL, {**body, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_household_without_channels_is_looked_up_once_then_remembered(owner_client, capture):
    assert _create(owner_client, capture) == 1
    assert _create(owner_client, capture) == 0
    assert _create(owner_client, capture) == 0
    assert not Delivery.objects.exists()


def test_a_channel_added_after_the_mark_hears_the_next_write(owner_client, receiver, capture):
    _create(owner_client, capture)
    assert _create(owner_client, capture) == 0  # remembered as quiet
    channel_id = _apprise(owner_client, receiver)
    assert _create(owner_client, capture) == 1
    assert Delivery.objects.filter(channel_id=channel_id).count() == 1
    assert [request.path for request in receiver.requests] == ["/hook"]


def test_a_disabled_then_enabled_or_deleted_channel(owner_client, receiver, capture):
    channel_id = _apprise(owner_client, receiver, enabled=False)
    _create(owner_client, capture)
    assert _create(owner_client, capture) == 0  # only a disabled channel: quiet
    assert owner_client.patch(f"{URL}/{channel_id}", {"enabled": True}, format="json").status_code == 200
    _create(owner_client, capture)
    assert Delivery.objects.filter(channel_id=channel_id).count() == 1
    assert owner_client.patch(f"{URL}/{channel_id}", {"enabled": False}, format="json").status_code == 200
    _create(owner_client, capture)
    assert Delivery.objects.filter(channel_id=channel_id).count() == 1  # disabled: nothing more
    assert owner_client.patch(f"{URL}/{channel_id}", {"enabled": True}, format="json").status_code == 200
    assert owner_client.delete(f"{URL}/{channel_id}").status_code == 204
    assert _create(owner_client, capture) == 1  # the delete renewed the generation: looked up, nothing found
    assert not Delivery.objects.exists() and len(receiver.requests) == 1


def test_a_channel_subscribed_to_another_event_only(owner_client, receiver, capture):
    channel_id = _apprise(owner_client, receiver, events=["purchase.deleted"])
    _create(owner_client, capture)
    assert _create(owner_client, capture) == 0  # quiet for purchase.created
    response = owner_client.patch(f"{URL}/{channel_id}", {"events": ["purchase.created"]}, format="json")
    assert response.status_code == 200
    _create(owner_client, capture)
    assert Delivery.objects.filter(channel_id=channel_id).count() == 1


def test_a_member_joining_with_a_channel_hears_the_next_write(owner, owner_client, receiver, capture):
    newcomer = UserFactory(username="newcomer")
    Channel.objects.create(
        user=newcomer, kind="APPRISE", target=f"json://127.0.0.1:{receiver.port}/new", events=["purchase.created"]
    )
    _create(owner_client, capture)
    assert _create(owner_client, capture) == 0
    household_id = Membership.objects.get(user=owner).household_id
    _, code = household_services.invite_create(household_id=household_id, role="EDITOR", created_by=owner)
    household_services.household_join(user=newcomer, code=code)
    _create(owner_client, capture)
    assert [request.path for request in receiver.requests] == ["/new"]


def test_a_reactivated_user_s_channel_hears_the_next_write(owner, owner_client, receiver, capture):
    member = UserFactory(username="member")
    household_id = Membership.objects.get(user=owner).household_id
    _, code = household_services.invite_create(household_id=household_id, role="EDITOR", created_by=owner)
    household_services.household_join(user=member, code=code)
    Channel.objects.create(
        user=member, kind="APPRISE", target=f"json://127.0.0.1:{receiver.port}/m", events=["purchase.created"]
    )
    member.is_active = False
    member.save()
    _create(owner_client, capture)
    assert _create(owner_client, capture) == 0
    member.is_active = True
    member.save()
    _create(owner_client, capture)
    assert [request.path for request in receiver.requests] == ["/m"]


def test_a_mark_made_under_a_replaced_generation_does_not_count(owner, receiver):
    household_id = Membership.objects.get(user=owner).household_id
    cache.clear()  # a flushed cache: no generation, so no mark counts until one is set
    assert quiet.is_quiet(household_id, "purchase.created") == (False, None)
    known, generation = quiet.is_quiet(household_id, "purchase.created")
    assert known is False and generation is not None
    # A channel commits while the lookup runs (after the generation was read): the late mark must not count.
    Channel.objects.create(user=owner, kind="APPRISE", target="json://127.0.0.1:9/x", events=["purchase.created"])
    quiet.remember_quiet(household_id, "purchase.created", generation)
    assert quiet.is_quiet(household_id, "purchase.created")[0] is False
    # Under the current generation it counts, and only for that household and event.
    known, generation = quiet.is_quiet(household_id, "purchase.created")
    quiet.remember_quiet(household_id, "purchase.created", generation)
    assert quiet.is_quiet(household_id, "purchase.created")[0] is True
    assert quiet.is_quiet(household_id, "purchase.updated")[0] is False


def test_off_by_default_with_a_per_process_cache(owner_client, capture, settings):
    settings.NOTIFY_QUIET_SECONDS = 0
    assert [_create(owner_client, capture) for _ in range(3)] == [1, 1, 1]
