"""Reminders: each user's reminder settings (with the calendar feed token), the logs of sent reminders (warranty
ends, return windows), and the notification channels with their deliveries."""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from reminders.choices import ChannelKind, DeliveryStatus, Event

DEFAULT_LEAD_DAYS = (30, 7, 1)
MAX_LEAD_DAY = 365


def default_lead_days() -> list[int]:
    return list(DEFAULT_LEAD_DAYS)


def new_calendar_token() -> str:
    """A fresh feed secret: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def validate_lead_days(value) -> None:
    """A list of distinct whole numbers of days, each 0..365."""
    if not isinstance(value, list):
        raise ValidationError("Must be a list of whole numbers of days.")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= MAX_LEAD_DAY:
            raise ValidationError(f"Each lead day must be a whole number from 0 to {MAX_LEAD_DAY}.")
    if len(set(value)) != len(value):
        raise ValidationError("Lead days must not repeat.")


class ReminderSettings(models.Model):
    """One row per user, created on the first change (or the first reminder run); absent means the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_settings")
    enabled = models.BooleanField(default=True, help_text="Send reminder emails.")
    email = models.EmailField(blank=True, default="", help_text="Where reminders go; empty: the account's email.")
    lead_days = models.JSONField(
        default=default_lead_days,
        blank=True,  # [] is allowed: no reminder emails
        validators=[validate_lead_days],
        help_text="Days before a warranty ends to send a reminder, e.g. [30, 7, 1]; each 0..365.",
    )
    digest = models.BooleanField(default=True, help_text="One email per run listing everything due (else one each).")
    # The private calendar feed's secret; regenerating it makes the old feed URL answer 404.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "reminder settings"
        verbose_name_plural = "reminder settings"

    def __str__(self):
        return f"Reminder settings of {self.user}"

    @property
    def recipient(self) -> str:
        return self.email or self.user.email


class SentLog(models.Model):
    """What every sent-reminder log row holds: when, where, and how many days were left then."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    days_left = models.PositiveSmallIntegerField(help_text="Days left when it was sent.")
    email = models.EmailField(help_text="Where it was sent.")
    sent_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["-sent_at"]


class SentReminder(SentLog):
    """The log of reminders sent: one row per (member, warranty, end date, lead day), written only after the email
    went out. Each member of a household gets their own reminder of the household's warranties; the household is
    the warranty's purchase's (not stored here, so it can never disagree with it).

    The end date is part of the key so that a warranty whose end is changed (extended, corrected) is reminded again
    for its new end; for one end date the unique constraint makes a second send impossible.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_reminders")
    warranty = models.ForeignKey("warranties.Warranty", on_delete=models.CASCADE, related_name="sent_reminders")
    warranty_end = models.DateField(help_text="The warranty's end date the reminder was about.")
    lead_day = models.PositiveSmallIntegerField(help_text="The lead day (days before the end) this reminder is for.")

    class Meta(SentLog.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["user", "warranty", "warranty_end", "lead_day"], name="reminders_sent_once_per_member"
            ),
            models.CheckConstraint(
                condition=models.Q(lead_day__lte=MAX_LEAD_DAY), name="reminders_sentreminder_lead_day_range"
            ),
        ]
        indexes = [
            # the admin log and a user's history, newest first.
            models.Index(fields=["user", "-sent_at"], name="sentreminder_user_sent_idx"),
        ]

    def __str__(self):
        return f"{self.lead_day}-day warranty reminder to {self.email}, sent {self.sent_at:%Y-%m-%d}"


class SentReturnReminder(SentLog):
    """The log of return-window reminders sent, as SentReminder is for warranty ends: one row per (member, purchase,
    return-by date, lead day), written only after the email went out. The return-by date is part of the key, so a
    window that is moved is reminded again for its new date; for one date the unique constraint makes a second send
    impossible."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_return_reminders")
    purchase = models.ForeignKey("purchases.Purchase", on_delete=models.CASCADE, related_name="sent_return_reminders")
    return_by = models.DateField(help_text="The purchase's return-by date the reminder was about.")
    lead_day = models.PositiveSmallIntegerField(help_text="The lead day (days before return_by) it is for.")

    class Meta(SentLog.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purchase", "return_by", "lead_day"], name="reminders_return_sent_once_per_member"
            ),
            models.CheckConstraint(
                condition=models.Q(lead_day__lte=MAX_LEAD_DAY), name="reminders_sentreturnreminder_lead_day_range"
            ),
        ]
        indexes = [
            # the admin log and a user's history, newest first.
            models.Index(fields=["user", "-sent_at"], name="sentreturn_user_sent_idx"),
        ]

    def __str__(self):
        return f"{self.lead_day}-day return reminder to {self.email}, sent {self.sent_at:%Y-%m-%d}"


class Channel(models.Model):
    """A user's place to be notified (API.md § Version 2 → Notification channels): an email address, an Apprise URL
    or a signed webhook, with the events it receives. Per user, never shared with the household.

    `target` is stored as given, secrets included: delivery needs them. The API and the admin show it masked.
    `secret` signs webhooks (Standard Webhooks). It must stay recoverable, since the server computes each signature
    with it, so it is stored as given (a hash could not sign) and is shown only once, in the 201 answer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_channels")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    target = models.TextField(max_length=2000, help_text="Email address, Apprise URL or webhook URL.")
    events = models.JSONField(default=list, blank=True, help_text="The events this channel receives.")
    enabled = models.BooleanField(default=True)
    secret = models.CharField(max_length=100, blank=True, default="", editable=False)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["user", "created_at"], name="channel_user_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} channel of {self.user_id}"


class Delivery(models.Model):
    """One event for one channel: the log that makes it go out once. `key` is the event's idempotency key (for a
    reminder, the same as its SentReminder/SentReturnReminder key: item, date, lead day), unique per channel. Rows
    that share `group` go out as one message (an Apprise or email digest); a webhook's group is one item."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(max_length=200)
    group = models.UUIDField(db_index=True)
    event = models.CharField(max_length=32, choices=Event.choices)
    message = models.JSONField(encoder=DjangoJSONEncoder, help_text="What is sent (webhook body, or title and text).")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["channel", "key"], name="reminders_delivery_once_per_channel")]

    def __str__(self):
        return f"{self.event} to {self.channel_id} ({self.status})"
