"""API.md § Version 2 → Households: changing roles, removing members and leaving; the last owner stays (409)."""

import pytest

from households.choices import Role
from households.models import Household, Membership
from tests.assertions import assert_error
from tests.households.conftest import household_of

pytestmark = pytest.mark.django_db


def _url(user) -> str:
    return f"/api/household/members/{user if isinstance(user, int) else user.pk}"


def _roles(household) -> dict[str, str]:
    return dict(household.memberships.values_list("user__username", "role"))


def test_owner_changes_a_members_role(home):
    response = home.owner_client.patch(_url(home.viewer), {"role": "EDITOR"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["user_id"], body["username"], body["role"]) == (home.viewer.pk, "vera", "EDITOR")
    assert _roles(home.household) == {"olivia": "OWNER", "edward": "EDITOR", "vera": "EDITOR"}


def test_an_owner_may_hand_over_and_step_down(home):
    assert home.owner_client.patch(_url(home.editor), {"role": "OWNER"}, format="json").status_code == 200
    assert home.owner_client.patch(_url(home.owner), {"role": "VIEWER"}, format="json").status_code == 200
    assert _roles(home.household) == {"olivia": "VIEWER", "edward": "OWNER", "vera": "VIEWER"}
    assert home.owner_client.get("/api/household").json()["my_role"] == "VIEWER"


@pytest.mark.parametrize("role", ["EDITOR", "VIEWER"])
def test_demoting_the_last_owner_is_409(home, role):
    response = home.owner_client.patch(_url(home.owner), {"role": role}, format="json")
    body = assert_error(response, 409, "conflict")
    assert "at least one owner" in body["detail"]
    assert _roles(home.household)["olivia"] == "OWNER"


@pytest.mark.parametrize("body", [{}, {"role": "ADMIN"}, {"role": ""}, {"role": 3}, {"role": None}])
def test_bad_role_is_400_on_role(home, body):
    response = home.owner_client.patch(_url(home.viewer), body, format="json")
    assert_error(response, 400, "validation_error", {"role"})
    assert _roles(home.household)["vera"] == "VIEWER"


def test_editor_and_viewer_cannot_change_roles(home):
    for client in (home.editor_client, home.viewer_client):
        response = client.patch(_url(home.editor), {"role": "OWNER"}, format="json")
        assert_error(response, 403, "permission_denied")
    assert _roles(home.household)["edward"] == "EDITOR"


def test_unknown_or_foreign_user_is_404(home):
    for user_id in (home.stranger.pk, 2_000_000_000, 999_999_999_999_999_999):
        assert_error(home.owner_client.patch(_url(user_id), {"role": "VIEWER"}, format="json"), 404, "not_found")
        assert_error(home.owner_client.delete(_url(user_id)), 404, "not_found")
    for path in ("/api/household/members/abc", "/api/household/members/-1", "/api/household/members/1.5"):
        assert_error(home.owner_client.delete(path), 404, "not_found")
    assert Membership.objects.get(user=home.stranger).role == Role.OWNER


def test_owner_removes_a_member_who_gets_a_personal_household(home):
    assert home.owner_client.delete(_url(home.editor)).status_code == 204
    membership = Membership.objects.select_related("household").get(user=home.editor)
    assert membership.household_id != home.household.pk
    assert (membership.role, membership.household.name) == (Role.OWNER, "edward's household")
    assert list(membership.household.memberships.values_list("user", flat=True)) == [home.editor.pk]
    assert _roles(home.household) == {"olivia": "OWNER", "vera": "VIEWER"}


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_a_member_leaves_and_the_household_stays_with_the_others(home, who):
    user, client = getattr(home, who), getattr(home, f"{who}_client")
    assert client.delete(f"{_url(user)}/").status_code == 204
    new = household_of(user)
    assert new.pk != home.household.pk and Membership.objects.get(user=user).role == Role.OWNER
    assert client.get("/api/household").json()["members"] == [
        {
            "user_id": user.pk,
            "username": user.username,
            "role": "OWNER",
            "joined_at": client.get("/api/household").json()["members"][0]["joined_at"],
        }
    ]
    assert Household.objects.filter(pk=home.household.pk).exists()
    assert user.username not in _roles(home.household) and len(_roles(home.household)) == 2


def test_editor_and_viewer_cannot_remove_someone_else(home):
    for client, target in ((home.editor_client, home.viewer), (home.viewer_client, home.owner)):
        assert_error(client.delete(_url(target)), 403, "permission_denied")
    assert len(_roles(home.household)) == 3


def test_removing_the_last_owner_is_409_even_when_they_leave(home):
    assert_error(home.owner_client.delete(_url(home.owner)), 409, "conflict")
    assert _roles(home.household)["olivia"] == "OWNER"
    alone = home.stranger_client
    assert_error(alone.delete(_url(home.stranger)), 409, "conflict")
    assert Membership.objects.get(user=home.stranger).role == Role.OWNER


def test_one_of_two_owners_may_leave(home):
    home.owner_client.patch(_url(home.editor), {"role": "OWNER"}, format="json")
    assert home.owner_client.delete(_url(home.owner)).status_code == 204
    assert _roles(home.household) == {"edward": "OWNER", "vera": "VIEWER"}
    assert household_of(home.owner).pk != home.household.pk
