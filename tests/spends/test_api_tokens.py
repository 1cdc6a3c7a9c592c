"""API tokens stored as hashes: several named tokens per user, listed and revoked (API.md § Browser sessions), the
migration of DRF's plaintext keys, and the admin's view of tokens (issue #18, item 1)."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from spends.models import ApiToken
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _issue(client, username="owner", **extra):
    response = client.post("/api/auth/token", {"username": username, "password": PASSWORD, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_each_sign_in_issues_a_new_named_token_and_every_one_works(anon_client, owner):
    laptop = _issue(anon_client, name="  laptop  ")
    script = _issue(anon_client)
    assert laptop != script
    assert _with_key(laptop).get("/api/purchases").status_code == 200
    assert _with_key(script).get("/api/purchases").status_code == 200
    stored = {token.name: token.digest for token in ApiToken.objects.filter(user=owner)}
    assert stored == {
        "laptop": hashlib.sha256(laptop.encode()).hexdigest(),
        "": hashlib.sha256(script.encode()).hexdigest(),
    }


def test_the_list_is_the_callers_tokens_paginated_without_keys(anon_client, owner, other_user):
    first = _issue(anon_client, name="first")
    _issue(anon_client, name="second")
    _issue(anon_client, "other", name="not yours")
    client = _with_key(first)
    body = client.get("/api/auth/tokens").json()
    assert body["total"] == 2 and body["skip"] == 0 and body["limit"] == 20
    assert [item["name"] for item in body["items"]] == ["second", "first"]  # newest first
    assert set(body["items"][0]) == {"id", "name", "created_at", "last_used_at"}
    assert body["items"][0]["last_used_at"] is None and body["items"][1]["last_used_at"].endswith("Z")
    assert first not in str(body) and hashlib.sha256(first.encode()).hexdigest() not in str(body)
    assert client.get("/api/auth/tokens?limit=1&skip=1").json()["items"][0]["name"] == "first"
    assert client.get("/api/auth/tokens?limit=0").status_code == 400


def test_the_session_lists_tokens_too(owner, client):
    client.force_login(owner)
    _issue(APIClient(), name="cli")
    assert [item["name"] for item in client.get("/api/auth/tokens/").json()["items"]] == ["cli"]


def test_revoking_a_token_stops_it_at_once_and_leaves_the_others(anon_client, owner, settings):
    settings.AUTH_TOKEN_CACHE_SECONDS = 60  # cached lookups must not outlive the revocation
    keep, drop = _issue(anon_client, name="keep"), _issue(anon_client, name="drop")
    client = _with_key(keep)
    assert _with_key(drop).get("/api/auth/me").status_code == 200  # now cached
    drop_id = ApiToken.objects.get(name="drop").pk
    assert client.delete(f"/api/auth/tokens/{drop_id}").status_code == 204
    assert _with_key(drop).get("/api/auth/me").status_code == 401
    assert _with_key(drop).get("/api/auth/me").json()["code"] == "not_authenticated"
    assert [item["name"] for item in client.get("/api/auth/tokens").json()["items"]] == ["keep"]
    assert client.delete(f"/api/auth/tokens/{drop_id}").status_code == 404  # already gone


def test_another_users_token_cannot_be_revoked(anon_client, owner, other_user):
    mine, theirs = _issue(anon_client), _issue(anon_client, "other")
    their_id = ApiToken.objects.get(user=other_user).pk
    response = _with_key(mine).delete(f"/api/auth/tokens/{their_id}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert _with_key(theirs).get("/api/purchases").status_code == 200
    assert _with_key(mine).delete("/api/auth/tokens/not-a-uuid").status_code == 404


def test_token_management_needs_authentication(anon_client, owner):
    token_id = ApiToken.objects.create(user=owner, digest="0" * 64).pk
    for response in (anon_client.get("/api/auth/tokens"), anon_client.delete(f"/api/auth/tokens/{token_id}")):
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert ApiToken.objects.filter(pk=token_id).exists()


def test_a_name_longer_than_100_characters_is_400_and_issues_nothing(anon_client, owner):
    response = anon_client.post(
        "/api/auth/token", {"username": "owner", "password": PASSWORD, "name": "x" * 101}, format="json"
    )
    assert response.status_code == 400 and "name" in response.json()["errors"]
    assert not ApiToken.objects.exists()


def test_no_key_is_stored_in_clear_anywhere_a_backup_would_read(anon_client, owner):
    key = _issue(anon_client, name="backup check")
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert key not in dump.getvalue()
    assert hashlib.sha256(key.encode()).hexdigest() in dump.getvalue()  # the dump does hold the tokens, hashed


# --- the migration of DRF's authtoken keys ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_existing_drf_keys_so_clients_keep_working():
    executor = MigrationExecutor(connection)
    before = [("spends", "0001_api_token"), ("authtoken", "0004_alter_tokenproxy_options")]
    executor.migrate(before)
    user = UserFactory(username="old-client")
    old_key = "a" * 8 + "0123456789abcdef0123456789abcdef"
    with connection.cursor() as cursor:  # a row as DRF's Token model wrote it (the model is not ours to use)
        cursor.execute(
            "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, %s)",
            [old_key, user.pk, "2025-06-01 10:00:00"],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0  # the clear keys are gone
    token = ApiToken.objects.get(user=user)
    assert token.digest == hashlib.sha256(old_key.encode()).hexdigest()
    assert token.created_at.isoformat().startswith("2025-06-01T10:00:00")
    me = _with_key(old_key).get("/api/auth/me")
    assert me.status_code == 200 and me.json()["username"] == "old-client"


# --- the admin -------------------------------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_superusers_see_tokens_in_the_admin_without_keys(superuser_client, anon_client, owner):
    key = _issue(anon_client, name="phone")
    page = superuser_client.get("/admin/spends/apitoken/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "phone" in text and "owner" in text
    assert key not in text and hashlib.sha256(key.encode()).hexdigest() not in text
    detail = superuser_client.get(f"/admin/spends/apitoken/{ApiToken.objects.get().pk}/change/")
    assert detail.status_code == 200 and key not in detail.content.decode()
    assert superuser_client.get("/admin/authtoken/tokenproxy/").status_code == 404  # DRF's plaintext-key admin is gone


def test_revoking_in_the_admin_stops_the_token(superuser_client, anon_client, owner):
    key = _issue(anon_client, name="phone")
    token = ApiToken.objects.get()
    response = superuser_client.post(
        "/admin/spends/apitoken/", {"action": "delete_selected", "_selected_action": [str(token.pk)], "post": "yes"}
    )
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert _with_key(key).get("/api/purchases").status_code == 401


def test_staff_who_are_not_superusers_do_not_see_tokens(client, anon_client, owner):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="apitoken"))
    client.force_login(staff)
    _issue(anon_client)
    assert client.get("/admin/spends/apitoken/").status_code == 403
    assert b"apitoken" not in client.get("/admin/").content


def test_a_signed_in_user_creates_a_named_token_shown_once(owner, client):
    """POST /api/auth/tokens (the web app's Settings screen): no password needed, the key is in this answer only."""
    client.force_login(owner)
    response = client.post("/api/auth/tokens", {"name": "  backup script "}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "created_at", "last_used_at", "token"}
    assert body["name"] == "backup script" and body["last_used_at"] is None
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.user == owner and stored.digest == hashlib.sha256(body["token"].encode()).hexdigest()
    assert _with_key(body["token"]).get("/api/purchases").status_code == 200
    assert body["token"] not in client.get("/api/auth/tokens").content.decode()
    too_long = client.post("/api/auth/tokens", {"name": "x" * 101}, content_type="application/json")
    assert too_long.status_code == 400 and "name" in too_long.json()["errors"]
    assert ApiToken.objects.filter(user=owner).count() == 1
    assert APIClient().post("/api/auth/tokens", {}, format="json").status_code == 401
