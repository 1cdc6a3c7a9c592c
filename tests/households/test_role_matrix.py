"""The household role matrix, generated from the OpenAPI schema (#20): every operation the API publishes is called by
an OWNER, an EDITOR and a VIEWER of household A, by a stranger (the owner of household B) and anonymously, with ids
of household A's real records in the path. Each gets exactly the status its role allows:
- records (purchases, warranties, attachments, analytics, export/import): every member reads; a VIEWER gets 403 on
  every write; a stranger gets 404 on A's ids and never sees A's data in a list;
- the household's own settings (rename, invites, roles): the OWNER only;
- a user's own settings (tokens, reminder settings, calendar token, joining): any signed-in user.
Nothing a refused call sends changes the database (checked by counting rows after every 403/404).

A new endpoint that is not classified in tests/spends/test_access_matrix.py ACCESS, or here in KIND, fails
`test_every_operation_has_a_household_kind`.
"""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from attachments.models import Attachment
from households.models import Household, Membership
from purchases.models import Purchase
from reminders.models import Channel
from tests.conftest import token_client
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory
from tests.spends.test_access_matrix import ACCESS, OPERATIONS, PUBLIC, STAFF_WRITE, SUPERUSER
from warranties.models import Claim, Warranty

pytestmark = pytest.mark.django_db

RECORDS, HOUSEHOLD_ADMIN, PERSONAL, MEMBERSHIP = "records", "household_admin", "personal", "membership"

# Paths of the USER level of ACCESS, by what they act on. Every other level (PUBLIC, STAFF_WRITE, SUPERUSER) is the
# same for every member and is covered by the access matrix.
KIND = {
    "/api/auth/logout": PERSONAL,
    "/api/auth/me": PERSONAL,
    "/api/auth/tokens": PERSONAL,
    "/api/auth/tokens/{id}": PERSONAL,
    "/api/reminders/settings": PERSONAL,
    "/api/reminders/calendar-token": PERSONAL,
    "/api/notifications/channels": PERSONAL,  # a member's own channels, never the household's
    "/api/notifications/channels/{id}": PERSONAL,
    "/api/notifications/channels/{id}/test": PERSONAL,
    "/api/household/join": PERSONAL,
    "/api/rates": PERSONAL,  # reference rates belong to no household: every member and a stranger read the same
    # A receipt suggestion writes nothing and matches the shared catalog: every member (a VIEWER too) may ask.
    "/api/receipts/suggest": PERSONAL,
    "/api/retailers": RECORDS,  # the shared catalog: any member lists and adds names (purchase_count is scoped)
    "/api/brands": RECORDS,
    "/api/purchases": RECORDS,
    "/api/purchases/{id}": RECORDS,
    "/api/purchases/{purchase_id}/attachments": RECORDS,
    "/api/attachments/{id}": RECORDS,
    "/api/attachments/{id}/download": RECORDS,
    "/api/warranties": RECORDS,
    "/api/warranties/{id}": RECORDS,
    "/api/warranties/expiring": RECORDS,
    "/api/warranties/{id}/claims": RECORDS,
    "/api/claims/{id}": RECORDS,
    "/api/analytics/brands": RECORDS,
    "/api/analytics/dashboard": RECORDS,
    "/api/analytics/recent-purchases": RECORDS,
    "/api/analytics/recent-warranties": RECORDS,
    "/api/analytics/retailers": RECORDS,
    "/api/analytics/spending": RECORDS,
    "/api/analytics/spending/by-period": RECORDS,
    "/api/analytics/summary": RECORDS,
    "/api/analytics/top-products": RECORDS,
    "/api/analytics/warranties/summary": RECORDS,
    "/api/analytics/warranties/timeline": RECORDS,
    "/api/export/csv": RECORDS,
    "/api/export/json": RECORDS,
    "/api/import/csv": RECORDS,
    "/api/import/json": RECORDS,
    "/api/household": HOUSEHOLD_ADMIN,  # GET: every member; PATCH: the owner
    "/api/household/invites": HOUSEHOLD_ADMIN,
    "/api/household/invites/{code}": HOUSEHOLD_ADMIN,
    "/api/household/members/{user_id}": MEMBERSHIP,  # PATCH: the owner; DELETE: the owner, or a member leaving
}

ROLES = ("owner", "editor", "viewer", "stranger", "anonymous")
USER_LEVEL_OPERATIONS = [
    (path, method) for path, method in OPERATIONS if ACCESS.get(path) not in (PUBLIC, STAFF_WRITE, SUPERUSER)
]


def test_every_operation_has_a_household_kind():
    missing = sorted({path for path, _ in USER_LEVEL_OPERATIONS} - set(KIND))
    assert missing == [], "classify the new endpoint(s) in KIND"
    assert sorted(set(KIND) - {path for path, _ in USER_LEVEL_OPERATIONS}) == []


