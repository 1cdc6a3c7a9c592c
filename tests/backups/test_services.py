"""Backup → wipe → restore round trips, incremental chains, retention and refusals, on the configured engine."""

import datetime
import threading
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import connection

from backups import archive, restore, services
from backups.choices import BackupKind, BackupStatus
from backups.models import Backup, BackupSettings
from purchases.models import Purchase
from tests.attachments.conftest import StoredFile
from tests.attachments.conftest import stored_path as stored_path_of_upload
from tests.backups.conftest import archive_file, stored_archives
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory, household_of
from warranties.models import Warranty

pytestmark = pytest.mark.django_db(transaction=True)


def put_upload(settings, content: bytes) -> StoredFile:
    """A stored upload (in the media folder, or the S3 bucket under `pytest --s3`)."""
    path = stored_path_of_upload(content)
    path.write_bytes(content)
    return path


def stored_path(settings, backup) -> Path:
    return archive_file(backup)


@pytest.fixture
def data(settings):
    owner = UserFactory(username="alice")
    purchases = [PurchaseFactory(owner=owner, product_name=f"Item {i}", price=Decimal(f"{i}.99")) for i in range(1, 6)]
    WarrantyFactory(purchase=purchases[0], warranty_end=datetime.date(2027, 1, 1))
    uploads = [put_upload(settings, b"%PDF-1.7 receipt one"), put_upload(settings, b"\x89PNG photo two")]
    return owner, purchases, uploads


def snapshot():
    return (
        sorted(
            Purchase.objects.values_list(
                "id", "product_name", "price", "purchase_date", "household_id", "created_by_id"
            )
        ),
        sorted(Warranty.objects.values_list("id", "purchase_id", "warranty_end")),
    )


def test_full_backup_wipe_restore_brings_back_every_row_and_file(settings, data):
    _, _, uploads = data
    before = snapshot()
    contents = {p: p.read_bytes() for p in uploads}
    backup = services.backup_create(kind=BackupKind.FULL)
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    assert backup.file_count == 2 and backup.database_engine == connection.vendor
    zip_path = stored_path(settings, backup)
    assert archive.sha256_file(zip_path) == (backup.sha256, backup.size_bytes)
    assert not str(zip_path).startswith(str(settings.MEDIA_ROOT))  # never downloadable as media

    Purchase.objects.all().delete()
    for path in uploads:
        path.unlink()
    PurchaseFactory(product_name="Added after the backup")

    report = restore.backup_restore(path=zip_path, restored_from=backup.filename)
    assert snapshot() == before
    assert {p: p.read_bytes() for p in uploads} == contents
    assert report["files_restored"] == 2 and report["files_skipped"] == 0
    assert report["integrity"] == {"ok": True, "problems": []}
    # The restore point (the state just before) stays listed, and so does the backup restored from.
    point = Backup.objects.get(pk=report["restore_point_id"])
    assert point.is_restore_point and point.status == BackupStatus.SUCCEEDED
    assert Backup.objects.filter(pk=backup.pk).exists()


def test_restore_point_undoes_a_restore(settings, data):
    backup = services.backup_create()
    PurchaseFactory(product_name="Newer purchase")
    state_before_restore = snapshot()
    report = restore.backup_restore(path=stored_path(settings, backup), restored_from="x")
    assert not Purchase.objects.filter(product_name="Newer purchase").exists()
    point = Backup.objects.get(pk=report["restore_point_id"])
    restore.backup_restore(path=stored_path(settings, point), restored_from=str(point.pk))
    assert snapshot() == state_before_restore


def test_flipped_byte_is_rejected_and_nothing_changes(settings, data):
    backup = services.backup_create()
    path = stored_path(settings, backup)
    raw = bytearray(path.read_bytes())
    raw[raw.index(b"%PDF-1.7 receipt one") + 2] ^= 0x01
    path.write_bytes(bytes(raw))
    PurchaseFactory(product_name="Must survive")
    before, backups_before = snapshot(), Backup.objects.count()
    with pytest.raises(ValidationError, match="damaged"):
        restore.backup_restore(path=path, restored_from="x")
    assert snapshot() == before
    assert Backup.objects.count() == backups_before  # not even a restore point was made


def test_archive_of_the_other_engine_without_a_portable_dump_is_refused(settings, data, tmp_path):
    """Format version 1 (no portable dump): a PostgreSQL dump cannot be read on SQLite; on PostgreSQL a "SQLite" dump
    is migrated in a temporary copy, and one that is no SQLite file is refused. (With its portable dump, an archive of
    the other engine restores: tests/backups/test_portable.py.)"""
    backup = services.backup_create()
    source = stored_path(settings, backup)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    import json

    target = tmp_path / "other.zip"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data_bytes = src.read(info.filename)
            if info.filename == "database/portable.jsonl":
                continue
            if info.filename == archive.MANIFEST_NAME:
                manifest = json.loads(data_bytes)
                manifest["database_engine"] = other
                manifest["format_version"] = 1
                del manifest["portable"]
                manifest["members"] = [m for m in manifest["members"] if m["path"] != "database/portable.jsonl"]
                data_bytes = json.dumps(manifest).encode()
            dst.writestr(info.filename, data_bytes)
    message = f"{other} database and holds no portable dump" if other == "postgresql" else "schema"
    with pytest.raises(ValidationError, match=message):
        restore.backup_restore(path=target, restored_from="x", allow_foreign=True)


