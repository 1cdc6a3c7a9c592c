"""What the purchase admin shows of attachments: the attachments inline (read-only) with download links, an
"Upload attachment" page, and downloads for admin users who may see the purchase. `purchases` sits below this app,
so its admin does not import it: this module extends the registered purchase admin (`spends.admin_mixins.admin_extend`).
"""

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

import purchases.admin  # noqa: F401  (registers the purchase admin this module extends)
from attachments import services
from attachments.choices import AttachmentKind
from attachments.models import Attachment
from attachments.responses import file_response
from purchases.models import Purchase
from spends.admin_mixins import admin_extend


class AttachmentUploadForm(forms.Form):
    file = forms.FileField(help_text="PDF, JPEG, PNG, WebP, HEIC, GIF or plain text; at most 25 MB.")
    kind = forms.ChoiceField(choices=AttachmentKind.choices, initial=AttachmentKind.RECEIPT)


class AttachmentInline(admin.TabularInline):
    """Read-only rows: uploads go through the "Upload attachment" page (the same service as the API: type sniffing,
    dedupe, size limit), deletions through the API."""

    model = Attachment
    extra = 0
    can_delete = False
    fields = ["file", "kind", "content_type", "size", "available", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="File")
    def file(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:purchases_purchase_attachment_download", args=[obj.purchase_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)


class PurchaseAttachmentsAdmin(admin.ModelAdmin):
    """The attachment parts of the purchase admin; the rest is purchases.admin.PurchaseAdmin."""

    change_form_template = "attachments/admin/purchase_change_form.html"

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), AttachmentInline]

    def get_urls(self):
        download = self.admin_site.admin_view(self.attachment_download_view)
        upload = self.admin_site.admin_view(self.attachment_upload_view)
        return [
            path("<uuid:purchase_id>/attachments/upload/", upload, name="purchases_purchase_attachment_upload"),
            path(
                "<uuid:purchase_id>/attachments/<uuid:attachment_id>/download/",
                download,
                name="purchases_purchase_attachment_download",
            ),
            *super().get_urls(),
        ]

    def attachment_download_view(self, request, purchase_id, attachment_id):
        """An attachment of a purchase this admin user may view, served like the API's download."""
        purchase = self.get_queryset(request).filter(pk=purchase_id).first()
        if purchase is None or not self.has_view_permission(request, purchase):
            raise Http404("No such purchase.")
        attachment = Attachment.objects.filter(purchase=purchase, pk=attachment_id).first()
        if attachment is None:
            raise Http404("No such attachment.")
        try:
            return file_response(attachment)
        except services.FileMissing as exc:
            raise Http404(str(exc)) from None

    def attachment_upload_view(self, request, purchase_id):
        """Upload a receipt or document for a purchase this admin user may change."""
        purchase = self.get_queryset(request).filter(pk=purchase_id).first()
        if purchase is None or not self.has_change_permission(request, purchase):
            raise Http404("No such purchase.")
        form = AttachmentUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                attachment = services.attachment_upload(
                    purchase=purchase,
                    uploaded_file=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                    created_by=request.user,
                )
            except services.AttachmentRejected as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, f"Attached {attachment.filename} ({attachment.content_type}).")
                return redirect("admin:purchases_purchase_change", purchase.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Upload an attachment for {purchase.product_name}",
            "opts": self.model._meta,
            "original": purchase,
            "form": form,
        }
        return TemplateResponse(request, "attachments/admin/attachment_upload.html", context)


admin_extend(Purchase, PurchaseAttachmentsAdmin)
