"""The admin: every model's changelist, search and add form answer for a staff user."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/purchases/purchase/",
        "/admin/purchases/purchase/?q=Product",
        "/admin/purchases/purchase/add/",
        "/admin/warranties/warranty/",
        "/admin/catalog/retailer/",
        "/admin/catalog/brand/?q=app",
    ],
)
def test_admin_pages_render(admin_client, url):
    WarrantyFactory()
    assert admin_client.get(url).status_code == 200


def test_purchase_change_page_shows_warranty_inline(admin_client):
    warranty = WarrantyFactory()
    page = admin_client.get(f"/admin/purchases/purchase/{warranty.purchase_id}/change/")
    assert page.status_code == 200
    assert b"warranties-0-warranty_start" in page.content  # a tabular inline since #21


def _changelist_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/purchases/purchase/").status_code == 200
    return len(queries)


def test_purchase_changelist_runs_the_same_queries_for_1_and_30_rows(admin_client):
    PurchaseFactory()
    one = _changelist_queries(admin_client)
    PurchaseFactory.create_batch(29)
    assert _changelist_queries(admin_client) == one


@pytest.mark.parametrize(
    ("status", "expected"),
    [("ACTIVE", {"active", "lifetime"}), ("EXPIRED", {"expired"}), ("VOIDED", {"voided"}), ("NONE", {"none"})],
)
def test_purchase_changelist_filters_by_effective_warranty_status(admin_client, status, expected):
    import datetime

    import time_machine

    with time_machine.travel(datetime.datetime(2025, 6, 15, 12, tzinfo=datetime.UTC), tick=False):
        WarrantyFactory(purchase__product_name="active", warranty_end=datetime.date(2025, 6, 15))
        WarrantyFactory(purchase__product_name="lifetime", warranty_end=None, warranty_type="LIFETIME")
        WarrantyFactory(purchase__product_name="expired", warranty_end=datetime.date(2025, 6, 14))
        WarrantyFactory(purchase__product_name="voided", status="VOIDED", warranty_end=datetime.date(2026, 1, 1))
        PurchaseFactory(product_name="none")
        page = admin_client.get(f"/admin/purchases/purchase/?warranty_status={status}")
    shown = {p.product_name for p in page.context["cl"].result_list}
    assert shown == expected


def test_changelists_offer_csv_import_and_export(admin_client):
    for url in ("/admin/purchases/purchase/", "/admin/catalog/retailer/", "/admin/catalog/brand/"):
        page = admin_client.get(url).content.decode()
        assert "import/" in page and "export/" in page, url


def test_purchase_admin_shows_return_windows_and_filters_returned(admin_client):
    import datetime

    PurchaseFactory(
        product_name="sent back",
        status="RETURNED",
        purchase_date=datetime.date(2025, 1, 15),
        return_by=datetime.date(2025, 2, 14),
        returned_on=datetime.date(2025, 1, 20),
    )
    PurchaseFactory(product_name="kept", return_by=datetime.date(2025, 2, 14))
    page = admin_client.get("/admin/purchases/purchase/?status__exact=RETURNED")
    assert page.status_code == 200
    assert {p.product_name for p in page.context["cl"].result_list} == {"sent back"}
    assert b"column-return_by" in page.content and b"column-returned_on" in page.content
    assert b"?status__exact=RETURNED" in admin_client.get("/admin/purchases/purchase/").content
    form = admin_client.get("/admin/purchases/purchase/add/").content
    assert b'name="return_by"' in form and b'name="returned_on"' in form
