"""GET/PUT /api/reminders/settings, POST /api/reminders/calendar-token, GET /api/reminders/calendar.ics."""

import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from icalendar import Calendar
from rest_framework.throttling import ScopedRateThrottle

from reminders.calendar import warranty_event_uid
from reminders.models import ReminderSettings
from tests.reminders.conftest import ending
from warranties.choices import WarrantyStatus, WarrantyType

pytestmark = pytest.mark.django_db

SETTINGS = "/api/reminders/settings"
TOKEN = "/api/reminders/calendar-token"
FEED = "/api/reminders/calendar.ics"


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


def feed_token(client) -> str:
    response = client.post(TOKEN)
    assert response.status_code == 200, response.content
    url = urlparse(response.json()["calendar_url"])
    assert url.path == FEED
    return parse_qs(url.query)["token"][0]


def events(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


# --- settings ---


def test_settings_default_to_the_account(owner_client, owner):
    response = owner_client.get(SETTINGS)
    assert response.status_code == 200
    assert response.json() == {"enabled": True, "email": owner.email, "lead_days": [30, 7, 1], "digest": True}
    assert not ReminderSettings.objects.exists()


@pytest.mark.parametrize("path", [SETTINGS, SETTINGS + "/"])
def test_put_settings_replaces_them(owner_client, owner, path):
    body = {"enabled": False, "email": "alerts@example.org", "lead_days": [1, 60, 14], "digest": False}
    response = owner_client.put(path, body, format="json")
    assert response.status_code == 200, response.content
    expected = {"enabled": False, "email": "alerts@example.org", "lead_days": [60, 14, 1], "digest": False}
    assert response.json() == expected
    assert owner_client.get(SETTINGS).json() == expected
    prefs = ReminderSettings.objects.get(user=owner)
    assert (prefs.enabled, prefs.email, prefs.lead_days, prefs.digest) == (
        False,
        "alerts@example.org",
        [60, 14, 1],
        False,
    )


def test_put_settings_omitted_fields_go_back_to_defaults(owner_client, owner):
    owner_client.put(SETTINGS, {"enabled": False, "email": "a@example.org", "lead_days": [3], "digest": False})
    response = owner_client.put(SETTINGS, {}, format="json")
    assert response.json() == {"enabled": True, "email": owner.email, "lead_days": [30, 7, 1], "digest": True}
    response = owner_client.put(SETTINGS, {"email": None, "lead_days": []}, format="json")
    assert response.json()["email"] == owner.email and response.json()["lead_days"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lead_days": [366]}, "lead_days"),
        ({"lead_days": [-1]}, "lead_days"),
        ({"lead_days": [7, 7]}, "lead_days"),
        ({"lead_days": "30"}, "lead_days"),
        ({"lead_days": 30}, "lead_days"),
        ({"lead_days": {"a": 1}}, "lead_days"),
        ({"lead_days": ["x"]}, "lead_days"),
        ({"lead_days": [1.5]}, "lead_days"),
        ({"email": "not-an-email"}, "email"),
        ({"enabled": "maybe"}, "enabled"),
    ],
)
def test_put_settings_validation_errors(owner_client, body, field):
    response = owner_client.put(SETTINGS, body, format="json")
    errors = assert_error(response, 400, "validation_error")["errors"]
    assert list(errors) == [field]
    assert not ReminderSettings.objects.exists()


def test_settings_are_per_user(owner_client, other_client, other_user):
    owner_client.put(SETTINGS, {"lead_days": [2]}, format="json")
    assert other_client.get(SETTINGS).json()["lead_days"] == [30, 7, 1]
    assert other_client.get(SETTINGS).json()["email"] == other_user.email


@pytest.mark.parametrize(("method", "path"), [("get", SETTINGS), ("put", SETTINGS), ("post", TOKEN)])
def test_anonymous_gets_401(anon_client, method, path):
    assert_error(getattr(anon_client, method)(path, {}, format="json"), 401, "not_authenticated")


# --- calendar feed ---


@pytest.fixture
def warranties(owner, other_user, retailer):
    return {
        "active": ending(owner, 10, retailer=retailer, product_name="Laptop"),
        "later": ending(owner, 700, product_name="Fridge"),
        "today": ending(owner, 0, product_name="Phone"),
        "voided": ending(owner, 10, status=WarrantyStatus.VOIDED),
        "expired": ending(owner, -1),
        "lifetime": ending(owner, None, warranty_type=WarrantyType.LIFETIME),
        "lifetime_with_end": ending(owner, 50, warranty_type=WarrantyType.LIFETIME),
        "others": ending(other_user, 10, product_name="Not yours"),
    }


