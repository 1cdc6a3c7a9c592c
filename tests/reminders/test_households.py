"""Reminders in a household (#20): each member gets their own digest of the household's warranties, each reminder
once per member; each member keeps their own settings, email and calendar token, and the feed lists the household's
warranties. A VIEWER may change their own settings."""

import pytest
from django.core import mail

from households.choices import Role
from households.models import Household
from reminders import services
from reminders.models import ReminderSettings, SentReminder
from tests.conftest import token_client
from tests.factories import UserFactory, member
from tests.reminders.conftest import TODAY, ending
from tests.reminders.test_api import FEED, events, feed_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    """An owner, an editor and a viewer in one household; a stranger in their own."""
    owner = UserFactory(username="mum")
    household = Household.objects.get(memberships__user=owner)
    return {
        "owner": owner,
        "editor": member(household, Role.EDITOR, username="dad"),
        "viewer": member(household, Role.VIEWER, username="kid"),
        "stranger": UserFactory(username="neighbour"),
    }


def test_two_members_get_their_own_digest_of_the_households_warranties_each_sent_once(family):
    ReminderSettings.objects.create(user=family["viewer"], enabled=False)
    ReminderSettings.objects.create(user=family["editor"], email="dad@work.example", lead_days=[7])
    tv = ending(family["owner"], 30, product_name="TV")
    kettle = ending(family["owner"], 7, product_name="Kettle")
    ending(family["stranger"], 7, product_name="Neighbour's drill")

    report = services.send_reminders(today=TODAY)

    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipient) == {("mum@example.com",), ("dad@work.example",), ("neighbour@example.com",)}
    mum, dad = by_recipient[("mum@example.com",)], by_recipient[("dad@work.example",)]
    assert "TV" in mum.body and "Kettle" in mum.body and "drill" not in mum.body
    assert "Kettle" in dad.body and "TV" not in dad.body  # his own lead days: 7 only
    assert report.reminders_sent == 4
    sent = sorted((row.user.username, row.warranty_id, row.lead_day) for row in SentReminder.objects.all())
    assert sent == sorted(
        [
            ("mum", tv.pk, 30),
            ("mum", kettle.pk, 7),
            ("dad", kettle.pk, 7),
            ("neighbour", SentReminder.objects.get(user__username="neighbour").warranty_id, 7),
        ]
    )

    mail.outbox.clear()
    again = services.send_reminders(today=TODAY)
    assert (again.emails_sent, again.reminders_sent, mail.outbox) == (0, 0, [])


def test_a_member_joining_later_still_gets_the_reminder_the_others_already_had(family):
    ending(family["owner"], 7, product_name="Kettle")
    ReminderSettings.objects.create(user=family["viewer"], enabled=False)
    ReminderSettings.objects.create(user=family["editor"], enabled=False)
    services.send_reminders(today=TODAY)
    assert [m.to for m in mail.outbox] == [["mum@example.com"]]
    ReminderSettings.objects.filter(user=family["editor"]).update(enabled=True)
    mail.outbox.clear()
    services.send_reminders(today=TODAY)
    assert [m.to for m in mail.outbox] == [["dad@example.com"]]


def test_each_member_keeps_their_own_settings_and_a_viewer_may_change_theirs(family):
    viewer, owner = token_client(family["viewer"]), token_client(family["owner"])
    body = {"enabled": True, "email": "kid@school.example", "lead_days": [3], "digest": False}
    changed = viewer.put("/api/reminders/settings", body, format="json")
    assert changed.status_code == 200 and changed.json()["email"] == "kid@school.example"
    assert owner.get("/api/reminders/settings").json()["email"] == "mum@example.com"
    assert ReminderSettings.objects.get(user=family["viewer"]).lead_days == [3]
    assert not ReminderSettings.objects.filter(user=family["owner"]).exists()


def test_every_members_own_feed_token_lists_the_households_warranties(family, today):
    tv = ending(family["owner"], 100, product_name="TV")
    drill = ending(family["stranger"], 100, product_name="Drill")
    tokens = {role: feed_token(token_client(family[role])) for role in ("owner", "viewer")}
    assert tokens["owner"] != tokens["viewer"]
    anonymous = token_client(family["stranger"])
    anonymous.credentials()
    for token in tokens.values():
        listed = events(anonymous.get(FEED, {"token": token}))
        summaries = [str(event["SUMMARY"]) for event in listed.values()]
        assert len(summaries) == 1 and "TV" in summaries[0] and "Drill" not in summaries[0]
    assert tv.pk != drill.pk
