"""Backups and restores survive interruption (issue #18, item 6): processes killed with SIGKILL in the middle, a full
disk, the lock. The killed processes are real `manage.py` runs on the test database (SQLite file or PostgreSQL)."""

import errno
import os
import signal
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command

from backups import common, restore, services
from backups.common import BackupError
from backups.models import Backup, RestoreJob
from purchases.models import Purchase
from spends import locks
from tests.backups.processes import ROOT, child_env
from tests.factories import PurchaseFactory

# Processes killed mid-run and their temporary files on this disk: folder storage only.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.local_storage]

# Runs a management command with one function paused right after it returns: the test kills it there.
PAUSING_CHILD = """
import importlib, sys, time, django
django.setup()
from django.core.management import call_command
module, name = importlib.import_module(sys.argv[1]), sys.argv[2]
original = getattr(module, name)
def paused(*args, **kwargs):
    result = original(*args, **kwargs)
    print("PAUSED", flush=True)
    time.sleep(600)
    return result
setattr(module, name, paused)
call_command(*sys.argv[3:])
"""


def kill_when_paused(settings, module: str, function: str, *command: str) -> None:
    """Start `manage.py <command>` with `module.function` pausing after it returns, and SIGKILL it there."""
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSING_CHILD, module, function, *command],
        cwd=ROOT,
        env=child_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    timer = threading.Timer(120, proc.kill)  # never hang the suite
    timer.start()
    output = []
    try:
        for line in proc.stdout:  # progress and log lines, then ours
            output.append(line)
            if line.strip() == "PAUSED":
                break
        assert output and output[-1].strip() == "PAUSED", "".join(output)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        timer.cancel()
    assert proc.returncode == -signal.SIGKILL


def tmp_files(settings) -> list[Path]:
    tmp = Path(settings.BACKUP_DIR) / "tmp"
    return sorted(p for p in tmp.rglob("*")) if tmp.exists() else []


def test_a_killed_restore_leaves_every_backup_and_the_restore_point_listed(settings, superuser_client):
    PurchaseFactory(product_name="In the first backup")
    first = services.backup_create()
    PurchaseFactory(product_name="Only in the second")
    second = services.backup_create()
    kill_when_paused(
        settings,
        "backups.restore",
        "_restore_database",
        "restore",
        str(Path(settings.BACKUP_DIR) / first.filename),
        "--yes",
    )
    # Killed right after the database was replaced: the records are the first archive's (its own row `running`).
    assert list(Backup.objects.values_list("pk", "status")) == [(first.pk, "running")]
    assert not Purchase.objects.filter(product_name="Only in the second").exists()

    listing = superuser_client.get("/api/backup/list?limit=100")
    assert listing.status_code == 200
    items = {item["id"]: item for item in listing.json()["items"]}
    point = Backup.objects.get(is_restore_point=True)
    assert set(items) == {str(first.pk), str(second.pk), str(point.pk)}
    assert {item["status"] for item in items.values()} == {"succeeded"}
    assert items[str(second.pk)]["sha256"] == second.sha256 and items[str(second.pk)]["size_bytes"] == second.size_bytes
    job = RestoreJob.objects.get()  # the restore's own record, from its journal
    assert job.status == "failed" and "Interrupted" in job.error and job.restore_point_id == point.pk
    assert tmp_files(settings) == []
    # The restore point undoes the half-finished restore.
    restore.backup_restore(path=Path(settings.BACKUP_DIR) / point.filename, restored_from=str(point.pk))
    assert Purchase.objects.filter(product_name="Only in the second").exists()


def test_a_killed_backup_is_marked_failed_and_its_temporary_files_removed(settings, superuser_client):
    PurchaseFactory()
    kill_when_paused(settings, "backups.archive", "write_archive", "backup")
    backup = Backup.objects.get()
    assert backup.status == "running"
    assert tmp_files(settings)  # the killed run's dump and archive, under BACKUP_DIR/tmp
    assert not list(Path(settings.BACKUP_DIR).glob("*.zip"))  # nothing under a real backup's name

    listed = superuser_client.get("/api/backup/list").json()["items"]
    assert listed[0]["status"] == "failed" and "Interrupted" in listed[0]["error"]
    assert tmp_files(settings) == []
    assert services.backup_create().status == "succeeded"


def test_list_backups_rescan_rebuilds_records_from_the_signed_archives(settings, capsys):
    full = services.backup_create()
    PurchaseFactory()
    incremental = services.backup_create(kind="incremental")
    fields = ("pk", "kind", "parent_id", "sha256", "size_bytes", "filename", "file_count", "is_restore_point")
    expected = set(Backup.objects.values_list(*fields))
    Backup.objects.filter(parent__isnull=False).delete()
    Backup.objects.all().delete()
    foreign = Path(settings.BACKUP_DIR) / "someone-elses.zip"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("manifest.json", "{}")
    call_command("list_backups", "--rescan")
    assert str(full.pk) in capsys.readouterr().out
    assert set(Backup.objects.values_list(*fields)) == expected
    assert Backup.objects.get(pk=incremental.pk).parent_id == full.pk
    assert foreign.exists()  # not ours, not partial: left alone


class FullDiskStorage(FileSystemStorage):
    """Fault injection: writes part of the file under its final name, then the disk is full."""

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            out.write(content.read(4096))
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_leaves_no_archive_under_a_backups_name(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "dbbackup": {
            "BACKEND": f"{__name__}.FullDiskStorage",
            "OPTIONS": {"location": str(settings.BACKUP_DIR)},
        },
    }
    PurchaseFactory()
    backup = services.backup_create()
    assert backup.status == "failed" and "No space left on device" in backup.error
    assert not list(Path(settings.BACKUP_DIR).glob("*.zip"))
    assert tmp_files(settings) == []


def test_pruning_removes_a_partial_archive_and_keeps_complete_ones(settings):
    kept = services.backup_create()
    whole = (Path(settings.BACKUP_DIR) / kept.filename).read_bytes()
    partial = Path(settings.BACKUP_DIR) / "spends-backup-20250101T000000Z-full-deadbeef.zip"
    partial.write_bytes(whole[: len(whole) // 2])  # what a copy cut short leaves
    services.backup_prune(keep_last=5)
    assert not partial.exists()
    assert (Path(settings.BACKUP_DIR) / kept.filename).exists()


def test_the_restore_point_is_made_under_the_restore_lock(settings):
    backup = services.backup_create()
    held_elsewhere = locks.named_lock(common.LOCK, file=common.lock_path())  # another process's backup or restore
    with held_elsewhere, pytest.raises(BackupError, match="Another backup or restore is running"):
        restore.backup_restore(path=Path(settings.BACKUP_DIR) / backup.filename, restored_from="x")
    assert list(Backup.objects.values_list("pk", flat=True)) == [backup.pk]  # no restore point attempted
    report = restore.backup_restore(path=Path(settings.BACKUP_DIR) / backup.filename, restored_from="x")
    job = RestoreJob.objects.get(status="succeeded")
    point = Backup.objects.get(pk=report["restore_point_id"])
    assert point.created_at >= job.started_at  # made once the restore held the lock, without deadlocking on it