def test_feed_lists_exactly_the_callers_active_warranty_ends(owner_client, anon_client, warranties, today):
    token = feed_token(owner_client)
    found = events(anon_client.get(FEED, {"token": token}))
    expected = [warranties[name] for name in ("active", "later", "today")]
    assert set(found) == {warranty_event_uid(w) for w in expected}
    for warranty in expected:
        event = found[warranty_event_uid(warranty)]
        # All-day: DATE values, one day long.
        assert event.decoded("DTSTART") == warranty.warranty_end
        assert event.decoded("DTEND") == warranty.warranty_end + datetime.timedelta(days=1)
        assert str(event["SUMMARY"]) == f"Warranty ends: {warranty.purchase.product_name}"
        assert str(warranty.purchase_id) in str(event["URL"])
    assert "Bikes & Co <Berlin>" in str(found[warranty_event_uid(warranties["active"])]["DESCRIPTION"])


def test_feed_uids_are_stable_across_fetches_and_tokens(owner_client, anon_client, warranties, today):
    first = events(anon_client.get(FEED, {"token": feed_token(owner_client)}))
    second = events(anon_client.get(FEED + "/", {"token": feed_token(owner_client)}))
    assert set(first) == set(second) and len(first) == 3


def test_feed_of_another_user_shows_only_theirs(other_client, anon_client, warranties, today):
    found = events(anon_client.get(FEED, {"token": feed_token(other_client)}))
    assert set(found) == {warranty_event_uid(warranties["others"])}


def test_feed_ignores_api_credentials(owner_client, other_client, warranties, today):
    # The token decides whose feed it is, not who is signed in; and no API token is needed.
    found = events(other_client.get(FEED, {"token": feed_token(owner_client)}, HTTP_ACCEPT="text/calendar"))
    assert warranty_event_uid(warranties["others"]) not in found and len(found) == 3


def test_old_wrong_and_missing_tokens_are_404(owner_client, anon_client, warranties):
    old = feed_token(owner_client)
    new = feed_token(owner_client)
    assert old != new
    assert_error(anon_client.get(FEED, {"token": old}), 404, "not_found")
    assert_error(anon_client.get(FEED, {"token": "guess"}, HTTP_ACCEPT="text/calendar"), 404, "not_found")
    assert_error(anon_client.get(FEED), 404, "not_found")
    assert_error(anon_client.get(FEED, {"token": ""}), 404, "not_found")
    assert anon_client.get(FEED, {"token": new}).status_code == 200


def test_calendar_token_url_with_trailing_slash(owner_client, owner):
    response = owner_client.post(TOKEN + "/")
    assert response.status_code == 200
    url = response.json()["calendar_url"]
    assert url == f"http://testserver{FEED}?token={ReminderSettings.objects.get(user=owner).calendar_token}"


def test_feed_is_throttled(owner_client, anon_client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"calendar": "2/minute"})
    token = feed_token(owner_client)
    assert anon_client.get(FEED, {"token": token}).status_code == 200
    assert anon_client.get(FEED, {"token": "wrong"}).status_code == 404
    response = anon_client.get(FEED, {"token": token})
    assert_error(response, 429, "throttled")
    assert response["Retry-After"]


def test_feed_is_in_the_schema_without_auth(anon_client):
    schema = anon_client.get("/api/schema", HTTP_ACCEPT="application/json").json()
    feed = schema["paths"][FEED]["get"]
    assert feed.get("security", []) in ([], [{}])  # no credentials: the token is the credential
    assert {p["name"] for p in feed["parameters"]} == {"token"}
    assert "text/calendar" in feed["responses"]["200"]["content"]
    assert {"get", "put"} <= set(schema["paths"][SETTINGS]) and "post" in schema["paths"][TOKEN]


def test_get_calendar_token_shows_the_current_url_without_changing_it(owner_client, anon_client, owner, warranties):
    assert owner_client.get(TOKEN).json() == {"calendar_url": None}  # none yet, and reading makes none
    assert not ReminderSettings.objects.filter(user=owner).exists()
    made = owner_client.post(TOKEN).json()["calendar_url"]
    assert owner_client.get(TOKEN + "/").json() == {"calendar_url": made}
    assert owner_client.get(TOKEN).json() == {"calendar_url": made}
    assert anon_client.get(FEED, {"token": parse_qs(urlparse(made).query)["token"][0]}).status_code == 200
