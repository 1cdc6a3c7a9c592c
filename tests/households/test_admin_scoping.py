"""The admin by household (#20): a staff user who is not a superuser sees their household's purchases, warranties and
attachments (those other members added too) and nothing of another household; a superuser sees everything."""

import pytest
from django.contrib.auth.models import Permission

from households.choices import Role
from households.models import Household
from tests.attachments.conftest import PDF
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory, member
from tests.households.test_isolation import make_attachment  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_member():
    """A staff EDITOR of a household whose OWNER added the records; view permissions on purchases and warranties."""
    owner = UserFactory(username="owner-of-home")
    household = Household.objects.get(memberships__user=owner)
    staff = member(household, Role.EDITOR, username="staff-editor", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_purchase", "view_warranty"]))
    return staff, owner


def _rows(client, url, marker: bytes) -> bool:
    page = client.get(url)
    assert page.status_code == 200
    return marker in page.content


def test_staff_see_their_households_records_only(client, staff_member, make_attachment):  # noqa: F811
    staff, owner = staff_member
    ours = PurchaseFactory(owner=owner, product_name="Our sofa")
    WarrantyFactory(purchase=ours, provider="Sofa maker")
    attachment = make_attachment(ours, PDF)
    theirs = PurchaseFactory(product_name="Their boat")
    WarrantyFactory(purchase=theirs, provider="Boat maker")
    other_attachment = make_attachment(theirs, PDF)
    client.force_login(staff)
    assert _rows(client, "/admin/purchases/purchase/", b"Our sofa")
    assert not _rows(client, "/admin/purchases/purchase/", b"Their boat")
    assert _rows(client, "/admin/warranties/warranty/", b"Sofa maker")
    assert not _rows(client, "/admin/warranties/warranty/", b"Boat maker")
    assert client.get(f"/admin/purchases/purchase/{theirs.pk}/change/").status_code == 302  # not found: redirected
    own_download = f"/admin/purchases/purchase/{ours.pk}/attachments/{attachment.pk}/download/"
    assert client.get(own_download).status_code == 200
    other_download = f"/admin/purchases/purchase/{theirs.pk}/attachments/{other_attachment.pk}/download/"
    assert client.get(other_download).status_code == 404


def test_a_superuser_sees_every_household(client, staff_member):
    PurchaseFactory(product_name="Their boat")
    PurchaseFactory(owner=staff_member[1], product_name="Our sofa")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert _rows(client, "/admin/purchases/purchase/", b"Their boat")
    assert _rows(client, "/admin/purchases/purchase/", b"Our sofa")


def test_a_staff_member_picks_only_their_household_and_its_members_in_the_add_form(client, staff_member):
    staff, owner = staff_member
    stranger = UserFactory(username="stranger-xyz")
    staff.user_permissions.add(Permission.objects.get(codename="add_purchase"))
    client.force_login(staff)
    page = client.get("/admin/purchases/purchase/add/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert list(form.fields["household"].queryset) == [Household.objects.get(memberships__user=staff)]
    assert set(form.fields["created_by"].queryset) == {staff, owner}
    assert stranger.username.encode() not in page.content
