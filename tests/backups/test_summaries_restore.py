"""#24: a restore rebuilds the purchase summaries from the restored rows (spends.backup_registry's after-restore hook,
registered by purchases), whatever the archive held: here an archive whose summaries were emptied before it was made,
restored over a database whose summaries describe other purchases."""

from decimal import Decimal
from pathlib import Path

import pytest

from backups import restore, services
from backups.choices import BackupStatus
from purchases import summaries
from purchases.models import Purchase, PurchaseSummary
from tests.factories import PurchaseFactory, UserFactory, household_of

# local_storage: restores an archive by its path on disk.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.local_storage]


def test_restore_recomputes_the_summaries_of_the_restored_rows(settings):
    owner = UserFactory(username="restorer")
    household_id = household_of(owner)
    for index in range(3):
        PurchaseFactory(owner=owner, product_name=f"Item {index}", price=Decimal(f"{index}.25"))
    PurchaseSummary.objects.all().delete()  # the archive holds no summaries (as one made before #24)
    backup = services.backup_create()
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    summaries.recompute()
    PurchaseFactory(owner=owner, product_name="After the backup", price="99.00")

    restore.backup_restore(path=Path(settings.BACKUP_DIR) / backup.filename, restored_from=backup.filename)

    assert Purchase.objects.count() == 3
    assert summaries.summaries_stored(household_id) == summaries.summaries_expected(household_id)
    months = [m for key, m in summaries.summaries_stored(household_id).items() if key[1] == PurchaseSummary.MONTH]
    assert sum(m[0] for m in months) == 3 and sum(m[2] for m in months) == 25 + 125 + 225
