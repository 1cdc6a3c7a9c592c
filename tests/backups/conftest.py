"""Backups belong to superusers (API.md § Backups): the clients these tests use."""

import pytest

from tests.conftest import token_client
from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(superuser):
    return token_client(superuser)
