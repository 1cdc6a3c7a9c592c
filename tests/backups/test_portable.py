"""The portable dump (format version 2): written beside the native dump, read into the other engine in one
transaction, every line checked before anything is written (API.md § Backups)."""

import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection

from backups import archive, portable, restore, services
from backups.choices import BackupKind, BackupStatus
from backups.common import signing_keys
from backups.models import Backup, RestoreJob
from purchases.models import Purchase
from tests.backups import varied
from tests.factories import PurchaseFactory

# local_storage: archives opened and edited as files on disk.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.local_storage]


@pytest.fixture
def data(settings):
    varied.make()


def made_backup(settings) -> tuple[Backup, Path]:
    backup = services.backup_create(kind=BackupKind.FULL)
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    return backup, Path(settings.BACKUP_DIR) / backup.filename


def compared(fingerprints: dict) -> dict:
    """What a restore must bring back exactly (the data versions are renewed on purpose)."""
    return {label: value for label, value in fingerprints.items() if label not in portable.RENEWED_BY_RESTORE}


def rewritten(path: Path, target: Path, *, portable_text: str | None = None, **manifest_changes) -> Path:
    """A copy of the archive at `path` with its portable dump and manifest changed, signed again with this
    installation's key (so only the change is refused, never the signature)."""
    with zipfile.ZipFile(path) as zipped:
        manifest = json.loads(zipped.read(archive.MANIFEST_NAME))
        folder = target.parent / "members"
        members = []
        for entry in manifest["members"]:
            file = folder / entry["path"]
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(zipped.read(entry["path"]))
            if entry["path"] == portable.PORTABLE_MEMBER and portable_text is not None:
                file.write_text(portable_text, encoding="utf-8")
            members.append(archive.Member(entry["path"], file))
    meta = {k: v for k, v in manifest.items() if k not in ("members", "signature", "format", "format_version")}
    meta.update(manifest_changes)
    archive.write_archive(target, meta=meta, members=members, signing_key=signing_keys()[0])
    return target


