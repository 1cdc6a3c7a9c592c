"""Delivery of notifications: what an event becomes for each channel (a Delivery row per channel and idempotency
key), and the task's work of sending it, with retries, the channel's health and switching a failing channel off.

Sending happens in the task runner (reminders.tasks.deliver), never in a request (except the test button, which
sends now by design). With the immediate backend (no worker) a task runs at once in the caller's process and a
retry follows right away; a backend that can defer (django_tasks_db) spaces the tries out (BACKOFF_SECONDS)."""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import uuid

from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from reminders.channels import allow_private, target_masked
from reminders.choices import ChannelKind, DeliveryStatus
from reminders.models import Channel, Delivery
from spends import outbound

logger = logging.getLogger(__name__)

MAX_TRIES = 5
BACKOFF_SECONDS = (60, 300, 900, 2400)  # waits after tries 1..4: the fifth try comes about an hour after the first
DISABLE_AFTER = 10  # deliveries in a row that failed every try switch the channel off
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_timestamp(moment: datetime.datetime | None = None) -> str:
    return (moment or timezone.now()).astimezone(datetime.UTC).strftime(TIMESTAMP_FORMAT)


def webhook_body(event: str, data) -> dict:
    """The JSON body of a webhook delivery (API.md): {"type", "timestamp", "data": <the API's object>}."""
    return {"type": event, "timestamp": utc_timestamp(), "data": data}


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The Standard Webhooks signature header value: `v1,` and base64(HMAC-SHA256(key, "id.timestamp.body")), the key
    being the base64-decoded part of `whsec_…`."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _send_apprise(target: str, title: str, text: str) -> None:
    import apprise  # loads every notifier (~1 s): only when one is used, never at start-up

    notifier = apprise.Apprise()
    notifier.add(target)
    with apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as log:
        delivered = notifier.notify(title=title, body=text)
    if not delivered:
        details = " ".join(line.strip() for line in log.getvalue().splitlines() if line.strip())[:500]
        raise outbound.DeliveryFailed(details or "Apprise could not deliver the notification.")


def send(channel: Channel, message: dict, *, msg_id: str) -> None:
    """Send `message` over `channel` now: for a webhook `message` is the body, else {"title", "text"}. Raises
    DeliveryFailed (or UnsafeURL, or a mail error) when it did not go out."""
    if channel.kind == ChannelKind.WEBHOOK:
        body = json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
        stamp = str(int(timezone.now().timestamp()))
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": stamp,
            "webhook-signature": sign(channel.secret, msg_id, stamp, body),
            "User-Agent": "Spends-Tracker-Webhooks",
        }
        outbound.post(channel.target, body, headers, allow_private=allow_private())
    elif channel.kind == ChannelKind.APPRISE:
        _send_apprise(channel.target, message["title"], message["text"])
    else:
        send_mail(message["title"], message["text"], None, [channel.target])


def _error_text(exc: Exception) -> str:
    if isinstance(exc, outbound.DeliveryFailed | outbound.UnsafeURL):
        return str(exc)
    return f"{exc.__class__.__name__}: {exc}"[:1000]


def channel_test(*, channel: Channel) -> str:
    """Send a test message over `channel` now; returns "" when it went out, else the error (also kept as the
    channel's `last_error`). The failure count is left alone: a test is not an event."""
    message = {"title": "Spends Tracker test", "text": "This channel works: notifications will arrive here."}
    if channel.kind == ChannelKind.WEBHOOK:
        message = webhook_body("channel.test", {"channel_id": str(channel.pk)})
    try:
        send(channel, message, msg_id=f"msg_{uuid.uuid4().hex}")
    except Exception as exc:  # any failure is the answer (502), never a 500
        error = _error_text(exc)
        Channel.objects.filter(pk=channel.pk).update(last_error=error)
        return error
    Channel.objects.filter(pk=channel.pk).update(last_sent_at=timezone.now(), last_error="")
    return ""


