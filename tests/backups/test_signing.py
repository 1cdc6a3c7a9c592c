"""Archives are authenticated (API.md § Backups): an HMAC-SHA256 signature in the manifest, checked before a restore.

The reproduction of issue #18: a superuser's backup whose dump is edited (a user made superuser) and whose manifest
SHA-256 is recomputed was restored as if it were genuine.
"""

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from backups import archive, services
from backups.common import signing_keys
from backups.models import Backup
from tests.factories import UserFactory

# Storage-independent (signatures, sessions in the dump), and they edit archives in place: folder storage only.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.local_storage]
User = get_user_model()


def archive_path(settings, backup) -> Path:
    return Path(settings.BACKUP_DIR) / backup.filename


def rewrite(source: Path, target: Path, *, dump: bytes | None = None, manifest_change=None) -> None:
    """Copy the archive, replacing the dump and recomputing its size and SHA-256 in the manifest (an attacker's
    edit); the signature is copied unchanged unless manifest_change alters it."""
    with zipfile.ZipFile(source) as src:
        members = {info.filename: src.read(info.filename) for info in src.infolist()}
    manifest = json.loads(members.pop(archive.MANIFEST_NAME))
    if dump is not None:
        members[archive.DATABASE_MEMBER] = dump
        for entry in manifest["members"]:
            if entry["path"] == archive.DATABASE_MEMBER:
                entry.update(size=len(dump), sha256=hashlib.sha256(dump).hexdigest())
    if manifest_change:
        manifest_change(manifest)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in members.items():
            dst.writestr(name, data)
        dst.writestr(archive.MANIFEST_NAME, json.dumps(manifest))


def promoted_dump(settings, backup, tmp_path) -> bytes:
    """The backup's dump with user "mallory" made a superuser."""
    with zipfile.ZipFile(archive_path(settings, backup)) as z:
        original = z.read(archive.DATABASE_MEMBER)
    if connection.vendor == "sqlite":  # edit the row in the SQLite file, as the attacker did
        copy = tmp_path / "dump.sqlite3"
        copy.write_bytes(original)
        db = sqlite3.connect(copy)
        db.execute("UPDATE auth_user SET is_superuser = 1, is_staff = 1 WHERE username = 'mallory'")
        db.commit()
        db.close()  # checkpoints the WAL into the file
        edited = copy.read_bytes()
        assert edited != original
        return edited
    # pg_dump's custom format is compressed: the edited dump is one made with the row changed.
    User.objects.filter(username="mallory").update(is_superuser=True, is_staff=True)
    edited = services.backup_create()
    User.objects.filter(username="mallory").update(is_superuser=False, is_staff=False)
    with zipfile.ZipFile(archive_path(settings, edited)) as z:
        return z.read(archive.DATABASE_MEMBER)


@pytest.fixture
def signed_backup(superuser_client):
    UserFactory(username="mallory", is_staff=False)
    response = superuser_client.post("/api/backup/create", {"kind": "full"})
    return Backup.objects.get(pk=response.json()["id"])


def post_restore(client, path: Path, query: str = "confirm=true"):
    with open(path, "rb") as handle:
        return client.post(f"/api/backup/restore?{query}", {"file": handle}, format="multipart")


def test_a_backup_is_signed_over_everything_but_the_signature(settings, signed_backup):
    with zipfile.ZipFile(archive_path(settings, signed_backup)) as z:
        manifest = json.loads(z.read(archive.MANIFEST_NAME))
    assert manifest["signature"]["algorithm"] == "HMAC-SHA256"
    assert archive.signature_state(manifest, signing_keys()) == "valid"
    manifest["members"][0]["sha256"] = "0" * 64  # any change of the signed content breaks it
    assert archive.signature_state(manifest, signing_keys()) == "invalid"


