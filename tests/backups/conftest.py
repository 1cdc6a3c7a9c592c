"""Backups belong to superusers (API.md § Backups): the clients these tests use; no temporary file left behind."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages

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


def archive_file(backup_or_name) -> Path:
    """A local path to a stored archive: the file itself in a folder storage, a downloaded copy from S3
    (`pytest --s3`). A test that changes the copy changes what it restores, not the stored archive."""
    name = getattr(backup_or_name, "filename", backup_or_name)
    store = storages["dbbackup"]
    try:
        return Path(store.path(name))
    except NotImplementedError:
        local = Path(settings.BACKUP_DIR).parent / "s3-copies" / name
        local.parent.mkdir(parents=True, exist_ok=True)
        with store.open(name, "rb") as source:
            local.write_bytes(source.read())
        return local


def archive_bytes(backup) -> bytes:
    with storages["dbbackup"].open(backup.filename, "rb") as source:
        return source.read()


def stored_archives() -> list[str]:
    """The names of the .zip archives in the backup storage."""
    try:
        _, files = storages["dbbackup"].listdir("")
    except FileNotFoundError:
        return []
    return sorted(name for name in files if name.endswith(".zip"))
