"""Uploads go into and out of archives through the storage API (STORAGES["default"], the attachments' storage),
never through MEDIA_ROOT on disk: with a storage that has no local path, like S3, a backup still holds every
upload and a restore puts them back into that storage, byte for byte."""

import hashlib
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile

from attachments.models import Attachment
from backups import restore, services
from backups.choices import BackupKind, BackupStatus
from backups.integrity import integrity_problems
from tests.backups.conftest import archive_file
from tests.backups.memory_storage import NoPathStorage
from tests.conftest import token_client
from tests.factories import PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def use_fresh_storage(settings) -> None:
    """STORAGES["default"] becomes a new, empty NoPathStorage (the setting's change resets default_storage)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.backups.memory_storage.NoPathStorage"}}


def name_of(content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    return f"uploads/{digest[:2]}/{digest[2:4]}/{digest}"


def upload(client, purchase, filename: str, content: bytes) -> dict:
    response = client.post(
        f"/api/purchases/{purchase.pk}/attachments",
        {"file": SimpleUploadedFile(filename, content), "kind": "RECEIPT"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def owner_and_uploads(settings):
    use_fresh_storage(settings)
    assert isinstance(storages["default"], NoPathStorage)
    owner = UserFactory(username="alice")
    client = token_client(owner)
    purchase = PurchaseFactory(owner=owner)
    bodies = [upload(client, purchase, "receipt.pdf", PDF), upload(client, purchase, "photo.png", PNG)]
    with pytest.raises(NotImplementedError):
        default_storage.path(name_of(PDF))  # no file on disk: only the storage API reaches it
    return client, purchase, bodies


def test_backup_and_restore_go_through_a_storage_without_local_paths(settings, owner_and_uploads):
    client, purchase, bodies = owner_and_uploads
    backup = services.backup_create(kind=BackupKind.FULL)
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    assert backup.file_count == 2 and sorted(backup.uploads) == sorted([name_of(PDF), name_of(PNG)])
    archive_path = archive_file(backup)
    with zipfile.ZipFile(archive_path) as zipped:  # the member names of every earlier archive
        assert zipped.read(name_of(PDF)) == PDF and zipped.read(name_of(PNG)) == PNG
    assert not (Path(settings.MEDIA_ROOT) / "uploads").exists()

    Attachment.objects.all().delete()  # the rows, and (after commit) their files in the storage
    assert not default_storage.exists(name_of(PDF)) and not default_storage.exists(name_of(PNG))

    report = restore.backup_restore(path=archive_path, restored_from=backup.filename)
    assert report["files_restored"] == 2 and report["files_skipped"] == 0
    assert report["integrity"] == {"ok": True, "problems": []}
    with default_storage.open(name_of(PDF), "rb") as handle:
        assert handle.read() == PDF
    with default_storage.open(name_of(PNG), "rb") as handle:
        assert handle.read() == PNG
    assert Attachment.objects.filter(purchase=purchase).count() == 2
    download = client.get(f"/api/attachments/{bodies[0]['id']}/download")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert not (Path(settings.MEDIA_ROOT) / "uploads").exists()


def test_restore_into_a_fresh_storage_and_integrity_sees_a_damaged_file(settings, owner_and_uploads):
    backup = services.backup_create(kind=BackupKind.FULL)
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    use_fresh_storage(settings)  # another machine's empty bucket
    assert not default_storage.exists(name_of(PDF))

    report = restore.backup_restore(path=archive_file(backup), restored_from="elsewhere")
    assert report["files_restored"] == 2 and report["integrity"]["ok"] is True
    with default_storage.open(name_of(PNG), "rb") as handle:
        assert handle.read() == PNG

    default_storage.delete(name_of(PDF))
    default_storage.save(name_of(PDF), ContentFile(b"%PDF-1.4 not the same bytes"))
    assert integrity_problems() == [f"upload {name_of(PDF)} does not match its SHA-256"]


def test_a_file_cut_short_by_an_interrupted_restore_is_written_again(settings, owner_and_uploads):
    backup = services.backup_create(kind=BackupKind.FULL)
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    use_fresh_storage(settings)
    default_storage.save(name_of(PDF), ContentFile(PDF[:10]))  # what a killed restore left: the first bytes only
    default_storage.save(name_of(PNG), ContentFile(PNG))  # whole: skipped

    report = restore.backup_restore(path=archive_file(backup), restored_from="again")
    assert (report["files_restored"], report["files_skipped"]) == (1, 1)
    assert report["integrity"] == {"ok": True, "problems": []}
    with default_storage.open(name_of(PDF), "rb") as handle:
        assert handle.read() == PDF


def test_an_upload_prefix_outside_uploads_is_refused():
    from spends.backup_registry import register_uploads

    with pytest.raises(ValueError, match="must lie under 'uploads/'"):
        register_uploads(prefix="database/", names=list)
