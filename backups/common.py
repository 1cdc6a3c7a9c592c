"""What every backup module shares: the storage, the engine, the one-at-a-time lock, the backup folder's temporary
and pending-upload folders, and the archive signing keys."""

import contextlib
import shutil
import tempfile
import threading
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import connection
from django.utils.crypto import salted_hmac

from spends import locks
from spends.exceptions import Conflict

TMP_DIR = "tmp"  # inside BACKUP_DIR: every temporary file of a backup or restore
PENDING_DIR = ".pending-restores"  # inside BACKUP_DIR: uploaded archives waiting for their restore
LOCK_NAME = ".backup.lock"
LOCK_WAIT_SECONDS = 2.0  # a run waits this long for a short holder (a recovery check) before giving up
COPY_CHUNK = 1024 * 1024
SIGNING_SALT = "spends.backups.archive-signing-key"


class BackupError(Conflict):
    """A backup or restore could not be done now (another one is running, an archive is gone, the restore point
    failed); the message is for the user. Answered 409 by the API, never a 500."""


def task_queue_models() -> list:
    """The task queue's model (this installation's state, never in a backup), when django-tasks' database backend is
    installed."""
    if not apps.is_installed("django_tasks_db"):
        return []
    from django_tasks_db.models import DBTaskResult

    return [DBTaskResult]


def storage():
    return storages["dbbackup"]


def engine() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def backup_dir() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def tmp_root() -> Path:
    path = backup_dir() / TMP_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def pending_dir() -> Path:
    """Where an uploaded archive is written and checked on the node that received it (pending_publish moves it)."""
    path = backup_dir() / PENDING_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_path(name: str) -> Path | None:
    """The backup storage's file `name` on this machine's disk, or None for a remote storage (S3)."""
    try:
        return Path(storage().path(name))
    except NotImplementedError:
        return None


@contextlib.contextmanager
def stored_local_copy(name: str):
    """A local path to the backup storage's file `name`: the file itself in a folder storage, else a copy downloaded
    under BACKUP_DIR/tmp (removed afterwards). Raises FileNotFoundError when it is not stored."""
    path = local_path(name)
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(name)
        yield path
        return
    with temp_dir("spends-download-") as tmp, storage().open(name, "rb") as source:
        local = tmp / Path(name).name
        with open(local, "wb") as out:
            while chunk := source.read(COPY_CHUNK):
                out.write(chunk)
        yield local


def pending_name(filename: str) -> str:
    return f"{PENDING_DIR}/{Path(filename).name}"


def pending_publish(local: Path) -> None:
    """Put an uploaded archive (checked in pending_dir() on this node) where every node's worker finds it: the
    backup storage's `.pending-restores/` (the same file when the storage is the backup folder itself)."""
    name = pending_name(local.name)
    stored = local_path(name)
    if (stored is not None and stored.resolve() == local.resolve()) or not local.exists():
        return
    with open(local, "rb") as handle:
        saved = storage().save(name, File(handle, name=local.name))
    local.unlink(missing_ok=True)
    if saved != name:  # names are unique per upload; never restore another upload's archive
        storage().delete(saved)
        raise BackupError("The uploaded archive could not be stored for the restore; upload it again.")


def pending_delete(filename: str) -> None:
    """Remove an uploaded archive wherever it waits (the backup storage, this node's pending folder)."""
    name = pending_name(filename)
    if storage().exists(name):
        storage().delete(name)
    (pending_dir() / Path(filename).name).unlink(missing_ok=True)


@contextlib.contextmanager
def temp_dir(prefix: str):
    """A temporary folder under BACKUP_DIR/tmp (never the system temp folder), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix, dir=tmp_root()) as tmp:
        yield Path(tmp)


def clean_tmp() -> None:
    """Remove what a killed run left in BACKUP_DIR/tmp. Call only while holding the lock."""
    for leftover in tmp_root().iterdir():
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


_held = threading.local()


def lock_held() -> bool:
    return getattr(_held, "depth", 0) > 0


LOCK = "backups"  # the named lock (spends.locks) of every backup and restore


def lock_path() -> Path:
    """SQLite's lock file (in the backup folder, shared by the web and worker processes of the one machine)."""
    return backup_dir() / LOCK_NAME


@contextlib.contextmanager
def exclusive_lock(*, wait: float = LOCK_WAIT_SECONDS):
    """One backup or restore at a time across every process of every node: a PostgreSQL advisory lock (a lock file
    in the backup folder on SQLite), spends.locks. Re-entrant in one thread, so a restore can make its restore point
    under its own lock. Its holder's death frees it: a `running` record while the lock is free is interrupted."""
    if lock_held():
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(locks.named_lock(LOCK, wait=wait, file=lock_path()))
        except locks.LockBusy:
            raise BackupError("Another backup or restore is running; try again when it has finished.") from None
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


def signing_keys() -> list[bytes]:
    """The key archives are signed with first, then older keys that still verify. BACKUP_SIGNING_KEY when set;
    otherwise derived from SECRET_KEY (and SECRET_KEY_FALLBACKS, so Django's key rotation keeps old archives own)."""
    if settings.BACKUP_SIGNING_KEY:
        return [settings.BACKUP_SIGNING_KEY.encode()]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [salted_hmac(SIGNING_SALT, "backup archives", secret=key, algorithm="sha256").digest() for key in secrets]
