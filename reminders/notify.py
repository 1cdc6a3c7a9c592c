"""What happens becomes notifications: the purchase writes (purchases' own signal), a failed backup (plumbing's
signal, for superusers' channels) and the reminder run's digests, each turned into deliveries for the enabled
channels subscribed to the event (reminders.delivery sends them)."""

import datetime
import functools
import logging
import uuid

from django.contrib.auth import get_user_model

from households.models import Membership
from purchases import representation
from purchases import selectors as purchase_selectors
from reminders import emails, quiet
from reminders.choices import ChannelKind, Event
from reminders.delivery import deliveries_create, new_keys, webhook_body
from reminders.models import Channel
from warranties import selectors as warranty_selectors

logger = logging.getLogger(__name__)

_TITLES = {
    Event.PURCHASE_CREATED: "Purchase added",
    Event.PURCHASE_UPDATED: "Purchase changed",
    Event.PURCHASE_DELETED: "Purchase deleted",
}


def subscribed_channels(users, event: str) -> list[Channel]:
    """The enabled channels of `users` (a queryset or ids) that receive `event`; the owner joined. The events list is
    JSON, so the match is made here (SQLite has no JSON containment)."""
    channels = Channel.objects.filter(user__in=users, user__is_active=True, enabled=True).select_related("user")
    return [channel for channel in channels if event in channel.events]


def _fan_out(channels, event: str, key: str, data, title: str, text: str) -> None:
    for channel in channels:
        webhook = channel.kind == ChannelKind.WEBHOOK
        message = webhook_body(event, data) if webhook else {"title": title, "text": text}
        deliveries_create(channel, [(event, key)], message)


def _never_raises(receiver):
    """A receiver runs after the sender's work committed: its failure is logged, never the sender's error (a purchase
    saved must not answer 500, a backup run must finish)."""

    @functools.wraps(receiver)
    def wrapper(*args, **kwargs):
        try:
            receiver(*args, **kwargs)
        except Exception:
            logger.exception("Queuing notifications in %s failed", receiver.__name__)

    return wrapper


@_never_raises
def on_purchase_written(sender, *, event: str, household_id, data: dict, **kwargs) -> None:
    """purchases.signals.purchase_written: every member's subscribed channels get the event, once (each write is its
    own event, so its key is new)."""
    known_quiet, generation = quiet.is_quiet(household_id, event)
    if known_quiet:  # no channel of this household hears `event` (reminders.quiet): no lookup
        return
    members = Membership.objects.filter(household_id=household_id).values("user_id")
    channels = subscribed_channels(members, event)
    if not channels:
        quiet.remember_quiet(household_id, event, generation)
        return
    name = data.get("product_name", "")
    text = f"{name}: {data.get('price')} {data.get('currency_code')}, bought {data.get('purchase_date')}"
    if event != Event.PURCHASE_DELETED:
        text += f"\n{emails.purchase_url(data.get('id'))}"
    _fan_out(channels, event, f"{event}:{data.get('id')}:{uuid.uuid4().hex}", data, f"{_TITLES[event]}: {name}", text)


@_never_raises
def on_backup_failed(sender, *, data: dict, **kwargs) -> None:
    """spends.events.backup_failed: superusers' subscribed channels only (a backup holds every user's data)."""
    superusers = get_user_model().objects.filter(is_superuser=True).values("pk")
    channels = subscribed_channels(superusers, Event.BACKUP_FAILED)
    text = f"Backup {data.get('id')} failed: {data.get('error') or 'no reason recorded'}"
    _fan_out(channels, Event.BACKUP_FAILED, f"backup.failed:{data.get('id')}", data, "Backup failed", text)


def warranty_key(warranty) -> str:
    """A warranty reminder's idempotency key: SentReminder's key (warranty, end date, lead day) for one channel."""
    return f"{Event.WARRANTY_EXPIRING}:{warranty.pk}:{warranty.warranty_end}:{warranty.lead_day}"


