"""The access matrix, generated from the OpenAPI schema: every operation the API publishes is called by every kind
of caller, and each answers 401/403 exactly where its access level says.

Adding an endpoint without classifying it here fails `test_every_operation_is_classified`, so a new endpoint cannot
ship without being put through the matrix. Levels (API.md § Authentication and ownership, § Backups):
- PUBLIC: no sign-in needed;
- USER: any signed-in user (records are scoped to the caller: another user's id is a 404, tested per app);
- STAFF_WRITE: any signed-in user reads; only staff change (the shared catalog);
- SUPERUSER: superusers only, staff included in the 403s (backups: an archive holds every user's data).
"""

import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.conftest import token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PUBLIC, USER, STAFF_WRITE, SUPERUSER = "public", "user", "staff_write", "superuser"

ACCESS = {
    "/api/health": PUBLIC,
    "/api/auth/token": PUBLIC,
    "/api/auth/login": PUBLIC,
    # The calendar feed is authorised by the secret token in its query string, not by a sign-in.
    "/api/reminders/calendar.ics": PUBLIC,
    "/api/auth/logout": USER,
    "/api/auth/me": USER,
    "/api/auth/tokens": USER,
    "/api/auth/tokens/{id}": USER,
    "/api/retailers": USER,
    "/api/retailers/{id}": STAFF_WRITE,
    "/api/brands": USER,
    "/api/brands/{id}": STAFF_WRITE,
    "/api/rates": USER,  # reference rates are no one's record: any signed-in user reads them
    "/api/receipts/suggest": USER,  # writes nothing; a VIEWER may ask too (tests/receipts/test_api.py)
    "/api/purchases": USER,
    "/api/purchases/{id}": USER,
    "/api/purchases/{purchase_id}/attachments": USER,
    "/api/attachments/{id}": USER,
    "/api/attachments/{id}/download": USER,
    "/api/warranties": USER,
    "/api/warranties/{id}": USER,
    "/api/warranties/expiring": USER,
    "/api/warranties/{id}/claims": USER,
    "/api/claims/{id}": USER,
    "/api/analytics/brands": USER,
    "/api/analytics/dashboard": USER,
    "/api/analytics/recent-purchases": USER,
    "/api/analytics/recent-warranties": USER,
    "/api/analytics/retailers": USER,
    "/api/analytics/spending": USER,
    "/api/analytics/spending/by-period": USER,
    "/api/analytics/summary": USER,
    "/api/analytics/top-products": USER,
    "/api/analytics/warranties/summary": USER,
    "/api/analytics/warranties/timeline": USER,
    "/api/export/csv": USER,
    "/api/export/json": USER,
    "/api/import/csv": USER,
    "/api/import/json": USER,
    "/api/reminders/calendar-token": USER,
    "/api/reminders/settings": USER,
    "/api/notifications/channels": USER,
    "/api/notifications/channels/{id}": USER,
    "/api/notifications/channels/{id}/test": USER,
    # Every caller here owns a personal household; the roles inside a household: tests/households/test_api.py.
    "/api/household": USER,
    "/api/household/invites": USER,
    "/api/household/invites/{code}": USER,
    "/api/household/join": USER,
    "/api/household/members/{user_id}": USER,
    "/api/backup/{id}": SUPERUSER,
    "/api/backup/{id}/download": SUPERUSER,
    "/api/backup/create": SUPERUSER,
    "/api/backup/list": SUPERUSER,
    "/api/backup/restore": SUPERUSER,
    "/api/backup/settings": SUPERUSER,
    "/api/backup/status": SUPERUSER,
    "/api/backup/restore/{restore_id}": SUPERUSER,
    "/api/rates/import": SUPERUSER,  # the rates every user's conversions use
}

METHODS = ("get", "post", "put", "patch", "delete")


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted((path, method) for path, item in schema["paths"].items() for method in item if method in METHODS)


OPERATIONS = _operations()


def test_every_operation_is_classified():
    published = {path for path, _ in OPERATIONS}
    assert sorted(published - set(ACCESS)) == [], "new endpoint(s): add them to ACCESS with their access level"
    assert sorted(set(ACCESS) - published) == [], "ACCESS lists paths the schema no longer has"


def test_the_schema_says_which_operations_need_no_sign_in():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, method in OPERATIONS:
        security = schema["paths"][path][method].get("security")
        anonymous_allowed = security is None or {} in security
        assert anonymous_allowed == (ACCESS[path] == PUBLIC), (method, path, security)


def _url(path: str) -> str:
    # Any well-formed id: callers that may pass the permission checks get a 404, the rest 401/403 first.
    return (
        path.replace("{id}", str(uuid.uuid4()))
        .replace("{purchase_id}", str(uuid.uuid4()))
        .replace("{restore_id}", str(uuid.uuid4()))
        .replace("{code}", "deadbeef")
        .replace("{user_id}", "2000000000")
    )


def _call(client, method: str, path: str):
    return getattr(client, method)(_url(path), {}, format="json") if method != "get" else client.get(_url(path))


@pytest.fixture
def callers(db):
    return {
        "anonymous": APIClient(),
        "user": token_client(UserFactory(username="matrix-user")),
        "staff": token_client(UserFactory(username="matrix-staff", is_staff=True)),
        "superuser": token_client(UserFactory(username="matrix-super", is_staff=True, is_superuser=True)),
    }


def _expected_refusal(level: str, method: str, caller: str) -> int | None:
    """401/403 when `caller` may not make this call, None when the call must get past authentication and
    permissions (it may still be a 400/404 for the empty body or the random id)."""
    if level == PUBLIC:
        return None
    if caller == "anonymous":
        return 401
    if level == SUPERUSER and caller != "superuser":
        return 403
    if level == STAFF_WRITE and method not in ("get",) and caller == "user":
        return 403
    return None


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_access_matrix(callers, path, method):
    level = ACCESS.get(path)
    assert level is not None, f"{path} is not classified"
    for caller, client in callers.items():
        if path == "/api/auth/logout" or (path == "/api/backup/create" and caller == "superuser"):
            continue  # logout ends the session under test; a real backup is covered in tests/backups
        response = _call(client, method, path)
        expected = _expected_refusal(level, method, caller)
        if expected is None:
            assert response.status_code not in (401, 403, 500), (caller, method, path, response.content[:300])
        else:
            assert response.status_code == expected, (caller, method, path, response.content[:300])
            assert response.json()["code"] == ("not_authenticated" if expected == 401 else "permission_denied")
