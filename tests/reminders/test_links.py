"""Where reminder emails and calendar events link to: the purchase's page in the web app (/#/purchases/<id>) under
SITE_URL; unset, the feed's own address, and http://localhost:8000 for the reminder run (which has no request)."""

import datetime

import pytest
from django.core import mail
from icalendar import Calendar

from reminders import services
from reminders.calendar import return_event_uid, warranty_event_uid
from tests.factories import PurchaseFactory
from tests.reminders.conftest import TODAY, ending

pytestmark = pytest.mark.django_db

FEED = "/api/reminders/calendar.ics"


def feed_events(client, anon_client) -> dict:
    token = client.post("/api/reminders/calendar-token").json()["calendar_url"].split("token=")[1]
    response = anon_client.get(FEED, {"token": token})
    assert response.status_code == 200
    return {str(event["UID"]): event for event in Calendar.from_ical(response.content).walk("VEVENT")}


def return_window(owner, days: int):
    return PurchaseFactory(
        owner=owner,
        product_name="Boots",
        purchase_date=TODAY - datetime.timedelta(days=3),
        return_by=TODAY + datetime.timedelta(days=days),
    )


@pytest.mark.parametrize(
    ("site_url", "base"),
    [("https://spends.example.com/", "https://spends.example.com"), ("", "http://localhost:8000")],
)
def test_the_email_links_each_item_to_its_purchase_page(owner, settings, site_url, base):
    settings.SITE_URL = site_url
    warranty = ending(owner, 7, product_name="Kettle")
    boots = return_window(owner, 3)

    assert services.send_reminders(today=TODAY).emails_sent == 1

    [message] = mail.outbox
    html, _ = message.alternatives[0]
    for body in (message.body, html):
        assert f"{base}/#/purchases/{warranty.purchase_id}" in body
        assert f"{base}/#/purchases/{boots.pk}" in body
        assert f"{base}/#/settings" in body
        assert "/api/" not in body


def test_the_calendar_events_link_to_the_purchase_page_at_the_feeds_address(
    owner, owner_client, anon_client, settings, today
):
    settings.SITE_URL = ""
    warranty = ending(owner, 10)
    boots = return_window(owner, 3)

    found = feed_events(owner_client, anon_client)

    event = found[warranty_event_uid(warranty)]
    assert str(event["URL"]) == f"http://testserver/#/purchases/{warranty.purchase_id}"
    assert str(event["DESCRIPTION"]).endswith(f"http://testserver/#/purchases/{warranty.purchase_id}")
    assert str(found[return_event_uid(boots)]["URL"]) == f"http://testserver/#/purchases/{boots.pk}"


def test_the_calendar_events_use_site_url_when_set(owner, owner_client, anon_client, settings, today):
    settings.SITE_URL = "https://spends.example.com"
    warranty = ending(owner, 10)
    found = feed_events(owner_client, anon_client)
    url = f"https://spends.example.com/#/purchases/{warranty.purchase_id}"
    assert str(found[warranty_event_uid(warranty)]["URL"]) == url