def return_key(purchase) -> str:
    """A return-window reminder's key: SentReturnReminder's (purchase, return-by date, lead day) for one channel."""
    return f"{Event.RETURN_CLOSING}:{purchase.pk}:{purchase.return_by}:{purchase.lead_day}"


def _warranty_objects(household_id, warranties) -> dict:
    rows = warranty_selectors.warranty_list(household_id=household_id).filter(pk__in=[w.pk for w in warranties])
    return {row.pk: representation.warranty_object(row.purchase, row) for row in rows}


def _purchase_objects(household_id, purchases) -> dict:
    """The API's purchase objects (as PurchaseSerializer renders a purchase_list row) of `purchases`."""
    rows = purchase_selectors.purchase_list(household_id=household_id).filter(pk__in=[p.pk for p in purchases])
    objects = {}
    for row in rows:
        warranty = getattr(row, "warranty", None)
        if warranty is not None:  # the chosen warranty's annotations sit on the purchase row
            warranty.purchase = row
            warranty.effective_status = row.warranty_effective_status
            warranty.days_remaining = row.warranty_days_remaining
            warranty.claim_count = row.warranty_claim_count
        objects[row.pk] = representation.purchase_read_representation(row, warranty, row.warranties.all())
    return objects


def _digest_text(items: list[dict], returns: list[dict]) -> str:
    lines = [f"• {i['product_name']}: warranty ends {i['warranty_end']} ({i['days_left']} d)" for i in items]
    lines += [f"• {i['product_name']}: return by {i['return_by']} ({i['days_left']} d)" for i in returns]
    return "\n".join(lines[:20] + ([f"… and {len(lines) - 20} more"] if len(lines) > 20 else []))


def _channel_digest(channel, warranties, returns, household_id, today, objects) -> None:
    wanted = [(Event.WARRANTY_EXPIRING, warranty_key(w), w) for w in warranties]
    wanted += [(Event.RETURN_CLOSING, return_key(p), p) for p in returns]
    wanted = [item for item in wanted if item[0] in channel.events]
    fresh = new_keys(channel, [key for _, key, _ in wanted])
    wanted = [item for item in wanted if item[1] in fresh]
    if not wanted:
        return
    if channel.kind == ChannelKind.WEBHOOK:  # one webhook per item
        if not objects:
            objects.update(_warranty_objects(household_id, [o for e, _, o in wanted if e == Event.WARRANTY_EXPIRING]))
            objects.update(_purchase_objects(household_id, [o for e, _, o in wanted if e == Event.RETURN_CLOSING]))
        for event, key, obj in wanted:
            deliveries_create(channel, [(event, key)], webhook_body(event, objects.get(obj.pk)))
        return
    items = emails.reminder_items([o for e, _, o in wanted if e == Event.WARRANTY_EXPIRING], today=today)
    windows = emails.return_items([o for e, _, o in wanted if e == Event.RETURN_CLOSING], today=today)
    message = {"title": emails.reminder_subject(items, windows), "text": _digest_text(items, windows)}
    deliveries_create(channel, [(event, key) for event, key, _ in wanted], message)


def reminder_digest(*, user, household_id, warranties: list, returns: list, today: datetime.date) -> None:
    """The reminder run's digest for `user`'s channels: the warranties and return windows due (as the run found
    them), each channel getting only the events it subscribes to and never an item it already got. Apprise and email
    channels get one message (a title and a short list), a webhook one delivery per item. Queued on commit."""
    if not warranties and not returns:
        return
    channels = [
        channel
        for channel in Channel.objects.filter(user=user, enabled=True).select_related("user")
        if {Event.WARRANTY_EXPIRING, Event.RETURN_CLOSING} & set(channel.events)
    ]
    objects: dict = {}  # the API objects, read once for all of the user's webhooks
    for channel in channels:
        _channel_digest(channel, warranties, returns, household_id, today, objects)
