"""Sessions are not in backups (issue #18): a dump holds no django_session row, and after a restore everyone signs
in again. On the configured engine (run the suite on SQLite and PostgreSQL)."""

import subprocess
import zipfile
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django_tasks_db.models import DBTaskResult

from backups import archive, restore, services
from tests.factories import PurchaseFactory, UserFactory

# Storage-independent (signatures, sessions in the dump), and they edit archives in place: folder storage only.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.local_storage]
TASKS_TABLE = DBTaskResult._meta.db_table


def dump_bytes(settings, backup) -> bytes:
    with zipfile.ZipFile(Path(settings.BACKUP_DIR) / backup.filename) as z:
        return z.read(archive.DATABASE_MEMBER)


@pytest.fixture
def signed_in(client):
    user = UserFactory(username="signed-in")
    client.force_login(user)
    assert client.get("/api/auth/me").status_code == 200
    return client, client.session.session_key


def test_the_dump_holds_no_session_row(settings, signed_in, tmp_path):
    _, session_key = signed_in
    PurchaseFactory(product_name="Kept")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from backups.tasks import run_backup

    run_backup.enqueue("00000000-0000-0000-0000-000000000000")  # a queued task: the worker's, not the archive's
    assert DBTaskResult.objects.count() == 1
    backup = services.backup_create()
    assert backup.status == "succeeded", backup.error
    dump = dump_bytes(settings, backup)
    if connection.vendor == "sqlite":
        assert session_key.encode() not in dump  # not even in a free page
        copy = tmp_path / "dump.sqlite3"
        copy.write_bytes(dump)
        import sqlite3

        db = sqlite3.connect(copy)
        try:
            assert db.execute("SELECT count(*) FROM django_session").fetchone() == (0,)
            assert db.execute(f"SELECT count(*) FROM {TASKS_TABLE}").fetchone() == (0,)
            assert db.execute("SELECT count(*) FROM purchases_purchase").fetchone() == (1,)
        finally:
            db.close()
    else:
        copy = tmp_path / "dump.pgcustom"
        copy.write_bytes(dump)
        toc = subprocess.run(["pg_restore", "-l", str(copy)], capture_output=True, text=True, check=True).stdout
        assert "TABLE public django_session" in toc  # the table is there, empty after a restore
        assert "TABLE DATA public django_session" not in toc
        assert f"TABLE public {TASKS_TABLE}" in toc
        assert f"TABLE DATA public {TASKS_TABLE}" not in toc  # the task queue is not data either
        assert "TABLE DATA public purchases_purchase" in toc


def test_after_a_restore_everyone_signs_in_again(settings, signed_in):
    client, _ = signed_in
    backup = services.backup_create()
    restore.backup_restore(path=Path(settings.BACKUP_DIR) / backup.filename, restored_from="x")
    assert not Session.objects.exists()
    assert client.get("/api/auth/me").status_code == 401


@pytest.mark.skipif(connection.vendor != "sqlite", reason="edits a SQLite dump")
def test_sessions_in_an_older_archive_are_not_restored(settings, signed_in, tmp_path):
    from tests.backups.test_signing import rewrite

    client, session_key = signed_in
    backup = services.backup_create()
    copy = tmp_path / "dump.sqlite3"
    copy.write_bytes(dump_bytes(settings, backup))
    import sqlite3

    db = sqlite3.connect(copy)  # an archive made before sessions were left out holds them
    db.execute("INSERT INTO django_session VALUES (?, ?, '2999-01-01 00:00:00')", (session_key, "x"))
    db.commit()
    db.close()
    older = tmp_path / "older.zip"
    rewrite(Path(settings.BACKUP_DIR) / backup.filename, older, dump=copy.read_bytes())
    restore.backup_restore(path=older, restored_from="older", allow_foreign=True)
    assert not Session.objects.exists()
    assert client.get("/api/auth/me").status_code == 401
