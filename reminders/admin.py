"""Admin: each user's reminder settings, the read-only log of reminders sent, and notification channels (masked)."""

from django.contrib import admin, messages

from reminders import services
from reminders.channels import target_masked
from reminders.models import Channel, ReminderSettings, SentReminder, SentReturnReminder


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "enabled", "recipient", "lead_days", "digest", "updated_at"]
    list_filter = ["enabled", "digest"]
    search_fields = ["user__username", "user__email", "email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["user", "enabled", "email", "lead_days", "digest", "created_at", "updated_at"]
    actions = ["regenerate_calendar_token"]

    @admin.display(description="sends to")
    def recipient(self, obj):
        return obj.recipient

    @admin.action(description="Regenerate the calendar feed token (the old feed URL stops working)")
    def regenerate_calendar_token(self, request, queryset):
        for prefs in queryset.select_related("user"):
            services.calendar_token_regenerate(user=prefs.user)
        self.message_user(request, f"New calendar feed token for {queryset.count()} user(s).", messages.SUCCESS)


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    """The log is written by `send_reminders` only; deleting a row lets that reminder be sent again."""

    list_display = ["sent_at", "user", "product_name", "warranty_end", "lead_day", "days_left", "email"]
    list_filter = ["lead_day", "sent_at"]
    search_fields = ["user__username", "email", "warranty__purchase__product_name"]
    list_select_related = ["user", "warranty__purchase"]
    date_hierarchy = "sent_at"
    ordering = ["-sent_at"]

    @admin.display(description="product", ordering="warranty__purchase__product_name")
    def product_name(self, obj):
        return obj.warranty.purchase.product_name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SentReturnReminder)
class SentReturnReminderAdmin(admin.ModelAdmin):
    """The log of return-window reminders, written by `send_reminders` only; deleting a row lets it be sent again."""

    list_display = ["sent_at", "user", "purchase", "return_by", "lead_day", "days_left", "email"]
    list_filter = ["lead_day", "sent_at"]
    search_fields = ["user__username", "email", "purchase__product_name"]
    list_select_related = ["user", "purchase"]
    date_hierarchy = "sent_at"
    ordering = ["-sent_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """Channels with their secrets masked: the target as the API shows it, never the webhook signing secret."""

    list_display = ["user", "kind", "masked_target", "enabled", "last_sent_at", "consecutive_failures", "last_error"]
    list_filter = ["kind", "enabled"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    # Only `enabled` changes here; the target and events are checked by the API's rules (Settings → Channels).
    readonly_fields = ["user", "kind", "masked_target", "events", "last_sent_at", "last_error", "consecutive_failures"]
    fields = [*readonly_fields[:4], "enabled", *readonly_fields[4:]]

    @admin.display(description="target")
    def masked_target(self, obj):
        return target_masked(obj)

    def has_add_permission(self, request):
        return False  # the target's checks (Apprise syntax, SSRF) and the one-time secret live in the API
