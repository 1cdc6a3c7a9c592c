"""Token and session authentication (API.md § Authentication, § Browser sessions)."""

import hashlib

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from purchases.models import Purchase
from tests.factories import PASSWORD, PurchaseFactory

pytestmark = pytest.mark.django_db


def test_token_for_valid_credentials(anon_client, owner):
    response = anon_client.post("/api/auth/token", {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    assert list(response.json()) == ["token"] and len(key) >= 40
    # Only the SHA-256 of the key is stored.
    assert list(owner.api_tokens.values_list("digest", flat=True)) == [hashlib.sha256(key.encode()).hexdigest()]


def test_token_opens_the_api(anon_client, owner):
    key = anon_client.post("/api/auth/token", {"username": "owner", "password": PASSWORD}, format="json").json()[
        "token"
    ]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anon_client.get("/api/purchases").status_code == 200


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/auth/login"])
def test_wrong_credentials_are_400(anon_client, owner, path):
    response = anon_client.post(path, {"username": "owner", "password": "wrong"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "non_field_errors" in body["errors"]


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/auth/login"])
def test_missing_fields_are_400_on_the_field(anon_client, path):
    body = anon_client.post(path, {"username": "owner"}, format="json").json()
    assert body["errors"] == {"password": ["This field is required."]}


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/auth/login"])
def test_credentials_endpoints_accept_json_only(anon_client, owner, path):
    # A cross-site HTML form cannot send JSON, so these endpoints cannot be driven by a forged form.
    response = anon_client.post(path, {"username": "owner", "password": PASSWORD}, format="multipart")
    assert response.status_code == 415


def test_login_me_logout_with_a_session(owner):
    client = APIClient(enforce_csrf_checks=True)
    assert client.get("/api/auth/me").status_code == 401
    response = client.post("/api/auth/login", {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "id": owner.id,
        "username": "owner",
        "is_staff": False,
        "is_superuser": False,
        "email": owner.email,
        "home_currency": settings.DEFAULT_CURRENCY,
    }
    assert "sessionid" in response.cookies

    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["username"] == "owner"
    csrf = client.cookies["csrftoken"].value

    # Unsafe methods on a session need the CSRF header, as everywhere in Django.
    assert client.post("/api/auth/logout").status_code == 403
    assert client.post("/api/auth/logout", HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert client.get("/api/auth/me").status_code == 401


def test_session_write_without_csrf_is_refused_and_writes_nothing(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.post("/api/auth/login", {"username": "owner", "password": PASSWORD}, format="json")
    body = {"product_name": "Kettle", "price": "20.00", "purchase_date": "2025-02-01"}
    response = client.post("/api/purchases", body, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 0
    client.get("/api/auth/me")
    ok = client.post("/api/purchases", body, format="json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert ok.status_code == 201


def test_token_request_with_a_session_cookie_is_not_refused_for_csrf(owner, owner_client):
    owner_client.force_login(owner)  # a stale session cookie next to a valid token
    response = owner_client.post("/api/purchases", {"product_name": "x", "price": "1", "purchase_date": "2025-01-01"})
    assert response.status_code == 201


def test_login_is_throttled(anon_client, owner, settings):
    codes = [
        anon_client.post("/api/auth/login", {"username": "owner", "password": "wrong"}, format="json").status_code
        for _ in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429
    response = anon_client.post("/api/auth/token", {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_inactive_user_cannot_sign_in(anon_client, owner):
    owner.is_active = False
    owner.save()
    response = anon_client.post("/api/auth/token", {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_owner_scoping_hides_other_users_records(owner_client, other_user):
    theirs = PurchaseFactory(owner=other_user)
    assert owner_client.get("/api/purchases").json()["total"] == 0
    assert owner_client.get(f"/api/purchases/{theirs.id}").status_code == 404
    assert owner_client.delete(f"/api/purchases/{theirs.id}").status_code == 404
    assert Purchase.objects.filter(household__memberships__user=other_user).filter(id=theirs.id).exists()
