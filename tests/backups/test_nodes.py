"""Two nodes that share the database and the S3 bucket but no disk: an archive uploaded for a restore on one node is
restored by the worker of another (its own, empty BACKUP_DIR and MEDIA_ROOT), and the uploads come back into the
bucket. The S3 endpoint is moto's real server (tests/s3server.py), in every run."""

import pytest
from django.core.files.storage import default_storage

from backups import services
from backups.models import RestoreJob
from purchases.models import Purchase
from tests.attachments.conftest import PDF, post_file
from tests.backups.conftest import archive_bytes
from tests.backups.test_restore_jobs import run_worker, worker_backend  # noqa: F401 (a fixture)
from tests.conftest import token_client
from tests.factories import PurchaseFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("s3_storages")]


@pytest.mark.usefixtures("worker_backend")
def test_an_archive_uploaded_on_one_node_is_restored_by_another_nodes_worker(settings, superuser_client, tmp_path):
    purchase = PurchaseFactory(product_name="Before")
    owner_client = token_client(purchase.created_by)  # before the backup: its token comes back with the restore
    attachment = post_file(owner_client, purchase.pk, "receipt.pdf", PDF).json()
    backup = services.backup_create()
    archive = tmp_path / "upload.zip"
    archive.write_bytes(archive_bytes(backup))  # downloaded from the bucket, as a user would
    PurchaseFactory(product_name="After")
    default_storage.delete(f"uploads/{attachment['sha256'][:2]}/{attachment['sha256'][2:4]}/{attachment['sha256']}")

    with open(archive, "rb") as handle:  # node A: the web node that receives the upload
        response = superuser_client.post("/api/backup/restore?confirm=true", {"file": handle}, format="multipart")
    assert response.status_code == 202
    assert not any((settings.BACKUP_DIR / ".pending-restores").iterdir())  # nothing kept on node A's disk

    settings.BACKUP_DIR = tmp_path / "node-b" / "backups"  # node B: another machine's folders, the same bucket
    settings.MEDIA_ROOT = tmp_path / "node-b" / "media"
    run_worker(settings)
    job = RestoreJob.objects.get(pk=response.json()["restore_id"])
    assert job.status == "succeeded", job.error
    assert job.result["files_restored"] == 1 and job.result["integrity"] == {"ok": True, "problems": []}
    assert list(Purchase.objects.values_list("product_name", flat=True)) == ["Before"]
    download = owner_client.get(f"/api/attachments/{attachment['id']}/download")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
