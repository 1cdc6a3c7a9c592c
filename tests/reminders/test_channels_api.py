"""The notification channels API (API.md § Version 2 → Notification channels): per user, targets checked on save,
secrets masked, a webhook's secret shown once, the test button."""

import pytest

from households.models import Membership
from reminders.models import Channel
from tests.conftest import token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/notifications/channels"


def _create(client, **body):
    return client.post(URL, body, format="json")


def test_an_apprise_channel_is_created_with_its_secret_masked(owner_client, owner):
    response = _create(owner_client, kind="APPRISE", target="ntfys://tk_supersecrettoken@ntfy.sh/my-topic")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "APPRISE"
    assert body["events"] == ["warranty.expiring", "return.closing"]  # the default
    assert body["enabled"] is True and body["last_sent_at"] is None and body["last_error"] == ""
    assert "supersecrettoken" not in body["target"] and body["target"].startswith("ntfys://")
    assert body["secret"] is None
    channel = Channel.objects.get(pk=body["id"])
    assert channel.target == "ntfys://tk_supersecrettoken@ntfy.sh/my-topic"  # stored as given: delivery needs it
    assert channel.user == owner
    listed = owner_client.get(URL).json()
    assert listed["total"] == 1 and "supersecrettoken" not in str(listed)


def test_a_bad_apprise_url_is_a_400_on_target_and_writes_nothing(owner_client):
    for target in ("nosuchscheme://x", "json://", "not a url"):
        response = _create(owner_client, kind="APPRISE", target=target)
        assert response.status_code == 400, (target, response.content)
        assert list(response.json()["errors"]) == ["target"]
    assert Channel.objects.count() == 0


def test_a_webhook_secret_is_shown_once(owner_client, settings, receiver):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    target = f"{receiver.url}/hook?token=abcdef123456"
    response = _create(owner_client, kind="WEBHOOK", target=target, events=["purchase.created"])
    assert response.status_code == 201, response.content
    secret = response.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert Channel.objects.get().secret == secret
    again = owner_client.get(f"{URL}/{response.json()['id']}").json()
    assert "secret" not in again and secret not in str(owner_client.get(URL).json())
    assert again["target"] == f"{receiver.url}/hook?token=****"  # query values masked


@pytest.mark.parametrize(
    ("target", "allow", "message"),
    [
        ("http://example.com/hook", True, "https"),
        ("ftp://example.com/hook", True, "https"),
        ("https://127.0.0.1/hook", False, "private"),
        ("http://localhost:9/hook", False, "private"),  # localhost resolves to loopback: checked after DNS
        ("https://169.254.169.254/latest/meta-data", True, "link-local"),  # always refused
        ("https://[::ffff:169.254.169.254]/", True, "link-local"),
        ("https://10.0.0.5/hook", False, "private"),
        ("https://no-such-host.invalid/hook", True, "resolved"),
    ],
)
def test_webhook_targets_are_checked_for_ssrf(owner_client, settings, target, allow, message):
    settings.WEBHOOK_ALLOW_PRIVATE = allow
    response = _create(owner_client, kind="WEBHOOK", target=target)
    assert response.status_code == 400, response.content
    assert message in response.json()["errors"]["target"][0]
    assert Channel.objects.count() == 0