def test_an_edited_dump_with_recomputed_checksums_is_refused_then_accepted_with_allow_foreign(
    settings, superuser_client, signed_backup, tmp_path
):
    forged = tmp_path / "forged.zip"
    rewrite(archive_path(settings, signed_backup), forged, dump=promoted_dump(settings, signed_backup, tmp_path))
    assert archive.verify_archive(forged)  # every checksum matches: only the signature tells

    before = Backup.objects.count()
    refused = post_restore(superuser_client, forged)
    assert refused.status_code == 400, refused.content
    message = refused.json()["errors"]["file"][0]
    assert "changed after it was written" in message and "another installation" in message
    assert "allow_foreign=true" in message
    assert not User.objects.get(username="mallory").is_superuser
    assert Backup.objects.count() == before  # not even a restore point: nothing changed

    accepted = post_restore(superuser_client, forged, "confirm=true&allow_foreign=true")
    assert accepted.status_code == 200, accepted.content
    assert User.objects.get(username="mallory").is_superuser  # the archive's (edited) data, knowingly


def test_an_untouched_archive_restores_through_upload(settings, superuser_client, signed_backup):
    User.objects.filter(username="mallory").delete()
    response = post_restore(superuser_client, archive_path(settings, signed_backup))
    assert response.status_code == 200, response.content
    assert User.objects.filter(username="mallory").exists()


def test_an_unsigned_archive_from_before_signing_is_foreign_and_says_so(settings, superuser_client, signed_backup):
    unsigned = Path(settings.BACKUP_DIR) / "old.zip"
    rewrite(archive_path(settings, signed_backup), unsigned, manifest_change=lambda m: m.pop("signature"))
    response = post_restore(superuser_client, unsigned)
    assert response.status_code == 400
    assert "before archives were signed" in response.json()["errors"]["file"][0]
    body = {"file": open(unsigned, "rb"), "confirm": "true", "allow_foreign": "true"}  # noqa: SIM115
    with body["file"]:
        assert superuser_client.post("/api/backup/restore", body, format="multipart").status_code == 200


def test_command_needs_allow_foreign(settings, signed_backup, tmp_path):
    forged = tmp_path / "forged.zip"
    rewrite(archive_path(settings, signed_backup), forged, dump=promoted_dump(settings, signed_backup, tmp_path))
    with pytest.raises(CommandError, match="changed after it was written"):
        call_command("restore", str(forged), "--yes")
    assert not User.objects.get(username="mallory").is_superuser
    call_command("restore", str(forged), "--yes", "--allow-foreign")
    assert User.objects.get(username="mallory").is_superuser


def test_admin_asks_a_second_confirmation_for_a_foreign_archive(client, settings, superuser, signed_backup, tmp_path):
    forged = tmp_path / "forged.zip"
    rewrite(archive_path(settings, signed_backup), forged, dump=promoted_dump(settings, signed_backup, tmp_path))
    page = "/admin/backups/backup/"
    for second_confirmation, promoted in ((None, False), ("yes", True)):
        client.force_login(superuser)
        with open(forged, "rb") as handle:
            confirm = client.post(page + "restore/", {"file": handle})
        assert b'id="foreign-archive"' in confirm.content and b"changed after it was written" in confirm.content
        data = {"confirm": "yes", **({"allow_foreign": second_confirmation} if second_confirmation else {})}
        done = client.post(page + "restore/confirm/", data, follow=True)
        assert User.objects.get(username="mallory").is_superuser is promoted, done.content[-2000:]
        if not promoted:
            assert b"second confirmation was not given" in done.content


def test_the_key_comes_from_backup_signing_key_or_secret_key_and_its_fallbacks(settings, signed_backup):
    with zipfile.ZipFile(archive_path(settings, signed_backup)) as z:
        manifest = json.loads(z.read(archive.MANIFEST_NAME))
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789abcdef"
    assert archive.signature_state(manifest, signing_keys()) == "invalid"  # rotated: old archives are foreign
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert archive.signature_state(manifest, signing_keys()) == "valid"  # unless the old key is a fallback
    settings.BACKUP_SIGNING_KEY = "an-explicit-backup-key"
    assert archive.signature_state(manifest, signing_keys()) == "invalid"
