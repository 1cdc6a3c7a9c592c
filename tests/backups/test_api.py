"""The backup endpoints (API.md § Backups), superusers only, through HTTP."""

import pytest
from django.core.files.storage import storages

from backups.models import Backup
from purchases.models import Purchase
from tests.backups.conftest import archive_bytes, archive_file
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
    ("get", "/api/backup/restore/00000000-0000-0000-0000-000000000000"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_is_401_and_everyone_but_a_superuser_403(anon_client, owner_client, staff_client, method, path):
    assert getattr(anon_client, method)(path).json()["code"] == "not_authenticated"
    for client in (owner_client, staff_client):  # staff included: an archive holds every user's data
        response = getattr(client, method)(path)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_staff_cannot_make_download_or_restore_a_backup_but_a_superuser_can(staff_client, superuser_client):
    assert staff_client.post("/api/backup/create", {"kind": "full"}).status_code == 403
    assert not Backup.objects.exists()
    created = superuser_client.post("/api/backup/create", {"kind": "full"})
    assert created.status_code == 202
    backup_id = created.json()["id"]
    answers = {
        "status": (f"/api/backup/status?id={backup_id}", "get", None, 200),
        "list": ("/api/backup/list", "get", None, 200),
        "settings": ("/api/backup/settings", "get", None, 200),
        "put settings": ("/api/backup/settings", "put", {"enabled": False}, 200),
        "download": (f"/api/backup/{backup_id}/download", "get", None, 200),
        "restore": ("/api/backup/restore?confirm=true", "post", {"backup_id": backup_id}, 200),
    }
    for name, (path, method, body, expected) in answers.items():
        refused = getattr(staff_client, method)(path, body) if body else getattr(staff_client, method)(path)
        assert refused.status_code == 403, name
        assert refused.json()["code"] == "permission_denied", name
        allowed = getattr(superuser_client, method)(path, body) if body else getattr(superuser_client, method)(path)
        assert allowed.status_code == expected, (name, allowed.content[:300])
    assert staff_client.delete(f"/api/backup/{backup_id}").status_code == 403
    assert Backup.objects.filter(pk=backup_id).exists()


@pytest.fixture
def backup(superuser_client):
    PurchaseFactory(product_name="Before backup")
    response = superuser_client.post("/api/backup/create", {"kind": "full"})
    assert response.status_code == 202
    return Backup.objects.get(pk=response.json()["id"])


def test_create_without_body_makes_a_full_backup_that_succeeds(superuser_client):
    response = superuser_client.post("/api/backup/create")
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
        "is_restore_point",
    }
    assert body["is_restore_point"] is False


def test_unknown_kind_is_400(superuser_client):
    assert superuser_client.post("/api/backup/create", {"kind": "weird"}).status_code == 400


def test_status_list_download_and_delete(superuser_client, backup, settings):
    status = superuser_client.get("/api/backup/status").json()
    assert status["latest"]["id"] == str(backup.pk) and status["last_successful"]["id"] == str(backup.pk)
    assert set(status["schedule"]) == {"enabled", "frequency", "keep_last", "next_run_at"}
    assert superuser_client.get(f"/api/backup/status?id={backup.pk}").json()["status"] == "succeeded"
    assert superuser_client.get("/api/backup/status?id=nope").status_code == 400
    assert superuser_client.get("/api/backup/status?id=00000000-0000-0000-0000-000000000000").status_code == 404

    listing = superuser_client.get("/api/backup/list").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == str(backup.pk)

    download = superuser_client.get(f"/api/backup/{backup.pk}/download")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content == archive_bytes(backup)
    assert backup.filename in download["Content-Disposition"]

    assert superuser_client.delete(f"/api/backup/{backup.pk}").status_code == 204
    assert not Backup.objects.exists()
    assert not storages["dbbackup"].exists(backup.filename)


def test_settings_roundtrip_and_validation(superuser_client):
    assert superuser_client.get("/api/backup/settings").json() == {
        "enabled": False,
        "frequency": "daily",
        "keep_last": 7,
    }
    new = {"enabled": True, "frequency": "weekly", "keep_last": 30}
    assert superuser_client.put("/api/backup/settings", new).json() == new
    assert superuser_client.get("/api/backup/settings").json() == new
    for bad in ({**new, "keep_last": 0}, {**new, "keep_last": 366}, {**new, "frequency": "hourly"}):
        assert superuser_client.put("/api/backup/settings", bad).status_code == 400
    assert superuser_client.get("/api/backup/settings").json() == new


