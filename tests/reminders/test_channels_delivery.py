"""Deliveries for real, to a local HTTP receiver: signed webhooks (checked by an independent implementation of
Standard Webhooks), retries with backoff, switching a failing channel off, SSRF at send time, and the events
(purchase writes, backup failures)."""

import base64
import datetime
import hashlib
import hmac

import pytest
from django.core import mail
from django_tasks import default_task_backend

from backups import services as backup_services
from backups.choices import BackupKind, BackupStatus
from households.models import Membership
from reminders import delivery
from reminders.choices import DeliveryStatus
from reminders.models import Channel, Delivery
from reminders.tasks import deliver
from tests.conftest import token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PURCHASE = {"product_name": "Road bike", "price": "1299.99", "purchase_date": "2025-01-15"}


def verify_standard_webhook(secret: str, headers: dict, body: bytes) -> bool:
    """Standard Webhooks, written from the specification (not from our code): the key is the base64 after `whsec_`;
    the signed content is `{id}.{timestamp}.{body}`; the header lists space-separated `v1,<base64>` signatures."""
    key = base64.b64decode(secret.split("_", 1)[1])
    content = b".".join([headers["webhook-id"].encode(), headers["webhook-timestamp"].encode(), body])
    expected = base64.b64encode(hmac.digest(key, content, "sha256")).decode()
    offered = [part.split(",", 1)[1] for part in headers["webhook-signature"].split(" ") if part.startswith("v1,")]
    return any(hmac.compare_digest(expected, signature) for signature in offered)


@pytest.fixture
def webhook(owner_client, settings, receiver):
    """The owner's webhook to the local receiver, subscribed to the purchase events; returns (channel, secret)."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    events = ["purchase.created", "purchase.updated", "purchase.deleted"]
    response = owner_client.post(
        "/api/notifications/channels",
        {"kind": "WEBHOOK", "target": f"{receiver.url}/hook", "events": events},
        format="json",
    )
    assert response.status_code == 201, response.content
    return Channel.objects.get(pk=response.json()["id"]), response.json()["secret"]


def test_purchase_writes_each_emit_exactly_one_signed_event(
    owner_client,
    webhook,
    receiver,
    django_capture_on_commit_callbacks,
):
    channel, secret = webhook
    with django_capture_on_commit_callbacks(execute=True):
        created = owner_client.post("/api/purchases", PURCHASE, format="json")
    assert created.status_code == 201
    purchase_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.patch(f"/api/purchases/{purchase_id}", {"notes": "gift"}, format="json").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"/api/purchases/{purchase_id}").status_code == 204
    assert [body["type"] for body in receiver.bodies()] == ["purchase.created", "purchase.updated", "purchase.deleted"]
    for request in receiver.requests:
        assert verify_standard_webhook(secret, request.headers, request.body)
        assert request.headers["content-type"] == "application/json"
        body = request.json()
        assert body["data"]["id"] == purchase_id and set(body) == {"type", "timestamp", "data"}
        assert body["timestamp"].endswith("Z")
    assert receiver.bodies()[0]["data"] == created.json()  # the API's purchase object
    assert receiver.bodies()[1]["data"]["notes"] == "gift"
    assert not verify_standard_webhook("whsec_" + base64.b64encode(b"x" * 32).decode(), *_first(receiver))
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == 3
    assert Delivery.objects.filter(channel=channel, status=DeliveryStatus.SENT).count() == 3
    channel.refresh_from_db()
    assert channel.last_sent_at is not None and channel.last_error == ""


def _first(receiver):
    return receiver.requests[0].headers, receiver.requests[0].body


def test_a_refused_write_emits_nothing(owner_client, webhook, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post("/api/purchases", {**PURCHASE, "price": "-1"}, format="json").status_code == 400
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_household_members_channels_hear_of_the_purchase_but_strangers_do_not(
    owner,
    owner_client,
    other_user,
    settings,
    receiver,
    django_capture_on_commit_callbacks,
):
    member = UserFactory(username="member")
    Membership.objects.filter(user=member).update(household=Membership.objects.get(user=owner).household)
    for user, path in ((member, "/member"), (other_user, "/stranger")):
        Channel.objects.create(
            user=user, kind="APPRISE", target=f"json://127.0.0.1:{receiver.port}{path}", events=["purchase.created"]
        )
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/api/purchases", PURCHASE, format="json")
    assert [request.path for request in receiver.requests] == ["/member"]
    assert receiver.requests[0].json()["title"] == "Purchase added: Road bike"


def test_two_500_answers_are_retried(owner_client, webhook, receiver, django_capture_on_commit_callbacks):
    receiver.answers = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/api/purchases", PURCHASE, format="json")
    assert len(receiver.requests) == 3
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == 1  # one message, three tries
    row = Delivery.objects.get()
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 3, "")
    channel = Channel.objects.get()
    assert channel.consecutive_failures == 0 and channel.enabled


def test_retries_are_spaced_out_over_about_an_hour(settings, owner, receiver):
    """With a backend that can defer (as django_tasks_db), each retry is queued for later: 1, 5, 15, 40 minutes."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    receiver.always = 500
    channel = Channel.objects.create(user=owner, kind="APPRISE", target=f"json://127.0.0.1:{receiver.port}/", events=[])
    group = delivery.deliveries_create(channel, [("purchase.created", "k1")], {"title": "t", "text": "x"})
    waits = []
    for attempt in range(1, 6):
        before = datetime.datetime.now(datetime.UTC)
        assert deliver.call(str(group)) == ("failed" if attempt == 5 else "retrying")
        if attempt < 5:
            run_after = default_task_backend.results[-1].task.run_after
            waits.append(round((run_after - before).total_seconds() / 60))
    assert waits == [1, 5, 15, 40] and sum(delivery.BACKOFF_SECONDS) / 60 == 61
    row = Delivery.objects.get()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 5) and "500" in row.last_error
    assert len(receiver.requests) == 5
    assert Channel.objects.get().consecutive_failures == 1


