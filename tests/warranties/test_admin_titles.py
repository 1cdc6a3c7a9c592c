"""Human titles in the admin (#23): each model's str() reads as words, not an id, and the warranty's change page and
the purchase's coverages and the warranty's claims inlines show them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from backups.models import BackupSettings, RestoreJob
from households.choices import Role
from households.models import Invite, Membership
from reminders.models import SentReminder
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory
from warranties.models import Claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle_warranty(admin_user):
    purchase = PurchaseFactory(owner=admin_user, product_name="Kettle", price=Decimal("30.00"))
    return WarrantyFactory(
        purchase=purchase, warranty_start=datetime.date(2025, 1, 1), warranty_end=datetime.date(2027, 1, 1)
    )


def test_warranty_and_claim_titles_name_the_product_and_dates(kettle_warranty):
    assert str(kettle_warranty) == "Warranty of Kettle until 2027-01-01"
    kettle_warranty.warranty_type, kettle_warranty.warranty_end = "LIFETIME", None
    assert str(kettle_warranty) == "Lifetime warranty of Kettle"
    claim = Claim(warranty=kettle_warranty, opened_on=datetime.date(2025, 4, 1), status="OPEN", issue="Lid cracked")
    assert str(claim) == "Claim opened 2025-04-01: Lid cracked (open)"


def test_other_titles_use_labels_not_codes(admin_user):
    member = Membership.objects.get(user=admin_user)
    assert str(member).endswith(f" in {member.household} (owner)")
    invite = Invite(household=member.household, prefix="ab12cd", role=Role.VIEWER, expires_at=timezone.now())
    assert str(invite) == "Invite ab12cd… as viewer"
    assert str(BackupSettings(frequency="weekly", keep_last=4)) == "Weekly backups, keeping the last 4"
    assert str(RestoreJob(restored_from="spends-backup.zip", status="succeeded")) == (
        "Restore from spends-backup.zip (succeeded)"
    )
    sent = SentReminder(lead_day=7, email="me@example.com", sent_at=timezone.now(), user=UserFactory())
    assert str(sent).startswith("7-day warranty reminder to me@example.com, sent ")


def test_admin_pages_show_the_titles_with_the_coverages_and_claims_inlines(admin_client, kettle_warranty):
    Claim.objects.create(warranty=kettle_warranty, opened_on=datetime.date(2025, 4, 1), issue="Lid cracked")
    page = admin_client.get(f"/admin/warranties/warranty/{kettle_warranty.pk}/change/").content.decode()
    assert "Warranty of Kettle until 2027-01-01" in page and "Warranty for" not in page
    assert "Claim opened 2025-04-01: Lid cracked (open)" in page  # the claims inline
    purchase_page = admin_client.get(f"/admin/purchases/purchase/{kettle_warranty.purchase_id}/change/").content
    assert b"Warranty of Kettle until 2027-01-01" in purchase_page  # the coverages inline
