"""Admin for purchases, with their warranty and (read-only) attachments inline; attachment downloads for admin
users who may see the purchase."""

from django.contrib import admin
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html

from purchases import attachments
from purchases.api.attachment_views import file_response
from purchases.models import Attachment, Purchase
from warranties.models import Warranty


class WarrantyInline(admin.StackedInline):
    model = Warranty
    extra = 0
    max_num = 1
    readonly_fields = ["created_at", "updated_at"]


class AttachmentInline(admin.TabularInline):
    """Read-only: uploads and deletions go through the API (type sniffing, dedupe, file removal after commit)."""

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
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ["product_name", "price", "currency_code", "retailer", "brand", "status", "purchase_date", "owner"]
    list_filter = ["status", "currency_code", "retailer", "brand"]
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

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def get_urls(self):
        download = self.admin_site.admin_view(self.attachment_download_view)
        return [
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
