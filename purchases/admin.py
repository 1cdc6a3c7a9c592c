"""Admin for purchases. Apps above add their parts (spends.admin_mixins.admin_extend): warranties the warranty
inline and the warranty status filter (warranties/admin.py), attachments the files (attachments/admin.py), transfer
the import/export buttons (transfer/admin.py)."""

from django.contrib import admin

from purchases.models import Purchase
from spends import data_versions
from spends.admin_mixins import DataVersionAdminMixin


@admin.register(Purchase)
class PurchaseAdmin(DataVersionAdminMixin, admin.ModelAdmin):
    list_display = ["product_name", "price", "currency_code", "retailer", "brand", "status", "purchase_date", "owner"]
    list_filter = ["status", "currency_code", "retailer", "brand"]  # warranties adds its status filter after "status"
    search_fields = ["product_name", "notes", "retailer__name", "brand__name"]
    list_select_related = ["retailer", "brand", "owner"]
    autocomplete_fields = ["retailer", "brand"]
    date_hierarchy = "purchase_date"
    ordering = ["-purchase_date", "-created_at"]
    readonly_fields = ["id", "created_at", "updated_at"]
    list_per_page = 100

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(owner=request.user)

    def data_version_scopes(self, queryset) -> set[str]:
        owners = queryset.order_by().values_list("owner_id", flat=True).distinct()
        return {data_versions.owner_scope(owner_id) for owner_id in owners}

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}
