"""A restore runs in the task runner, never in the web worker (API.md § Backups): the request waits up to
BACKUP_RESTORE_WAIT_SECONDS, then answers 202 {restore_id, status}; GET /api/backup/restore/{id} reports it."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import storages

from backups import services
from backups.models import Backup, RestoreJob
from purchases.models import Purchase
from tests.backups.conftest import archive_file
from tests.backups.processes import ROOT, child_env
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_backend(settings):
    """Production's task backend: tasks wait in the database for `manage.py db_worker`."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.BACKUP_RESTORE_WAIT_SECONDS = 0.5


def run_worker(settings) -> None:
    env = {**child_env(settings), "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    done = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_a_restore_waits_for_the_worker_then_reports_its_result(settings, superuser_client, worker_backend):
    PurchaseFactory(product_name="Before")
    backup = services.backup_create()
    PurchaseFactory(product_name="After")

    response = superuser_client.post("/api/backup/restore?confirm=true", {"backup_id": str(backup.pk)})
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"restore_id", "status"} and body["status"] == "pending"
    assert Purchase.objects.filter(product_name="After").exists()  # the web process did not restore
    status_url = f"/api/backup/restore/{body['restore_id']}"
    assert superuser_client.get(status_url).json()["status"] == "pending"

    run_worker(settings)
    report = superuser_client.get(status_url).json()
    assert report["status"] == "succeeded", report
    assert report["result"]["restored_from"] == str(backup.pk)
    assert report["result"]["integrity"] == {"ok": True, "problems": []}
    assert report["restore_point_id"] == report["result"]["restore_point_id"]
    assert not Purchase.objects.filter(product_name="After").exists()
    assert Backup.objects.get(pk=report["restore_point_id"]).is_restore_point


def pending_uploads() -> list[str]:
    try:
        return storages["dbbackup"].listdir(".pending-restores")[1]
    except FileNotFoundError:
        return []


def test_an_uploaded_archive_waits_in_the_backup_storage_until_the_worker_ran(
    settings, superuser_client, worker_backend
):
    backup = services.backup_create()
    with open(archive_file(backup), "rb") as handle:
        response = superuser_client.post("/api/backup/restore?confirm=true", {"file": handle}, format="multipart")
    assert response.status_code == 202
    # In the backup storage (the backup folder, or the S3 bucket every node shares), not only on this node's disk.
    assert len(pending_uploads()) == 1
    run_worker(settings)
    job = RestoreJob.objects.get(pk=response.json()["restore_id"])
    assert job.status == "succeeded" and job.result["restored_from"] == backup.filename
    assert pending_uploads() == []
    assert list((Path(settings.BACKUP_DIR) / ".pending-restores").iterdir()) == []  # nothing left on this node


def test_with_the_immediate_backend_the_answer_is_the_report(superuser_client):
    backup = services.backup_create()
    response = superuser_client.post("/api/backup/restore?confirm=true", {"backup_id": str(backup.pk)})
    assert response.status_code == 200 and response.json()["restored_from"] == str(backup.pk)
    job = RestoreJob.objects.get()  # its record survived the restore it describes
    status = superuser_client.get(f"/api/backup/restore/{job.pk}").json()
    assert status["status"] == "succeeded" and status["result"] == response.json()


def test_unknown_restore_is_404(superuser_client):
    response = superuser_client.get("/api/backup/restore/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
