from rest_framework import serializers

from reminders.channels import target_masked
from reminders.choices import ChannelKind, Event
from reminders.models import MAX_LEAD_DAY, default_lead_days

LEAD_DAYS_HELP = (
    f"Days before a warranty ends to be reminded, e.g. [30, 7, 1]: distinct whole numbers 0..{MAX_LEAD_DAY} "
    "(0 = on the last day). An empty list sends no reminders. Returned largest first."
)


class ReminderSettingsSerializer(serializers.Serializer):
    """PUT body. Like every PUT, omitted fields go back to their defaults."""

    enabled = serializers.BooleanField(default=True, help_text="Send reminder emails.")
    email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        help_text="Where reminders go. Empty, null or omitted: the account's email.",
    )
    lead_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=MAX_LEAD_DAY),
        default=default_lead_days,
        help_text=LEAD_DAYS_HELP,
    )
    digest = serializers.BooleanField(
        default=True, help_text="true: one email per run listing everything due; false: one email per warranty."
    )

    def validate_lead_days(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Lead days must not repeat.")
        return value


class ReminderSettingsReadSerializer(serializers.Serializer):
    """The settings as returned (`email` is the address reminders go to)."""

    enabled = serializers.BooleanField()
    email = serializers.EmailField(help_text="Where reminders go (the account's email unless set).")
    lead_days = serializers.ListField(child=serializers.IntegerField(), help_text=LEAD_DAYS_HELP)
    digest = serializers.BooleanField()

    def to_representation(self, instance):
        return {
            "enabled": instance.enabled,
            "email": instance.recipient,
            "lead_days": sorted(instance.lead_days, reverse=True),
            "digest": instance.digest,
        }


class CalendarTokenSerializer(serializers.Serializer):
    calendar_url = serializers.URLField(
        allow_null=True,
        help_text="The private feed URL to subscribe to. After POST it holds the new token (the previous URL no "
        "longer works); GET answers null while you have none.",
    )


# --- notification channels (API.md § Version 2 → Notification channels and webhooks) ---------------------------------
EVENTS_HELP = (
    "Events the channel receives: warranty.expiring, return.closing, purchase.created, purchase.updated, "
    "purchase.deleted, backup.failed (a superuser's channel only). Default: warranty.expiring and return.closing."
)
TARGET_HELP = (
    "EMAIL: an address. APPRISE: an Apprise URL (ntfy://, ntfys://, gotify://, tgram://, matrix://, json://, …), "
    "checked when saved. WEBHOOK: an https URL (http only to localhost); its host must not resolve to a private or "
    "loopback address (unless the server sets WEBHOOK_ALLOW_PRIVATE) nor to a link-local one (never). Returned "
    "masked: passwords, tokens and query values are shortened or replaced by ****."
)


class ChannelSerializer(serializers.Serializer):
    """A channel as returned. Its secrets (in the target; a webhook's signing secret) are never shown."""

    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=ChannelKind.choices, read_only=True)
    target = serializers.SerializerMethodField(help_text=TARGET_HELP)
    events = serializers.ListField(child=serializers.ChoiceField(choices=Event.choices), help_text=EVENTS_HELP)
    enabled = serializers.BooleanField()
    last_sent_at = serializers.DateTimeField(allow_null=True, help_text="When a message last went out over it.")
    last_error = serializers.CharField(help_text="The last failure's message; empty after a success.")
    consecutive_failures = serializers.IntegerField(
        help_text="Deliveries in a row that failed every try (5 tries over about an hour); at 10 the channel is "
        "switched off and its owner emailed."
    )
    created_at = serializers.DateTimeField()

    def get_target(self, channel) -> str:
        return target_masked(channel)


class ChannelCreatedSerializer(ChannelSerializer):
    secret = serializers.CharField(
        allow_null=True,
        help_text="A WEBHOOK channel's signing secret (whsec_…, Standard Webhooks), shown in this answer only; null "
        "for other kinds. The server keeps it as given because it signs every delivery with it (a hash could not "
        "sign); the API and the admin never show it again.",
    )


class ChannelCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    target = serializers.CharField(max_length=2000, help_text=TARGET_HELP)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices), required=False, help_text=EVENTS_HELP
    )
    enabled = serializers.BooleanField(default=True)


class ChannelUpdateSerializer(serializers.Serializer):
    """PATCH body: any of these; the kind cannot change. Switching a channel on again clears its failure count."""

    target = serializers.CharField(max_length=2000, required=False, help_text=TARGET_HELP)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices), required=False, help_text=EVENTS_HELP
    )
    enabled = serializers.BooleanField(required=False)


class ChannelTestSerializer(serializers.Serializer):
    delivered = serializers.BooleanField()


class ChannelTestFailedSerializer(serializers.Serializer):
    delivered = serializers.BooleanField(help_text="false")
    detail = serializers.CharField(help_text="Why it did not go out (also the channel's last_error).")
    code = serializers.CharField(help_text='"bad_gateway"')
