from rest_framework import serializers

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
