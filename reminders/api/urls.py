"""Reminder routes: /api/reminders/... and /api/notifications/channels/..., with or without a trailing slash."""

from django.urls import re_path

from spends.api.routers import OptionalSlashRouter

from .channels import ChannelViewSet
from .views import CalendarFeedView, CalendarTokenView, ReminderSettingsView

router = OptionalSlashRouter()
router.register("notifications/channels", ChannelViewSet, basename="notification-channel")

urlpatterns = [
    re_path(r"^reminders/settings/?$", ReminderSettingsView.as_view(), name="reminders-settings"),
    re_path(r"^reminders/calendar-token/?$", CalendarTokenView.as_view(), name="reminders-calendar-token"),
    re_path(r"^reminders/calendar\.ics/?$", CalendarFeedView.as_view(), name="reminders-calendar-feed"),
] + router.urls
