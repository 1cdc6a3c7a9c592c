"""The Settings screen in Chromium (#23): profile, reminders and the calendar URL saved and read back, an API token
shown once and revoked, an invite made on Settings and accepted by a second user in a second browser, and a viewer
who sees no button that would change the household. Screenshots of each screen go to test-artifacts/."""

import hashlib
import re

import pytest
from playwright.sync_api import expect

from households.models import Membership
from reminders.models import ReminderSettings
from spends.models import ApiToken
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory
from tests.frontend.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"settings-{name}.png"), full_page=True)


def open_settings(page):
    page.goto(f"{page.base_url}/#/settings")
    expect(page.locator("#reminders-lead-days")).not_to_have_value("")  # loaded
    expect(page.locator("#my-role")).to_be_visible()


def test_reminders_are_saved_and_read_back_and_the_calendar_url_is_renewed(app_page):
    page = app_page
    open_settings(page)
    expect(page.locator("#reminders-email")).to_have_value(page.user.email)
    expect(page.locator("#reminders-lead-days")).to_have_value("30, 7, 1")
    expect(page.locator("#calendar-none")).to_be_visible()
    expect(page.locator("#calendar-new")).to_have_text("Make a calendar URL")

    page.fill("#reminders-lead-days", "14 3, 0")
    page.fill("#reminders-email", "alerts@example.org")
    page.uncheck("#reminders-digest")
    page.click("#reminders-save")
    page.get_by_text("Reminder settings saved.").wait_for()
    prefs = ReminderSettings.objects.get(user=page.user)
    assert (prefs.enabled, prefs.email, sorted(prefs.lead_days), prefs.digest) == (
        True,
        "alerts@example.org",
        [0, 3, 14],
        False,
    )

    page.fill("#reminders-lead-days", "seven")
    page.click("#reminders-save")
    expect(page.locator("#reminders-lead-days-error")).to_contain_text("whole numbers of days")
    page.fill("#reminders-lead-days", "400")
    page.click("#reminders-save")
    expect(page.locator("#reminders-lead-days-error")).to_be_visible()
    assert sorted(ReminderSettings.objects.get(user=page.user).lead_days) == [0, 3, 14]  # refused: nothing changed

    page.reload()
    expect(page.locator("#reminders-lead-days")).to_have_value("14, 3, 0")
    expect(page.locator("#reminders-email")).to_have_value("alerts@example.org")
    expect(page.locator("#reminders-digest")).not_to_be_checked()
    expect(page.locator("#reminders-enabled")).to_be_checked()

    token = ReminderSettings.objects.get(user=page.user).calendar_token  # saved settings hold a feed token
    expect(page.locator("#calendar-url")).to_have_value(re.compile(rf"/api/reminders/calendar\.ics\?token={token}$"))
    page.click("#calendar-copy")
    page.get_by_text(re.compile(r"Calendar URL copied\.|Select the URL and copy it\.")).wait_for()
    screenshot(page, "reminders")

    page.click("#calendar-new")
    page.click("#confirm-yes")
    expect(page.locator("#calendar-url")).not_to_have_value(re.compile(token))
    renewed = ReminderSettings.objects.get(user=page.user).calendar_token
    assert renewed != token
    assert page.request.get(f"{page.base_url}/api/reminders/calendar.ics?token={token}").status == 404
    assert page.request.get(f"{page.base_url}/api/reminders/calendar.ics?token={renewed}").status == 200
    page.reload()
    expect(page.locator("#calendar-url")).to_have_value(re.compile(renewed))


def test_reminders_without_an_address_say_so(page, transactional_db):
    user = UserFactory(email="")
    sign_in(page, user)
    open_settings(page)
    expect(page.locator("#reminders-no-address")).to_be_visible()
    page.uncheck("#reminders-enabled")
    expect(page.locator("#reminders-no-address")).to_be_hidden()


def test_an_api_token_is_shown_once_and_revoked(app_page):
    page = app_page
    open_settings(page)
    expect(page.locator("#tokens-none")).to_be_visible()
    page.fill("#token-name", "  CI script ")
    page.click("#token-create")
    expect(page.locator("#new-token")).to_have_value(re.compile(r"\S{40,}"))
    key = page.locator("#new-token").input_value()
    stored = ApiToken.objects.get(user=page.user)
    assert stored.name == "CI script" and stored.digest == hashlib.sha256(key.encode()).hexdigest()
    row = page.locator("#token-table tbody tr", has_text="CI script")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("never")
    screenshot(page, "token-created")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the long key must not widen the page
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    headers = {"Authorization": f"Token {key}"}
    assert page.request.get(f"{page.base_url}/api/purchases", headers=headers).status == 200

    page.reload()
    expect(page.locator("#token-table tbody tr", has_text="CI script")).to_have_count(1)
    expect(page.locator("#new-token-box")).to_be_hidden()
    assert key not in page.content()  # shown once: never again
    page.get_by_role("button", name="Revoke CI script").click()
    page.click("#confirm-yes")
    page.get_by_text("Token CI script revoked.").wait_for()
    expect(page.locator("#tokens-none")).to_be_visible()
    assert not ApiToken.objects.filter(user=page.user).exists()
    fresh = page.context.browser.new_context()  # no session cookie: the token alone
    try:
        assert fresh.request.get(f"{page.base_url}/api/purchases", headers=headers).status == 401
    finally:
        fresh.close()


