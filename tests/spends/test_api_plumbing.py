"""The shared API plumbing: error body, 401/404 rules, pagination, trailing slashes, health, docs."""

import json

import pytest
from django.test import override_settings

from purchases.models import Purchase
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"detail", "code"}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert ERROR_KEYS <= set(body) <= ERROR_KEYS | {"errors"}
    assert body["code"] == code
    assert body["detail"]
    return body


@pytest.mark.parametrize("path", ["/api/purchases", "/api/warranties", "/api/retailers", "/api/brands", "/api/auth/me"])
def test_anonymous_request_is_401_in_contract_shape(anon_client, path):
    response = anon_client.get(path)
    assert_error(response, 401, "not_authenticated")
    assert "Token" in response["WWW-Authenticate"]


def test_bad_token_is_401_not_authenticated(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anon_client.get("/api/purchases"), 401, "not_authenticated")


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_path_is_json_404_in_every_mode(owner_client, anon_client, settings, debug):
    settings.DEBUG = debug
    for client in (owner_client, anon_client):
        for method in ("get", "post", "delete"):
            assert_error(getattr(client, method)("/api/no-such-thing/here"), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/purchases/not-a-uuid", "/api/warranties/123", "/api/retailers/abc/"])
def test_path_id_that_is_not_a_uuid_is_404(owner_client, path):
    assert_error(owner_client.get(path), 404, "not_found")


def test_unknown_uuid_is_404(owner_client):
    assert_error(owner_client.get("/api/purchases/00000000-0000-0000-0000-000000000000"), 404, "not_found")


def test_method_not_allowed_is_405_in_contract_shape(owner_client):
    assert_error(owner_client.post("/api/health", {}), 405, "method_not_allowed")


def test_malformed_json_is_400_parse_error(owner_client):
    response = owner_client.post("/api/purchases", data="{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_unsupported_content_type_is_415(owner_client):
    response = owner_client.post("/api/purchases", data="<x/>", content_type="application/xml")
    assert_error(response, 415, "unsupported_media_type")


def test_body_over_the_size_limit_is_413_and_writes_nothing(owner_client, owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"product_name": "x", "price": "1.00", "purchase_date": "2025-01-01", "notes": "n" * 5000}
    response = owner_client.post("/api/purchases", data=json.dumps(body), content_type="application/json")
    assert_error(response, 413, "payload_too_large")
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 0


@pytest.mark.urls("tests.spends.urls_with_failing_view")
@pytest.mark.parametrize("debug", [True, False])
def test_unexpected_error_under_api_is_json_500(client, settings, debug):
    settings.DEBUG = debug
    client.raise_request_exception = False
    body = assert_error(client.get("/api/test-failure"), 500, "server_error")
    assert "boom" not in body["detail"]  # no internals leak to the client


def test_validation_error_lists_fields(owner_client):
    response = owner_client.post("/api/purchases", {"product_name": "", "price": "-1", "purchase_date": "2025-13-01"})
    body = assert_error(response, 400, "validation_error")
    assert set(body["errors"]) == {"product_name", "price", "purchase_date"}
    assert all(isinstance(messages, list) and messages for messages in body["errors"].values())


class TestPagination:
    @pytest.fixture
    def purchases(self, owner):
        return PurchaseFactory.create_batch(3, owner=owner)

    def test_envelope_counts_all_matches(self, owner_client, purchases):
        body = owner_client.get("/api/purchases?limit=2&skip=1").json()
        assert (body["total"], body["skip"], body["limit"], len(body["items"])) == (3, 1, 2, 2)

    def test_defaults(self, owner_client, purchases):
        body = owner_client.get("/api/purchases").json()
        assert (body["skip"], body["limit"], len(body["items"])) == (0, 20, 3)

    def test_limit_over_100_is_clamped(self, owner_client, purchases):
        assert owner_client.get("/api/purchases?limit=500").json()["limit"] == 100

    @pytest.mark.parametrize(
        ("query", "field"),
        [("limit=0", "limit"), ("limit=-1", "limit"), ("limit=abc", "limit"), ("skip=-1", "skip"), ("skip=x", "skip")],
    )
    def test_bad_values_are_400(self, owner_client, purchases, query, field):
        body = assert_error(owner_client.get(f"/api/purchases?{query}"), 400, "validation_error")
        assert field in body["errors"]

    def test_skip_past_the_end_is_an_empty_page(self, owner_client, purchases):
        body = owner_client.get("/api/purchases?skip=50").json()
        assert body["total"] == 3 and body["items"] == []


@pytest.mark.parametrize("path", ["/api/purchases", "/api/purchases/", "/api/health/", "/api/retailers/"])
def test_trailing_slash_answers_without_redirect(owner_client, path):
    assert owner_client.get(path).status_code == 200


def test_post_with_trailing_slash_creates_without_redirect(owner_client, owner):
    response = owner_client.post(
        "/api/purchases/", {"product_name": "Kettle", "price": "20", "purchase_date": "2025-02-01"}
    )
    assert response.status_code == 201
    assert Purchase.objects.filter(household__memberships__user=owner).get().product_name == "Kettle"


def test_health_reports_database_and_version(anon_client, settings):
    body = anon_client.get("/api/health").json()
    assert body == {"status": "ok", "database": "ok", "cache": "ok", "version": settings.VERSION}


def test_schema_and_docs_are_public_and_load_nothing_from_a_cdn(anon_client):
    schema = anon_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/purchases" in schema.json()["paths"]
    for path in ("/api/docs", "/api/redoc"):
        page = anon_client.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        for outside in ("googleapis", "gstatic", "cdn.jsdelivr", "unpkg"):
            assert outside not in html


def test_browsable_api_only_for_signed_in_users(client, owner):
    assert client.get("/api/purchases", HTTP_ACCEPT="text/html").status_code == 401
    client.force_login(owner)
    page = client.get("/api/purchases", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_cors_allows_only_configured_origins(owner_client):
    allowed = owner_client.get("/api/health", HTTP_ORIGIN="https://app.example.com")
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    refused = owner_client.get("/api/health", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in refused
