"""Backups: create (full or incremental), verify, restore, prune, schedule. Archives live in STORAGES["dbbackup"].

A backup is one `.zip` (see backups.archive): the database dump made by django-dbbackup's connector for the
engine (SQLite: the online backup API, consistent while the app writes; PostgreSQL: pg_dump -Fc) and the
uploads under their hash-sharded paths. Restores validate everything before changing anything.
"""

import contextlib
import datetime
import fcntl
import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dbbackup.db.base import get_connector
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from backups import archive
from backups.choices import BackupKind, BackupStatus
from backups.models import Backup, BackupSettings
from spends.cache import clear_cache
from spends.exceptions import Conflict

logger = logging.getLogger(__name__)

UPLOADS_DIR = "uploads"


class BackupError(Conflict):
    """A backup or restore could not be done now (another one is running, an archive is gone, the restore point
    failed); the message is for the user. Answered 409 by the API, never a 500."""


@dataclass
class RestoreReport:
    restored_from: str
    restore_point_id: str | None
    files_restored: int = 0
    files_skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "restored_from": self.restored_from,
            "restore_point_id": self.restore_point_id,
            "files_restored": self.files_restored,
            "files_skipped": self.files_skipped,
            "integrity": {"ok": not self.problems, "problems": self.problems},
        }


def _storage():
    return storages["dbbackup"]


def _engine() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


@contextlib.contextmanager
def _exclusive_lock(name: str):
    """One backup or restore at a time on this machine (a lock file beside the local backup folder)."""
    lock_dir = Path(settings.BACKUP_DIR)
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f".{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("Another backup or restore is running; try again when it has finished.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _upload_files() -> dict[str, Path]:
    """Every upload on disk: arcname (uploads/ab/cd/<sha256>) → path."""
    root = _media_root() / UPLOADS_DIR
    if not root.is_dir():
        return {}
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
            files[path.relative_to(_media_root()).as_posix()] = path
    return files


def _chain(backup: Backup) -> list[Backup]:
    """The backup and its ancestors, newest first."""
    chain, seen = [], set()
    while backup is not None and backup.pk not in seen:
        chain.append(backup)
        seen.add(backup.pk)
        backup = backup.parent
    return chain


def _dump_database(target: Path) -> None:
    """Write a consistent dump of the live database to `target` with django-dbbackup's connector."""
    connector = get_connector()
    dump = connector.create_dump()
    try:
        dump.seek(0)
        with open(target, "wb") as out:
            while chunk := dump.read(archive.CHUNK):
                out.write(chunk)
    finally:
        dump.close()


def backup_request(*, kind: str = BackupKind.FULL, user=None) -> Backup:
    """Record a pending backup and run it as a background task once this transaction commits (API, admin)."""
    from backups.tasks import run_backup

    backup = Backup.objects.create(kind=kind, status=BackupStatus.PENDING, created_by=user)
    transaction.on_commit(lambda: run_backup.enqueue(str(backup.pk)))
    return backup


def backup_create(*, kind: str = BackupKind.FULL, user=None, restore_point: bool = False, progress=None) -> Backup:
    """Make a backup now, in this process (CLI, scheduler, restore points). Returns the finished record."""
    backup = Backup.objects.create(
        kind=kind, status=BackupStatus.PENDING, created_by=user, is_restore_point=restore_point
    )
    return backup_run(backup.pk, progress=progress)


def backup_run(backup_id, *, progress=None) -> Backup:
    """Do the work of a recorded backup. Never raises for a failed backup: the record says `failed` and why."""
    backup = Backup.objects.get(pk=backup_id)
    if backup.status not in (BackupStatus.PENDING, BackupStatus.FAILED):
        return backup
    Backup.objects.filter(pk=backup.pk).update(status=BackupStatus.RUNNING, error="")
    try:
        with _exclusive_lock("backup"):
            _write_backup(backup, progress=progress)
        backup.status = BackupStatus.SUCCEEDED
    except Exception as exc:  # recorded on the backup, so a failure is visible and never silent
        logger.exception("Backup %s failed", backup.pk)
        backup.status = BackupStatus.FAILED
        backup.error = str(exc) or exc.__class__.__name__
    backup.finished_at = timezone.now()
    backup.save()
    return backup


