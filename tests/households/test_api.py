"""API.md § Version 2 → Households: the household, invites and joining, with the database checked afterwards."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from households import registry
from households.choices import Role
from households.models import Household, Invite, Membership
from tests.assertions import assert_error
from tests.conftest import token_client
from tests.factories import UserFactory
from tests.households.conftest import household_of, move_into

pytestmark = pytest.mark.django_db

QUERIES_PER_HOUSEHOLD = 4  # token, scope, household, its members with their users


def _invite(client, role="EDITOR") -> dict:
    response = client.post("/api/household/invites", {"role": role}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _household_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (path, method)
        for path, item in schema["paths"].items()
        if path.startswith("/api/household")
        for method in item
        if method in ("get", "post", "patch", "delete")
    )


HOUSEHOLD_OPERATIONS = _household_operations()
# Who may call what (anything else of the members' roles is 403): generated from the schema, so a new household
# endpoint fails here until it is classified.
EVERY_MEMBER = {("/api/household", "get"), ("/api/household/join", "post")}
SELF_OR_OWNER = {("/api/household/members/{user_id}", "delete")}


def test_every_household_operation_is_classified():
    assert HOUSEHOLD_OPERATIONS == [
        ("/api/household", "get"),
        ("/api/household", "patch"),
        ("/api/household/invites", "get"),
        ("/api/household/invites", "post"),
        ("/api/household/invites/{code}", "delete"),
        ("/api/household/join", "post"),
        ("/api/household/members/{user_id}", "delete"),
        ("/api/household/members/{user_id}", "patch"),
    ]


@pytest.mark.parametrize(("path", "method"), HOUSEHOLD_OPERATIONS)
def test_role_matrix(home, path, method):
    url = path.replace("{code}", "deadbeef").replace("{user_id}", str(home.owner.pk))
    for role, client in (("editor", home.editor_client), ("viewer", home.viewer_client)):
        response = getattr(client, method)(url, {}, format="json")
        if (path, method) in EVERY_MEMBER:
            assert response.status_code in (200, 400), (role, response.content)
        else:
            assert_error(response, 403, "permission_denied")
    anonymous = getattr(APIClient(), method)(url, {}, format="json")
    assert_error(anonymous, 401, "not_authenticated")
    assert Membership.objects.get(user=home.owner).role == Role.OWNER  # nothing the others sent changed anything


# --- GET/PATCH /api/household -------------------------------------------------------------------------------------
def test_get_household_lists_members_in_joining_order(home):
    response = home.editor_client.get("/api/household")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(home.household.pk)
    assert body["name"] == "olivia's household"
    assert body["my_role"] == "EDITOR"
    assert [(m["user_id"], m["username"], m["role"]) for m in body["members"]] == [
        (home.owner.pk, "olivia", "OWNER"),
        (home.editor.pk, "edward", "EDITOR"),
        (home.viewer.pk, "vera", "VIEWER"),
    ]
    assert all(m["joined_at"].endswith("Z") for m in body["members"])
    assert home.stranger_client.get("/api/household/").json()["members"][0]["username"] == "stan"


def test_get_household_runs_the_same_queries_for_1_and_6_members(django_assert_num_queries):
    owner = UserFactory()
    client = token_client(owner)
    with django_assert_num_queries(QUERIES_PER_HOUSEHOLD):
        assert len(client.get("/api/household").json()["members"]) == 1
    for _ in range(5):
        move_into(UserFactory(), household_of(owner).pk, Role.VIEWER)
    with django_assert_num_queries(QUERIES_PER_HOUSEHOLD):
        assert len(client.get("/api/household").json()["members"]) == 6


def test_owner_renames_the_household_trimmed(home):
    response = home.owner_client.patch("/api/household", {"name": "  The Flat  "}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "The Flat"
    assert Household.objects.get(pk=home.household.pk).name == "The Flat"


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, None, ["a"], {"a": 1}])
def test_bad_name_is_400_on_name_and_nothing_changes(home, name):
    response = home.owner_client.patch("/api/household", {"name": name}, format="json")
    assert_error(response, 400, "validation_error", {"name"})
    assert Household.objects.get(pk=home.household.pk).name == "olivia's household"


def test_editor_and_viewer_cannot_rename(home):
    for client in (home.editor_client, home.viewer_client):
        assert_error(client.patch("/api/household", {"name": "Mine"}, format="json"), 403, "permission_denied")
    assert Household.objects.get(pk=home.household.pk).name == "olivia's household"


def test_bad_json_is_400_parse_error(home):
    for path in ("/api/household", "/api/household/invites", "/api/household/join"):
        method = home.owner_client.patch if path == "/api/household" else home.owner_client.post
        response = method(path, data="{not json", content_type="application/json")
        assert_error(response, 400, "parse_error")


# --- invites --------------------------------------------------------------------------------------------------------
def test_invite_code_is_shown_once_and_stored_only_as_a_hash(home, settings):
    settings.HOUSEHOLD_INVITE_DAYS = 7
    before = timezone.now()
    body = _invite(home.owner_client, "VIEWER")
    assert set(body) == {"code", "role", "expires_at"}
    assert body["role"] == "VIEWER"
    prefix, _, secret = body["code"].partition(".")
    assert len(prefix) == 8 and len(secret) >= 32
    invite = Invite.objects.get(household=home.household)
    assert invite.prefix == prefix
    assert invite.code_hash == hashlib.sha256(body["code"].encode()).hexdigest()
    assert body["code"] not in {invite.prefix, invite.code_hash}
    assert invite.created_by == home.owner and invite.used_at is None
    expires = datetime.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert datetime.timedelta(days=7) - datetime.timedelta(seconds=2) < expires - before <= datetime.timedelta(days=7)
    assert _invite(home.owner_client)["code"] != body["code"]


def test_invite_lifetime_follows_the_setting(home, settings):
    settings.HOUSEHOLD_INVITE_DAYS = 2
    _invite(home.owner_client)
    invite = Invite.objects.get()
    assert invite.expires_at - invite.created_at < datetime.timedelta(days=2, seconds=2)


@pytest.mark.parametrize("body", [{}, {"role": "ADMIN"}, {"role": "owner"}, {"role": 1}, {"role": None}, ["EDITOR"]])
def test_bad_invite_role_is_400_on_role(home, body):
    response = home.owner_client.post("/api/household/invites", body, format="json")
    assert_error(response, 400, "validation_error", {"non_field_errors"} if isinstance(body, list) else {"role"})
    assert not Invite.objects.exists()


def test_invite_list_shows_pending_codes_masked(home):
    editor_code = _invite(home.owner_client, "EDITOR")["code"]
    used, expired = _invite(home.owner_client)["code"], _invite(home.owner_client)["code"]
    _invite(home.stranger_client)  # another household's
    Invite.objects.filter(prefix=used[:8]).update(used_at=timezone.now())
    Invite.objects.filter(prefix=expired[:8]).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = home.owner_client.get("/api/household/invites")
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["skip"], body["limit"]) == (1, 0, 20)
    [item] = body["items"]
    assert item["code"] == f"{editor_code[:8]}…" and item["prefix"] == editor_code[:8]
    assert item["role"] == "EDITOR" and set(item) == {"code", "prefix", "role", "expires_at", "created_at"}
    assert editor_code not in response.content.decode()


@pytest.mark.parametrize("form", ["full", "prefix", "masked"])
def test_owner_revokes_an_invite_by_code_or_prefix(home, form):
    code = _invite(home.owner_client)["code"]
    keep = _invite(home.owner_client)["code"]
    name = {"full": code, "prefix": code[:8], "masked": f"{code[:8]}…"}[form]
    assert home.owner_client.delete(f"/api/household/invites/{name}").status_code == 204
    assert list(Invite.objects.values_list("prefix", flat=True)) == [keep[:8]]
    assert_error(home.owner_client.delete(f"/api/household/invites/{name}"), 404, "not_found")


def test_revoking_an_unknown_or_foreign_invite_is_404(home):
    foreign = _invite(home.stranger_client)["code"]
    for name in ("deadbeef", foreign, foreign[:8], "x" * 200, "%20", "abcdefg%00", "%00" * 8, "%E2%80%A6"):
        assert_error(home.owner_client.delete(f"/api/household/invites/{name}"), 404, "not_found")
    assert Invite.objects.count() == 1


def test_a_revoked_code_cannot_be_used(home):
    code = _invite(home.owner_client)["code"]
    home.owner_client.delete(f"/api/household/invites/{code[:8]}")
    response = home.stranger_client.post("/api/household/join", {"code": code}, format="json")
    assert_error(response, 400, "validation_error", {"code"})


# --- joining ------------------------------------------------------------------------------------------------------
def test_invite_then_join_makes_the_joiner_a_member_in_the_invited_role(home):
    code = _invite(home.owner_client, "VIEWER")["code"]
    old_household = household_of(home.stranger)
    response = home.stranger_client.post("/api/household/join", {"code": code}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(home.household.pk) and body["my_role"] == "VIEWER" and body["moved"] == {}
    assert [m["username"] for m in body["members"]] == ["olivia", "edward", "vera", "stan"]
    membership = Membership.objects.get(user=home.stranger)
    assert (membership.household_id, membership.role) == (home.household.pk, Role.VIEWER)
    invite = Invite.objects.get()
    assert invite.used_by == home.stranger and invite.used_at is not None
    assert not Household.objects.filter(pk=old_household.pk).exists()  # no member and no record left
    assert home.stranger_client.get("/api/household").json()["id"] == str(home.household.pk)
    assert home.owner_client.get("/api/household/invites").json()["total"] == 0


def test_a_code_works_once(home):
    code = _invite(home.owner_client)["code"]
    assert home.stranger_client.post("/api/household/join", {"code": code}, format="json").status_code == 200
    late = UserFactory(username="late")
    late_household = household_of(late)
    response = token_client(late).post("/api/household/join", {"code": code}, format="json")
    body = assert_error(response, 400, "validation_error", {"code"})
    assert body["errors"]["code"] == [
        "This invite code has already been used. Ask the household's owner for a new one."
    ]
    membership = Membership.objects.get(user=late)
    assert (membership.household_id, membership.role) == (late_household.pk, Role.OWNER)
    assert Invite.objects.get().used_by == home.stranger


def test_an_expired_code_is_400(home):
    code = _invite(home.owner_client)["code"]
    Invite.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    stranger_household = household_of(home.stranger)
    response = home.stranger_client.post("/api/household/join", {"code": code}, format="json")
    body = assert_error(response, 400, "validation_error", {"code"})
    assert "expired" in body["errors"]["code"][0]
    assert Membership.objects.get(user=home.stranger).household_id == stranger_household.pk
    assert Invite.objects.get().used_at is None


@pytest.mark.parametrize(
    "code", ["nonsense", "deadbeef.not-a-real-code", "", "   ", 12, None, ["x"], "a\x00b", "x" * 201]
)
def test_an_unknown_or_malformed_code_is_400_on_code(home, code):
    _invite(home.owner_client)
    response = home.stranger_client.post("/api/household/join", {"code": code}, format="json")
    assert_error(response, 400, "validation_error", {"code"})
    assert Membership.objects.get(user=home.stranger).household_id != home.household.pk


def test_joining_your_own_household_is_400_and_keeps_the_code(home):
    code = _invite(home.owner_client)["code"]
    response = home.editor_client.post("/api/household/join", {"code": code}, format="json")
    body = assert_error(response, 400, "validation_error", {"code"})
    assert body["errors"]["code"] == ["You are already a member of this household."]
    assert Membership.objects.get(user=home.editor).role == Role.EDITOR
    assert Invite.objects.get().used_at is None


@pytest.mark.parametrize("bring_data", ["maybe", [], {"a": 1}])
def test_bad_bring_data_is_400(home, bring_data):
    code = _invite(home.owner_client)["code"]
    response = home.stranger_client.post("/api/household/join", {"code": code, "bring_data": bring_data}, format="json")
    assert_error(response, 400, "validation_error", {"bring_data"})
    assert Invite.objects.get().used_at is None


def test_a_member_leaving_by_joining_elsewhere_keeps_the_old_household(home):
    code = _invite(home.stranger_client, "OWNER")["code"]
    response = home.editor_client.post("/api/household/join", {"code": code}, format="json")
    assert response.status_code == 200 and response.json()["my_role"] == "OWNER"
    assert list(home.household.memberships.values_list("user__username", flat=True)) == ["olivia", "vera"]


def test_the_last_owner_cannot_join_elsewhere_while_others_stay(home):
    code = _invite(home.stranger_client)["code"]
    response = home.owner_client.post("/api/household/join", {"code": code}, format="json")
    assert_error(response, 409, "conflict")
    assert Membership.objects.get(user=home.owner).household_id == home.household.pk
    assert Invite.objects.get().used_at is None


class Mover:
    """A record mover registered by a test: records its calls and answers fixed counts."""

    def __init__(self, counts=None, error=None):
        self.calls, self.counts, self.error = [], counts or {}, error

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        if self.error:
            raise self.error
        return self.counts


@pytest.mark.parametrize("bring_data", [True, False])
def test_join_calls_the_registered_movers_only_with_bring_data(home, bring_data):
    code = _invite(home.owner_client)["code"]
    old = household_of(home.stranger)
    mover = Mover({"purchases": 3, "duplicates": ["Kettle"]})
    with registry.registered("test", mover=mover):
        response = home.stranger_client.post(
            "/api/household/join", {"code": code, "bring_data": bring_data}, format="json"
        )
    assert response.status_code == 200
    if bring_data:
        expected = {"from_household_id": old.pk, "to_household_id": home.household.pk, "user_id": home.stranger.pk}
        assert mover.calls == [{**expected, "move_all": True}]  # the last member takes everything
        # merged with the real purchases mover's answer (the stranger had no records)
        assert response.json()["moved"] == {"purchases": 3, "warranties": 0, "attachments": 0, "duplicates": ["Kettle"]}
    else:
        assert mover.calls == [] and response.json()["moved"] == {}


def test_a_member_who_is_not_the_last_moves_only_their_own_records(home):
    code = _invite(home.stranger_client)["code"]
    mover = Mover({"purchases": 1})
    with registry.registered("test", mover=mover):
        response = home.viewer_client.post("/api/household/join", {"code": code, "bring_data": True}, format="json")
    assert response.status_code == 200
    assert [call["move_all"] for call in mover.calls] == [False]
    assert mover.calls[0]["user_id"] == home.viewer.pk and mover.calls[0]["from_household_id"] == home.household.pk
    assert Household.objects.filter(pk=home.household.pk).exists()


def test_an_old_household_still_holding_records_is_kept(home):
    code = _invite(home.owner_client)["code"]
    old = household_of(home.stranger)
    with registry.registered("test", counter=lambda household_id: 2 if household_id == old.pk else 0):
        assert home.stranger_client.post("/api/household/join", {"code": code}, format="json").status_code == 200
    assert Household.objects.filter(pk=old.pk).exists()
    assert not old.memberships.exists()


def test_a_refused_move_rolls_the_whole_join_back(home):
    code = _invite(home.owner_client)["code"]
    old = household_of(home.stranger)
    mover = Mover(error=ValidationError({"code": ["Your records could not be moved."]}))
    with registry.registered("test", mover=mover):
        response = home.stranger_client.post("/api/household/join", {"code": code, "bring_data": True}, format="json")
    assert_error(response, 400, "validation_error", {"code"})
    assert Membership.objects.get(user=home.stranger).household_id == old.pk
    assert Household.objects.filter(pk=old.pk).exists()
    assert Invite.objects.get().used_at is None
