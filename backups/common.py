"""What every backup module shares: the storage, the engine, the one-at-a-time lock, the backup folder's temporary
and pending-upload folders, and the archive signing keys."""

import contextlib
import fcntl
import shutil
import tempfile
import threading
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.utils.crypto import salted_hmac

from spends.exceptions import Conflict

TMP_DIR = "tmp"  # inside BACKUP_DIR: every temporary file of a backup or restore
PENDING_DIR = ".pending-restores"  # inside BACKUP_DIR: uploaded archives waiting for their restore
LOCK_NAME = ".backup.lock"
LOCK_WAIT_SECONDS = 2.0  # a run waits this long for a short holder (a recovery check) before giving up
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
    path = backup_dir() / PENDING_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


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


@contextlib.contextmanager
def exclusive_lock(*, wait: float = LOCK_WAIT_SECONDS):
    """One backup or restore at a time on this machine (a lock file in the backup folder, shared by the web and
    worker containers). Re-entrant in one thread, so a restore can make its restore point under its own lock.
    The kernel frees the lock when its process dies: a `running` record while the lock is free is interrupted."""
    if lock_held():
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with open(backup_dir() / LOCK_NAME, "w") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BackupError("Another backup or restore is running; try again when it has finished.") from None
                time.sleep(0.05)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


def signing_keys() -> list[bytes]:
    """The key archives are signed with first, then older keys that still verify. BACKUP_SIGNING_KEY when set;
    otherwise derived from SECRET_KEY (and SECRET_KEY_FALLBACKS, so Django's key rotation keeps old archives own)."""
    if settings.BACKUP_SIGNING_KEY:
        return [settings.BACKUP_SIGNING_KEY.encode()]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [salted_hmac(SIGNING_SALT, "backup archives", secret=key, algorithm="sha256").digest() for key in secrets]
