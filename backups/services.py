"""Backups: create (full or incremental), verify, restore, prune, schedule. Archives live in STORAGES["dbbackup"].

A backup is one `.zip` (see backups.archive): the database dump made by django-dbbackup's connector for the
engine (SQLite: the online backup API, consistent while the app writes; PostgreSQL: pg_dump -Fc) and the
uploads under their hash-sharded paths. Restores validate everything before changing anything.
"""

import contextlib
import datetime
import logging
import sqlite3
from pathlib import Path

from dbbackup import settings as dbbackup_settings
from dbbackup.db.base import get_connector
from dbbackup.db.exceptions import CommandConnectorError
from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from backups import archive, portable, recovery
from backups import uploads as upload_store
from backups.choices import BackupKind, BackupStatus
from backups.common import (  # noqa: F401 (BackupError is part of this module's interface)
    BackupError,
    backup_dir,
    engine,
    exclusive_lock,
    signing_keys,
    storage,
    task_queue_models,
    temp_dir,
    tmp_root,
)
from backups.integrity import integrity_problems  # noqa: F401 (re-exported for callers of the old location)
from backups.models import Backup, BackupSettings
from spends import events, locks
from spends.exceptions import Conflict

logger = logging.getLogger(__name__)

# Never in a backup: a session key is a live credential, and a restore would sign everyone back in as whoever the
# archive's sessions belonged to (users sign in again after a restore). The task queue is this installation's state,
# not data: an archive's queue would re-run old tasks, and a restore keeps the current one (backups.restore).
EXCLUDED_TABLES = ["django_session"]


def excluded_tables() -> list[str]:
    return [*EXCLUDED_TABLES, *(model._meta.db_table for model in task_queue_models())]


def applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _chain(backup: Backup) -> list[Backup]:
    """The backup and its ancestors, newest first."""
    chain, seen = [], set()
    while backup is not None and backup.pk not in seen:
        chain.append(backup)
        seen.add(backup.pk)
        backup = backup.parent
    return chain


def _dump_database(target: Path) -> None:
    """Write a consistent dump of the live database, without the excluded tables' rows, to `target`."""
    if engine() == "sqlite":
        # The online backup API, as django-dbbackup's SQLite connector uses it, but straight into our own temporary
        # file: the connector copies through the system temp folder and holds the whole database in memory.
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
            for table in excluded_tables():
                copy.execute(f'DELETE FROM "{table}"')  # noqa: S608 (a constant table name)
            copy.commit()
            copy.execute("VACUUM")  # no deleted row stays readable in a free page of the copy
        finally:
            copy.close()
        return
    Path(dbbackup_settings.TMP_DIR).mkdir(parents=True, exist_ok=True)  # DBBACKUP_TMP_DIR: where pg_dump spills
    connector = get_connector()  # pg_dump -Fc, with --exclude-table-data for each excluded table
    connector.exclude = [*connector.exclude, *excluded_tables()]
    dump = connector.create_dump()
    try:
        dump.seek(0)
        with open(target, "wb") as out:
            while chunk := dump.read(archive.CHUNK):
                out.write(chunk)
    finally:
        dump.close()


def _dump_portable(native_dump: Path, target: Path) -> dict:
    """The portable dump of the same data as the native dump: on SQLite read from the dump's copy itself, on
    PostgreSQL from the live database in one repeatable-read snapshot (pg_dump takes its own)."""
    if engine() == "sqlite":
        with portable.database_file(native_dump) as alias:
            return portable.write_portable(target, using=alias)
    with portable.live_snapshot():
        return portable.write_portable(target)


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
    try:
        # The lock first, then `running`: a `running` record while the lock is free has lost its process.
        with recovery.run_guard():
            Backup.objects.filter(pk=backup.pk).update(status=BackupStatus.RUNNING, error="")
            _write_backup(backup, progress=progress)
        backup.status = BackupStatus.SUCCEEDED
        backup.error = ""
    except Exception as exc:  # recorded on the backup, so a failure is visible and never silent
        logger.exception("Backup %s failed", backup.pk)
        backup.status = BackupStatus.FAILED
        # Not a dump command's text: it quotes the command line, database URL and password included.
        backup.error = (
            f"The database dump failed ({exc.__class__.__name__}); the server log has the details."
            if isinstance(exc, CommandConnectorError)
            else str(exc) or exc.__class__.__name__
        )
    backup.finished_at = timezone.now()
    backup.save()
    if backup.status == BackupStatus.FAILED:
        # Listeners (notification channels) get the API's object; they never import backups, nor backups them.
        transaction.on_commit(lambda: events.backup_failed.send(sender=Backup, data=backup_object(backup)))
    return backup


# The backup object of the API (BackupSerializer's fields, in order).
BACKUP_OBJECT_FIELDS = (
    "id",
    "kind",
    "status",
    "created_at",
    "finished_at",
    "filename",
    "size_bytes",
    "sha256",
    "database_engine",
    "file_count",
    "parent_id",
    "error",
    "is_restore_point",
)


def backup_object(backup: Backup) -> dict:
    """The API's backup object of `backup` as JSON-ready values (UUIDs as text, UTC time stamps with a Z)."""
    obj = {}
    for name in BACKUP_OBJECT_FIELDS:
        value = getattr(backup, name)
        if isinstance(value, datetime.datetime):
            value = value.astimezone(datetime.UTC).strftime(settings.REST_FRAMEWORK["DATETIME_FORMAT"])
        elif name in ("id", "parent_id") and value is not None:
            value = str(value)
        obj[name] = value
    return obj


