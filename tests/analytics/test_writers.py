"""Every writer bumps the data versions of what it wrote, in its own transaction (#19): attachments, the admin's
change form and bulk delete, and the demo seeding (one bump statement for 1,000 rows). The answer read before the
write is cached; the one after it must show the write."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.services import demo_data_create
from purchases.models import Purchase
from spends import data_versions
from spends.models import DataVersion
from tests.attachments.conftest import PDF, post_file
from tests.factories import PurchaseFactory, RetailerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _recent(client) -> list[dict]:
    response = client.get("/api/analytics/recent-purchases")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_attachment_upload_and_delete_show_in_recent_purchases(owner_client):
    purchase = PurchaseFactory(owner=owner_client.user)
    assert [row["attachment_count"] for row in _recent(owner_client)] == [0]
    uploaded = post_file(owner_client, purchase.pk, "receipt.pdf", PDF)
    assert uploaded.status_code == 201, uploaded.content
    assert [row["attachment_count"] for row in _recent(owner_client)] == [1]
    deleted = owner_client.delete(f"/api/attachments/{uploaded.json()['id']}")
    assert deleted.status_code == 204
    assert [row["attachment_count"] for row in _recent(owner_client)] == [0]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_an_admin_rename_and_bulk_delete_show_in_the_next_answers(owner_client, admin_client):
    shop = RetailerFactory(name="Old Name Shop")
    kept, gone = PurchaseFactory.create_batch(2, owner=owner_client.user, retailer=shop)
    assert owner_client.get("/api/analytics/retailers").json()[0]["retailer_name"] == "Old Name Shop"
    changed = admin_client.post(
        f"/admin/catalog/retailer/{shop.pk}/change/", {"name": "New Name Shop", "url": ""}, follow=False
    )
    assert changed.status_code == 302, changed.content
    assert owner_client.get("/api/analytics/retailers").json()[0]["retailer_name"] == "New Name Shop"

    assert owner_client.get("/api/analytics/summary").json()["item_count"] == 2
    bulk = admin_client.post(
        "/admin/purchases/purchase/", {"action": "delete_selected", "_selected_action": [gone.pk], "post": "yes"}
    )
    assert bulk.status_code == 302 and not Purchase.objects.filter(pk=gone.pk).exists()
    assert owner_client.get("/api/analytics/summary").json()["item_count"] == 1
    deleted = admin_client.post(f"/admin/purchases/purchase/{kept.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not Purchase.objects.exists()
    assert owner_client.get("/api/analytics/summary").json()["item_count"] == 0


def test_seeding_1000_purchases_bumps_the_owners_version_with_one_statement(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_data_create(purchases=1, password="a-long-demo-password")  # the demo user and its version row
    scope = data_versions.household_scope(Purchase.objects.get().household_id)
    (before,) = data_versions.read([scope])
    table = DataVersion._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        result = demo_data_create(purchases=1001, password="a-long-demo-password")
    assert result.purchases_created == 1000
    bumps = [q["sql"] for q in queries.captured_queries if table in q["sql"]]
    assert len(bumps) == 1 and bumps[0].lstrip().upper().startswith("INSERT") and scope in bumps[0]  # an upsert
    assert data_versions.read([scope])[0] > before
