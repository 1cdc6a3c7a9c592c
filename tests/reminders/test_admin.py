"""The admin pages for reminder settings and the sent-reminder log."""

import datetime

import pytest
from django.test import Client

from reminders.models import ReminderSettings, SentReminder
from tests.factories import UserFactory
from tests.reminders.conftest import ending

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def test_settings_changelist_change_form_and_token_action(admin_client, owner):
    prefs = ReminderSettings.objects.create(user=owner, lead_days=[14])
    response = admin_client.get("/admin/reminders/remindersettings/")
    assert response.status_code == 200 and b"owner@example.com" in response.content
    response = admin_client.get(f"/admin/reminders/remindersettings/{prefs.pk}/change/")
    assert response.status_code == 200 and prefs.calendar_token.encode() not in response.content

    response = admin_client.post(
        f"/admin/reminders/remindersettings/{prefs.pk}/change/",
        {"user": owner.pk, "enabled": "on", "email": "", "lead_days": "[400]", "digest": "on"},
    )
    assert response.status_code == 200 and b"from 0 to 365" in response.content  # refused, form shown again

    old = prefs.calendar_token
    response = admin_client.post(
        "/admin/reminders/remindersettings/",
        {"action": "regenerate_calendar_token", "_selected_action": [prefs.pk]},
    )
    assert response.status_code == 302
    prefs.refresh_from_db()
    assert prefs.calendar_token != old


def test_sent_reminder_log_is_read_only(admin_client, owner):
    warranty = ending(owner, 7, product_name="Espresso machine")
    row = SentReminder.objects.create(
        user=owner,
        warranty=warranty,
        warranty_end=warranty.warranty_end,
        lead_day=7,
        days_left=7,
        email=owner.email,
        sent_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC),
    )
    response = admin_client.get("/admin/reminders/sentreminder/")
    assert response.status_code == 200 and b"Espresso machine" in response.content
    assert admin_client.get("/admin/reminders/sentreminder/add/").status_code == 403
    response = admin_client.get(f"/admin/reminders/sentreminder/{row.pk}/change/")
    assert response.status_code == 200 and b"Save" not in response.content
