"""The web dashboard's browser tests use the browser fixtures of tests/conftest.py (page, screenshot on failure)."""

import pytest

from tests.factories import UserFactory
from tests.frontend.helpers import sign_in
from tests.reminders.receiver import receiver  # noqa: F401 (a fixture: a local HTTP receiver)


@pytest.fixture
def app_page(page, transactional_db):
    """A page signed in as a fresh user (page.user), not yet navigated."""
    page.user = UserFactory()
    sign_in(page, page.user)
    return page
