"""One log line per request, with request id, user id, method, path, status and duration."""

import logging
import re

import pytest

pytestmark = pytest.mark.django_db


def test_each_request_is_logged_once_with_id_user_and_status(owner_client, owner, caplog):
    with caplog.at_level(logging.INFO, logger="spends.requests"):
        response = owner_client.get("/api/purchases", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    lines = [r for r in caplog.records if r.name == "spends.requests"]
    assert len(lines) == 1
    message = lines[0].getMessage()
    assert re.fullmatch(rf"GET /api/purchases 200 user={owner.pk} \d+\.\dms", message), message
    assert lines[0].request_id == "abc-123"


def test_unsafe_incoming_request_id_is_replaced(anon_client):
    response = anon_client.get("/api/health", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_anonymous_request_is_logged_without_user(anon_client, caplog):
    with caplog.at_level(logging.INFO, logger="spends.requests"):
        anon_client.get("/api/purchases")
    (record,) = [r for r in caplog.records if r.name == "spends.requests"]
    assert " 401 user=- " in record.getMessage()