def test_incremental_holds_only_new_uploads_and_restores_through_its_chain(settings, data):
    _, _, uploads = data
    full = services.backup_create(kind=BackupKind.FULL)
    new_upload = put_upload(settings, b"GIF89a third file")
    incremental = services.backup_create(kind=BackupKind.INCREMENTAL)
    assert incremental.status == BackupStatus.SUCCEEDED, incremental.error
    assert incremental.parent_id == full.pk
    with zipfile.ZipFile(stored_path(settings, incremental)) as z:
        upload_members = [n for n in z.namelist() if n.startswith("uploads/")]
    assert upload_members == [new_upload.name]

    for path in [*uploads, new_upload]:
        path.unlink()
    report = restore.backup_restore(path=stored_path(settings, incremental), restored_from="inc")
    assert report["files_restored"] == 3
    assert all(p.exists() for p in [*uploads, new_upload])


def test_incremental_with_missing_parent_says_which(settings, data):
    services.backup_create(kind=BackupKind.FULL)
    incremental = services.backup_create(kind=BackupKind.INCREMENTAL)
    parent = incremental.parent
    storages["dbbackup"].delete(parent.filename)
    with pytest.raises(ValidationError, match=str(parent.pk)):
        restore.backup_restore(path=stored_path(settings, incremental), restored_from="inc")


def test_incremental_without_any_backup_fails_clearly(data):
    backup = services.backup_create(kind=BackupKind.INCREMENTAL)
    assert backup.status == BackupStatus.FAILED
    assert "full backup first" in backup.error


def test_retention_keeps_newest_and_parents_of_kept_incrementals(settings, data):
    full = services.backup_create(kind=BackupKind.FULL)
    inc1 = services.backup_create(kind=BackupKind.INCREMENTAL)
    inc2 = services.backup_create(kind=BackupKind.INCREMENTAL)
    deleted = services.backup_prune(keep_last=1)
    assert deleted == []  # inc2 is kept, and it needs inc1 and full
    full2 = services.backup_create(kind=BackupKind.FULL)
    deleted = services.backup_prune(keep_last=1)
    assert set(deleted) == {str(full.pk), str(inc1.pk), str(inc2.pk)}
    assert list(Backup.objects.values_list("pk", flat=True)) == [full2.pk]
    assert stored_archives() == [full2.filename]


def test_scheduled_backup_runs_only_when_due_and_prunes(settings, data):
    BackupSettings.objects.all().delete()
    BackupSettings.objects.create(enabled=False, frequency="daily", keep_last=2)
    assert services.backup_scheduled() is None
    BackupSettings.objects.update(enabled=True)
    first = services.backup_scheduled()
    assert first.status == BackupStatus.SUCCEEDED
    assert services.backup_scheduled() is None  # not due again until a day later
    later = first.created_at + datetime.timedelta(days=1, minutes=1)
    assert services.backup_scheduled(now=later) is not None
    assert services.backup_scheduled(now=later + datetime.timedelta(days=1, minutes=1)) is not None
    assert Backup.objects.count() == 2  # keep_last


def test_backup_while_another_thread_writes_restores_to_a_consistent_database(settings, data):
    owner, _, _ = data
    stop = threading.Event()
    errors = []

    def writer():
        from django.db import connection as thread_connection

        try:
            while not stop.is_set():
                p = Purchase.objects.create(
                    household_id=household_of(owner),
                    created_by=owner,
                    product_name="Concurrent",
                    price=Decimal("1.00"),
                    currency_code="USD",
                    purchase_date=datetime.date(2025, 1, 1),
                )
                Warranty.objects.create(
                    purchase=p, warranty_start=datetime.date(2025, 1, 1), warranty_end=datetime.date(2026, 1, 1)
                )
        except Exception as exc:  # surfaced in the assertion below
            errors.append(exc)
        finally:
            thread_connection.close()

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("needs a file database for a second connection to write concurrently")
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        backup = services.backup_create()
    finally:
        stop.set()
        thread.join()
    assert not errors and backup.status == BackupStatus.SUCCEEDED
    restore.backup_restore(path=stored_path(settings, backup), restored_from="x")
    # Every concurrent purchase was written with its warranty in one go: the dump must never split them.
    concurrent = Purchase.objects.filter(product_name="Concurrent")
    assert concurrent.filter(warranties__isnull=True).count() <= 1  # at most the one between its two inserts