def _write_backup(backup: Backup, *, progress=None) -> None:
    say = progress or (lambda message: None)
    if backup.kind == BackupKind.INCREMENTAL and backup.parent_id is None:
        backup.parent = (
            Backup.objects.filter(status=BackupStatus.SUCCEEDED).exclude(pk=backup.pk).order_by("-created_at").first()
        )
        if backup.parent is None:
            raise BackupError("An incremental backup needs an earlier successful backup; make a full backup first.")
    in_chain = set()
    if backup.parent is not None:
        for ancestor in _chain(backup.parent):
            in_chain.update(ancestor.uploads)

    created = timezone.now()
    filename = f"spends-backup-{created.strftime('%Y%m%dT%H%M%SZ')}-{backup.kind}-{str(backup.pk)[:8]}.zip"
    with tempfile.TemporaryDirectory(prefix="spends-backup-") as tmp:
        tmp_dir = Path(tmp)
        dump = tmp_dir / "dump"
        say("dumping the database")
        _dump_database(dump)
        uploads = {name: path for name, path in _upload_files().items() if name not in in_chain}
        say(f"archiving {len(uploads)} upload(s)")
        members = [archive.Member(archive.DATABASE_MEMBER, dump)]
        members += [archive.Member(name, path) for name, path in uploads.items()]
        meta = {
            "app_version": settings.VERSION,
            "created_at": archive.utc_timestamp(created),
            "database_engine": _engine(),
            "migrations": _applied_migrations(),
            "backup_id": str(backup.pk),
            "kind": backup.kind,
            "parent_id": str(backup.parent_id) if backup.parent_id else None,
        }
        local = tmp_dir / filename
        archive.write_archive(local, meta=meta, members=members)  # verified before it is renamed into place
        sha256, size = archive.sha256_file(local)
        say("storing the archive")
        with open(local, "rb") as handle:
            stored_name = _storage().save(filename, File(handle, name=filename))
    backup.filename = stored_name
    backup.size_bytes = size
    backup.sha256 = sha256
    backup.database_engine = _engine()
    backup.file_count = len(uploads)
    backup.uploads = sorted(uploads)


@contextlib.contextmanager
def _local_copy(backup: Backup):
    """A local path to the backup's archive (downloaded from the storage when it is not a local folder)."""
    storage = _storage()
    if not backup.filename or not storage.exists(backup.filename):
        raise BackupError(f"The archive of backup {backup.pk} ({backup.filename or 'no file'}) is missing.")
    try:
        yield Path(storage.path(backup.filename))
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=".zip") as tmp, storage.open(backup.filename, "rb") as src:
        while chunk := src.read(archive.CHUNK):
            tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name)


def backup_open(backup: Backup):
    """The stored archive as a file object, for download."""
    if backup.status != BackupStatus.SUCCEEDED or not _storage().exists(backup.filename):
        raise BackupError("This backup has no archive to download.")
    return _storage().open(backup.filename, "rb")


def backup_delete(*, backup: Backup) -> None:
    """Delete a backup and its archive. Refused (Conflict, 409) while an incremental backup needs it."""
    if backup.children.exists():
        raise Conflict("An incremental backup depends on this one; delete that one first.")
    filename = backup.filename
    backup.delete()
    if filename:
        transaction.on_commit(lambda: _storage().delete(filename) if _storage().exists(filename) else None)


def _known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def backup_validate(path: Path, *, parent_lookup=True) -> dict:
    """Everything checked before a restore changes anything. Returns the manifest; raises ValidationError."""
    try:
        manifest = archive.verify_archive(path)
    except archive.ArchiveError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    engine = manifest.get("database_engine")
    if engine != _engine():
        raise ValidationError(
            {"file": [f"The backup is of a {engine} database; this installation runs on {_engine()}."]}
        )
    unknown = sorted(set(manifest.get("migrations") or []) - _known_migrations())
    if unknown:
        raise ValidationError(
            {
                "file": [
                    f"The backup was made by a newer version (unknown migrations: {', '.join(unknown[:3])}). "
                    "Upgrade Spends Tracker first."
                ]
            }
        )
    if archive.DATABASE_MEMBER not in {m["path"] for m in manifest["members"]}:
        raise ValidationError({"file": ["The backup holds no database dump."]})
    return manifest


