"""Two households, each with an OWNER, an EDITOR and a VIEWER (API.md § Households): every member reads the
household's records, editors and owners write them, a viewer's write answers 403 and changes nothing, and a member of
the other household gets 404 on their ids."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attachments import services as attachments
from attachments.models import Attachment
from households.choices import Role
from households.models import Household
from purchases.models import Purchase
from tests.attachments.conftest import PDF
from tests.conftest import token_client
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory, household_of, member
from warranties.models import Warranty

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 1)


class House:
    """A household with an owner (the personal household's first member), an editor and a viewer, and their API
    clients."""

    def __init__(self, name: str):
        self.owner = UserFactory(username=f"{name}-owner")
        self.household = Household.objects.get(memberships__user=self.owner)
        self.editor = member(self.household, Role.EDITOR, username=f"{name}-editor")
        self.viewer = member(self.household, Role.VIEWER, username=f"{name}-viewer")
        self.clients = {role: token_client(getattr(self, role)) for role in ("owner", "editor", "viewer")}


@pytest.fixture
def make_attachment():
    def make(purchase, content=PDF):
        upload = SimpleUploadedFile("receipt.pdf", content)
        return attachments.attachment_upload(purchase=purchase, created_by=purchase.created_by, uploaded_file=upload)

    return make


@pytest.fixture
def houses():
    return House("a"), House("b")


def _purchase_body(name="Kettle", price="30.00"):
    return {"product_name": name, "price": price, "currency_code": "EUR", "purchase_date": DAY.isoformat()}


def _state():
    """Everything a write could change, to compare before and after a refused request."""
    return (
        sorted(Purchase.objects.values_list("id", "product_name", "price", "household_id", "updated_at")),
        sorted(Warranty.objects.values_list("id", "purchase_id", "status", "updated_at")),
        sorted(Attachment.objects.values_list("id", "purchase_id")),
    )


def test_an_editor_creates_and_every_member_of_the_household_reads_the_same_records(houses):
    a, b = houses
    created = a.clients["editor"].post(
        "/api/purchases",
        {**_purchase_body(), "warranty": {"warranty_start": DAY.isoformat(), "warranty_end": "2027-03-01"}},
        format="json",
    )
    assert created.status_code == 201
    purchase = Purchase.objects.get(pk=created.json()["id"])
    assert purchase.household_id == a.household.pk and purchase.created_by == a.editor
    assert Warranty.objects.get(purchase=purchase).created_by == a.editor
    for role in ("owner", "editor", "viewer"):
        client = a.clients[role]
        assert [item["id"] for item in client.get("/api/purchases").json()["items"]] == [str(purchase.pk)]
        assert client.get(f"/api/purchases/{purchase.pk}").json()["product_name"] == "Kettle"
        assert client.get("/api/warranties").json()["total"] == 1
    for role in ("owner", "editor", "viewer"):  # the other household sees nothing of it
        client = b.clients[role]
        assert client.get("/api/purchases").json()["total"] == 0
        assert client.get("/api/warranties").json()["total"] == 0
        assert client.get(f"/api/purchases/{purchase.pk}").status_code == 404


def test_the_owner_and_the_editor_change_and_delete_the_households_records(houses):
    a, _ = houses
    purchase = PurchaseFactory(owner=a.owner)
    edited = a.clients["editor"].patch(f"/api/purchases/{purchase.pk}", {"notes": "by the editor"}, format="json")
    assert edited.status_code == 200 and edited.json()["notes"] == "by the editor"
    purchase.refresh_from_db()
    assert purchase.created_by == a.owner  # who created it stays
    assert a.clients["owner"].delete(f"/api/purchases/{purchase.pk}").status_code == 204
    assert not Purchase.objects.exists()


def _viewer_writes(a, purchase, warranty, attachment):
    """(method, path, body or None, format) of every write a VIEWER is refused."""
    return [
        ("post", "/api/purchases", _purchase_body(), "json"),
        ("put", f"/api/purchases/{purchase.pk}", _purchase_body("Replaced"), "json"),
        ("patch", f"/api/purchases/{purchase.pk}", {"notes": "viewer"}, "json"),
        ("delete", f"/api/purchases/{purchase.pk}", None, None),
        ("post", "/api/warranties", {"purchase_id": str(purchase.pk), "warranty_start": "2025-03-01",
                                     "warranty_end": "2026-03-01"}, "json"),
        ("patch", f"/api/warranties/{warranty.pk}", {"status": "VOIDED"}, "json"),
        ("put", f"/api/warranties/{warranty.pk}", {"purchase_id": str(purchase.pk), "warranty_start": "2025-03-01",
                                                    "warranty_end": "2026-03-02"}, "json"),
        ("delete", f"/api/warranties/{warranty.pk}", None, None),
        ("post", f"/api/purchases/{purchase.pk}/attachments",
         {"file": SimpleUploadedFile("r.pdf", PDF), "kind": "RECEIPT"}, "multipart"),
        ("delete", f"/api/attachments/{attachment.pk}", None, None),
    ]  # fmt: skip


def _send(client, method, path, body, fmt):
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, format=fmt)


def test_a_viewer_reads_but_every_write_is_403_and_changes_nothing(houses, make_attachment):
    a, _ = houses
    purchase = PurchaseFactory(owner=a.owner, product_name="Shared TV")
    warranty = WarrantyFactory(purchase=purchase)
    attachment = make_attachment(purchase, PDF)
    viewer = a.clients["viewer"]
    assert viewer.get(f"/api/purchases/{purchase.pk}").status_code == 200
    assert viewer.get(f"/api/warranties/{warranty.pk}").status_code == 200
    assert viewer.get(f"/api/purchases/{purchase.pk}/attachments").json()["total"] == 1
    download = viewer.get(f"/api/attachments/{attachment.pk}/download")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert viewer.get("/api/export/json").status_code == 200
    assert viewer.get("/api/export/csv").status_code == 200
    for method, path, body, fmt in _viewer_writes(a, purchase, warranty, attachment):
        before = _state()
        response = _send(viewer, method, path, body, fmt)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["code"] == "permission_denied"
        assert _state() == before, (method, path)


def test_another_households_ids_answer_404_for_every_role(houses, make_attachment):
    a, b = houses
    purchase = PurchaseFactory(owner=a.owner)
    warranty = WarrantyFactory(purchase=purchase)
    attachment = make_attachment(purchase, PDF)
    before = _state()
    for role in ("owner", "editor"):
        client = b.clients[role]
        for method, path, body, fmt in _viewer_writes(a, purchase, warranty, attachment)[1:]:
            if path == "/api/warranties":  # a create names the purchase in its body: 400 on purchase_id (below)
                continue
            response = _send(client, method, path, body, fmt)
            assert response.status_code == 404, (role, method, path)
        for path in (f"/api/purchases/{purchase.pk}", f"/api/warranties/{warranty.pk}",
                     f"/api/attachments/{attachment.pk}", f"/api/attachments/{attachment.pk}/download",
                     f"/api/purchases/{purchase.pk}/attachments"):  # fmt: skip
            assert client.get(path).status_code == 404, (role, path)
    stranger_warranty = b.clients["editor"].post(
        "/api/warranties",
        {"purchase_id": str(purchase.pk), "warranty_start": "2025-03-01", "warranty_end": "2026-03-01"},
        format="json",
    )
    assert stranger_warranty.status_code == 400 and "purchase_id" in stranger_warranty.json()["errors"]
    assert _state() == before


def _import(client, document, **query):
    params = "&".join(f"{key}={value}" for key, value in query.items())
    return client.post(f"/api/import/json?{params}", json.dumps(document).encode(), content_type="application/json")


IMPORT_DOCUMENT = {
    "format": "spends-tracker",
    "version": 1,
    "purchases": [
        {"product_name": "Imported", "price": "12.00", "currency_code": "EUR", "purchase_date": "2025-02-01"}
    ],
}


def test_a_viewer_may_dry_run_an_import_but_not_run_it(houses):
    a, _ = houses
    dry = _import(a.clients["viewer"], IMPORT_DOCUMENT, dry_run="true")
    assert dry.status_code == 200, dry.content
    assert dry.json()["created"] == 1 and dry.json()["dry_run"] is True
    assert not Purchase.objects.exists()
    refused = _import(a.clients["viewer"], IMPORT_DOCUMENT)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert not Purchase.objects.exists()


def test_an_editors_import_goes_into_the_household_and_duplicates_are_household_wide(houses):
    a, b = houses
    PurchaseFactory(owner=a.owner, product_name="imported", price=Decimal("12.00"), currency_code="EUR",
                    purchase_date=datetime.date(2025, 2, 1))  # fmt: skip
    PurchaseFactory(owner=b.owner, product_name="Imported", price=Decimal("12.00"), currency_code="EUR",
                    purchase_date=datetime.date(2025, 2, 1))  # fmt: skip
    skipped = _import(a.clients["editor"], IMPORT_DOCUMENT)
    assert skipped.status_code == 200 and (skipped.json()["created"], skipped.json()["skipped"]) == (0, 1)
    document = {**IMPORT_DOCUMENT, "purchases": [{**IMPORT_DOCUMENT["purchases"][0], "product_name": "Lamp"}]}
    created = _import(a.clients["editor"], document)
    assert created.status_code == 200 and created.json()["created"] == 1
    lamp = Purchase.objects.get(product_name="Lamp")
    assert lamp.household_id == a.household.pk and lamp.created_by == a.editor
    assert Purchase.objects.filter(household=b.household).count() == 1


def test_analytics_totals_are_the_households_sum_for_every_member(houses):
    a, b = houses
    PurchaseFactory(owner=a.owner, price=Decimal("10.50"), currency_code="EUR")
    PurchaseFactory(household=a.household, created_by=a.editor, price=Decimal("4.25"), currency_code="EUR")
    PurchaseFactory(owner=b.owner, price=Decimal("1000.00"), currency_code="EUR")
    for role in ("owner", "editor", "viewer"):
        summary = a.clients[role].get("/api/analytics/summary", {"currency": "EUR"}).json()
        assert (summary["total_spent"], summary["item_count"]) == ("14.75", 2), role
    summary = b.clients["viewer"].get("/api/analytics/summary", {"currency": "EUR"}).json()
    assert (summary["total_spent"], summary["item_count"]) == ("1000.00", 1)


def test_an_editors_write_reaches_the_viewers_cached_analytics(houses):
    a, _ = houses
    viewer = a.clients["viewer"]
    assert viewer.get("/api/analytics/summary", {"currency": "EUR"}).json()["item_count"] == 0
    assert a.clients["editor"].post("/api/purchases", _purchase_body(), format="json").status_code == 201
    assert viewer.get("/api/analytics/summary", {"currency": "EUR"}).json()["item_count"] == 1


def test_catalog_purchase_count_counts_the_households_purchases(houses):
    a, b = houses
    shop = a.clients["editor"].post("/api/retailers", {"name": "Corner"}, format="json").json()
    PurchaseFactory(owner=a.owner, retailer_id=shop["id"])
    PurchaseFactory(household=a.household, created_by=a.editor, retailer_id=shop["id"])
    PurchaseFactory(owner=b.owner, retailer_id=shop["id"])
    counts = {role: a.clients[role].get(f"/api/retailers/{shop['id']}").json()["purchase_count"] for role in a.clients}
    assert counts == {"owner": 2, "editor": 2, "viewer": 2}
    assert b.clients["owner"].get(f"/api/retailers/{shop['id']}").json()["purchase_count"] == 1


def test_the_scope_costs_one_query(houses, django_assert_num_queries):
    a, _ = houses
    PurchaseFactory(owner=a.owner)
    # token, scope (membership), COUNT, page, the page's coverages (#21): the same as for a user alone, whatever
    # the role.
    for role in ("owner", "viewer"):
        with django_assert_num_queries(5):
            assert a.clients[role].get("/api/purchases").json()["total"] == 1


def test_household_of_reads_the_membership(houses):
    a, _ = houses
    assert household_of(a.viewer) == a.household.pk
