"""The admin Data management page: back up, download, restore behind a confirmation, schedule."""

from pathlib import Path

import pytest

from backups.models import Backup, BackupSettings
from purchases.models import Purchase
from tests.backups.conftest import archive_bytes
from tests.factories import PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
PAGE = "/admin/backups/backup/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_page_is_reachable_from_the_admin_index(admin_client):
    assert PAGE.encode() in admin_client.get("/admin/").content
    page = admin_client.get(PAGE)
    assert page.status_code == 200 and b"No backup yet" in page.content


def test_non_staff_cannot_open_it(client):
    client.force_login(UserFactory(username="plain"))
    assert client.get(PAGE).status_code == 302  # to the admin login


def test_staff_who_is_not_a_superuser_gets_403_and_no_link(client, settings):
    client.force_login(UserFactory(username="staffer", is_staff=True))
    assert PAGE.encode() not in client.get("/admin/").content
    backup = Backup.objects.create(status="succeeded", filename="x.zip")
    for path in ("", "backup-now/", "restore/", "restore/confirm/", "schedule/", f"{backup.id}/download/"):
        assert client.get(PAGE + path).status_code == 403, path
        assert client.post(PAGE + path, {"kind": "full", "enabled": "on", "keep_last": "3"}).status_code == 403, path
    assert Backup.objects.count() == 1 and not BackupSettings.objects.filter(enabled=True).exists()


def test_backup_now_download_and_restore_with_confirmation(admin_client, settings):
    PurchaseFactory(product_name="Kept")
    admin_client.post(PAGE + "backup-now/", {"kind": "full"})
    backup = Backup.objects.get()
    assert backup.status == "succeeded"
    page = admin_client.get(PAGE).content.decode()
    assert "ago, 0 files" in page and f"{backup.id}/download/" in page
    download = admin_client.get(f"{PAGE}{backup.id}/download/")
    downloaded = b"".join(download.streaming_content)
    assert downloaded == archive_bytes(backup)

    PurchaseFactory(product_name="Dropped")
    upload = Path(settings.BACKUP_DIR) / "upload.zip"
    upload.write_bytes(downloaded)
    with open(upload, "rb") as handle:
        confirm = admin_client.post(PAGE + "restore/", {"file": handle})
    assert b"Restoring replaces ALL current data" in confirm.content and b"2 purchases" in confirm.content
    assert Purchase.objects.count() == 2  # nothing changed before confirming
    done = admin_client.post(PAGE + "restore/confirm/", {"confirm": "yes"}, follow=True)
    assert b"Integrity: ok" in done.content
    assert list(Purchase.objects.values_list("product_name", flat=True)) == ["Kept"]


def test_invalid_upload_is_refused_with_a_message(admin_client, settings):
    bad = Path(settings.BACKUP_DIR)
    bad.mkdir(parents=True, exist_ok=True)
    (bad / "bad.zip").write_bytes(b"not a zip")
    with open(bad / "bad.zip", "rb") as handle:
        response = admin_client.post(PAGE + "restore/", {"file": handle}, follow=True)
    assert b"cannot be restored, nothing was changed" in response.content


def test_schedule_form_saves(admin_client):
    admin_client.post(PAGE + "schedule/", {"enabled": "on", "frequency": "weekly", "keep_last": "14"})
    row = BackupSettings.load()
    assert (row.enabled, row.frequency, row.keep_last) == (True, "weekly", 14)
    response = admin_client.post(PAGE + "schedule/", {"frequency": "weekly", "keep_last": "0"})
    assert response.status_code == 200 and BackupSettings.load().keep_last == 14