def test_ten_failed_deliveries_switch_the_channel_off_and_email_the_owner(
    owner,
    owner_client,
    webhook,
    receiver,
    django_capture_on_commit_callbacks,
):
    receiver.always = 500
    for number in range(11):
        with django_capture_on_commit_callbacks(execute=True):
            owner_client.post("/api/purchases", {**PURCHASE, "product_name": f"Thing {number}"}, format="json")
    channel = Channel.objects.get()
    assert channel.enabled is False and channel.consecutive_failures == 10
    assert "HTTP 500" in channel.last_error
    assert len(receiver.requests) == 10 * delivery.MAX_TRIES  # the 11th write found the channel off
    [message] = mail.outbox
    assert message.to == [owner.email] and "switched off" in message.subject
    # Switched on again, it starts afresh.
    assert owner_client.patch(f"/api/notifications/channels/{channel.pk}", {"enabled": True}).status_code == 200
    assert Channel.objects.get().consecutive_failures == 0


def test_a_success_resets_the_failure_count(owner_client, webhook, receiver, django_capture_on_commit_callbacks):
    channel, _ = webhook
    Channel.objects.filter(pk=channel.pk).update(consecutive_failures=9)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/api/purchases", PURCHASE, format="json")
    assert Channel.objects.get().consecutive_failures == 0


def test_ssrf_is_checked_again_when_sending(
    owner_client, webhook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE = False  # the address was allowed when saved, not any more
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/api/purchases", PURCHASE, format="json")
    assert receiver.requests == []
    assert "private" in Delivery.objects.get().last_error


def test_redirects_are_not_followed(owner_client, webhook, receiver, django_capture_on_commit_callbacks):
    receiver.always = 302
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/api/purchases", PURCHASE, format="json")
    assert {request.path for request in receiver.requests} == {"/hook"}  # never /elsewhere
    assert "redirect" in Delivery.objects.get().last_error


def test_one_event_is_delivered_once_per_channel(owner, receiver):
    channel = Channel.objects.create(user=owner, kind="APPRISE", target=f"json://127.0.0.1:{receiver.port}/", events=[])
    assert delivery.deliveries_create(channel, [("warranty.expiring", "same-key")], {"title": "t", "text": "x"})
    assert delivery.deliveries_create(channel, [("warranty.expiring", "same-key")], {"title": "t", "text": "x"}) is None
    assert Delivery.objects.count() == 1


def test_a_backup_failure_reaches_superusers_channels_only(owner, receiver, django_capture_on_commit_callbacks):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    events = ["backup.failed"]
    Channel.objects.create(user=root, kind="APPRISE", target=f"json://127.0.0.1:{receiver.port}/root", events=events)
    Channel.objects.create(user=owner, kind="APPRISE", target=f"json://127.0.0.1:{receiver.port}/user", events=events)
    with django_capture_on_commit_callbacks(execute=True):
        backup = backup_services.backup_create(kind=BackupKind.INCREMENTAL)  # no earlier backup: it fails
    assert backup.status == BackupStatus.FAILED
    [request] = receiver.requests
    assert request.path == "/root" and request.json()["title"] == "Backup failed"
    assert "incremental" in request.json()["message"]


def test_a_backup_failure_webhook_carries_the_backup_object(settings, receiver, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    root = token_client(UserFactory(username="root", is_superuser=True, is_staff=True))
    body = {"kind": "WEBHOOK", "target": f"{receiver.url}/b", "events": ["backup.failed"]}
    assert root.post("/api/notifications/channels", body, format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        backup = backup_services.backup_create(kind=BackupKind.INCREMENTAL)
    [sent] = receiver.bodies()
    assert sent["type"] == "backup.failed"
    assert sent["data"] == root.get("/api/backup/status").json()["latest"]  # the API's backup object
    assert sent["data"]["id"] == str(backup.pk) and sent["data"]["status"] == "failed"


def test_signing_matches_the_standard_webhooks_example():
    """The specification's published example (standard-webhooks, libraries' test vectors)."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    signature = delivery.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert hashlib.sha256(body).hexdigest()  # (the body is signed as bytes, unchanged)


def test_an_email_channel_gets_the_event_as_an_email(owner, owner_client, django_capture_on_commit_callbacks):
    Channel.objects.create(user=owner, kind="EMAIL", target="alerts@example.com", events=["purchase.created"])
    with django_capture_on_commit_callbacks(execute=True):
        purchase_id = owner_client.post("/api/purchases", PURCHASE, format="json").json()["id"]
    [message] = mail.outbox
    assert message.to == ["alerts@example.com"] and message.subject == "Purchase added: Road bike"
    assert "1299.99 USD" in message.body and purchase_id in message.body  # with the link to the purchase
