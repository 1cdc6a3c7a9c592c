"""spends.admin_mixins.admin_extend: apps higher up add their parts to the admin of a model below them, in any order
(#19: warranties adds its inline and status filter to the purchase admin, transfer import/export, attachments its
files)."""

import pytest
from django.contrib import admin

from attachments.admin import AttachmentInline, PurchaseAttachmentsAdmin
from purchases.admin import PurchaseAdmin
from purchases.models import Purchase
from spends.admin_mixins import admin_extend
from transfer.admin import PurchaseImportExportAdmin
from transfer.resources import PurchaseResource
from warranties.admin import PurchaseWarrantyAdmin, WarrantyInline, WarrantyStatusFilter


def _names(model_admin) -> set[str]:
    return {pattern.name for pattern in model_admin.get_urls() if getattr(pattern, "name", None)}


@pytest.mark.parametrize(
    "order",
    [
        (PurchaseWarrantyAdmin, PurchaseImportExportAdmin, PurchaseAttachmentsAdmin),
        (PurchaseAttachmentsAdmin, PurchaseImportExportAdmin, PurchaseWarrantyAdmin),
        (PurchaseImportExportAdmin, PurchaseWarrantyAdmin, PurchaseAttachmentsAdmin),
    ],
)
def test_each_extension_keeps_the_others_whatever_the_order(order, rf):
    site = admin.AdminSite(name="extend_test")
    site.register(Purchase, PurchaseAdmin)
    for extension in order:
        admin_extend(Purchase, extension, site=site)
    model_admin = site.get_model_admin(Purchase)
    assert model_admin.get_resource_classes(rf.get("/")) == [PurchaseResource]
    assert model_admin.get_inlines(rf.get("/"), None) == [WarrantyInline, AttachmentInline]
    assert model_admin.change_form_template == "attachments/admin/purchase_change_form.html"
    names = _names(model_admin)
    assert {"purchases_purchase_import", "purchases_purchase_export"} <= names
    assert {"purchases_purchase_attachment_upload", "purchases_purchase_attachment_download"} <= names
    assert model_admin.get_list_filter(rf.get("/"))[:2] == ["status", WarrantyStatusFilter]
    assert model_admin.list_display == PurchaseAdmin.list_display  # the registered admin's own attributes win


def test_the_project_admin_has_every_extension():
    model_admin = admin.site.get_model_admin(Purchase)
    assert isinstance(model_admin, PurchaseImportExportAdmin) and isinstance(model_admin, PurchaseAttachmentsAdmin)
    assert isinstance(model_admin, PurchaseWarrantyAdmin)
