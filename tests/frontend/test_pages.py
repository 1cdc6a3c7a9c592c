"""The two server-rendered pages of the web dashboard (spends/frontend.py): who gets which page."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def scripts(html):
    """The page's script files in the order they run (all deferred or modules), Alpine last."""
    found = re.findall(r'<script (?:defer|type="module") src="/static/([^"]+)"></script>', html)
    assert len(found) == html.count("<script"), "a script that is neither deferred nor a module"
    return found


ALPINE = "vendor/alpinejs-csp/3.17.4/alpine-csp.min.js"
SCREEN_SCRIPTS = [
    "dashboard",
    "coverages",
    "purchase_dialog",
    "attachments",
    "purchases",
    "claims",
    "purchase_page",
    "warranties",
    "transfer",
    "backup_restore",
    "backups",
    "household",
    "settings",
    "channels",  # Settings → Channels (#25)
    "receipts",  # the add dialog's receipt suggestion (#27)
]
SHELL_SCRIPTS = [
    "app/api.js",
    "app/core.js",
    "app/charts.js",
    "app/shell.js",
    *(f"app/{name}.js" for name in SCREEN_SCRIPTS),
    ALPINE,
]


def test_root_redirects_a_signed_out_visitor_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in"


def test_sign_in_page_sets_the_csrf_cookie_and_loads_alpine(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    html = response.content.decode()
    assert 'x-data="signIn"' in html
    assert "/static/vendor/alpinejs-csp/3.17.4/alpine-csp.min.js" in html
    assert "no-cache" in response["Cache-Control"]


def test_root_serves_the_app_shell_to_a_signed_in_user(client):
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    html = response.content.decode()
    assert 'x-data="shell"' in html
    for screen in ("dashboard", "purchases", "warranties", "transfer", "backups", "household"):
        assert f'x-data="{screen}"' in html
    assert scripts(html) == SHELL_SCRIPTS


def test_sign_in_page_loads_only_what_signing_in_needs(client):
    assert scripts(client.get("/sign-in").content.decode()) == ["app/api.js", "app/core.js", "app/sign_in.js", ALPINE]


def test_template_comments_stay_out_of_the_pages(client):
    """Django's {# #} is one line only; a longer one would be sent to the browser as text."""
    signed_out = client.get("/sign-in").content.decode()
    client.force_login(UserFactory())
    for html in (signed_out, client.get("/").content.decode()):
        assert "{#" not in html and "{%" not in html and "#}" not in html


def test_every_script_of_the_app_is_loaded_and_none_is_over_500_lines():
    """The dashboard's code is split by screen (issue #19): each file is loaded by a page and stays small."""
    folder = Path(settings.BASE_DIR) / "static" / "app"
    files = {f"app/{script.name}" for script in folder.glob("*.js")}
    assert files == {*SHELL_SCRIPTS, "app/sign_in.js"} - {ALPINE}
    for name in files:
        assert len((folder / name.removeprefix("app/")).read_text().splitlines()) <= 500, name


def test_sign_in_page_sends_a_signed_in_user_to_the_app(client):
    client.force_login(UserFactory())
    response = client.get("/sign-in")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_frontend_routes_leave_the_api_and_admin_alone(client):
    assert client.get("/api/purchases").status_code == 401
    assert client.get("/api/nothing-here").json()["code"] == "not_found"
    assert client.get("/admin/").status_code == 302


def test_alpine_is_vendored_with_its_licence_and_version_noted():
    vendor = Path(settings.BASE_DIR) / "static" / "vendor"
    build = (vendor / "alpinejs-csp" / "3.17.4" / "alpine-csp.min.js").read_text()
    assert len(build) > 10_000
    assert "new Function" not in build  # the CSP build: expressions are parsed, never evaluated as code
    assert "MIT License" in (vendor / "alpinejs-csp" / "3.17.4" / "LICENSE.md").read_text()
    readme = (vendor / "README.md").read_text()
    assert "@alpinejs/csp" in readme and "3.17.4" in readme and "MIT" in readme


def test_templates_never_render_html_from_data():
    """User data are rendered with x-text only (escaped); x-html would let a product name inject markup."""
    templates = Path(settings.BASE_DIR) / "templates" / "app"
    for template in templates.rglob("*.html"):
        assert "x-html" not in template.read_text(), template
    scripts = Path(settings.BASE_DIR) / "static" / "app"
    for script in scripts.glob("*.js"):
        assert "innerHTML" not in script.read_text(), script
