"""Return windows in reminders and the calendar feed (API.md § Version 2): the digest's "Return window closing"
section, each window reminded once per member, and one "Return by" event per open window."""

import datetime

import pytest
from django.core import mail
from icalendar import Calendar

from households.models import Household
from purchases.choices import PurchaseStatus
from reminders import services
from reminders.calendar import return_event_uid, warranty_event_uid
from reminders.models import ReminderSettings, SentReminder, SentReturnReminder
from tests.factories import PurchaseFactory, household_of, member
from tests.reminders.conftest import TODAY, ending

pytestmark = pytest.mark.django_db

FEED = "/api/reminders/calendar.ics"


def window(owner, days: int, *, household=None, **fields):
    """A purchase of `owner` (or of `household`, added by `owner`) whose return window closes `days` after TODAY."""
    where = {"household": household, "created_by": owner} if household else {"owner": owner}
    return PurchaseFactory(
        purchase_date=TODAY - datetime.timedelta(days=10),
        return_by=TODAY + datetime.timedelta(days=days),
        **where,
        **fields,
    )


def test_a_window_closing_in_3_days_is_in_the_digest_once(owner, settings):
    settings.SITE_URL = "https://spends.example.com"
    ReminderSettings.objects.create(user=owner, lead_days=[7, 1])
    boots = window(owner, 3, product_name="Boots <42>")
    report = services.send_reminders(today=TODAY)
    assert (report.emails_sent, report.reminders_sent, report.failed) == (1, 1, [])
    [message] = mail.outbox
    assert message.subject == "Return window closes in 3 days: Boots <42>"
    html, _ = message.alternatives[0]
    for body in (message.body, html):
        assert "Return window closing" in body
        assert "2025-06-04" in body
        assert f"https://spends.example.com/#/purchases/{boots.pk}" in body
    assert "Boots <42>" in message.body and "3 days left" in message.body
    assert "Boots &lt;42&gt;" in html
    row = SentReturnReminder.objects.get()
    assert (row.user, row.purchase, row.return_by, row.lead_day, row.days_left) == (owner, boots, boots.return_by, 7, 3)

    # A second run (the same day, and the next) sends nothing more: the 7-day reminder went out.
    assert services.send_reminders(today=TODAY).emails_sent == 0
    assert services.send_reminders(today=TODAY + datetime.timedelta(days=1)).emails_sent == 0
    assert len(mail.outbox) == 1
    assert SentReturnReminder.objects.count() == 1
    # The 1-day reminder is the next one, once.
    assert services.send_reminders(today=TODAY + datetime.timedelta(days=2)).reminders_sent == 1
    assert services.send_reminders(today=TODAY + datetime.timedelta(days=2)).reminders_sent == 0


def test_the_digest_has_warranties_and_return_windows_in_their_sections(owner):
    ending(owner, 7, product_name="Laptop")
    window(owner, 1, product_name="Boots")
    report = services.send_reminders(today=TODAY)
    assert (report.emails_sent, report.reminders_sent) == (1, 2)
    [message] = mail.outbox
    assert message.subject == "1 warranties end and 1 return windows close soon"
    text = message.body
    assert text.index("Laptop") < text.index("Return window closing") < text.index("Boots")
    assert SentReminder.objects.count() == SentReturnReminder.objects.count() == 1


def test_without_digest_one_email_per_window(owner):
    ReminderSettings.objects.create(user=owner, digest=False)
    window(owner, 0, product_name="Boots")
    window(owner, 1, product_name="Coat")
    assert services.send_reminders(today=TODAY).emails_sent == 2
    assert sorted(m.subject for m in mail.outbox) == [
        "Return window closes today: Boots",
        "Return window closes tomorrow: Coat",
    ]


def test_returned_closed_and_far_windows_are_never_reminded(owner):
    window(owner, 3, status=PurchaseStatus.RETURNED, returned_on=TODAY)
    window(owner, -1)
    window(owner, 31)
    PurchaseFactory(owner=owner)  # no window
    report = services.send_reminders(today=TODAY)
    assert (report.emails_sent, report.reminders_due) == (0, 0)
    assert not SentReturnReminder.objects.exists()


def test_each_member_is_reminded_of_the_households_window_once(owner):
    household = Household.objects.get(pk=household_of(owner))
    partner = member(household)
    window(owner, 3, household=household)
    services.send_reminders(today=TODAY)
    services.send_reminders(today=TODAY)
    assert sorted(address for message in mail.outbox for address in message.to) == sorted([owner.email, partner.email])
    assert SentReturnReminder.objects.count() == 2


def test_a_moved_window_is_reminded_again(owner):
    boots = window(owner, 3)
    services.send_reminders(today=TODAY)
    boots.return_by = TODAY + datetime.timedelta(days=5)
    boots.save()
    assert services.send_reminders(today=TODAY).reminders_sent == 1
    assert SentReturnReminder.objects.count() == 2


def test_dry_run_lists_windows_and_sends_nothing(owner):
    window(owner, 3)
    report = services.send_reminders(today=TODAY, dry_run=True)
    assert report.reminders_due == 1
    assert not mail.outbox and not SentReturnReminder.objects.exists()


def test_the_feed_has_an_event_per_open_return_window(owner_client, anon_client, owner, other_user, today):
    boots = window(owner, 3, product_name="Boots")
    warranty = ending(owner, 10, product_name="Laptop")
    window(owner, -1, product_name="Too late")
    window(owner, 5, product_name="Sent back", status=PurchaseStatus.RETURNED, returned_on=TODAY)
    window(other_user, 3, product_name="Not yours")
    token = owner_client.post("/api/reminders/calendar-token").json()["calendar_url"].split("token=")[1]
    response = anon_client.get(FEED, {"token": token})
    assert response.status_code == 200
    found = {str(e["UID"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert set(found) == {return_event_uid(boots), warranty_event_uid(warranty)}
    event = found[return_event_uid(boots)]
    assert str(event["SUMMARY"]) == "Return by: Boots"
    assert event.decoded("DTSTART") == datetime.date(2025, 6, 4)
    assert event.decoded("DTEND") == datetime.date(2025, 6, 5)
    assert str(boots.pk) in str(event["URL"])
