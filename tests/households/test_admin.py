"""Households in the admin: superusers see and edit them; invite codes never appear; other staff see nothing."""

import pytest
from django.contrib.auth.models import Permission

from households.choices import Role
from households.models import Invite, Membership
from tests.factories import UserFactory
from tests.households.conftest import household_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _invite(home) -> tuple[Invite, str]:
    from households import services

    return services.invite_create(household_id=home.household.pk, role=Role.VIEWER, created_by=home.owner)


def test_superuser_sees_households_memberships_and_invites_without_codes(superuser_client, home):
    invite, code = _invite(home)
    assert superuser_client.get("/admin/").content.count(b"/admin/households/") >= 2
    page = superuser_client.get("/admin/households/household/?q=edward")
    assert page.status_code == 200 and b"olivia&#x27;s household" in page.content
    change = superuser_client.get(f"/admin/households/household/{home.household.pk}/change/")
    assert change.status_code == 200 and b"memberships-2-role" in change.content
    listing = superuser_client.get("/admin/households/invite/")
    assert listing.status_code == 200 and invite.prefix.encode() in listing.content
    detail = superuser_client.get(f"/admin/households/invite/{invite.pk}/change/")
    for page in (listing, detail):
        assert code.encode() not in page.content and invite.code_hash.encode() not in page.content
    assert superuser_client.get("/admin/households/invite/add/").status_code == 403


def test_superuser_edits_roles_inline_but_keeps_an_owner(superuser_client, home):
    memberships = list(home.household.memberships.order_by("joined_at", "id"))
    form = {
        "name": "Renamed",
        "memberships-TOTAL_FORMS": "3",
        "memberships-INITIAL_FORMS": "3",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, membership in enumerate(memberships):
        form.update(
            {
                f"memberships-{i}-id": str(membership.pk),
                f"memberships-{i}-household": str(home.household.pk),
                f"memberships-{i}-user": str(membership.user_id),
                f"memberships-{i}-role": "VIEWER",
                f"memberships-{i}-joined_at_0": membership.joined_at.strftime("%Y-%m-%d"),
                f"memberships-{i}-joined_at_1": membership.joined_at.strftime("%H:%M:%S"),
            }
        )
    url = f"/admin/households/household/{home.household.pk}/change/"
    refused = superuser_client.post(url, form)
    assert refused.status_code == 200 and b"keeps at least one owner" in refused.content
    assert Membership.objects.get(user=home.owner).role == Role.OWNER
    form["memberships-1-role"] = "OWNER"
    assert superuser_client.post(url, form).status_code == 302
    assert Membership.objects.get(user=home.editor).role == Role.OWNER
    assert household_of(home.owner).name == "Renamed"


def test_staff_who_are_not_superusers_do_not_see_households(client, home):
    staff = UserFactory(username="staffer", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="households"))
    _invite(home)
    client.force_login(staff)
    assert b"/admin/households/" not in client.get("/admin/").content
    for url in ("/admin/households/household/", "/admin/households/invite/", "/admin/households/"):
        assert client.get(url).status_code in (403, 404), url