class _LocalArchive(File):
    """A finished archive on local disk. FileSystemStorage moves a file with a temporary_file_path() into place
    (a rename on the same disk) instead of writing it under its final name chunk by chunk."""

    def __init__(self, handle, path: Path):
        super().__init__(handle, name=path.name)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def _store(local: Path, filename: str) -> str:
    """Put a complete archive into the storage. On any failure (a full disk) nothing stays under its name."""
    store = storage()
    name = store.get_available_name(filename)
    try:
        with open(local, "rb") as handle:
            return store.save(name, _LocalArchive(handle, local))
    except BaseException:
        with contextlib.suppress(Exception):
            if store.exists(name):
                store.delete(name)
        raise


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
    with temp_dir("spends-backup-") as tmp_dir:
        dump = tmp_dir / "dump"
        say("dumping the database")
        _dump_database(dump)
        say("writing the portable dump")
        portable_dump = tmp_dir / "portable.jsonl"
        portable_entry = _dump_portable(dump, portable_dump)
        upload_members = upload_store.upload_members(exclude=in_chain)  # read through their storages
        uploads = [member.arcname for member in upload_members]
        say(f"archiving {len(uploads)} upload(s)")
        members = [
            archive.Member(archive.DATABASE_MEMBER, dump),
            archive.Member(portable.PORTABLE_MEMBER, portable_dump),
            *upload_members,
        ]
        meta = {
            "app_version": settings.VERSION,
            "created_at": archive.utc_timestamp(created),
            "database_engine": engine(),
            "migrations": applied_migrations(),
            "backup_id": str(backup.pk),
            "kind": backup.kind,
            "parent_id": str(backup.parent_id) if backup.parent_id else None,
            "is_restore_point": backup.is_restore_point,
            "portable": portable_entry,
        }
        local = tmp_dir / filename
        # Signed, and verified before it is renamed into place.
        archive.write_archive(local, meta=meta, members=members, signing_key=signing_keys()[0])
        sha256, size = archive.sha256_file(local)
        say("storing the archive")
        stored_name = _store(local, filename)
    backup.filename = stored_name
    backup.size_bytes = size
    backup.sha256 = sha256
    backup.database_engine = engine()
    backup.file_count = len(uploads)
    backup.uploads = sorted(uploads)


@contextlib.contextmanager
def local_copy(backup: Backup):
    """A local path to the backup's archive (downloaded from the storage when it is not a local folder)."""
    store = storage()
    if not backup.filename or not store.exists(backup.filename):
        raise BackupError(f"The archive of backup {backup.pk} ({backup.filename or 'no file'}) is missing.")
    try:
        path = Path(store.path(backup.filename))
    except NotImplementedError:  # a remote storage: copy it down under BACKUP_DIR/tmp
        path = None
    if path is not None:
        yield path
        return
    with temp_dir("spends-download-") as tmp, store.open(backup.filename, "rb") as src:
        local = tmp / "archive.zip"
        with open(local, "wb") as out:
            while chunk := src.read(archive.CHUNK):
                out.write(chunk)
        yield local


def backup_open(backup: Backup):
    """The stored archive as a file object, for download."""
    if backup.status != BackupStatus.SUCCEEDED or not storage().exists(backup.filename):
        raise BackupError("This backup has no archive to download.")
    return storage().open(backup.filename, "rb")


def backup_delete(*, backup: Backup) -> None:
    """Delete a backup and its archive. Refused (Conflict, 409) while an incremental backup needs it."""
    if backup.children.exists():
        raise Conflict("An incremental backup depends on this one; delete that one first.")
    filename = backup.filename
    backup.delete()
    if filename:
        transaction.on_commit(lambda: storage().delete(filename) if storage().exists(filename) else None)


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
            if backup.filename and storage().exists(backup.filename):
                storage().delete(backup.filename)
            backup.delete()
    oldest_kept = min((b.created_at for b in succeeded if b.pk in keep), default=None)
    if oldest_kept:
        Backup.objects.filter(status=BackupStatus.FAILED, created_at__lt=oldest_kept).delete()
    with contextlib.suppress(BackupError), exclusive_lock():  # nobody writes an archive while we look
        recovery.remove_partial_archives()
    return [str(pk) for pk in deleted]


def backup_due(now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    settings_row = BackupSettings.load()
    last = Backup.objects.filter(status=BackupStatus.SUCCEEDED, is_restore_point=False).order_by("-created_at").first()
    next_run = settings_row.next_run_at(last.created_at if last else None, now)
    return next_run is not None and next_run <= now


SCHEDULE_LOCK = "backups-scheduled"  # spends.locks: one scheduled run at a time across every node


def backup_scheduled(now: datetime.datetime | None = None, progress=None) -> Backup | None:
    """Run by cron / the scheduler of every worker node: a backup only when one is due, then prune to keep_last.

    Once however many nodes run it: the run holds a lock (PostgreSQL advisory lock; a file beside the backups on
    SQLite) and checks what is due while holding it, so a second node either finds the lock taken or, after the
    first finished, the backup no longer due. Returns None when nothing was done."""
    try:
        with locks.named_lock(SCHEDULE_LOCK, wait=0, file=backup_dir() / ".scheduled-backup.lock"):
            if not backup_due(now):
                return None
            backup = backup_create(kind=BackupKind.FULL, progress=progress)
            if backup.status == BackupStatus.SUCCEEDED:
                backup_prune(keep_last=BackupSettings.load().keep_last)
            return backup
    except locks.LockBusy:
        logger.info("Scheduled backup: another node is running it now; nothing to do.")
        return None


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
