"""The web dashboard's browser tests reuse tests/browser's Chromium fixtures (browser, page, screenshot on failure).

Skipped, with the reason printed, when /usr/bin/chromium is missing; the plain Django tests here always run.
"""

import pytest

from tests.browser.conftest import CHROMIUM, browser, page, pytest_runtest_makereport  # noqa: F401
from tests.factories import UserFactory
from tests.frontend.helpers import sign_in


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)")
    for item in items:
        if "tests/frontend" in str(item.fspath) and item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture
def app_page(page, transactional_db):  # noqa: F811 (the imported fixture)
    """A page signed in as a fresh user (page.user), not yet navigated."""
    page.user = UserFactory()
    sign_in(page, page.user)
    return page
