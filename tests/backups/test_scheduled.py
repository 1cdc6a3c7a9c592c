"""The scheduled backup runs once however many worker nodes run the hourly job (backups.services.backup_scheduled
under a named lock: PostgreSQL advisory lock, a file lock on SQLite). Competitors are threads with their own
database connections, as two nodes' schedulers are."""

import threading

import pytest
from django.db import connection

from backups import services
from backups.models import Backup, BackupSettings

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def schedule_on():
    BackupSettings.objects.update_or_create(pk=BackupSettings.load().pk, defaults={"enabled": True, "keep_last": 5})


def test_two_nodes_running_the_schedule_at_once_make_one_backup(schedule_on):
    start = threading.Barrier(2)
    results, errors = [], []

    def node():
        try:
            start.wait()
            results.append(services.backup_scheduled())
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=node) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    made = [backup for backup in results if backup is not None]
    assert len(made) == 1 and made[0].status == "succeeded"
    assert list(Backup.objects.values_list("pk", flat=True)) == [made[0].pk]  # no second (or failed) record


def test_a_node_that_finds_the_schedule_running_elsewhere_does_nothing(schedule_on):
    from spends import locks

    with locks.named_lock(services.SCHEDULE_LOCK, file=services.backup_dir() / ".scheduled-backup.lock"):
        assert services.backup_scheduled() is None
    assert not Backup.objects.exists()
    first = services.backup_scheduled()  # free again: due, so made
    assert first is not None and first.status == "succeeded"
    assert services.backup_scheduled() is None  # the next node's run: no longer due
    assert Backup.objects.count() == 1
