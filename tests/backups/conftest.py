"""Backups belong to superusers (API.md § Backups): the clients these tests use; no temporary file left behind."""

import pytest

from tests.conftest import token_client
from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(superuser):
    return token_client(superuser)


@pytest.fixture(autouse=True)
def _no_temporary_files_in_the_system_temp_folder(tmp_path, monkeypatch):
    """Temporary files of backups and restores live under BACKUP_DIR/tmp, never in the system temp folder. Each test
    gets its own "system" temp folder (also for the processes it starts), so other runs on the machine don't count."""
    import tempfile

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    monkeypatch.setenv("TMPDIR", str(system_tmp))
    yield
    assert sorted(p.name for p in system_tmp.glob("spends-*")) == [], "files left in the system temp folder"
