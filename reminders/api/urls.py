"""Reminder routes: /api/reminders/..., with or without a trailing slash."""

from django.urls import re_path

from .views import CalendarFeedView, CalendarTokenView, ReminderSettingsView

urlpatterns = [
    re_path(r"^reminders/settings/?$", ReminderSettingsView.as_view(), name="reminders-settings"),
    re_path(r"^reminders/calendar-token/?$", CalendarTokenView.as_view(), name="reminders-calendar-token"),
    re_path(r"^reminders/calendar\.ics/?$", CalendarFeedView.as_view(), name="reminders-calendar-feed"),
]
