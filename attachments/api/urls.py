"""Attachment routes (API.md § Attachments): canonical paths without a trailing slash, which is optional."""

from django.urls import re_path

from spends.api.viewsets import UUID_REGEX

from .views import AttachmentDetailView, AttachmentDownloadView, PurchaseAttachmentListView

urlpatterns = [
    re_path(
        rf"^purchases/(?P<purchase_id>{UUID_REGEX})/attachments/?$",
        PurchaseAttachmentListView.as_view(),
        name="purchase-attachment-list",
    ),
    re_path(rf"^attachments/(?P<pk>{UUID_REGEX})/?$", AttachmentDetailView.as_view(), name="attachment-detail"),
    re_path(
        rf"^attachments/(?P<pk>{UUID_REGEX})/download/?$",
        AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
]
