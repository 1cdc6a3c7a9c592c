"""Settings → Channels in Chromium (#25): add an Apprise channel, send a test to a local receiver, switch it off, see
a webhook's secret once, delete."""

import copy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reminders.models import Channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def channels_page(app_page, settings):
    settings.ROOT_URLCONF = "tests.frontend.urls_channels"
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], Path(__file__).parent / "templates"]
    settings.TEMPLATES = templates
    settings.WEBHOOK_ALLOW_PRIVATE = True
    app_page.goto(f"{app_page.base_url}/channels-test")
    expect(app_page.get_by_text("No channels yet.")).to_be_visible()
    return app_page


def test_add_test_switch_off_and_delete_a_channel(channels_page, receiver):
    page = channels_page
    page.select_option("#channel-form select[name=kind]", "APPRISE")
    page.fill("#channel-form input[name=target]", "nosuchscheme://x")
    page.click("#channel-form button[type=submit]")
    # The first Apprise check loads Apprise's notifiers in the server (a second or more on a busy machine).
    error = page.locator("#channel-form .field-error").first
    expect(error).to_contain_text("Apprise cannot use this URL", timeout=30_000)

    page.fill("#channel-form input[name=target]", f"json://user:hunter2@127.0.0.1:{receiver.port}/n")
    page.click("#channel-form button[type=submit]")
    row = page.locator("#channel-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Warranty ends soon, Return window closes soon")
    assert "hunter2" not in row.inner_text()

    row.get_by_role("button", name="Test").click()
    expect(row).to_contain_text("last sent")
    assert len(receiver.requests) == 1

    row.get_by_role("button", name="Disable").click()
    expect(row.get_by_role("button", name="Enable")).to_be_visible()
    assert Channel.objects.get().enabled is False

    receiver.always = 500
    row.get_by_role("button", name="Test").click()
    expect(row.locator(".field-error")).to_have_text(
        "Failed to send JSON POST notification: Internal server error., error=500."
    )

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No channels yet.")).to_be_visible()
    assert not Channel.objects.exists()


def test_a_webhook_secret_is_shown_once(channels_page, receiver):
    page = channels_page
    page.select_option("#channel-form select[name=kind]", "WEBHOOK")
    page.fill("#channel-form input[name=target]", f"{receiver.url}/hook")
    page.click("#channel-form button[type=submit]")
    expect(page.locator("#channel-table tbody tr")).to_have_count(1, timeout=30_000)
    expect(page.locator("#channel-secret code")).to_have_text(Channel.objects.get().secret)
    page.reload()
    expect(page.locator("#channel-table tbody tr")).to_have_count(1)
    expect(page.locator("#channel-secret")).to_be_hidden()
