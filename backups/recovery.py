"""Repairing what an interrupted backup or restore left behind, at the start of every run (under the lock).

- Backup records are rebuilt from the signed manifests of the archives in the backup storage: a restore killed after
  the database was replaced leaves the archive's own, older list; the archives on disk are the truth.
- A restore's journal (written just before the database is replaced) brings back the restore's own record and the
  backup schedule.
- A `running` backup or restore while the lock is free has lost its process: it is marked `failed` (interrupted).
- Temporary files (BACKUP_DIR/tmp), stale pending uploads and partial archives are removed.
"""

import contextlib
import datetime
import hashlib
import logging
import time
import zipfile

from django.core import serializers
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from backups import archive
from backups.choices import BackupStatus
from backups.common import (
    PENDING_DIR,
    BackupError,
    clean_tmp,
    exclusive_lock,
    local_path,
    lock_held,
    pending_delete,
    pending_dir,
    signing_keys,
    storage,
)
from backups.models import Backup, BackupSettings, RestoreJob
from spends import data_versions

logger = logging.getLogger(__name__)

JOURNAL_NAME = ".restore-journal.json"
ARCHIVE_PREFIX = "spends-backup-"
INTERRUPTED = "Interrupted: the process running it stopped (killed, restarted or out of memory) before it finished."
STALE_UPLOAD_SECONDS = 24 * 3600


@contextlib.contextmanager
def run_guard():
    """The lock for a backup or restore run; the outermost holder first repairs what an interrupted run left."""
    outermost = not lock_held()
    with exclusive_lock():
        if outermost:
            recover()
        yield


def recover() -> None:
    """Call only while holding the lock: nobody else is running a backup or restore."""
    _replay_journal()
    rescan_storage()
    now = timezone.now()
    Backup.objects.filter(status=BackupStatus.RUNNING).update(
        status=BackupStatus.FAILED, error=INTERRUPTED, finished_at=now
    )
    RestoreJob.objects.filter(status=BackupStatus.RUNNING).update(
        status=BackupStatus.FAILED, error=INTERRUPTED, error_kind=RestoreJob.ErrorKind.INTERRUPTED, finished_at=now
    )
    clean_tmp()
    _clean_pending_uploads()
    remove_partial_archives()


def recover_if_idle() -> None:
    """For pages and lists: when a record says `running` but nobody holds the lock, repair now."""
    running = (
        Backup.objects.filter(status=BackupStatus.RUNNING).exists()
        or RestoreJob.objects.filter(status=BackupStatus.RUNNING).exists()
        or storage().exists(JOURNAL_NAME)
    )
    if not running:
        return
    with contextlib.suppress(BackupError), exclusive_lock(wait=0):  # BackupError: someone runs; records are live
        recover()


# --- the restore journal -------------------------------------------------------------------------------------------
def write_journal(job: RestoreJob) -> None:
    """Written (into the backup storage, which every node shares) before a restore replaces the database, removed
    once the records are reinstated."""
    rows = [RestoreJob.objects.get(pk=job.pk), *BackupSettings.objects.all()]
    data = serializers.serialize("json", rows)
    path = local_path(JOURNAL_NAME)
    if path is not None:  # a folder: written whole under another name, then renamed into place
        partial = path.with_suffix(".partial")
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(data)
        partial.replace(path)
        return
    clear_journal()  # an object store writes an object whole (one PUT); the name must be free first
    storage().save(JOURNAL_NAME, ContentFile(data.encode()))


def clear_journal() -> None:
    if storage().exists(JOURNAL_NAME):
        storage().delete(JOURNAL_NAME)


def _replay_journal() -> None:
    if not storage().exists(JOURNAL_NAME):
        return
    # A restore stopped after it may have replaced the database: cached answers may carry its numbers.
    with contextlib.suppress(DatabaseError):
        data_versions.renew_all()
    try:
        with storage().open(JOURNAL_NAME, "rb") as handle:
            objects = list(serializers.deserialize("json", handle.read().decode()))
        with transaction.atomic():
            settings_rows = [o for o in objects if isinstance(o.object, BackupSettings)]
            if settings_rows:
                BackupSettings.objects.all().delete()
            for item in objects:
                if isinstance(item.object, BackupSettings) or not RestoreJob.objects.filter(pk=item.object.pk).exists():
                    item.save()
    except Exception:  # a journal that cannot be replayed must not block every later backup
        logger.exception("Could not replay the restore journal %s", JOURNAL_NAME)
    clear_journal()


