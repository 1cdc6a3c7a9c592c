"""The reminder run's digests on notification channels: every enabled channel subscribed gets what is due, once;
Apprise a title and a short list, a webhook one delivery per item carrying the API's object."""

import datetime

import pytest

from reminders import services
from reminders.models import Channel, Delivery
from tests.factories import PurchaseFactory
from tests.reminders.conftest import TODAY, ending

pytestmark = pytest.mark.django_db


def _run(capture):
    with capture(execute=True):
        return services.send_reminders(today=TODAY)


def _return_window(owner, days):
    return PurchaseFactory(
        owner=owner, product_name="Kettle", purchase_date=TODAY, return_by=TODAY + datetime.timedelta(days=days)
    )


def test_an_apprise_channel_gets_one_digest_once(owner, today, receiver, django_capture_on_commit_callbacks):
    ending(owner, 7, product_name="Road bike")
    ending(owner, 30, product_name="Laptop")
    _return_window(owner, 1)
    Channel.objects.create(
        user=owner,
        kind="APPRISE",
        target=f"json://127.0.0.1:{receiver.port}/",
        events=["warranty.expiring", "return.closing"],
    )
    report = _run(django_capture_on_commit_callbacks)
    assert report.emails_sent == 1  # the email digest still goes out
    [request] = receiver.requests
    body = request.json()
    assert body["title"] == "2 warranties end and 1 return windows close soon"
    assert "Road bike: warranty ends 2025-06-08 (7 d)" in body["message"]
    assert "Kettle: return by 2025-06-02 (1 d)" in body["message"]
    assert Delivery.objects.filter(status="sent").count() == 3  # one row per item, one message
    _run(django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1  # nothing new is due: nothing is sent twice


def test_a_channel_gets_only_its_events_and_disabled_ones_nothing(
    owner,
    today,
    receiver,
    django_capture_on_commit_callbacks,
):
    ending(owner, 7, product_name="Road bike")
    _return_window(owner, 1)
    target = f"json://127.0.0.1:{receiver.port}"
    Channel.objects.create(user=owner, kind="APPRISE", target=f"{target}/returns", events=["return.closing"])
    Channel.objects.create(
        user=owner, kind="APPRISE", target=f"{target}/off", events=["warranty.expiring"], enabled=False
    )
    _run(django_capture_on_commit_callbacks)
    [request] = receiver.requests
    assert request.path == "/returns" and request.json()["title"] == "Return window closes tomorrow: Kettle"


def test_a_webhook_gets_one_delivery_per_item_with_the_api_objects(
    owner,
    owner_client,
    today,
    settings,
    receiver,
    django_capture_on_commit_callbacks,
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    warranty = ending(owner, 7, product_name="Road bike")
    window = _return_window(owner, 1)
    events = ["warranty.expiring", "return.closing"]
    body = {"kind": "WEBHOOK", "target": f"{receiver.url}/hook", "events": events}
    assert owner_client.post("/api/notifications/channels", body, format="json").status_code == 201
    _run(django_capture_on_commit_callbacks)
    sent = {body["type"]: body["data"] for body in receiver.bodies()}
    assert len(receiver.requests) == 2 and set(sent) == set(events)
    assert sent["warranty.expiring"] == owner_client.get(f"/api/warranties/{warranty.pk}").json()
    assert sent["return.closing"] == owner_client.get(f"/api/purchases/{window.pk}").json()
    keys = set(Delivery.objects.values_list("key", flat=True))
    assert keys == {
        f"warranty.expiring:{warranty.pk}:{warranty.warranty_end}:7",  # SentReminder's key
        f"return.closing:{window.pk}:{window.return_by}:1",  # SentReturnReminder's key
    }
