"""The backup commands: backup, verify_backup, restore, list_backups."""

import pytest
from django.core.management import CommandError, call_command

from backups.models import Backup, BackupSettings
from purchases.models import Purchase
from spends import data_versions
from tests.backups.conftest import archive_file
from tests.factories import PurchaseFactory, household_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_verify_list_restore_cycle(capsys, settings):
    PurchaseFactory(product_name="Kept")
    call_command("backup")
    out = capsys.readouterr()
    assert "verified" in out.out and "dumping the database" in out.err
    backup = Backup.objects.get()
    path = archive_file(backup)

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


def test_a_restore_in_another_process_shows_in_the_next_dashboard(owner_client, settings):
    """`manage.py backup` and `manage.py restore` run in their own processes, each with its own per-process cache
    (locmem); this process plays the running server, whose cache holds the dashboard from before the restore."""
    import subprocess
    import sys

    from tests.backups.processes import ROOT, child_env

    def run(*command):
        env = {**child_env(settings), "CACHE_URL": "locmemcache://command"}  # same SECRET_KEY: signed archives
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def dashboard_count() -> int:
        response = owner_client.get("/api/analytics/dashboard")
        assert response.status_code == 200, response.content
        return response.json()["summary"]["item_count"]

    owner = owner_client.user
    PurchaseFactory(owner=owner, product_name="In the backup", currency_code="USD")
    assert dashboard_count() == 1  # cached under the versions of now, which the archive will hold
    run("backup")
    PurchaseFactory.create_batch(2, owner=owner, product_name="After the backup", currency_code="USD")
    assert dashboard_count() == 3
    assert dashboard_count() == 3  # cached

    scopes = [data_versions.household_scope(household_of(owner)), data_versions.INSTALLATION]
    before = data_versions.read(scopes)
    run("restore", str(archive_file(Backup.objects.get())), "--yes")
    # The restored table held the archive's (older) numbers: every scope got one no answer was cached under.
    assert all(new > old for new, old in zip(data_versions.read(scopes), before, strict=True))
    assert list(Purchase.objects.filter(household__memberships__user=owner).values_list("product_name", flat=True)) == [
        "In the backup"
    ]
    assert dashboard_count() == 1
