"""Regression tests for the contract review: hostile JSON, CSRF before 404, strict ISO dates."""

import json

import pytest
from rest_framework.test import APIClient

from tests.assertions import assert_error

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/purchases", "/api/warranties", "/api/import/json"])
def test_deeply_nested_json_is_a_400_not_a_500(owner_client, path):
    response = owner_client.post(path, data=DEEP, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"parse_error", "validation_error"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/does-not-exist", "/api/purchases/not-a-uuid"])
def test_unknown_paths_are_404_for_unsafe_methods_even_with_csrf_checks(owner, method, path):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    assert_error(getattr(client, method)(path, data=json.dumps({}), content_type="application/json"), 404, "not_found")
    assert_error(getattr(APIClient(enforce_csrf_checks=True), method)(path), 404, "not_found")


@pytest.mark.parametrize("value", ["01/02/2025", "2025/01/02", "2 Jan 2025"])
def test_date_filters_take_iso_dates_only(owner_client, value):
    assert_error(owner_client.get("/api/purchases", {"date_from": value}), 400, "validation_error", ["date_from"])


@pytest.mark.parametrize("value", ["５", "1_0", "+5", " 5x"])
def test_pagination_takes_ascii_integers_only(owner_client, value):
    assert_error(owner_client.get("/api/purchases", {"limit": value}), 400, "validation_error", ["limit"])