def deliveries_create(channel: Channel, items: list[tuple[str, str]], message: dict) -> uuid.UUID | None:
    """Record one message for `channel` covering `items` (pairs of event and idempotency key) and queue it once the
    transaction commits. Returns its group, or None when every key was already delivered (or queued) to it."""
    group = uuid.uuid4()
    try:
        with transaction.atomic():
            Delivery.objects.bulk_create(
                Delivery(channel=channel, key=key, group=group, event=event, message=message) for event, key in items
            )
    except IntegrityError:  # a concurrent run recorded one of them first: it delivers them
        return None
    from reminders.tasks import deliver

    transaction.on_commit(lambda: deliver.enqueue(str(group)))
    return group


def new_keys(channel: Channel, keys: list[str]) -> set[str]:
    """Those of `keys` never recorded for `channel` (one event goes out once per channel)."""
    return set(keys) - set(Delivery.objects.filter(channel=channel, key__in=keys).values_list("key", flat=True))


def _retry(group: str, wait: int) -> None:
    from django_tasks import default_task_backend

    from reminders.tasks import deliver

    if default_task_backend.supports_defer:
        deliver.using(run_after=timezone.now() + datetime.timedelta(seconds=wait)).enqueue(group)
    else:
        deliver.enqueue(group)


def _disable(channel: Channel, error: str) -> None:
    Channel.objects.filter(pk=channel.pk).update(enabled=False)
    address = channel.user.email
    if not address:
        return
    text = (
        f"Your notification channel {target_masked(channel)} ({channel.get_kind_display()}) failed {DISABLE_AFTER} "
        f"times in a row and was switched off.\n\nLast error: {error}\n\nFix it, then switch it on again under "
        "Settings → Channels."
    )
    try:
        send_mail("A notification channel was switched off", text, None, [address])
    except Exception:
        logger.exception("Telling user %s that channel %s was switched off failed", channel.user_id, channel.pk)


def _failed(rows, channel: Channel, attempt: int, error: str, group: str) -> str:
    now = timezone.now()
    Channel.objects.filter(pk=channel.pk).update(last_error=error)
    if attempt < MAX_TRIES:
        wait = BACKOFF_SECONDS[attempt - 1]
        rows.update(attempts=attempt, last_error=error, next_attempt_at=now + datetime.timedelta(seconds=wait))
        _retry(group, wait)
        return "retrying"
    rows.update(attempts=attempt, last_error=error, next_attempt_at=None, status=DeliveryStatus.FAILED)
    Channel.objects.filter(pk=channel.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    channel.refresh_from_db(fields=["consecutive_failures", "enabled"])
    if channel.enabled and channel.consecutive_failures >= DISABLE_AFTER:
        _disable(channel, error)
        return "disabled"
    return "failed"


def deliver_group(group: str) -> str:
    """The task's work: one try at sending the pending deliveries of `group` (one message). Success marks them sent
    and the channel healthy; a failure is retried (MAX_TRIES in all, BACKOFF_SECONDS apart); after the last try they
    are failed, and DISABLE_AFTER such deliveries in a row switch the channel off and email its owner. Never raises."""
    rows = Delivery.objects.filter(group=group, status=DeliveryStatus.PENDING)
    first = rows.select_related("channel__user").first()
    if first is None:
        return "nothing to send"
    channel = first.channel
    if not channel.enabled:
        rows.update(status=DeliveryStatus.FAILED, last_error="The channel is switched off.")
        return "channel off"
    attempt = first.attempts + 1
    try:
        send(channel, first.message, msg_id=f"msg_{uuid.UUID(str(group)).hex}")
    except Exception as exc:
        logger.warning("Delivery %s to channel %s failed (try %s): %s", group, channel.pk, attempt, exc)
        return _failed(rows, channel, attempt, _error_text(exc), group)
    now = timezone.now()
    rows.update(status=DeliveryStatus.SENT, attempts=attempt, sent_at=now, last_error="", next_attempt_at=None)
    Channel.objects.filter(pk=channel.pk).update(last_sent_at=now, last_error="", consecutive_failures=0)
    return "sent"