def _parent_archives(manifest: dict) -> list[Backup]:
    """The stored ancestors an incremental archive needs, oldest last; a missing one is a clear 400."""
    parents, parent_id = [], manifest.get("parent_id")
    while parent_id:
        parent = Backup.objects.filter(pk=parent_id, status=BackupStatus.SUCCEEDED).first()
        if parent is None or not parent.filename or not _storage().exists(parent.filename):
            raise ValidationError(
                {"file": [f"This incremental backup needs its parent backup {parent_id}, which is missing."]}
            )
        parents.append(parent)
        parent_id = str(parent.parent_id) if parent.parent_id else None
    return parents


def _snapshot_backup_records() -> tuple[list[dict], list[dict]]:
    backups = list(Backup.objects.values())
    backup_settings = list(BackupSettings.objects.values())
    return backups, backup_settings


def _reinstate_backup_records(backups: list[dict], backup_settings: list[dict]) -> None:
    """Backup records describe archives in the storage, not the data: they survive a restore unchanged."""
    with transaction.atomic():
        Backup.objects.filter(parent__isnull=False).update(parent=None)
        Backup.objects.all().delete()
        BackupSettings.objects.all().delete()
        rows = [{**row, "parent_id": None} for row in backups]
        Backup.objects.bulk_create([Backup(**row) for row in rows])
        for row in backups:
            # update() keeps the values: created_at is auto_now_add, which a create would overwrite.
            Backup.objects.filter(pk=row["id"]).update(parent_id=row["parent_id"], created_at=row["created_at"])
        BackupSettings.objects.bulk_create([BackupSettings(**row) for row in backup_settings])


def _restore_database(dump: Path) -> None:
    if _engine() == "sqlite":
        # The sqlite3 backup API writes into the live connection in one transaction: other connections see
        # the old or the new database, never a torn one, and no stale WAL is replayed (LIBRARY-NOTES).
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        connections.close_all()  # pg_restore --clean must be able to drop the tables
        connector = get_connector()
        with open(dump, "rb") as handle:
            connector.restore_dump(handle)  # pg_restore --single-transaction --clean --if-exists
        connections.close_all()


def integrity_problems() -> list[str]:
    """Database integrity and every attachment's file present with the right content hash."""
    problems = []
    if _engine() == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            result = [row[0] for row in cursor.fetchall()]
        if result != ["ok"]:
            problems.extend(f"database: {line}" for line in result[:10])
    problems.extend(_attachment_problems())
    return problems


def _attachment_problems() -> list[str]:
    try:
        from purchases.models import Attachment
    except ImportError:  # before attachments exist there is nothing to check
        return []
    problems = []
    for sha256 in Attachment.objects.order_by().values_list("sha256", flat=True).distinct().iterator():
        path = f"{UPLOADS_DIR}/{sha256[:2]}/{sha256[2:4]}/{sha256}"
        full = _media_root() / path
        if not full.is_file():
            problems.append(f"missing upload {path}")
        elif archive.sha256_file(full)[0] != sha256:
            problems.append(f"upload {path} does not match its SHA-256")
    return problems


