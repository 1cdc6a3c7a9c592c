"""The web dashboard's browser tests reuse tests/browser's Chromium fixtures (page, screenshot on failure).

Skipped, with the reason printed, when /usr/bin/chromium is missing; the plain Django tests here always run.
"""

import pytest

from tests.browser import conftest as browser_conftest
from tests.browser.conftest import CHROMIUM, page, pytest_runtest_makereport  # noqa: F401
from tests.factories import UserFactory
from tests.frontend.helpers import sign_in


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)")
    for item in items:
        if "tests/frontend" in str(item.fspath) and item.get_closest_marker("browser"):
            item.add_marker(skip)


def _running_browser(request):
    """tests/browser's session-scoped Chromium when it is already up in this run, else None.

    A second sync Playwright cannot start in the same thread while the first runs, and a fixture imported into a
    sibling conftest is a separate instance. pytest has no public lookup for another directory's fixture value, so
    this reads its FixtureDefs (pytest 8 and 9 keep them in different places). Moving `browser`/`page` into
    tests/conftest.py would make all this unnecessary.
    """
    manager = request._fixturemanager
    if hasattr(manager, "_get_all_fixture_defs"):  # pytest >= 9
        fixturedefs = manager._get_all_fixture_defs()
    else:
        fixturedefs = manager._arg2fixturedefs.get("browser", ())
    for fixturedef in fixturedefs:
        if fixturedef.argname != "browser" or fixturedef.cached_result is None:
            continue
        if fixturedef.func is getattr(browser_conftest.browser, "__wrapped__", browser_conftest.browser):
            return fixturedef.cached_result[0]
    return None


@pytest.fixture(scope="module")
def browser(request):
    """tests/browser's Chromium when it runs already; otherwise our own, closed when this module ends (so that
    tests/browser can start its own afterwards)."""
    running = _running_browser(request)
    if running is not None:
        yield running
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        own = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=browser_conftest.ARGS)
        yield own
        own.close()


@pytest.fixture
def app_page(page, transactional_db):  # noqa: F811 (the imported fixture)
    """A page signed in as a fresh user (page.user), not yet navigated."""
    page.user = UserFactory()
    sign_in(page, page.user)
    return page
