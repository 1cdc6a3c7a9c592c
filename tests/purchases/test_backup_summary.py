"""What a restore would replace, as the admin's confirmation page says it (registered with backups)."""

import pytest

from households.choices import Role
from households.models import Household
from purchases.apps import backup_summary
from tests.factories import PurchaseFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_backup_summary_counts_purchases_and_their_households():
    ann = UserFactory()
    ben = member(Household.objects.get(memberships__user=ann), Role.EDITOR)
    PurchaseFactory(owner=ann)
    PurchaseFactory(owner=ben)
    PurchaseFactory()  # someone else's household
    UserFactory()  # a household without purchases is not counted
    assert backup_summary() == "3 purchases of 2 household(s)"