def test_an_invite_made_on_settings_is_accepted_in_a_second_browser(app_page):
    owner_page = app_page
    open_settings(owner_page)
    expect(owner_page.locator("#settings-household #my-role")).to_have_text("Owner")
    owner_page.select_option("#invite-role", "VIEWER")
    owner_page.click("#invite-create")
    expect(owner_page.locator("#invite-code")).to_have_text(re.compile(r"\S{16,}"))
    code = owner_page.locator("#invite-code").inner_text()
    screenshot(owner_page, "household-invite")

    joiner = UserFactory(username="bob")
    context = owner_page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    errors = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.base_url = owner_page.base_url
        sign_in(page, joiner)
        open_settings(page)
        page.fill("#join-code", code)
        page.click("#join-submit")
        page.get_by_text(re.compile(r"You joined ")).wait_for()
        expect(page.locator("#settings-household #my-role")).to_have_text("Viewer")
        expect(page.locator("#invite-create")).to_be_hidden()
    finally:
        context.close()
    assert errors == []
    owner_household = Membership.objects.get(user=owner_page.user).household_id
    joined = Membership.objects.get(user=joiner)
    assert (joined.household_id, joined.role) == (owner_household, "VIEWER")

    owner_page.reload()
    expect(owner_page.locator("#member-table tbody tr", has_text="bob")).to_have_count(1)
    expect(owner_page.locator("#invite-list li")).to_have_count(0)


def test_a_viewer_sees_settings_without_household_write_buttons(page, transactional_db):
    owner = UserFactory(username="owner")
    viewer = UserFactory(username="viewer")
    household = Membership.objects.get(user=owner).household
    Membership.objects.filter(user=viewer).update(household=household, role="VIEWER")
    sign_in(page, viewer)
    open_settings(page)
    section = page.locator("#settings-household")
    expect(section.locator("#my-role")).to_have_text("Viewer")
    expect(section.locator("#member-table tbody tr")).to_have_count(2)
    for hidden in ("#invite-create", "#household-name"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(section.locator("select:visible")).to_have_count(0)  # no role pickers
    expect(section.get_by_role("button", name="Remove owner")).to_be_hidden()
    # What is the viewer's own stays theirs to change (API.md: personal settings, any role).
    expect(section.get_by_role("button", name="Leave the household")).to_be_visible()
    expect(page.locator("#reminders-save")).to_be_visible()
    expect(page.locator("#profile-currency")).not_to_be_editable()  # the household's: an owner's to change
    expect(page.locator("#profile-currency-help")).to_contain_text("Only an owner changes it.")
    page.fill("#profile-email", "viewer-new@example.org")  # the viewer's own email is theirs
    page.click("#profile-save")
    page.get_by_text("Profile saved.").wait_for()
    viewer.refresh_from_db()
    assert viewer.email == "viewer-new@example.org"
    screenshot(page, "viewer")


def test_the_profile_is_saved_and_read_back(app_page):
    page = app_page
    open_settings(page)
    expect(page.locator("#profile-email")).to_have_value(page.user.email)
    page.fill("#profile-email", "new-address@example.org")
    page.fill("#profile-currency", "eur")
    page.click("#profile-save")
    page.get_by_text("Profile saved.").wait_for()
    page.user.refresh_from_db()
    assert page.user.email == "new-address@example.org"
    assert page.request.get(f"{page.base_url}/api/auth/me").json()["home_currency"] == "EUR"
    expect(page.locator("#reminders-email")).to_have_value("new-address@example.org")  # reminders follow the account

    page.fill("#profile-currency", "XYZ")
    page.click("#profile-save")
    expect(page.locator("#profile-currency-error")).to_be_visible()
    page.reload()
    expect(page.locator("#profile-email")).to_have_value("new-address@example.org")
    expect(page.locator("#profile-currency")).to_have_value("EUR")
    screenshot(page, "profile")