def portable_lines(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as zipped:
        return [json.loads(line) for line in zipped.read(portable.PORTABLE_MEMBER).decode().splitlines()]


def test_an_archive_holds_a_portable_dump_of_every_model_in_dependency_order(settings, data):
    backup, path = made_backup(settings)
    manifest = archive.verify_archive(path)
    assert manifest["format_version"] == 2
    entry = manifest["portable"]
    assert entry["member"] == portable.PORTABLE_MEMBER and entry["serializer"] == "jsonl"
    lines = portable_lines(path)
    labels = [line["model"] for line in lines]
    # Each model's rows together, models in the manifest's order, which puts a model after those it points to.
    assert list(dict.fromkeys(labels)) == [label for label in entry["models"] if entry["rows"][label]]
    order = entry["models"]
    for before, after in [
        ("auth.user", "households.membership"),
        ("purchases.purchase", "warranties.warranty"),
        ("warranties.warranty", "warranties.claim"),
        ("auth.group", "auth.user_groups"),
    ]:
        assert order.index(before) < order.index(after)
    assert entry["rows"]["purchases.purchase"] == 3 and entry["rows"]["auth.user_groups"] == 1
    assert entry["rows"]["attachments.attachment"] == 2
    # Never in it: sessions, the backup records, the task queue.
    assert not {"sessions.session", "backups.backup", "backups.restorejob", "backups.backupsettings"} & set(order)
    tv = next(line for line in lines if line["model"] == "purchases.purchase" and line["fields"]["price"] == "1299.99")
    assert tv["fields"]["created_at"] == "2024-02-29T23:59:59.123456+00:00"  # to the microsecond
    assert tv["fields"]["product_name"] == "Télévision OLED 55″ — 日本"


def test_a_portable_restore_brings_back_every_row_ids_and_files(settings, data):
    before = compared(portable.table_fingerprints())
    files = {p: p.read_bytes() for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}
    assert len(files) == 2
    backup, path = made_backup(settings)
    Purchase.objects.all().delete()
    get_user_model().objects.filter(username="bob").delete()
    PurchaseFactory(product_name="Added after the backup")
    for file in files:
        file.unlink(missing_ok=True)  # deleting the purchases released them already

    report = restore.backup_restore(path=path, restored_from=backup.filename, prefer_portable=True)
    assert report["integrity"] == {"ok": True, "problems": []}
    assert report["files_restored"] == 2
    assert compared(portable.table_fingerprints()) == before
    assert {p: p.read_bytes() for p in files} == files
    # The backup records are this installation's: kept, the restore point among them; the backup's creator link
    # survives only when that user is in the restored data.
    assert Backup.objects.filter(pk=backup.pk).exists()
    assert Backup.objects.get(pk=report["restore_point_id"]).is_restore_point
    # Integer ids go on after the restored ones: the sequence is reset on PostgreSQL (SQLite never reuses an id).
    top = get_user_model().objects.order_by("-pk").first().pk
    new_id = PurchaseFactory().created_by.pk
    assert new_id == top + 1 if connection.vendor == "postgresql" else new_id > top


def test_an_archive_of_the_other_engine_restores_through_its_portable_dump(settings, data, tmp_path):
    before = compared(portable.table_fingerprints())
    backup, path = made_backup(settings)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    foreign = rewritten(path, tmp_path / "other-engine.zip", database_engine=other)
    assert restore.uses_portable(archive.inspect_archive(foreign))
    Purchase.objects.all().delete()
    report = restore.backup_restore(path=foreign, restored_from="other-engine.zip")
    assert report["integrity"]["ok"]
    assert compared(portable.table_fingerprints()) == before


def test_an_old_archive_of_the_other_engine_is_refused_in_words(settings, data, tmp_path):
    """A PostgreSQL archive without a portable dump cannot be read on SQLite; on PostgreSQL, an old SQLite archive is
    migrated in a temporary copy (tests/backups/test_first_release.py), and one that is no SQLite file is refused."""
    _, path = made_backup(settings)
    before = portable.table_fingerprints()
    if connection.vendor == "sqlite":
        old, message = rewritten(path, tmp_path / "v1.zip", database_engine="postgresql", portable=None), "holds no"
    else:
        old, message = rewritten(path, tmp_path / "v1.zip", database_engine="sqlite", portable=None), "schema"
    with pytest.raises(ValidationError, match=message):
        restore.backup_restore(path=old, restored_from="v1.zip")
    assert portable.table_fingerprints() == before


def hostile_dumps(lines: list[dict]) -> dict[str, tuple[str, str]]:
    purchase = next(line for line in lines if line["model"] == "purchases.purchase")

    def replaced(new: dict | str) -> str:
        text = new if isinstance(new, str) else json.dumps(new)
        return "\n".join(text if line is purchase else json.dumps(line) for line in lines) + "\n"

    return {
        "a model off the allow-list": (replaced({**purchase, "model": "backups.backup"}), "does not restore"),
        "an unknown model": (replaced({**purchase, "model": "evil.payload"}), "does not restore"),
        "an unknown field": (
            replaced({**purchase, "fields": {**purchase["fields"], "is_admin": True}}),
            "unknown fields",
        ),
        "a refused value": (replaced({**purchase, "fields": {**purchase["fields"], "price": "lots"}}), "refuses"),
        "too many digits": (replaced({**purchase, "fields": {**purchase["fields"], "price": "1e30"}}), "refuses"),
        "too long a name": (
            replaced({**purchase, "fields": {**purchase["fields"], "product_name": "x" * 999}}),
            "longer",
        ),
        "no primary key": (replaced({**purchase, "pk": None}), "primary key"),
        "not JSON": (replaced("{not json"), "not valid JSON"),
        "another shape": (replaced({"model": "purchases.purchase", "pk": purchase["pk"]}), "model, pk and fields"),
        "a row fewer": ("\n".join(json.dumps(line) for line in lines if line is not purchase) + "\n", "counts"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "a model off the allow-list",
        "an unknown model",
        "an unknown field",
        "a refused value",
        "too many digits",
        "too long a name",
        "no primary key",
        "not JSON",
        "another shape",
        "a row fewer",
    ],
)
def test_a_bad_portable_dump_is_refused_before_anything_changes(settings, data, tmp_path, case):
    _, path = made_backup(settings)
    text, message = hostile_dumps(portable_lines(path))[case]
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    bad = rewritten(path, tmp_path / "bad.zip", portable_text=text, database_engine=other)
    before = portable.table_fingerprints()
    backups_before = Backup.objects.count()
    with pytest.raises(ValidationError, match=message):
        restore.backup_restore(path=bad, restored_from="bad.zip")
    assert portable.table_fingerprints() == before
    assert Backup.objects.count() == backups_before  # not even a restore point
    assert RestoreJob.objects.get().error_kind == RestoreJob.ErrorKind.VALIDATION


def test_a_bad_portable_dump_uploaded_through_the_api_is_a_400(settings, data, tmp_path, superuser_client):
    _, path = made_backup(settings)
    text, _ = hostile_dumps(portable_lines(path))["an unknown field"]
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    bad = rewritten(path, tmp_path / "bad.zip", portable_text=text, database_engine=other)
    before = portable.table_fingerprints()
    with open(bad, "rb") as handle:
        response = superuser_client.post("/api/backup/restore", {"file": handle, "confirm": "true"}, format="multipart")
    assert response.status_code == 400, response.content
    assert "unknown fields" in json.dumps(response.json())
    assert portable.table_fingerprints() == before
