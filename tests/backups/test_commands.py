"""The backup commands: backup, verify_backup, restore, list_backups."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backups.models import Backup, BackupSettings
from purchases.models import Purchase
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_verify_list_restore_cycle(capsys, settings):
    PurchaseFactory(product_name="Kept")
    call_command("backup")
    out = capsys.readouterr()
    assert "verified" in out.out and "dumping the database" in out.err
    backup = Backup.objects.get()
    path = Path(settings.BACKUP_DIR) / backup.filename

    call_command("verify_backup", str(path))
    assert "OK:" in capsys.readouterr().out
    call_command("list_backups")
    assert str(backup.id) in capsys.readouterr().out

    PurchaseFactory(product_name="Dropped")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))
    assert Purchase.objects.count() == 2
    call_command("restore", str(path), "--yes")
    assert list(Purchase.objects.values_list("product_name", flat=True)) == ["Kept"]
    assert "Integrity check: ok" in capsys.readouterr().out


def test_verify_rejects_a_damaged_file(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"garbage")
    with pytest.raises(CommandError, match="Invalid backup"):
        call_command("verify_backup", str(bad))


def test_restore_of_a_damaged_file_changes_nothing(tmp_path):
    PurchaseFactory()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"garbage")
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("restore", str(bad), "--yes")
    assert Purchase.objects.count() == 1 and not Backup.objects.exists()


def test_scheduled_backup_only_when_due(capsys):
    BackupSettings.objects.all().delete()
    BackupSettings.objects.create(enabled=True, frequency="weekly", keep_last=3)
    call_command("backup", "--scheduled")
    call_command("backup", "--scheduled")
    assert Backup.objects.count() == 1
    assert "No backup due" in capsys.readouterr().out