def backup_restore(*, path: Path, restored_from: str, user=None, progress=None) -> dict:
    """Restore a backup archive, all-or-nothing. Returns the report of API.md § Backups.

    Order: validate the archive and its parent chain (ValidationError, nothing changed) → restore point (a full
    backup of the current state; aborts if it fails) → database restored atomically → backup records kept →
    migrations for an older backup → uploads extracted through the chain (present files skipped) → integrity.
    """
    say = progress or (lambda message: None)
    say("verifying the archive")
    manifest = backup_validate(path)
    parents = _parent_archives(manifest)
    for parent in parents:
        with _local_copy(parent) as parent_path:
            try:
                archive.verify_archive(parent_path)
            except archive.ArchiveError as exc:
                raise ValidationError({"file": [f"Parent backup {parent.pk} is damaged: {exc}"]}) from None

    say("making a restore point of the current data")
    restore_point = backup_create(kind=BackupKind.FULL, user=user, restore_point=True)
    if restore_point.status != BackupStatus.SUCCEEDED:
        raise BackupError(f"Could not make a restore point, so nothing was restored: {restore_point.error}")

    report = RestoreReport(restored_from=restored_from, restore_point_id=str(restore_point.pk))
    with _exclusive_lock("backup"):
        records = _snapshot_backup_records()
        with tempfile.TemporaryDirectory(prefix="spends-restore-") as tmp:
            dump = Path(tmp) / "dump"
            archive.extract_member(path, archive.DATABASE_MEMBER, dump)
            say("restoring the database")
            _restore_database(dump)
        _reinstate_backup_records(*records)
        say("applying migrations")
        call_command("migrate", interactive=False, verbosity=0)
        say("restoring uploads")
        for source in [path, *parents]:
            with contextlib.ExitStack() as stack:
                source_path = source if isinstance(source, Path) else stack.enter_context(_local_copy(source))
                restored, skipped = archive.extract_uploads(source_path, _media_root())
                report.files_restored += restored
                report.files_skipped += skipped
    clear_cache()  # every cached answer may describe the replaced data (later if the cache is down now)
    say("checking integrity")
    report.problems = integrity_problems()
    return report.as_dict()


def backup_prune(*, keep_last: int) -> list[str]:
    """Delete the oldest successful backups beyond `keep_last`, never the newest successful full backup and never
    a parent that a kept incremental needs. Failed records older than the kept ones go too. Returns deleted ids."""
    succeeded = list(Backup.objects.filter(status=BackupStatus.SUCCEEDED).order_by("-created_at"))
    keep = {b.pk for b in succeeded[:keep_last]}
    newest_full = next((b for b in succeeded if b.kind == BackupKind.FULL), None)
    if newest_full:
        keep.add(newest_full.pk)
    for backup in succeeded:
        if backup.pk in keep:
            keep.update(b.pk for b in _chain(backup))
    deleted = []
    for backup in succeeded:  # newest first, so an incremental goes before the parent it needs
        if backup.pk not in keep and not backup.children.exclude(pk__in=deleted).exists():
            deleted.append(backup.pk)
            if backup.filename and _storage().exists(backup.filename):
                _storage().delete(backup.filename)
            backup.delete()
    oldest_kept = min((b.created_at for b in succeeded if b.pk in keep), default=None)
    if oldest_kept:
        Backup.objects.filter(status=BackupStatus.FAILED, created_at__lt=oldest_kept).delete()
    return [str(pk) for pk in deleted]


def backup_due(now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    settings_row = BackupSettings.load()
    last = Backup.objects.filter(status=BackupStatus.SUCCEEDED, is_restore_point=False).order_by("-created_at").first()
    next_run = settings_row.next_run_at(last.created_at if last else None, now)
    return next_run is not None and next_run <= now


def backup_scheduled(now: datetime.datetime | None = None, progress=None) -> Backup | None:
    """Run by cron / the compose scheduler: a backup only when one is due, then prune to keep_last."""
    if not backup_due(now):
        return None
    backup = backup_create(kind=BackupKind.FULL, progress=progress)
    if backup.status == BackupStatus.SUCCEEDED:
        backup_prune(keep_last=BackupSettings.load().keep_last)
    return backup


def backup_status() -> dict:
    latest = Backup.objects.select_related("parent").order_by("-created_at").first()
    last_ok = Backup.objects.filter(status=BackupStatus.SUCCEEDED).order_by("-created_at").first()
    settings_row = BackupSettings.load()
    last_scheduled = (
        Backup.objects.filter(status=BackupStatus.SUCCEEDED, is_restore_point=False).order_by("-created_at").first()
    )
    schedule = {
        "enabled": settings_row.enabled,
        "frequency": settings_row.frequency,
        "keep_last": settings_row.keep_last,
        "next_run_at": settings_row.next_run_at(last_scheduled.created_at if last_scheduled else None, timezone.now()),
    }
    return {"latest": latest, "last_successful": last_ok, "schedule": schedule}


def save_upload_to_temp(uploaded) -> Path:
    """Copy an uploaded archive to a temporary file (the caller deletes it)."""
    fd, name = tempfile.mkstemp(prefix="spends-upload-", suffix=".zip")
    with os.fdopen(fd, "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    return Path(name)
