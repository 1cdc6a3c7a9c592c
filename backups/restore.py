"""Restores: validate an archive, then (under the lock, in the task runner or a command) make a restore point,
replace the database, keep the backup records, extract uploads and check integrity. API.md § Backups.

A restore is a RestoreJob. The API and the admin record one and enqueue it (backups.tasks.run_restore), so the web
worker never runs it; `manage.py restore` and the tests run one in their own process (backup_restore).
"""

import contextlib
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from dbbackup.db.base import get_connector
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from backups import archive, converting, portable, recovery, services, uploads
from backups.choices import BackupKind, BackupStatus
from backups.common import (
    BackupError,
    engine,
    pending_delete,
    pending_dir,
    pending_name,
    pending_publish,
    signing_keys,
    stored_local_copy,
    temp_dir,
    tmp_root,
)
from backups.integrity import integrity_problems
from backups.models import Backup, RestoreJob
from spends import backup_registry, data_versions
from spends.cache import clear_cache

logger = logging.getLogger(__name__)

HOW_TO_GO_AHEAD = (
    "Restore it only if you trust where it came from: send allow_foreign=true (API), use --allow-foreign "
    "(manage.py restore), or confirm it a second time in the admin."
)
FOREIGN_MESSAGES = {
    "missing": "This archive carries no signature of this installation: it was made by another installation, or by "
    "a Spends Tracker version from before archives were signed (every backup made before that upgrade). ",
    "invalid": "This archive's signature does not verify: it was changed after it was written, or it was made by "
    "another installation (or before this installation's SECRET_KEY or BACKUP_SIGNING_KEY changed). ",
}


class ForeignArchive(ValidationError):
    """The archive is intact as a zip but not signed by this installation's backup key."""


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