@pytest.fixture
def world(db):
    """Household A (owner, editor, viewer) with a purchase, its warranty and a receipt; household B (a stranger)
    with a purchase of its own."""
    owner, editor, viewer = (UserFactory(username=name) for name in ("a-owner", "a-editor", "a-viewer"))
    household = Membership.objects.get(user=owner).household
    Membership.objects.filter(user=editor).update(household=household, role="EDITOR")
    Membership.objects.filter(user=viewer).update(household=household, role="VIEWER")
    stranger = UserFactory(username="b-owner")
    purchase = PurchaseFactory(owner=owner, product_name="A's fridge")
    warranty = WarrantyFactory(purchase=purchase)
    claim = Claim.objects.create(warranty=warranty, opened_on=purchase.purchase_date, issue="A's fridge hums")
    PurchaseFactory(owner=stranger, product_name="B's kettle")
    owner_client = token_client(owner)
    upload = owner_client.post(
        f"/api/purchases/{purchase.pk}/attachments",
        {"file": SimpleUploadedFile("receipt.txt", b"paid", content_type="text/plain"), "kind": "RECEIPT"},
        format="multipart",
    )
    assert upload.status_code == 201, upload.content
    invite = owner_client.post("/api/household/invites", {"role": "VIEWER"}, format="json")
    assert invite.status_code == 201, invite.content
    return {
        "household": household,
        "users": {"owner": owner, "editor": editor, "viewer": viewer, "stranger": stranger},
        "ids": {
            "/api/purchases/{id}": purchase.pk,
            "/api/purchases/{purchase_id}/attachments": purchase.pk,
            "/api/warranties/{id}": warranty.pk,
            "/api/warranties/{id}/claims": warranty.pk,
            "/api/claims/{id}": claim.pk,
            "/api/attachments/{id}": upload.json()["id"],
            "/api/attachments/{id}/download": upload.json()["id"],
            "/api/household/invites/{code}": invite.json()["code"],
            "/api/household/members/{user_id}": editor.pk,
        },
    }


def _url(path, world, caller):
    if path == "/api/auth/tokens/{id}":
        return path.replace("{id}", str(caller_token_id(caller)))
    if path.startswith("/api/notifications/channels/{id}"):  # the caller's own channel (an email one)
        return path.replace("{id}", str(caller_channel_id(caller)))
    value = world["ids"].get(path)
    if value is None:
        return path
    for name in ("{id}", "{purchase_id}", "{code}", "{user_id}"):
        path = path.replace(name, str(value))
    return path


def caller_token_id(client):
    return client.token.pk if getattr(client, "token", None) else uuid.uuid4()


def caller_channel_id(client):
    if not getattr(client, "token", None):
        return uuid.uuid4()
    return Channel.objects.create(user=client.user, kind="EMAIL", target="me@example.com", events=[]).pk


def _snapshot():
    return (
        Purchase.objects.count(),
        Warranty.objects.count(),
        sorted(Claim.objects.values_list("pk", "status", "issue")),
        Attachment.objects.count(),
        Household.objects.count(),
        sorted(Membership.objects.values_list("user_id", "household_id", "role")),
        sorted(Purchase.objects.values_list("pk", "household_id", "product_name", "price")),
    )


def _expected(kind, path, method, role, has_id):
    """The status `role` must get, or None where any status but 401/403/404/500 is right (a 400 for the empty body,
    a 200/201/204 for a call that works)."""
    write = method != "get"
    if role == "anonymous":
        return 401
    if kind == PERSONAL:
        return None
    if role == "stranger":
        return 404 if has_id else None
    if kind == RECORDS:
        return 403 if write and role == "viewer" else None
    if kind == HOUSEHOLD_ADMIN:
        if path == "/api/household" and not write:
            return None
        return None if role == "owner" else 403
    if kind == MEMBERSHIP:  # the member in the path is the editor
        if method == "delete":
            return None if role in ("owner", "editor") else 403
        return None if role == "owner" else 403
    raise AssertionError(kind)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("path", "method"), USER_LEVEL_OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in USER_LEVEL_OPERATIONS]
)
def test_role_matrix(world, path, method, role):
    client = APIClient() if role == "anonymous" else token_client(world["users"][role])
    url = _url(path, world, client)
    has_id = path in world["ids"]
    before = _snapshot()
    if method == "get":
        response = client.get(url)
    elif path.startswith("/api/import/"):
        body = io.BytesIO(b"product_name,price,purchase_date\nImported,1.00,2024-01-01\n")
        body.name = "import.csv" if path.endswith("csv") else "import.json"
        response = client.post(url, {"file": body}, format="multipart")
    else:
        response = getattr(client, method)(url, {}, format="json")
    expected = _expected(KIND[path], path, method, role, has_id)
    if expected is None:
        assert response.status_code not in (401, 403, 404, 500), (role, method, path, response.content[:300])
    else:
        assert response.status_code == expected, (role, method, path, response.content[:300])
        assert _snapshot() == before, "a refused call changed the database"
    if role == "stranger" and method == "get" and response.status_code == 200:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"A's fridge" not in body  # nothing of household A in any answer to a stranger


def test_a_viewers_import_dry_run_is_allowed_and_writes_nothing(world):
    client = token_client(world["users"]["viewer"])
    body = io.BytesIO(b"product_name,price,purchase_date\nImported,1.00,2024-01-01\n")
    body.name = "import.csv"
    before = _snapshot()
    response = client.post("/api/import/csv?dry_run=true", {"file": body}, format="multipart")
    assert response.status_code == 200, response.content
    assert _snapshot() == before
