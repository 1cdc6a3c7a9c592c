"""Users, API clients (owner, other user, staff, anonymous) and isolation fixtures shared by every test."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _isolated_files_and_cache(settings, tmp_path):
    """Uploads and backups go to a fresh folder per test; cached answers and throttles start empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.STORAGES = {
        **settings.STORAGES,
        # Tests do not run collectstatic; production (DEBUG off) serves the hashed manifest via WhiteNoise.
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "dbbackup": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "backups")},
        },
    }
    # Password hashing is deliberately slow; tests only need it to be correct.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.user = user
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
