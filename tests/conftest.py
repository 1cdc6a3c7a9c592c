"""Users, API clients (owner, other user, staff, anonymous), isolation fixtures, and the real-browser fixtures.

Browser tests (marker `browser`: tests/browser, tests/frontend) run Playwright on Debian's Chromium against
pytest-django's live server; they are skipped, with the reason printed, when /usr/bin/chromium is missing
(`apt-get install chromium`; `.ci/run` does it). A failing browser test leaves a screenshot in test-artifacts/.
One Chromium serves the whole run (a second sync Playwright cannot start in the same thread).
"""

import contextlib
import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from spends.tokens import token_issue
from tests.factories import UserFactory

S3_SUITES = ("attachments", "backups")  # the suites `pytest --s3 -m s3` runs against the S3 server


def pytest_addoption(parser):
    parser.addoption(
        "--s3",
        action="store_true",
        help="Keep uploads and backups in a real S3 endpoint (moto's server, started for the run) instead of "
        "folders; `pytest --s3 -m s3` runs the storage suites (marker s3) that way.",
    )


@pytest.fixture(scope="session")
def s3_server(request):
    """moto's S3 server for the whole run, in its own process on 127.0.0.1 (tests/s3server.py)."""
    from tests.s3server import moto_server

    with moto_server() as server:
        yield server


@pytest.fixture
def s3_storages(s3_server, settings):
    """Point uploads and backups at a fresh bucket of the S3 server, as MEDIA_STORAGE_URL / BACKUP_STORAGE_URL do."""
    from spends import config

    bucket = s3_server.new_bucket()
    settings.MEDIA_STORAGE_URL = s3_server.storage_url(bucket, "media")  # also for the processes tests start
    settings.BACKUP_STORAGE_URL = s3_server.storage_url(bucket, "backups")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": config.storage_config(settings.MEDIA_STORAGE_URL, presigned_seconds=60),
        "dbbackup": config.storage_config(settings.BACKUP_STORAGE_URL),
    }
    return bucket


@pytest.fixture(autouse=True)
def _isolated_files_and_cache(request, settings, tmp_path):
    """Uploads and backups go to a fresh folder per test (a fresh S3 bucket with --s3, for the s3-marked suites);
    cached answers and throttles start empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        # Tests do not run collectstatic; production (DEBUG off) serves the hashed manifest via WhiteNoise.
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "dbbackup": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "backups")},
        },
    }
    if request.config.getoption("--s3") and request.node.get_closest_marker("s3"):
        request.getfixturevalue("s3_storages")
    # Password hashing is deliberately slow; tests only need it to be correct.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    token, key = token_issue(user=user, name="tests")
    # Marked as just used: its once-a-minute last_used_at update is then not one of the queries tests count.
    token.last_used_at = timezone.now()
    token.save(update_fields=["last_used_at"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user = user
    client.token = token
    return client


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def other_user(db):
    return UserFactory(username="other")


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def owner_client(owner):
    return token_client(owner)


@pytest.fixture
def other_client(other_user):
    return token_client(other_user)


@pytest.fixture
def staff_client(staff_user):
    return token_client(staff_user)


@pytest.fixture
def anon_client():
    return APIClient()


# --- real browser -------------------------------------------------------------------------------------------------
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # the repository's (ignored by git)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in the test thread; the tests' own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    suites = tuple(Path(__file__).parent / suite for suite in S3_SUITES)
    for item in items:
        in_suite = any(Path(str(item.path)).is_relative_to(suite) for suite in suites)
        if in_suite and not item.get_closest_marker("local_storage"):
            item.add_marker(pytest.mark.s3)
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{item.name}.png"), full_page=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    # `transactional_db` first: the page closes before the database is flushed, never while the live server still
    # answers its requests (a flush's TRUNCATE then deadlocked with a request's transaction on PostgreSQL).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A Content-Security-Policy violation is only a console message; it fails the test like a JavaScript error.
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.base_url = live_server.url
    yield page
    _settle(page)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _settle(page) -> None:
    """Let the page's requests finish (at most a few seconds: a screen that polls never goes idle)."""
    from playwright.sync_api import Error

    with contextlib.suppress(Error):
        page.wait_for_load_state("networkidle", timeout=3_000)


@pytest.fixture
def admin_page(page, transactional_db):
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    page.goto(f"{page.base_url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{page.base_url}/admin/")
    page.user = user
    return page


@pytest.fixture
def shipped_rates(db):
    """The migration's rows. A TransactionTestCase-style test flushes every table when it ends, so a later test may
    find the table empty: load the same rows again then (the migration's own code)."""
    from django.db import connection

    from rates.ecb import insert_rows, read_history, shipped_history_bytes
    from rates.models import Rate

    if not Rate.objects.exists():
        insert_rows(connection, Rate._meta.db_table, read_history(shipped_history_bytes()).rows)
