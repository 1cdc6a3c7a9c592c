"""Reminder models: constraints checked by the database, lead day validation, the feed token."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reminders.models import ReminderSettings, SentReminder, validate_lead_days
from tests.reminders.conftest import ending

pytestmark = pytest.mark.django_db


def log(warranty, lead_day, **kwargs):
    return SentReminder.objects.create(
        user=warranty.purchase.created_by,
        warranty=warranty,
        warranty_end=kwargs.pop("warranty_end", warranty.warranty_end),
        lead_day=lead_day,
        days_left=lead_day,
        email="x@example.com",
        sent_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC),
    )


def test_a_reminder_is_logged_once_per_warranty_end_and_lead_day(owner):
    warranty = ending(owner, 7)
    log(warranty, 7)
    with pytest.raises(IntegrityError), transaction.atomic():
        log(warranty, 7)
    log(warranty, 1)
    log(warranty, 7, warranty_end=warranty.warranty_end + datetime.timedelta(days=365))
    assert SentReminder.objects.count() == 3


def test_lead_day_is_at_most_365_in_the_database(owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        log(ending(owner, 7), 366)


def test_the_log_goes_with_the_warranty(owner):
    warranty = ending(owner, 7)
    log(warranty, 7)
    warranty.delete()
    assert not SentReminder.objects.exists()


def test_one_settings_row_per_user_and_unique_random_tokens(owner, other_user):
    first = ReminderSettings.objects.create(user=owner)
    second = ReminderSettings.objects.create(user=other_user)
    assert first.calendar_token != second.calendar_token and len(first.calendar_token) >= 40
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSettings.objects.create(user=owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSettings.objects.filter(pk=second.pk).update(calendar_token=first.calendar_token)


@pytest.mark.parametrize("value", [[], [0], [365, 30, 7, 1, 0]])
def test_valid_lead_days(value):
    validate_lead_days(value)


@pytest.mark.parametrize("value", [[366], [-1], [7, 7], "7", 7, None, [True], [1.0], ["7"], {"7": 1}])
def test_invalid_lead_days(value):
    with pytest.raises(ValidationError):
        validate_lead_days(value)


def test_recipient_is_the_settings_email_or_the_accounts(owner):
    prefs = ReminderSettings(user=owner)
    assert prefs.recipient == owner.email
    prefs.email = "alerts@example.org"
    assert prefs.recipient == "alerts@example.org"