def test_private_webhook_targets_need_the_setting(owner_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert _create(owner_client, kind="WEBHOOK", target="http://127.0.0.1:9/hook").status_code == 201


def test_events_are_checked(owner_client, owner):
    unknown = _create(owner_client, kind="EMAIL", target="me@example.com", events=["purchase.exploded"])
    assert unknown.status_code == 400 and "events" in unknown.json()["errors"]
    backup = _create(owner_client, kind="EMAIL", target="me@example.com", events=["backup.failed"])
    assert backup.status_code == 400 and "superuser" in str(backup.json()["errors"]["events"])
    root = token_client(UserFactory(username="root", is_superuser=True, is_staff=True))
    ok = _create(root, kind="EMAIL", target="root@example.com", events=["backup.failed", "purchase.created"])
    assert ok.status_code == 201 and ok.json()["events"] == ["purchase.created", "backup.failed"]
    assert _create(owner_client, kind="EMAIL", target="not-an-address").status_code == 400


def test_patch_changes_target_events_and_enabled_and_delete_removes(owner_client):
    channel_id = _create(owner_client, kind="EMAIL", target="me@example.com").json()["id"]
    Channel.objects.filter(pk=channel_id).update(consecutive_failures=10, enabled=False)
    response = owner_client.patch(
        f"{URL}/{channel_id}", {"target": "you@example.com", "events": ["purchase.deleted"], "enabled": True}
    )
    assert response.status_code == 200, response.content
    channel = Channel.objects.get(pk=channel_id)
    assert (channel.target, channel.events, channel.enabled) == ("you@example.com", ["purchase.deleted"], True)
    assert channel.consecutive_failures == 0  # switched on again: a fresh start
    assert owner_client.patch(f"{URL}/{channel_id}", {"target": "nope"}).status_code == 400
    assert Channel.objects.get(pk=channel_id).target == "you@example.com"
    assert owner_client.put(f"{URL}/{channel_id}", {"target": "x@example.com"}).status_code == 405
    assert owner_client.delete(f"{URL}/{channel_id}").status_code == 204
    assert not Channel.objects.exists()


def test_channels_are_per_user_even_within_a_household(owner_client, owner, other_client):
    member = UserFactory(username="member")
    Membership.objects.filter(user=member).update(household=Membership.objects.get(user=owner).household)
    member_client = token_client(member)
    channel_id = _create(owner_client, kind="EMAIL", target="me@example.com").json()["id"]
    for client in (other_client, member_client):
        assert client.get(f"{URL}/{channel_id}").status_code == 404
        assert client.patch(f"{URL}/{channel_id}", {"enabled": False}).status_code == 404
        assert client.post(f"{URL}/{channel_id}/test").status_code == 404
        assert client.delete(f"{URL}/{channel_id}").status_code == 404
        assert client.get(URL).json()["total"] == 0
    assert Channel.objects.get(pk=channel_id).enabled is True


def test_a_viewer_manages_own_channels(owner):
    viewer = UserFactory(username="viewer")
    Membership.objects.filter(user=viewer).update(household=Membership.objects.get(user=owner).household, role="VIEWER")
    assert _create(token_client(viewer), kind="EMAIL", target="v@example.com").status_code == 201


def test_the_test_button_delivers_through_apprise_json(owner_client, receiver):
    channel_id = _create(owner_client, kind="APPRISE", target=f"json://127.0.0.1:{receiver.port}/notify").json()["id"]
    response = owner_client.post(f"{URL}/{channel_id}/test")
    assert response.status_code == 200, response.content
    assert response.json() == {"delivered": True}
    [request] = receiver.requests
    assert request.path == "/notify"
    assert request.json()["title"] == "Spends Tracker test" and "works" in request.json()["message"]
    assert Channel.objects.get(pk=channel_id).last_sent_at is not None


def test_the_test_button_answers_502_with_the_error(owner_client, receiver):
    receiver.always = 500
    channel_id = _create(owner_client, kind="APPRISE", target=f"json://127.0.0.1:{receiver.port}/").json()["id"]
    response = owner_client.post(f"{URL}/{channel_id}/test")
    assert response.status_code == 502, response.content
    body = response.json()
    assert body["delivered"] is False and body["code"] == "bad_gateway" and body["detail"]
    assert Channel.objects.get(pk=channel_id).last_error == body["detail"]
    assert Channel.objects.get(pk=channel_id).consecutive_failures == 0  # a test is not an event


def test_ntfy_with_a_custom_host_delivers_to_it(owner_client, receiver):
    channel_id = _create(owner_client, kind="APPRISE", target=f"ntfy://127.0.0.1:{receiver.port}/spends").json()["id"]
    assert owner_client.post(f"{URL}/{channel_id}/test").json() == {"delivered": True}
    [request] = receiver.requests
    sent = request.body.decode()
    assert "spends" in request.path + sent and "This channel works" in sent


def test_the_admin_lists_channels_masked(owner, settings, admin_client):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    Channel.objects.create(user=owner, kind="APPRISE", target="tgram://123456789:AAsecretbottoken/987", events=[])
    Channel.objects.create(
        user=owner, kind="WEBHOOK", target="https://hooks.example.com/api/webhook/verysecretwebhookid", secret="whsec_x"
    )
    page = admin_client.get("/admin/reminders/channel/").content.decode()
    assert "secretbottoken" not in page and "verysecretwebhookid" not in page and "whsec_x" not in page
    assert "tgram://" in page and "hooks.example.com" in page


def test_the_channels_section_renders():
    from django.template.loader import render_to_string

    html = render_to_string("app/screens/channels.html")
    assert 'x-data="channels"' in html and 'id="channel-form"' in html