# --- backup records from the archives in the storage ---------------------------------------------------------------
def _stored_manifest(name: str) -> dict | None:
    try:
        with storage().open(name, "rb") as handle, zipfile.ZipFile(handle) as zipped:
            return archive.read_manifest(zipped)
    except (archive.ArchiveError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def _stored_archives() -> list[str]:
    try:
        _, files = storage().listdir("")
    except (FileNotFoundError, NotImplementedError):
        return []
    return sorted(name for name in files if name.endswith(".zip"))


def _record_fields(name: str, manifest: dict) -> dict:
    digest = hashlib.sha256()
    with storage().open(name, "rb") as handle:
        while chunk := handle.read(archive.CHUNK):
            digest.update(chunk)
    uploads = sorted(m["path"] for m in manifest["members"] if m["path"].startswith(archive.UPLOADS_PREFIX))
    created = datetime.datetime.strptime(manifest["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    return {
        "kind": manifest.get("kind") or "full",
        "status": BackupStatus.SUCCEEDED,
        "finished_at": created,
        "filename": name,
        "size_bytes": storage().size(name),
        "sha256": digest.hexdigest(),
        "database_engine": manifest.get("database_engine") or "",
        "file_count": len(uploads),
        "uploads": uploads,
        "error": "",
        "is_restore_point": bool(manifest.get("is_restore_point")),
    }


def rescan_storage() -> list[str]:
    """Create or repair the record of every archive in the storage whose manifest this installation signed.
    Returns the ids of the records created or repaired."""
    keys, found = signing_keys(), {}
    for name in _stored_archives():
        manifest = _stored_manifest(name)
        if manifest and manifest.get("backup_id") and archive.signature_state(manifest, keys) == "valid":
            found[str(manifest["backup_id"])] = (name, manifest)
    repaired = []
    for backup_id, (name, manifest) in found.items():
        record = Backup.objects.filter(pk=backup_id).first()
        if record and record.status == BackupStatus.SUCCEEDED and record.filename == name:
            continue
        try:
            fields = _record_fields(name, manifest)
        except (OSError, ValueError, KeyError):
            continue
        Backup.objects.update_or_create(pk=backup_id, defaults=fields)
        # update() keeps the archive's time: created_at is auto_now_add, which a create overwrites.
        Backup.objects.filter(pk=backup_id).update(created_at=fields["finished_at"])
        repaired.append(backup_id)
    for backup_id, (_, manifest) in found.items():
        parent_id = manifest.get("parent_id")
        if parent_id and Backup.objects.filter(pk=parent_id).exists():
            Backup.objects.filter(pk=backup_id, parent__isnull=True).update(parent_id=parent_id)
    if repaired:
        logger.warning("Backup records rebuilt from the archives in the backup storage: %s", ", ".join(repaired))
    return repaired


# --- leftovers -----------------------------------------------------------------------------------------------------
def remove_partial_archives() -> list[str]:
    """Archives named like ours that are not readable zips (a copy cut short) and no succeeded backup owns."""
    owned = set(Backup.objects.filter(status=BackupStatus.SUCCEEDED).values_list("filename", flat=True))
    removed = []
    for name in _stored_archives():
        if name.startswith(ARCHIVE_PREFIX) and name not in owned and _stored_manifest(name) is None:
            storage().delete(name)
            removed.append(name)
    if removed:
        logger.warning("Removed partial backup archives: %s", ", ".join(removed))
    return removed


def _pending_uploads() -> dict[str, float]:
    """Uploaded archives waiting (in the backup storage and this node's pending folder): name → modified time."""
    found = {path.name: path.stat().st_mtime for path in pending_dir().iterdir() if path.is_file()}
    try:
        _, files = storage().listdir(PENDING_DIR)
    except (FileNotFoundError, NotImplementedError):
        files = []
    for name in files:
        with contextlib.suppress(OSError, NotImplementedError):
            found.setdefault(name, storage().get_modified_time(f"{PENDING_DIR}/{name}").timestamp())
    return found


def _clean_pending_uploads() -> None:
    waiting = set(RestoreJob.objects.filter(status=BackupStatus.PENDING).values_list("upload_name", flat=True))
    finished = set(RestoreJob.objects.exclude(status=BackupStatus.PENDING).values_list("upload_name", flat=True))
    for name, modified in _pending_uploads().items():
        if name in waiting:
            continue
        # An admin upload waits for its confirmation page (no job yet); give it a day.
        if name in finished or time.time() - modified > STALE_UPLOAD_SECONDS:
            pending_delete(name)
