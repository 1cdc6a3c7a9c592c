"""Choices of notification channels: their kinds, the events they subscribe to, a delivery's state."""

from django.db import models


class ChannelKind(models.TextChoices):
    EMAIL = "EMAIL", "Email"
    APPRISE = "APPRISE", "Apprise (ntfy, Gotify, Telegram, Matrix, …)"
    WEBHOOK = "WEBHOOK", "Signed webhook"


class Event(models.TextChoices):
    WARRANTY_EXPIRING = "warranty.expiring", "A warranty ends soon"
    RETURN_CLOSING = "return.closing", "A return window closes soon"
    PURCHASE_CREATED = "purchase.created", "A purchase was added"
    PURCHASE_UPDATED = "purchase.updated", "A purchase was changed"
    PURCHASE_DELETED = "purchase.deleted", "A purchase was deleted"
    BACKUP_FAILED = "backup.failed", "A backup failed (superusers only)"


DEFAULT_EVENTS = (Event.WARRANTY_EXPIRING.value, Event.RETURN_CLOSING.value)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its (next) try
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # every try failed, or the channel was disabled or deleted