# --- validation ----------------------------------------------------------------------------------------------------
def _known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def backup_check(path: Path, *, allow_foreign: bool = False) -> dict:
    """The quick checks (no member is read): structure, declared sizes against the free disk space, signature,
    engine, migrations. Returns the manifest; raises ValidationError (ForeignArchive for the signature)."""
    try:
        manifest = archive.inspect_archive(path, free_bytes=archive.free_space(tmp_root()))
    except archive.ArchiveError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    state = archive.signature_state(manifest, signing_keys())
    if state != "valid" and not allow_foreign:
        raise ForeignArchive({"file": [FOREIGN_MESSAGES[state] + HOW_TO_GO_AHEAD]})
    found = manifest.get("database_engine")
    if found != engine() and not _portable_entry(manifest) and not converting.converts(manifest):
        raise ValidationError(
            {
                "file": [
                    f"The backup is of a {found} database and holds no portable dump (it was made before format "
                    f"version 2); this installation runs on {engine()}. Restore it on a {found} installation of "
                    "this version, then make a new backup there: that one restores here."
                ]
            }
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


def _portable_entry(manifest: dict) -> dict | None:
    """The manifest's description of its portable dump (format version 2), when it holds a well-formed one."""
    entry = manifest.get("portable")
    members = {m["path"] for m in manifest.get("members") or []}
    if (
        isinstance(entry, dict)
        and entry.get("member") == portable.PORTABLE_MEMBER
        and entry.get("serializer") == portable.SERIALIZER
        and isinstance(entry.get("rows"), dict)
        and portable.PORTABLE_MEMBER in members
    ):
        return entry
    return None


def uses_portable(manifest: dict, *, prefer_portable: bool = False) -> bool:
    """A restore reads the portable dump into another engine (or when asked to); the native dump otherwise."""
    return bool(_portable_entry(manifest)) and (prefer_portable or manifest.get("database_engine") != engine())


def _check_portable(path: Path, manifest: dict) -> None:
    """The portable dump loads into this schema only: same migrations; then every line is read and checked."""
    missing = sorted(set(services.applied_migrations()) - set(manifest.get("migrations") or []))
    if missing:
        raise ValidationError(
            {
                "file": [
                    f"The backup was made by an older version (it lacks migrations such as {', '.join(missing[:3])}), "
                    "and its portable dump loads only into the schema it was made with. Restore it on a "
                    f"{manifest.get('database_engine')} installation, which migrates it, then make a new backup there."
                ]
            }
        )
    with temp_dir("spends-portable-") as tmp:
        dump = tmp / "portable.jsonl"
        archive.extract_member(path, portable.PORTABLE_MEMBER, dump)
        try:
            portable.validate_portable(dump, _portable_entry(manifest))
        except portable.PortableError as exc:
            raise ValidationError({"file": [f"The backup's portable dump is refused: {exc}"]}) from None


def backup_validate(path: Path, *, allow_foreign: bool = False, prefer_portable: bool = False) -> dict:
    """Everything checked before a restore changes anything: the quick checks, then every member's checksum
    (never reading more than a member's declared size), then, when the restore reads it, the whole portable dump.
    Returns the manifest; raises ValidationError."""
    manifest = backup_check(path, allow_foreign=allow_foreign)
    try:
        archive.verify_archive(path, free_bytes=archive.free_space(tmp_root()))
    except archive.ArchiveError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    if uses_portable(manifest, prefer_portable=prefer_portable):
        _check_portable(path, manifest)
    return manifest


def _parent_archives(manifest: dict) -> list[Backup]:
    """The stored ancestors an incremental archive needs, oldest last, each verified; a missing one is a clear 400."""
    parents, parent_id = [], manifest.get("parent_id")
    while parent_id:
        parent = Backup.objects.filter(pk=parent_id, status=BackupStatus.SUCCEEDED).first()
        if parent is None or not parent.filename or not services.storage().exists(parent.filename):
            raise ValidationError(
                {"file": [f"This incremental backup needs its parent backup {parent_id}, which is missing."]}
            )
        with services.local_copy(parent) as parent_path:
            try:
                archive.verify_archive(parent_path)
            except archive.ArchiveError as exc:
                raise ValidationError({"file": [f"Parent backup {parent.pk} is damaged: {exc}"]}) from None
        parents.append(parent)
        parent_id = str(parent.parent_id) if parent.parent_id else None
    return parents


# --- the database and the records that survive it ------------------------------------------------------------------
def _kept_models() -> list:
    """What describes this installation rather than its data, kept as it is across a restore: the backup and
    restore records and the task queue (the worker running this restore must find its own task afterwards)."""
    return portable.kept_models()


def _snapshot_records() -> dict:
    return {model: list(model.objects.values()) for model in _kept_models()}


def _reinstate_records(records: dict) -> None:
    """Put the kept rows back exactly (raw saves keep auto_now_add values); parents after children are gone."""
    with transaction.atomic():
        Backup.objects.filter(parent__isnull=False).update(parent=None)
        for model in records:
            model.objects.all().delete()
        for model, rows in records.items():
            for row in rows:
                fields = {**row, "parent_id": None} if model is Backup else row
                model(**fields).save_base(raw=True, force_insert=True)
        for row in records[Backup]:
            if row["parent_id"]:
                Backup.objects.filter(pk=row["id"]).update(parent_id=row["parent_id"])


def _restore_database(dump: Path) -> None:
    if engine() == "sqlite":
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


def _replace_database_portable(path: Path, job: RestoreJob, say, converted: Path | None = None) -> None:
    """Every dumped table replaced by the portable dump's rows (the archive's, or `converted` from its old SQLite
    database) in one transaction (a failure changes nothing); the backup and restore records stay as they are."""
    recovery.write_journal(job)
    with temp_dir("spends-restore-") as tmp:
        dump = converted or tmp / "portable.jsonl"
        if converted is None:
            archive.extract_member(path, portable.PORTABLE_MEMBER, dump)
        say("restoring the database from the portable dump")
        portable.load_portable(dump, progress=say)
    Session.objects.all().delete()
    data_versions.renew_all()
    recovery.clear_journal()
    recovery.rescan_storage()


def _replace_database(path: Path, job: RestoreJob, say) -> None:
    """Database from the archive, schema migrated, then the backup and restore records put back as they were."""
    records = _snapshot_records()
    recovery.write_journal(job)  # a kill from here on is repaired by the next run (backups.recovery)
    with temp_dir("spends-restore-") as tmp:
        dump = tmp / "dump"
        archive.extract_member(path, archive.DATABASE_MEMBER, dump)
        say("restoring the database")
        _restore_database(dump)
    say("applying migrations")  # before the records go back: an older archive may lack their tables
    call_command("migrate", interactive=False, verbosity=0)
    Session.objects.all().delete()  # an archive from before sessions were left out: everyone signs in again
    _reinstate_records(records)
    with transaction.atomic():  # what the apps derive from the restored rows (spends.backup_registry)
        for hook in backup_registry.after_restore_hooks():
            hook()
    # The restored table holds the numbers of the archive's time, which cached answers of later data may carry.
    data_versions.renew_all()
    recovery.clear_journal()
    recovery.rescan_storage()


def _restore_locked(path: Path, job: RestoreJob, say, prefer_portable: bool = False) -> dict:
    """Call under the lock. Order: validate the archive and its parent chain (nothing changed on failure) →
    restore point (aborts if it fails) → database → records → uploads through the chain → integrity."""
    say("verifying the archive")
    manifest = backup_validate(path, allow_foreign=job.allow_foreign, prefer_portable=prefer_portable)
    parents = _parent_archives(manifest)
    with temp_dir("spends-convert-") as folder:
        converted = None
        if converting.converts(manifest):
            say("bringing the archive's SQLite database to this version's schema")
            converted, entry = converting.portable_from_sqlite(path, folder)
            try:
                portable.validate_portable(converted, entry)
            except portable.PortableError as exc:
                raise ValidationError({"file": [f"The backup's converted database is refused: {exc}"]}) from None
        return _restore_checked(path, job, say, manifest, parents, prefer_portable, converted)


def _restore_checked(path, job, say, manifest, parents, prefer_portable, converted: Path | None) -> dict:
    """The restore once everything was checked: restore point, database, uploads, integrity."""
    say("making a restore point of the current data")
    point = services.backup_create(kind=BackupKind.FULL, restore_point=True)  # under our lock (re-entrant)
    if point.status != BackupStatus.SUCCEEDED:
        raise BackupError(f"Could not make a restore point, so nothing was restored: {point.error}")
    RestoreJob.objects.filter(pk=job.pk).update(restore_point_id=point.pk)
    job.restore_point_id = point.pk
    report = RestoreReport(restored_from=job.restored_from, restore_point_id=str(point.pk))
    if converted is not None or uses_portable(manifest, prefer_portable=prefer_portable):
        _replace_database_portable(path, job, say, converted)
    else:
        _replace_database(path, job, say)
    say("restoring uploads")
    for source in [path, *parents]:
        with contextlib.ExitStack() as stack:
            source_path = source if isinstance(source, Path) else stack.enter_context(services.local_copy(source))
            spool = stack.enter_context(temp_dir("spends-uploads-"))
            restored, skipped, problems = uploads.restore_uploads(source_path, spool)
            report.files_restored += restored
            report.files_skipped += skipped
            report.problems += problems
    clear_cache()  # frees what described the replaced data (answers are already unreachable: renew_all above)
    say("checking integrity")
    report.problems += integrity_problems()
    return report.as_dict()


# --- restore jobs --------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _job_archive(job: RestoreJob, path: Path | None):
    if path is not None:
        yield path
    elif job.upload_name:
        with contextlib.ExitStack() as stack:
            try:
                upload = stack.enter_context(stored_local_copy(pending_name(job.upload_name)))
            except FileNotFoundError:
                raise BackupError("The uploaded archive of this restore is gone; upload it again.") from None
            yield upload
    else:
        backup = Backup.objects.filter(pk=job.backup_id, status=BackupStatus.SUCCEEDED).first()
        if backup is None:
            raise BackupError(f"Backup {job.backup_id} no longer exists.")
        with services.local_copy(backup) as local:
            yield local


def _failure(exc: Exception, job: RestoreJob) -> dict:
    if isinstance(exc, ValidationError):
        return {"error": " ".join(exc.messages), "error_kind": RestoreJob.ErrorKind.VALIDATION}
    if isinstance(exc, BackupError):
        return {"error": str(exc), "error_kind": RestoreJob.ErrorKind.CONFLICT}
    # Not the exception's text: a pg_restore error quotes its command line, database URL included.
    message = f"The restore failed ({exc.__class__.__name__}; the server log has the details)."
    if job.restore_point_id:
        message += f" The data from before it is in restore point {job.restore_point_id}."
    return {"error": message, "error_kind": RestoreJob.ErrorKind.CONFLICT}


def _run_job(job: RestoreJob, *, path: Path | None = None, progress=None, prefer_portable: bool = False) -> dict:
    """Run a pending job to its end and record the outcome on it; re-raises the failure."""
    say = progress or (lambda message: None)
    outcome = {"status": BackupStatus.FAILED}
    try:
        with recovery.run_guard():
            RestoreJob.objects.filter(pk=job.pk).update(status=BackupStatus.RUNNING, started_at=timezone.now())
            with _job_archive(job, path) as source:
                report = _restore_locked(source, job, say, prefer_portable)
        outcome = {"status": BackupStatus.SUCCEEDED, "result": report, "error": "", "error_kind": ""}
        return report
    except Exception as exc:
        if not isinstance(exc, ValidationError | BackupError):
            logger.exception("Restore %s failed", job.pk)
        outcome.update(_failure(exc, job))
        raise
    finally:
        outcome["finished_at"] = timezone.now()
        if not RestoreJob.objects.filter(pk=job.pk).update(**outcome):  # gone with a failed database replacement
            RestoreJob.objects.create(**{**_job_fields(job), **outcome})
        if job.upload_name:
            pending_delete(job.upload_name)


def _job_fields(job: RestoreJob) -> dict:
    return {f.attname: getattr(job, f.attname) for f in RestoreJob._meta.concrete_fields}


def restore_run(job_id) -> RestoreJob | None:
    """The task: run a recorded restore. Never raises for a failed restore: the job says `failed` and why."""
    job = RestoreJob.objects.filter(pk=job_id).first()
    if job is None or job.status != BackupStatus.PENDING:
        return job
    with contextlib.suppress(Exception):
        _run_job(job)
    return RestoreJob.objects.filter(pk=job_id).first()


def backup_restore(
    *, path: Path, restored_from: str, user=None, allow_foreign=False, progress=None, prefer_portable=False
) -> dict:
    """Restore an archive now, in this process (manage.py restore, tests). Returns the report of API.md § Backups;
    raises ValidationError (nothing changed) or BackupError. `prefer_portable` reads the portable dump even on the
    archive's own engine."""
    job = RestoreJob.objects.create(
        restored_from=restored_from[:255], allow_foreign=allow_foreign, requested_by=_username(user)
    )
    return _run_job(job, path=path, progress=progress, prefer_portable=prefer_portable)


def _username(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else ""


def restore_request(*, restored_from: str, user=None, backup=None, upload: Path | None = None, allow_foreign=False):
    """Record a restore and enqueue it once this transaction commits (API, admin). `upload` is an archive already
    in the pending folder (it is deleted when the restore ends)."""
    from backups.tasks import run_restore

    if upload is not None:
        pending_publish(upload)  # the worker that runs it may be on another node
    job = RestoreJob.objects.create(
        restored_from=restored_from[:255],
        backup_id=backup.pk if backup is not None else None,
        upload_name=upload.name if upload is not None else "",
        allow_foreign=allow_foreign,
        requested_by=_username(user),
    )
    transaction.on_commit(lambda: run_restore.enqueue(str(job.pk)))
    return job


def save_upload(uploaded) -> Path:
    """Copy an uploaded archive into the pending folder under the backup folder (never the system temp folder)."""
    target = pending_dir() / f"{timezone.now():%Y%m%dT%H%M%S}-{time.monotonic_ns()}.zip"
    partial = target.with_suffix(".partial")
    try:
        with open(partial, "wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore_wait(job_id, seconds: float | None = None) -> RestoreJob | None:
    """Poll the job until it ends or `seconds` (BACKUP_RESTORE_WAIT_SECONDS) pass. A job missing for a moment is
    the database being replaced under it: keep waiting."""
    seconds = settings.BACKUP_RESTORE_WAIT_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + seconds
    while True:
        try:
            job = RestoreJob.objects.filter(pk=job_id).first()
        except DatabaseError:  # PostgreSQL: the table was dropped and recreated under the query
            job = None
        if job is not None and job.status in (BackupStatus.SUCCEEDED, BackupStatus.FAILED):
            return job
        if time.monotonic() >= deadline:
            return job
        time.sleep(0.25)
