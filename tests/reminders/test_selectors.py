"""Which warranties are due a reminder on a day: lead days, boundaries, catch-up, supersession, exclusions."""

import datetime

import pytest

from reminders import selectors
from reminders.models import ReminderSettings, SentReminder
from tests.factories import UserFactory, household_of
from tests.reminders.conftest import TODAY, ending
from warranties.choices import WarrantyStatus, WarrantyType

pytestmark = pytest.mark.django_db

LEADS = [30, 7, 1]


def due(user, today=TODAY, leads=LEADS):
    return {
        w.pk: w.lead_day
        for w in selectors.reminder_due_list(user=user, household_id=household_of(user), lead_days=leads, today=today)
    }


def sent(warranty, lead_day, *, end=None):
    return SentReminder.objects.create(
        user=warranty.purchase.created_by,
        warranty=warranty,
        warranty_end=end or warranty.warranty_end,
        lead_day=lead_day,
        days_left=lead_day,
        email="x@example.com",
        sent_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
    )


@pytest.mark.parametrize(
    ("days_left", "lead_day"),
    [(31, None), (30, 30), (29, 30), (8, 30), (7, 7), (6, 7), (2, 7), (1, 1), (0, 1), (-1, None)],
)
def test_the_smallest_lead_day_reached_is_due(owner, days_left, lead_day):
    warranty = ending(owner, days_left)
    assert due(owner) == ({warranty.pk: lead_day} if lead_day is not None else {})


def test_exactly_thirty_days_then_nothing_until_seven(owner):
    warranty = ending(owner, 30)
    assert due(owner) == {warranty.pk: 30}
    sent(warranty, 30)
    for days_before in range(29, 7, -1):  # every later day until the 7-day mark
        today = warranty.warranty_end - datetime.timedelta(days=days_before)
        assert due(owner, today=today) == {}, days_before
    assert due(owner, today=warranty.warranty_end - datetime.timedelta(days=7)) == {warranty.pk: 7}


def test_a_missed_day_is_caught_up_once(owner):
    warranty = ending(owner, 5)  # the 7-day run was missed two days ago
    assert due(owner) == {warranty.pk: 7}
    sent(warranty, 7)
    assert due(owner) == {}
    assert due(owner, today=TODAY + datetime.timedelta(days=1)) == {}
    assert due(owner, today=warranty.warranty_end - datetime.timedelta(days=1)) == {warranty.pk: 1}


def test_first_seen_at_seven_days_supersedes_the_thirty_day_reminder(owner):
    warranty = ending(owner, 7)
    assert due(owner) == {warranty.pk: 7}
    sent(warranty, 7)
    # The 30-day reminder is never sent afterwards: the smallest lead day reached only shrinks.
    for day in range(0, 6):
        assert due(owner, today=TODAY + datetime.timedelta(days=day)) == {}


def test_no_less_urgent_reminder_after_a_more_urgent_one(owner):
    warranty = ending(owner, 4)
    sent(warranty, 5)  # sent while the user's lead days were [5]
    assert due(owner, leads=[30, 7]) == {}


def test_lead_day_zero_is_the_last_day(owner):
    warranty = ending(owner, 0)
    assert due(owner, leads=[0, 7]) == {warranty.pk: 0}
    sent(warranty, 0)
    assert due(owner, leads=[0, 7]) == {}


def test_a_moved_end_date_is_reminded_again(owner):
    warranty = ending(owner, 30)
    sent(warranty, 30)
    warranty.warranty_end = TODAY + datetime.timedelta(days=25)  # corrected: the old reminder was about another date
    warranty.save()
    assert due(owner) == {warranty.pk: 30}


def test_leap_day_counts_as_a_day():
    owner = UserFactory()
    leap = datetime.date(2024, 2, 29)
    on_leap_day = ending(owner, 30, today=leap)  # ends 2024-03-30
    ends_on_leap_day = ending(owner, 0, today=leap)
    assert on_leap_day.warranty_end == datetime.date(2024, 3, 30)
    assert due(owner, today=leap) == {on_leap_day.pk: 30, ends_on_leap_day.pk: 1}
    # 2024-01-30 is exactly 30 days before the leap day; 2024-01-29 is 31.
    assert due(owner, today=datetime.date(2024, 1, 30)) == {ends_on_leap_day.pk: 30}
    assert due(owner, today=datetime.date(2024, 1, 29)) == {}


def test_voided_expired_and_lifetime_are_never_due(owner):
    ending(owner, 7, status=WarrantyStatus.VOIDED)
    ending(owner, -1)
    ending(owner, None, warranty_type=WarrantyType.LIFETIME)
    ending(owner, 7, warranty_type=WarrantyType.LIFETIME)  # a LIFETIME warranty with an end date is still lifetime
    assert due(owner) == {}


def test_another_users_warranties_are_never_due(owner, other_user):
    mine = ending(owner, 7)
    ending(other_user, 7)
    assert due(owner) == {mine.pk: 7}


def test_no_lead_days_means_nothing_due(owner):
    ending(owner, 0)
    assert due(owner, leads=[]) == {}


def test_due_list_is_annotated_and_soonest_first(owner, retailer):
    later = ending(owner, 20, retailer=retailer)
    sooner = ending(owner, 3)
    rows = list(selectors.reminder_due_list(user=owner, household_id=household_of(owner), lead_days=LEADS, today=TODAY))
    assert [w.pk for w in rows] == [sooner.pk, later.pk]
    assert [(w.lead_day, w.days_remaining, w.effective_status) for w in rows] == [(7, 3, "ACTIVE"), (30, 20, "ACTIVE")]
    assert rows[1].purchase.retailer.name == "Bikes & Co <Berlin>"


def test_recipients_are_active_enabled_users_with_something_to_remind(owner, other_user):
    ending(owner, 10)
    ending(other_user, 10)
    ending(UserFactory(is_active=False), 10)
    ending(UserFactory(), 400)  # nothing within a year
    ending(UserFactory(), 3, status=WarrantyStatus.VOIDED)
    disabled = UserFactory()
    ending(disabled, 3)
    ReminderSettings.objects.create(user=disabled, enabled=False)
    assert list(selectors.reminder_recipients(today=TODAY)) == [owner, other_user]


def test_settings_default_without_a_row_and_reading_writes_nothing(owner):
    prefs = selectors.reminder_settings_get(user=owner)
    assert (prefs.pk, prefs.enabled, prefs.lead_days, prefs.digest, prefs.recipient) == (
        None,
        True,
        [30, 7, 1],
        True,
        owner.email,
    )
    assert not ReminderSettings.objects.exists()


def test_feed_token_lookup(owner):
    prefs = ReminderSettings.objects.create(user=owner)
    assert selectors.reminder_settings_by_token(token=prefs.calendar_token) == prefs
    assert selectors.reminder_settings_by_token(token="") is None
    assert selectors.reminder_settings_by_token(token="nope") is None
    owner.is_active = False
    owner.save()
    assert selectors.reminder_settings_by_token(token=prefs.calendar_token) is None