def test_restore_needs_confirmation(superuser_client, backup):
    response = superuser_client.post("/api/backup/restore", {"backup_id": str(backup.pk)})
    assert response.status_code == 400
    assert "replaces ALL current data" in response.json()["errors"]["confirm"][0]


def test_restore_by_id_replaces_data_and_keeps_a_restore_point(superuser_client, backup):
    PurchaseFactory(product_name="After backup")
    response = superuser_client.post("/api/backup/restore?confirm=true", {"backup_id": str(backup.pk)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["restored_from"] == str(backup.pk)
    assert body["integrity"] == {"ok": True, "problems": []}
    assert list(Purchase.objects.values_list("product_name", flat=True)) == ["Before backup"]
    assert Backup.objects.get(pk=body["restore_point_id"]).is_restore_point


def test_restore_from_uploaded_file(superuser_client, backup, settings):
    PurchaseFactory(product_name="After backup")
    with open(archive_file(backup), "rb") as handle:
        response = superuser_client.post("/api/backup/restore", {"file": handle, "confirm": "true"}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["restored_from"] == backup.filename
    assert not Purchase.objects.filter(product_name="After backup").exists()


def test_damaged_upload_is_400_and_changes_nothing(superuser_client, backup, settings, tmp_path):
    raw = bytearray(archive_bytes(backup))
    raw[len(raw) // 3] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    PurchaseFactory(product_name="After backup")
    count = Backup.objects.count()
    with open(damaged, "rb") as handle:
        response = superuser_client.post("/api/backup/restore", {"file": handle, "confirm": "true"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert Purchase.objects.filter(product_name="After backup").exists()
    assert Backup.objects.count() == count


def test_unknown_backup_id_is_404_and_both_or_neither_is_400(superuser_client, backup):
    missing = superuser_client.post(
        "/api/backup/restore?confirm=true", {"backup_id": "00000000-0000-0000-0000-000000000000"}
    )
    assert missing.status_code == 404
    assert superuser_client.post("/api/backup/restore?confirm=true", {}).status_code == 400


def test_a_backup_or_restore_while_another_runs_is_409_not_500(superuser_client, backup, settings):
    from backups import common
    from spends import locks

    with locks.named_lock(common.LOCK, file=common.lock_path()):  # held by another process, maybe on another node
        response = superuser_client.post("/api/backup/restore?confirm=true", {"backup_id": str(backup.pk)})
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert "Another backup or restore is running" in response.json()["detail"]


def test_confirm_may_be_a_json_boolean(superuser_client, backup):
    response = superuser_client.post(
        "/api/backup/restore", {"backup_id": str(backup.pk), "confirm": True}, format="json"
    )
    assert response.status_code == 200, response.content


def test_a_restore_keeps_every_backups_created_at(superuser_client, backup):
    before = dict(Backup.objects.values_list("pk", "created_at"))
    body = superuser_client.post("/api/backup/restore?confirm=true", {"backup_id": str(backup.pk)}).json()
    after = dict(Backup.objects.values_list("pk", "created_at"))
    assert {pk: after[pk] for pk in before} == before
    listing = superuser_client.get("/api/backup/list").json()["items"]
    assert listing[0]["id"] == body["restore_point_id"]  # newest first: the restore point


def test_deleting_a_parent_of_an_incremental_is_409(superuser_client, backup):
    superuser_client.post("/api/backup/create", {"kind": "incremental"})
    response = superuser_client.delete(f"/api/backup/{backup.pk}")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert Backup.objects.filter(pk=backup.pk).exists()


def test_create_with_a_non_object_body_is_400(superuser_client):
    assert superuser_client.post("/api/backup/create", [], format="json").status_code == 400
    assert superuser_client.post("/api/backup/create", ["full"], format="json").status_code == 400
    assert superuser_client.post("/api/backup/create", "full", format="json").status_code == 400


def test_settings_put_resets_omitted_fields_to_defaults(superuser_client):
    superuser_client.put("/api/backup/settings", {"enabled": True, "frequency": "weekly", "keep_last": 30})
    assert superuser_client.put("/api/backup/settings", {"enabled": True}).json() == {
        "enabled": True,
        "frequency": "daily",
        "keep_last": 7,
    }
