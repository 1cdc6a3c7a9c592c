"""Admin for purchases, with their warranty and (read-only) attachments inline; attachment downloads for admin
users who may see the purchase."""

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from purchases import attachments
from purchases.api.attachment_views import file_response
from purchases.choices import AttachmentKind
from purchases.models import Attachment, Purchase
from spends import clock, data_versions
from spends.admin_mixins import DataVersionAdminMixin
from warranties.choices import EffectiveStatus
from warranties.models import Warranty


class WarrantyStatusFilter(admin.SimpleListFilter):
    """The warranty's effective status today (UTC), as the API computes it, or no warranty at all."""

    title = "warranty status"
    parameter_name = "warranty_status"

    def lookups(self, request, model_admin):
        return [*EffectiveStatus.choices, ("NONE", "No warranty")]

    def queryset(self, request, queryset):
        value, today = self.value(), clock.today()
        if value == "NONE":
            return queryset.filter(warranty__isnull=True)
        if value == EffectiveStatus.VOIDED:
            return queryset.filter(warranty__status="VOIDED")
        if value == EffectiveStatus.EXPIRED:
            return queryset.filter(warranty__status="ACTIVE", warranty__warranty_end__lt=today)
        if value == EffectiveStatus.ACTIVE:
            return queryset.filter(warranty__status="ACTIVE").exclude(warranty__warranty_end__lt=today)
        return queryset


class AttachmentUploadForm(forms.Form):
    file = forms.FileField(help_text="PDF, JPEG, PNG, WebP, HEIC, GIF or plain text; at most 25 MB.")
    kind = forms.ChoiceField(choices=AttachmentKind.choices, initial=AttachmentKind.RECEIPT)


class WarrantyInline(admin.StackedInline):
    model = Warranty
    extra = 0
    max_num = 1
    readonly_fields = ["created_at", "updated_at"]


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


@admin.register(Purchase)
class PurchaseAdmin(DataVersionAdminMixin, admin.ModelAdmin):
    """The import/export buttons are added by the transfer app (transfer/admin.py)."""

    change_form_template = "purchases/admin/purchase_change_form.html"
    list_display = ["product_name", "price", "currency_code", "retailer", "brand", "status", "purchase_date", "owner"]
    list_filter = ["status", WarrantyStatusFilter, "currency_code", "retailer", "brand"]
    search_fields = ["product_name", "notes", "retailer__name", "brand__name"]
    list_select_related = ["retailer", "brand", "owner"]
    autocomplete_fields = ["retailer", "brand"]
    date_hierarchy = "purchase_date"
    ordering = ["-purchase_date", "-created_at"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [WarrantyInline, AttachmentInline]
    list_per_page = 100

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(owner=request.user)

    def data_version_scopes(self, queryset) -> set[str]:
        owners = queryset.order_by().values_list("owner_id", flat=True).distinct()
        return {data_versions.owner_scope(owner_id) for owner_id in owners}

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

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
        except attachments.FileMissing as exc:
            raise Http404(str(exc)) from None

    def attachment_upload_view(self, request, purchase_id):
        """Upload a receipt or document for a purchase this admin user may change."""
        purchase = self.get_queryset(request).filter(pk=purchase_id).first()
        if purchase is None or not self.has_change_permission(request, purchase):
            raise Http404("No such purchase.")
        form = AttachmentUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                attachment = attachments.attachment_upload(
                    purchase=purchase, uploaded_file=form.cleaned_data["file"], kind=form.cleaned_data["kind"]
                )
            except attachments.AttachmentRejected as exc:
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
        return TemplateResponse(request, "purchases/admin/attachment_upload.html", context)
