"""The backup endpoints (API.md § Backups), staff only, through HTTP."""

from pathlib import Path

import pytest

from backups.models import Backup
from purchases.models import Purchase
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db(transaction=True)

ENDPOINTS = [
    ("post", "/api/backup/create"),
    ("get", "/api/backup/status"),
    ("get", "/api/backup/list"),
    ("get", "/api/backup/settings"),
    ("put", "/api/backup/settings"),
    ("post", "/api/backup/restore"),
    ("get", "/api/backup/00000000-0000-0000-0000-000000000000/download"),
    ("delete", "/api/backup/00000000-0000-0000-0000-000000000000"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_is_401_and_non_staff_403(anon_client, owner_client, method, path):
    assert getattr(anon_client, method)(path).json()["code"] == "not_authenticated"
    response = getattr(owner_client, method)(path)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


@pytest.fixture
def backup(staff_client):
    PurchaseFactory(product_name="Before backup")
    response = staff_client.post("/api/backup/create", {"kind": "full"})
    assert response.status_code == 202
    return Backup.objects.get(pk=response.json()["id"])


def test_create_without_body_makes_a_full_backup_that_succeeds(staff_client):
    response = staff_client.post("/api/backup/create")
    assert response.status_code == 202
    body = response.json()
    assert body["kind"] == "full" and body["status"] == "pending"  # the task runs after the response commits
    backup = Backup.objects.get(pk=body["id"])
    assert backup.status == "succeeded"  # immediate backend: ran on commit
    assert set(body) == {
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
    }


def test_unknown_kind_is_400(staff_client):
    assert staff_client.post("/api/backup/create", {"kind": "weird"}).status_code == 400


def test_status_list_download_and_delete(staff_client, backup, settings):
    status = staff_client.get("/api/backup/status").json()
    assert status["latest"]["id"] == str(backup.pk) and status["last_successful"]["id"] == str(backup.pk)
    assert set(status["schedule"]) == {"enabled", "frequency", "keep_last", "next_run_at"}
    assert staff_client.get(f"/api/backup/status?id={backup.pk}").json()["status"] == "succeeded"
    assert staff_client.get("/api/backup/status?id=nope").status_code == 400
    assert staff_client.get("/api/backup/status?id=00000000-0000-0000-0000-000000000000").status_code == 404

    listing = staff_client.get("/api/backup/list").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == str(backup.pk)

    download = staff_client.get(f"/api/backup/{backup.pk}/download")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content == (Path(settings.BACKUP_DIR) / backup.filename).read_bytes()
    assert backup.filename in download["Content-Disposition"]

    assert staff_client.delete(f"/api/backup/{backup.pk}").status_code == 204
    assert not Backup.objects.exists()
    assert not (Path(settings.BACKUP_DIR) / backup.filename).exists()


def test_settings_roundtrip_and_validation(staff_client):
    assert staff_client.get("/api/backup/settings").json() == {"enabled": False, "frequency": "daily", "keep_last": 7}
    new = {"enabled": True, "frequency": "weekly", "keep_last": 30}
    assert staff_client.put("/api/backup/settings", new).json() == new
    assert staff_client.get("/api/backup/settings").json() == new
    for bad in ({**new, "keep_last": 0}, {**new, "keep_last": 366}, {**new, "frequency": "hourly"}):
        assert staff_client.put("/api/backup/settings", bad).status_code == 400
    assert staff_client.get("/api/backup/settings").json() == new


def test_restore_needs_confirmation(staff_client, backup):
    response = staff_client.post("/api/backup/restore", {"backup_id": str(backup.pk)})
    assert response.status_code == 400
    assert "replaces ALL current data" in response.json()["errors"]["confirm"][0]


def test_restore_by_id_replaces_data_and_keeps_a_restore_point(staff_client, backup):
    PurchaseFactory(product_name="After backup")
    response = staff_client.post("/api/backup/restore?confirm=true", {"backup_id": str(backup.pk)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["restored_from"] == str(backup.pk)
    assert body["integrity"] == {"ok": True, "problems": []}
    assert list(Purchase.objects.values_list("product_name", flat=True)) == ["Before backup"]
    assert Backup.objects.get(pk=body["restore_point_id"]).is_restore_point


def test_restore_from_uploaded_file(staff_client, backup, settings):
    PurchaseFactory(product_name="After backup")
    with open(Path(settings.BACKUP_DIR) / backup.filename, "rb") as handle:
        response = staff_client.post("/api/backup/restore", {"file": handle, "confirm": "true"}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["restored_from"] == backup.filename
    assert not Purchase.objects.filter(product_name="After backup").exists()


def test_damaged_upload_is_400_and_changes_nothing(staff_client, backup, settings, tmp_path):
    raw = bytearray((Path(settings.BACKUP_DIR) / backup.filename).read_bytes())
    raw[len(raw) // 3] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    PurchaseFactory(product_name="After backup")
    count = Backup.objects.count()
    with open(damaged, "rb") as handle:
        response = staff_client.post("/api/backup/restore", {"file": handle, "confirm": "true"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert Purchase.objects.filter(product_name="After backup").exists()
    assert Backup.objects.count() == count


def test_unknown_backup_id_is_404_and_both_or_neither_is_400(staff_client, backup):
    missing = staff_client.post(
        "/api/backup/restore?confirm=true", {"backup_id": "00000000-0000-0000-0000-000000000000"}
    )
    assert missing.status_code == 404
    assert staff_client.post("/api/backup/restore?confirm=true", {}).status_code == 400


def test_a_backup_or_restore_while_another_runs_is_409_not_500(staff_client, backup, settings):
    import fcntl

    lock = Path(settings.BACKUP_DIR) / ".backup.lock"
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            response = staff_client.post("/api/backup/restore?confirm=true", {"backup_id": str(backup.pk)})
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert "Another backup or restore is running" in response.json()["detail"]


def test_confirm_may_be_a_json_boolean(staff_client, backup):
    response = staff_client.post("/api/backup/restore", {"backup_id": str(backup.pk), "confirm": True}, format="json")
    assert response.status_code == 200, response.content


def test_a_restore_keeps_every_backups_created_at(staff_client, backup):
    before = dict(Backup.objects.values_list("pk", "created_at"))
    body = staff_client.post("/api/backup/restore?confirm=true", {"backup_id": str(backup.pk)}).json()
    after = dict(Backup.objects.values_list("pk", "created_at"))
    assert {pk: after[pk] for pk in before} == before
    listing = staff_client.get("/api/backup/list").json()["items"]
    assert listing[0]["id"] == body["restore_point_id"]  # newest first: the restore point


def test_deleting_a_parent_of_an_incremental_is_409(staff_client, backup):
    staff_client.post("/api/backup/create", {"kind": "incremental"})
    response = staff_client.delete(f"/api/backup/{backup.pk}")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert Backup.objects.filter(pk=backup.pk).exists()


def test_create_with_a_non_object_body_is_400(staff_client):
    assert staff_client.post("/api/backup/create", [], format="json").status_code == 400
    assert staff_client.post("/api/backup/create", ["full"], format="json").status_code == 400
    assert staff_client.post("/api/backup/create", "full", format="json").status_code == 400


def test_settings_put_resets_omitted_fields_to_defaults(staff_client):
    staff_client.put("/api/backup/settings", {"enabled": True, "frequency": "weekly", "keep_last": 30})
    assert staff_client.put("/api/backup/settings", {"enabled": True}).json() == {
        "enabled": True,
        "frequency": "daily",
        "keep_last": 7,
    }
