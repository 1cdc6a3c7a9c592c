"""The reminder run: what is sent to whom, what is logged, idempotence, failures and dry runs; settings writes."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from reminders import services
from reminders.models import ReminderSettings, SentReminder
from tests.factories import UserFactory
from tests.reminders.conftest import TODAY, ending
from warranties.choices import WarrantyStatus, WarrantyType

pytestmark = pytest.mark.django_db


def logged():
    return sorted((r.warranty_id, r.lead_day) for r in SentReminder.objects.all())


def test_digest_sends_one_email_listing_everything_due(owner, retailer, settings):
    settings.SITE_URL = "https://spends.example.com"
    laptop = ending(owner, 30, retailer=retailer, product_name="MacBook <Air>", provider="AppleCare")
    phone = ending(owner, 7, product_name="Pixel 9")
    ending(owner, 31)

    report = services.send_reminders(today=TODAY)

    assert (report.emails_sent, report.reminders_sent, report.failed) == (1, 2, [])
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == "2 warranties end soon"
    text = message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for body in (text, html):
        assert "Pixel 9" in body and "2025-06-08" in body and "2025-07-01" in body and "AppleCare" in body
        assert f"https://spends.example.com/#/purchases/{laptop.purchase_id}" in body
        assert f"https://spends.example.com/#/purchases/{phone.purchase_id}" in body
    assert "MacBook <Air>" in text and "Bikes & Co <Berlin>" in text and "30 days left" in text
    assert "MacBook &lt;Air&gt;" in html and "Bikes &amp; Co &lt;Berlin&gt;" in html and "<td>30</td>" in html
    assert logged() == sorted([(laptop.pk, 30), (phone.pk, 7)])
    row = SentReminder.objects.get(warranty=phone)
    assert (row.user, row.email, row.days_left, row.warranty_end) == (owner, owner.email, 7, phone.warranty_end)


def test_without_digest_one_email_per_warranty(owner):
    ReminderSettings.objects.create(user=owner, digest=False, email="alerts@example.org")
    ending(owner, 1, product_name="Kettle")
    ending(owner, 0, product_name="Toaster")
    report = services.send_reminders(today=TODAY)
    assert (report.emails_sent, report.reminders_sent) == (2, 2)
    assert sorted(m.subject for m in mail.outbox) == ["Warranty ends today: Toaster", "Warranty ends tomorrow: Kettle"]
    assert {tuple(m.to) for m in mail.outbox} == {("alerts@example.org",)}


def test_a_second_run_on_the_same_day_sends_nothing(owner):
    ending(owner, 7)
    ending(owner, 30)
    services.send_reminders(today=TODAY)
    again = services.send_reminders(today=TODAY)
    assert (again.emails_sent, again.reminders_sent) == (0, 0)
    assert len(mail.outbox) == 1 and SentReminder.objects.count() == 2


def test_a_missed_day_is_caught_up_exactly_once(owner):
    warranty = ending(owner, 30)
    # No run on the 30-day mark; the next run is two days later.
    services.send_reminders(today=TODAY + datetime.timedelta(days=2))
    assert logged() == [(warranty.pk, 30)] and len(mail.outbox) == 1
    assert "28 days left" in mail.outbox[0].body
    for day in range(3, 23):  # every day until the 7-day mark: nothing
        services.send_reminders(today=TODAY + datetime.timedelta(days=day))
    assert len(mail.outbox) == 1
    services.send_reminders(today=TODAY + datetime.timedelta(days=23))
    assert logged() == sorted([(warranty.pk, 30), (warranty.pk, 7)]) and len(mail.outbox) == 2


def test_a_run_every_day_sends_each_lead_day_once(owner):
    warranty = ending(owner, 40)
    for day in range(0, 45):
        services.send_reminders(today=TODAY + datetime.timedelta(days=day))
    assert logged() == sorted([(warranty.pk, 30), (warranty.pk, 7), (warranty.pk, 1)])
    assert len(mail.outbox) == 3


def test_voided_expired_and_lifetime_are_never_sent(owner):
    ending(owner, 7, status=WarrantyStatus.VOIDED)
    ending(owner, -1)
    ending(owner, None, warranty_type=WarrantyType.LIFETIME)
    ending(owner, 1, warranty_type=WarrantyType.LIFETIME)
    report = services.send_reminders(today=TODAY)
    assert report.outcomes == [] and mail.outbox == [] and not SentReminder.objects.exists()


def test_disabled_users_get_nothing(owner, other_user):
    ReminderSettings.objects.create(user=owner, enabled=False)
    ending(owner, 7)
    theirs = ending(other_user, 7)
    services.send_reminders(today=TODAY)
    assert [m.to for m in mail.outbox] == [[other_user.email]]
    assert logged() == [(theirs.pk, 7)]


def test_a_user_without_an_email_address_is_skipped_and_retried_later(owner):
    owner.email = ""
    owner.save()
    warranty = ending(owner, 7)
    report = services.send_reminders(today=TODAY)
    assert report.outcomes[0].skipped == "no email address" and mail.outbox == [] and logged() == []
    ReminderSettings.objects.filter(user=owner).update(email="me@example.org")
    services.send_reminders(today=TODAY)
    assert [m.to for m in mail.outbox] == [["me@example.org"]] and logged() == [(warranty.pk, 7)]


def test_one_users_smtp_failure_leaves_the_others_sent(owner, other_user, failing, caplog):
    third = UserFactory()
    ending(owner, 7)
    theirs = ending(other_user, 7)
    third_warranty = ending(third, 1)
    failing.FAILING.add(owner.email)

    report = services.send_reminders(today=TODAY)

    assert [o.username for o in report.failed] == ["owner"]
    assert "SMTPRecipientsRefused" in report.failed[0].error
    assert sorted(m.to[0] for m in mail.outbox) == sorted([other_user.email, third.email])
    assert logged() == sorted([(theirs.pk, 7), (third_warranty.pk, 1)])  # nothing for the failed user
    assert "Sending reminders to user" in caplog.text

    failing.FAILING.clear()  # the server is back: the next run sends the failed user's reminder, and only that
    retry = services.send_reminders(today=TODAY)
    assert (retry.emails_sent, retry.failed) == (1, []) and mail.outbox[-1].to == [owner.email]
    assert SentReminder.objects.count() == 3


def test_without_digest_a_failure_keeps_what_was_already_sent(owner, failing):
    ReminderSettings.objects.create(user=owner, digest=False)
    first = ending(owner, 1, product_name="Alpha")
    ending(owner, 2, product_name="Broken")
    failing.FAILING_SUBJECT_WORDS.add("Broken")
    report = services.send_reminders(today=TODAY)
    assert report.failed and report.outcomes[0].reminders_sent == 1
    assert logged() == [(first.pk, 1)]
    failing.FAILING_SUBJECT_WORDS.clear()
    services.send_reminders(today=TODAY)
    assert [m.subject for m in mail.outbox] == ["Warranty ends tomorrow: Alpha", "Warranty ends in 2 days: Broken"]


def test_dry_run_sends_and_records_nothing(owner):
    warranty = ending(owner, 7)
    report = services.send_reminders(today=TODAY, dry_run=True)
    assert report.dry_run and report.reminders_due == 1 and report.outcomes[0].due[0].pk == warranty.pk
    assert (report.emails_sent, report.reminders_sent) == (0, 0)
    assert mail.outbox == [] and not SentReminder.objects.exists() and not ReminderSettings.objects.exists()


def test_today_defaults_to_the_clock(owner, today):
    ending(owner, 7)
    assert services.send_reminders().today == today
    assert len(mail.outbox) == 1


def test_a_database_error_for_one_user_does_not_stop_the_others(owner, other_user, monkeypatch):
    ending(owner, 7)
    ending(other_user, 7)
    real = services._remind_user

    def broken_for_owner(user, **kwargs):
        if user == owner:
            raise RuntimeError("boom")
        return real(user, **kwargs)

    monkeypatch.setattr(services, "_remind_user", broken_for_owner)
    report = services.send_reminders(today=TODAY)
    assert [o.username for o in report.failed] == ["owner"] and [m.to for m in mail.outbox] == [[other_user.email]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("has_settings_row", [True, False])
def test_two_concurrent_runs_send_each_reminder_once(failing, has_settings_row):
    user = UserFactory()
    if has_settings_row:
        ReminderSettings.objects.create(user=user)
    for days in (1, 7, 30):
        ending(user, days)
    failing.SEND_DELAY["seconds"] = 0.5  # the first run is still sending when the second one starts
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run():
        try:
            barrier.wait()
            reports.append(services.send_reminders(today=TODAY))
        except Exception as exc:  # pragma: no cover - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and not any(r.failed for r in reports)
    assert len(mail.outbox) == 1 and SentReminder.objects.count() == 3
    assert sorted(r.emails_sent for r in reports) == [0, 1]


def test_settings_update_stores_lead_days_largest_first(owner):
    prefs = services.reminder_settings_update(user=owner, enabled=True, email=None, lead_days=[1, 30, 7], digest=False)
    prefs.refresh_from_db()
    assert (prefs.lead_days, prefs.email, prefs.recipient, prefs.digest) == ([30, 7, 1], "", owner.email, False)


@pytest.mark.parametrize("lead_days", [[366], [-1], "7", [True], [1.5]])
def test_settings_update_refuses_bad_lead_days(owner, lead_days):
    with pytest.raises(ValidationError) as error:
        services.reminder_settings_update(user=owner, enabled=True, email="", lead_days=lead_days, digest=True)
    assert "lead_days" in error.value.message_dict
    assert not ReminderSettings.objects.exists()


def test_calendar_token_regenerate_replaces_the_token(owner):
    first = services.calendar_token_regenerate(user=owner).calendar_token
    second = services.calendar_token_regenerate(user=owner).calendar_token
    assert first != second and len(second) >= 40
    assert ReminderSettings.objects.get(user=owner).calendar_token == second
