"""After signing in, the sign-in page goes to `?next=` only when it is a path on this site (issue #18, item 3).

Browsers drop tab, CR and LF inside a URL, so `/<TAB>/evil.example` is `//evil.example` to them: another host.
The server hands the page a checked value (spends.frontend.safe_next) and the page resolves it once more.
"""

import re
from urllib.parse import quote, urlsplit

import pytest

from tests.factories import PASSWORD, UserFactory

# Each is sent as the raw query string value of `next` (so %09 reaches the server as a tab).
HOSTILE_NEXT = [
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%09%0a/evil.example/path",
    "//evil.example",
    "/%5Cevil.example",  # /\evil.example
    "%5C%5Cevil.example",  # \\evil.example
    "/%5C/evil.example",
    "%09//evil.example",
    "%20//evil.example",
    "https://evil.example/",
    "http:evil.example",
    "http:/evil.example",
    "HTTPS:%2F%2Fevil.example",
    "javascript:alert(document.domain)",
    "%0ajavascript:alert(1)",
    "/.//evil.example",  # a path to the server, but the browser's URL parser makes it //evil.example
    "/x/..//evil.example",
]


@pytest.mark.django_db
@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_the_server_hands_the_page_only_a_path_on_this_site(client, raw_next):
    html = client.get(f"/sign-in?next={raw_next}").content.decode()
    match = re.search(r'data-next="([^"]*)"', html)
    assert match, "the sign-in page carries the checked next"
    value = match.group(1)
    assert value == "/" or (value.startswith("/") and not value.startswith(("//", "/\\"))), value
    assert "evil.example" not in value or value in ("/.//evil.example", "/x/..//evil.example")


@pytest.mark.django_db
def test_the_server_keeps_a_path_with_its_query_and_screen(client):
    html = client.get("/sign-in?next=" + quote("/#/purchases?search=x", safe="")).content.decode()
    assert 'data-next="/#/purchases?search=x"' in html


def sign_in_through_the_form(page, raw_next):
    """Open the sign-in page with this raw `next`, sign in, and wait until the browser has left the sign-in page."""
    user = UserFactory()
    page.goto(f"{page.base_url}/sign-in?next={raw_next}")
    page.fill("#sign-in-username", user.username)
    page.fill("#sign-in-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_signing_in_never_leaves_this_origin(page, raw_next):
    visited = []
    # Any request to the attacker's host is answered here (and recorded), so a wrong redirect shows in page.url.
    page.route(
        lambda url: urlsplit(url).hostname == "evil.example",
        lambda route: (visited.append(route.request.url), route.fulfill(body="evil")),
    )
    page.on("dialog", lambda dialog: (visited.append(f"dialog: {dialog.message}"), dialog.dismiss()))

    sign_in_through_the_form(page, raw_next)

    assert page.url.startswith(page.base_url + "/"), page.url
    assert urlsplit(page.url).path == "/", page.url
    page.wait_for_selector("#dashboard-title")  # the app, signed in
    assert visited == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_path_on_this_site_with_its_query_and_screen_still_works(page):
    sign_in_through_the_form(page, quote("/#/purchases?search=x", safe=""))

    assert page.url == f"{page.base_url}/#/purchases?search=x"
    page.wait_for_selector("#purchases-title")
    assert page.input_value("#f-search") == "x"
