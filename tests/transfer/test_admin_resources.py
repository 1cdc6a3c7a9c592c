"""The resources behind the admin's import/export buttons, run through django-import-export's real admin views on a
throwaway AdminSite (the project's admin.py wires the same classes the same way)."""

import io
import re

import pytest
from django.contrib import admin
from django.urls import path
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV

from households.models import Membership
from purchases.models import Purchase
from tests.factories import PurchaseFactory, UserFactory
from transfer.resources import PurchaseResource

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class OwnedImportExportAdmin(ImportExportModelAdmin):
    resource_classes = [PurchaseResource]
    formats = [CSV]

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}


site = admin.AdminSite(name="transfer_test_admin")
site.register(Purchase, OwnedImportExportAdmin)
urlpatterns = [path("admin/", site.urls)]


def _hidden_inputs(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_admin_import_previews_then_writes_the_callers_rows_only(client):
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    theirs = PurchaseFactory(owner=UserFactory(), product_name="theirs")
    mine = PurchaseFactory(owner=staff, product_name="mine")
    client.force_login(staff)
    content = (
        "\ufeffid,product_name,price,purchase_date,retailer\r\n"
        f"{theirs.pk},Hijack,1.00,2025-01-01,Admin Shop X\r\n"
        f"{mine.pk},'=mine renamed,2.00,2025-01-01,\r\n"
    ).encode()
    upload = io.BytesIO(content)
    upload.name = "purchases.csv"
    preview = client.post("/admin/purchases/purchase/import/", {"import_file": upload, "format": "0", "resource": "0"})
    assert preview.status_code == 200
    assert not Purchase.objects.filter(product_name="Hijack").exists()  # the preview is a dry run
    confirm = client.post("/admin/purchases/purchase/process_import/", _hidden_inputs(preview.content.decode()))
    assert confirm.status_code == 302
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.product_name == "theirs"  # another user's id is ignored: a new purchase of the caller's instead
    assert mine.product_name == "=mine renamed"
    assert Purchase.objects.get(product_name="Hijack").created_by == staff


def test_admin_export_is_the_callers_csv_with_formulas_neutralised(client):
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    PurchaseFactory(owner=staff, product_name="=mine")
    PurchaseFactory(owner=UserFactory(), product_name="theirs")
    client.force_login(staff)
    fields = {f"purchaseresource_{name}": "on" for name in PurchaseResource._meta.fields}
    response = client.post("/admin/purchases/purchase/export/", {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200
    text = response.content.decode()
    assert text.splitlines()[0] == ",".join(PurchaseResource.headers())
    assert "'=mine" in text
    assert "theirs" not in text


def test_a_viewer_may_preview_an_admin_import_but_not_write_it(client):
    owner = UserFactory(username="owner")
    viewer = UserFactory(username="viewer", is_staff=True, is_superuser=True)
    Membership.objects.filter(user=viewer).update(household=Membership.objects.get(user=owner).household, role="VIEWER")
    client.force_login(viewer)
    upload = io.BytesIO(b"product_name,price,purchase_date\r\nSneaked in,1.00,2025-01-01\r\n")
    upload.name = "purchases.csv"
    preview = client.post("/admin/purchases/purchase/import/", {"import_file": upload, "format": "0", "resource": "0"})
    assert preview.status_code == 200  # the preview is a dry run, which a viewer may do
    confirm = client.post(
        "/admin/purchases/purchase/process_import/", _hidden_inputs(preview.content.decode()), follow=True
    )
    assert confirm.status_code == 200
    assert not Purchase.objects.filter(product_name="Sneaked in").exists()
